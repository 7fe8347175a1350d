//! What an operation's threads share: the rows, the progress and the log behind one lock, the cancel token and
//! the deadline; and the gate that admits each request only while its operation (and its node's row) is open.
use crate::deadline::{CancelToken, Deadline};
use crate::endpoints::discovery::Discovered;
use crate::endpoints::store_list::StoreList;
use crate::error::{DkvError, ErrorKind};
use crate::net::retry::Gate;
use crate::operation::audit::{AuditRun, Ending, NodeEnd};
use crate::planning::plan::Plan;
use crate::results::{Action, NodeResult, ResultKind};
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Log lines with this prefix are warnings; the module shows them as such.
pub const WARNING_PREFIX: &str = "WARNING: ";

/// How long past the deadline a caller waits for in-flight requests before unfinished nodes are reported as
/// TIMEOUT regardless (a request can outlive its timeout only in DNS resolution, which cannot be interrupted).
pub(super) const OVERDUE_GRACE: Duration = Duration::from_millis(750);

/// A rolling restart whose node was stopped when a cancel, the deadline or the per-node limit came: how long it
/// may go on past that moment (even past the deadline) to bring the node back, i.e. to wait for it to leave
/// Stopping and send its start (restart.rs). Bounded so that a cancel still ends the call promptly; long enough
/// for a manager to finish a graceful stop already under way and accept the start.
pub const RECOVERY_GRACE: Duration = Duration::from_secs(10);

/// How long a cancel waits for requests admitted just before it to leave this machine. A request is sent the
/// moment it is admitted, so this only closes the gap between the two; an older request in flight (a hanging
/// manager) is not waited for: its row says the manager may still complete the stop.
const SEND_GRACE: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    Pending = 0,
    Running = 1,
    Done = 2,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeProgress {
    pub instance: String,
    pub manager: String,
    pub message: String,
    pub state: NodeState,
    pub kind: Option<ResultKind>,
}

pub(super) struct State {
    pub(super) phase: String,
    pub(super) planned: bool,
    pub(super) nodes: Vec<NodeProgress>,
    /// Instance name -> its first slot in `nodes`: a search of every node each time one starts made a
    /// whole-store stop quadratic (10,000 nodes: 50 million name comparisons under the lock).
    pub(super) first_slot: HashMap<String, usize>,
    pub(super) results: Vec<NodeResult>,
    pub(super) log: Vec<String>,
    pub(super) finished: bool,
    pub(super) error: Option<DkvError>,
    pub(super) node_started: Vec<Option<Instant>>,
    /// Per node, for a restart: how long it was down, written into its row.
    pub(super) down: Vec<Option<Duration>>,
    /// Per node: its stop request was admitted (and so may have reached the manager).
    pub(super) sent: Vec<bool>,
    /// Requests admitted and not yet over, with when they were admitted.
    pub(super) in_flight: Vec<(u64, Instant)>,
    pub(super) next_ticket: u64,
    pub(super) discovered: Option<Discovered>,
    /// Set by a plan-only operation once it planned.
    pub(super) plan: Option<Plan>,
    /// Set by a store-list operation once the managers answered.
    pub(super) listed: Option<StoreList>,
}

/// Why the unfinished nodes of an operation end early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    Cancelled,
    FailFast,
}

pub(super) struct Shared {
    pub(super) state: Mutex<State>,
    /// The audit trail of this operation (audit.rs), when an audit log is set; taken when its closing line is
    /// written. Locked after `state` when both are (finish), never the other way round.
    pub(super) audit: Mutex<Option<AuditRun>>,
    pub(super) changed: Condvar,
    /// Set by cancel, by -FailFast after the first FAILED or TIMEOUT, and past the deadline: nothing new starts
    /// and no request is admitted.
    pub(super) cancel: CancelToken,
    pub(super) fail_fast: bool,
    pub(super) deadline: Deadline,
    pub(super) store: String,
    /// What the operation does before it has a plan, for the error of a cancel or the deadline then: "discovering
    /// store 'X'" (every operation but a list), "listing the stores".
    pub(super) finding: String,
    /// Stop, start or restart: the verb of the rows and of their messages.
    pub(super) action: Action,
    /// How long past the deadline the operation may still be finishing before its callers end it regardless:
    /// OVERDUE_GRACE, plus RECOVERY_GRACE for a restart (which may be bringing a node back).
    pub(super) overdue_grace: Duration,
}

/// Marks the operation finished even when the driver thread panics, so no caller waits forever.
pub(super) struct FinishOnDrop<'a>(pub(super) &'a Shared);

impl Drop for FinishOnDrop<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        if !st.finished {
            if std::thread::panicking() && st.error.is_none() && !st.planned {
                let message = format!("internal error in the {} operation", self.0.action.noun());
                st.error = Some(DkvError::new(ErrorKind::Internal, message));
            }
            let message = format!("internal error: the {} was abandoned", self.0.action.noun());
            self.0.finish_unfinished(&mut st, ResultKind::Failed, &message);
        }
    }
}

impl Shared {
    /// A run not begun yet: discovering, no node, no row.
    pub(super) fn new(action: Action, fail_fast: bool, deadline: Deadline, store: String) -> Shared {
        Shared {
            audit: Mutex::new(None),
            state: Mutex::new(State {
                phase: "Discovering".to_string(),
                planned: false,
                nodes: Vec::new(),
                first_slot: HashMap::new(),
                results: Vec::new(),
                log: Vec::new(),
                finished: false,
                error: None,
                node_started: Vec::new(),
                down: Vec::new(),
                sent: Vec::new(),
                in_flight: Vec::new(),
                next_ticket: 1,
                discovered: None,
                plan: None,
                listed: None,
            }),
            changed: Condvar::new(),
            cancel: CancelToken::new(),
            fail_fast,
            deadline,
            finding: format!("discovering store '{}'", store),
            store,
            action,
            overdue_grace: if action == Action::Restart { RECOVERY_GRACE + OVERDUE_GRACE } else { OVERDUE_GRACE },
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; the panic boundary reports it, so keep going.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn log(&self, line: String) {
        self.lock().log.push(line);
    }

    pub(super) fn set_phase(&self, phase: impl Into<String>) {
        let mut st = self.lock();
        if !st.finished {
            st.phase = phase.into();
        }
    }

    /// A restart's downtime of one node, for its row.
    pub(super) fn set_down(&self, slot: usize, down: Duration) {
        if let Some(d) = self.lock().down.get_mut(slot) {
            *d = Some(down);
        }
    }

    pub(super) fn fail(&self, error: DkvError) {
        let mut st = self.lock();
        if !st.finished {
            st.error = Some(error);
            self.finish(&mut st);
        }
    }

    /// Writes the audit trail's opening line (the plan's nodes), if there is one; an error means nothing may be
    /// sent, and the trail is then dropped (its error is the operation's).
    pub(super) fn audit_begin(&self, plan: &Plan) -> Result<(), DkvError> {
        let mut audit = self.audit.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match audit.as_mut().map(|run| run.begin(Some(plan))) {
            Some(Err(e)) => {
                *audit = None;
                Err(e)
            }
            _ => Ok(()),
        }
    }

    pub(super) fn finish(&self, st: &mut State) {
        if !st.finished {
            let run = self.audit.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
            let ending = || Ending {
                nodes: st
                    .nodes
                    .iter()
                    .enumerate()
                    .map(|(i, node)| NodeEnd {
                        instance: &node.instance,
                        manager: &node.manager,
                        kind: node.kind,
                        message: &node.message,
                        sent: st.sent.get(i).copied().unwrap_or(false),
                    })
                    .collect(),
                error: st.error.as_ref(),
                kinds: st.results.iter().map(|r| r.kind).collect(),
            };
            if let Some(warning) = run.and_then(|mut run| run.end(&ending())) {
                st.log.push(format!("{}{}", WARNING_PREFIX, warning));
            }
        }
        st.finished = true;
        st.phase = "Done".to_string();
        self.changed.notify_all();
    }

    /// Completes every unfinished node as CANCELLED, in words that say whether its stop (start) request was sent.
    pub(super) fn end_unfinished(&self, st: &mut State, end: End) {
        let noun = self.action.noun();
        for i in 0..st.nodes.len() {
            let sent = st.sent.get(i).copied().unwrap_or(false);
            let message = match (st.nodes[i].state, sent, end) {
                (NodeState::Done, _, _) => continue,
                (NodeState::Pending, _, End::Cancelled) => "cancelled before it started".to_string(),
                (NodeState::Pending, _, End::FailFast) => "not started: an earlier node failed (-FailFast)".to_string(),
                (NodeState::Running, false, End::Cancelled) => format!("cancelled before the {} was sent", noun),
                (NodeState::Running, false, End::FailFast) => {
                    "not sent: an earlier node failed (-FailFast)".to_string()
                }
                (NodeState::Running, true, End::Cancelled) => {
                    format!("cancelled after the {} was sent; the manager may still complete the {}", noun, noun)
                }
                (NodeState::Running, true, End::FailFast) => format!(
                    "an earlier node failed (-FailFast) after this {} was sent; the manager may still complete it",
                    noun
                ),
            };
            self.complete(st, i, ResultKind::Cancelled, message, 0);
        }
    }

    /// A restart's cancel: a node whose stop was not sent is CANCELLED "not restarted" now; a node whose stop was
    /// sent is left to the driver, which brings it back within RECOVERY_GRACE and writes its row (restart.rs).
    /// True when such a node is left: the operation is not finished yet.
    pub(super) fn cancel_restart(&self, st: &mut State) -> bool {
        let mut left = false;
        for i in 0..st.nodes.len() {
            let sent = st.sent.get(i).copied().unwrap_or(false);
            let message = match (st.nodes[i].state, sent) {
                (NodeState::Done, _) => continue,
                (_, true) => {
                    left = true;
                    continue;
                }
                (NodeState::Pending, false) => "not restarted: cancelled before its turn",
                (NodeState::Running, false) => "not restarted: cancelled before its stop was sent",
            };
            self.complete(st, i, ResultKind::Cancelled, message.to_string(), 0);
        }
        left
    }

    /// Admits one request unless the operation is over, or (for a node's request) the node's row is written.
    pub(super) fn admit(&self, slot: Option<usize>, stop: bool) -> Option<u64> {
        let mut st = self.lock();
        if st.finished || self.cancel.is_cancelled() {
            return None;
        }
        if let Some(i) = slot {
            if st.nodes.get(i).map_or(true, |n| n.state == NodeState::Done) {
                return None;
            }
            if stop {
                st.sent[i] = true;
            }
        }
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        st.in_flight.push((ticket, Instant::now()));
        Some(ticket)
    }

    /// Admits a restart's recovery request (restart.rs): after a cancel and past the deadline too, but not once
    /// the operation is finished.
    pub(super) fn admit_recovery(&self) -> Option<u64> {
        let mut st = self.lock();
        if st.finished {
            return None;
        }
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        st.in_flight.push((ticket, Instant::now()));
        Some(ticket)
    }

    pub(super) fn release(&self, ticket: u64) {
        let mut st = self.lock();
        st.in_flight.retain(|(t, _)| *t != ticket);
        self.changed.notify_all();
    }

    /// Waits until every request admitted in the last SEND_GRACE is over or old enough to have been sent. The rule
    /// of every end (a cancel, -FailFast, the deadline): once the call returns, nothing it let through is
    /// still to leave this machine.
    pub(super) fn let_admitted_requests_leave<'a>(&'a self, mut st: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        loop {
            let now = Instant::now();
            let youngest = st.in_flight.iter().map(|(_, at)| *at).max();
            let until = match youngest {
                Some(at) if now < at + SEND_GRACE => at + SEND_GRACE,
                _ => return st,
            };
            st = match self.changed.wait_timeout(st, until - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    pub(super) fn set_plan(&self, plan: &Plan) {
        let mut st = self.lock();
        if st.finished {
            return;
        }
        st.planned = true;
        for group in &plan.groups {
            for node in &group.nodes {
                st.nodes.push(NodeProgress {
                    instance: node.name.clone(),
                    manager: group.endpoint.display_name(),
                    message: "Pending".to_string(),
                    state: NodeState::Pending,
                    kind: None,
                });
            }
        }
        for skipped in &plan.skipped {
            st.nodes.push(NodeProgress {
                instance: skipped.instance.clone(),
                manager: skipped.manager.clone(),
                message: String::new(),
                state: NodeState::Pending,
                kind: None,
            });
            let i = st.nodes.len() - 1;
            // The plan's reason is the operation's own: "not started: server ... is not among ...".
            let message = format!("not {}: {}", self.action.done(), skipped.reason);
            self.complete(&mut st, i, ResultKind::Skipped, message, 0);
        }
        st.node_started = vec![None; st.nodes.len()];
        st.down = vec![None; st.nodes.len()];
        st.sent = vec![false; st.nodes.len()];
        let mut first_slot = HashMap::with_capacity(st.nodes.len());
        for (i, node) in st.nodes.iter().enumerate() {
            first_slot.entry(node.instance.clone()).or_insert(i);
        }
        st.first_slot = first_slot;
        self.changed.notify_all();
    }

    /// The first slot of `instance` on `manager`. An instance name listed under two managers is the only case that
    /// needs the search; discovery refuses a store document that repeats a name (endpoints/discovery.rs), so only a
    /// plan made outside an operation can bring one here.
    pub(super) fn slot(&self, st: &State, instance: &str, manager: &str) -> Option<usize> {
        let first = *st.first_slot.get(instance)?;
        if st.nodes[first].manager == manager {
            return Some(first);
        }
        st.nodes.iter().position(|n| n.instance == instance && n.manager == manager)
    }

    /// Marks a node running and returns its slot; None when it must not start (cancelled, -FailFast, finished,
    /// or its row is already written).
    pub(super) fn start_node(&self, instance: &str, manager: &str) -> Option<usize> {
        let mut st = self.lock();
        if st.finished || self.cancel.is_cancelled() {
            return None;
        }
        let i = self.slot(&st, instance, manager)?;
        if st.nodes[i].state != NodeState::Pending {
            return None;
        }
        st.nodes[i].state = NodeState::Running;
        st.nodes[i].message = "Starting".to_string();
        st.node_started[i] = Some(Instant::now());
        self.changed.notify_all();
        Some(i)
    }

    /// By slot: a search by name at every progress line made a whole-store stop quadratic (issue 13, S2).
    pub(super) fn node_message(&self, slot: usize, message: String) {
        let mut st = self.lock();
        if let Some(node) = st.nodes.get_mut(slot) {
            if node.state == NodeState::Running {
                node.message = message;
            }
        }
    }

    /// Writes a node's row, unless it was written already (TIMEOUT or CANCELLED: a late answer must not
    /// contradict it). Under -FailFast a failure ends every other unfinished node and the operation here, in the
    /// same step.
    pub(super) fn record(&self, i: usize, kind: ResultKind, message: String, http_status: u16) {
        let mut st = self.lock();
        if st.finished || st.nodes.get(i).map_or(true, |n| n.state == NodeState::Done) {
            return;
        }
        self.complete(&mut st, i, kind, message, http_status);
        if self.fail_fast && kind.is_failure() && !self.cancel.is_cancelled() {
            self.cancel.cancel();
            self.end_unfinished(&mut st, End::FailFast);
            // Over now, as after a cancel: a node still waiting on a silent manager must not hold its caller
            // (dkv_op_wait) until that attempt runs out; its row is written and nothing more is sent.
            self.finish(&mut st);
            drop(self.let_admitted_requests_leave(st));
        }
    }

    /// Every unfinished node gets the same row, and the operation is over (a failed whole-store preparation, a
    /// driver that panicked).
    pub(super) fn finish_unfinished(&self, st: &mut State, kind: ResultKind, message: &str) {
        for i in 0..st.nodes.len() {
            if st.nodes[i].state != NodeState::Done {
                self.complete(st, i, kind, message.to_string(), 0);
            }
        }
        self.finish(st);
    }

    pub(super) fn complete(&self, st: &mut State, i: usize, kind: ResultKind, message: String, http_status: u16) {
        let started = st.node_started.get(i).copied().flatten();
        let down = st.down.get(i).copied().flatten();
        let node = &mut st.nodes[i];
        node.state = NodeState::Done;
        node.kind = Some(kind);
        node.message = message.clone();
        let row = NodeResult {
            operation: self.action,
            manager: node.manager.clone(),
            store: self.store.clone(),
            instance: node.instance.clone(),
            kind,
            message,
            duration: started.map(|s| s.elapsed()).unwrap_or_default(),
            http_status,
            down,
        };
        st.results.push(row);
        self.changed.notify_all();
    }

    /// Past the deadline and its grace, ends the operation: unfinished nodes are TIMEOUT, and, as a cancel does,
    /// the requests admitted just before are let leave before the caller goes on (a restart's recovery admits
    /// requests past the deadline). Returns the lock, released meanwhile only while waiting for them.
    pub(super) fn finalize_if_overdue<'a>(&'a self, mut st: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        if st.finished || Instant::now() < self.deadline.at() + self.overdue_grace {
            return st;
        }
        self.cancel.cancel();
        if !st.planned {
            st.error =
                Some(DkvError::new(ErrorKind::Timeout, format!("{} {}.", self.deadline.describe(), self.finding)));
        }
        for i in 0..st.nodes.len() {
            if st.nodes[i].state != NodeState::Done {
                let message = if st.sent.get(i).copied().unwrap_or(false) {
                    format!(
                        "{}; the {} was sent, the manager may still complete it",
                        self.deadline.describe(),
                        self.action.noun()
                    )
                } else {
                    format!("{} before the {} was sent", self.deadline.describe(), self.action.noun())
                };
                self.complete(&mut st, i, ResultKind::Timeout, message, 0);
            }
        }
        self.finish(&mut st);
        self.let_admitted_requests_leave(st)
    }
}

/// The gate of one operation's requests: nothing is admitted once it ended, and a node's requests only while
/// its row is open.
pub(super) struct OperationGate<'a> {
    pub(super) shared: &'a Shared,
    pub(super) slot: Option<usize>,
}

impl Gate for OperationGate<'_> {
    fn admit(&self, stop: bool) -> Option<u64> {
        self.shared.admit(self.slot, stop)
    }

    fn release(&self, ticket: u64) {
        self.shared.release(ticket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::address::ManagerEndpoint;
    use crate::net::wire::InstanceDoc;
    use crate::planning::plan::ManagerGroup;

    fn group(manager: &str, names: &[&str]) -> ManagerGroup {
        ManagerGroup {
            endpoint: ManagerEndpoint::parse(manager, 7801).unwrap(),
            nodes: names
                .iter()
                .map(|n| InstanceDoc {
                    name: n.to_string(),
                    server: manager.to_string(),
                    clustron_port: None,
                    client_port: None,
                    status: None,
                    migrations_remaining: None,
                })
                .collect(),
        }
    }

    /// One node, running, on a stop whose deadline and grace are already over.
    fn overdue_stop() -> Shared {
        let mut shared = Shared::new(Action::Stop, false, Deadline::after(Duration::from_millis(0)), "S".into());
        shared.overdue_grace = Duration::from_millis(0);
        let plan = Plan {
            groups: vec![group("10.0.0.1", &["a"])],
            skipped: Vec::new(),
            nodes: Vec::new(),
            whole_store: false,
        };
        shared.set_plan(&plan);
        assert_eq!(shared.start_node("a", "10.0.0.1:7801"), Some(0));
        shared
    }

    #[test]
    fn the_deadline_lets_a_request_admitted_just_before_it_leave_as_a_cancel_does() {
        // The request is released by its sender 50 ms later: the caller ending the operation at the deadline
        // returns only after that, so a request it admitted cannot reach a manager after the call returned.
        let shared = std::sync::Arc::new(overdue_stop());
        let ticket = shared.admit(Some(0), true).expect("admitted");
        let released = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sender = {
            let (shared, released) = (std::sync::Arc::clone(&shared), std::sync::Arc::clone(&released));
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                released.store(true, std::sync::atomic::Ordering::SeqCst);
                shared.release(ticket);
            })
        };
        let st = shared.finalize_if_overdue(shared.lock());
        assert!(st.finished);
        assert!(released.load(std::sync::atomic::Ordering::SeqCst), "returned before the admitted request left");
        assert_eq!(st.results[0].kind, ResultKind::Timeout);
        assert!(st.results[0].message.contains("the stop was sent"), "{}", st.results[0].message);
        drop(st);
        sender.join().unwrap();
    }

    #[test]
    fn the_deadline_waits_for_an_unreleased_request_no_longer_than_the_send_grace() {
        let shared = overdue_stop();
        let admitted = Instant::now();
        let _ticket = shared.admit(Some(0), true).expect("admitted");
        let st = shared.finalize_if_overdue(shared.lock());
        assert!(st.finished);
        let waited = admitted.elapsed();
        assert!(waited >= SEND_GRACE, "returned {:?} after the admission", waited);
        // Not bounded by the request: a hanging one is not waited for (generous for a loaded machine).
        assert!(waited < SEND_GRACE + Duration::from_secs(2), "waited {:?}", waited);
    }

    #[test]
    fn a_node_starts_in_its_own_slot_even_when_its_name_is_repeated_under_another_manager() {
        let shared = Shared::new(Action::Stop, false, Deadline::after(Duration::from_secs(30)), "S".into());
        let plan = Plan {
            groups: vec![group("10.0.0.1", &["a", "b", "twin"]), group("10.0.0.2", &["twin", "c"])],
            skipped: Vec::new(),
            nodes: Vec::new(),
            whole_store: false,
        };
        shared.set_plan(&plan);
        assert_eq!(shared.start_node("b", "10.0.0.1:7801"), Some(1));
        assert_eq!(shared.start_node("twin", "10.0.0.2:7801"), Some(3));
        assert_eq!(shared.start_node("twin", "10.0.0.1:7801"), Some(2));
        assert_eq!(shared.start_node("twin", "10.0.0.1:7801"), None, "a node starts once");
        assert_eq!(shared.start_node("c", "10.0.0.1:7801"), None, "not on that manager");
        assert_eq!(shared.start_node("nobody", "10.0.0.1:7801"), None);
    }
}
