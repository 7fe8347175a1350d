//! Shared by the integration tests: the reference manager in-process, and helpers to read its request log.
#![allow(dead_code, unused_imports)]

#[allow(unused_imports)]
pub use dkv_refmanager as refmanager;

use clustron_dkv::{NodeResult, Operation, ResultKind, Session, StopRequest, Targets};
pub use refmanager::{Config, Fault, InstanceLayout, Layout, LoggedRequest, RefManager, StoreLayout, TlsFiles};

/// Each test gets its own loopback addresses so tests can run in parallel without sharing a manager.
pub fn hosts(base: u8, n: u8) -> Vec<String> {
    (0..n).map(|i| format!("127.0.{}.{}", base, 11 + i)).collect()
}

/// The demo store (OrdersStore: orders-1..3, one per server) on three fresh managers.
/// Address `i` (0-based) of the set `hosts(base, _)`.
pub fn host(base: u8, i: usize) -> String {
    format!("127.0.{}.{}", base, 11 + i)
}

pub fn demo_on(base: u8, tune: impl FnOnce(&mut Config)) -> RefManager {
    let hosts = hosts(base, 3);
    let mut layout = Layout::demo();
    // The demo layout names 127.0.0.11..13; move it onto this test's addresses.
    for store in &mut layout.stores {
        for node in &mut store.instances {
            let i = demo_index(&node.server);
            node.server = hosts[i].clone();
        }
    }
    let host_refs: Vec<&str> = hosts.iter().map(|h| h.as_str()).collect();
    let mut config = Config::with_layout(&host_refs, layout);
    config.quiet = true;
    config.migration_ms_per_partition = 20;
    config.stop_delay_ms = 50;
    tune(&mut config);
    RefManager::start(config).expect("the reference manager starts")
}

fn demo_index(server: &str) -> usize {
    match server {
        "127.0.0.11" => 0,
        "127.0.0.12" => 1,
        _ => 2,
    }
}

pub fn request(store: &str) -> StopRequest {
    StopRequest {
        store: store.to_string(),
        instances: None,
        force: false,
        parallel: false,
        fail_fast: false,
        throttle: 0,
        node_timeout: None,
    }
}

pub fn targets(manager: &RefManager, timeout_sec: i64) -> Targets {
    let session = Session::connect(&manager.addresses(), None, Some(timeout_sec)).expect("valid addresses");
    Targets::resolve::<&str>(Some(&session), &[], None, None).expect("session targets")
}

pub fn run(manager: &RefManager, timeout_sec: i64, req: StopRequest) -> Vec<NodeResult> {
    Operation::run(targets(manager, timeout_sec), req).expect("the stop runs")
}

pub fn row<'a>(rows: &'a [NodeResult], instance: &str) -> &'a NodeResult {
    rows.iter().find(|r| r.instance == instance).unwrap_or_else(|| panic!("no row for {}: {:?}", instance, rows))
}

pub fn kinds(rows: &[NodeResult]) -> Vec<(String, ResultKind)> {
    let mut v: Vec<(String, ResultKind)> = rows.iter().map(|r| (r.instance.clone(), r.kind)).collect();
    v.sort();
    v
}

pub fn posts(log: &[LoggedRequest]) -> Vec<&LoggedRequest> {
    log.iter().filter(|r| r.method == "POST" && !r.path.starts_with("/_control")).collect()
}

pub mod raw;

/// Says that a test checked nothing here and why, on the test output itself: libtest has no runtime skip (a test
/// that returns early counts as passed) and captures `println!`/`eprintln!` of passing tests, so the line goes
/// straight to the process's stderr, which libtest does not capture. tests/run-all.sh counts these lines
/// (`<name>: SKIPPED (<reason>)`) as skipped rather than passed.
pub fn skipped(test: &str, reason: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{}: SKIPPED ({})", test, reason);
}
