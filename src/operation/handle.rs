//! A stop the caller can watch and cancel. One driver thread discovers, plans and fans the work out; callers
//! poll snapshots (the library never calls back into them from its threads). One deadline bounds everything.
use crate::deadline::{CancelToken, Deadline};
use crate::endpoints::discovery::{discover, Discovered};
use crate::endpoints::node_stop::NodeStop;
use crate::endpoints::safety::{self, Safety, Waited};
use crate::endpoints::store_poll::StorePolls;
use crate::error::{DkvError, ErrorKind};
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Asked, Asker, Gate, Patience};
use crate::net::session::Targets;
use crate::net::throttle::Permits;
use crate::net::transport::{Reply, Transport};
use crate::net::wire;
use crate::planning::names::validate_name;
use crate::planning::plan::{plan, ManagerGroup, Plan};
use crate::planning::route::ServerMatcher;
use crate::results::{NodeResult, ResultKind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Default of the parallel throttle: requests in flight at once (as Invoke-Command's -ThrottleLimit).
pub const DEFAULT_THROTTLE: usize = 32;

/// The most worker threads one parallel stop starts: a thread per manager up to this, so that each manager's
/// nodes proceed on their own while the throttle bounds the requests.
pub const MAX_WORKERS: usize = 256;

/// How long past the deadline a caller waits for in-flight requests before unfinished nodes are reported as
/// TIMEOUT regardless (a request can outlive its timeout only in DNS resolution, which cannot be interrupted).
const OVERDUE_GRACE: Duration = Duration::from_millis(750);

/// How long a cancel waits for requests admitted just before it to leave this machine. A request is sent the
/// moment it is admitted, so this only closes the gap between the two; an older request in flight (a hanging
/// manager) is not waited for: its row says the manager may still complete the stop.
const SEND_GRACE: Duration = Duration::from_millis(200);

/// Log lines with this prefix are warnings; the module shows them as such.
pub const WARNING_PREFIX: &str = "WARNING: ";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopRequest {
    pub store: String,
    /// The nodes to stop, by name; None for every node (the only case that may be a whole-store stop).
    pub instances: Option<Vec<String>>,
    pub force: bool,
    pub parallel: bool,
    pub fail_fast: bool,
    /// With `parallel`: the most requests in flight at once; 0 means DEFAULT_THROTTLE.
    pub throttle: usize,
}

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    pub phase: String,
    pub nodes: Vec<NodeProgress>,
    /// Log lines numbered `log_first ..`: only those at or after the `log_since` asked for.
    pub log: Vec<String>,
    pub log_first: u64,
    pub finished: bool,
}

struct State {
    phase: &'static str,
    planned: bool,
    nodes: Vec<NodeProgress>,
    results: Vec<NodeResult>,
    log: Vec<String>,
    finished: bool,
    error: Option<DkvError>,
    node_started: Vec<Option<Instant>>,
    /// Per node: its stop request was admitted (and so may have reached the manager).
    sent: Vec<bool>,
    /// Requests admitted and not yet over, with when they were admitted.
    in_flight: Vec<(u64, Instant)>,
    next_ticket: u64,
    discovered: Option<Discovered>,
    /// Set by a plan-only operation once it planned.
    plan: Option<Plan>,
}

/// How far an operation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Discover,
    Plan,
    Stop,
}

/// Why the unfinished nodes of an operation end early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Cancelled,
    FailFast,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    /// Set by cancel, by -FailFast after the first FAILED or TIMEOUT, and past the deadline: nothing new starts
    /// and no request is admitted.
    cancel: CancelToken,
    fail_fast: bool,
    deadline: Deadline,
    store: String,
}

pub struct Operation {
    shared: Arc<Shared>,
}

impl Operation {
    /// Validates the request and starts it on its own thread; returns at once.
    pub fn begin(targets: Targets, request: StopRequest) -> Result<Operation, DkvError> {
        Operation::start(targets, request, Scope::Stop)
    }

    /// Discovery and planning alone: the plan `begin` would make for the same request (same routing rule, names
    /// resolved under this operation's deadline), read with `plan` once finished; nothing is stopped.
    pub fn begin_plan(targets: Targets, request: StopRequest) -> Result<Operation, DkvError> {
        Operation::start(targets, request, Scope::Plan)
    }

    /// Discovery alone, watchable and cancellable like a stop (Get-DkvStore, -WhatIf, tab completion); read
    /// the answer with `discovered` once finished.
    pub fn begin_discovery(targets: Targets, store: &str) -> Result<Operation, DkvError> {
        let request = StopRequest {
            store: store.to_string(),
            instances: None,
            force: false,
            parallel: false,
            fail_fast: false,
            throttle: 0,
        };
        Operation::start(targets, request, Scope::Discover)
    }

    fn prepare(targets: &Targets, request: &StopRequest) -> Result<Arc<Shared>, DkvError> {
        validate_name("Store name", &request.store)?;
        if let Some(instances) = &request.instances {
            if instances.is_empty() {
                return Err(DkvError::invalid(
                    "The instance list is empty. Name at least one node, or give no list for every node.",
                ));
            }
            for instance in instances {
                validate_name("Instance name", instance)?;
            }
        }
        Ok(Arc::new(Shared {
            state: Mutex::new(State {
                phase: "Discovering",
                planned: false,
                nodes: Vec::new(),
                results: Vec::new(),
                log: Vec::new(),
                finished: false,
                error: None,
                node_started: Vec::new(),
                sent: Vec::new(),
                in_flight: Vec::new(),
                next_ticket: 1,
                discovered: None,
                plan: None,
            }),
            changed: Condvar::new(),
            cancel: CancelToken::new(),
            fail_fast: request.fail_fast,
            deadline: Deadline::after(targets.timeout),
            store: request.store.clone(),
        }))
    }

    fn start(targets: Targets, request: StopRequest, scope: Scope) -> Result<Operation, DkvError> {
        let shared = Operation::prepare(&targets, &request)?;
        let driver = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("dkv-stop".to_string())
            .spawn(move || {
                let guard = FinishOnDrop(&driver);
                drive(&driver, &targets, &request, scope);
                drop(guard);
            })
            .map_err(|e| DkvError::new(ErrorKind::Internal, format!("could not start a worker thread: {}", e)))?;
        Ok(Operation { shared })
    }

    /// Runs a stop to its end and returns its rows.
    pub fn run(targets: Targets, request: StopRequest) -> Result<Vec<NodeResult>, DkvError> {
        // Every step is bounded by the deadline through its own timeouts, except name resolution, which cannot be
        // interrupted: only then does the stop need its own thread, so that waiting on it can give up on time.
        // With IP addresses alone it runs here, sparing a thread start and a hand-off per call.
        if !targets.managers.iter().all(|m| m.is_ip_literal()) {
            let op = Operation::begin(targets, request)?;
            op.wait(None);
            return op.results();
        }
        let shared = Operation::prepare(&targets, &request)?;
        let guard = FinishOnDrop(&shared);
        drive(&shared, &targets, &request, Scope::Stop);
        drop(guard);
        Operation { shared }.results()
    }

    /// Waits until finished or `timeout` (None: no limit); true when finished.
    pub fn wait(&self, timeout: Option<Duration>) -> bool {
        let until = timeout.map(|t| Instant::now() + t);
        let hard_stop = self.shared.deadline.at() + OVERDUE_GRACE;
        let mut st = self.shared.lock();
        loop {
            self.shared.finalize_if_overdue(&mut st);
            if st.finished {
                return true;
            }
            let now = Instant::now();
            let wake = match until {
                Some(u) if u <= now => return false,
                Some(u) => std::cmp::min(u, hard_stop),
                None => hard_stop,
            };
            let pause = std::cmp::max(wake.saturating_duration_since(now), Duration::from_millis(1));
            st = match self.shared.changed.wait_timeout(st, pause) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Nothing new starts, no request is sent any more, waits end, and every unfinished node is reported
    /// CANCELLED now, saying whether its stop request had been sent.
    pub fn cancel(&self) {
        let mut st = self.shared.lock();
        // Under the lock, so that no request is admitted between the flag and the rows that describe it.
        self.shared.cancel.cancel();
        if st.finished {
            return;
        }
        if !st.planned {
            st.error = Some(DkvError::new(
                ErrorKind::Cancelled,
                format!("Cancelled while discovering store '{}'.", self.shared.store),
            ));
        }
        self.shared.end_unfinished(&mut st, End::Cancelled);
        self.shared.finish(&mut st);
        self.shared.let_admitted_requests_leave(st);
    }

    pub fn progress(&self, log_since: u64) -> Progress {
        let mut st = self.shared.lock();
        self.shared.finalize_if_overdue(&mut st);
        let first = std::cmp::min(log_since as usize, st.log.len());
        Progress {
            total: st.nodes.len(),
            done: st.nodes.iter().filter(|n| n.state == NodeState::Done).count(),
            failed: st.results.iter().filter(|r| r.kind.is_failure()).count(),
            phase: st.phase.to_string(),
            nodes: st.nodes.clone(),
            log: st.log[first..].to_vec(),
            log_first: first as u64,
            finished: st.finished,
        }
    }

    /// Rows finished so far, in the order they finished (append-only). An error when the operation failed
    /// before any node (discovery, selection).
    pub fn results(&self) -> Result<Vec<NodeResult>, DkvError> {
        let mut st = self.shared.lock();
        self.shared.finalize_if_overdue(&mut st);
        match &st.error {
            Some(e) => Err(e.clone()),
            None => Ok(st.results.clone()),
        }
    }

    /// The store as discovery found it, and the manager that answered; None until discovery succeeded.
    pub fn discovered(&self) -> Result<Option<Discovered>, DkvError> {
        let mut st = self.shared.lock();
        self.shared.finalize_if_overdue(&mut st);
        match (&st.error, &st.discovered) {
            (_, Some(d)) => Ok(Some(d.clone())),
            (Some(e), None) => Err(e.clone()),
            (None, None) => Ok(None),
        }
    }

    /// The plan of a plan-only operation (`begin_plan`): None until it planned; the error when discovery or
    /// selection failed.
    pub fn plan(&self) -> Result<Option<(Discovered, Plan)>, DkvError> {
        let mut st = self.shared.lock();
        self.shared.finalize_if_overdue(&mut st);
        match (&st.error, &st.discovered, &st.plan) {
            (_, Some(d), Some(p)) => Ok(Some((d.clone(), p.clone()))),
            (Some(e), _, _) => Err(e.clone()),
            _ => Ok(None),
        }
    }

    /// The store name this operation is about.
    pub fn store(&self) -> &str {
        &self.shared.store
    }

    pub fn is_finished(&self) -> bool {
        let mut st = self.shared.lock();
        self.shared.finalize_if_overdue(&mut st);
        st.finished
    }
}

impl Drop for Operation {
    fn drop(&mut self) {
        // A caller that lets go of a running stop wants it over; its threads end by the deadline at the latest.
        if !self.is_finished() {
            self.cancel();
        }
    }
}

/// Marks the operation finished even when the driver thread panics, so no caller waits forever.
struct FinishOnDrop<'a>(&'a Shared);

impl Drop for FinishOnDrop<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        if !st.finished {
            if std::thread::panicking() && st.error.is_none() && !st.planned {
                st.error = Some(DkvError::new(ErrorKind::Internal, "internal error in the stop operation"));
            }
            self.0.finish_unfinished(&mut st, ResultKind::Failed, "internal error: the stop was abandoned");
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; the panic boundary reports it, so keep going.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn log(&self, line: String) {
        self.lock().log.push(line);
    }

    fn set_phase(&self, phase: &'static str) {
        let mut st = self.lock();
        if !st.finished {
            st.phase = phase;
        }
    }

    fn fail(&self, error: DkvError) {
        let mut st = self.lock();
        if !st.finished {
            st.error = Some(error);
            self.finish(&mut st);
        }
    }

    fn finish(&self, st: &mut State) {
        st.finished = true;
        st.phase = "Done";
        self.changed.notify_all();
    }

    /// Completes every unfinished node as CANCELLED, in words that say whether its stop request was sent.
    fn end_unfinished(&self, st: &mut State, end: End) {
        for i in 0..st.nodes.len() {
            let sent = st.sent.get(i).copied().unwrap_or(false);
            let message = match (st.nodes[i].state, sent, end) {
                (NodeState::Done, _, _) => continue,
                (NodeState::Pending, _, End::Cancelled) => "cancelled before it started",
                (NodeState::Pending, _, End::FailFast) => "not started: an earlier node failed (-FailFast)",
                (NodeState::Running, false, End::Cancelled) => "cancelled before the stop was sent",
                (NodeState::Running, false, End::FailFast) => "not sent: an earlier node failed (-FailFast)",
                (NodeState::Running, true, End::Cancelled) => {
                    "cancelled after the stop was sent; the manager may still complete the stop"
                }
                (NodeState::Running, true, End::FailFast) => {
                    "an earlier node failed (-FailFast) after this stop was sent; the manager may still complete it"
                }
            };
            self.complete(st, i, ResultKind::Cancelled, message.to_string(), 0);
        }
    }

    /// Admits one request unless the operation is over, or (for a node's request) the node's row is written.
    fn admit(&self, slot: Option<usize>, stop: bool) -> Option<u64> {
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

    fn release(&self, ticket: u64) {
        let mut st = self.lock();
        st.in_flight.retain(|(t, _)| *t != ticket);
        self.changed.notify_all();
    }

    /// Waits until every request admitted in the last SEND_GRACE is over or old enough to have been sent.
    fn let_admitted_requests_leave(&self, mut st: MutexGuard<'_, State>) {
        loop {
            let now = Instant::now();
            let youngest = st.in_flight.iter().map(|(_, at)| *at).max();
            let until = match youngest {
                Some(at) if now < at + SEND_GRACE => at + SEND_GRACE,
                _ => return,
            };
            st = match self.changed.wait_timeout(st, until - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    fn set_plan(&self, plan: &Plan) {
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
            self.complete(&mut st, i, ResultKind::Skipped, skipped.reason.clone(), 0);
        }
        st.node_started = vec![None; st.nodes.len()];
        st.sent = vec![false; st.nodes.len()];
        self.changed.notify_all();
    }

    fn slot(&self, st: &State, instance: &str, manager: &str) -> Option<usize> {
        st.nodes.iter().position(|n| n.instance == instance && n.manager == manager)
    }

    /// Marks a node running and returns its slot; None when it must not start (cancelled, -FailFast, finished,
    /// or its row is already written).
    fn start_node(&self, instance: &str, manager: &str) -> Option<usize> {
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
    fn node_message(&self, slot: usize, message: String) {
        let mut st = self.lock();
        if let Some(node) = st.nodes.get_mut(slot) {
            if node.state == NodeState::Running {
                node.message = message;
            }
        }
    }

    /// Writes a node's row, unless it was written already (TIMEOUT or CANCELLED: a late answer must not
    /// contradict it). Under -FailFast a failure ends every other unfinished node here, in the same step.
    fn record(&self, i: usize, kind: ResultKind, message: String, http_status: u16) {
        let mut st = self.lock();
        if st.finished || st.nodes.get(i).map_or(true, |n| n.state == NodeState::Done) {
            return;
        }
        self.complete(&mut st, i, kind, message, http_status);
        if self.fail_fast && kind.is_failure() && !self.cancel.is_cancelled() {
            self.cancel.cancel();
            self.end_unfinished(&mut st, End::FailFast);
        }
    }

    /// Every unfinished node gets the same row, and the operation is over (a failed whole-store preparation, a
    /// driver that panicked).
    fn finish_unfinished(&self, st: &mut State, kind: ResultKind, message: &str) {
        for i in 0..st.nodes.len() {
            if st.nodes[i].state != NodeState::Done {
                self.complete(st, i, kind, message.to_string(), 0);
            }
        }
        self.finish(st);
    }

    fn complete(&self, st: &mut State, i: usize, kind: ResultKind, message: String, http_status: u16) {
        let started = st.node_started.get(i).copied().flatten();
        let node = &mut st.nodes[i];
        node.state = NodeState::Done;
        node.kind = Some(kind);
        node.message = message.clone();
        let row = NodeResult {
            manager: node.manager.clone(),
            store: self.store.clone(),
            instance: node.instance.clone(),
            kind,
            message,
            duration: started.map(|s| s.elapsed()).unwrap_or_default(),
            http_status,
        };
        st.results.push(row);
        self.changed.notify_all();
    }

    fn finalize_if_overdue(&self, st: &mut State) {
        if st.finished || Instant::now() < self.deadline.at() + OVERDUE_GRACE {
            return;
        }
        self.cancel.cancel();
        if !st.planned {
            st.error = Some(DkvError::new(
                ErrorKind::Timeout,
                format!("{} discovering store '{}'.", self.deadline.describe(), self.store),
            ));
        }
        for i in 0..st.nodes.len() {
            if st.nodes[i].state != NodeState::Done {
                let message = if st.sent.get(i).copied().unwrap_or(false) {
                    format!("{}; the stop was sent, the manager may still complete it", self.deadline.describe())
                } else {
                    format!("{} before the stop was sent", self.deadline.describe())
                };
                self.complete(st, i, ResultKind::Timeout, message, 0);
            }
        }
        self.finish(st);
    }
}

/// The gate of one operation's requests: nothing is admitted once it ended, and a node's requests only while
/// its row is open.
struct OperationGate<'a> {
    shared: &'a Shared,
    slot: Option<usize>,
}

impl Gate for OperationGate<'_> {
    fn admit(&self, stop: bool) -> Option<u64> {
        self.shared.admit(self.slot, stop)
    }

    fn release(&self, ticket: u64) {
        self.shared.release(ticket)
    }
}

fn drive(shared: &Shared, targets: &Targets, request: &StopRequest, scope: Scope) {
    let log = |line: String| shared.log(line);
    let gate = OperationGate { shared, slot: None };
    let found =
        discover(&targets.transport, &targets.managers, &request.store, &shared.deadline, &shared.cancel, &gate, &log);
    let discovered = match found {
        Ok(d) => d,
        Err(e) => return shared.fail(e),
    };
    {
        let mut st = shared.lock();
        if st.finished {
            return; // cancelled or overdue while the answer was on its way
        }
        st.discovered = Some(discovered.clone());
        if scope == Scope::Discover {
            st.planned = true;
            return shared.finish(&mut st);
        }
    }
    // Routing by name or address; each name is resolved at most once in this operation (route.rs).
    let names = ServerMatcher::new(&shared.deadline, Some(&shared.cancel));
    let plan = match plan(&request.store, &discovered.store, request.instances.as_deref(), &targets.managers, &names) {
        Ok(p) => p,
        Err(e) => return shared.fail(e),
    };
    if scope == Scope::Plan {
        let mut st = shared.lock();
        if !st.finished {
            st.planned = true;
            st.plan = Some(plan);
            shared.finish(&mut st);
        }
        return;
    }
    shared.set_plan(&plan);
    let mut passive = false;
    if plan.whole_store && !request.force {
        match prepare_whole_store(shared, &targets.transport, &targets.managers, &discovered.manager, &request.store) {
            Prepared::Passive => passive = true,
            Prepared::NodeByNode => {}
            Prepared::Abort(kind, message) => return shared.finish_unfinished(&mut shared.lock(), kind, &message),
        }
    }
    shared.set_phase("Stopping");
    let throttle = if request.throttle == 0 { DEFAULT_THROTTLE } else { request.throttle };
    let transport = if request.parallel {
        targets.transport.throttled(Arc::new(Permits::new(throttle)), shared.cancel.clone(), shared.deadline)
    } else {
        targets.transport.clone()
    };
    // A passive store had its one safety check before it went passive; node by node, each stop checks again.
    // `after`: nodes waiting behind this group in the same sequence, who share the time left with it.
    // Nodes waiting for their graceful stops share the polls of the store (store_poll.rs).
    let polls = StorePolls::new();
    let run_group = |group: &ManagerGroup, after: usize| {
        stop_group(shared, &transport, &targets.managers, &polls, group, request, !passive, after)
    };
    let one_by_one = || {
        let mut after: usize = plan.groups.iter().map(|g| g.nodes.len()).sum();
        for group in &plan.groups {
            after -= group.nodes.len();
            run_group(group, after);
        }
    };
    let workers = std::cmp::min(plan.groups.len(), MAX_WORKERS);
    if request.parallel && workers > 1 {
        // A dedicated pool: the global one has as many threads as cores, which would cap network concurrency.
        match rayon::ThreadPoolBuilder::new().num_threads(workers).thread_name(|i| format!("dkv-stop-{}", i)).build() {
            Ok(pool) => pool.scope(|scope| {
                for group in &plan.groups {
                    scope.spawn(move |_| run_group(group, 0));
                }
            }),
            Err(e) => {
                log(format!(
                    "{}could not start {} threads ({}); stopping managers one by one",
                    WARNING_PREFIX, workers, e
                ));
                one_by_one();
            }
        }
    } else {
        one_by_one();
    }
    let mut st = shared.lock();
    if passive {
        let unstopped = st.results.iter().filter(|r| r.kind != ResultKind::Success).count();
        if unstopped > 0 {
            // Passive keeps data where it is; an operator must know it is still in force for the running nodes.
            st.log.push(format!(
                "{}Store '{}' stays Passive: {} of its nodes did not stop. Its partitions do not migrate until it is \
                 made Active again.",
                WARNING_PREFIX, request.store, unstopped
            ));
        }
    }
    shared.finish(&mut st);
}

#[allow(clippy::too_many_arguments)]
fn stop_group(
    shared: &Shared,
    transport: &Transport,
    managers: &[ManagerEndpoint],
    polls: &StorePolls,
    group: &ManagerGroup,
    request: &StopRequest,
    check_safety: bool,
    after: usize,
) {
    let manager = group.endpoint.display_name();
    for (n, node) in group.nodes.iter().enumerate() {
        let slot = match shared.start_node(&node.name, &manager) {
            Some(slot) => slot,
            None => continue, // the operation ended: its rows are written
        };
        if shared.deadline.expired() {
            let message = format!("{} before the stop was sent", shared.deadline.describe());
            shared.record(slot, ResultKind::Timeout, message, 0);
            continue;
        }
        let log = |line: String| shared.log(line);
        let progress = |message: String| shared.node_message(slot, message);
        let gate = OperationGate { shared, slot: Some(slot) };
        let outcome = NodeStop {
            asker: Asker { transport, deadline: &shared.deadline, cancel: &shared.cancel, gate: &gate, log: &log },
            manager: &group.endpoint,
            managers,
            store: &request.store,
            polls,
            instance: &node.name,
            force: request.force,
            check_safety,
            shares: group.nodes.len() - n + after,
            progress: &progress,
        }
        .run();
        shared.record(slot, outcome.kind, outcome.message, outcome.http_status);
    }
}

enum Prepared {
    Passive,
    NodeByNode,
    Abort(ResultKind, String),
}

/// A whole-store graceful stop: wait until the store is safe, then make it Passive so that stopping nodes keep
/// their partitions instead of piling them onto the survivors (the rebalancing storm of a one-by-one stop).
/// Both go through a manager that answers: the discovering one first, then the other targeted managers, each
/// with the share of the time left of one among those not yet tried and the stops that follow.
fn prepare_whole_store(
    shared: &Shared,
    transport: &Transport,
    managers: &[ManagerEndpoint],
    first: &ManagerEndpoint,
    store: &str,
) -> Prepared {
    let log = |line: String| shared.log(line);
    let gate = OperationGate { shared, slot: None };
    let asker = Asker { transport, deadline: &shared.deadline, cancel: &shared.cancel, gate: &gate, log: &log };
    let deadline = &shared.deadline;
    let mut candidates = vec![first];
    candidates.extend(managers.iter().filter(|m| *m != first));
    let mut silent: Vec<String> = Vec::new();
    let mut next = 0;
    // The manager `next` did not answer: move on to the next one, or give up when none is left.
    let mut give_up_on = |next: &mut usize, summary: String, asked: &str| -> Option<Prepared> {
        let manager = candidates[*next];
        silent.push(format!("{}: {}", manager, summary));
        *next += 1;
        if *next < candidates.len() {
            log(format!("Manager {} did not answer {} ({}); asking {}", manager, asked, summary, candidates[*next]));
            return None;
        }
        Some(Prepared::Abort(
            ResultKind::Failed,
            format!("no targeted manager answered {} ({}); no node was stopped", asked, silent.join("; ")),
        ))
    };
    shared.set_phase("Checking safety");
    let progress = |line: String| shared.log(line);
    loop {
        let manager = candidates[next];
        let mut patience = Patience::new(candidates.len() - next + 1);
        match safety::wait_until_safe(&asker, &mut patience, manager, store, None, &progress) {
            Waited::Ready(Safety::Unsupported) => {
                log(format!("Manager {} has no safety endpoint; stopping without a safety check", manager));
                break;
            }
            Waited::Ready(Safety::Unknown(reason)) => {
                log(format!(
                    "Safety check on {} failed ({}); continuing, graceful stops move data away first",
                    manager, reason
                ));
                break;
            }
            Waited::Ready(_) => break,
            Waited::TimedOut { detail } => {
                return Prepared::Abort(
                    ResultKind::Timeout,
                    format!("{}: store not safe, {}; no node was stopped", deadline.describe(), detail),
                )
            }
            Waited::NoAnswer { text, timed_out: true } => {
                return Prepared::Abort(
                    ResultKind::Timeout,
                    format!(
                        "{}: no answer from manager {} to the safety check ({}); no node was stopped",
                        deadline.describe(),
                        manager,
                        text
                    ),
                )
            }
            Waited::NoAnswer { text, timed_out: false } => {
                if let Some(abort) = give_up_on(&mut next, text, "the safety check") {
                    return abort;
                }
            }
            Waited::Cancelled => {
                return Prepared::Abort(ResultKind::Cancelled, "cancelled before any node was stopped".into())
            }
        }
    }
    shared.set_phase("Making store passive");
    let path = format!("/admin/v1/stores/{}/state", crate::planning::names::encode_segment(store));
    loop {
        let manager = candidates[next];
        let mut patience = Patience::new(candidates.len() - next + 1);
        let body = Some(r#"{"state":"Passive"}"#);
        match asker.ask(&mut patience, manager, "PUT", &path, body, false, &|reply: &Reply| Ok(reply.clone())) {
            Asked::Answer(reply) if reply.status == 200 => {
                log(format!("Store '{}' is Passive: stopping nodes keep their partitions; no migrations", store));
                return Prepared::Passive;
            }
            Asked::Answer(reply) if safety::is_unsupported(reply.status) => {
                log(format!(
                    "{}Manager {} cannot make store '{}' passive; stopping node by node, survivors will absorb \
                     partitions",
                    WARNING_PREFIX, manager, store
                ));
                return Prepared::NodeByNode;
            }
            Asked::Answer(reply) => {
                return Prepared::Abort(
                    ResultKind::Failed,
                    format!(
                        "could not make the store passive ({}); no node was stopped",
                        wire::error_text(reply.status, &reply.body)
                    ),
                )
            }
            Asked::GaveUp(summary) => {
                if let Some(abort) = give_up_on(&mut next, summary, "the request to make the store passive") {
                    return abort;
                }
            }
            Asked::Timeout { .. } => {
                return Prepared::Abort(
                    ResultKind::Timeout,
                    format!("{} making the store passive; no node was stopped", deadline.describe()),
                )
            }
            Asked::Cancelled => {
                return Prepared::Abort(ResultKind::Cancelled, "cancelled before any node was stopped".into())
            }
        }
    }
}
