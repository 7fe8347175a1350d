//! Starting nodes and stores (issue 12): the start endpoint's rows, and the whole-store way back to Active only
//! once every node runs and the store is safe, proven by the reference manager's request log and accounting.
mod support;

use clustron_dkv::{ErrorKind, NodeResult, Operation, ResultKind, StopRequest};
use std::time::{Duration, Instant};
use support::*;

fn start(m: &RefManager, timeout_sec: i64, req: StopRequest) -> Vec<NodeResult> {
    Operation::run_start(targets(m, timeout_sec), req).expect("the start runs")
}

fn one(name: &str) -> StopRequest {
    let mut req = request("OrdersStore");
    req.instances = Some(vec![name.to_string()]);
    req
}

fn is_state_put(r: &LoggedRequest) -> bool {
    r.method == "PUT" && r.path.ends_with("/state")
}

/// The demo store after a passive whole-store stop, with a clean request log.
fn stopped_store(base: u8, tune: impl FnOnce(&mut Config)) -> RefManager {
    let m = demo_on(base, tune);
    let rows = run(&m, 30, request("OrdersStore"));
    assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
    assert_eq!(m.accounting("OrdersStore").unwrap().state, "Passive");
    m.clear_log();
    m
}

#[test]
fn a_whole_store_start_brings_every_node_back_then_makes_the_store_active() {
    let m = stopped_store(130, |_| {});
    let op = Operation::begin_start(targets(&m, 30), request("OrdersStore")).unwrap();
    op.wait(None);
    let rows = op.results().unwrap();
    assert_eq!(rows.len(), 3, "{:?}", rows);
    for r in &rows {
        assert_eq!((r.kind, r.message.as_str()), (ResultKind::Success, "Running"), "{:?}", r);
        assert_eq!(r.action(), format!("StartInstance:{}", r.instance));
    }
    let log = m.requests();
    let put = log.iter().position(is_state_put).expect("a PUT of the state");
    let last_start = log.iter().rposition(|r| r.method == "POST" && r.path.ends_with("/start")).unwrap();
    assert!(last_start < put, "every start before the PUT Active: {:?}", log);
    let last_safety = log.iter().rposition(|r| r.path.ends_with("/safety")).expect("a safety check");
    assert!(last_start < last_safety && last_safety < put, "safe before Active: {:?}", log);
    let acc = m.accounting("OrdersStore").unwrap();
    assert_eq!((acc.lost, acc.migrations), (0, 0), "{:?}", acc);
    assert_eq!(acc.state, "Active");
    let progress = op.progress(0).log;
    assert!(progress.iter().any(|l| l.contains("is Active: every node runs")), "{:?}", progress);
}

#[test]
fn a_node_that_cannot_start_leaves_the_store_passive_and_is_named() {
    let m = stopped_store(131, |_| {});
    m.set_fault(&host(131, 1), Fault::Status500);
    let op = Operation::begin_start(targets(&m, 30), request("OrdersStore")).unwrap();
    op.wait(None);
    let rows = op.results().unwrap();
    assert_eq!(row(&rows, "orders-1").kind, ResultKind::Success, "{:?}", rows);
    assert_eq!(row(&rows, "orders-3").kind, ResultKind::Success, "{:?}", rows);
    let broken = row(&rows, "orders-2");
    assert_eq!((broken.kind, broken.http_status), (ResultKind::Failed, 500), "{:?}", broken);
    assert!(!m.requests().iter().any(is_state_put), "no PUT while a node is down");
    assert_eq!(m.accounting("OrdersStore").unwrap().state, "Passive");
    let log = op.progress(0).log;
    let warning = log.iter().find(|l| l.starts_with(clustron_dkv::operation::stop::WARNING_PREFIX));
    let warning = warning.unwrap_or_else(|| panic!("no warning: {:?}", log));
    assert!(warning.contains("orders-2") && warning.contains("Passive"), "{}", warning);
    assert!(!warning.contains("orders-1 ("), "{}", warning);
}

#[test]
fn starting_a_running_node_is_a_safe_rerun_and_never_touches_the_state() {
    let m = demo_on(132, |_| {});
    let rows = start(&m, 30, one("orders-2"));
    assert_eq!((rows[0].kind, rows[0].message.as_str()), (ResultKind::Success, "already running"), "{:?}", rows);
    assert_eq!(rows[0].http_status, 409);
    // A whole-store start of a running Active store: every node already runs, the state is read and left alone.
    let rows = start(&m, 30, request("OrdersStore"));
    assert!(rows.iter().all(|r| r.kind == ResultKind::Success && r.message == "already running"), "{:?}", rows);
    assert!(!m.requests().iter().any(is_state_put), "{:?}", m.requests());
}

#[test]
fn a_running_passive_store_is_just_made_active() {
    let m = demo_on(133, |_| {});
    m.set_store_state("OrdersStore", "Passive");
    let rows = start(&m, 30, request("OrdersStore"));
    assert!(rows.iter().all(|r| r.message == "already running"), "{:?}", rows);
    assert_eq!(m.requests().iter().filter(|r| is_state_put(r)).count(), 1);
    assert_eq!(m.accounting("OrdersStore").unwrap().state, "Active");
}

#[test]
fn a_list_of_nodes_is_started_and_the_store_state_is_left_alone() {
    let m = stopped_store(134, |_| {});
    let rows = start(&m, 30, one("orders-1"));
    assert_eq!((rows[0].kind, rows[0].message.as_str()), (ResultKind::Success, "Running"), "{:?}", rows);
    assert_eq!(m.instance_status("OrdersStore", "orders-2").as_deref(), Some("Stopped"));
    assert!(!m.requests().iter().any(is_state_put));
    assert_eq!(m.accounting("OrdersStore").unwrap().state, "Passive");
}

#[test]
fn a_manager_without_the_start_endpoint_gets_a_row_that_says_so() {
    let m = demo_on(135, |c| c.start_endpoint = false);
    let rows = start(&m, 30, one("orders-1"));
    assert_eq!(rows[0].kind, ResultKind::Failed, "{:?}", rows);
    assert_eq!(
        rows[0].message,
        format!("manager {} has no start endpoint (404); nothing was started", m.address(&host(135, 0)))
    );
    // A real 404 about the instance is the manager's own word, not "no endpoint".
    let m = demo_on(136, |_| {});
    let rows = start(&m, 30, one("orders-1"));
    assert_eq!(rows[0].kind, ResultKind::Success);
}

#[test]
fn a_node_still_stopping_is_started_once_it_stopped() {
    let m = demo_on(137, |c| c.migration_ms_per_partition = 40);
    let stop = Operation::begin(targets(&m, 30), one("orders-1")).unwrap();
    let started = Instant::now();
    while m.instance_status("OrdersStore", "orders-1").as_deref() != Some("Stopping") {
        assert!(started.elapsed() < Duration::from_secs(10), "the stop never began");
        std::thread::sleep(Duration::from_millis(5));
    }
    let rows = start(&m, 30, one("orders-1"));
    assert_eq!((rows[0].kind, rows[0].message.as_str()), (ResultKind::Success, "Running"), "{:?}", rows);
    // The start won: the stop's poll may never see `Stopped` between its polls and would wait out its deadline
    // (30 s) for a status that is gone; it has nothing left to tell this test.
    stop.cancel();
    stop.wait(None);
    let starts = m.requests().into_iter().filter(|r| r.path.ends_with("/start")).count();
    assert_eq!(starts, 2, "a refused start, then the start once Stopped");
    assert_eq!(m.accounting("OrdersStore").unwrap().lost, 0);
}

#[test]
fn fail_fast_starts_nothing_after_the_first_failure() {
    let m = stopped_store(138, |_| {});
    m.set_fault(&host(138, 1), Fault::Status500);
    let mut req = request("OrdersStore");
    req.fail_fast = true;
    let rows = start(&m, 30, req);
    assert_eq!(row(&rows, "orders-1").kind, ResultKind::Success);
    assert_eq!(row(&rows, "orders-2").kind, ResultKind::Failed);
    let cancelled = row(&rows, "orders-3");
    assert_eq!(cancelled.kind, ResultKind::Cancelled);
    assert!(cancelled.message.contains("-FailFast"), "{}", cancelled.message);
    assert!(m.requests().iter().all(|r| !(r.manager == host(138, 2) && r.method == "POST")));
    assert_eq!(m.accounting("OrdersStore").unwrap().state, "Passive");
}

#[test]
fn cancel_ends_the_wait_for_running() {
    let m = stopped_store(139, |c| c.start_delay_ms = 20_000);
    let op = Operation::begin_start(targets(&m, 60), one("orders-1")).unwrap();
    let started = Instant::now();
    while !op.progress(0).log.iter().any(|l| l.starts_with("POST ")) {
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", op.progress(0));
        op.wait(Some(Duration::from_millis(20)));
    }
    op.cancel();
    assert!(op.wait(Some(Duration::from_millis(500))));
    let rows = op.results().unwrap();
    assert_eq!(rows[0].kind, ResultKind::Cancelled, "{:?}", rows);
    assert!(rows[0].message.contains("start"), "{}", rows[0].message);
}

#[test]
fn the_deadline_names_what_remained() {
    let m = stopped_store(140, |c| c.start_delay_ms = 20_000);
    let rows = start(&m, 2, one("orders-1"));
    assert_eq!(rows[0].kind, ResultKind::Timeout, "{:?}", rows);
    assert_eq!(rows[0].message, "timed out after 2 s: still Starting");
}

#[test]
fn force_is_refused_for_a_start() {
    let m = demo_on(141, |_| {});
    let mut req = request("OrdersStore");
    req.force = true;
    let e = Operation::begin_start(targets(&m, 30), req).err().expect("refused");
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("DKV_STOP_FORCE"), "{}", e.message);
    assert!(m.requests().is_empty());
}

#[test]
fn a_parallel_whole_store_start_ends_as_the_sequential_one() {
    let m = stopped_store(142, |_| {});
    let mut req = request("OrdersStore");
    req.parallel = true;
    req.throttle = 2;
    let rows = start(&m, 30, req);
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.kind == ResultKind::Success && r.message == "Running"), "{:?}", rows);
    let log = m.requests();
    let put = log.iter().position(is_state_put).expect("a PUT of the state");
    assert!(log[..put].iter().filter(|r| r.path.ends_with("/start")).count() == 3, "{:?}", log);
    assert_eq!(m.accounting("OrdersStore").unwrap().state, "Active");
}

#[test]
fn without_the_safety_endpoint_the_store_is_made_active_and_the_log_says_so() {
    let m = stopped_store(143, |c| c.safety_endpoint = false);
    let op = Operation::begin_start(targets(&m, 30), request("OrdersStore")).unwrap();
    op.wait(None);
    assert!(op.results().unwrap().iter().all(|r| r.kind == ResultKind::Success));
    let log = op.progress(0).log;
    assert!(log.iter().any(|l| l.contains("has no safety endpoint; making the store Active")), "{:?}", log);
    assert_eq!(m.accounting("OrdersStore").unwrap().state, "Active");
}

#[test]
fn a_node_no_targeted_manager_hosts_is_skipped_in_the_words_of_the_operation() {
    let m = demo_on(150, |_| {});
    let first_two: Vec<String> = m.addresses().into_iter().take(2).collect();
    let targets = || {
        let session = clustron_dkv::Session::connect(&first_two, None, Some(30)).expect("valid addresses");
        clustron_dkv::Targets::resolve::<&str>(Some(&session), &[], None, None).expect("session targets")
    };
    let words = [
        ("not started: server ", Operation::run_start(targets(), request("OrdersStore"))),
        ("not restarted: server ", Operation::run_restart(targets(), request("OrdersStore"))),
        ("not stopped: server ", Operation::run(targets(), request("OrdersStore"))),
    ];
    for (expected, rows) in words {
        let rows = rows.expect("the operation runs");
        let skipped = row(&rows, "orders-3");
        assert_eq!(skipped.kind, ResultKind::Skipped, "{:?}", rows);
        assert!(skipped.message.starts_with(expected), "{:?} should start with {:?}", skipped.message, expected);
        assert!(skipped.message.contains(&host(150, 2)), "{}", skipped.message);
    }
}
