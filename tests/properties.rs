//! Property tests: hostile input to the parsers and the C ABI never panics, and what must round-trip does.
use clustron_dkv::ffi::*;
use clustron_dkv::net::address::{ManagerEndpoint, DEFAULT_PORT};
use clustron_dkv::net::wire::{self, StopDoc, StoreDoc};
use clustron_dkv::planning::names::{encode_segment, validate_name};
use dkv_refmanager::{Config, InstanceLayout, Layout, RefManager, StoreLayout};
use proptest::prelude::*;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr;

fn decode(encoded: &str) -> Vec<u8> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&encoded[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// A NUL-terminated copy of arbitrary bytes (cut at the first NUL, as C would see them).
fn c_bytes(bytes: &[u8]) -> CString {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).unwrap()
}

fn free_error(err: *mut c_char) {
    unsafe { dkv_free_string(err) };
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn address_parsing_never_panics(input in ".{0,80}") {
        let _ = ManagerEndpoint::parse(&input, DEFAULT_PORT);
    }

    #[test]
    fn valid_addresses_round_trip(a in 0u8..=255, b in 0u8..=255, port in 1u16..=65535, name in "[a-z][a-z0-9-]{0,20}(\\.[a-z][a-z0-9]{0,10}){0,3}") {
        let ip = format!("10.{}.{}.7", a, b);
        let parsed = ManagerEndpoint::parse(&format!("{}:{}", ip, port), DEFAULT_PORT).unwrap();
        prop_assert_eq!(parsed.display_name(), format!("{}:{}", ip, port));
        let named = ManagerEndpoint::parse(&format!("http://{}:{}", name, port), DEFAULT_PORT).unwrap();
        prop_assert_eq!(named.base_url(), format!("http://{}:{}", name, port));
        let v6 = ManagerEndpoint::parse(&format!("[fd00::{:x}]:{}", port, port), DEFAULT_PORT).unwrap();
        prop_assert_eq!(v6.display_name(), format!("[fd00::{:x}]:{}", port, port));
    }

    #[test]
    fn any_name_encodes_to_one_safe_segment(name in any::<String>()) {
        let encoded = encode_segment(&name);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        prop_assert!(!encoded.contains('/'));
        prop_assert_eq!(decode(&encoded), name.as_bytes().to_vec());
    }

    #[test]
    fn response_parsing_never_panics(body in any::<String>()) {
        let _ = wire::parse::<StoreDoc>(&body);
        let _ = wire::parse::<StopDoc>(&body);
        let _ = wire::parse_safety(&body, None);
        let _ = wire::parse_safety(&body, Some("orders-1"));
        let text = wire::error_text(500, &body);
        prop_assert!(!text.is_empty());
        prop_assert!(text.chars().count() <= 513);
    }

    #[test]
    fn json_shaped_bodies_never_panic(
        name in any::<String>(),
        server in any::<String>(),
        port in any::<i64>(),
        status in prop_oneof![Just("Running".to_string()), Just("Stopped".to_string()), any::<String>()],
        extra in any::<bool>(),
    ) {
        let body = serde_json::json!({
            "name": name,
            "instances": [{"name": name, "server": server, "clustronPort": port, "status": status, "x": extra}]
        }).to_string();
        let doc: StoreDoc = wire::parse(&body).unwrap();
        prop_assert_eq!(&doc.instances[0].server, &server);
    }

    #[test]
    fn c_abi_takes_arbitrary_bytes(address in proptest::collection::vec(any::<u8>(), 0..64), port in any::<i32>()) {
        let text = c_bytes(&address);
        let mut out: *mut c_char = ptr::null_mut();
        let mut err: *mut c_char = ptr::null_mut();
        let rc = unsafe { dkv_normalize_manager(text.as_ptr(), port, &mut out, &mut err) };
        prop_assert!(rc == DKV_OK || rc == DKV_ERR_INVALID_ARGUMENT);
        prop_assert_eq!(rc == DKV_OK, !out.is_null());
        prop_assert_eq!(rc != DKV_OK, !err.is_null());
        free_error(out);
        free_error(err);

        let list = [text.as_ptr()];
        let mut session = ptr::null_mut();
        let rc = unsafe { dkv_connect(list.as_ptr(), 1, port, port, &mut session, &mut err) };
        prop_assert!(rc == DKV_OK || rc == DKV_ERR_INVALID_ARGUMENT);
        free_error(err);
        unsafe { dkv_disconnect(session) };
    }

    #[test]
    fn stop_arguments_are_checked_before_anything_is_sent(
        store in proptest::collection::vec(any::<u8>(), 0..32),
        flags in any::<u32>(),
        timeout in any::<i32>(),
    ) {
        let store = c_bytes(&store);
        let mut op = ptr::null_mut();
        let mut err: *mut c_char = ptr::null_mut();
        // No session and no managers: whatever else is wrong, nothing can be contacted.
        let mut options = DkvStopOptions::for_store(store.as_ptr());
        options.flags = flags;
        options.timeout_sec = timeout;
        let rc = unsafe { dkv_stop_begin(ptr::null(), &options, &mut op, &mut err) };
        prop_assert!(rc == DKV_ERR_INVALID_ARGUMENT || rc == DKV_ERR_NO_MANAGERS, "rc {:?}", rc);
        prop_assert!(op.is_null());
        free_error(err);
    }

    /// Whatever store name the C ABI accepts is exactly the one that reaches the manager: the discovery path's
    /// segment is its percent-encoding and decodes to the very bytes given (C reads them up to the first NUL); a
    /// name it refuses sends nothing. Checked in the reference manager's request log.
    #[test]
    fn the_store_asked_about_is_exactly_the_name_given(raw in proptest::collection::vec(any::<u8>(), 0..40)) {
        let manager = store_name_manager();
        manager.clear_log();
        let name = c_bytes(&raw);
        let address = CString::new(manager.address(STORE_NAME_HOST)).unwrap();
        let list = [address.as_ptr()];
        let mut info = ptr::null_mut();
        let mut err: *mut c_char = ptr::null_mut();
        let rc = unsafe { dkv_get_store(ptr::null(), list.as_ptr(), 1, 0, name.as_ptr(), 5, &mut info, &mut err) };
        unsafe { dkv_free_store_info(info) };
        free_error(err);
        let log = manager.requests();
        if rc == DKV_ERR_INVALID_ARGUMENT {
            prop_assert!(log.is_empty(), "a refused name sent {:?}", log);
        } else {
            let text = name.to_str().expect("only UTF-8 is accepted");
            prop_assert!(!log.is_empty(), "rc {:?} and nothing sent", rc);
            let expected = format!("/admin/v1/stores/{}", encode_segment(text));
            for request in &log {
                let segment = request.path.strip_prefix("/admin/v1/stores/").unwrap_or("").split('/').next().unwrap_or("");
                prop_assert_eq!(decode(segment), name.as_bytes().to_vec());
                prop_assert!(request.path.starts_with(&expected), "{} is not under {}", request.path, expected);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A forced stop of one named node of a named store reaches exactly that node: the stop path carries both names,
    /// percent-encoded, decoding to the names given; that node is Stopped, and its neighbours, whose names differ
    /// only by a suffix or by ASCII case, still run.
    #[test]
    fn a_stop_acts_on_exactly_the_node_named(store in "\\PC{1,24}", node in "\\PC{1,24}") {
        prop_assume!(validate_name("Store name", &store).is_ok() && validate_name("Instance name", &node).is_ok());
        let host = "127.0.77.21";
        let mut names = vec![node.clone(), format!("{}-2", node)];
        if node.to_ascii_uppercase() != node {
            names.push(node.to_ascii_uppercase());
        }
        let layout = Layout {
            stores: vec![StoreLayout {
                name: store.clone(),
                partitions: 4,
                backups: 1,
                instances: names
                    .iter()
                    .map(|n| InstanceLayout {
                        name: n.clone(),
                        server: host.to_string(),
                        clustron_port: 7811,
                        client_port: 7861,
                        status: "Running".to_string(),
                    })
                    .collect(),
            }],
        };
        let manager = RefManager::start(Config::with_layout(&[host], layout)).expect("the reference manager starts");
        let (store_c, node_c) = (CString::new(store.as_str()).unwrap(), CString::new(node.as_str()).unwrap());
        let address = CString::new(manager.address(host)).unwrap();
        let managers = [address.as_ptr()];
        let instances = [node_c.as_ptr()];
        let mut options = DkvStopOptions::for_store(store_c.as_ptr());
        options.managers = managers.as_ptr();
        options.manager_count = 1;
        options.instances = instances.as_ptr();
        options.instance_count = 1;
        options.flags = DKV_STOP_FORCE as u32;
        options.timeout_sec = 10;
        let mut results = ptr::null_mut();
        let mut err: *mut c_char = ptr::null_mut();
        let rc = unsafe { dkv_stop_store(ptr::null(), &options, &mut results, &mut err) };
        let message = if err.is_null() { String::new() } else { unsafe { CStr::from_ptr(err) }.to_string_lossy().to_string() };
        free_error(err);
        unsafe { dkv_free_results(results) };
        prop_assert_eq!(rc, DKV_OK, "{}", message);
        let stops: Vec<String> = manager.requests().into_iter().filter(|r| r.method == "POST").map(|r| r.path).collect();
        prop_assert_eq!(
            &stops,
            &vec![format!("/admin/v1/stores/{}/instances/{}/stop", encode_segment(&store), encode_segment(&node))]
        );
        let segments: Vec<&str> = stops[0].split('/').collect();
        prop_assert_eq!(decode(segments[4]), store.as_bytes().to_vec());
        prop_assert_eq!(decode(segments[6]), node.as_bytes().to_vec());
        prop_assert_eq!(manager.instance_status(&store, &node), Some("Stopped".to_string()));
        for other in &names[1..] {
            prop_assert_eq!(manager.instance_status(&store, other), Some("Running".to_string()), "{} was touched", other);
        }
    }
}

const STORE_NAME_HOST: &str = "127.0.77.11";

/// One reference manager for every case of `the_store_asked_about_is_exactly_the_name_given` (the cases run one
/// after another in one test, which clears its log first).
fn store_name_manager() -> &'static RefManager {
    static MANAGER: once_cell::sync::OnceCell<RefManager> = once_cell::sync::OnceCell::new();
    MANAGER.get_or_init(|| {
        RefManager::start(Config::with_layout(&[STORE_NAME_HOST], Layout::demo()))
            .expect("the reference manager starts")
    })
}
