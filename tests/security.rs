//! Credentials and TLS: what is sent, what is never shown, and certificate verification on by default.
mod support;

use clustron_dkv::ffi::*;
use clustron_dkv::{Credentials, ErrorKind, Operation, Session, Targets, TransportOptions};
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr;
use support::raw::{json_response, RawServer};

const SECRET: &str = "tok-S3CR3T-5ebd";

fn not_found(_: &str) -> Vec<u8> {
    json_response(404, r#"{"error":{"code":"StoreNotFound","message":"Store 'OrdersStore' was not found."}}"#)
}

fn take(p: *mut c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().to_string();
    unsafe { dkv_free_string(p) };
    s
}

#[test]
fn a_bearer_token_is_sent_and_never_shown() {
    let server = RawServer::start("127.0.41.11", not_found);
    let managers = [CString::new(server.address.clone()).unwrap()];
    let list: Vec<*const c_char> = managers.iter().map(|m| m.as_ptr()).collect();
    let token = CString::new(SECRET).unwrap();
    let options = DkvConnectOptions {
        struct_size: std::mem::size_of::<DkvConnectOptions>() as u32,
        skip_certificate_check: 0,
        bearer_token: token.as_ptr(),
        user: ptr::null(),
        password: ptr::null(),
    };
    let mut session = ptr::null_mut();
    let mut err = ptr::null_mut();
    let rc = unsafe { dkv_connect_ex(list.as_ptr(), 1, 0, 5, &options, &mut session, &mut err) };
    assert_eq!(rc, DKV_OK, "{}", take(err));
    let store = CString::new("OrdersStore").unwrap();
    let mut info = ptr::null_mut();
    let rc = unsafe { dkv_get_store(session, ptr::null(), 0, 0, store.as_ptr(), 0, &mut info, &mut err) };
    assert_eq!(rc, DKV_ERR_STORE_NOT_FOUND);
    let message = take(err);
    assert!(!message.contains(SECRET), "{}", message);
    let heads = server.heads();
    assert!(heads[0].contains(&format!("Authorization: Bearer {}\r\n", SECRET)), "{:?}", heads);
    unsafe { dkv_disconnect(session) };
}

#[test]
fn credentials_stay_out_of_logs_errors_and_results() {
    let server = RawServer::start("127.0.41.12", |head| {
        if head.starts_with("GET") {
            json_response(200, r#"{"name":"S","instances":[{"name":"n1","server":"127.0.41.12","status":"Running"}]}"#)
        } else {
            json_response(500, r#"{"error":{"code":"Boom","message":"disk full"}}"#)
        }
    });
    let options = TransportOptions {
        credentials: Credentials::from_parts(None, Some("admin".into()), Some(SECRET.into())).unwrap(),
        skip_certificate_check: false,
    };
    let session = Session::connect_with(&[server.address.as_str()], None, Some(5), &options).unwrap();
    let targets = Targets::resolve::<&str>(Some(&session), &[], None, None).unwrap();
    let mut req = support::request("S");
    req.force = true;
    let op = Operation::begin(targets, req).unwrap();
    op.wait(None);
    let rows = op.results().unwrap();
    let everything = format!("{:?} {:?} {:?}", rows, op.progress(0), options);
    assert!(!everything.contains(SECRET), "{}", everything);
    assert!(server.heads().iter().all(|h| h.contains("Authorization: Basic ")));
}

#[test]
fn redirects_are_refused_with_the_target_named() {
    let server = RawServer::start("127.0.41.13", |_| {
        b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.41.99:7801/admin/v1/stores/S\r\nContent-Length: 0\r\n\r\n"
            .to_vec()
    });
    let targets = Targets::resolve(None, &[server.address.as_str()], None, Some(5)).unwrap();
    let e = Operation::run(targets, support::request("S")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unreachable);
    assert!(e.message.contains("redirect") && e.message.contains("127.0.41.99:7801"), "{}", e.message);
}

#[test]
fn oversized_and_non_json_bodies_are_refused() {
    let big = RawServer::start("127.0.41.14", |_| {
        let body = "x".repeat(9 * 1024 * 1024);
        json_response(200, &body)
    });
    let targets = Targets::resolve(None, &[big.address.as_str()], None, Some(5)).unwrap();
    let e = Operation::run(targets, support::request("S")).unwrap_err();
    assert!(e.message.contains("larger than 8388608 bytes"), "{}", e.message);

    let html = RawServer::start("127.0.41.15", |_| {
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>".to_vec()
    });
    let targets = Targets::resolve(None, &[html.address.as_str()], None, Some(5)).unwrap();
    let e = Operation::run(targets, support::request("S")).unwrap_err();
    assert!(e.message.contains("unexpected response body"), "{}", e.message);
}
