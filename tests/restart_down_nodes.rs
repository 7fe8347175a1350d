//! Issue 19, item 6: "never two nodes down" holds against the store, not only against the roll's own bookkeeping.
//! Right before each stop the rolling restart reads the store: another node Starting or Stopping is waited for;
//! another node Stopped (crashed, or stopped by someone else) stops the roll there, naming it, with nothing stopped.
//! The reference manager's accounting (maxDown: the most nodes of the store not Running at once) proves it.
mod support;

use clustron_dkv::{Operation, ResultKind, StopRequest};
use std::time::{Duration, Instant};
use support::*;

fn some(names: &[&str]) -> StopRequest {
    let mut req = request("OrdersStore");
    req.instances = Some(names.iter().map(|n| n.to_string()).collect());
    req
}

fn stop_posts(m: &RefManager) -> Vec<String> {
    m.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/stop"))
        .map(|r| r.path.rsplit('/').nth(1).unwrap_or("").to_string())
        .collect()
}

/// Waits (at most 10 s) until `instance` reports `status`.
fn until_status(m: &RefManager, instance: &str, status: &str) {
    let waited = Instant::now();
    while m.instance_status("OrdersStore", instance).as_deref() != Some(status) {
        assert!(waited.elapsed() < Duration::from_secs(10), "{} never became {}", instance, status);
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// orders-3 force-stopped before the roll (a crash, or another operator): the accounting starts at one down.
fn with_orders_3_down(base: u8, tune: impl FnOnce(&mut Config)) -> RefManager {
    let m = demo_on(base, tune);
    let rows = run(&m, 10, {
        let mut req = some(&["orders-3"]);
        req.force = true;
        req
    });
    assert_eq!(rows[0].kind, ResultKind::Success, "{:?}", rows);
    assert_eq!(m.instance_status("OrdersStore", "orders-3").as_deref(), Some("Stopped"));
    m.clear_log();
    m
}

#[test]
fn a_node_already_down_stops_the_roll_before_anything_is_stopped() {
    let m = with_orders_3_down(171, |_| {});
    let op = Operation::begin_restart(targets(&m, 30), request("OrdersStore")).unwrap();
    assert!(op.wait(Some(Duration::from_secs(30))), "the restart never finished");
    let rows = op.results().unwrap();
    let first = row(&rows, "orders-1");
    assert_eq!(first.kind, ResultKind::Failed, "{:?}", rows);
    assert!(
        first.message.starts_with("not restarted: orders-3 is Stopped")
            && first.message.contains("two nodes down")
            && first.message.ends_with("the node was not stopped"),
        "{}",
        first.message
    );
    assert_eq!(row(&rows, "orders-2").kind, ResultKind::Skipped, "{:?}", rows);
    assert_eq!(row(&rows, "orders-3").kind, ResultKind::Skipped, "{:?}", rows);
    assert!(stop_posts(&m).is_empty(), "a stop was sent: {:?}", m.requests());
    let accounting = m.accounting("OrdersStore").unwrap();
    assert_eq!(accounting.max_down, 1, "{:?}", accounting);
    assert_eq!(m.instance_status("OrdersStore", "orders-1").as_deref(), Some("Running"));
    // The warning names where the roll stopped; the log says why in the row's words.
    let log = op.progress(0).log;
    assert!(log.iter().any(|l| l.contains("stopped at orders-1") && l.contains("orders-3 is Stopped")), "{:?}", log);
}

#[test]
fn a_node_down_outside_the_roll_counts_too() {
    // Only orders-1 and orders-2 are restarted; orders-3, down and not among them, still counts.
    let m = with_orders_3_down(172, |_| {});
    let rows = Operation::run_restart(targets(&m, 30), some(&["orders-1", "orders-2"])).unwrap();
    assert_eq!(row(&rows, "orders-1").kind, ResultKind::Failed, "{:?}", rows);
    assert_eq!(row(&rows, "orders-2").kind, ResultKind::Skipped, "{:?}", rows);
    assert!(stop_posts(&m).is_empty(), "a stop was sent: {:?}", m.requests());
    assert_eq!(m.accounting("OrdersStore").unwrap().max_down, 1);
}

#[test]
fn a_node_on_its_way_back_is_waited_for() {
    // orders-3 is Starting (1.5 s) when the restart of orders-1 begins: the roll waits until it runs, then goes on.
    let m = with_orders_3_down(173, |c| c.start_delay_ms = 1_500);
    let started = Operation::begin_start(targets(&m, 10), some(&["orders-3"])).unwrap();
    until_status(&m, "orders-3", "Starting");
    let op = Operation::begin_restart(targets(&m, 30), some(&["orders-1"])).unwrap();
    let mut said = false;
    while !op.wait(Some(Duration::from_millis(20))) {
        said |= op.progress(0).nodes.iter().any(|n| n.message.contains("orders-3 (Starting)"));
    }
    assert!(started.wait(Some(Duration::from_secs(10))));
    let rows = op.results().unwrap();
    assert_eq!(rows[0].kind, ResultKind::Success, "{:?}", rows);
    assert!(said, "the progress never said what the roll waited for");
    assert_eq!(stop_posts(&m), vec!["orders-1".to_string()]);
    assert_eq!(m.accounting("OrdersStore").unwrap().max_down, 1, "{:?}", m.accounting("OrdersStore"));
}

#[test]
fn a_node_that_stays_on_its_way_times_out_the_roll_without_a_stop() {
    // orders-3 stays Starting for longer than the restart's deadline: TIMEOUT, orders-1 never stopped.
    let m = with_orders_3_down(174, |c| c.start_delay_ms = 8_000);
    let started = Operation::begin_start(targets(&m, 20), some(&["orders-3"])).unwrap();
    until_status(&m, "orders-3", "Starting");
    let rows = Operation::run_restart(targets(&m, 3), some(&["orders-1"])).unwrap();
    assert_eq!(rows[0].kind, ResultKind::Timeout, "{:?}", rows);
    assert!(rows[0].message.contains("orders-3 was still Starting"), "{}", rows[0].message);
    assert!(stop_posts(&m).is_empty(), "a stop was sent: {:?}", m.requests());
    assert_eq!(m.accounting("OrdersStore").unwrap().max_down, 1);
    started.cancel();
}

#[test]
fn a_second_roll_begun_while_the_first_has_a_node_down_waits_for_it() {
    // Two consoles: roll A restarts orders-1; once orders-1 is Stopping, roll B restarts orders-2. B reads the
    // store before its stop, sees orders-1 Stopping, then Stopped, then Starting, and stops orders-2 only once
    // orders-1 runs again: never two down (the accounting), both rolls SUCCESS.
    let m = demo_on(175, |c| {
        c.stop_delay_ms = 400;
        c.start_delay_ms = 400;
    });
    let a = Operation::begin_restart(targets(&m, 30), some(&["orders-1"])).unwrap();
    until_status(&m, "orders-1", "Stopping");
    let b = Operation::begin_restart(targets(&m, 30), some(&["orders-2"])).unwrap();
    assert!(a.wait(Some(Duration::from_secs(30))) && b.wait(Some(Duration::from_secs(30))));
    let (rows_a, rows_b) = (a.results().unwrap(), b.results().unwrap());
    assert_eq!(rows_a[0].kind, ResultKind::Success, "{:?}", rows_a);
    assert_eq!(rows_b[0].kind, ResultKind::Success, "{:?}", rows_b);
    assert_eq!(m.accounting("OrdersStore").unwrap().max_down, 1, "{:?}", m.accounting("OrdersStore"));
}
