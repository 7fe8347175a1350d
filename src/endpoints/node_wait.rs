//! What a stop and a start of one node share: their row (`Outcome`) and the wait after the manager accepted the
//! request, polling the store (through the operation's shared polls, store_poll.rs) until the node reports the
//! status asked for (`Stopped` after a stop, `Running` after a start).
use crate::deadline::Backoff;
use crate::endpoints::discovery::store_path;
use crate::endpoints::store_poll::{Look, StorePolls};
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Asked, Asker, Attempt, Patience};
use crate::net::transport::Reply;
use crate::net::wire::{self, StopDoc, StoreDoc};
use crate::results::ResultKind;
use std::time::Instant;

/// A manager's answer to a stop or start request.
pub enum Answer {
    /// 200 or 202 with a readable body (a start's has the stop's shape).
    Accepted(u16, StopDoc),
    Other(Reply),
}

/// Reads a stop or start reply; a 200/202 whose body cannot be read is no answer.
pub fn read_answer(reply: &Reply) -> Result<Answer, String> {
    match reply.status {
        200 | 202 => match wire::parse::<StopDoc>(&reply.body) {
            Ok(doc) => Ok(Answer::Accepted(reply.status, doc)),
            Err(problem) => Err(format!("the manager answered {} with an {}", reply.status, problem)),
        },
        _ => Ok(Answer::Other(reply.clone())),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub kind: ResultKind,
    pub message: String,
    pub http_status: u16,
}

impl Outcome {
    pub fn new(kind: ResultKind, message: impl Into<String>, http_status: u16) -> Outcome {
        Outcome { kind, message: message.into(), http_status }
    }
}

/// The node being watched, and where its status is read.
pub struct NodeWatch<'a> {
    pub asker: &'a Asker<'a>,
    pub manager: &'a ManagerEndpoint,
    /// Every targeted manager: the store document is cluster-wide, so another one can report this node's status
    /// when its own manager stops answering after accepting the request.
    pub managers: &'a [ManagerEndpoint],
    pub store: &'a str,
    pub polls: &'a StorePolls,
    pub instance: &'a str,
    pub progress: &'a dyn Fn(String),
}

/// What the wait is for, in the words of its rows.
pub struct Goal {
    /// The status that ends the wait: "Stopped", "Running".
    pub status: &'static str,
    /// The status before it: "Stopping", "Starting".
    pub meanwhile: &'static str,
    /// What the manager was asked: "stop", "start".
    pub request: &'static str,
    /// What the manager goes on with after a cancel: "graceful stop", "start".
    pub work: &'static str,
    /// Whether the node's migrations remaining say how far it is (a stop hands its partitions away; a starting
    /// node's count says nothing about its start).
    pub migrations: bool,
}

pub const STOPPED: Goal =
    Goal { status: "Stopped", meanwhile: "Stopping", request: "stop", work: "graceful stop", migrations: true };
pub const RUNNING: Goal =
    Goal { status: "Running", meanwhile: "Starting", request: "start", work: "start", migrations: false };

/// A poll needs the store document; anything else says nothing about the node.
/// A store document, or why the reply is not one (an error status counts as no answer, as for a poll).
pub fn read_store(reply: &Reply) -> Result<StoreDoc, String> {
    match reply.status {
        200 => wire::parse::<StoreDoc>(&reply.body),
        status => Err(wire::error_text(status, &reply.body)),
    }
}

impl NodeWatch<'_> {
    /// After the manager accepted (`accepted_status`): poll the store until the node reports `goal.status`. A
    /// document another waiting node fetched after this node's previous look serves it too (store_poll.rs);
    /// otherwise this node fetches, asking its own manager first; when that one stops answering, the other
    /// targeted managers (the store document is cluster-wide), staying with the first that answers.
    pub fn wait_for(&self, goal: &Goal, accepted_status: u16, patience: &mut Patience) -> Outcome {
        let deadline = self.asker.deadline;
        let mut pollers: Vec<&ManagerEndpoint> = vec![self.manager];
        pollers.extend(self.managers.iter().filter(|m| *m != self.manager));
        let mut current = 0;
        // "127.0.0.12:7801 stopped answering: connection reset", once another manager had to answer for it.
        let mut own_silence: Option<String> = None;
        let mut backoff = Backoff::new();
        let mut last_seen = goal.meanwhile.to_string();
        // Only documents fetched after this moment can tell: the request was accepted just now.
        let mut since = Instant::now();
        let path = store_path(self.store);
        let cancelled = |last_seen: &str| {
            Outcome::new(
                ResultKind::Cancelled,
                format!("cancelled while {}; the manager continues the {}", last_seen, goal.work),
                accepted_status,
            )
        };
        let timed_out = |last_seen: &str| {
            Outcome::new(ResultKind::Timeout, format!("{}: still {}", deadline.describe(), last_seen), accepted_status)
        };
        loop {
            if !self.asker.cancel.sleep(backoff.next_pause(), deadline) {
                return cancelled(&last_seen);
            }
            if deadline.expired() {
                return timed_out(&last_seen);
            }
            let mut answer = None;
            for k in 0..pollers.len() {
                let fetch = match self.polls.look(since, self.asker.cancel, deadline) {
                    Look::Ready(fetched) => {
                        patience.answered();
                        answer = Some(fetched);
                        break;
                    }
                    Look::Over if self.asker.cancel.is_cancelled() => return cancelled(&last_seen),
                    Look::Over => return timed_out(&last_seen),
                    Look::Fetch(fetch) => fetch,
                };
                let index = (current + k) % pollers.len();
                let poller = pollers[index];
                match self.asker.once(patience, poller, "GET", &path, None, false, &read_store) {
                    Attempt::Answer(doc) => {
                        current = index;
                        answer = Some(fetch.publish(poller, doc));
                        break;
                    }
                    Attempt::Silent(reason) => {
                        drop(fetch);
                        if index == 0 && own_silence.is_none() {
                            own_silence = Some(format!("{} stopped answering: {}", self.manager, reason));
                        }
                        last_seen = format!("{} (last poll: {}: {})", strip_poll_note(&last_seen), poller, reason);
                        if !patience.failed(reason) {
                            return Outcome::new(
                                ResultKind::Failed,
                                format!(
                                    "the {} was accepted ({}), then no targeted manager answered about the node ({}); \
                                     the manager may still complete the {}",
                                    goal.request,
                                    accepted_status,
                                    patience.summary(),
                                    goal.request
                                ),
                                accepted_status,
                            );
                        }
                    }
                    Attempt::Over(Asked::Cancelled) => return cancelled(&last_seen),
                    Attempt::Over(_) => return timed_out(&last_seen),
                }
            }
            let fetched = match answer {
                Some(fetched) => fetched,
                None => continue,
            };
            since = fetched.started;
            let node = match fetched.instance(self.instance) {
                Some(node) => node,
                None => {
                    return Outcome::new(
                        ResultKind::Failed,
                        format!(
                            "the node disappeared from the store while {}; its state is unknown",
                            goal.meanwhile.to_lowercase()
                        ),
                        accepted_status,
                    )
                }
            };
            let status = node.status.clone().unwrap_or_else(|| "unknown".to_string());
            if status.eq_ignore_ascii_case(goal.status) {
                let message = match &own_silence {
                    Some(silence) if fetched.reporter != *self.manager => {
                        format!("{} (reported by {}; {})", goal.status, fetched.reporter, silence)
                    }
                    _ => goal.status.to_string(),
                };
                return Outcome::new(ResultKind::Success, message, accepted_status);
            }
            last_seen = match node.migrations_remaining.filter(|_| goal.migrations) {
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

pub fn non_empty(text: Option<String>, fallback: &str) -> String {
    match text {
        Some(t) if !t.trim().is_empty() => t.trim().to_string(),
        _ => fallback.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_notes_do_not_pile_up() {
        assert_eq!(strip_poll_note("Stopping (last poll: x)"), "Stopping");
        assert_eq!(strip_poll_note("Stopping"), "Stopping");
    }
}
