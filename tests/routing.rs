//! Routing nodes to managers when the operator and the store name machines differently (issue 14, part 1):
//! a manager given as `localhost` while the store lists its node on `127.0.0.1`, and the reverse. Only names
//! that resolve on every machine are used (`localhost`, addresses), so no hosts file is touched.
mod support;

use clustron_dkv::{Operation, StopRequest};
use clustron_dkv::{ResultKind, Targets};
use support::*;

/// One store, one node on `server`, served by a reference manager on 127.0.0.1.
fn manager_with_node_on(server: &str) -> RefManager {
    let layout = Layout::from_json(&format!(
        r#"{{"stores":[{{"name":"OrdersStore","instances":[{{"name":"orders-1","server":"{}"}}]}}]}}"#,
        server
    ))
    .expect("a valid layout");
    RefManager::start(Config::with_layout(&["127.0.0.1"], layout)).expect("the reference manager starts")
}

fn forced(store: &str) -> StopRequest {
    let mut req = request(store);
    req.force = true;
    req
}

fn stop_through(manager: &str) -> Vec<clustron_dkv::NodeResult> {
    let targets = Targets::resolve(None, &[manager], None, Some(20)).expect("valid manager address");
    Operation::run(targets, forced("OrdersStore")).expect("the stop runs")
}

#[test]
fn a_manager_named_localhost_stops_a_node_listed_on_127_0_0_1() {
    let m = manager_with_node_on("127.0.0.1");
    let manager = format!("localhost:{}", m.port());
    let rows = stop_through(&manager);
    assert_eq!(rows.len(), 1, "{:?}", rows);
    assert_eq!(rows[0].kind, ResultKind::Success, "{:?}", rows[0]);
    assert_eq!(rows[0].manager, manager);
    assert_eq!(m.instance_status("OrdersStore", "orders-1").as_deref(), Some("Stopped"));
    assert_eq!(posts(&m.requests()).len(), 1);
}

#[test]
fn a_manager_given_by_address_stops_a_node_listed_as_localhost() {
    let m = manager_with_node_on("LocalHost");
    let manager = format!("127.0.0.1:{}", m.port());
    let rows = stop_through(&manager);
    assert_eq!(rows[0].kind, ResultKind::Success, "{:?}", rows[0]);
    assert_eq!(rows[0].manager, manager);
    assert_eq!(m.instance_status("OrdersStore", "orders-1").as_deref(), Some("Stopped"));
}

#[test]
fn a_server_on_another_address_is_skipped_showing_what_each_name_resolved_to() {
    // 127.0.0.2 is not where localhost resolves: the node stays untouched, and the row says what was compared.
    let m = manager_with_node_on("127.0.0.2");
    let manager = format!("localhost:{}", m.port());
    let rows = stop_through(&manager);
    assert_eq!(rows[0].kind, ResultKind::Skipped, "{:?}", rows[0]);
    let message = &rows[0].message;
    assert!(message.contains("server 127.0.0.2 is not among the targeted managers"), "{}", message);
    assert!(message.contains(&format!("localhost:{} (resolved to ", m.port())), "{}", message);
    assert!(message.contains("127.0.0.1"), "{}", message);
    assert!(posts(&m.requests()).is_empty());
}

#[test]
fn a_server_name_that_does_not_resolve_is_compared_by_name_and_says_so() {
    // RFC 6761: .invalid never resolves.
    let m = manager_with_node_on("mgr11.invalid");
    let rows = stop_through(&format!("127.0.0.1:{}", m.port()));
    assert_eq!(rows[0].kind, ResultKind::Skipped, "{:?}", rows[0]);
    let message = &rows[0].message;
    assert!(message.contains("server mgr11.invalid ("), "{}", message);
    assert!(message.contains("compared by name only"), "{}", message);
    assert!(posts(&m.requests()).is_empty());
}
