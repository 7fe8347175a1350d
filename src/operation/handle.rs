//! The handle of a stop the caller can watch and cancel (the C ABI's DkvOperation is its twin): begin, wait,
//! cancel, progress, results. The driver (stop.rs) runs on its own thread and writes into the state both share
//! (run_state.rs); callers poll snapshots (the library never calls back into them from its threads). One
//! deadline bounds everything.
use crate::deadline::Deadline;
use crate::endpoints::discovery::Discovered;
use crate::endpoints::store_list::StoreList;
use crate::error::{DkvError, ErrorKind};
use crate::net::session::Targets;
use crate::operation::audit::{AuditRun, AuditSettings};
use crate::operation::run_state::{End, FinishOnDrop, NodeProgress, NodeState, Shared};
use crate::operation::stop::{drive, Scope, StopRequest};
use crate::operation::{restart, start, store_info};
use crate::planning::names::validate_name;
use crate::planning::plan::Plan;
use crate::results::Action;
use crate::results::NodeResult;
use std::sync::Arc;
use std::time::{Duration, Instant};

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

pub struct Operation {
    shared: Arc<Shared>,
}

impl Operation {
    /// Validates the request and starts it on its own thread; returns at once.
    pub fn begin(targets: Targets, request: StopRequest) -> Result<Operation, DkvError> {
        Operation::start(targets, request, Scope::Stop)
    }

    /// Starts the nodes the request selects (every node when it names none: then a Passive store is made Active
    /// once all of them run and the store is safe); same routing, rows, options and deadline as a stop. A request
    /// with `force` is refused: a start has no forced form.
    pub fn begin_start(targets: Targets, request: StopRequest) -> Result<Operation, DkvError> {
        Operation::start(targets, request, Scope::Start)
    }

    /// Runs a start to its end and returns its rows (as `run` does for a stop).
    pub fn run_start(targets: Targets, request: StopRequest) -> Result<Vec<NodeResult>, DkvError> {
        Operation::run_scope(targets, request, Scope::Start)
    }

    /// A rolling restart of the nodes the request selects (every node when it names none), one at a time in the
    /// store's order: wait until the store is safe, stop the node gracefully, start it, wait until it is Running
    /// and the store is safe again, then the next node (restart.rs). Stops at the first node that fails: later
    /// nodes are SKIPPED and a warning says how to go on. `force` and `parallel` are refused (a rolling restart is
    /// graceful and one node at a time); `fail_fast` is accepted (it always stops at the first failure);
    /// `node_timeout` bounds each node within the one deadline. A cancel (or a timeout) after a node's stop was
    /// sent brings that node back (sends its start) within RECOVERY_GRACE before the operation finishes.
    pub fn begin_restart(targets: Targets, request: StopRequest) -> Result<Operation, DkvError> {
        Operation::start(targets, request, Scope::Restart)
    }

    /// Runs a rolling restart to its end and returns its rows (as `run` does for a stop).
    pub fn run_restart(targets: Targets, request: StopRequest) -> Result<Vec<NodeResult>, DkvError> {
        Operation::run_scope(targets, request, Scope::Restart)
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
            node_timeout: None,
        };
        Operation::start(targets, request, Scope::Discover)
    }

    /// The store list alone (`GET /admin/v1/stores` on every targeted manager, merged), watchable and cancellable
    /// like a discovery (Get-DkvStore without a name, wildcards, tab completion); read it with `store_list` once
    /// finished.
    pub fn begin_list(targets: Targets) -> Result<Operation, DkvError> {
        let request = StopRequest {
            store: String::new(),
            instances: None,
            force: false,
            parallel: false,
            fail_fast: false,
            throttle: 0,
            node_timeout: None,
        };
        Operation::start(targets, request, Scope::List)
    }

    /// A stop, start or rolling restart (`action`) with the audit settings of its caller (who it is, and where the
    /// trail goes; audit.rs): `begin`, `begin_start` and `begin_restart` are this with the default settings, which
    /// still write the trail when CLUSTRON_DKV_AUDIT_LOG names a file. An audit log that cannot be written is an
    /// error here, before anything is sent.
    pub fn begin_change(
        targets: Targets,
        request: StopRequest,
        action: Action,
        audit: &AuditSettings,
    ) -> Result<Operation, DkvError> {
        Operation::start_audited(targets, request, scope_of(action), audit)
    }

    /// `begin_change` run to its end: its rows (as `run`).
    pub fn run_change(
        targets: Targets,
        request: StopRequest,
        action: Action,
        audit: &AuditSettings,
    ) -> Result<Vec<NodeResult>, DkvError> {
        Operation::run_scope_audited(targets, request, scope_of(action), audit)
    }

    fn prepare(
        targets: &Targets,
        request: &StopRequest,
        scope: Scope,
        audit: &AuditSettings,
    ) -> Result<Arc<Shared>, DkvError> {
        if scope != Scope::List {
            validate_name("Store name", &request.store)?;
        }
        if scope == Scope::Start && request.force {
            return Err(DkvError::invalid(
                "DKV_STOP_FORCE (-Force) applies to stops only: a start has no forced form. Leave the flag out.",
            ));
        }
        if scope == Scope::Restart && request.force {
            return Err(DkvError::invalid(
                "DKV_STOP_FORCE (-Force) does not apply to a rolling restart: it stops each node gracefully, after \
                 the store is safe. Leave the flag out.",
            ));
        }
        if scope == Scope::Restart && request.parallel {
            return Err(DkvError::invalid(
                "DKV_STOP_PARALLEL (-Parallel) does not apply to a rolling restart: it restarts one node at a time, \
                 so that never two nodes are down. Leave the flag out.",
            ));
        }
        if matches!(scope, Scope::Stop | Scope::Start) && request.node_timeout.is_some() {
            return Err(DkvError::invalid(format!(
                "A per-node limit (node_timeout_sec) applies to rolling restarts only; a {} has the one deadline \
                 (timeout_sec). Set it to 0.",
                if scope == Scope::Start { "start" } else { "stop" }
            )));
        }
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
        let action = match scope {
            Scope::Start => Action::Start,
            Scope::Restart => Action::Restart,
            _ => Action::Stop,
        };
        // A restart always stops at its first failure, in its own words (restart.rs), not -FailFast's.
        let fail_fast = request.fail_fast && scope != Scope::Restart;
        let mut shared = Shared::new(action, fail_fast, Deadline::after(targets.timeout), request.store.clone());
        if scope == Scope::List {
            shared.finding = "listing the stores".to_string();
        }
        if matches!(scope, Scope::Stop | Scope::Start | Scope::Restart) {
            let run = AuditRun::prepare(targets, request, action, audit)?;
            *shared.audit.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = run;
        }
        Ok(Arc::new(shared))
    }

    fn start(targets: Targets, request: StopRequest, scope: Scope) -> Result<Operation, DkvError> {
        Operation::start_audited(targets, request, scope, &AuditSettings::default())
    }

    fn start_audited(
        targets: Targets,
        request: StopRequest,
        scope: Scope,
        audit: &AuditSettings,
    ) -> Result<Operation, DkvError> {
        let shared = Operation::prepare(&targets, &request, scope, audit)?;
        let driver = Arc::clone(&shared);
        std::thread::Builder::new()
            .name(format!("dkv-{}", shared.action.noun()))
            .spawn(move || {
                let guard = FinishOnDrop(&driver);
                run_driver(&driver, &targets, &request, scope);
                drop(guard);
            })
            .map_err(|e| DkvError::new(ErrorKind::Internal, format!("could not start a worker thread: {}", e)))?;
        Ok(Operation { shared })
    }

    /// Runs a stop to its end and returns its rows.
    pub fn run(targets: Targets, request: StopRequest) -> Result<Vec<NodeResult>, DkvError> {
        Operation::run_scope(targets, request, Scope::Stop)
    }

    fn run_scope(targets: Targets, request: StopRequest, scope: Scope) -> Result<Vec<NodeResult>, DkvError> {
        Operation::run_scope_audited(targets, request, scope, &AuditSettings::default())
    }

    fn run_scope_audited(
        targets: Targets,
        request: StopRequest,
        scope: Scope,
        audit: &AuditSettings,
    ) -> Result<Vec<NodeResult>, DkvError> {
        // Every step is bounded by the deadline through its own timeouts, except name resolution, which cannot be
        // interrupted: only then does the stop need its own thread, so that waiting on it can give up on time.
        // With IP addresses alone it runs here, sparing a thread start and a hand-off per call.
        if !targets.managers.iter().all(|m| m.is_ip_literal()) {
            let op = Operation::start_audited(targets, request, scope, audit)?;
            op.wait(None);
            return op.results();
        }
        let shared = Operation::prepare(&targets, &request, scope, audit)?;
        let guard = FinishOnDrop(&shared);
        run_driver(&shared, &targets, &request, scope);
        drop(guard);
        Operation { shared }.results()
    }

    /// Waits until finished or `timeout` (None: no limit); true when finished.
    pub fn wait(&self, timeout: Option<Duration>) -> bool {
        let until = timeout.map(|t| Instant::now() + t);
        let hard_stop = self.shared.deadline.at() + self.shared.overdue_grace;
        let mut st = self.shared.lock();
        loop {
            st = self.shared.finalize_if_overdue(st);
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
    /// CANCELLED now, saying whether its stop request had been sent. A rolling restart whose current node's stop
    /// was sent is the exception: that node is brought back first (its start sent, within RECOVERY_GRACE) and
    /// the operation finishes after its row is written; wait for it as usual.
    pub fn cancel(&self) {
        let mut st = self.shared.lock();
        // Under the lock, so that no request is admitted between the flag and the rows that describe it.
        self.shared.cancel.cancel();
        if st.finished {
            return;
        }
        if !st.planned {
            st.error = Some(DkvError::new(ErrorKind::Cancelled, format!("Cancelled while {}.", self.shared.finding)));
        }
        if self.shared.action == Action::Restart && self.shared.cancel_restart(&mut st) {
            self.shared.changed.notify_all();
            return;
        }
        self.shared.end_unfinished(&mut st, End::Cancelled);
        self.shared.finish(&mut st);
        drop(self.shared.let_admitted_requests_leave(st));
    }

    pub fn progress(&self, log_since: u64) -> Progress {
        let st = self.shared.finalize_if_overdue(self.shared.lock());
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
        let st = self.shared.finalize_if_overdue(self.shared.lock());
        match &st.error {
            Some(e) => Err(e.clone()),
            None => Ok(st.results.clone()),
        }
    }

    /// The store as discovery found it, and the manager that answered; None until discovery succeeded.
    pub fn discovered(&self) -> Result<Option<Discovered>, DkvError> {
        let st = self.shared.finalize_if_overdue(self.shared.lock());
        match (&st.error, &st.discovered) {
            (_, Some(d)) => Ok(Some(d.clone())),
            (Some(e), None) => Err(e.clone()),
            (None, None) => Ok(None),
        }
    }

    /// The plan of a plan-only operation (`begin_plan`): None until it planned; the error when discovery or
    /// selection failed.
    pub fn plan(&self) -> Result<Option<(Discovered, Plan)>, DkvError> {
        let st = self.shared.finalize_if_overdue(self.shared.lock());
        match (&st.error, &st.discovered, &st.plan) {
            (_, Some(d), Some(p)) => Ok(Some((d.clone(), p.clone()))),
            (Some(e), _, _) => Err(e.clone()),
            _ => Ok(None),
        }
    }

    /// The merged store list of a list operation (`begin_list`): None until the managers answered; the error when
    /// none could list (DkvError NotSupported when none has the endpoint), was cancelled or ran out of time.
    pub fn store_list(&self) -> Result<Option<StoreList>, DkvError> {
        let st = self.shared.finalize_if_overdue(self.shared.lock());
        match (&st.error, &st.listed) {
            (_, Some(list)) => Ok(Some(list.clone())),
            (Some(e), None) => Err(e.clone()),
            (None, None) => Ok(None),
        }
    }

    /// The store name this operation is about.
    pub fn store(&self) -> &str {
        &self.shared.store
    }

    pub fn is_finished(&self) -> bool {
        let st = self.shared.finalize_if_overdue(self.shared.lock());
        st.finished
    }
}

fn scope_of(action: Action) -> Scope {
    match action {
        Action::Stop => Scope::Stop,
        Action::Start => Scope::Start,
        Action::Restart => Scope::Restart,
    }
}

fn run_driver(shared: &Shared, targets: &Targets, request: &StopRequest, scope: Scope) {
    match scope {
        Scope::Start => start::drive(shared, targets, request),
        Scope::Restart => restart::drive(shared, targets, request),
        Scope::List => store_info::drive_list(shared, targets),
        _ => drive(shared, targets, request, scope),
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
