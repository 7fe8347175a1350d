//! Stopping one node through its manager: the safety check, the stop request, and the graceful wait.
use crate::address::ManagerEndpoint;
use crate::deadline::{Backoff, CancelToken, Deadline};
use crate::discovery::store_path;
use crate::names::encode_segment;
use crate::results::ResultKind;
use crate::safety::{self, Safety, Waited};
use crate::transport::{CallError, Logger, Transport};
use crate::wire::{self, StopDoc, StoreDoc};

pub struct NodeStop<'a> {
    pub transport: &'a Transport,
    pub manager: &'a ManagerEndpoint,
    pub store: &'a str,
    pub instance: &'a str,
    pub force: bool,
    /// Off during a passive whole-store stop, whose store-level check was made once before.
    pub check_safety: bool,
    pub deadline: &'a Deadline,
    pub cancel: &'a CancelToken,
    pub log: Logger<'a>,
    /// The node's latest state, for progress snapshots.
    pub progress: &'a dyn Fn(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub kind: ResultKind,
    pub message: String,
    pub http_status: u16,
}

impl Outcome {
    fn new(kind: ResultKind, message: impl Into<String>, http_status: u16) -> Outcome {
        Outcome { kind, message: message.into(), http_status }
    }
}

pub fn stop_path(store: &str, instance: &str, force: bool) -> String {
    format!(
        "/admin/v1/stores/{}/instances/{}/stop{}",
        encode_segment(store),
        encode_segment(instance),
        if force { "?force=true" } else { "" }
    )
}

impl<'a> NodeStop<'a> {
    pub fn run(&self) -> Outcome {
        let mut data_risk = None;
        if self.check_safety {
            (self.progress)("Checking safety".to_string());
            if self.force {
                data_risk = self.check_once_before_force();
            } else if let Some(outcome) = self.wait_for_safety() {
                return outcome;
            }
        }
        (self.progress)(if self.force { "Stopping (forced)" } else { "Stopping" }.to_string());
        let path = stop_path(self.store, self.instance, self.force);
        let outcome = match self.transport.call("POST", self.manager, &path, None, self.deadline, self.log) {
            Err(CallError::Timeout) => Outcome::new(
                ResultKind::Timeout,
                format!("{}: no answer to the stop request", self.deadline.describe()),
                0,
            ),
            Err(CallError::Failed(reason)) => Outcome::new(ResultKind::Failed, reason, 0),
            Ok(reply) => match reply.status {
                200 | 202 => self.accepted(reply.status, &reply.body),
                409 => Outcome::new(ResultKind::Success, "Already stopped", 409),
                status => Outcome::new(ResultKind::Failed, wire::error_text(status, &reply.body), status),
            },
        };
        match data_risk {
            // A 409 stopped nothing, so it put no data at risk.
            Some(detail) if outcome.kind == ResultKind::Success && outcome.http_status != 409 => Outcome {
                message: format!("{}; data may be lost: store was not safe ({})", outcome.message, detail),
                ..outcome
            },
            _ => outcome,
        }
    }

    /// Returns the detail of an unsafe store; a forced stop goes ahead regardless, as the operator asked.
    fn check_once_before_force(&self) -> Option<String> {
        match safety::check(self.transport, self.manager, self.store, Some(self.instance), self.deadline, self.log) {
            Safety::Unsafe { detail } => Some(detail),
            Safety::Unsupported => {
                (self.log)(self.no_safety_endpoint_note());
                None
            }
            Safety::Unknown(reason) => {
                (self.log)(format!("Safety check on {} failed ({}); forcing the stop as asked", self.manager, reason));
                None
            }
            Safety::Safe => None,
        }
    }

    /// Waits for the store to be safe before a graceful stop; returns the row when it never became safe.
    fn wait_for_safety(&self) -> Option<Outcome> {
        let waited = safety::wait_until_safe(
            self.transport,
            self.manager,
            self.store,
            Some(self.instance),
            self.deadline,
            self.cancel,
            self.log,
            self.progress,
        );
        match waited {
            Waited::Ready(Safety::Unsupported) => {
                (self.log)(self.no_safety_endpoint_note());
                None
            }
            Waited::Ready(Safety::Unknown(reason)) => {
                (self.log)(format!(
                    "Safety check on {} failed ({}); the graceful stop still moves data away first",
                    self.manager, reason
                ));
                None
            }
            Waited::Ready(_) => None,
            Waited::TimedOut { detail } => Some(Outcome::new(
                ResultKind::Timeout,
                format!("{}: store not safe, {}; the node was not stopped", self.deadline.describe(), detail),
                0,
            )),
            Waited::Cancelled => {
                Some(Outcome::new(ResultKind::Cancelled, "cancelled while waiting for the store to become safe", 0))
            }
        }
    }

    fn no_safety_endpoint_note(&self) -> String {
        format!("Manager {} has no safety endpoint; stopping without a safety check", self.manager)
    }

    fn accepted(&self, status: u16, body: &str) -> Outcome {
        let doc = match wire::parse::<StopDoc>(body) {
            Ok(doc) => doc,
            Err(problem) => {
                return Outcome::new(
                    ResultKind::Failed,
                    format!("the manager answered {} with an {}; the node's state is unknown", status, problem),
                    status,
                )
            }
        };
        let reported = doc.status.clone().unwrap_or_default();
        if status == 200 && (reported.is_empty() || reported.eq_ignore_ascii_case("Stopped")) {
            return Outcome::new(ResultKind::Success, non_empty(doc.message, "Stopped"), status);
        }
        if let Some(n) = doc.migrations_remaining {
            (self.progress)(format!("Stopping: {} migrations remaining", n));
        }
        self.wait_until_stopped(status)
    }

    /// After 202: poll the store on the same manager until the node reports Stopped. Never turns into a force.
    fn wait_until_stopped(&self, accepted_status: u16) -> Outcome {
        let mut backoff = Backoff::new();
        let mut last_seen = "Stopping".to_string();
        loop {
            if !self.cancel.sleep(backoff.next_pause(), self.deadline) {
                return Outcome::new(
                    ResultKind::Cancelled,
                    format!("cancelled while {}; the manager continues the graceful stop", last_seen),
                    accepted_status,
                );
            }
            if self.deadline.expired() {
                return Outcome::new(
                    ResultKind::Timeout,
                    format!("{}: still {}", self.deadline.describe(), last_seen),
                    accepted_status,
                );
            }
            let reply = match self.transport.call(
                "GET",
                self.manager,
                &store_path(self.store),
                None,
                self.deadline,
                self.log,
            ) {
                Ok(reply) => reply,
                Err(err) => {
                    last_seen = format!("{} (last poll: {})", strip_poll_note(&last_seen), err.describe(self.deadline));
                    continue;
                }
            };
            if reply.status != 200 {
                let text = wire::error_text(reply.status, &reply.body);
                last_seen = format!("{} (last poll: {})", strip_poll_note(&last_seen), text);
                continue;
            }
            let doc = match wire::parse::<StoreDoc>(&reply.body) {
                Ok(doc) => doc,
                Err(problem) => {
                    last_seen = format!("{} (last poll: {})", strip_poll_note(&last_seen), problem);
                    continue;
                }
            };
            let node = match doc.instances.iter().find(|i| i.name == self.instance) {
                Some(node) => node,
                None => {
                    return Outcome::new(
                        ResultKind::Failed,
                        "the node disappeared from the store while stopping; its state is unknown",
                        reply.status,
                    )
                }
            };
            let status = node.status.clone().unwrap_or_else(|| "unknown".to_string());
            if status.eq_ignore_ascii_case("Stopped") {
                return Outcome::new(ResultKind::Success, "Stopped", accepted_status);
            }
            last_seen = match node.migrations_remaining {
                Some(n) => format!("{}, {} migrations remaining", status, n),
                None => status,
            };
            (self.progress)(last_seen.clone());
        }
    }
}

fn strip_poll_note(text: &str) -> &str {
    match text.find(" (last poll:") {
        Some(i) => &text[..i],
        None => text,
    }
}

fn non_empty(text: Option<String>, fallback: &str) -> String {
    match text {
        Some(t) if !t.trim().is_empty() => t.trim().to_string(),
        _ => fallback.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_path_encodes_and_forces() {
        assert_eq!(
            stop_path("Orders Store/é", "n#1", false),
            "/admin/v1/stores/Orders%20Store%2F%C3%A9/instances/n%231/stop"
        );
        assert_eq!(stop_path("S", "i", true), "/admin/v1/stores/S/instances/i/stop?force=true");
    }

    #[test]
    fn poll_notes_do_not_pile_up() {
        assert_eq!(strip_poll_note("Stopping (last poll: x)"), "Stopping");
        assert_eq!(strip_poll_note("Stopping"), "Stopping");
    }
}
