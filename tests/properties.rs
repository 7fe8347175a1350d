//! Property tests: hostile input to the parsers and the C ABI never panics, and what must round-trip does.
use clustron_dkv::ffi::*;
use clustron_dkv::net::address::{ManagerEndpoint, DEFAULT_PORT};
use clustron_dkv::net::wire::{self, StopDoc, StoreDoc};
use clustron_dkv::planning::names::encode_segment;
use proptest::prelude::*;
use std::ffi::CString;
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
}
