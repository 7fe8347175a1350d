//! The plan through the C ABI (dkv_plan_begin, dkv_op_plan, dkv_free_plan) and the stop options it shares with
//! the stop (issue 13): the plan is the one the stop makes, node by node; a stop given a list of instances is one
//! operation with one discovery under one deadline.
mod support;

use clustron_dkv::ffi::*;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr;
use support::*;

fn text(p: *const c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().to_string())
    }
}

fn take(err: *mut c_char) -> String {
    let message = text(err).unwrap_or_default();
    unsafe { dkv_free_string(err) };
    message
}

/// What a plan says, read out of its C struct.
#[derive(Debug)]
struct PlanView {
    store: String,
    whole_store: bool,
    /// (instance, server, manager, skip reason)
    nodes: Vec<(String, String, String, Option<String>)>,
}

/// Strings kept alive for the options' pointers.
struct Call {
    managers: Vec<CString>,
    instances: Vec<CString>,
    store: CString,
}

impl Call {
    fn new(managers: &[String], instances: Option<&[&str]>) -> Call {
        Call {
            managers: managers.iter().map(|m| CString::new(m.as_str()).unwrap()).collect(),
            instances: instances.unwrap_or(&[]).iter().map(|i| CString::new(*i).unwrap()).collect(),
            store: CString::new("OrdersStore").unwrap(),
        }
    }

    /// Runs `f` with options pointing at this call's strings (`flags` as given, a 20 s deadline).
    fn with<T>(&self, list: bool, flags: u32, f: impl FnOnce(&DkvStopOptions) -> T) -> T {
        let managers: Vec<*const c_char> = self.managers.iter().map(|m| m.as_ptr()).collect();
        let instances: Vec<*const c_char> = self.instances.iter().map(|i| i.as_ptr()).collect();
        let mut options = DkvStopOptions::for_store(self.store.as_ptr());
        options.managers = managers.as_ptr();
        options.manager_count = managers.len();
        options.timeout_sec = 20;
        options.flags = flags;
        if list {
            options.instances = instances.as_ptr();
            options.instance_count = instances.len();
        }
        f(&options)
    }
}

fn plan_of(managers: &[String], instances: Option<&[&str]>) -> Result<PlanView, (DkvStatus, String)> {
    let call = Call::new(managers, instances);
    let mut op = ptr::null_mut();
    let mut err = ptr::null_mut();
    let rc = call.with(instances.is_some(), 0, |o| unsafe { dkv_plan_begin(ptr::null(), o, &mut op, &mut err) });
    if rc != DKV_OK {
        return Err((rc, take(err)));
    }
    assert_eq!(unsafe { dkv_op_wait(op, -1) }, 1);
    let mut plan: *mut DkvPlan = ptr::null_mut();
    let rc = unsafe { dkv_op_plan(op, &mut plan, &mut err) };
    unsafe { dkv_op_free(op) };
    if rc != DKV_OK {
        return Err((rc, take(err)));
    }
    let p = unsafe { &*plan };
    let nodes = (0..p.len)
        .map(|i| {
            let n = unsafe { &*p.nodes.add(i) };
            assert_eq!(n.skipped != 0, !n.skip_reason.is_null());
            (text(n.instance).unwrap(), text(n.server).unwrap(), text(n.manager).unwrap(), text(n.skip_reason))
        })
        .collect();
    let view = PlanView { store: text(p.store).unwrap(), whole_store: p.whole_store == 1, nodes };
    unsafe { dkv_free_plan(plan) };
    Ok(view)
}

/// (instance, result, manager, message) of each row of a forced stop with the same managers and list.
fn stop_rows(managers: &[String], instances: Option<&[&str]>) -> Vec<(String, String, String, String)> {
    let call = Call::new(managers, instances);
    let mut results: *mut DkvResults = ptr::null_mut();
    let mut err = ptr::null_mut();
    let rc = call.with(instances.is_some(), DKV_STOP_FORCE as u32, |o| unsafe {
        dkv_stop_store(ptr::null(), o, &mut results, &mut err)
    });
    assert_eq!(rc, DKV_OK, "{}", take(err));
    let r = unsafe { &*results };
    let mut rows: Vec<_> = (0..r.len)
        .map(|i| {
            let row = unsafe { &*r.items.add(i) };
            (
                text(row.instance).unwrap(),
                text(row.result).unwrap(),
                text(row.manager).unwrap(),
                text(row.message).unwrap(),
            )
        })
        .collect();
    unsafe { dkv_free_results(results) };
    rows.sort();
    rows
}

fn store_discoveries(m: &RefManager) -> usize {
    m.requests().iter().filter(|r| r.method == "GET" && r.path == "/admin/v1/stores/OrdersStore").count()
}

#[test]
fn every_node_routed_by_name_is_a_whole_store_plan() {
    let m = demo_on(91, |_| {});
    let plan = plan_of(&m.addresses(), None).unwrap();
    assert_eq!(plan.store, "OrdersStore");
    assert!(plan.whole_store);
    let listed: Vec<(&str, &str, &str)> =
        plan.nodes.iter().map(|n| (n.0.as_str(), n.1.as_str(), n.2.as_str())).collect();
    let a = m.addresses();
    assert_eq!(
        listed,
        [
            ("orders-1", "127.0.91.11", a[0].as_str()),
            ("orders-2", "127.0.91.12", a[1].as_str()),
            ("orders-3", "127.0.91.13", a[2].as_str())
        ]
    );
    assert!(plan.nodes.iter().all(|n| n.3.is_none()));
    // Planning stops nothing.
    assert_eq!(posts(&m.requests()).len(), 0);
    assert_eq!(m.instance_status("OrdersStore", "orders-1").as_deref(), Some("Running"));
}

#[test]
fn a_skipped_node_carries_the_reason_its_stop_row_gives_after_not_stopped() {
    let m = demo_on(92, |_| {});
    let two = m.addresses()[..2].to_vec();
    let plan = plan_of(&two, None).unwrap();
    assert!(!plan.whole_store, "a node is skipped: not a whole-store stop");
    let skipped = &plan.nodes[2];
    assert_eq!(skipped.0, "orders-3");
    let reason = skipped.3.clone().expect("orders-3 is skipped");
    assert!(reason.starts_with("server 127.0.92.13 is not among the targeted managers"), "{}", reason);

    let rows = stop_rows(&two, None);
    let row = rows.iter().find(|r| r.0 == "orders-3").unwrap();
    assert_eq!(
        (row.1.as_str(), row.2.as_str(), row.3.as_str()),
        ("SKIPPED", skipped.2.as_str(), format!("not stopped: {}", reason).as_str())
    );
    let routed = rows.iter().find(|r| r.0 == "orders-1").unwrap();
    assert_eq!(routed.2, plan.nodes[0].2, "the stop goes through the manager the plan names");
}

#[test]
fn a_node_listed_by_address_is_routed_to_a_manager_named_by_name() {
    let layout = Layout::from_json(
        r#"{"stores":[{"name":"OrdersStore","instances":[{"name":"orders-1","server":"127.0.0.1"}]}]}"#,
    )
    .unwrap();
    let m = RefManager::start(Config::with_layout(&["127.0.0.1"], layout)).unwrap();
    let manager = format!("localhost:{}", m.port());
    let plan = plan_of(std::slice::from_ref(&manager), None).unwrap();
    assert_eq!(plan.nodes.len(), 1);
    assert_eq!(plan.nodes[0].2, manager, "{:?}", plan);
    assert!(plan.nodes[0].3.is_none(), "{:?}", plan);
    assert!(plan.whole_store);
}

#[test]
fn a_list_selects_its_nodes_once_in_store_order_and_is_never_whole_store() {
    let m = demo_on(93, |_| {});
    let plan = plan_of(&m.addresses(), Some(&["orders-3", "ORDERS-1", "orders-1"])).unwrap();
    let names: Vec<&str> = plan.nodes.iter().map(|n| n.0.as_str()).collect();
    assert_eq!(names, ["orders-1", "orders-3"]);
    assert!(!plan.whole_store);
    let every = plan_of(&m.addresses(), Some(&["orders-1", "orders-2", "orders-3"])).unwrap();
    assert_eq!(every.nodes.len(), 3);
    assert!(!every.whole_store, "naming every node is still a list: no passive whole-store stop");

    let (rc, message) = plan_of(&m.addresses(), Some(&["orders-1", "orders-9"])).unwrap_err();
    assert_eq!(rc, DKV_ERR_INSTANCE_NOT_FOUND);
    assert_eq!(
        message,
        "Store 'OrdersStore' has no node named 'orders-9'. Its nodes are: orders-1, orders-2, orders-3."
    );
    let (rc, message) = plan_of(&m.addresses(), Some(&[])).unwrap_err();
    assert_eq!(rc, DKV_ERR_INVALID_ARGUMENT, "{}", message);
    let (rc, _) = plan_of(&m.addresses(), Some(&[""])).unwrap_err();
    assert_eq!(rc, DKV_ERR_INVALID_ARGUMENT);
}

#[test]
fn a_stop_of_a_list_is_one_operation_with_one_discovery() {
    let m = demo_on(94, |_| {});
    m.clear_log();
    let rows = stop_rows(&m.addresses(), Some(&["orders-3", "orders-1"]));
    let done: Vec<(&str, &str)> = rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
    assert_eq!(done, [("orders-1", "SUCCESS"), ("orders-3", "SUCCESS")]);
    assert_eq!(store_discoveries(&m), 1, "one discovery for the whole list");
    assert_eq!(posts(&m.requests()).len(), 2);
    assert_eq!(m.instance_status("OrdersStore", "orders-2").as_deref(), Some("Running"));
}

#[test]
fn a_stop_operation_has_no_plan_to_read() {
    let m = demo_on(95, |_| {});
    let call = Call::new(&m.addresses(), Some(&["orders-1"]));
    let mut op = ptr::null_mut();
    let mut err = ptr::null_mut();
    let rc = call.with(true, DKV_STOP_FORCE as u32, |o| unsafe { dkv_stop_begin(ptr::null(), o, &mut op, &mut err) });
    assert_eq!(rc, DKV_OK, "{}", take(err));
    assert_eq!(unsafe { dkv_op_wait(op, -1) }, 1);
    let mut plan: *mut DkvPlan = ptr::null_mut();
    let rc = unsafe { dkv_op_plan(op, &mut plan, &mut err) };
    assert_eq!(rc, DKV_ERR_INVALID_ARGUMENT);
    assert!(plan.is_null());
    assert!(take(err).contains("dkv_plan_begin"));
    unsafe { dkv_op_free(op) };
}

#[test]
fn without_managers_the_plan_is_the_documented_error() {
    let store = CString::new("OrdersStore").unwrap();
    let options = DkvStopOptions::for_store(store.as_ptr());
    let mut op = ptr::null_mut();
    let mut err = ptr::null_mut();
    let rc = unsafe { dkv_plan_begin(ptr::null(), &options, &mut op, &mut err) };
    assert_eq!(rc, DKV_ERR_NO_MANAGERS);
    let expected = text(dkv_no_managers_message()).unwrap();
    assert_eq!(take(err), expected);
    assert_eq!(expected, clustron_dkv::NO_MANAGERS_MESSAGE);
}

#[test]
fn the_header_describes_codes_as_enums_and_the_defaults_once() {
    let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/clustron_dkv.h")).unwrap();
    for needle in [
        "enum DkvStatus",
        "typedef int32_t DkvStatus;",
        "typedef int32_t DkvResultKind;",
        "typedef int32_t DkvNodeState;",
        "typedef uint32_t DkvStopFlag;",
        "DkvResultKind kind;",
        "DkvNodeState state;",
        "DkvStatus dkv_stop_begin(const struct DkvSession *session,",
        "DkvStatus dkv_plan_begin(const struct DkvSession *session,",
        "#define DKV_DEFAULT_PORT 7801",
        "#define DKV_DEFAULT_TIMEOUT_SEC 30",
        "#define DKV_MAX_TIMEOUT_SEC 86400",
        "#define DKV_DEFAULT_THROTTLE 32",
        "#define DKV_MAX_THROTTLE 1024",
        "const char *dkv_no_managers_message(void);",
    ] {
        assert!(header.contains(needle), "the header lacks `{}`", needle);
    }
    assert_eq!(std::mem::size_of::<DkvStatus>(), 4);
    // 64 bytes in its first version; `reason` and the three audit fields were appended (struct_size 64 still works).
    assert_eq!(std::mem::size_of::<DkvStopOptions>(), 96);
}
