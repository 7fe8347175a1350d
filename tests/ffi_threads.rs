//! One session, several threads at once, through the C ABI: the session is shared, each call owns its rows.
mod support;

use clustron_dkv::ffi::*;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr;
use support::*;

struct SessionPtr(*mut DkvSession);
// SAFETY: the C ABI documents sessions as usable from several threads at once; this test checks that promise.
unsafe impl Send for SessionPtr {}
unsafe impl Sync for SessionPtr {}

#[test]
fn one_session_serves_concurrent_stops_from_many_threads() {
    let m = demo_on(19, |_| {});
    let addresses: Vec<CString> = m.addresses().into_iter().map(|a| CString::new(a).unwrap()).collect();
    let list: Vec<*const c_char> = addresses.iter().map(|a| a.as_ptr()).collect();
    let mut session = ptr::null_mut();
    let rc = unsafe { dkv_connect(list.as_ptr(), list.len(), 0, 30, &mut session, ptr::null_mut()) };
    assert_eq!(rc, DKV_OK);
    let shared = SessionPtr(session);
    let outcomes: Vec<(String, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = ["orders-1", "orders-2", "orders-3"]
            .iter()
            .map(|name| {
                let shared = &shared;
                scope.spawn(move || {
                    let store = CString::new("OrdersStore").unwrap();
                    let instance = CString::new(*name).unwrap();
                    let mut rows: *mut DkvResults = ptr::null_mut();
                    let instances = [instance.as_ptr()];
                    let mut options = DkvStopOptions::for_store(store.as_ptr());
                    options.flags = DKV_STOP_FORCE as u32;
                    options.instances = instances.as_ptr();
                    options.instance_count = 1;
                    let rc = unsafe { dkv_stop_store(shared.0, &options, &mut rows, ptr::null_mut()) };
                    assert_eq!(rc, DKV_OK);
                    let row = unsafe { &*(*rows).items };
                    let result = unsafe { CStr::from_ptr(row.result) }.to_string_lossy().to_string();
                    let instance = unsafe { CStr::from_ptr(row.instance) }.to_string_lossy().to_string();
                    unsafe { dkv_free_results(rows) };
                    (instance, result)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    unsafe { dkv_disconnect(session) };
    let mut outcomes = outcomes;
    outcomes.sort();
    assert_eq!(
        outcomes,
        vec![
            ("orders-1".to_string(), "SUCCESS".to_string()),
            ("orders-2".to_string(), "SUCCESS".to_string()),
            ("orders-3".to_string(), "SUCCESS".to_string())
        ]
    );
    for name in ["orders-1", "orders-2", "orders-3"] {
        assert_eq!(m.instance_status("OrdersStore", name).as_deref(), Some("Stopped"));
    }
}
