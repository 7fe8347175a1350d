//! Runs every row of docs/bad-input.md and compares the outcome with the documented text.
mod support;

use clustron_dkv::ffi::*;
use clustron_dkv::net::address::{port_from_int, ManagerEndpoint, DEFAULT_PORT};
use clustron_dkv::net::session::timeout_from_secs;
use clustron_dkv::net::wire::{InstanceDoc, StoreDoc};
use clustron_dkv::planning::names::{encode_segment, validate_name};
use clustron_dkv::{Operation, Session, Targets};
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr;
use support::raw::{json_response, RawServer};

fn message<T>(r: Result<T, clustron_dkv::DkvError>) -> String {
    match r {
        Ok(_) => "accepted".to_string(),
        Err(e) => e.message,
    }
}

fn address(input: &str) -> String {
    match ManagerEndpoint::parse(input, DEFAULT_PORT) {
        Ok(e) => e.base_url(),
        Err(e) => e.message,
    }
}

fn discover_via(server: &RawServer, store: &str) -> String {
    let targets = Targets::resolve(None, &[server.address.as_str()], None, Some(5)).unwrap();
    message(Operation::run(targets, support::request(store)))
}

fn list_via(server: &RawServer) -> String {
    let targets = Targets::resolve(None, &[server.address.as_str()], None, Some(5)).unwrap();
    message(clustron_dkv::operation::store_info::list_stores(&targets))
}

fn c_status(rc: DkvStatus, err: *mut c_char) -> String {
    let name = match rc {
        DKV_ERR_INVALID_ARGUMENT => "DKV_ERR_INVALID_ARGUMENT",
        DKV_ERR_NO_MANAGERS => "DKV_ERR_NO_MANAGERS",
        DKV_ERR_INSTANCE_NOT_FOUND => "DKV_ERR_INSTANCE_NOT_FOUND",
        DKV_ERR_PROTOCOL => "DKV_ERR_PROTOCOL",
        DKV_OK => "DKV_OK",
        _ => "OTHER",
    };
    let text = if err.is_null() { String::new() } else { unsafe { CStr::from_ptr(err) }.to_string_lossy().to_string() };
    unsafe { dkv_free_string(err) };
    format!("{}: {}", name, text)
}

fn store_doc(names: &[&str]) -> StoreDoc {
    StoreDoc {
        name: Some("S".into()),
        instances: names
            .iter()
            .map(|n| InstanceDoc {
                name: n.to_string(),
                server: "10.0.0.11".into(),
                clustron_port: None,
                client_port: None,
                status: None,
                migrations_remaining: None,
            })
            .collect(),
    }
}

fn begin_with(store: *const c_char, flags: u32) -> String {
    begin_with_options(store, |o| o.flags = flags)
}

/// dkv_stop_begin against one (silent) manager, with `change` applied to the options first.
fn begin_with_options(store: *const c_char, change: impl FnOnce(&mut DkvStopOptions)) -> String {
    begin_kind(dkv_stop_begin, store, change)
}

type Begin = unsafe extern "C" fn(
    *const DkvSession,
    *const DkvStopOptions,
    *mut *mut DkvOperation,
    *mut *mut c_char,
) -> DkvStatus;

/// `begin` (dkv_stop_begin, dkv_start_begin, dkv_restart_begin) against one (silent) manager, with `change`
/// applied to the options first.
fn begin_kind(begin: Begin, store: *const c_char, change: impl FnOnce(&mut DkvStopOptions)) -> String {
    let manager = CString::new("127.0.42.50").unwrap();
    let list = [manager.as_ptr()];
    let mut options = DkvStopOptions::for_store(store);
    options.managers = list.as_ptr();
    options.manager_count = 1;
    options.timeout_sec = 1;
    change(&mut options);
    let mut op = ptr::null_mut();
    let mut err = ptr::null_mut();
    let rc = unsafe { begin(ptr::null(), &options, &mut op, &mut err) };
    unsafe { dkv_op_free(op) };
    c_status(rc, err)
}

fn connect_raw(list: *const *const c_char, count: usize, options: *const DkvConnectOptions) -> String {
    let mut session = ptr::null_mut();
    let mut err = ptr::null_mut();
    let rc = unsafe { dkv_connect_ex(list, count, 0, 0, options, &mut session, &mut err) };
    unsafe { dkv_disconnect(session) };
    c_status(rc, err)
}

fn run_case(id: &str) -> String {
    match id {
        "B01" => message(validate_name("Store name", "")),
        "B02" => message(validate_name("Store name", "   ")),
        "B03" => message(validate_name("Store name", " Orders")),
        "B04" => message(validate_name("Store name", "..")),
        "B05" => message(validate_name("Store name", "Orders\u{7}")),
        "B06" => message(validate_name("Store name", &"x".repeat(257))),
        "B07" => message(validate_name("Instance name", "")),
        "B08" => format!("sent as /admin/v1/stores/{}", encode_segment("Orders Store/é?#%")),
        "B09" => message(port_from_int(0)),
        "B10" => message(port_from_int(65536)),
        "B11" => address("10.0.0.11:0"),
        "B12" => address("10.0.0.11:65536"),
        "B13" => address("10.0.0.11:http"),
        "B14" => message(timeout_from_secs(0)),
        "B15" => message(timeout_from_secs(-5)),
        "B16" => message(timeout_from_secs(2147483647)),
        "B17" => message(Session::connect(&["10.0.0.11", "10.0.0.11:7801"], None, None)),
        "B18" => message(Session::connect::<&str>(&[], None, None)),
        "B19" => address(""),
        "B20" => message(Targets::resolve::<&str>(None, &[], None, None)),
        "B21" => {
            let targets = Targets::resolve(None, &["mgr.invalid"], None, Some(5)).unwrap();
            message(Operation::run(targets, support::request("OrdersStore")))
        }
        "B22" => address("[::1]:7801"),
        "B23" => address("::1"),
        "B24" => address("fe80::1::2"),
        "B25" => address("https://mgr.example:7443"),
        "B26" => address("ftp://mgr"),
        "B27" => address("http://mgr/admin"),
        "B28" => address("admin@mgr"),
        "B29" => {
            let s = RawServer::start("127.0.42.1", |_| json_response(200, &"x".repeat(9 * 1024 * 1024)));
            discover_via(&s, "S").replace(&s.address, "127.0.42.1:PORT")
        }
        "B30" => {
            let s = RawServer::start("127.0.42.2", |_| {
                b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.42.99:7801/\r\nContent-Length: 0\r\n\r\n"
                    .to_vec()
            });
            discover_via(&s, "S").replace(&s.address, "127.0.42.2:PORT")
        }
        "B31" => {
            let s = RawServer::start("127.0.42.3", |_| {
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>".to_vec()
            });
            discover_via(&s, "S").replace(&s.address, "127.0.42.3:PORT")
        }
        "B32" => message(clustron_dkv::planning::plan::plan("S", &store_doc(&[]), None, &[], &names())),
        "B33" => {
            let targets = [ManagerEndpoint::parse("10.0.0.11", DEFAULT_PORT).unwrap()];
            message(clustron_dkv::planning::plan::plan(
                "S",
                &store_doc(&["orders-1", "orders-2"]),
                Some(&["orders-9".to_string()]),
                &targets,
                &names(),
            ))
        }
        "B34" => begin_with(ptr::null(), 0),
        "B35" => {
            let mut err = ptr::null_mut();
            let manager = CString::new("10.0.0.11").unwrap();
            let list = [manager.as_ptr()];
            let rc = unsafe { dkv_connect(list.as_ptr(), 1, 0, 0, ptr::null_mut(), &mut err) };
            c_status(rc, err)
        }
        "B36" => connect_raw(ptr::null(), 2, ptr::null()),
        "B37" => {
            let manager = CString::new("10.0.0.11").unwrap();
            let list = [manager.as_ptr()];
            connect_raw(list.as_ptr(), 1 << 40, ptr::null())
        }
        "B38" => {
            let manager = CString::new("10.0.0.11").unwrap();
            let list = [manager.as_ptr(), ptr::null()];
            connect_raw(list.as_ptr(), 2, ptr::null())
        }
        "B39" => {
            let bad = CString::new(vec![0xFFu8, 0xFE]).unwrap();
            begin_with(bad.as_ptr(), 0)
        }
        "B40" => {
            let store = CString::new("S").unwrap();
            begin_with(store.as_ptr(), 0x10)
        }
        "B41" => {
            let wait = unsafe { dkv_op_wait(ptr::null(), 0) };
            let mut progress = ptr::null_mut();
            let mut err = ptr::null_mut();
            let rc = unsafe { dkv_op_progress(ptr::null(), 0, &mut progress, &mut err) };
            format!("{}; {}", wait, c_status(rc, err))
        }
        "B42" => {
            unsafe {
                dkv_free_results(ptr::null_mut());
                dkv_free_progress(ptr::null_mut());
                dkv_free_store_info(ptr::null_mut());
                dkv_free_plan(ptr::null_mut());
                dkv_free_string(ptr::null_mut());
                dkv_disconnect(ptr::null_mut());
                dkv_op_cancel(ptr::null());
                dkv_op_free(ptr::null_mut());
            }
            "no effect".to_string()
        }
        "B43" => {
            let manager = CString::new("10.0.0.11").unwrap();
            let list = [manager.as_ptr()];
            let options = DkvConnectOptions {
                struct_size: 0,
                skip_certificate_check: 0,
                bearer_token: ptr::null(),
                user: ptr::null(),
                password: ptr::null(),
            };
            connect_raw(list.as_ptr(), 1, &options)
        }
        "B44" => {
            let manager = CString::new("10.0.0.11").unwrap();
            let list = [manager.as_ptr()];
            let (token, user) = (CString::new("t").unwrap(), CString::new("u").unwrap());
            let options = DkvConnectOptions {
                struct_size: std::mem::size_of::<DkvConnectOptions>() as u32,
                skip_certificate_check: 0,
                bearer_token: token.as_ptr(),
                user: user.as_ptr(),
                password: ptr::null(),
            };
            connect_raw(list.as_ptr(), 1, &options)
        }
        "B53" => {
            let manager = CString::new("10.0.0.11").unwrap();
            let list = [manager.as_ptr()];
            let options = DkvConnectOptions {
                struct_size: std::mem::size_of::<DkvConnectOptions>() as u32 + 8,
                skip_certificate_check: 0,
                bearer_token: ptr::null(),
                user: ptr::null(),
                password: ptr::null(),
            };
            connect_raw(list.as_ptr(), 1, &options)
        }
        "B45" => {
            let store = CString::new("S").unwrap();
            begin_with_options(store.as_ptr(), |o| o.struct_size = 8)
        }
        "B46" => {
            let store = CString::new("S").unwrap();
            begin_with_options(store.as_ptr(), |o| o.struct_size += 8)
        }
        "B47" => {
            let store = CString::new("S").unwrap();
            let empty: [*const c_char; 0] = [];
            begin_with_options(store.as_ptr(), |o| o.instances = empty.as_ptr())
        }
        "B48" => {
            let (store, blank) = (CString::new("S").unwrap(), CString::new("").unwrap());
            let list = [blank.as_ptr()];
            begin_with_options(store.as_ptr(), |o| {
                o.instances = list.as_ptr();
                o.instance_count = 1;
            })
        }
        "B49" => {
            let store = CString::new("S").unwrap();
            let one = CString::new("orders-1").unwrap();
            let list = [one.as_ptr(), ptr::null()];
            begin_with_options(store.as_ptr(), |o| {
                o.instances = list.as_ptr();
                o.instance_count = 2;
            })
        }
        "B50" => {
            let store = CString::new("S").unwrap();
            begin_with_options(store.as_ptr(), |o| o.instance_count = 3)
        }
        "B51" => {
            let store = CString::new("S").unwrap();
            begin_with_options(store.as_ptr(), |o| o.throttle = 1025)
        }
        "B52" => {
            let mut err = ptr::null_mut();
            let rc = unsafe { dkv_stop_begin(ptr::null(), ptr::null(), &mut ptr::null_mut(), &mut err) };
            c_status(rc, err)
        }
        "B54" => {
            let store = CString::new("S").unwrap();
            let manager = CString::new("127.0.42.50").unwrap();
            let list = [manager.as_ptr()];
            let mut options = DkvStopOptions::for_store(store.as_ptr());
            options.managers = list.as_ptr();
            options.manager_count = 1;
            options.flags = DKV_STOP_FORCE as u32;
            let mut op = ptr::null_mut();
            let mut err = ptr::null_mut();
            let rc = unsafe { dkv_start_begin(ptr::null(), &options, &mut op, &mut err) };
            unsafe { dkv_op_free(op) };
            c_status(rc, err)
        }
        "B55" => {
            let store = CString::new("S").unwrap();
            begin_kind(dkv_restart_begin, store.as_ptr(), |o| o.flags = DKV_STOP_FORCE as u32)
        }
        "B56" => {
            let store = CString::new("S").unwrap();
            begin_kind(dkv_restart_begin, store.as_ptr(), |o| o.flags = DKV_STOP_PARALLEL as u32)
        }
        "B57" => {
            let store = CString::new("S").unwrap();
            begin_kind(dkv_restart_begin, store.as_ptr(), |o| o.node_timeout_sec = DKV_MAX_TIMEOUT_SEC + 1)
        }
        "B58" => {
            let store = CString::new("S").unwrap();
            begin_kind(dkv_stop_begin, store.as_ptr(), |o| o.node_timeout_sec = 60)
        }
        "B59" => {
            let store = CString::new("S").unwrap();
            begin_kind(dkv_start_begin, store.as_ptr(), |o| o.node_timeout_sec = 60)
        }
        "B60" => {
            let store = CString::new("S").unwrap();
            let options = DkvStopOptions::for_store(store.as_ptr());
            let mut err = ptr::null_mut();
            let rc = unsafe { dkv_restart_store(ptr::null(), &options, ptr::null_mut(), &mut err) };
            c_status(rc, err)
        }
        "B61" => {
            let store = CString::new("S").unwrap();
            let name = CString::new(b"orders-1\xED\xA0\x80".to_vec()).unwrap();
            let list = [name.as_ptr()];
            begin_with_options(store.as_ptr(), |o| {
                o.instances = list.as_ptr();
                o.instance_count = 1;
            })
        }
        "B62" => {
            let address = CString::new(b"10.0.0.11\xFF".to_vec()).unwrap();
            let mut out = ptr::null_mut();
            let mut err = ptr::null_mut();
            let rc = unsafe { dkv_normalize_manager(address.as_ptr(), 0, &mut out, &mut err) };
            unsafe { dkv_free_string(out) };
            c_status(rc, err)
        }
        "B63" => {
            let manager = CString::new("10.0.0.11").unwrap();
            let list = [manager.as_ptr()];
            let (user, password) = (CString::new("admin").unwrap(), CString::new(b"pa\xC3".to_vec()).unwrap());
            let options = DkvConnectOptions {
                struct_size: std::mem::size_of::<DkvConnectOptions>() as u32,
                skip_certificate_check: 0,
                bearer_token: ptr::null(),
                user: user.as_ptr(),
                password: password.as_ptr(),
            };
            connect_raw(list.as_ptr(), 1, &options)
        }
        "B64" => {
            // A C caller's "OrdersStore\0Test" is the bytes up to the NUL: the library asks for OrdersStore.
            let s = RawServer::start("127.0.42.5", |_| {
                json_response(404, r#"{"error":{"code":"StoreNotFound","message":"no"}}"#)
            });
            let bytes = b"OrdersStore\0Test\0";
            let manager = CString::new(s.address.clone()).unwrap();
            let list = [manager.as_ptr()];
            let mut info = ptr::null_mut();
            let mut err = ptr::null_mut();
            let rc = unsafe {
                dkv_get_store(ptr::null(), list.as_ptr(), 1, 0, bytes.as_ptr() as *const c_char, 5, &mut info, &mut err)
            };
            unsafe { dkv_free_store_info(info) };
            assert_eq!(rc, DKV_ERR_STORE_NOT_FOUND);
            unsafe { dkv_free_string(err) };
            let heads = s.heads();
            let line = heads.first().and_then(|h| h.lines().next()).unwrap_or("nothing").to_string();
            format!("sent as {}", line.trim_start_matches("GET ").trim_end_matches(" HTTP/1.1"))
        }
        "B65" => {
            let doc = r#"{"name":"S","instances":[{"name":"orders-1","server":"127.0.0.11"},{"name":"orders-2","server":"127.0.0.11"},{"name":"orders-1","server":"127.0.0.12"}]}"#;
            let s = RawServer::start("127.0.42.4", move |_| json_response(200, doc));
            let store = CString::new("S").unwrap();
            let manager = CString::new(s.address.clone()).unwrap();
            let list = [manager.as_ptr()];
            let mut options = DkvStopOptions::for_store(store.as_ptr());
            options.managers = list.as_ptr();
            options.manager_count = 1;
            options.timeout_sec = 5;
            let mut results = ptr::null_mut();
            let mut err = ptr::null_mut();
            let rc = unsafe { dkv_stop_store(ptr::null(), &options, &mut results, &mut err) };
            unsafe { dkv_free_results(results) };
            let heads = s.heads();
            assert_eq!(heads.len(), 1, "only discovery is sent: {:?}", heads);
            assert!(heads[0].starts_with("GET /admin/v1/stores/S "), "{}", heads[0]);
            c_status(rc, err).replace(&s.address, "127.0.42.4:PORT")
        }
        "B73" | "B74" | "B75" => {
            let reason = match id {
                "B73" => CString::new("").unwrap(),
                "B74" => CString::new("x".repeat(513)).unwrap(),
                _ => CString::new("two\nlines").unwrap(),
            };
            let store = CString::new("S").unwrap();
            begin_with_options(store.as_ptr(), |o| o.reason = reason.as_ptr())
        }
        "B76" => format!("sent as X-Dkv-Reason: {}", clustron_dkv::net::reason::encode_reason("für 50%").unwrap()),
        "B77" | "B78" => {
            let path = if id == "B77" { "/nonexistent-dkv-folder/audit.jsonl" } else { "/" };
            let (store, log) = (CString::new("S").unwrap(), CString::new(path).unwrap());
            begin_with_options(store.as_ptr(), |o| o.audit_log = log.as_ptr())
        }
        "B79" => {
            let (store, parameters) = (CString::new("S").unwrap(), CString::new("[\"-Name\"]").unwrap());
            begin_with_options(store.as_ptr(), |o| o.audit_parameters = parameters.as_ptr())
        }
        "B80" => {
            let s = RawServer::start("127.0.42.60", |_| json_response(200, r#"{"stores": "OrdersStore"}"#));
            list_via(&s).replace(&s.address, "127.0.42.60:PORT")
        }
        "B81" => {
            let entries: Vec<String> = (0..10_001).map(|i| format!(r#"{{"name":"s{}"}}"#, i)).collect();
            let body = format!(r#"{{"stores":[{}]}}"#, entries.join(","));
            let s = RawServer::start("127.0.42.61", move |_| json_response(200, &body));
            list_via(&s).replace(&s.address, "127.0.42.61:PORT")
        }
        "B82" => {
            let s = RawServer::start("127.0.42.62", |_| json_response(404, r#"{"error":{"code":"NotFound"}}"#));
            list_via(&s).replace(&s.address, "127.0.42.62:PORT")
        }
        other => panic!("docs/bad-input.md has a case {} that this test does not know", other),
    }
}

#[test]
fn every_documented_case_behaves_as_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/bad-input.md")).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    let module_tests =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/powershell/TextInput.Tests.ps1")).unwrap();
    for line in doc.lines().filter(|l| l.starts_with("| B")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let id = cells[0].trim_start_matches("| ").trim();
        let outcome = cells.last().unwrap().trim_end_matches(" |").trim().trim_matches('`');
        if cells[1].contains("(module)") {
            // Refused by the PowerShell module before the library could see it: the Pester file runs the row in
            // real pwsh and compares this Outcome exactly. Here: that it does run it.
            if !module_tests.contains(&format!("Id = '{}'", id)) {
                failures.push(format!("{}: a (module) row that tests/powershell/TextInput.Tests.ps1 does not run", id));
            }
            checked += 1;
            continue;
        }
        let actual = run_case(id);
        let ok = match outcome.strip_suffix(" …") {
            Some(prefix) => actual.starts_with(prefix),
            None => actual == outcome,
        };
        if !ok {
            failures.push(format!("{}: documented `{}`\n      actual `{}`", id, outcome, actual));
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {} cases documented", checked);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let claim = format!("`docs/bad-input.md` lists {} of them", checked);
    assert!(readme.contains(&claim), "README.md must say \"{}\" (the table has {} rows)", claim, checked);
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), checked, failures.join("\n"));
}

/// Routing's name matcher for a plan made outside an operation (addresses only here: nothing is resolved).
fn names() -> clustron_dkv::planning::route::ServerMatcher {
    let deadline = clustron_dkv::deadline::Deadline::after(std::time::Duration::from_secs(10));
    clustron_dkv::planning::route::ServerMatcher::new(&deadline, None)
}
