//! The store list (docs/manager-api.md, "List the stores"): every targeted manager asked once under one
//! deadline, names merged once each, a manager that fails left out and named, no endpoint anywhere a clear
//! NotSupported that says how to name a store, bad and oversized answers refused, cancel and deadline bounded.
mod support;

use clustron_dkv::operation::store_info::list_stores;
use clustron_dkv::{ErrorKind, Operation, Session, Targets};
use std::time::{Duration, Instant};
use support::raw::{json_response, RawServer};
use support::*;

fn gets_of_list(log: &[LoggedRequest]) -> usize {
    log.iter().filter(|r| r.method == "GET" && r.path == "/admin/v1/stores").count()
}

fn targets_of(addresses: &[String], timeout_sec: i64) -> Targets {
    let session = Session::connect(addresses, None, Some(timeout_sec)).expect("valid addresses");
    Targets::resolve::<&str>(Some(&session), &[], None, None).expect("session targets")
}

#[test]
fn every_manager_is_asked_once_and_each_store_is_listed_once() {
    let m = demo_on(225, |_| {});
    let list = list_stores(&targets(&m, 10)).expect("the list");
    assert_eq!(list.names, vec!["OrdersStore".to_string(), "CartStore".to_string()]);
    assert!(list.unanswered.is_empty(), "{:?}", list.unanswered);
    assert_eq!(gets_of_list(&m.requests()), 3, "one GET per targeted manager");
}

#[test]
fn a_manager_that_fails_is_left_out_and_named_while_the_others_answer() {
    let m = demo_on(226, |_| {});
    m.set_fault(&host(226, 1), Fault::Reset);
    m.set_fault(&host(226, 2), Fault::Status500);
    let list = list_stores(&targets(&m, 10)).expect("the first manager answers");
    assert_eq!(list.names, vec!["OrdersStore".to_string(), "CartStore".to_string()]);
    assert_eq!(list.unanswered.len(), 2, "{:?}", list.unanswered);
    assert!(list.unanswered[0].starts_with(&format!("{}:{}: ", host(226, 1), m.port())), "{:?}", list.unanswered);
    assert!(list.unanswered[1].starts_with(&format!("{}:{}: ", host(226, 2), m.port())), "{:?}", list.unanswered);
}

#[test]
fn managers_without_the_endpoint_give_not_supported_saying_how_to_name_a_store() {
    let m = demo_on(227, |c| c.list_endpoint = false);
    let err = list_stores(&targets(&m, 10)).expect_err("no manager can list");
    assert_eq!(err.kind, ErrorKind::NotSupported, "{}", err.message);
    assert!(err.message.contains("no store-list endpoint"), "{}", err.message);
    assert!(err.message.contains("Get-DkvStore -Name"), "{}", err.message);
    assert!(err.message.contains(&format!("{}:{}", host(227, 0), m.port())), "{}", err.message);
}

#[test]
fn an_answer_that_is_not_a_list_and_one_far_too_large_are_refused() {
    let not_a_list = RawServer::start("127.0.228.11", |_| json_response(200, r#"{"stores": "OrdersStore"}"#));
    let err = list_stores(&targets_of(std::slice::from_ref(&not_a_list.address), 5)).expect_err("not a list");
    assert_eq!(err.kind, ErrorKind::Unreachable, "{}", err.message);
    assert!(err.message.contains(r#"not of the form {"stores": [{"name": "..."}, ...]}"#), "{}", err.message);

    let entries: Vec<String> = (0..10_001).map(|i| format!(r#"{{"name":"s{}"}}"#, i)).collect();
    let body = format!(r#"{{"stores":[{}]}}"#, entries.join(","));
    let huge = RawServer::start("127.0.228.12", move |_| json_response(200, &body));
    let err = list_stores(&targets_of(std::slice::from_ref(&huge.address), 5)).expect_err("too large");
    assert!(err.message.contains("names 10001 stores, more than the 10000"), "{}", err.message);
}

#[test]
fn a_cancel_ends_a_list_waiting_on_a_silent_manager_at_once() {
    let m = demo_on(229, |_| {});
    for i in 0..3 {
        m.set_fault(&host(229, i), Fault::Hang);
    }
    let op = Operation::begin_list(targets(&m, 30)).expect("begins");
    std::thread::sleep(Duration::from_millis(300));
    let cancelled = Instant::now();
    op.cancel();
    assert!(op.wait(Some(Duration::from_secs(1))), "finished within 1 s of the cancel");
    assert!(cancelled.elapsed() < Duration::from_secs(1));
    let err = op.store_list().expect_err("cancelled");
    assert_eq!(err.kind, ErrorKind::Cancelled);
    assert_eq!(err.message, "Cancelled while listing the stores.");
}

#[test]
fn the_deadline_bounds_a_list_whose_managers_never_answer() {
    let m = demo_on(230, |_| {});
    for i in 0..3 {
        m.set_fault(&host(230, i), Fault::Hang);
    }
    let started = Instant::now();
    let err = list_stores(&targets(&m, 2)).expect_err("nobody answers");
    assert!(started.elapsed() < Duration::from_millis(2750), "{:?}", started.elapsed());
    assert_eq!(err.kind, ErrorKind::Timeout, "{}", err.message);
    assert!(err.message.contains("listing the stores"), "{}", err.message);
}
