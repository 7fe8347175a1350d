//! Issue 13 (scale): nodes waiting for their graceful stops share one store poll. The store document lists every
//! node, so one fetch per waiting node made a whole-store stop's polling grow with the square of the store.
mod support;

use clustron_dkv::ResultKind;
use support::*;

const STORE: &str = "WideStore";

/// `managers` managers on 127.0.70.11.., one node each, whose graceful stops take `stop_delay_ms`.
fn wide_store(managers: u8, stop_delay_ms: u64) -> RefManager {
    let hosts = hosts(70, managers);
    let instances = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| InstanceLayout {
            name: format!("wide-{:02}", i + 1),
            server: h.clone(),
            clustron_port: 7811,
            client_port: 7861,
            status: "Running".into(),
        })
        .collect();
    let layout = Layout { stores: vec![StoreLayout { name: STORE.into(), partitions: 12, backups: 1, instances }] };
    let refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let mut config = Config::with_layout(&refs, layout);
    config.quiet = true;
    config.stop_delay_ms = stop_delay_ms;
    RefManager::start(config).expect("the reference manager starts")
}

#[test]
fn waiting_nodes_share_one_store_poll_instead_of_one_each() {
    // 24 graceful stops accepted at about the same moment, each Stopped 400 ms later. Polled one by one (50 ms,
    // then every 100 ms) that is about 5 fetches of the whole store per node, 120 in all; shared, it is about one
    // fetch per poll interval for all of them.
    let nodes = 24;
    let m = wide_store(nodes, 400);
    let mut req = request(STORE);
    req.parallel = true;
    req.throttle = 64;
    let rows = run(&m, 30, req);
    assert_eq!(rows.len(), nodes as usize, "{:?}", rows);
    for r in &rows {
        assert_eq!(r.kind, ResultKind::Success, "{:?}", r);
        assert_eq!(r.message, "Stopped", "{:?}", r);
        assert_eq!(r.http_status, 202, "{:?}", r);
        assert_eq!(m.instance_status(STORE, &r.instance).as_deref(), Some("Stopped"), "{:?}", r);
    }
    let log = m.requests();
    let store_path = format!("/admin/v1/stores/{}", STORE);
    let first_stop = posts(&log).iter().map(|p| p.seq).min().expect("stop requests");
    let polls = log.iter().filter(|r| r.method == "GET" && r.path == store_path && r.seq > first_stop).count();
    // Fewer fetches than waiting nodes over the whole wait: with one fetch per node it cannot be.
    assert!(polls >= 1, "the stops were followed by polls");
    assert!(polls < nodes as usize, "{} store polls for {} waiting nodes", polls, nodes);
}

#[test]
fn a_shared_poll_serves_only_nodes_whose_stop_was_accepted_before_it_was_sent() {
    // The stops run one after another on one manager here (sequential), so each node sees only documents fetched
    // after its own 202: every node's row is its own, and nothing finishes on a stale document.
    let m = wide_store(4, 150);
    let rows = run(&m, 30, request(STORE));
    assert_eq!(rows.len(), 4, "{:?}", rows);
    for r in &rows {
        assert_eq!(r.kind, ResultKind::Success, "{:?}", r);
        assert_eq!(r.message, "Stopped", "{:?}", r);
        assert_eq!(m.instance_status(STORE, &r.instance).as_deref(), Some("Stopped"), "{:?}", r);
    }
    // Each node needed at least one poll of its own after its 202 (the manager stops it 150 ms later).
    let log = m.requests();
    let store_path = format!("/admin/v1/stores/{}", STORE);
    for stop in posts(&log) {
        let after = log.iter().any(|r| r.method == "GET" && r.path == store_path && r.seq > stop.seq);
        assert!(after, "no poll after {:?}", stop);
    }
}

#[test]
fn one_store_poll_at_a_time_however_many_nodes_wait() {
    // 12 managers with 3 nodes each, stopped one after another within each manager, each manager slower than the
    // one before (40 to 260 ms a request): 202s keep arriving while polls are on their way. A node whose 202 came
    // after the poll under way began cannot use it; it waits for that poll to end and shares the next one, instead
    // of sending its own alongside (each poll carries the whole store, so overlapping polls multiply the cost of
    // waiting).
    let managers = 12;
    let hosts = hosts(72, managers);
    let instances = hosts
        .iter()
        .enumerate()
        .flat_map(|(i, h)| {
            (1..=3).map(move |k| InstanceLayout {
                name: format!("tier-{:02}-{}", i + 1, k),
                server: h.clone(),
                clustron_port: 7811 + k,
                client_port: 7861 + k,
                status: "Running".into(),
            })
        })
        .collect();
    let layout = Layout { stores: vec![StoreLayout { name: STORE.into(), partitions: 12, backups: 1, instances }] };
    let refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let mut config = Config::with_layout(&refs, layout);
    config.quiet = true;
    config.stop_delay_ms = 250;
    let m = RefManager::start(config).expect("the reference manager starts");
    for (i, h) in hosts.iter().enumerate() {
        m.set_fault(h, Fault::Latency(40 + 20 * i as u64));
    }
    let mut req = request(STORE);
    req.parallel = true;
    req.throttle = 64;
    let rows = run(&m, 60, req);
    assert_eq!(rows.len(), 36, "{:?}", rows);
    for r in &rows {
        assert_eq!(r.kind, ResultKind::Success, "{:?}", r);
        assert_eq!(r.message, "Stopped", "{:?}", r);
    }
    let log = m.requests();
    let store_path = format!("/admin/v1/stores/{}", STORE);
    let first_stop = posts(&log).iter().map(|p| p.seq).min().expect("stop requests");
    let mut polls: Vec<(u64, u64)> = log
        .iter()
        .filter(|r| r.method == "GET" && r.path == store_path && r.seq > first_stop)
        .map(|r| (r.start_ms, r.end_ms))
        .collect();
    polls.sort_unstable();
    assert!(polls.len() >= 3, "{:?}", polls);
    let overlapping = polls.windows(2).filter(|pair| pair[1].0 < pair[0].1).count();
    assert_eq!(overlapping, 0, "store polls overlapped: {:?}", polls);
}
