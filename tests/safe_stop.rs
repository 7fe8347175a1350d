//! Stopping without losing data (graceful waits, safety checks, passive whole-store stops), proven by the
//! reference manager's own data accounting.
mod support;

use clustron_dkv::{Operation, ResultKind};
use std::time::{Duration, Instant};
use support::*;

fn one(name: &str) -> clustron_dkv::StopRequest {
    let mut req = request("OrdersStore");
    req.instances = Some(vec![name.to_string()]);
    req
}

#[test]
fn a_graceful_stop_hands_the_nodes_data_to_the_survivors() {
    let m = demo_on(31, |c| c.migration_ms_per_partition = 30);
    let op = Operation::begin(targets(&m, 30), one("orders-1")).unwrap();
    let mut saw_migrations = false;
    while !op.wait(Some(Duration::from_millis(20))) {
        saw_migrations |= op.progress(0).nodes.iter().any(|n| n.message.contains("migrations remaining"));
    }
    let rows = op.results().unwrap();
    assert_eq!(rows[0].kind, ResultKind::Success, "{:?}", rows);
    assert!(saw_migrations, "progress never showed the migrations remaining");
    let acc = m.accounting("OrdersStore").unwrap();
    assert_eq!(acc.lost, 0, "{:?}", acc);
    let stopped = acc.per_instance.iter().find(|i| i.name == "orders-1").unwrap();
    assert!(stopped.migrated_out > 0 && stopped.held == 0, "{:?}", stopped);
    assert!(acc.per_instance.iter().filter(|i| i.name != "orders-1").all(|i| i.received > 0), "{:?}", acc);
    let log = m.requests();
    let safety_first = log.iter().position(|r| r.path.ends_with("/safety"));
    let stop = log.iter().position(|r| r.method == "POST");
    assert!(safety_first.is_some() && safety_first < stop, "safety must be checked before the stop: {:?}", log);
}

#[test]
fn a_whole_store_stop_goes_passive_first_and_moves_nothing() {
    let m = demo_on(32, |_| {});
    let rows = run(&m, 30, request("OrdersStore"));
    assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
    let log = m.requests();
    let put = log.iter().position(|r| r.method == "PUT" && r.path.ends_with("/state")).expect("a PUT of the state");
    let first_stop = log.iter().position(|r| r.method == "POST").unwrap();
    assert!(put < first_stop);
    let acc = m.accounting("OrdersStore").unwrap();
    assert_eq!((acc.lost, acc.migrations), (0, 0), "{:?}", acc);
    assert_eq!(acc.state, "Passive");
    assert!(acc.per_instance.iter().all(|i| i.persisted > 0), "{:?}", acc);
}

#[test]
fn without_the_passive_state_survivors_absorb_everything() {
    let m = demo_on(33, |c| c.state_endpoint = false);
    let op = Operation::begin(targets(&m, 60), request("OrdersStore")).unwrap();
    op.wait(None);
    let rows = op.results().unwrap();
    assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
    let log = op.progress(0).log;
    assert!(log.iter().any(|l| l.starts_with("WARNING: ") && l.contains("cannot make store")), "{:?}", log);
    let acc = m.accounting("OrdersStore").unwrap();
    let last = acc.per_instance.iter().find(|i| i.name == "orders-3").unwrap();
    assert_eq!(last.peak, acc.partitions, "the last node should have held every partition: {:?}", acc);
    assert!(acc.migrations > 0);
    assert_eq!(acc.lost, 0, "{:?}", acc);
}

#[test]
fn an_unsafe_store_blocks_a_graceful_stop_and_warns_a_forced_one() {
    let m = demo_on(34, |c| c.migration_ms_per_partition = 3_000);
    let mut kill = one("orders-1");
    kill.force = true;
    assert_eq!(run(&m, 30, kill)[0].kind, ResultKind::Success);
    m.clear_log();

    let started = Instant::now();
    let rows = run(&m, 2, one("orders-2"));
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(rows[0].kind, ResultKind::Timeout, "{:?}", rows);
    assert!(rows[0].message.contains("store not safe"), "{}", rows[0].message);
    assert!(rows[0].message.contains("the node was not stopped"), "{}", rows[0].message);
    assert!(posts(&m.requests()).is_empty(), "no stop may be sent while unsafe");
    assert_eq!(m.instance_status("OrdersStore", "orders-2").as_deref(), Some("Running"));

    let mut force = one("orders-2");
    force.force = true;
    let rows = run(&m, 30, force);
    assert_eq!(rows[0].kind, ResultKind::Success);
    assert!(rows[0].message.contains("data may be lost: store was not safe"), "{}", rows[0].message);
}

#[test]
fn a_graceful_stop_that_runs_out_of_time_is_never_forced() {
    let m = demo_on(35, |c| c.migration_ms_per_partition = 5_000);
    let rows = run(&m, 2, one("orders-1"));
    assert_eq!(rows[0].kind, ResultKind::Timeout, "{:?}", rows);
    assert!(rows[0].message.contains("still Stopping"), "{}", rows[0].message);
    assert!(rows[0].message.contains("migrations remaining"), "{}", rows[0].message);
    assert!(posts(&m.requests()).iter().all(|r| r.query.is_empty()));
    assert_eq!(m.accounting("OrdersStore").unwrap().lost, 0);
}

#[test]
fn a_manager_without_the_safety_endpoint_gets_the_documented_behaviour() {
    let m = demo_on(36, |c| c.safety_endpoint = false);
    let op = Operation::begin(targets(&m, 30), one("orders-2")).unwrap();
    op.wait(None);
    assert_eq!(op.results().unwrap()[0].kind, ResultKind::Success);
    assert!(op.progress(0).log.iter().any(|l| l.contains("has no safety endpoint")), "{:?}", op.progress(0).log);
}

#[test]
fn a_passive_store_left_with_running_nodes_is_reported() {
    let m = demo_on(37, |_| {});
    m.set_fault(&host(37, 1), Fault::Status500);
    let op = Operation::begin(targets(&m, 30), request("OrdersStore")).unwrap();
    op.wait(None);
    let rows = op.results().unwrap();
    assert_eq!(row(&rows, "orders-2").kind, ResultKind::Failed, "{:?}", rows);
    let log = op.progress(0).log;
    assert!(
        log.iter().any(|l| l.starts_with("WARNING: Store 'OrdersStore' stays Passive: 1 of its nodes did not stop")),
        "{:?}",
        log
    );
    assert_eq!(m.accounting("OrdersStore").unwrap().state, "Passive");
}
