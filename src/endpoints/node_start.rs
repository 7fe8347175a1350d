//! Starting one node through its manager: the start request, and the wait until the node reports Running. The
//! twin of node_stop.rs, under the same retry, admission and patience rules (net::retry) and the same shared
//! store poll (store_poll.rs). A manager without the start endpoint gets a FAILED row that says so: nothing is
//! guessed.
use crate::endpoints::node_wait::{non_empty, read_answer, Answer, NodeWatch, Outcome, RUNNING, STOPPED};
use crate::endpoints::safety;
use crate::endpoints::store_poll::StorePolls;
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Asked, Asker, Patience};
use crate::net::wire::{self, StopDoc};
use crate::planning::names::encode_segment;
use crate::results::ResultKind;

pub struct NodeStart<'a> {
    /// Transport, deadline, cancellation, the operation's gate and log.
    pub asker: Asker<'a>,
    pub manager: &'a ManagerEndpoint,
    /// Every targeted manager: any of them can report the node's status from the cluster-wide store document.
    pub managers: &'a [ManagerEndpoint],
    pub store: &'a str,
    /// The store polls of the operation, shared by every node waiting (store_poll.rs).
    pub polls: &'a StorePolls,
    pub instance: &'a str,
    /// This node and the nodes waiting behind it in the same sequence (`retry::Patience`).
    pub shares: usize,
    /// The node's latest state, for progress snapshots.
    pub progress: &'a dyn Fn(String),
    /// Wait until the node reports Running. Off for a rolling restart bringing a node back after a cancel or
    /// a timeout: there a 202 is enough (SUCCESS "Starting"), the manager completes the start on its own.
    pub wait: bool,
}

pub fn start_path(store: &str, instance: &str) -> String {
    format!("/admin/v1/stores/{}/instances/{}/start", encode_segment(store), encode_segment(instance))
}

/// What a reply other than 200/202 means for the node.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    AlreadyRunning,
    /// A graceful stop is still running: start it once it reports Stopped.
    StillStopping,
    /// 404/405/501 without an instance error code: the manager does not know the route.
    NoEndpoint,
    /// Anything else: FAILED with the manager's text.
    Failed,
}

fn judge(status: u16, body: &str) -> Refusal {
    let code = wire::error_code(body).unwrap_or_default();
    match (status, code.as_str()) {
        (409, "AlreadyRunning") => Refusal::AlreadyRunning,
        (409, "InstanceStopping") => Refusal::StillStopping,
        (404, "InstanceNotFound") | (404, "NotHosted") | (404, "StoreNotFound") => Refusal::Failed,
        (status, _) if safety::is_unsupported(status) => Refusal::NoEndpoint,
        _ => Refusal::Failed,
    }
}

impl NodeStart<'_> {
    pub fn run(&self) -> Outcome {
        let mut patience = Patience::new(self.shares);
        let deadline = self.asker.deadline;
        let path = start_path(self.store, self.instance);
        // A node still stopping is waited for once, then started; a second "still stopping" is the manager's word.
        let mut waited_for_stop = false;
        loop {
            (self.progress)("Starting".to_string());
            let reply = match self.asker.ask(&mut patience, self.manager, "POST", &path, None, true, &read_answer) {
                Asked::Answer(Answer::Accepted(status, doc)) => return self.accepted(status, doc, &mut patience),
                Asked::Answer(Answer::Other(reply)) => reply,
                Asked::GaveUp(summary) => {
                    return Outcome::new(
                        ResultKind::Failed,
                        format!(
                            "no answer from manager {} to the start request ({}); the node's state is unknown",
                            self.manager, summary
                        ),
                        0,
                    )
                }
                Asked::Timeout { sent: false, .. } => {
                    return Outcome::new(
                        ResultKind::Timeout,
                        format!("{} before the start was sent", deadline.describe()),
                        0,
                    )
                }
                Asked::Timeout { last, sent: true } => {
                    return Outcome::new(
                        ResultKind::Timeout,
                        format!(
                            "{}: no answer to the start request ({}); the manager may still start the node",
                            deadline.describe(),
                            last
                        ),
                        0,
                    )
                }
                Asked::Cancelled => {
                    return Outcome::new(ResultKind::Cancelled, "cancelled before the start was sent", 0)
                }
            };
            match judge(reply.status, &reply.body) {
                Refusal::AlreadyRunning => return Outcome::new(ResultKind::Success, "already running", 409),
                Refusal::StillStopping if !waited_for_stop => {
                    waited_for_stop = true;
                    (self.progress)("Waiting for the node's graceful stop to end".to_string());
                    let stopped = self.watch().wait_for(&STOPPED, 409, &mut patience);
                    if stopped.kind != ResultKind::Success {
                        return Outcome {
                            message: format!(
                                "{}; the node was still stopping, the start was not sent",
                                stopped.message
                            ),
                            ..stopped
                        };
                    }
                }
                Refusal::NoEndpoint => {
                    return Outcome::new(
                        ResultKind::Failed,
                        format!(
                            "manager {} has no start endpoint ({}); nothing was started",
                            self.manager, reply.status
                        ),
                        reply.status,
                    )
                }
                Refusal::StillStopping | Refusal::Failed => {
                    return Outcome::new(ResultKind::Failed, wire::error_text(reply.status, &reply.body), reply.status)
                }
            }
        }
    }

    fn watch(&self) -> NodeWatch<'_> {
        NodeWatch {
            asker: &self.asker,
            manager: self.manager,
            managers: self.managers,
            store: self.store,
            polls: self.polls,
            instance: self.instance,
            progress: self.progress,
        }
    }

    fn accepted(&self, status: u16, doc: StopDoc, patience: &mut Patience) -> Outcome {
        let reported = doc.status.clone().unwrap_or_default();
        if status == 200 && (reported.is_empty() || reported.eq_ignore_ascii_case("Running")) {
            return Outcome::new(ResultKind::Success, "Running", status);
        }
        if !self.wait {
            return Outcome::new(ResultKind::Success, non_empty(doc.status, "Starting"), status);
        }
        self.watch().wait_for(&RUNNING, status, patience)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_path_encodes_each_segment() {
        assert_eq!(
            start_path("Orders Store/é", "n#1"),
            "/admin/v1/stores/Orders%20Store%2F%C3%A9/instances/n%231/start"
        );
    }

    #[test]
    fn refusals_are_judged_by_status_and_code() {
        let body = |code: &str| format!(r#"{{"error":{{"code":"{}","message":"m"}}}}"#, code);
        assert_eq!(judge(409, &body("AlreadyRunning")), Refusal::AlreadyRunning);
        assert_eq!(judge(409, &body("InstanceStopping")), Refusal::StillStopping);
        assert_eq!(judge(409, &body("Other")), Refusal::Failed);
        assert_eq!(judge(404, &body("InstanceNotFound")), Refusal::Failed);
        assert_eq!(judge(404, &body("NotHosted")), Refusal::Failed);
        assert_eq!(judge(404, &body("NotFound")), Refusal::NoEndpoint);
        assert_eq!(judge(404, ""), Refusal::NoEndpoint);
        assert_eq!(judge(405, ""), Refusal::NoEndpoint);
        assert_eq!(judge(501, &body("NotImplemented")), Refusal::NoEndpoint);
        assert_eq!(judge(500, &body("Boom")), Refusal::Failed);
    }
}
