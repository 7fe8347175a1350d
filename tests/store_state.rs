//! The store-state endpoint on its own (endpoints/store_state.rs), against the reference manager: Passive and
//! Active both reach the manager and are read back; a manager without the endpoint says so by status.
mod support;

use clustron_dkv::deadline::{CancelToken, Deadline};
use clustron_dkv::endpoints::safety::is_unsupported;
use clustron_dkv::endpoints::store_state::{self, StoreState};
use clustron_dkv::net::retry::{Asked, Asker, Open, Patience};
use clustron_dkv::net::transport::Reply;
use std::time::Duration;
use support::*;

const STORE: &str = "OrdersStore";

/// Sets `state` through the first manager and returns its reply; then what a GET of the state says.
fn set_then_read(manager: &RefManager, state: StoreState) -> (Reply, Reply) {
    let targets = targets(manager, 10);
    let deadline = Deadline::after(Duration::from_secs(10));
    let cancel = CancelToken::new();
    let quiet = |_: String| {};
    let asker = Asker { transport: &targets.transport, deadline: &deadline, cancel: &cancel, gate: &Open, log: &quiet };
    let first = &targets.managers[0];
    let set = match store_state::set(&asker, &mut Patience::new(1), first, STORE, state) {
        Asked::Answer(reply) => reply,
        _ => panic!("the reference manager answers the PUT"),
    };
    let path = store_state::state_path(STORE);
    let read = |reply: &Reply| Ok(reply.clone());
    let got = match asker.ask(&mut Patience::new(1), first, "GET", &path, None, false, &read) {
        Asked::Answer(reply) => reply,
        _ => panic!("the reference manager answers the GET"),
    };
    (set, got)
}

#[test]
fn passive_then_active_reach_the_manager_and_read_back() {
    let m = demo_on(120, |_| {});
    let (set, got) = set_then_read(&m, StoreState::Passive);
    assert_eq!(set.status, 200, "{}", set.body);
    assert!(got.body.contains("Passive"), "{}", got.body);
    let (set, got) = set_then_read(&m, StoreState::Active);
    assert_eq!(set.status, 200, "{}", set.body);
    assert!(got.body.contains("Active") && !got.body.contains("Passive"), "{}", got.body);
    let puts: Vec<_> = m.requests().into_iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(puts.len(), 2);
    assert!(puts.iter().all(|r| r.path == "/admin/v1/stores/OrdersStore/state"));
}

#[test]
fn a_manager_without_the_endpoint_answers_with_an_unsupported_status() {
    let m = demo_on(121, |c| c.state_endpoint = false);
    let (set, _) = set_then_read(&m, StoreState::Passive);
    assert!(is_unsupported(set.status), "status {}", set.status);
}
