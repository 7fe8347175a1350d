//! Rolling restarts (issue 12): one node at a time (never two down), stop at the first failure, a per-node limit,
//! a cancel that brings the node being restarted back, a manager without the start endpoint; proven by the
//! reference manager's request log and accounting (maxDown, lost).
mod support;

use clustron_dkv::operation::stop::WARNING_PREFIX;
use clustron_dkv::{ErrorKind, NodeResult, Operation, ResultKind, StopRequest};
use std::time::{Duration, Instant};
use support::*;

fn restart(m: &RefManager, timeout_sec: i64, req: StopRequest) -> Vec<NodeResult> {
    Operation::run_restart(targets(m, timeout_sec), req).expect("the restart runs")
}

fn some(names: &[&str]) -> StopRequest {
    let mut req = request("OrdersStore");
    req.instances = Some(names.iter().map(|n| n.to_string()).collect());
    req
}

fn is_post(r: &LoggedRequest, instance: &str, verb: &str) -> bool {
    r.method == "POST" && r.path.ends_with(&format!("/instances/{}/{}", instance, verb))
}

/// Ten nodes on three hosts (orders-1 on the first, orders-2 on the second, ...), 40 partitions, one backup.
fn ten_nodes(base: u8, tune: impl FnOnce(&mut Config)) -> RefManager {
    let hosts = hosts(base, 3);
    let instances: Vec<String> =
        (0..10).map(|i| format!(r#"{{"name":"orders-{}","server":"{}"}}"#, i + 1, hosts[i % 3])).collect();
    let layout = Layout::from_json(&format!(
        r#"{{"stores":[{{"name":"OrdersStore","partitions":40,"backups":1,"instances":[{}]}}]}}"#,
        instances.join(",")
    ))
    .expect("a valid layout");
    let host_refs: Vec<&str> = hosts.iter().map(|h| h.as_str()).collect();
    let mut config = Config::with_layout(&host_refs, layout);
    config.migration_ms_per_partition = 10;
    config.stop_delay_ms = 30;
    config.start_delay_ms = 40;
    tune(&mut config);
    RefManager::start(config).expect("the reference manager starts")
}

fn warning(op: &Operation) -> String {
    let log = op.progress(0).log;
    let warnings: Vec<&String> = log.iter().filter(|l| l.starts_with(WARNING_PREFIX)).collect();
    assert_eq!(warnings.len(), 1, "{:?}", log);
    warnings[0].clone()
}

/// Waits (bounded) until the node reports `status`.
fn until_status(m: &RefManager, instance: &str, status: &str) {
    let started = Instant::now();
    while m.instance_status("OrdersStore", instance).as_deref() != Some(status) {
        assert!(started.elapsed() < Duration::from_secs(20), "{} never became {}", instance, status);
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn ten_nodes_restart_one_at_a_time_never_two_down_and_nothing_lost() {
    let m = ten_nodes(160, |_| {});
    let op = Operation::begin_restart(targets(&m, 120), request("OrdersStore")).unwrap();
    let mut phases = Vec::new();
    while !op.wait(Some(Duration::from_millis(10))) {
        let phase = op.progress(0).phase;
        if phases.last() != Some(&phase) {
            phases.push(phase);
        }
    }
    let rows = op.results().unwrap();
    let names: Vec<String> = (1..=10).map(|i| format!("orders-{}", i)).collect();
    assert_eq!(rows.iter().map(|r| r.instance.clone()).collect::<Vec<_>>(), names, "store order: {:?}", rows);
    for r in &rows {
        assert_eq!(r.kind, ResultKind::Success, "{:?}", r);
        assert_eq!(r.action(), format!("RestartInstance:{}", r.instance));
        let down = r.down.unwrap_or_else(|| panic!("no downtime: {:?}", r));
        assert!(down > Duration::from_millis(0), "{:?}", r);
        assert!(r.message.starts_with("Running; down ") && r.message.ends_with(" s"), "{:?}", r);
    }
    let acc = m.accounting("OrdersStore").unwrap();
    assert_eq!((acc.lost, acc.max_down, acc.down), (0, 1, 0), "{:?}", acc);
    assert!(acc.per_instance.iter().all(|n| n.status == "Running" && n.rejoins == 1), "{:?}", acc);
    // Stop then start for each node, and node i+1's stop only after node i's start and a safety check after it.
    let log = m.requests();
    let mut previous_start = None;
    for name in &names {
        let stop = log.iter().position(|r| is_post(r, name, "stop")).unwrap_or_else(|| panic!("no stop of {}", name));
        let start = log.iter().rposition(|r| is_post(r, name, "start")).unwrap();
        assert!(stop < start, "{}: stop before start", name);
        assert_eq!(log.iter().filter(|r| is_post(r, name, "stop")).count(), 1, "{}: one stop", name);
        if let Some(before) = previous_start {
            assert!(before < stop, "{}: stopped before the previous node was started", name);
            let safe = log[before..stop].iter().any(|r| r.path.ends_with("/safety"));
            assert!(safe, "{}: no safety check between the previous start and this stop", name);
        }
        previous_start = Some(start);
    }
    // The last node too waits until the store is safe again before the restart reports it.
    let last_start = previous_start.unwrap();
    assert!(log[last_start..].iter().any(|r| r.path.ends_with("/safety")), "{:?}", &log[last_start..]);
    let phase = phases.iter().find(|p| p.starts_with("Restarting orders-3 (3 of 10): "));
    assert!(phase.is_some(), "{:?}", phases);
    assert!(phases.iter().any(|p| p.ends_with(": stopping")), "{:?}", phases);
    assert!(!op.progress(0).log.iter().any(|l| l.starts_with(WARNING_PREFIX)), "{:?}", op.progress(0).log);

    // A second restart of the same store succeeds in the same way (idempotent re-run).
    m.clear_log();
    let again = restart(&m, 120, request("OrdersStore"));
    assert!(again.iter().all(|r| r.kind == ResultKind::Success), "{:?}", again);
    let acc = m.accounting("OrdersStore").unwrap();
    assert_eq!((acc.lost, acc.max_down, acc.down), (0, 1, 0), "{:?}", acc);
    assert!(acc.per_instance.iter().all(|n| n.rejoins == 2), "{:?}", acc);
}

#[test]
fn the_restart_stops_at_the_first_failure_and_says_how_to_go_on() {
    let m = demo_on(161, |_| {});
    m.set_fault(&host(161, 1), Fault::Status500);
    let op = Operation::begin_restart(targets(&m, 30), request("OrdersStore")).unwrap();
    op.wait(None);
    let rows = op.results().unwrap();
    assert_eq!(rows.len(), 3, "{:?}", rows);
    assert_eq!(row(&rows, "orders-1").kind, ResultKind::Success, "{:?}", rows);
    let failed = row(&rows, "orders-2");
    assert_eq!((failed.kind, failed.http_status), (ResultKind::Failed, 500), "{:?}", failed);
    assert!(failed.down.is_none(), "{:?}", failed);
    let skipped = row(&rows, "orders-3");
    assert_eq!(
        (skipped.kind, skipped.message.as_str()),
        (ResultKind::Skipped, "not restarted: the rolling restart stopped at orders-2"),
        "{:?}",
        skipped
    );
    let text = warning(&op);
    assert!(text.contains("stopped at orders-2") && text.contains("restart the remaining nodes: orders-3"), "{}", text);
    let log = m.requests();
    assert!(!log.iter().any(|r| r.path.contains("orders-3")), "nothing sent about orders-3: {:?}", log);
    assert_eq!(m.accounting("OrdersStore").unwrap().max_down, 1);
}

#[test]
fn a_manager_that_dies_after_accepting_the_stop_leaves_its_node_reported_down() {
    // The manager answers the probe and the safety checks, then dies once it accepted the stop: another
    // manager reports the node Stopped, but nobody can start it: FAILED, and the node is DOWN.
    let m = demo_on(162, |_| {});
    m.set_fault(&host(162, 0), Fault::DieAfterStop);
    let op = Operation::begin_restart(targets(&m, 30), some(&["orders-1", "orders-2"])).unwrap();
    op.wait(None);
    let rows = op.results().unwrap();
    let down = row(&rows, "orders-1");
    assert_eq!(down.kind, ResultKind::Failed, "{:?}", rows);
    assert!(down.message.contains("the node is DOWN: start it again"), "{:?}", down);
    assert_eq!(row(&rows, "orders-2").kind, ResultKind::Skipped, "{:?}", rows);
    let text = warning(&op);
    assert!(text.contains("orders-1 is DOWN: start it again") && text.contains("orders-2"), "{}", text);
    assert_eq!(m.instance_status("OrdersStore", "orders-1").as_deref(), Some("Stopped"));
}

#[test]
fn a_node_over_its_limit_is_timeout_and_brought_back() {
    // 8 handoffs of 300 ms: orders-1's graceful stop takes 2.4 s, over its 1 s limit.
    let m = demo_on(163, |c| c.migration_ms_per_partition = 300);
    let mut req = request("OrdersStore");
    req.node_timeout = Some(Duration::from_secs(1));
    let op = Operation::begin_restart(targets(&m, 60), req).unwrap();
    op.wait(None);
    let rows = op.results().unwrap();
    let late = row(&rows, "orders-1");
    assert_eq!(late.kind, ResultKind::Timeout, "{:?}", rows);
    assert!(late.message.starts_with("stop timed out: timed out after 1 s (the per-node limit): "), "{:?}", late);
    assert!(late.message.ends_with("the node was started again (Starting)"), "{:?}", late);
    assert_eq!(row(&rows, "orders-2").kind, ResultKind::Skipped);
    assert_eq!(row(&rows, "orders-3").kind, ResultKind::Skipped);
    assert!(warning(&op).contains("orders-1 was started again"), "{}", warning(&op));
    until_status(&m, "orders-1", "Running");
    let acc = m.accounting("OrdersStore").unwrap();
    assert_eq!((acc.lost, acc.max_down), (0, 1), "{:?}", acc);
    let log = m.requests();
    assert!(!log.iter().any(|r| is_post(r, "orders-2", "stop")), "{:?}", log);
}

#[test]
fn a_cancel_mid_node_brings_the_node_back_and_sends_nothing_else() {
    let m = demo_on(164, |c| c.migration_ms_per_partition = 200);
    let op = Operation::begin_restart(targets(&m, 60), request("OrdersStore")).unwrap();
    until_status(&m, "orders-1", "Stopping");
    let seq_at_cancel = m.requests().last().map(|r| r.seq).unwrap_or(0);
    op.cancel();
    assert!(op.wait(Some(Duration::from_secs(30))), "the recovery is bounded");
    let rows = op.results().unwrap();
    let back = row(&rows, "orders-1");
    assert_eq!(back.kind, ResultKind::Cancelled, "{:?}", rows);
    assert!(back.message.contains("the node was started again"), "{:?}", back);
    for other in ["orders-2", "orders-3"] {
        let r = row(&rows, other);
        assert_eq!((r.kind, r.message.as_str()), (ResultKind::Cancelled, "not restarted: cancelled before its turn"));
    }
    // After the cancel: only the recovery (polls of the store document and orders-1's start).
    let after: Vec<LoggedRequest> = m.requests().into_iter().filter(|r| r.seq > seq_at_cancel).collect();
    for r in &after {
        let recovery =
            is_post(r, "orders-1", "start") || (r.method == "GET" && r.path == "/admin/v1/stores/OrdersStore");
        assert!(recovery, "sent after the cancel: {:?}", r);
    }
    assert!(after.iter().any(|r| is_post(r, "orders-1", "start")), "{:?}", after);
    let end = m.requests().len();
    until_status(&m, "orders-1", "Running");
    assert_eq!(m.requests().len(), end, "nothing more once finished");
    let acc = m.accounting("OrdersStore").unwrap();
    assert_eq!((acc.lost, acc.max_down), (0, 1), "{:?}", acc);
}

#[test]
fn a_cancel_before_any_stop_sends_no_stop() {
    // orders-3 forced down with slow rebuilds: the store is not safe, so the restart waits before its first stop.
    let m = demo_on(165, |c| c.migration_ms_per_partition = 5_000);
    let forced = {
        let mut req = some(&["orders-3"]);
        req.force = true;
        req
    };
    assert_eq!(run(&m, 30, forced)[0].kind, ResultKind::Success);
    m.clear_log();
    let op = Operation::begin_restart(targets(&m, 60), some(&["orders-1", "orders-2"])).unwrap();
    let started = Instant::now();
    while !op.progress(0).phase.ends_with("waiting until the store is safe") {
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", op.progress(0));
        std::thread::sleep(Duration::from_millis(5));
    }
    op.cancel();
    assert!(op.wait(Some(Duration::from_secs(5))));
    let rows = op.results().unwrap();
    assert_eq!(row(&rows, "orders-1").kind, ResultKind::Cancelled, "{:?}", rows);
    assert!(row(&rows, "orders-1").message.starts_with("not restarted: "), "{:?}", rows);
    assert_eq!(row(&rows, "orders-2").message, "not restarted: cancelled before its turn");
    // The cancel itself ended the operation (nothing was down): its rows say it all, and no line is added later.
    std::thread::sleep(Duration::from_millis(100));
    assert!(!op.progress(0).log.iter().any(|l| l.starts_with(WARNING_PREFIX)), "{:?}", op.progress(0).log);
    assert!(!m.requests().iter().any(|r| r.path.ends_with("/stop")), "{:?}", m.requests());
    assert_eq!(m.instance_status("OrdersStore", "orders-1").as_deref(), Some("Running"));
}

#[test]
fn a_manager_without_the_start_endpoint_keeps_its_node_running() {
    let m = demo_on(166, |c| c.start_endpoint = false);
    let op = Operation::begin_restart(targets(&m, 30), request("OrdersStore")).unwrap();
    op.wait(None);
    let rows = op.results().unwrap();
    let first = row(&rows, "orders-1");
    assert_eq!((first.kind, first.http_status), (ResultKind::Failed, 404), "{:?}", rows);
    assert_eq!(
        first.message,
        format!(
            "not restarted: manager {} has no start endpoint (404), so a stopped node could not be started again; \
             the node was not stopped",
            m.address(&host(166, 0))
        )
    );
    assert!(rows.iter().filter(|r| r.instance != "orders-1").all(|r| r.kind == ResultKind::Skipped), "{:?}", rows);
    assert!(!m.requests().iter().any(|r| r.path.ends_with("/stop")), "{:?}", m.requests());
    assert!(warning(&op).contains("orders-1 was not stopped"), "{}", warning(&op));
    assert_eq!(m.accounting("OrdersStore").unwrap().max_down, 0);
}

#[test]
fn force_and_parallel_are_refused_fail_fast_is_accepted() {
    let m = demo_on(167, |_| {});
    for (mut req, flag) in [(request("OrdersStore"), "FORCE"), (request("OrdersStore"), "PARALLEL")] {
        req.force = flag == "FORCE";
        req.parallel = flag == "PARALLEL";
        let error = Operation::begin_restart(targets(&m, 30), req).err().expect("refused");
        assert_eq!(error.kind, ErrorKind::InvalidArgument);
        assert!(error.message.contains(&format!("DKV_STOP_{}", flag)) && error.message.contains("Leave the flag out"));
    }
    let mut req = request("OrdersStore");
    req.fail_fast = true;
    assert!(restart(&m, 30, req).iter().all(|r| r.kind == ResultKind::Success));
    // A per-node limit is for restarts only.
    let mut req = request("OrdersStore");
    req.node_timeout = Some(Duration::from_secs(5));
    let error = Operation::begin(targets(&m, 30), req.clone()).err().expect("refused for a stop");
    assert!(error.message.contains("node_timeout_sec") && error.message.contains("Set it to 0"), "{}", error.message);
    assert!(Operation::begin_start(targets(&m, 30), req.clone()).is_err());
    assert!(Operation::begin_plan(targets(&m, 30), req).is_ok(), "a plan previews a restart too");
}

#[test]
fn the_deadline_mid_stop_still_brings_the_node_back_past_the_deadline() {
    // 8 handoffs of 400 ms: orders-1 reports Stopped about 3.3 s after its stop, well past the 2 s deadline and
    // past the usual overdue grace; the recovery grace lets the restart wait for it and send its start.
    let m = demo_on(168, |c| c.migration_ms_per_partition = 400);
    let began = Instant::now();
    let op = Operation::begin_restart(targets(&m, 2), request("OrdersStore")).unwrap();
    assert!(op.wait(None));
    assert!(began.elapsed() < Duration::from_secs(2) + clustron_dkv::RECOVERY_GRACE + Duration::from_secs(2));
    let rows = op.results().unwrap();
    let late = row(&rows, "orders-1");
    assert_eq!(late.kind, ResultKind::Timeout, "{:?}", rows);
    assert!(late.message.starts_with("stop timed out: timed out after 2 s"), "{:?}", late);
    assert!(late.message.ends_with("the node was started again (Starting)"), "{:?}", late);
    assert!(m.requests().iter().any(|r| is_post(r, "orders-1", "start") && r.status == 202), "{:?}", m.requests());
    until_status(&m, "orders-1", "Running");
    assert_eq!(m.accounting("OrdersStore").unwrap().lost, 0);
}
