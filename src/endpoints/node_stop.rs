//! Stopping one node through its manager: the safety check, the stop request, and the graceful wait.
pub use crate::endpoints::node_wait::Outcome;
use crate::endpoints::node_wait::{non_empty, read_answer, Answer, NodeWatch, STOPPED};
use crate::endpoints::safety::{self, ForcedRisk, Safety, Waited};
use crate::endpoints::store_poll::StorePolls;
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Asked, Asker, Patience};
use crate::net::wire::{self, StopDoc};
use crate::planning::names::encode_segment;
use crate::results::ResultKind;

pub struct NodeStop<'a> {
    /// Transport, deadline, cancellation, the operation's gate and log.
    pub asker: Asker<'a>,
    pub manager: &'a ManagerEndpoint,
    /// Every targeted manager: the store document is cluster-wide, so another one can report this node's status
    /// when its own manager stops answering after accepting the stop.
    pub managers: &'a [ManagerEndpoint],
    pub store: &'a str,
    /// The store polls of the operation, shared by every node waiting for its graceful stop (store_poll.rs).
    pub polls: &'a StorePolls,
    pub instance: &'a str,
    pub force: bool,
    /// Before a graceful stop: wait until the node's manager says the store is safe. Off during a passive
    /// whole-store stop, whose store-level check was made once before. A forced stop never checks here.
    pub check_safety: bool,
    /// A forced stop's operation-wide safety answer (`ForcedRisk`): the first row it stops says "data may be lost"
    /// when the store was not safe. None: nothing to tell.
    pub risk: Option<&'a ForcedRisk>,
    /// This node and the nodes waiting behind it in the same sequence: a silent manager may take only this
    /// node's share of the time left (`retry::Patience`).
    pub shares: usize,
    /// The node's latest state, for progress snapshots.
    pub progress: &'a dyn Fn(String),
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
        let mut patience = Patience::new(self.shares);
        if self.check_safety && !self.force {
            (self.progress)("Checking safety".to_string());
            if let Err(outcome) = self.wait_for_safety(&mut patience) {
                return outcome;
            }
        }
        (self.progress)(if self.force { "Stopping (forced)" } else { "Stopping" }.to_string());
        let path = stop_path(self.store, self.instance, self.force);
        let deadline = self.asker.deadline;
        let outcome = match self.asker.ask(&mut patience, self.manager, "POST", &path, None, true, &read_answer) {
            Asked::Answer(Answer::Accepted(status, doc)) => self.accepted(status, doc, &mut patience),
            Asked::Answer(Answer::Other(reply)) => match reply.status {
                409 => Outcome::new(ResultKind::Success, "Already stopped", 409),
                status => Outcome::new(ResultKind::Failed, wire::error_text(status, &reply.body), status),
            },
            Asked::GaveUp(summary) => Outcome::new(
                ResultKind::Failed,
                format!(
                    "no answer from manager {} to the stop request ({}); the node's state is unknown",
                    self.manager, summary
                ),
                0,
            ),
            Asked::Timeout { sent: false, .. } => {
                Outcome::new(ResultKind::Timeout, format!("{} before the stop was sent", deadline.describe()), 0)
            }
            Asked::Timeout { last, sent: true } => Outcome::new(
                ResultKind::Timeout,
                format!(
                    "{}: no answer to the stop request ({}); the manager may still stop the node",
                    deadline.describe(),
                    last
                ),
                0,
            ),
            Asked::Cancelled => Outcome::new(ResultKind::Cancelled, "cancelled before the stop was sent", 0),
        };
        // A 409 stopped nothing, so it put no data at risk: the next stop tells it.
        let stopped_here = outcome.kind == ResultKind::Success && outcome.http_status != 409;
        match self.risk.filter(|_| stopped_here).and_then(ForcedRisk::tell_once) {
            Some(detail) => Outcome {
                message: format!("{}; data may be lost: store was not safe ({})", outcome.message, detail),
                ..outcome
            },
            None => outcome,
        }
    }

    /// Waits for the store to be safe before a graceful stop; the row when it never became safe.
    fn wait_for_safety(&self, patience: &mut Patience) -> Result<(), Outcome> {
        let waited = safety::wait_until_safe(
            &self.asker,
            patience,
            self.manager,
            self.store,
            Some(self.instance),
            self.progress,
        );
        match waited {
            Waited::Ready(Safety::Unsupported) => {
                (self.asker.log)(self.no_safety_endpoint_note());
                Ok(())
            }
            Waited::Ready(Safety::Unknown(reason)) => {
                (self.asker.log)(format!(
                    "Safety check on {} failed ({}); the graceful stop still moves data away first",
                    self.manager, reason
                ));
                Ok(())
            }
            Waited::Ready(_) => Ok(()),
            Waited::TimedOut { detail } => Err(Outcome::new(
                ResultKind::Timeout,
                format!("{}: store not safe, {}; the node was not stopped", self.asker.deadline.describe(), detail),
                0,
            )),
            Waited::NoAnswer { text, timed_out } => Err(self.safety_unanswered(text, timed_out)),
            Waited::Cancelled => {
                Err(Outcome::new(ResultKind::Cancelled, "cancelled while waiting for the store to become safe", 0))
            }
        }
    }

    /// The row of a node whose manager never answered the safety check: no stop request was sent.
    fn safety_unanswered(&self, text: String, timed_out: bool) -> Outcome {
        if timed_out {
            let reason = if text.is_empty() { String::new() } else { format!(" ({})", text) };
            Outcome::new(
                ResultKind::Timeout,
                format!(
                    "{}: no answer from manager {} to the safety check{}; the stop was not sent",
                    self.asker.deadline.describe(),
                    self.manager,
                    reason
                ),
                0,
            )
        } else {
            Outcome::new(
                ResultKind::Failed,
                format!(
                    "no answer from manager {} to the safety check ({}); the stop was not sent",
                    self.manager, text
                ),
                0,
            )
        }
    }

    fn no_safety_endpoint_note(&self) -> String {
        format!("Manager {} has no safety endpoint; stopping without a safety check", self.manager)
    }

    fn accepted(&self, status: u16, doc: StopDoc, patience: &mut Patience) -> Outcome {
        let reported = doc.status.clone().unwrap_or_default();
        if status == 200 && (reported.is_empty() || reported.eq_ignore_ascii_case("Stopped")) {
            return Outcome::new(ResultKind::Success, non_empty(doc.message, "Stopped"), status);
        }
        if let Some(n) = doc.migrations_remaining {
            (self.progress)(format!("Stopping: {} migrations remaining", n));
        }
        NodeWatch {
            asker: &self.asker,
            manager: self.manager,
            managers: self.managers,
            store: self.store,
            polls: self.polls,
            instance: self.instance,
            progress: self.progress,
        }
        .wait_for(&STOPPED, status, patience)
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
}
