//! The start driver: discovery, plan and fan-out as for a stop (stop.rs), then, for a whole store, the way back
//! to Active: only when every node runs and the store is safe does a Passive store become Active (a lossless
//! restart brings every member back first). A start of a list of nodes never changes the store state.
use crate::endpoints::node_start::NodeStart;
use crate::endpoints::safety::{self, Safety, Waited};
use crate::endpoints::store_poll::StorePolls;
use crate::endpoints::store_state::{self, StoreState};
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Asked, Asker};
use crate::net::session::Targets;
use crate::net::transport::{Reply, Transport};
use crate::net::wire;
use crate::operation::in_turn::in_turn;
use crate::operation::run_state::{OperationGate, Shared};
use crate::operation::stop::{discover_and_plan, each_node, fan_out, Scope, StopRequest, WARNING_PREFIX};
use crate::planning::plan::ManagerGroup;
use crate::results::ResultKind;

pub(super) fn drive(shared: &Shared, targets: &Targets, request: &StopRequest) {
    let (discovered, plan) = match discover_and_plan(shared, targets, request, Scope::Start) {
        Some(planned) => planned,
        None => return,
    };
    shared.set_phase("Starting");
    let polls = std::sync::Arc::new(StorePolls::new());
    shared.cancel.ring_on_cancel(&polls);
    fan_out(shared, targets, request, &plan, &|transport: &Transport, group: &ManagerGroup, after: usize| {
        start_group(shared, transport, &targets.managers, &polls, group, &request.store, after)
    });
    if plan.whole_store {
        let mut candidates = vec![&discovered.manager];
        candidates.extend(targets.managers.iter().filter(|m| **m != discovered.manager));
        make_active(shared, &targets.transport, &candidates, &request.store);
    }
    shared.finish(&mut shared.lock());
}

fn start_group(
    shared: &Shared,
    transport: &Transport,
    managers: &[ManagerEndpoint],
    polls: &StorePolls,
    group: &ManagerGroup,
    store: &str,
    after: usize,
) {
    each_node(shared, transport, group, "start", |turn| {
        NodeStart {
            asker: turn.asker,
            manager: &group.endpoint,
            managers,
            store,
            polls,
            instance: turn.instance,
            shares: turn.in_line + after,
            progress: turn.progress,
            wait: true,
        }
        .run()
    });
}

/// After a whole-store start: when every node runs, wait until the store is safe, then make a Passive store
/// Active. Otherwise the store is left as it is, and a warning names the nodes that did not come up and why.
fn make_active(shared: &Shared, transport: &Transport, candidates: &[&ManagerEndpoint], store: &str) {
    let log = |line: String| shared.log(line);
    let gate = OperationGate { shared, slot: None };
    let asker = Asker { transport, deadline: &shared.deadline, cancel: &shared.cancel, gate: &gate, log: &log };
    let not_up: Vec<String> = {
        let st = shared.lock();
        st.results
            .iter()
            .filter(|r| r.kind != ResultKind::Success)
            .map(|r| format!("{} ({}: {})", r.instance, r.kind.label(), r.message))
            .collect()
    };
    let stays = |why: String| {
        log(format!(
            "{}Store '{}' was not made Active: {}. If it is Passive it stays Passive: its partitions do not \
             migrate until it is made Active again.",
            WARNING_PREFIX, store, why
        ))
    };
    if !not_up.is_empty() {
        return stays(format!("not every node came up: {}", not_up.join("; ")));
    }
    shared.set_phase("Checking safety");
    let progress = |line: String| shared.log(line);
    let safe = in_turn(candidates, &log, "the safety check", |manager, patience| {
        match safety::wait_until_safe(&asker, patience, manager, store, None, &progress) {
            Waited::Ready(safety) => Asked::Answer(Ok(safety)),
            Waited::TimedOut { detail } => Asked::Answer(Err(detail)),
            Waited::NoAnswer { text, timed_out: false } => Asked::GaveUp(text),
            Waited::NoAnswer { text, timed_out: true } => Asked::Timeout { last: text, sent: true },
            Waited::Cancelled => Asked::Cancelled,
        }
    });
    match safe {
        Asked::Answer(Ok(Safety::Unsupported)) => log(format!(
            "Manager {} has no safety endpoint; making the store Active without a safety check",
            candidates[0]
        )),
        Asked::Answer(Ok(Safety::Unknown(reason))) => {
            log(format!("Safety check failed ({}); every node runs, making the store Active", reason))
        }
        Asked::Answer(Ok(_)) => {}
        Asked::Answer(Err(detail)) => {
            return stays(format!("{}: the store did not become safe ({})", shared.deadline.describe(), detail))
        }
        other => return stays(format!("the safety check was not answered ({})", over_text(shared, other))),
    }
    shared.set_phase("Making store active");
    let state = in_turn(candidates, &log, "the state request", |manager, patience| {
        store_state::get(&asker, patience, manager, store)
    });
    match state {
        Asked::Answer(Ok(state)) if state.eq_ignore_ascii_case("Passive") => {}
        Asked::Answer(Ok(state)) => {
            return log(format!("Store '{}' is {}: every node runs; its state is left as it is", store, state))
        }
        Asked::Answer(Err(reply)) if safety::is_unsupported(reply.status) => {
            return log(format!(
                "The managers have no store state endpoint; store '{}' was not made Active ({})",
                store,
                wire::error_text(reply.status, &reply.body)
            ))
        }
        Asked::Answer(Err(reply)) => return stays(refused("read the store state", &reply)),
        other => return stays(format!("its state was not read ({})", over_text(shared, other))),
    }
    let set = in_turn(candidates, &log, "the request to make the store active", |manager, patience| {
        store_state::set(&asker, patience, manager, store, StoreState::Active)
    });
    match set {
        Asked::Answer(reply) if reply.status == 200 => log(format!(
            "Store '{}' is Active: every node runs and the store is safe; partitions may migrate again",
            store
        )),
        Asked::Answer(reply) => stays(refused("make it Active", &reply)),
        other => stays(format!("the request to make it Active was not answered ({})", over_text(shared, other))),
    }
}

fn refused(what: &str, reply: &Reply) -> String {
    format!("the manager would not {} ({})", what, wire::error_text(reply.status, &reply.body))
}

/// Why a store-level request got no answer, in the words of the warning.
fn over_text<T>(shared: &Shared, asked: Asked<T>) -> String {
    match asked {
        Asked::Answer(_) => String::new(),
        Asked::GaveUp(summary) => summary,
        Asked::Timeout { last, .. } if last.is_empty() => shared.deadline.describe(),
        Asked::Timeout { last, .. } => format!("{}: {}", shared.deadline.describe(), last),
        Asked::Cancelled => "cancelled".to_string(),
    }
}
