//! What discovery on its own (Get-DkvStore) reads beyond the nodes: the store's state and safety, from the
//! safety answer or the state endpoint, each unknown when the manager lacks it; a stop's discovery asks neither.
mod support;

use clustron_dkv::endpoints::store_condition::StoreCondition;
use clustron_dkv::operation::store_info::get_store;
use clustron_dkv::{Operation, ResultKind};
use std::time::{Duration, Instant};
use support::*;

const STORE: &str = "OrdersStore";

fn condition(m: &RefManager) -> StoreCondition {
    get_store(&targets(m, 10), STORE).expect("discovery succeeds").condition
}

fn paths(m: &RefManager) -> Vec<String> {
    m.requests().into_iter().map(|r| format!("{} {}", r.method, r.path)).collect()
}

#[test]
fn an_active_safe_store_is_read_from_the_safety_answer_alone() {
    let m = demo_on(241, |_| {});
    let c = condition(&m);
    assert_eq!(c, StoreCondition { state: Some("Active".into()), safe: Some(true), migrations_pending: Some(0) });
    // The safety answer names the state: no GET of the state endpoint.
    assert_eq!(
        paths(&m),
        vec!["GET /admin/v1/stores/OrdersStore".to_string(), "GET /admin/v1/stores/OrdersStore/safety".to_string()]
    );
}

#[test]
fn a_passive_store_reads_passive_and_migrations_make_it_unsafe() {
    let m = demo_on(242, |c| c.migration_ms_per_partition = 3_000);
    m.set_store_state(STORE, "Passive");
    assert_eq!(condition(&m).state.as_deref(), Some("Passive"));
    m.set_store_state(STORE, "Active");
    // A forced stop in an Active store leaves partitions short of backups: migrations pending, not safe.
    let mut kill = request(STORE);
    kill.instances = Some(vec!["orders-1".into()]);
    kill.force = true;
    assert_eq!(run(&m, 30, kill)[0].kind, ResultKind::Success);
    let c = condition(&m);
    assert_eq!((c.state.as_deref(), c.safe), (Some("Active"), Some(false)), "{:?}", c);
    assert!(c.migrations_pending.unwrap_or(0) > 0, "{:?}", c);
}

#[test]
fn without_the_safety_endpoint_the_state_comes_from_the_state_endpoint_and_safety_is_unknown() {
    let m = demo_on(243, |c| c.safety_endpoint = false);
    m.set_store_state(STORE, "Passive");
    let c = condition(&m);
    assert_eq!(c, StoreCondition { state: Some("Passive".into()), safe: None, migrations_pending: None });
    assert!(paths(&m).contains(&"GET /admin/v1/stores/OrdersStore/state".to_string()), "{:?}", paths(&m));
}

#[test]
fn without_either_endpoint_everything_is_unknown_and_discovery_still_succeeds() {
    let m = demo_on(244, |c| {
        c.safety_endpoint = false;
        c.state_endpoint = false;
    });
    let found = get_store(&targets(&m, 10), STORE).expect("discovery succeeds");
    assert_eq!(found.condition, StoreCondition::default());
    assert_eq!(found.store.instances.len(), 3);
    // Without the state endpoint but with the safety endpoint, the safety answer still gives the state.
    let m = demo_on(245, |c| c.state_endpoint = false);
    assert_eq!(condition(&m).state.as_deref(), Some("Active"));
}

#[test]
fn a_stops_discovery_reads_neither_safety_nor_state_for_display() {
    let m = demo_on(246, |c| c.safety_endpoint = false);
    let mut one = request(STORE);
    one.instances = Some(vec!["orders-2".into()]);
    let op = Operation::begin(targets(&m, 30), one).expect("begins");
    op.wait(None);
    assert_eq!(op.discovered().unwrap().expect("discovered").condition, StoreCondition::default());
    assert!(!paths(&m).iter().any(|p| p.ends_with("/state")), "{:?}", paths(&m));
}

#[test]
fn a_manager_silent_on_the_safety_check_leaves_it_unknown_within_the_deadline() {
    // One manager answering every request 2 s late, under a 3 s deadline: discovery's answer comes at 2 s, and the
    // safety read cannot be answered in the second left. (Setting a hang once discovery was logged raced with the
    // safety read, which a quick machine had answered already.)
    let m = demo_on(247, |_| {});
    m.set_fault(&host(247, 0), Fault::Latency(2000));
    let first = m.addresses().into_iter().take(1).collect::<Vec<_>>();
    let session = clustron_dkv::Session::connect(&first, None, Some(3)).expect("valid address");
    let targets = clustron_dkv::Targets::resolve::<&str>(Some(&session), &[], None, None).expect("targets");
    let started = Instant::now();
    let op = Operation::begin_discovery(targets, STORE).expect("begins");
    op.wait(None);
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    let found = op.discovered().expect("discovery is no failure").expect("discovered");
    assert_eq!(found.store.instances.len(), 3);
    assert_eq!((found.condition.safe, found.condition.state.as_deref()), (None, None), "{:?}", found.condition);
    assert!(paths(&m).iter().any(|p| p.ends_with("/safety")), "the safety read was sent: {:?}", paths(&m));
}
