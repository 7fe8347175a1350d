//! The stop driver: one thread discovers, plans, makes a whole store Passive when it may, and fans the nodes out
//! (one worker per manager when parallel), writing every row into the operation's shared state.
use crate::endpoints::discovery::{discover, Discovered};
use crate::endpoints::node_stop::{NodeStop, Outcome};
use crate::endpoints::safety::{self, ForcedRisk, Safety, Waited};
use crate::endpoints::store_condition;
use crate::endpoints::store_poll::StorePolls;
use crate::endpoints::store_state::{self, StoreState};
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Asked, Asker, Patience};
use crate::net::session::Targets;
use crate::net::throttle::Permits;
use crate::net::transport::Transport;
use crate::net::wire;
use crate::operation::forced_check::check_before_forcing;
use crate::operation::run_state::{OperationGate, Shared};
use crate::planning::plan::{plan, ManagerGroup, Plan};
use crate::planning::route::ServerMatcher;
use crate::results::ResultKind;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Default of the parallel throttle: requests in flight at once (as Invoke-Command's -ThrottleLimit).
pub const DEFAULT_THROTTLE: usize = 32;

/// The most worker threads one parallel stop starts: a thread per manager up to this, so that each manager's
/// nodes proceed on their own while the throttle bounds the requests.
pub const MAX_WORKERS: usize = 256;

// What every operation is asked to do, and the log's warning prefix, live below this driver (request.rs,
// run_state.rs) so that the state and the audit trail need not import it; named here as callers know them.
pub use crate::operation::request::StopRequest;
pub use crate::operation::run_state::WARNING_PREFIX;

/// How far an operation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// The store list alone (store_info.rs): no store, no plan.
    List,
    Discover,
    Plan,
    Stop,
    Start,
    Restart,
}

pub(super) fn drive(shared: &Shared, targets: &Targets, request: &StopRequest, scope: Scope) {
    let (discovered, plan) = match discover_and_plan(shared, targets, request, scope) {
        Some(planned) => planned,
        None => return,
    };
    let mut passive = false;
    if plan.whole_store && !request.force {
        match prepare_whole_store(shared, &targets.transport, &targets.managers, &discovered.manager, &request.store) {
            Prepared::Passive => passive = true,
            Prepared::NodeByNode => {}
            Prepared::Abort(kind, message) => return shared.finish_unfinished(&mut shared.lock(), kind, &message),
        }
    }
    // A forced operation asks once, before its first forced stop (forced_check.rs), not before each node's.
    let mut risk = None;
    if request.force && plan.groups.iter().any(|g| !g.nodes.is_empty()) {
        let mut candidates = vec![&discovered.manager];
        candidates.extend(targets.managers.iter().filter(|m| **m != discovered.manager));
        // One named node is judged by its own entry, under the name the plan found it by.
        let mut planned = plan.groups.iter().flat_map(|g| g.nodes.iter());
        let member = match (request.instances.is_some(), planned.next(), planned.next()) {
            (true, Some(one), None) => Some(one.name.as_str()),
            _ => None,
        };
        match check_before_forcing(shared, &targets.transport, &candidates, &request.store, member) {
            Ok(found) => risk = Some(found),
            Err((kind, message)) => return shared.finish_unfinished(&mut shared.lock(), kind, &message),
        }
    }
    shared.set_phase("Stopping");
    // A passive store had its one safety check before it went passive; node by node, each graceful stop checks
    // again. Nodes waiting for their graceful stops share the polls of the store (store_poll.rs).
    let polls = Arc::new(StorePolls::new());
    shared.cancel.ring_on_cancel(&polls);
    let safety = NodeSafety { check: !passive, risk: risk.as_ref() };
    fan_out(shared, targets, request, &plan, &|transport: &Transport, group: &ManagerGroup, after: usize| {
        stop_group(shared, transport, &targets.managers, &polls, group, request, &safety, after)
    });
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

/// Discovery and the plan, shared by every operation: None when the operation ended there (an error, a cancel,
/// or a discovery- or plan-only scope, finished here); otherwise the plan is the operation's rows.
pub(super) fn discover_and_plan(
    shared: &Shared,
    targets: &Targets,
    request: &StopRequest,
    scope: Scope,
) -> Option<(Discovered, Plan)> {
    let log = |line: String| shared.log(line);
    let gate = OperationGate { shared, slot: None };
    let found =
        discover(&targets.transport, &targets.managers, &request.store, &shared.deadline, &shared.cancel, &gate, &log);
    let mut discovered = match found {
        Ok(d) => d,
        Err(e) => {
            shared.fail(e);
            return None;
        }
    };
    if scope == Scope::Discover {
        // Get-DkvStore shows the state and safety too; only here, so that a stop's discovery costs one request.
        let asker = Asker {
            transport: &targets.transport,
            deadline: &shared.deadline,
            cancel: &shared.cancel,
            gate: &gate,
            log: &log,
        };
        discovered.condition = store_condition::read(&asker, &discovered.manager, &request.store);
    }
    {
        let mut st = shared.lock();
        if st.finished {
            return None; // cancelled or overdue while the answer was on its way
        }
        st.discovered = Some(discovered.clone());
        if scope == Scope::Discover {
            st.planned = true;
            shared.finish(&mut st);
            return None;
        }
    }
    // Routing by name or address; each name is resolved at most once in this operation (route.rs).
    let names = ServerMatcher::new(&shared.deadline, Some(&shared.cancel));
    let plan = match plan(&request.store, &discovered.store, request.instances.as_deref(), &targets.managers, &names) {
        Ok(p) => p,
        Err(e) => {
            shared.fail(e);
            return None;
        }
    };
    if scope == Scope::Plan {
        let mut st = shared.lock();
        if !st.finished {
            st.planned = true;
            st.plan = Some(plan);
            shared.finish(&mut st);
        }
        return None;
    }
    // The audit trail's opening line names the nodes about to be touched; nothing is sent unless it was written.
    if let Err(e) = shared.audit_begin(&plan) {
        shared.fail(e);
        return None;
    }
    shared.set_plan(&plan);
    Some((discovered, plan))
}

/// Runs every manager group of the plan: one after another, or with -Parallel one worker per manager (up to
/// MAX_WORKERS) under the throttle. `run_group(transport, group, after)`: `after` counts the nodes waiting behind
/// this group in the same sequence, who share the time left with it.
pub(super) fn fan_out(
    shared: &Shared,
    targets: &Targets,
    request: &StopRequest,
    plan: &Plan,
    run_group: &(dyn Fn(&Transport, &ManagerGroup, usize) + Sync),
) {
    let throttle = if request.throttle == 0 { DEFAULT_THROTTLE } else { request.throttle };
    let transport = if request.parallel {
        let permits = Arc::new(Permits::new(throttle));
        shared.cancel.ring_on_cancel(&permits);
        targets.transport.throttled(permits, shared.cancel.clone(), shared.deadline)
    } else {
        targets.transport.clone()
    };
    let one_by_one = || {
        let mut after: usize = plan.groups.iter().map(|g| g.nodes.len()).sum();
        for group in &plan.groups {
            after -= group.nodes.len();
            run_group(&transport, group, after);
        }
    };
    let workers = std::cmp::min(plan.groups.len(), MAX_WORKERS);
    if request.parallel && workers > 1 {
        // Threads of its own, each taking the next manager's group in plan order until none is left: a general
        // pool would cap network concurrency at its size, and the idle workers of a work-stealing pool keep
        // searching each other's queues while the rest wait on the network.
        let next = AtomicUsize::new(0);
        let worker = || {
            while let Some(group) = plan.groups.get(next.fetch_add(1, Ordering::Relaxed)) {
                run_group(&transport, group, 0);
            }
        };
        let verb = shared.action.noun();
        std::thread::scope(|scope| {
            let mut started = 0;
            for i in 0..workers {
                let spawned =
                    std::thread::Builder::new().name(format!("dkv-{}-{}", verb, i)).spawn_scoped(scope, worker);
                match spawned {
                    Ok(_) => started += 1,
                    Err(e) if started == 0 => {
                        shared.log(format!(
                            "{}could not start {} threads ({}); going through the managers one by one",
                            WARNING_PREFIX, workers, e
                        ));
                        return one_by_one();
                    }
                    Err(e) => {
                        shared.log(format!(
                            "{}could start only {} of {} threads ({}); they share the managers",
                            WARNING_PREFIX, started, workers, e
                        ));
                        return;
                    }
                }
            }
        });
    } else {
        one_by_one();
    }
}

/// What each node's stop does about safety: a graceful one checks (unless the store went Passive after its one
/// check), a forced one carries its operation's one answer.
struct NodeSafety<'a> {
    check: bool,
    risk: Option<&'a ForcedRisk>,
}

#[allow(clippy::too_many_arguments)]
fn stop_group(
    shared: &Shared,
    transport: &Transport,
    managers: &[ManagerEndpoint],
    polls: &StorePolls,
    group: &ManagerGroup,
    request: &StopRequest,
    safety: &NodeSafety,
    after: usize,
) {
    each_node(shared, transport, group, "stop", |turn| {
        NodeStop {
            asker: turn.asker,
            manager: &group.endpoint,
            managers,
            store: &request.store,
            polls,
            instance: turn.instance,
            force: request.force,
            check_safety: safety.check,
            risk: safety.risk,
            shares: turn.in_line + after,
            progress: turn.progress,
        }
        .run()
    });
}

/// What one node's request needs from the operation, for its turn in a manager's sequence.
pub(super) struct NodeTurn<'a> {
    pub asker: Asker<'a>,
    pub instance: &'a str,
    /// This node and those after it in the manager's group.
    pub in_line: usize,
    pub progress: &'a dyn Fn(String),
}

/// The nodes of one manager's group in turn, for a stop or a start (`verb`): each gets its progress slot, a
/// TIMEOUT row when the deadline passed before its request was sent, else the row `run` returns.
pub(super) fn each_node(
    shared: &Shared,
    transport: &Transport,
    group: &ManagerGroup,
    verb: &str,
    run: impl Fn(NodeTurn) -> Outcome,
) {
    let manager = group.endpoint.display_name();
    for (n, node) in group.nodes.iter().enumerate() {
        let slot = match shared.start_node(&node.name, &manager) {
            Some(slot) => slot,
            None => continue, // the operation ended: its rows are written
        };
        if shared.deadline.expired() {
            let message = format!("{} before the {} was sent", shared.deadline.describe(), verb);
            shared.record(slot, ResultKind::Timeout, message, 0);
            continue;
        }
        let log = |line: String| shared.log(line);
        let progress = |message: String| shared.node_message(slot, message);
        let gate = OperationGate { shared, slot: Some(slot) };
        let outcome = run(NodeTurn {
            asker: Asker { transport, deadline: &shared.deadline, cancel: &shared.cancel, gate: &gate, log: &log },
            instance: &node.name,
            in_line: group.nodes.len() - n,
            progress: &progress,
        });
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
    loop {
        let manager = candidates[next];
        let mut patience = Patience::new(candidates.len() - next + 1);
        match store_state::set(&asker, &mut patience, manager, store, StoreState::Passive) {
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
