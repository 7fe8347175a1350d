//! The rolling restart driver: discovery and plan as for a stop (stop.rs), then ONE node at a time in the store's
//! order: make sure it can be started again (its start request, sent while it runs, answers AlreadyRunning; a
//! manager without the start endpoint keeps its node running), wait until the store is safe, stop the node gracefully, start it, wait until it is Running and the store
//! is safe again, and only then the next node, so that never two nodes are down. The restart stops at the first
//! node that does not come back cleanly; the later nodes are SKIPPED and a warning says where it stopped and how to
//! go on. A node whose stop was sent is never left down silently: when a cancel, the deadline or the per-node limit
//! comes after that, the driver brings it back within RECOVERY_GRACE (run_state.rs) before the operation finishes.
use crate::deadline::{Backoff, CancelToken, Deadline};
use crate::endpoints::discovery::store_path;
use crate::endpoints::node_start::NodeStart;
use crate::endpoints::node_stop::{NodeStop, Outcome};
use crate::endpoints::node_wait::read_store;
use crate::endpoints::safety::{self, Safety, Waited};
use crate::endpoints::store_poll::StorePolls;
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Asked, Asker, Gate, Patience};
use crate::net::session::Targets;
use crate::operation::run_state::{NodeState, OperationGate, Shared, RECOVERY_GRACE};
use crate::operation::stop::{discover_and_plan, Scope, StopRequest, WARNING_PREFIX};
use crate::planning::plan::Route;
use crate::results::ResultKind;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(super) fn drive(shared: &Shared, targets: &Targets, request: &StopRequest) {
    let (_, plan) = match discover_and_plan(shared, targets, request, Scope::Restart) {
        Some(planned) => planned,
        None => return,
    };
    // The store's order (discovery's), not the managers' groups: a rolling restart goes node by node.
    let order: Vec<(&str, &ManagerEndpoint)> = plan
        .nodes
        .iter()
        .filter_map(|n| match &n.route {
            Route::To(endpoint) => Some((n.instance.as_str(), endpoint)),
            Route::Skipped(_) => None,
        })
        .collect();
    // A cancel wakes a wait behind a store fetch under way at once (store_poll.rs), as in stop.rs and start.rs.
    let polls = std::sync::Arc::new(StorePolls::new());
    shared.cancel.ring_on_cancel(&polls);
    let no_safety_noted = Mutex::new(false);
    for (k, (instance, manager)) in order.iter().enumerate() {
        let slot = match shared.start_node(instance, &manager.display_name()) {
            Some(slot) => slot,
            None => break, // cancelled: cancel() wrote the rows of the nodes not begun
        };
        let node = NodeRestart {
            shared,
            targets,
            store: &request.store,
            polls: &polls,
            manager,
            instance,
            slot,
            label: format!("{} ({} of {})", instance, k + 1, order.len()),
            after: order.len() - k - 1,
            node_timeout: request.node_timeout,
            no_safety_noted: &no_safety_noted,
        };
        let verdict = node.run();
        if let Some(down) = verdict.down {
            shared.set_down(slot, down);
        }
        let kind = verdict.outcome.kind;
        shared.record(slot, kind, verdict.outcome.message.clone(), verdict.outcome.http_status);
        if kind != ResultKind::Success {
            // The row as written: a cancel may have written it first ("not restarted: cancelled before ...");
            // a cancel that ended the operation itself (nothing was down) needs no warning after the end.
            let written = {
                let st = shared.lock();
                if st.finished {
                    break;
                }
                st.nodes.get(slot).map(|n| (n.kind.unwrap_or(kind), n.message.clone()))
            };
            let (kind, message) = written.unwrap_or((kind, verdict.outcome.message.clone()));
            let verdict = Verdict { outcome: Outcome { kind, message, ..verdict.outcome }, ..verdict };
            stopped_at(shared, &request.store, instance, &verdict, &order[k + 1..]);
            break;
        }
    }
    shared.finish(&mut shared.lock());
}

/// The restart ended at `instance`: every later node gets its SKIPPED row (unless a cancel wrote it already),
/// and a warning says where it stopped, whether that node is down, and how to go on.
fn stopped_at(shared: &Shared, store: &str, instance: &str, verdict: &Verdict, rest: &[(&str, &ManagerEndpoint)]) {
    let skipped = format!("not restarted: the rolling restart stopped at {}", instance);
    for (later, manager) in rest {
        let mut st = shared.lock();
        if let Some(i) = shared.slot(&st, later, &manager.display_name()) {
            if st.nodes[i].state != NodeState::Done && !st.finished {
                shared.complete(&mut st, i, ResultKind::Skipped, skipped.clone(), 0);
            }
        }
    }
    let node_state = match verdict.node {
        NodeAfter::Untouched => format!("{} was not stopped", instance),
        NodeAfter::Running => format!("{} is Running", instance),
        NodeAfter::BroughtBack => format!("{} was started again", instance),
        NodeAfter::Down => format!("{} is DOWN: start it again (a start of that node alone)", instance),
    };
    let go_on = if rest.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = rest.iter().map(|(n, _)| *n).collect();
        format!("; once the cause is fixed, restart the remaining nodes: {}", names.join(", "))
    };
    shared.log(format!(
        "{}The rolling restart of store '{}' stopped at {} ({}: {}); {}{}",
        WARNING_PREFIX,
        store,
        instance,
        verdict.outcome.kind.label(),
        verdict.outcome.message,
        node_state,
        go_on
    ));
}

/// How the node was left, for the warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeAfter {
    /// No stop request was sent to it.
    Untouched,
    Running,
    /// Its start was sent after a cancel or a timeout (it may still be Starting).
    BroughtBack,
    /// Or may be: its stop was sent and it was not (known to be) started again.
    Down,
}

struct Verdict {
    outcome: Outcome,
    down: Option<Duration>,
    node: NodeAfter,
}

impl Verdict {
    fn new(kind: ResultKind, message: String, http_status: u16, node: NodeAfter) -> Verdict {
        Verdict { outcome: Outcome::new(kind, message, http_status), down: None, node }
    }
}

/// Admits the node's requests through the operation's gate and remembers when its stop request went out: the
/// start of its downtime, and the line after which a cancel or a timeout must bring the node back.
struct NodeGate<'a> {
    inner: OperationGate<'a>,
    stop_sent: Mutex<Option<Instant>>,
}

impl NodeGate<'_> {
    fn stop_sent(&self) -> Option<Instant> {
        *self.stop_sent.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Gate for NodeGate<'_> {
    fn admit(&self, stop: bool) -> Option<u64> {
        let ticket = self.inner.admit(stop)?;
        if stop {
            let mut sent = self.stop_sent.lock().unwrap_or_else(|p| p.into_inner());
            if sent.is_none() {
                *sent = Some(Instant::now());
            }
        }
        Some(ticket)
    }

    fn release(&self, ticket: u64) {
        self.inner.release(ticket)
    }
}

/// The gate of the start-endpoint probe: through the node's gate, but not marked as a sent stop (the probe
/// changes nothing on a running node, so a cancel then leaves nothing to bring back).
struct ProbeGate<'a>(&'a NodeGate<'a>);

impl Gate for ProbeGate<'_> {
    fn admit(&self, _stop: bool) -> Option<u64> {
        self.0.inner.admit(false)
    }

    fn release(&self, ticket: u64) {
        self.0.release(ticket)
    }
}

/// The gate of a recovery: it admits after a cancel and past the deadline (the recovery has its own, short one),
/// but nothing once the operation is finished.
struct RecoveryGate<'a>(&'a Shared);

impl Gate for RecoveryGate<'_> {
    fn admit(&self, _stop: bool) -> Option<u64> {
        self.0.admit_recovery()
    }

    fn release(&self, ticket: u64) {
        self.0.release(ticket)
    }
}

struct NodeRestart<'a> {
    shared: &'a Shared,
    targets: &'a Targets,
    store: &'a str,
    polls: &'a StorePolls,
    manager: &'a ManagerEndpoint,
    instance: &'a str,
    slot: usize,
    /// "orders-3 (3 of 10)"
    label: String,
    /// The nodes after this one: a silent manager may take only this node's share of the time left.
    after: usize,
    node_timeout: Option<Duration>,
    no_safety_noted: &'a Mutex<bool>,
}

/// How long another node may be Stopped before a roll takes it for down for good: long enough for another rolling
/// restart, which polls its node at least once a second, to see it Stopped and send its start.
const DOWN_NODE_GRACE: Duration = Duration::from_secs(3);

/// Seconds with two decimals: "1.24 s".
fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

impl NodeRestart<'_> {
    fn run(&self) -> Verdict {
        // The per-node limit, when it ends before the operation's deadline.
        let limit = match self.node_timeout {
            Some(limit) if limit < self.shared.deadline.remaining() => Some(Deadline::after(limit)),
            _ => None,
        };
        let mut verdict = self.run_within(limit.unwrap_or(self.shared.deadline));
        if let Some(limit) = limit {
            // "timed out after 5 s" says which bound it was: the node's, not the restart's.
            let said = limit.describe();
            if verdict.outcome.kind == ResultKind::Timeout && verdict.outcome.message.contains(&said) {
                let named = format!("{} (the per-node limit)", said);
                verdict.outcome.message = verdict.outcome.message.replacen(&said, &named, 1);
            }
        }
        verdict
    }

    fn run_within(&self, deadline: Deadline) -> Verdict {
        let shared = self.shared;
        if deadline.expired() {
            let message = format!("not restarted: {} before its turn", deadline.describe());
            return Verdict::new(ResultKind::Timeout, message, 0, NodeAfter::Untouched);
        }
        let log = |line: String| shared.log(line);
        let progress = |message: String| shared.node_message(self.slot, message);
        let gate = NodeGate { inner: OperationGate { shared, slot: Some(self.slot) }, stop_sent: Mutex::new(None) };
        let asker = Asker {
            transport: &self.targets.transport,
            deadline: &deadline,
            cancel: &shared.cancel,
            gate: &gate,
            log: &log,
        };
        let shares = self.after + 1;

        // (0) A node is stopped only if it can be started again: its start request, sent while it runs, must
        // answer 409 AlreadyRunning (a no-op by contract). A manager without the start endpoint keeps it running.
        self.phase("checking that it can be started again");
        progress("Checking the start endpoint".to_string());
        let probe_gate = ProbeGate(&gate);
        let probed = self.send_start(Asker { gate: &probe_gate, ..asker }, self.polls, shares, &progress, true);
        if probed.kind != ResultKind::Success {
            let message = if probed.message.contains("has no start endpoint") {
                format!(
                    "not restarted: manager {} has no start endpoint ({}), so a stopped node could not be started \
                     again; the node was not stopped",
                    self.manager, probed.http_status
                )
            } else {
                format!("not restarted: its start request (sent first, to a running node) failed: {}", probed.message)
            };
            return Verdict::new(probed.kind, message, probed.http_status, NodeAfter::Untouched);
        }

        // (a) The store must be safe before the node goes.
        self.phase("waiting until the store is safe");
        progress("Waiting until the store is safe".to_string());
        if let Err(verdict) = self.wait_until_safe(&asker, shares, false) {
            return verdict;
        }

        // (a2) Never two down, counted against the store: right before the stop, every other node must run.
        if let Err(verdict) = self.others_running(&asker, shares, &progress) {
            return verdict;
        }

        // (b) The graceful stop, with the stop's own member safety check; a node already stopped counts.
        self.phase("stopping");
        let stopped = NodeStop {
            asker,
            manager: self.manager,
            managers: &self.targets.managers,
            store: self.store,
            polls: self.polls,
            instance: self.instance,
            force: false,
            check_safety: true,
            risk: None,
            shares,
            progress: &progress,
        }
        .run();
        if stopped.kind != ResultKind::Success {
            let what = format!("stop {}: {}", failed_word(stopped.kind), stopped.message);
            let refused = stopped.kind == ResultKind::Failed && !matches!(stopped.http_status, 0 | 200 | 202);
            return match gate.stop_sent() {
                // The manager answered the stop with an error: it did not stop the node.
                Some(_) if refused => Verdict::new(
                    ResultKind::Failed,
                    format!("{}; the node was not stopped", what),
                    stopped.http_status,
                    NodeAfter::Untouched,
                ),
                None => Verdict::new(
                    stopped.kind,
                    format!("not restarted: {}", stopped.message),
                    stopped.http_status,
                    NodeAfter::Untouched,
                ),
                Some(_) => self.bring_back(stopped.kind, what, stopped.http_status),
            };
        }

        // (c) The start, waiting until the node runs.
        self.phase("starting");
        let started = self.send_start(asker, self.polls, shares, &progress, true);
        let down_since = gate.stop_sent().unwrap_or_else(Instant::now);
        if started.kind != ResultKind::Success {
            let what = format!("stopped, then the start {}: {}", failed_word(started.kind), started.message);
            return match started.kind {
                // The start was accepted and the manager goes on with it; or it was never sent: bring it back.
                ResultKind::Cancelled | ResultKind::Timeout if is_accepted(started.http_status) => Verdict::new(
                    started.kind,
                    format!("{}; the start was accepted, the node is Starting", what),
                    started.http_status,
                    NodeAfter::BroughtBack,
                ),
                ResultKind::Cancelled | ResultKind::Timeout => self.bring_back(started.kind, what, started.http_status),
                _ => Verdict::new(
                    ResultKind::Failed,
                    format!("{}; the node is DOWN: start it again once the cause is fixed", what),
                    started.http_status,
                    NodeAfter::Down,
                ),
            };
        }
        let down = down_since.elapsed();
        progress(format!("Running; down {}", seconds(down)));

        // (d) The store must be safe again before the next node goes.
        self.phase("waiting until the store is safe again");
        let mut verdict = match self.wait_until_safe(&asker, shares, true) {
            Ok(()) => {
                Verdict::new(ResultKind::Success, format!("Running; down {}", seconds(down)), 200, NodeAfter::Running)
            }
            Err(verdict) => verdict,
        };
        verdict.down = Some(down);
        verdict
    }

    fn phase(&self, what: &str) {
        self.shared.set_phase(format!("Restarting {}: {}", self.label, what));
    }

    /// "Never two down" against the store, not only the roll's own bookkeeping (a node crashed, or stopped by
    /// someone else, counts as Kubernetes counts unavailable pods against maxUnavailable): right before the stop
    /// the store is read. Another node Starting or Stopping is on its way and is waited for, within the node's
    /// limits, saying so in progress; another node in any other state (Stopped, or a status this tool does not
    /// know) stops the roll here, naming it, with this node not stopped; a Stopped one after DOWN_NODE_GRACE, in
    /// which another roll would have sent its start. A node whose manager gives no status is not counted. What
    /// remains is the moment between this read and the stop request (the member safety check and the stop: two
    /// round trips), in which another client may take a node down: no request of the manager API can close it
    /// without a lease (docs/manager-api.md, "Rolling restart").
    fn others_running(&self, asker: &Asker, shares: usize, progress: &dyn Fn(String)) -> Result<(), Verdict> {
        let untouched = |kind: ResultKind, message: String| Err(Verdict::new(kind, message, 0, NodeAfter::Untouched));
        let mut backoff = Backoff::new();
        let mut patience = Patience::new(shares);
        let mut stopped_since: Option<Instant> = None;
        let path = store_path(self.store);
        loop {
            let doc = match asker.ask(&mut patience, self.manager, "GET", &path, None, false, &read_store) {
                Asked::Answer(doc) => doc,
                Asked::Cancelled => {
                    return untouched(ResultKind::Cancelled, "not restarted: cancelled before its stop was sent".into())
                }
                Asked::GaveUp(why) => {
                    return untouched(
                        ResultKind::Failed,
                        format!(
                            "not restarted: no answer from manager {} to the store read before its stop ({}); the \
                             node was not stopped",
                            self.manager, why
                        ),
                    )
                }
                Asked::Timeout { last, .. } => {
                    return untouched(
                        ResultKind::Timeout,
                        format!(
                            "not restarted: {} reading the store before its stop ({}); the node was not stopped",
                            asker.deadline.describe(),
                            last
                        ),
                    )
                }
            };
            let down: Vec<(&str, &str, &str)> = doc
                .instances
                .iter()
                .filter(|other| other.name != self.instance)
                .filter_map(|other| match other.status.as_deref() {
                    None | Some("Running") => None,
                    Some(status) => Some((other.name.as_str(), status, other.server.as_str())),
                })
                .collect();
            let (name, status, server) = match down.first() {
                None => return Ok(()),
                Some(&first) => {
                    down.iter().copied().find(|(_, s, _)| !matches!(*s, "Starting" | "Stopping")).unwrap_or(first)
                }
            };
            // A Stopped node gets a moment to be started again (another roll sends its start as soon as it sees
            // its node Stopped); one still Stopped after it is down for good, as far as this roll can tell.
            let stopped_for = match status {
                "Stopped" => Some(stopped_since.get_or_insert_with(Instant::now).elapsed()),
                _ => None,
            };
            let on_its_way =
                matches!(status, "Starting" | "Stopping") || stopped_for.map_or(false, |d| d < DOWN_NODE_GRACE);
            if !on_its_way {
                return untouched(
                    ResultKind::Failed,
                    format!(
                        "not restarted: {} is {} (on {}), so stopping {} now would take two nodes down; start {} \
                         (or wait until it runs) and restart again; the node was not stopped",
                        name, status, server, self.instance, name
                    ),
                );
            }
            self.phase(&format!("waiting until {} ({}) is Running", name, status));
            progress(format!("Waiting until {} ({}) is Running before the stop", name, status));
            if !asker.cancel.sleep(backoff.next_pause(), asker.deadline) {
                return untouched(ResultKind::Cancelled, "not restarted: cancelled before its stop was sent".into());
            }
            if asker.deadline.expired() {
                return untouched(
                    ResultKind::Timeout,
                    format!(
                        "not restarted: {}: {} was still {}, and stopping {} would have taken two nodes down; the \
                         node was not stopped",
                        asker.deadline.describe(),
                        name,
                        status,
                        self.instance
                    ),
                );
            }
        }
    }

    /// The store-wide safety wait before the stop (`again` false) or after the start (`again` true).
    fn wait_until_safe(&self, asker: &Asker, shares: usize, again: bool) -> Result<(), Verdict> {
        let mut patience = Patience::new(shares);
        let progress = |message: String| self.shared.node_message(self.slot, message);
        let waited = safety::wait_until_safe(asker, &mut patience, self.manager, self.store, None, &progress);
        let (before, node) = if again {
            ("started but the store did not become safe again", NodeAfter::Running)
        } else {
            ("not restarted: the store did not become safe before its stop", NodeAfter::Untouched)
        };
        let tail = if again { "; the node is Running" } else { "; the node was not stopped" };
        match waited {
            Waited::Ready(Safety::Unsupported) => {
                let mut noted = self.no_safety_noted.lock().unwrap_or_else(|p| p.into_inner());
                if !*noted {
                    *noted = true;
                    (asker.log)(format!(
                        "Manager {} has no safety endpoint; restarting without waiting for the store to be safe",
                        self.manager
                    ));
                }
                Ok(())
            }
            Waited::Ready(Safety::Unknown(reason)) => {
                (asker.log)(format!(
                    "Safety check on {} failed ({}); going on, graceful stops move data away first",
                    self.manager, reason
                ));
                Ok(())
            }
            Waited::Ready(_) => Ok(()),
            Waited::TimedOut { detail } => Err(Verdict::new(
                ResultKind::Timeout,
                format!("{} ({}: {}){}", before, asker.deadline.describe(), detail, tail),
                0,
                node,
            )),
            Waited::NoAnswer { text, timed_out } => Err(Verdict::new(
                if timed_out { ResultKind::Timeout } else { ResultKind::Failed },
                format!("{} (no answer from manager {} to the safety check: {}){}", before, self.manager, text, tail),
                0,
                node,
            )),
            Waited::Cancelled => Err(Verdict::new(
                ResultKind::Cancelled,
                if again {
                    "cancelled while waiting until the store is safe again; the node is Running".to_string()
                } else {
                    "not restarted: cancelled while waiting until the store is safe; nothing was sent to the node"
                        .to_string()
                },
                0,
                node,
            )),
        }
    }

    /// The node's stop was sent and the restart cannot go on with it (a cancel, the deadline, the per-node limit,
    /// a failed stop): within RECOVERY_GRACE, even past the deadline and after a cancel, wait for it to leave
    /// Stopping and send its start (NodeStart does both; 200, 202 and "already running" will do). `what` is
    /// what happened; the row says it and what became of the node.
    /// This node's start request through `asker`: the start check, the start, and the start that brings it back
    /// differ only in it, the polls, the shares and whether to wait for Running.
    fn send_start(
        &self,
        asker: Asker,
        polls: &StorePolls,
        shares: usize,
        progress: &dyn Fn(String),
        wait: bool,
    ) -> Outcome {
        NodeStart {
            asker,
            manager: self.manager,
            managers: &self.targets.managers,
            store: self.store,
            polls,
            instance: self.instance,
            shares,
            progress,
            wait,
        }
        .run()
    }

    fn bring_back(&self, kind: ResultKind, what: String, http_status: u16) -> Verdict {
        let shared = self.shared;
        self.phase("bringing the node back");
        shared.log(format!("Bringing {} back ({}): sending its start", self.instance, what));
        let deadline = Deadline::after(RECOVERY_GRACE);
        let never = CancelToken::new();
        let gate = RecoveryGate(shared);
        let log = |line: String| shared.log(line);
        let progress = |message: String| shared.node_message(self.slot, message);
        let polls = StorePolls::new();
        let asker =
            Asker { transport: &self.targets.transport, deadline: &deadline, cancel: &never, gate: &gate, log: &log };
        let started = self.send_start(asker, &polls, 1, &progress, false);
        if started.kind == ResultKind::Success {
            let state = if started.http_status == 409 {
                "it was running".to_string()
            } else {
                format!("the node was started again ({})", started.message)
            };
            Verdict::new(kind, format!("{}; {}", what, state), http_status, NodeAfter::BroughtBack)
        } else {
            let message = format!("{}; the node is DOWN: start it again ({})", what, started.message);
            shared.log(format!(
                "{}{} may be down: its start was not accepted within {} ({})",
                WARNING_PREFIX,
                self.instance,
                seconds(RECOVERY_GRACE),
                started.message
            ));
            Verdict::new(kind, message, http_status, NodeAfter::Down)
        }
    }
}

/// The manager accepted the request: it goes on with it on its own.
fn is_accepted(http_status: u16) -> bool {
    matches!(http_status, 200 | 202)
}

fn failed_word(kind: ResultKind) -> &'static str {
    match kind {
        ResultKind::Timeout => "timed out",
        ResultKind::Cancelled => "was cancelled",
        _ => "failed",
    }
}
