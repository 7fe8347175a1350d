//! Issue 25: a forced stop asks for the store's safety once per operation, before its first forced stop, and says
//! "data may be lost" once when the store was not safe (docs/manager-api.md, "Safety check"). Before, each forced
//! node stop fetched the safety answer, which lists every node: n stops read n answers of n entries.
mod support;

use clustron_dkv::{Operation, ResultKind, StopRequest};
use support::*;

const STORE: &str = "ForcedStore";
const WARNING: &str = "data may be lost: store was not safe";

/// `managers` managers on 127.0.`base`.11.., `per_manager` running nodes on each, migrations taking
/// `migration_ms` per partition (long: a forced stop leaves the store unsafe for the rest of the test).
fn store(base: u8, managers: u8, per_manager: usize, migration_ms: u64) -> RefManager {
    store_with(base, managers, per_manager, |c| c.migration_ms_per_partition = migration_ms)
}

fn store_with(base: u8, managers: u8, per_manager: usize, tune: impl FnOnce(&mut Config)) -> RefManager {
    let hosts = hosts(base, managers);
    let mut instances = Vec::new();
    for (m, h) in hosts.iter().enumerate() {
        for n in 0..per_manager {
            instances.push(InstanceLayout {
                name: format!("forced-{}-{}", m + 1, n + 1),
                server: h.clone(),
                clustron_port: 7811,
                client_port: 7861,
                status: "Running".into(),
            });
        }
    }
    let layout = Layout { stores: vec![StoreLayout { name: STORE.into(), partitions: 24, backups: 1, instances }] };
    let refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let mut config = Config::with_layout(&refs, layout);
    config.quiet = true;
    config.stop_delay_ms = 20;
    config.migration_ms_per_partition = 20;
    tune(&mut config);
    RefManager::start(config).expect("the reference manager starts")
}

fn forced(parallel: bool) -> StopRequest {
    let mut req = request(STORE);
    req.force = true;
    req.parallel = parallel;
    req
}

fn safety_requests(log: &[LoggedRequest]) -> Vec<&LoggedRequest> {
    log.iter().filter(|r| r.method == "GET" && r.path.ends_with("/safety")).collect()
}

fn warned(rows: &[clustron_dkv::NodeResult]) -> Vec<&clustron_dkv::NodeResult> {
    rows.iter().filter(|r| r.message.contains("data may be lost")).collect()
}

#[test]
fn a_forced_whole_store_stop_of_n_nodes_on_m_managers_asks_for_safety_once() {
    // 30 nodes on 6 managers, sequentially and in parallel: one safety request, to the discovering manager,
    // before the first stop; then 30 forced stops, each through its own manager.
    for (base, parallel) in [(125u8, false), (126u8, true)] {
        let m = store(base, 6, 5, 20);
        let rows = run(&m, 30, forced(parallel));
        assert_eq!(rows.len(), 30, "{:?}", rows);
        assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
        let log = m.requests();
        let asked = safety_requests(&log);
        assert_eq!(asked.len(), 1, "parallel {}: one safety request for the operation: {:?}", parallel, asked);
        let stops = posts(&log);
        assert_eq!(stops.len(), 30, "{:?}", stops);
        assert!(stops.iter().all(|p| p.query == "force=true"), "{:?}", stops);
        let first_stop = stops.iter().map(|p| p.seq).min().unwrap_or(0);
        assert!(asked[0].seq < first_stop, "the safety answer comes before the first forced stop: {:?}", log);
        assert_eq!(asked[0].manager, host(base, 0), "asked of the manager that answered discovery");
    }
}

#[test]
fn a_forced_stop_of_a_safe_store_does_not_warn() {
    // Each forced stop makes the survivors rebuild backups; the warning is about the store the operator forced,
    // not about what the operation's own stops did to it.
    for (base, parallel) in [(127u8, false), (128u8, true)] {
        let m = store(base, 3, 4, 20);
        let rows = run(&m, 30, forced(parallel));
        assert_eq!(rows.len(), 12, "{:?}", rows);
        assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
        assert!(warned(&rows).is_empty(), "parallel {}: the store was safe: {:?}", parallel, rows);
    }
}

#[test]
fn a_forced_stop_of_a_store_that_was_not_safe_says_so_once() {
    for (base, parallel) in [(129u8, false), (130u8, true)] {
        let m = store(base, 3, 4, 5_000);
        // Killing one node leaves its partitions' backups to be rebuilt: unsafe for far longer than the test.
        let mut kill = request(STORE);
        kill.instances = Some(vec!["forced-1-1".into()]);
        kill.force = true;
        assert_eq!(run(&m, 30, kill)[0].kind, ResultKind::Success);
        m.clear_log();

        let rows = run(&m, 30, forced(parallel));
        assert_eq!(rows.len(), 12, "{:?}", rows);
        assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
        let told = warned(&rows);
        assert_eq!(told.len(), 1, "parallel {}: told once: {:?}", parallel, rows);
        assert!(told[0].message.starts_with("Stopped; "), "{}", told[0].message);
        assert!(told[0].message.contains(WARNING), "{}", told[0].message);
        assert!(told[0].message.contains("pending"), "the manager's detail is given: {}", told[0].message);
        assert_ne!(told[0].http_status, 409, "told on a node this operation stopped: {:?}", told[0]);
        assert_eq!(safety_requests(&m.requests()).len(), 1);
    }
}

#[test]
fn forced_stops_of_named_nodes_ask_once_and_judge_a_single_node_by_its_own_entry() {
    let m = store(131, 3, 4, 5_000);
    let mut kill = request(STORE);
    kill.instances = Some(vec!["forced-1-1".into()]);
    kill.force = true;
    assert_eq!(run(&m, 30, kill)[0].kind, ResultKind::Success);
    m.clear_log();

    let mut some = request(STORE);
    some.instances = Some(["forced-2-1", "forced-3-1", "forced-3-2"].iter().map(|s| s.to_string()).collect());
    some.force = true;
    let rows = run(&m, 30, some);
    assert_eq!(rows.len(), 3, "{:?}", rows);
    assert_eq!(warned(&rows).len(), 1, "{:?}", rows);
    assert_eq!(safety_requests(&m.requests()).len(), 1);

    // One node: as before, the member's own entry decides, and its row carries the warning.
    m.clear_log();
    let mut one = request(STORE);
    one.instances = Some(vec!["forced-2-2".into()]);
    one.force = true;
    let rows = run(&m, 30, one);
    assert_eq!(rows[0].kind, ResultKind::Success, "{:?}", rows);
    assert!(rows[0].message.contains(WARNING), "{}", rows[0].message);
    assert_eq!(safety_requests(&m.requests()).len(), 1);
}

#[test]
fn a_safety_check_no_targeted_manager_answers_stops_no_node() {
    // The discovering manager dies after discovery, the others reset every request: nobody answers the one safety
    // check, so no forced stop is sent (a manager that does not answer the check would not answer the stop).
    let m = store(132, 3, 2, 20);
    m.set_fault(&host(132, 0), Fault::DieAfter(1));
    m.set_fault(&host(132, 1), Fault::Reset);
    m.set_fault(&host(132, 2), Fault::Reset);
    let rows = run(&m, 10, forced(false));
    assert_eq!(rows.len(), 6, "{:?}", rows);
    for r in &rows {
        assert_eq!(r.kind, ResultKind::Failed, "{:?}", rows);
        assert!(r.message.contains("the safety check") && r.message.ends_with("no node was stopped"), "{:?}", r);
    }
    assert!(posts(&m.requests()).is_empty(), "{:?}", m.requests());
}

#[test]
fn the_safety_check_goes_to_the_next_manager_when_the_discovering_one_dies() {
    let m = store(133, 3, 2, 20);
    m.set_fault(&host(133, 0), Fault::DieAfter(1));
    let rows = run(&m, 10, forced(false));
    let log = m.requests();
    let answered: Vec<_> = safety_requests(&log).into_iter().filter(|r| r.status == 200).collect();
    assert_eq!(answered.len(), 1, "{:?}", log);
    assert_eq!(answered[0].manager, host(133, 1), "{:?}", log);
    // The dead manager's own nodes fail at their stop; the others are stopped.
    for r in &rows {
        let expected = if r.instance.starts_with("forced-1-") { ResultKind::Failed } else { ResultKind::Success };
        assert_eq!(r.kind, expected, "{:?}", rows);
    }
}

#[test]
fn a_manager_without_the_safety_endpoint_is_noted_once() {
    let m = store_with(134, 2, 3, |c| c.safety_endpoint = false);
    let op = Operation::begin(targets(&m, 30), forced(true)).expect("the stop begins");
    op.wait(None);
    let rows = op.results().expect("rows");
    assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
    let log = op.progress(0).log;
    let notes = log.iter().filter(|l| l.contains("has no safety endpoint")).count();
    assert_eq!(notes, 1, "{:?}", log);
}
