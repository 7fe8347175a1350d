//! The reason of a change (docs/manager-api.md, "Reason for a change"): sent as X-Dkv-Reason with every changing
//! request of a stop, a start and a restart and with no GET; percent-encoded beyond printable ASCII; refused before
//! anything is sent when it is empty, too long or holds a control character; and at the C ABI a caller built
//! against the first DkvStopOptions (no `reason` field) still works and sends none.
mod support;

use clustron_dkv::ffi::*;
use clustron_dkv::{ErrorKind, Operation, ResultKind};
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr;
use support::*;

fn changing(log: &[LoggedRequest]) -> Vec<&LoggedRequest> {
    log.iter().filter(|r| r.method != "GET").collect()
}

#[test]
fn every_changing_request_of_a_stop_start_and_restart_carries_the_reason_and_no_get_does() {
    let m = demo_on(231, |c| c.start_delay_ms = 20);
    let reason = "CHG-1234: kernel patch, 50% done (für Café)";
    let encoded = "CHG-1234: kernel patch, 50%25 done (f%C3%BCr Caf%C3%A9)";
    let with_reason = || targets(&m, 20).with_reason(Some(reason)).expect("a valid reason");
    // A whole-store stop: PUT state Passive, then every node's POST .../stop.
    let rows = Operation::run(with_reason(), request("OrdersStore")).expect("the stop runs");
    assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
    let rows = Operation::run_start(with_reason(), request("OrdersStore")).expect("the start runs");
    assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
    let mut one = request("CartStore");
    one.instances = Some(vec!["cart-1".to_string()]);
    let rows = Operation::run_restart(with_reason(), one).expect("the restart runs");
    assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);

    let log = m.requests();
    let changes = changing(&log);
    let puts = changes.iter().filter(|r| r.method == "PUT").count();
    let stops = changes.iter().filter(|r| r.path.ends_with("/stop")).count();
    let starts = changes.iter().filter(|r| r.path.ends_with("/start")).count();
    assert!(puts >= 2 && stops == 4 && starts >= 4, "PUT {} stop {} start {}: {:?}", puts, stops, starts, changes);
    for r in &changes {
        assert_eq!(r.reason.as_deref(), Some(encoded), "{} {}", r.method, r.path);
    }
    let gets: Vec<&LoggedRequest> = log.iter().filter(|r| r.method == "GET").collect();
    assert!(!gets.is_empty());
    assert!(gets.iter().all(|r| r.reason.is_none()), "a GET carried the reason");
}

#[test]
fn without_a_reason_no_header_is_sent() {
    let m = demo_on(232, |_| {});
    let mut one = request("OrdersStore");
    one.instances = Some(vec!["orders-1".to_string()]);
    one.force = true;
    run(&m, 10, one);
    let log = m.requests();
    assert_eq!(posts(&log).len(), 1);
    assert!(log.iter().all(|r| r.reason.is_none()));
}

#[test]
fn a_bad_reason_is_refused_before_anything_is_sent() {
    let m = demo_on(233, |_| {});
    for (reason, says) in [
        ("", "The reason is empty."),
        ("  ", "The reason is empty."),
        ("two\nlines", "control character (U+000A at position 4)"),
        ("nul\0", "control character (U+0000"),
    ] {
        let err = targets(&m, 10).with_reason(Some(reason)).err().expect("refused");
        assert_eq!(err.kind, ErrorKind::InvalidArgument);
        assert!(err.message.contains(says), "{:?}: {}", reason, err.message);
    }
    let err = targets(&m, 10).with_reason(Some(&"x".repeat(513))).err().expect("too long");
    assert!(err.message.contains("513 characters long; at most 512"), "{}", err.message);
    assert!(m.requests().is_empty(), "nothing was sent");
}

fn take(err: *mut c_char) -> String {
    if err.is_null() {
        return String::new();
    }
    let text = unsafe { CStr::from_ptr(err) }.to_string_lossy().into_owned();
    unsafe { dkv_free_string(err) };
    text
}

/// A forced stop of orders-1 through dkv_stop_store with `reason` and `struct_size`.
fn c_stop(m: &RefManager, size: u32, reason: Option<&CString>) -> (DkvStatus, String) {
    let managers: Vec<CString> = m.addresses().iter().map(|a| CString::new(a.as_str()).unwrap()).collect();
    let pointers: Vec<*const c_char> = managers.iter().map(|c| c.as_ptr()).collect();
    let store = CString::new("OrdersStore").unwrap();
    let node = CString::new("orders-1").unwrap();
    let nodes = [node.as_ptr()];
    let mut options = DkvStopOptions::for_store(store.as_ptr());
    options.struct_size = size;
    options.managers = pointers.as_ptr();
    options.manager_count = pointers.len();
    options.instances = nodes.as_ptr();
    options.instance_count = 1;
    options.flags = DKV_STOP_FORCE as u32;
    options.timeout_sec = 10;
    options.reason = reason.map_or(ptr::null(), |r| r.as_ptr());
    let mut results: *mut DkvResults = ptr::null_mut();
    let mut err: *mut c_char = ptr::null_mut();
    let status = unsafe { dkv_stop_store(ptr::null(), &options, &mut results, &mut err) };
    unsafe { dkv_free_results(results) };
    (status, take(err))
}

#[test]
fn at_the_c_abi_the_reason_is_sent_and_a_caller_of_the_first_struct_size_sends_none() {
    let m = demo_on(234, |_| {});
    let reason = CString::new("patch Tuesday").unwrap();
    let (status, err) = c_stop(&m, std::mem::size_of::<DkvStopOptions>() as u32, Some(&reason));
    assert_eq!(status, DkvStatus::DKV_OK, "{}", err);
    assert_eq!(posts(&m.requests())[0].reason.as_deref(), Some("patch Tuesday"));

    // A caller built before `reason` existed passes the first size (64 bytes on 64-bit): the bytes after it are
    // not read, whatever they hold.
    m.reset();
    m.clear_log();
    let first_size = 6 * 4 + 5 * std::mem::size_of::<usize>();
    assert_eq!(std::mem::size_of::<DkvStopOptions>(), first_size + 4 * std::mem::size_of::<usize>());
    let (status, err) = c_stop(&m, first_size as u32, Some(&reason));
    assert_eq!(status, DkvStatus::DKV_OK, "{}", err);
    let log = m.requests();
    assert_eq!(posts(&log).len(), 1);
    assert!(log.iter().all(|r| r.reason.is_none()), "an old caller's stop carried a reason");

    // A bad reason: DKV_ERR_INVALID_ARGUMENT and nothing sent.
    m.clear_log();
    let bad = CString::new("a\tb").unwrap();
    let (status, err) = c_stop(&m, std::mem::size_of::<DkvStopOptions>() as u32, Some(&bad));
    assert_eq!(status, DkvStatus::DKV_ERR_INVALID_ARGUMENT);
    assert!(err.contains("control character (U+0009"), "{}", err);
    assert!(m.requests().is_empty());
}
