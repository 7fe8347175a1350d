//! A dead manager costs only its own nodes, and nothing runs after a stop returns (issue 11), end to end against
//! the reference manager over real HTTP. Rows are checked against the manager's own request log.
mod support;

use clustron_dkv::{Operation, ResultKind, Session, StopRequest, Targets};
use std::time::{Duration, Instant};
use support::*;

/// How a manager in the middle of the line fails to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Silence {
    /// Accepts connections, reads the request, never answers.
    Hang,
    /// Reads the request, then resets the connection.
    Reset,
    /// Nothing listens on its address: connections are refused.
    Refuse,
}

/// `n` managers on 127.0.`base`.11.., one node of "LineStore" on each (`line-1`..), the manager at `silent`
/// failing as asked. Returns the manager and the targets (every address, the refusing one included).
fn line(base: u8, n: usize, silent: usize, how: Silence, timeout_sec: i64) -> (RefManager, Targets) {
    let all = hosts(base, n as u8);
    let served: Vec<&str> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| how != Silence::Refuse || *i != silent)
        .map(|(_, h)| h.as_str())
        .collect();
    let layout = Layout {
        stores: vec![StoreLayout {
            name: "LineStore".into(),
            partitions: 12,
            backups: 1,
            instances: (0..n)
                .map(|i| InstanceLayout {
                    name: format!("line-{}", i + 1),
                    server: all[i].clone(),
                    clustron_port: 7811,
                    client_port: 7861,
                    status: "Running".into(),
                })
                .collect(),
        }],
    };
    let m = RefManager::start(Config::with_layout(&served, layout)).expect("the reference manager starts");
    match how {
        Silence::Hang => m.set_fault(&all[silent], Fault::Hang),
        Silence::Reset => m.set_fault(&all[silent], Fault::Reset),
        Silence::Refuse => {}
    }
    let addresses: Vec<String> = all.iter().map(|h| format!("{}:{}", h, m.port())).collect();
    let session = Session::connect(&addresses, None, Some(timeout_sec)).expect("valid addresses");
    let targets = Targets::resolve::<&str>(Some(&session), &[], None, None).expect("session targets");
    (m, targets)
}

fn stop_posts(log: &[LoggedRequest]) -> Vec<String> {
    posts(log).iter().map(|r| r.path.rsplit('/').nth(1).unwrap_or("").to_string()).collect()
}

/// The case, sequential and in the default mode: the node behind a silent manager is still stopped, the
/// silent manager's node is FAILED naming the manager and its last reason, and the call keeps its deadline.
fn a_silent_manager_costs_only_its_own_node(base: u8, n: usize, silent: usize, how: Silence, timeout_sec: i64) {
    let (m, targets) = line(base, n, silent, how, timeout_sec);
    let silent_address = targets.managers[silent].display_name();
    let started = Instant::now();
    let rows = Operation::run(targets, request("LineStore")).expect("the stop runs");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(timeout_sec as u64 + 1), "{:?}: returned after {:?}", how, took);
    assert_eq!(rows.len(), n, "{:?}", rows);
    for i in 0..n {
        let name = format!("line-{}", i + 1);
        let r = row(&rows, &name);
        if i == silent {
            assert_eq!(r.kind, ResultKind::Failed, "{:?}: {:?}", how, r);
            assert!(r.message.starts_with(&format!("no answer from manager {}", silent_address)), "{}", r.message);
            let reason = match how {
                Silence::Hang => "no answer within",
                Silence::Reset => "reset",
                Silence::Refuse => "could not connect",
            };
            assert!(r.message.contains(reason), "{:?}: {}", how, r.message);
        } else {
            assert_eq!(r.kind, ResultKind::Success, "{:?}: {:?}", how, rows);
            assert_eq!(m.instance_status("LineStore", &name).as_deref(), Some("Stopped"));
        }
    }
    // Every healthy node got its stop request, in order; the ones after the silent manager included.
    let log = m.requests();
    let healthy: Vec<String> = (0..n).filter(|&i| i != silent).map(|i| format!("line-{}", i + 1)).collect();
    let sent: Vec<String> = stop_posts(&log).into_iter().filter(|p| *p != format!("line-{}", silent + 1)).collect();
    assert_eq!(sent, healthy, "{:?}", log);
    assert_eq!(m.accounting("LineStore").map(|a| a.lost), Some(0));
}

#[test]
fn a_hanging_manager_in_the_middle_of_three() {
    a_silent_manager_costs_only_its_own_node(50, 3, 1, Silence::Hang, 6);
}

#[test]
fn a_resetting_manager_in_the_middle_of_three() {
    a_silent_manager_costs_only_its_own_node(51, 3, 1, Silence::Reset, 6);
}

#[test]
fn a_refusing_manager_in_the_middle_of_three() {
    a_silent_manager_costs_only_its_own_node(52, 3, 1, Silence::Refuse, 6);
}

#[test]
fn a_hanging_manager_in_the_middle_of_ten() {
    a_silent_manager_costs_only_its_own_node(53, 10, 4, Silence::Hang, 8);
}

#[test]
fn a_resetting_manager_in_the_middle_of_ten() {
    a_silent_manager_costs_only_its_own_node(54, 10, 4, Silence::Reset, 8);
}

#[test]
fn a_refusing_manager_in_the_middle_of_ten() {
    a_silent_manager_costs_only_its_own_node(55, 10, 4, Silence::Refuse, 8);
}

#[test]
fn a_node_whose_manager_dies_after_202_is_followed_through_another_manager() {
    // Slow migrations keep orders-2 Stopping well after its manager accepted the stop and died.
    let m = demo_on(56, |c| c.migration_ms_per_partition = 60);
    m.set_fault(&host(56, 1), Fault::DieAfterStop);
    let mut req = request("OrdersStore");
    req.instances = Some(vec!["orders-2".into()]);
    let rows = run(&m, 20, req);
    let r = row(&rows, "orders-2");
    assert_eq!(r.kind, ResultKind::Success, "{:?}", r);
    let dead = m.address(&host(56, 1));
    assert!(r.message.starts_with("Stopped (reported by "), "{}", r.message);
    assert!(r.message.contains(&format!("{} stopped answering", dead)), "{}", r.message);
    assert_eq!(m.instance_status("OrdersStore", "orders-2").as_deref(), Some("Stopped"));
    // The stop went to the node's own manager (202), its status came from another one.
    let log = m.requests();
    let stop = posts(&log).into_iter().find(|p| p.status == 202).expect("a 202 stop");
    assert_eq!(stop.manager, host(56, 1));
    let answered_after: Vec<&LoggedRequest> =
        log.iter().filter(|r| r.seq > stop.seq && r.method == "GET" && r.status == 200).collect();
    assert!(!answered_after.is_empty() && answered_after.iter().all(|r| r.manager != host(56, 1)), "{:?}", log);
    assert!(r.message.contains(&m.address(&answered_after[0].manager)), "{}", r.message);
    assert_eq!(m.accounting("OrdersStore").map(|a| a.lost), Some(0));
}

#[test]
fn a_whole_store_stop_goes_on_after_a_manager_dies_mid_stop() {
    let m = demo_on(57, |c| c.stop_delay_ms = 300);
    m.set_fault(&host(57, 1), Fault::DieAfterStop);
    let started = Instant::now();
    let rows = run(&m, 10, request("OrdersStore"));
    assert!(started.elapsed() < Duration::from_secs(11));
    assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
    assert!(row(&rows, "orders-2").message.contains("stopped answering"), "{:?}", rows);
    assert_eq!(row(&rows, "orders-3").message, "Stopped");
}

#[test]
fn a_flapping_manager_still_gets_its_node_stopped() {
    // Every other connection to the middle manager is reset: each of its requests succeeds on a retry.
    for parallel in [false, true] {
        let base = if parallel { 59 } else { 58 };
        let m = demo_on(base, |_| {});
        m.set_fault(&host(base, 1), Fault::Flap);
        let mut req = request("OrdersStore");
        req.parallel = parallel;
        let rows = run(&m, 10, req);
        assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "parallel={}: {:?}", parallel, rows);
        let log = m.requests();
        // In parallel the nodes share their polls (store_poll.rs): another manager may answer every one of them,
        // and the flapping manager then sees only the stop request, which may be the one that goes through.
        if !parallel {
            assert!(log.iter().any(|r| r.manager == host(base, 1) && r.fault == "reset"), "{:?}", log);
        }
        assert_eq!(m.instance_status("OrdersStore", "orders-2").as_deref(), Some("Stopped"));
    }
}

#[test]
fn a_passive_stop_changes_the_state_through_a_manager_that_answers() {
    // The discovering manager answers discovery, then dies: the safety check and the state change go through
    // the next manager; the dead manager's own node is FAILED and the others are stopped losslessly.
    let m = demo_on(60, |_| {});
    m.set_fault(&host(60, 0), Fault::DieAfter(1));
    let rows = run(&m, 10, request("OrdersStore"));
    assert_eq!(row(&rows, "orders-1").kind, ResultKind::Failed, "{:?}", rows);
    assert_eq!(row(&rows, "orders-2").kind, ResultKind::Success, "{:?}", rows);
    assert_eq!(row(&rows, "orders-3").kind, ResultKind::Success, "{:?}", rows);
    let log = m.requests();
    let put = log.iter().find(|r| r.method == "PUT" && r.status == 200).expect("the state was changed");
    assert_eq!(put.manager, host(60, 1), "{:?}", log);
    let acc = m.accounting("OrdersStore").unwrap();
    assert_eq!((acc.state.as_str(), acc.lost, acc.migrations), ("Passive", 0, 0), "{:?}", acc);
}

/// Requests that reached a manager after `returned_ms` (the manager's clock), allowing for the few ms between
/// a request leaving and the manager having read it.
fn after_return(log: &[LoggedRequest], returned_ms: u64) -> Vec<&LoggedRequest> {
    log.iter().filter(|r| r.start_ms > returned_ms + 50).collect()
}

#[test]
fn a_cancel_during_a_slow_safety_check_sends_no_stop_afterwards() {
    let m = demo_on(61, |_| {});
    m.set_fault(&host(61, 1), Fault::Latency(1_200));
    let mut req = request("OrdersStore");
    req.instances = Some(vec!["orders-2".into()]);
    let op = Operation::begin(targets(&m, 10), req).unwrap();
    // Cancel while the safety check is with the manager.
    let waited = Instant::now();
    while !m.requests().iter().any(|r| r.path.ends_with("/safety")) && waited.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let cancelled = Instant::now();
    op.cancel();
    let returned_ms = m.now_ms();
    assert!(cancelled.elapsed() < Duration::from_millis(500));
    let rows = op.results().unwrap();
    assert_eq!(rows[0].kind, ResultKind::Cancelled);
    assert_eq!(rows[0].message, "cancelled before the stop was sent");
    // The slow answer comes back after the cancel: the worker must not go on to the stop.
    std::thread::sleep(Duration::from_millis(1_800));
    let log = m.requests();
    assert!(posts(&log).is_empty(), "{:?}", log);
    assert!(after_return(&log, returned_ms).is_empty(), "{:?}", log);
    assert_eq!(m.instance_status("OrdersStore", "orders-2").as_deref(), Some("Running"));
}

#[test]
fn parallel_fail_fast_sends_no_stop_for_a_node_still_checking_safety() {
    // orders-1's manager answers discovery, then resets everything: orders-1 fails after its retries (about
    // 150 ms), while the other nodes wait on their slow safety checks. Graceful stops of the nodes by name, each
    // checked by its own manager (a forced operation asks once before any stop: tests/forced_safety.rs).
    let m = demo_on(62, |_| {});
    m.set_fault(&host(62, 0), Fault::DieAfter(1));
    m.set_fault(&host(62, 1), Fault::Latency(1_000));
    m.set_fault(&host(62, 2), Fault::Latency(1_000));
    let mut req: StopRequest = request("OrdersStore");
    req.instances = Some(["orders-1", "orders-2", "orders-3"].iter().map(|s| s.to_string()).collect());
    req.parallel = true;
    req.fail_fast = true;
    let rows = run(&m, 10, req);
    let returned_ms = m.now_ms();
    assert_eq!(row(&rows, "orders-1").kind, ResultKind::Failed, "{:?}", rows);
    std::thread::sleep(Duration::from_millis(300));
    let log = m.requests();
    for (i, name) in [(1, "orders-2"), (2, "orders-3")] {
        let r = row(&rows, name);
        assert_eq!(r.kind, ResultKind::Cancelled, "{:?}", rows);
        // A node whose safety check reached its manager was under way; one whose worker had not begun was not.
        let checking = log.iter().any(|q| q.manager == host(62, i) && q.path.ends_with("/safety"));
        let expected = if checking { "not sent" } else { "not started" };
        assert_eq!(r.message, format!("{}: an earlier node failed (-FailFast)", expected), "{:?}", log);
    }
    assert!(posts(&log).iter().all(|p| p.manager == host(62, 0)), "{:?}", log);
    assert!(after_return(&log, returned_ms).is_empty(), "{:?}", log);
}

#[test]
fn a_safety_check_that_hangs_is_not_reported_as_an_unanswered_stop() {
    let m = demo_on(63, |_| {});
    m.set_fault(&host(63, 1), Fault::Hang);
    let mut req = request("OrdersStore");
    req.instances = Some(vec!["orders-2".into()]);
    let started = Instant::now();
    let rows = run(&m, 2, req);
    assert!(started.elapsed() < Duration::from_secs(3));
    let r = &rows[0];
    assert!(r.kind.is_failure(), "{:?}", r);
    assert!(!r.message.contains("stop request"), "{}", r.message);
    assert!(r.message.contains("safety check") && r.message.ends_with("the stop was not sent"), "{}", r.message);
    assert!(posts(&m.requests()).is_empty());
}
