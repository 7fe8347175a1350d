//! The stop semantics of docs/manager-api.md, end to end against the reference manager over real HTTP.
mod support;

use clustron_dkv::{ErrorKind, Operation, ResultKind, Session, Targets, NO_MANAGERS_MESSAGE};
use std::time::{Duration, Instant};
use support::*;

#[test]
fn whole_store_stop_stops_every_node_through_its_own_manager() {
    let m = demo_on(1, |_| {});
    let rows = run(&m, 30, request("OrdersStore"));
    assert_eq!(rows.len(), 3, "{:?}", rows);
    for (i, name) in ["orders-1", "orders-2", "orders-3"].iter().enumerate() {
        let r = row(&rows, name);
        assert_eq!(r.kind, ResultKind::Success, "{:?}", r);
        assert_eq!(r.message, "Stopped");
        assert_eq!(r.action(), format!("StopInstance:{}", name));
        assert_eq!(r.manager, format!("{}:{}", host(1, i), m.port()));
        assert_eq!(m.instance_status("OrdersStore", name).as_deref(), Some("Stopped"));
    }
    let log = m.requests();
    for p in posts(&log) {
        let instance = p.path.rsplit('/').nth(1).unwrap_or("");
        let expected_host = host(1, instance.trim_start_matches("orders-").parse::<usize>().unwrap_or(9) - 1);
        assert_eq!(p.manager, expected_host, "{:?} went to the wrong manager", p);
        assert!(p.query.is_empty(), "graceful stop must not force: {:?}", p);
    }
}

#[test]
fn one_instance_is_stopped_alone_and_force_adds_the_query() {
    let m = demo_on(2, |_| {});
    let mut req = request("OrdersStore");
    req.instances = Some(vec!["orders-2".into()]);
    req.force = true;
    let rows = run(&m, 30, req);
    assert_eq!(kinds(&rows), vec![("orders-2".to_string(), ResultKind::Success)]);
    let log = m.requests();
    let stops = posts(&log);
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0].path, "/admin/v1/stores/OrdersStore/instances/orders-2/stop");
    assert_eq!(stops[0].query, "force=true");
    assert_eq!(m.instance_status("OrdersStore", "orders-1").as_deref(), Some("Running"));
}

#[test]
fn re_running_a_stop_is_safe_409_is_success() {
    let m = demo_on(3, |_| {});
    let mut req = request("OrdersStore");
    req.instances = Some(vec!["orders-1".into()]);
    req.force = true;
    assert_eq!(run(&m, 30, req.clone())[0].kind, ResultKind::Success);
    let again = run(&m, 30, req);
    assert_eq!(again[0].kind, ResultKind::Success);
    assert_eq!(again[0].message, "Already stopped");
    assert_eq!(again[0].http_status, 409);
}

#[test]
fn a_hanging_manager_costs_only_its_own_node_within_the_deadline() {
    // Sequential, 4 s for three nodes: the silent manager gets its node's share, and the node behind it is still
    // stopped (tests/resilience.rs covers the other faults and ten nodes).
    let m = demo_on(4, |_| {});
    m.set_fault(&host(4, 1), Fault::Hang);
    let started = Instant::now();
    let rows = run(&m, 4, request("OrdersStore"));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "returned after {:?}", took);
    assert_eq!(row(&rows, "orders-1").kind, ResultKind::Success);
    let hung = row(&rows, "orders-2");
    assert_eq!(hung.kind, ResultKind::Failed, "{:?}", hung);
    assert!(
        hung.message.starts_with(&format!("no answer from manager {}", m.address(&host(4, 1)))),
        "{}",
        hung.message
    );
    assert_eq!(row(&rows, "orders-3").kind, ResultKind::Success, "{:?}", rows);
}

#[test]
fn a_dripping_body_cannot_stretch_the_deadline() {
    for parallel in [false, true] {
        let base = if parallel { 6 } else { 5 };
        let m = demo_on(base, |_| {});
        m.set_fault(&host(base, 2), Fault::Drip);
        let mut req = request("OrdersStore");
        req.parallel = parallel;
        req.force = true;
        let started = Instant::now();
        let rows = run(&m, 2, req);
        assert!(started.elapsed() < Duration::from_secs(3), "parallel={} took {:?}", parallel, started.elapsed());
        assert_eq!(row(&rows, "orders-3").kind, ResultKind::Timeout, "{:?}", rows);
        assert_eq!(row(&rows, "orders-1").kind, ResultKind::Success);
    }
}

#[test]
fn discovery_fails_over_to_the_next_manager() {
    let m = demo_on(7, |_| {});
    m.set_fault(&host(7, 0), Fault::Status500);
    let rows = run(&m, 30, request("OrdersStore"));
    let log = m.requests();
    let gets: Vec<String> = log.iter().filter(|r| r.method == "GET").map(|r| r.manager.clone()).collect();
    assert_eq!(&gets[..2], &[host(7, 0), host(7, 1)], "discovery order: {:?}", gets);
    assert_eq!(row(&rows, "orders-2").kind, ResultKind::Success);
    assert_eq!(row(&rows, "orders-3").kind, ResultKind::Success);
    let broken = row(&rows, "orders-1");
    assert_eq!(broken.kind, ResultKind::Failed);
    assert_eq!(broken.http_status, 500);
}

#[test]
fn discovery_survives_a_manager_that_resets_or_hangs() {
    let m = demo_on(8, |_| {});
    m.set_fault(&host(8, 0), Fault::Hang);
    let started = Instant::now();
    // Parallel: the hung manager's own node runs beside the others.
    let mut req = request("OrdersStore");
    req.parallel = true;
    let rows = run(&m, 6, req);
    assert!(started.elapsed() < Duration::from_secs(7));
    assert_eq!(row(&rows, "orders-2").kind, ResultKind::Success, "{:?}", rows);
    assert_eq!(row(&rows, "orders-1").kind, ResultKind::Timeout);
}

#[test]
fn nodes_on_untargeted_servers_are_skipped_and_untouched() {
    let m = demo_on(9, |_| {});
    let addresses = m.addresses();
    let session = Session::connect(&addresses[..2], None, Some(30)).unwrap();
    let targets = Targets::resolve::<&str>(Some(&session), &[], None, None).unwrap();
    let rows = Operation::run(targets, request("OrdersStore")).unwrap();
    let skipped = row(&rows, "orders-3");
    assert_eq!(skipped.kind, ResultKind::Skipped);
    assert!(
        skipped.message.contains(&format!("server {} is not among the targeted managers", host(9, 2))),
        "{}",
        skipped.message
    );
    assert!(m.requests().iter().all(|r| r.manager != host(9, 2)));
    assert_eq!(m.instance_status("OrdersStore", "orders-3").as_deref(), Some("Running"));
    assert_eq!(row(&rows, "orders-1").kind, ResultKind::Success);
}

#[test]
fn names_are_percent_encoded_path_segments() {
    let hosts = hosts(10, 1);
    let layout = Layout {
        stores: vec![StoreLayout {
            name: "Orders Store/é".into(),
            partitions: 4,
            backups: 1,
            instances: vec![InstanceLayout {
                name: "node #1?x=..".into(),
                server: hosts[0].clone(),
                clustron_port: 7811,
                client_port: 7861,
                status: "Running".into(),
            }],
        }],
    };
    let mut config = Config::with_layout(&[hosts[0].as_str()], layout);
    config.quiet = true;
    let m = RefManager::start(config).unwrap();
    let rows = run(&m, 30, request("Orders Store/é"));
    assert_eq!(rows[0].kind, ResultKind::Success, "{:?}", rows);
    assert_eq!(rows[0].instance, "node #1?x=..");
    let log = m.requests();
    assert!(log.iter().any(|r| r.path == "/admin/v1/stores/Orders%20Store%2F%C3%A9"), "{:?}", log);
    assert!(posts(&log)
        .iter()
        .any(|r| r.path == "/admin/v1/stores/Orders%20Store%2F%C3%A9/instances/node%20%231%3Fx%3D../stop"));
}

/// From a manager's stop request to its last request, and at least the manager's stop delay: waiting nodes share
/// their polls (store_poll.rs), so another manager may have answered every poll about this one's node.
fn span(log: &[support::LoggedRequest], host: &str, stop_delay_ms: u64) -> (u64, u64) {
    let mine: Vec<&support::LoggedRequest> = log
        .iter()
        .filter(|r| r.manager == host && (r.method == "POST" || r.path.contains("/instances/") || r.method == "GET"))
        .filter(|r| !r.path.starts_with("/_control"))
        .skip_while(|r| r.method != "POST")
        .collect();
    let start = mine.first().map(|r| r.start_ms).unwrap_or(0);
    (start, std::cmp::max(mine.last().map(|r| r.end_ms).unwrap_or(0), start + stop_delay_ms))
}

#[test]
fn parallel_overlaps_managers_and_sequential_does_not() {
    for parallel in [false, true] {
        let m = demo_on(if parallel { 12 } else { 11 }, |c| c.stop_delay_ms = 400);
        let mut req = request("OrdersStore");
        req.parallel = parallel;
        let rows = run(&m, 30, req);
        assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
        let log = m.requests();
        let spans: Vec<(u64, u64)> =
            hosts(if parallel { 12 } else { 11 }, 3).iter().map(|h| span(&log, h, 400)).collect();
        let overlapping = |a: (u64, u64), b: (u64, u64)| a.0 < b.1 && b.0 < a.1;
        for i in 0..3 {
            for j in i + 1..3 {
                assert_eq!(
                    overlapping(spans[i], spans[j]),
                    parallel,
                    "parallel={} spans {:?} (manager {} vs {})",
                    parallel,
                    spans,
                    i,
                    j
                );
            }
        }
    }
}

#[test]
fn fail_fast_starts_nothing_after_the_first_failure() {
    let m = demo_on(13, |_| {});
    m.set_fault(&host(13, 1), Fault::Status500);
    let mut req = request("OrdersStore");
    req.fail_fast = true;
    req.force = true;
    let rows = run(&m, 30, req);
    assert_eq!(row(&rows, "orders-1").kind, ResultKind::Success);
    assert_eq!(row(&rows, "orders-2").kind, ResultKind::Failed);
    let cancelled = row(&rows, "orders-3");
    assert_eq!(cancelled.kind, ResultKind::Cancelled);
    assert!(cancelled.message.contains("-FailFast"), "{}", cancelled.message);
    assert!(m.requests().iter().all(|r| r.manager != host(13, 2)));
}

#[test]
fn without_fail_fast_the_rest_continue() {
    let m = demo_on(14, |_| {});
    m.set_fault(&host(14, 1), Fault::Malformed);
    let mut req = request("OrdersStore");
    req.force = true;
    let rows = run(&m, 30, req);
    assert_eq!(row(&rows, "orders-2").kind, ResultKind::Failed);
    assert_eq!(row(&rows, "orders-3").kind, ResultKind::Success);
}

#[test]
fn operation_errors_name_the_problem() {
    let m = demo_on(15, |_| {});
    let e = Operation::run(targets(&m, 30), request("NoSuchStore")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::StoreNotFound);
    let mut req = request("OrdersStore");
    req.instances = Some(vec!["orders-9".into()]);
    let e = Operation::run(targets(&m, 30), req).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InstanceNotFound);
    assert!(e.message.contains("orders-1, orders-2, orders-3"), "{}", e.message);
    let e = Targets::resolve::<&str>(None, &[], None, None).err().unwrap();
    assert_eq!(e.message, NO_MANAGERS_MESSAGE);
    assert!(Operation::begin(targets(&m, 30), request("  ")).is_err());
}

#[test]
fn unreachable_managers_are_listed() {
    // Nothing listens on this port on these addresses: connections are refused at once.
    let session = Session::connect(&["127.0.16.11:9", "127.0.16.12:9"], None, Some(5)).unwrap();
    let targets = Targets::resolve::<&str>(Some(&session), &[], None, None).unwrap();
    let e = Operation::run(targets, request("OrdersStore")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unreachable, "{}", e.message);
    assert!(e.message.contains("127.0.16.11:9") && e.message.contains("127.0.16.12:9"), "{}", e.message);
}

#[test]
fn progress_is_observable_and_cancel_ends_the_wait() {
    let m = demo_on(17, |c| {
        c.migration_ms_per_partition = 2_000;
        c.state_endpoint = false;
    });
    let mut req = request("OrdersStore");
    req.instances = Some(vec!["orders-1".into()]);
    let op = Operation::begin(targets(&m, 60), req).unwrap();
    let mut saw_stopping = false;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) && !saw_stopping {
        op.wait(Some(Duration::from_millis(50)));
        let p = op.progress(0);
        saw_stopping = p.nodes.iter().any(|n| n.message.starts_with("Stopping"));
    }
    assert!(saw_stopping, "{:?}", op.progress(0));
    let p = op.progress(0);
    assert_eq!(p.total, 1);
    assert!(p.log.iter().any(|l| l.starts_with("POST ")), "{:?}", p.log);
    let later = op.progress(p.log.len() as u64);
    assert_eq!(later.log_first, p.log.len() as u64);
    let cancelled_at = Instant::now();
    op.cancel();
    assert!(op.wait(Some(Duration::from_millis(500))));
    assert!(cancelled_at.elapsed() < Duration::from_millis(500));
    let rows = op.results().unwrap();
    assert_eq!(rows[0].kind, ResultKind::Cancelled);
}

#[test]
fn discovery_alone_can_be_watched_and_cancelled() {
    let m = demo_on(18, |_| {});
    let op = Operation::begin_discovery(targets(&m, 30), "OrdersStore").unwrap();
    assert!(op.wait(Some(Duration::from_secs(10))));
    let found = op.discovered().unwrap().expect("discovered");
    assert_eq!(found.store.instances.len(), 3);
    assert_eq!(found.manager.display_name(), m.address(&host(18, 0)));
    assert!(posts(&m.requests()).is_empty(), "discovery alone must not stop anything");

    m.set_fault(&host(18, 0), Fault::Hang);
    let op = Operation::begin_discovery(targets(&m, 30), "OrdersStore").unwrap();
    assert!(!op.wait(Some(Duration::from_millis(300))));
    let cancelled_at = Instant::now();
    op.cancel();
    assert!(op.wait(Some(Duration::from_millis(500))));
    assert!(cancelled_at.elapsed() < Duration::from_millis(500));
    assert_eq!(op.discovered().unwrap_err().kind, ErrorKind::Cancelled);
}

fn max_in_flight(log: &[support::LoggedRequest]) -> usize {
    let calls: Vec<(u64, u64)> =
        log.iter().filter(|r| !r.path.starts_with("/_control")).map(|r| (r.start_ms, r.end_ms)).collect();
    calls.iter().map(|a| calls.iter().filter(|b| b.0 <= a.0 && a.0 < b.1).count()).max().unwrap_or(0)
}

#[test]
fn the_throttle_bounds_requests_in_flight() {
    for throttle in [1usize, 2] {
        let base = 20 + throttle as u8;
        let m = demo_on(base, |_| {});
        for i in 0..3 {
            m.set_fault(&host(base, i), Fault::Latency(250));
        }
        let mut req = request("OrdersStore");
        req.force = true;
        req.parallel = true;
        req.throttle = throttle;
        let rows = run(&m, 30, req);
        assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
        let log = m.requests();
        assert_eq!(max_in_flight(&log), throttle, "throttle {}: {:?}", throttle, log);
    }
}

#[test]
fn nodes_waiting_on_a_graceful_stop_hold_no_permit() {
    // Throttle 1, three managers whose nodes take 600 ms to stop: had a wait held the permit, the stops would run
    // one after another; instead every manager's stop is under way at once. Every request takes 100 ms, so that
    // two requests in flight at once would overlap in the managers' log (on loopback without latency a request
    // takes 0 ms and never overlaps another, and `max_in_flight <= 1` could not fail).
    let m = demo_on(23, |c| c.stop_delay_ms = 600);
    for i in 0..3 {
        m.set_fault(&host(23, i), Fault::Latency(100));
    }
    let mut req = request("OrdersStore");
    req.parallel = true;
    req.throttle = 1;
    let rows = run(&m, 30, req);
    assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
    let log = m.requests();
    assert_eq!(max_in_flight(&log), 1, "{:?}", log);
    let spans: Vec<(u64, u64)> = hosts(23, 3).iter().map(|h| span(&log, h, 600)).collect();
    for i in 0..3 {
        for j in i + 1..3 {
            assert!(spans[i].0 < spans[j].1 && spans[j].0 < spans[i].1, "spans {:?}", spans);
        }
    }
}

#[test]
fn a_list_of_nodes_runs_under_one_deadline() {
    // Both listed nodes sit behind dripping managers: under the one 2 s deadline of the operation both time out by
    // then, where a stop per node would have given each node its own 2 s (issue 13).
    let m = demo_on(96, |_| {});
    m.set_fault(&host(96, 1), Fault::Drip);
    m.set_fault(&host(96, 2), Fault::Drip);
    let mut req = request("OrdersStore");
    req.force = true;
    req.instances = Some(vec!["orders-3".into(), "orders-2".into()]);
    let started = Instant::now();
    let rows = run(&m, 2, req);
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    assert_eq!(rows.len(), 2, "{:?}", rows);
    // The first node gets its share of the time (FAILED when its manager does not answer in it), the last one
    // what is left of the same deadline.
    assert!(rows.iter().all(|r| r.kind.is_failure()), "{:?}", rows);
    assert!(row(&rows, "orders-3").message.starts_with("timed out after 2 s"), "{:?}", rows);
    let spent: Duration = rows.iter().map(|r| r.duration).sum();
    assert!(spent < Duration::from_millis(2500), "the nodes spent {:?} of one 2 s deadline", spent);
    let discoveries =
        m.requests().iter().filter(|r| r.method == "GET" && r.path == "/admin/v1/stores/OrdersStore").count();
    assert_eq!(discoveries, 1);
}
