//! The reference manager itself: its data accounting (the "stopping without losing data" proofs), its HTTP
//! behaviour and its faults, over real sockets with a minimal client of its own (no clustron_dkv code involved).
#[allow(dead_code, unused_imports)]
use dkv_refmanager as refmanager;

use proptest::prelude::*;
use refmanager::model::{StartOutcome, StopOutcome, Store, StoreState, Timing};
use refmanager::{Accounting, Config, Fault, InstanceLayout, Layout, RefManager, StoreLayout};
use serde_json::Value;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------------------------
// A tiny HTTP client and fixtures

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    fn error_code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("").to_string()
    }
}

fn open(addr: &str, method: &str, target: &str, body: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).expect("connect to the reference manager");
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send the request");
    stream
}

fn send(addr: &str, method: &str, target: &str, body: &str) -> Reply {
    let mut stream = open(addr, method, target, body);
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the whole reply");
    let text = String::from_utf8(raw).expect("UTF-8 reply");
    let (head, body) = text.split_once("\r\n\r\n").expect("a reply head");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status code");
    Reply { status, head: head.to_string(), body: body.to_string() }
}

fn get(addr: &str, target: &str) -> Reply {
    send(addr, "GET", target, "")
}

fn post(addr: &str, target: &str) -> Reply {
    send(addr, "POST", target, "")
}

fn stop_path(store: &str, instance: &str) -> String {
    format!("/admin/v1/stores/{store}/instances/{instance}/stop")
}

/// The demo layout on this test's own loopback addresses, so tests run in parallel without sharing managers.
fn hosts(base: u8) -> Vec<String> {
    (0..3).map(|i| format!("127.0.{base}.{}", 11 + i)).collect()
}

fn demo_on(base: u8, tune: impl FnOnce(&mut Config)) -> (RefManager, Vec<String>) {
    let hosts = hosts(base);
    let mut layout = Layout::demo();
    for store in &mut layout.stores {
        for node in &mut store.instances {
            let index = ["127.0.0.11", "127.0.0.12", "127.0.0.13"]
                .iter()
                .position(|h| *h == node.server)
                .expect("demo servers are .11-.13");
            node.server = hosts[index].clone();
        }
    }
    let refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let mut config = Config::with_layout(&refs, layout);
    tune(&mut config);
    let manager = RefManager::start(config).expect("the reference manager starts");
    let addresses = manager.addresses();
    (manager, addresses)
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn status_of(addr: &str, store: &str, instance: &str) -> (String, u64) {
    let store = get(addr, &format!("/admin/v1/stores/{store}")).json();
    let node = store["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .find(|n| n["name"] == instance)
        .expect("the instance is listed")
        .clone();
    (
        node["status"].as_str().unwrap_or("").to_string(),
        node["migrationsRemaining"].as_u64().expect("migrationsRemaining"),
    )
}

fn wait_stopped(addr: &str, instance: &str) {
    wait_until(&format!("{instance} is Stopped"), || status_of(addr, "OrdersStore", instance).0 == "Stopped");
}

fn node<'a>(acc: &'a Accounting, name: &str) -> &'a refmanager::InstanceAccounting {
    acc.per_instance.iter().find(|i| i.name == name).expect("instance in accounting")
}

fn assert_conserved(acc: &Accounting) {
    assert_eq!(acc.live_partitions + acc.persisted_only + acc.lost, acc.partitions, "{acc:?}");
}

// ---------------------------------------------------------------------------------------------------------------
// (a)-(d): data accounting over HTTP

#[test]
fn a_graceful_stop_of_one_node_moves_its_replicas_to_the_survivors_and_loses_nothing() {
    let (m, addr) = demo_on(201, |c| c.migration_ms_per_partition = 30);
    let before = m.accounting("OrdersStore").unwrap();
    assert_eq!(node(&before, "orders-1").held, 8, "12 partitions x 2 copies over 3 nodes: {before:?}");

    let reply = post(&addr[0], &stop_path("OrdersStore", "orders-1"));
    assert_eq!(reply.status, 202, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["status"], "Stopping");
    assert_eq!(body["instance"], "orders-1");
    assert_eq!(body["migrationsRemaining"], 8);

    let mut seen = vec![8];
    wait_until("orders-1 is Stopped", || {
        let (status, remaining) = status_of(&addr[2], "OrdersStore", "orders-1");
        seen.push(remaining);
        status == "Stopped"
    });
    assert!(seen.windows(2).all(|w| w[1] <= w[0]), "migrationsRemaining went up: {seen:?}");
    assert_eq!(*seen.last().unwrap(), 0);

    let acc = m.accounting("OrdersStore").unwrap();
    assert_eq!((acc.lost, acc.migrations, acc.migrations_pending), (0, 8, 0), "{acc:?}");
    let stopped = node(&acc, "orders-1");
    assert_eq!((stopped.held, stopped.migrated_out, stopped.persisted), (0, 8, 0), "{acc:?}");
    for survivor in ["orders-2", "orders-3"] {
        let n = node(&acc, survivor);
        assert_eq!((n.held, n.received), (12, 4), "{acc:?}");
    }
    assert_conserved(&acc);
}

#[test]
fn b_a_passive_whole_store_stop_loses_nothing_and_migrates_nothing() {
    let (m, addr) = demo_on(202, |_| {});
    let reply = send(&addr[1], "PUT", "/admin/v1/stores/OrdersStore/state", r#"{"state":"Passive"}"#);
    assert_eq!((reply.status, reply.json()["state"].clone()), (200, Value::from("Passive")));
    assert_eq!(get(&addr[2], "/admin/v1/stores/OrdersStore/state").json()["state"], "Passive");

    for (i, name) in ["orders-1", "orders-2", "orders-3"].iter().enumerate() {
        let reply = post(&addr[i], &stop_path("OrdersStore", name));
        assert_eq!(reply.status, 202, "{}", reply.body);
        assert_eq!(reply.json()["migrationsRemaining"], 0);
    }
    for name in ["orders-1", "orders-2", "orders-3"] {
        wait_stopped(&addr[0], name);
    }
    let acc = m.accounting("OrdersStore").unwrap();
    assert_eq!((acc.lost, acc.migrations), (0, 0), "{acc:?}");
    assert_eq!((acc.live_partitions, acc.persisted_only), (0, 12), "{acc:?}");
    assert!(acc.per_instance.iter().all(|n| n.persisted == 8 && n.peak == 8 && n.held == 0), "{acc:?}");
}

#[test]
fn c_one_by_one_graceful_stops_without_passive_pile_everything_onto_the_last_node() {
    let (m, addr) = demo_on(203, |c| c.migration_ms_per_partition = 5);
    for (i, name) in ["orders-1", "orders-2", "orders-3"].iter().enumerate() {
        assert_eq!(post(&addr[i], &stop_path("OrdersStore", name)).status, 202);
        wait_stopped(&addr[0], name);
    }
    let acc = m.accounting("OrdersStore").unwrap();
    let last = node(&acc, "orders-3");
    assert_eq!(last.peak, acc.partitions, "the last node held every partition at once: {acc:?}");
    assert!(acc.migrations > 0, "{acc:?}");
    // Nothing is lost only because the last node, with nowhere to hand off, wrote everything to disk.
    assert_eq!(acc.lost, 0, "{acc:?}");
    assert_eq!((last.persisted, acc.persisted_only, acc.live_partitions), (12, 12, 0), "{acc:?}");
    assert_conserved(&acc);
}

#[test]
fn d_a_forced_stop_during_pending_migrations_loses_data_and_safety_said_unsafe() {
    let (m, addr) = demo_on(204, |c| c.migration_ms_per_partition = 60_000);
    let safety = get(&addr[0], "/admin/v1/stores/OrdersStore/safety").json();
    assert_eq!((safety["safe"].clone(), safety["migrationsPending"].clone()), (Value::from(true), Value::from(0)));

    let reply = post(&addr[0], &format!("{}?force=true", stop_path("OrdersStore", "orders-1")));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["status"], "Stopped");
    assert_eq!(m.accounting("OrdersStore").unwrap().lost, 0, "one copy of each partition survives");

    let safety = get(&addr[1], "/admin/v1/stores/OrdersStore/safety").json();
    assert_eq!(safety["safe"], false, "{safety}");
    assert_eq!(safety["backupsInSync"], false, "{safety}");
    assert_eq!(safety["migrationsPending"], 8, "{safety}");
    let orders2 = safety["instances"].as_array().unwrap().iter().find(|i| i["name"] == "orders-2").unwrap();
    assert_eq!(orders2["safe"], false, "{safety}");

    assert_eq!(post(&addr[1], &format!("{}?force=true", stop_path("OrdersStore", "orders-2"))).status, 200);
    let acc = m.accounting("OrdersStore").unwrap();
    // Partitions 0, 3, 6, 9 lived on orders-1 and orders-2 only; their rebuilds on orders-3 had not run.
    assert_eq!(acc.lost_partitions, vec![0, 3, 6, 9], "{acc:?}");
    assert_conserved(&acc);
}

#[test]
fn d_control_the_same_forced_stop_after_waiting_until_safe_loses_nothing() {
    let (m, addr) = demo_on(205, |c| c.migration_ms_per_partition = 5);
    assert_eq!(post(&addr[0], &format!("{}?force=true", stop_path("OrdersStore", "orders-1"))).status, 200);
    wait_until("the store is safe again", || {
        get(&addr[1], "/admin/v1/stores/OrdersStore/safety").json()["safe"] == true
    });
    assert_eq!(post(&addr[1], &format!("{}?force=true", stop_path("OrdersStore", "orders-2"))).status, 200);
    let acc = m.accounting("OrdersStore").unwrap();
    assert_eq!(acc.lost, 0, "{acc:?}");
    assert_eq!(node(&acc, "orders-3").held, 12, "{acc:?}");
}

// ---------------------------------------------------------------------------------------------------------------
// (e): HTTP behaviour

#[test]
fn restopping_a_stopped_node_is_409_and_a_stopping_one_202_again() {
    let (m, addr) = demo_on(206, |c| c.migration_ms_per_partition = 60_000);
    assert_eq!(post(&addr[0], &stop_path("OrdersStore", "orders-1")).status, 202);
    let again = post(&addr[0], &stop_path("OrdersStore", "orders-1"));
    assert_eq!((again.status, again.json()["status"].clone()), (202, Value::from("Stopping")));
    assert_eq!(again.json()["migrationsRemaining"], 8);

    let forced = post(&addr[1], &format!("{}?force=TRUE", stop_path("OrdersStore", "orders-2")));
    assert_eq!(forced.status, 200);
    let third = post(&addr[1], &stop_path("OrdersStore", "orders-2"));
    assert_eq!((third.status, third.error_code()), (409, "AlreadyStopped".to_string()));
    let third_forced = post(&addr[1], &format!("{}?force=true", stop_path("OrdersStore", "orders-2")));
    assert_eq!(third_forced.status, 409);
    assert_eq!(m.instance_status("OrdersStore", "orders-2").as_deref(), Some("Stopped"));
    assert_eq!(post(&addr[1], &format!("{}?force=maybe", stop_path("OrdersStore", "orders-2"))).status, 400);
}

#[test]
fn a_stop_on_the_wrong_manager_is_404_not_hosted_and_changes_nothing() {
    let (m, addr) = demo_on(207, |_| {});
    let reply = post(&addr[1], &stop_path("OrdersStore", "orders-1"));
    assert_eq!((reply.status, reply.error_code()), (404, "NotHosted".to_string()));
    assert!(reply.json()["error"]["message"].as_str().unwrap().contains(&hosts(207)[0]));
    assert_eq!(m.instance_status("OrdersStore", "orders-1").as_deref(), Some("Running"));

    let unknown = post(&addr[0], &stop_path("OrdersStore", "orders-9"));
    assert_eq!((unknown.status, unknown.error_code()), (404, "InstanceNotFound".to_string()));
    let message = unknown.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("orders-1, orders-2, orders-3"), "{message}");
    let no_store = get(&addr[2], "/admin/v1/stores/NoSuchStore");
    assert_eq!((no_store.status, no_store.error_code()), (404, "StoreNotFound".to_string()));
}

#[test]
fn percent_encoded_names_are_decoded_per_segment_and_logged_raw() {
    let hosts = hosts(208);
    let layout = Layout {
        stores: vec![StoreLayout {
            name: "Orders Store/é".to_string(),
            partitions: 4,
            backups: 1,
            instances: vec![InstanceLayout {
                name: "node 1?".to_string(),
                server: hosts[0].clone(),
                clustron_port: 7811,
                client_port: 7861,
                status: "Running".to_string(),
            }],
        }],
    };
    let refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let m = RefManager::start(Config::with_layout(&refs, layout)).unwrap();
    let addr = m.address(&hosts[0]);

    let store = get(&addr, "/admin/v1/stores/Orders%20Store%2F%C3%A9");
    assert_eq!((store.status, store.json()["name"].clone()), (200, Value::from("Orders Store/é")));
    // A raw slash is a segment separator, not part of the name.
    assert_eq!(get(&addr, "/admin/v1/stores/Orders%20Store/%C3%A9").status, 404);
    assert_eq!(get(&addr, "/admin/v1/stores/Orders%2").status, 400);
    assert_eq!(get(&addr, "/admin/v1/stores/%FF").status, 400, "not UTF-8");

    let stop = post(&addr, "/admin/v1/stores/Orders%20Store%2F%C3%A9/instances/node%201%3F/stop?force=true");
    assert_eq!((stop.status, stop.json()["instance"].clone()), (200, Value::from("node 1?")));
    let logged = m.requests().into_iter().find(|r| r.method == "POST").expect("the stop is logged");
    assert_eq!(logged.path, "/admin/v1/stores/Orders%20Store%2F%C3%A9/instances/node%201%3F/stop");
    assert_eq!(logged.query, "force=true");
    assert_eq!((logged.status, logged.manager.as_str()), (200, hosts[0].as_str()));
}

#[test]
fn disabled_extension_endpoints_answer_404_like_an_old_manager() {
    let (_m, addr) = demo_on(209, |c| {
        c.safety_endpoint = false;
        c.state_endpoint = false;
    });
    assert_eq!(get(&addr[0], "/admin/v1/stores/OrdersStore/safety").status, 404);
    assert_eq!(get(&addr[0], "/admin/v1/stores/OrdersStore/state").status, 404);
    let put = send(&addr[0], "PUT", "/admin/v1/stores/OrdersStore/state", r#"{"state":"Passive"}"#);
    assert_eq!(put.status, 404);
    assert_eq!(get(&addr[0], "/admin/v1/stores/OrdersStore").status, 200);
}

#[test]
fn methods_bad_requests_and_bad_state_bodies() {
    let (_m, addr) = demo_on(210, |_| {});
    let head = send(&addr[0], "HEAD", "/admin/v1/stores/OrdersStore", "");
    assert_eq!(head.status, 405);
    assert!(head.head.contains("Allow: GET"), "{}", head.head);
    assert_eq!(get(&addr[0], &stop_path("OrdersStore", "orders-1")).status, 405);
    assert_eq!(send(&addr[0], "DELETE", "/admin/v1/stores/OrdersStore", "").status, 405);
    assert_eq!(get(&addr[0], "/admin/v2/whatever").status, 404);
    let bad_state = send(&addr[0], "PUT", "/admin/v1/stores/OrdersStore/state", r#"{"state":"Sleepy"}"#);
    assert_eq!((bad_state.status, bad_state.error_code()), (400, "InvalidState".to_string()));
    assert_eq!(send(&addr[0], "PUT", "/admin/v1/stores/OrdersStore/state", "{").status, 400);

    let mut garbage = TcpStream::connect(&addr[0]).unwrap();
    garbage.write_all(b"this is not http\r\n\r\n").unwrap();
    let mut reply = String::new();
    garbage.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 400 "), "{reply}");
}

#[test]
fn a_chunked_state_body_is_read() {
    let (m, addr) = demo_on(211, |_| {});
    let mut stream = TcpStream::connect(&addr[0]).unwrap();
    let body = r#"{"state":"Passive"}"#;
    let request = format!(
        "PUT /admin/v1/stores/CartStore/state HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
         5\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        &body[..5],
        body.len() - 5,
        &body[5..]
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 "), "{reply}");
    assert_eq!(m.accounting("CartStore").unwrap().state, "Passive");
}

#[test]
fn hang_holds_the_connection_until_shutdown_and_control_stays_reachable() {
    let (m, addr) = demo_on(212, |_| {});
    m.set_fault(&hosts(212)[1], Fault::Hang);
    let mut hung = open(&addr[1], "POST", &stop_path("OrdersStore", "orders-2"), "");
    hung.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let mut buf = [0u8; 64];
    let err = hung.read(&mut buf).expect_err("no answer while hanging");
    assert!(matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "{err:?}");

    // Control endpoints on the same host are never faulted; the hanging stop changed nothing.
    let log = get(&addr[1], "/_control/log").json();
    let entry = log.as_array().unwrap().iter().find(|r| r["method"] == "POST").expect("logged on arrival").clone();
    assert_eq!((entry["status"].clone(), entry["fault"].clone()), (Value::from(0), Value::from("hang")));
    assert_eq!(m.instance_status("OrdersStore", "orders-2").as_deref(), Some("Running"));
    assert_eq!(get(&addr[0], "/admin/v1/stores/OrdersStore").status, 200, "other managers are unaffected");

    let started = Instant::now();
    m.shutdown();
    assert!(started.elapsed() < Duration::from_secs(5), "shutdown ends the hanging connection thread");
    hung.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    match hung.read(&mut buf) {
        Ok(n) => assert_eq!(n, 0, "closed without an answer"),
        Err(e) => assert_ne!(e.kind(), ErrorKind::WouldBlock, "still open after shutdown"),
    }
}

#[test]
fn drip_sends_headers_then_one_body_byte_per_second() {
    let (m, addr) = demo_on(213, |_| {});
    m.set_fault(&hosts(213)[0], Fault::Drip);
    let mut stream = open(&addr[0], "GET", "/admin/v1/stores/OrdersStore", "");
    stream.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let mut raw = Vec::new();
    let deadline = Instant::now() + Duration::from_millis(3_500);
    let mut buf = [0u8; 1024];
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").expect("headers arrive at once");
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.parse().ok())
        .expect("a Content-Length");
    assert!(length > 100, "{length}");
    assert!((1..=4).contains(&body.len()), "3.5 s should give about 3 body bytes, got {:?}", body);
    assert!(body.starts_with('{'), "the real body, dripped: {body:?}");
}

#[test]
fn reset_closes_with_rst_and_changes_nothing() {
    let (m, addr) = demo_on(214, |_| {});
    m.set_fault(&hosts(214)[0], Fault::Reset);
    let mut stream = open(&addr[0], "POST", &stop_path("OrdersStore", "orders-1"), "");
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 64];
    let err = stream.read(&mut buf).expect_err("a reset, not an answer or a clean close");
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err:?}");
    assert_eq!(m.instance_status("OrdersStore", "orders-1").as_deref(), Some("Running"));
}

#[test]
fn status500_and_malformed_bodies() {
    let (m, addr) = demo_on(215, |_| {});
    let h = hosts(215);
    m.set_fault(&h[0], Fault::Status500);
    let failed = post(&addr[0], &stop_path("OrdersStore", "orders-1"));
    assert_eq!((failed.status, failed.error_code()), (500, "InjectedFault".to_string()));
    assert_eq!(m.instance_status("OrdersStore", "orders-1").as_deref(), Some("Running"));

    m.set_fault(&h[1], Fault::Malformed);
    let garbled = get(&addr[1], "/admin/v1/stores/OrdersStore");
    assert_eq!(garbled.status, 200);
    assert!(serde_json::from_str::<Value>(&garbled.body).is_err(), "{}", garbled.body);
    assert!(garbled.head.contains(&format!("Content-Length: {}", garbled.body.len())), "{}", garbled.head);

    // Faults are per manager and cleared by reset (over the control API here).
    assert_eq!(get(&addr[2], "/admin/v1/stores/OrdersStore").status, 200);
    let set = send(&addr[2], "POST", "/_control/fault", &format!(r#"{{"host":"{}","fault":"latency:10"}}"#, h[2]));
    assert_eq!((set.status, set.json()["fault"].clone()), (200, Value::from("latency:10")));
    assert_eq!(send(&addr[2], "POST", "/_control/fault", r#"{"host":"10.9.9.9","fault":"hang"}"#).status, 404);
    assert_eq!(send(&addr[2], "POST", "/_control/fault", &format!(r#"{{"host":"{}","fault":"x"}}"#, h[2])).status, 400);
    assert_eq!(post(&addr[0], "/_control/reset").status, 200);
    assert_eq!(post(&addr[0], &stop_path("OrdersStore", "orders-1")).status, 202);
    assert_eq!(get(&addr[1], "/admin/v1/stores/OrdersStore").json()["name"], "OrdersStore");
}

#[test]
fn latency_delays_the_answer_and_the_log_proves_overlap() {
    let (m, addr) = demo_on(216, |_| {});
    for h in hosts(216) {
        m.set_fault(&h, Fault::Latency(400));
    }
    let started = Instant::now();
    let threads: Vec<_> = addr
        .iter()
        .cloned()
        .map(|a| std::thread::spawn(move || get(&a, "/admin/v1/stores/OrdersStore").status))
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    assert!(started.elapsed() >= Duration::from_millis(400));
    let log = m.requests();
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(log.iter().all(|r| r.end_ms >= r.start_ms + 400 && r.fault == "latency:400"), "{log:?}");
    let overlap = log.iter().map(|r| r.start_ms).max() < log.iter().map(|r| r.end_ms).min();
    assert!(overlap, "the three requests were in flight at once: {log:?}");
    assert_eq!(log.iter().map(|r| r.seq).collect::<Vec<_>>(), {
        let mut seqs: Vec<u64> = log.iter().map(|r| r.seq).collect();
        seqs.sort_unstable();
        seqs
    });
    m.clear_log();
    assert!(m.requests().is_empty());
}

#[test]
fn control_endpoints_report_accounting_instances_and_reset() {
    let (m, addr) = demo_on(217, |_| {});
    let acc = get(&addr[0], "/_control/accounting/OrdersStore").json();
    assert_eq!((acc["partitions"].clone(), acc["lost"].clone()), (Value::from(12), Value::from(0)));
    assert_eq!(acc["perInstance"].as_array().unwrap().len(), 3);
    assert_eq!(get(&addr[0], "/_control/accounting/Nope").status, 404);

    assert_eq!(post(&addr[0], &format!("{}?force=true", stop_path("CartStore", "cart-1"))).status, 200);
    let instances = get(&addr[1], "/_control/instances/CartStore").json();
    let statuses: Vec<&str> =
        instances["instances"].as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["Stopped", "Running"]);
    assert!(get(&addr[1], "/_control/log")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["path"].as_str().unwrap().starts_with("/admin/")));

    let state = send(&addr[2], "POST", "/_control/state/CartStore", r#"{"state":"Passive"}"#);
    assert_eq!(state.status, 200);
    m.reset();
    assert_eq!(m.instance_status("CartStore", "cart-1").as_deref(), Some("Running"));
    assert_eq!(m.accounting("CartStore").unwrap().state, "Active");
    assert_eq!(get(&addr[0], "/_control/nothing").status, 404);
    assert_eq!(get(&addr[0], "/_control/reset").status, 405);
}

#[test]
fn port_zero_picks_one_port_for_every_host_and_shutdown_frees_it() {
    let (m, addr) = demo_on(218, |_| {});
    let port = m.port();
    assert_ne!(port, 0);
    let expected: Vec<String> = hosts(218).iter().map(|h| format!("{h}:{port}")).collect();
    assert_eq!(addr, expected);
    assert_eq!(m.address("127.0.218.12"), expected[1]);
    m.shutdown();
    for a in &expected {
        assert!(TcpStream::connect(a).is_err(), "{a} still accepts after shutdown");
    }
    let again =
        RefManager::start(Config { port, ..Config::with_layout(&["127.0.218.11", "127.0.218.12"], Layout::demo()) })
            .expect("the port is free again");
    assert_eq!(again.port(), port);
}

#[test]
fn demo_layout_matches_the_reference_table() {
    let layout = Layout::demo();
    let orders = &layout.stores[0];
    assert_eq!((orders.name.as_str(), orders.partitions, orders.backups), ("OrdersStore", 12, 1));
    let rows: Vec<(&str, &str, u16, u16)> =
        orders.instances.iter().map(|i| (i.name.as_str(), i.server.as_str(), i.clustron_port, i.client_port)).collect();
    assert_eq!(
        rows,
        [
            ("orders-1", "127.0.0.11", 7811, 7861),
            ("orders-2", "127.0.0.12", 7811, 7861),
            ("orders-3", "127.0.0.13", 7811, 7861)
        ]
    );
    let cart: Vec<(&str, &str)> =
        layout.stores[1].instances.iter().map(|i| (i.name.as_str(), i.server.as_str())).collect();
    assert_eq!(cart, [("cart-1", "127.0.0.11"), ("cart-2", "127.0.0.12")]);
    assert_eq!(Config::demo().hosts, ["127.0.0.11", "127.0.0.12", "127.0.0.13"]);
    assert!(Layout::from_json(r#"{"stores":[{"name":"A","instances":[]},{"name":"A","instances":[]}]}"#).is_err());
    assert!(Layout::from_json(r#"{"stores":[],"extra":1}"#).is_err());
}

// ---------------------------------------------------------------------------------------------------------------
// The model with explicit time: exact migration pacing, and invariants under random operation sequences

fn store(nodes: usize, partitions: u32, backups: u32, timing: Timing) -> Store {
    let layout = StoreLayout {
        name: "S".to_string(),
        partitions,
        backups,
        instances: (0..nodes)
            .map(|i| InstanceLayout {
                name: format!("n{i}"),
                server: "127.0.0.1".to_string(),
                clustron_port: 7811,
                client_port: 7861,
                status: "Running".to_string(),
            })
            .collect(),
    };
    Store::new(&layout, timing)
}

fn remaining(s: &Store, node: usize) -> (String, u64) {
    let json = s.to_json();
    let n = &json["instances"][node];
    (n["status"].as_str().unwrap().to_string(), n["migrationsRemaining"].as_u64().unwrap())
}

#[test]
fn migrations_complete_one_per_interval_then_the_stop_delay_runs() {
    let timing = Timing { migration_ms: 100, stop_delay_ms: 50, start_delay_ms: 40 };
    let mut s = store(3, 12, 1, timing);
    let outcome = s.stop(0, false, 1_000);
    assert!(matches!(outcome, StopOutcome::Stopping { migrations_remaining: 8, .. }), "{outcome:?}");
    for k in 0..8u64 {
        s.advance(1_000 + 100 * k + 99);
        assert_eq!(remaining(&s, 0), ("Stopping".to_string(), 8 - k));
        s.advance(1_000 + 100 * (k + 1));
        assert_eq!(remaining(&s, 0), ("Stopping".to_string(), 7 - k));
    }
    s.advance(1_849);
    assert_eq!(remaining(&s, 0).0, "Stopping");
    s.advance(1_850);
    assert_eq!(remaining(&s, 0).0, "Stopped");
    let acc = s.accounting();
    assert_eq!((acc.migrations, acc.lost), (8, 0));
}

#[test]
fn going_passive_mid_handoff_persists_the_rest_and_freezes_rebuilds_until_active() {
    let timing = Timing { migration_ms: 100, stop_delay_ms: 0, start_delay_ms: 40 };
    let mut s = store(4, 12, 1, timing);
    let held = s.accounting().per_instance[0].held;
    s.stop(0, false, 0);
    s.set_state(StoreState::Passive, 250);
    s.advance(250);
    let acc = s.accounting();
    assert_eq!(remaining(&s, 0).0, "Stopped");
    assert_eq!((acc.migrations, acc.lost), (2, 0), "{acc:?}");
    assert_eq!(acc.per_instance[0].persisted, held - 2, "{acc:?}");

    assert_eq!(s.stop(1, true, 300), StopOutcome::Stopped);
    let pending = s.accounting().migrations_pending;
    assert!(pending > 0, "the forced stop left partitions with too few copies");
    assert_eq!(s.safety_json()["safe"], false);
    s.advance(100_000);
    let frozen = s.accounting();
    assert_eq!((frozen.migrations_pending, frozen.migrations), (pending, 2), "nothing moves while passive");

    s.set_state(StoreState::Active, 100_000);
    for k in 1..=pending as u64 {
        s.advance(100_000 + 100 * k - 1);
        assert_eq!(s.accounting().migrations_pending as u64, pending as u64 - k + 1);
        s.advance(100_000 + 100 * k);
        assert_eq!(s.accounting().migrations_pending as u64, pending as u64 - k);
    }
    let acc = s.accounting();
    assert_eq!((acc.migrations, acc.lost), (2 + pending as u64, 0), "{acc:?}");
    assert_eq!(s.safety_json()["safe"], true);
}

#[test]
fn a_node_started_after_a_passive_whole_store_stop_takes_its_partitions_back_without_migration() {
    let timing = Timing { migration_ms: 100, stop_delay_ms: 10, start_delay_ms: 40 };
    let mut s = store(3, 12, 1, timing);
    let held: Vec<u32> = s.accounting().per_instance.iter().map(|n| n.held).collect();
    s.set_state(StoreState::Passive, 0);
    for node in 0..3 {
        s.stop(node, false, 0);
    }
    s.advance(100);
    let stopped = s.accounting();
    assert!(stopped.per_instance.iter().all(|n| n.status == "Stopped"), "{stopped:?}");
    assert_eq!((stopped.persisted_only, stopped.lost, stopped.migrations), (12, 0, 0), "{stopped:?}");

    for node in 0..3 {
        assert_eq!(s.start(node, 1_000), StartOutcome::Starting);
    }
    s.advance(1_039);
    assert!(s.accounting().per_instance.iter().all(|n| n.status == "Starting" && n.held == 0));
    s.advance(1_040);
    let back = s.accounting();
    assert_eq!(back.per_instance.iter().map(|n| n.held).collect::<Vec<_>>(), held, "{back:?}");
    assert_eq!(back.per_instance.iter().map(|n| n.restored).collect::<Vec<_>>(), held, "{back:?}");
    assert_eq!((back.live_partitions, back.persisted_only, back.lost, back.migrations), (12, 0, 0, 0), "{back:?}");
    s.set_state(StoreState::Active, 1_040);
    s.advance(10_000);
    let active = s.accounting();
    assert_eq!((active.migrations, active.migrations_pending), (0, 0), "nothing to migrate: {active:?}");
    assert_eq!(s.safety_json()["safe"], true);
}

#[test]
fn a_node_started_after_a_forced_stop_gets_its_backups_recreated_by_migrations() {
    let timing = Timing { migration_ms: 100, stop_delay_ms: 10, start_delay_ms: 40 };
    let mut s = store(2, 6, 1, timing);
    assert_eq!(s.stop(1, true, 0), StopOutcome::Stopped);
    assert_eq!(s.accounting().lost, 0, "every partition had a copy on node 0");
    assert_eq!(s.start(1, 0), StartOutcome::Starting);
    s.advance(40);
    assert_eq!(s.accounting().migrations_pending, 6, "each partition is one backup short");
    assert_eq!(s.safety_json()["safe"], false);
    s.advance(40 + 6 * 100);
    let acc = s.accounting();
    assert_eq!((acc.migrations, acc.migrations_pending, acc.lost), (6, 0, 0), "{acc:?}");
    assert_eq!((acc.per_instance[1].held, acc.per_instance[1].restored, acc.per_instance[1].rejoins), (6, 0, 1));
    assert_eq!(s.safety_json()["safe"], true);
}

#[test]
fn starting_a_running_or_stopping_node_changes_nothing_and_a_starting_one_stays_starting() {
    let timing = Timing { migration_ms: 100, stop_delay_ms: 10, start_delay_ms: 40 };
    let mut s = store(3, 12, 1, timing);
    assert_eq!(s.start(0, 0), StartOutcome::AlreadyRunning);
    s.stop(0, false, 0);
    assert_eq!(s.start(0, 1), StartOutcome::StillStopping);
    assert_eq!(remaining(&s, 0).0, "Stopping");
    s.advance(100_000);
    assert_eq!(s.start(0, 100_000), StartOutcome::Starting);
    assert_eq!(s.start(0, 100_020), StartOutcome::Starting, "a second start does not restart the clock");
    s.advance(100_040);
    assert_eq!(remaining(&s, 0).0, "Running");
    assert_eq!(s.accounting().per_instance[0].rejoins, 1);
}

#[test]
fn start_over_http_is_202_then_running_409_when_running_and_404_on_an_old_manager() {
    let (m, addr) = demo_on(221, |c| c.start_delay_ms = 60);
    let start_path = "/admin/v1/stores/OrdersStore/instances/orders-1/start";
    let running = post(&addr[0], start_path);
    assert_eq!((running.status, running.error_code()), (409, "AlreadyRunning".to_string()), "{}", running.body);
    assert_eq!(post(&addr[0], &stop_path("OrdersStore", "orders-1")).status, 202);
    let stopping = post(&addr[0], start_path);
    assert_eq!((stopping.status, stopping.error_code()), (409, "InstanceStopping".to_string()), "{}", stopping.body);
    wait_stopped(&addr[0], "orders-1");
    let wrong_manager = post(&addr[1], start_path);
    assert_eq!((wrong_manager.status, wrong_manager.error_code()), (404, "NotHosted".to_string()));
    let started = post(&addr[0], start_path);
    assert_eq!(started.status, 202, "{}", started.body);
    assert_eq!(started.json()["status"], "Starting");
    assert_eq!(status_of(&addr[0], "OrdersStore", "orders-1").0, "Starting");
    wait_until("orders-1 is Running", || status_of(&addr[0], "OrdersStore", "orders-1").0 == "Running");
    let acc = m.accounting("OrdersStore").expect("accounting");
    assert_eq!((node(&acc, "orders-1").rejoins, acc.lost), (1, 0), "{acc:?}");
    assert_conserved(&acc);

    let (_old, old) = demo_on(222, |c| c.start_endpoint = false);
    let missing = post(&old[0], start_path);
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert_ne!(missing.error_code(), "InstanceNotFound", "an unknown route, not an unknown instance");
}

#[derive(Debug, Clone)]
enum Op {
    Graceful(usize),
    Forced(usize),
    Passive,
    Active,
    Start(usize),
    Wait(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..4usize).prop_map(Op::Graceful),
        1 => (0..4usize).prop_map(Op::Forced),
        1 => Just(Op::Passive),
        1 => Just(Op::Active),
        2 => (0..4usize).prop_map(Op::Start),
        3 => (0..300u64).prop_map(Op::Wait),
    ]
}

proptest! {
    #[test]
    fn accounting_invariants_hold_for_any_sequence(
        nodes in 1..5usize,
        partitions in 1..20u32,
        backups in 0..3u32,
        ops in proptest::collection::vec(op(), 0..25),
    ) {
        let timing = Timing { migration_ms: 10, stop_delay_ms: 15, start_delay_ms: 40 };
        let mut s = store(nodes, partitions, backups, timing);
        let mut now = 0;
        let mut forced = false;
        let mut lost_before = 0;
        for op in &ops {
            match *op {
                Op::Graceful(i) if i < nodes => {
                    let was_stopped = remaining(&s, i).0 == "Stopped";
                    let outcome = s.stop(i, false, now);
                    prop_assert_eq!(was_stopped, outcome == StopOutcome::AlreadyStopped);
                }
                Op::Forced(i) if i < nodes => {
                    forced = true;
                    s.stop(i, true, now);
                }
                Op::Passive => s.set_state(StoreState::Passive, now),
                Op::Active => s.set_state(StoreState::Active, now),
                Op::Start(i) if i < nodes => {
                    let before = remaining(&s, i).0;
                    let outcome = s.start(i, now);
                    let expected = match before.as_str() {
                        "Running" => StartOutcome::AlreadyRunning,
                        "Stopping" => StartOutcome::StillStopping,
                        _ => StartOutcome::Starting,
                    };
                    prop_assert_eq!(outcome, expected);
                }
                Op::Wait(ms) => { now += ms; s.advance(now); }
                _ => {}
            }
            let acc = s.accounting();
            prop_assert_eq!(acc.live_partitions + acc.persisted_only + acc.lost, acc.partitions);
            // The down count is kept as statuses change (issue 25), not counted over the nodes: it must agree.
            let down = acc.per_instance.iter().filter(|n| n.status != "Running").count() as u32;
            prop_assert_eq!(acc.down, down, "{:?}", acc);
            prop_assert!(acc.lost >= lost_before, "a lost partition came back: {:?}", acc);
            lost_before = acc.lost;
            if !forced {
                prop_assert_eq!(acc.lost, 0, "graceful stops never lose data: {:?}", acc);
            }
            for n in &acc.per_instance {
                prop_assert!(n.held <= n.peak && n.peak <= partitions, "{:?}", acc);
                if n.status == "Stopped" || n.status == "Starting" {
                    prop_assert_eq!(n.held, 0, "{:?}", acc);
                }
            }
        }
        // Whatever happened, every graceful stop finishes once time passes in an Active store.
        s.set_state(StoreState::Active, now);
        s.advance(now + 1_000_000);
        let acc = s.accounting();
        prop_assert!(acc.per_instance.iter().all(|n| n.status != "Stopping" && n.status != "Starting"), "{:?}", acc);
        prop_assert_eq!(acc.migrations_pending, 0);
    }
}

/// The status a manager answered, None when it reset the connection.
fn answered(addr: &str, method: &str, target: &str) -> Option<u16> {
    let mut stream = open(addr, method, target, "");
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8(raw).ok()?;
    text.split(' ').nth(1).and_then(|s| s.parse().ok())
}

#[test]
fn flap_die_after_and_die_after_stop_fail_the_requests_they_say() {
    let (m, addr) = demo_on(219, |c| c.migration_ms_per_partition = 200);
    let h = hosts(219);
    let store = "/admin/v1/stores/OrdersStore";
    m.set_fault(&h[0], Fault::Flap);
    let flaps: Vec<Option<u16>> = (0..4).map(|_| answered(&addr[0], "GET", store)).collect();
    assert_eq!(flaps, vec![Some(200), None, Some(200), None]);

    m.set_fault(&h[1], Fault::DieAfter(2));
    let dying: Vec<Option<u16>> = (0..4).map(|_| answered(&addr[1], "GET", store)).collect();
    assert_eq!(dying, vec![Some(200), Some(200), None, None]);

    m.set_fault(&h[2], Fault::DieAfterStop);
    assert_eq!(answered(&addr[2], "GET", store), Some(200));
    assert_eq!(answered(&addr[2], "POST", &stop_path("OrdersStore", "orders-3")), Some(202));
    assert_eq!(answered(&addr[2], "GET", store), None, "dead after accepting the stop");
    // The accepted stop goes on without its manager: another manager sees it end.
    m.set_fault(&h[0], Fault::None);
    wait_stopped(&addr[0], "orders-3");
    let log = m.requests();
    let last = log.iter().rev().find(|r| r.manager == h[2]).unwrap();
    assert_eq!((last.status, last.fault.as_str()), (0, "reset"));
}

#[test]
fn a_fault_mix_draws_per_request_and_reset_clears_it() {
    let (m, addr) = demo_on(220, |_| {});
    let h = hosts(220);
    m.seed_faults(7);
    m.set_fault_mix(&h[0], &[(Fault::None, 1), (Fault::Status500, 1)]);
    let statuses: Vec<Option<u16>> =
        (0..40).map(|_| answered(&addr[0], "GET", "/admin/v1/stores/OrdersStore")).collect();
    let ok = statuses.iter().filter(|s| **s == Some(200)).count();
    let failed = statuses.iter().filter(|s| **s == Some(500)).count();
    assert_eq!(ok + failed, 40, "{statuses:?}");
    assert!(ok > 5 && failed > 5, "both drawn: {statuses:?}");
    m.reset();
    assert!((0..10).all(|_| answered(&addr[0], "GET", "/admin/v1/stores/OrdersStore") == Some(200)));
}

#[test]
fn max_down_counts_the_most_nodes_not_running_at_once_and_every_status_change_is_recorded() {
    let timing = Timing { migration_ms: 100, stop_delay_ms: 10, start_delay_ms: 40 };
    let mut s = store(3, 12, 1, timing);
    assert_eq!((s.accounting().max_down, s.accounting().down), (0, 0));
    // One node at a time: stopped, started, Running again, then the next.
    for node in 0..3 {
        let t = 10_000 * node as u64;
        s.stop(node, false, t);
        s.advance(t + 5_000);
        assert_eq!(remaining(&s, node).0, "Stopped");
        assert_eq!(s.start(node, t + 5_000), StartOutcome::Starting);
        s.advance(t + 9_000);
        assert_eq!(remaining(&s, node).0, "Running");
    }
    let acc = s.accounting();
    assert_eq!((acc.max_down, acc.down, acc.lost), (1, 0, 0), "{acc:?}");
    let changes: Vec<(String, String, u32)> =
        acc.status_changes.iter().map(|c| (c.instance.clone(), c.status.clone(), c.down)).collect();
    let expected: Vec<(String, String, u32)> = (0..3)
        .flat_map(|n| {
            ["Stopping", "Stopped", "Starting", "Running"]
                .iter()
                .map(move |st| (format!("n{n}"), st.to_string(), if *st == "Running" { 0 } else { 1 }))
        })
        .collect();
    assert_eq!(changes, expected);
    assert!(acc.status_changes.windows(2).all(|w| w[0].at_ms <= w[1].at_ms), "{acc:?}");
    // A second node stopping while the first is still down: two at once, and the record says so.
    s.stop(0, false, 100_000);
    s.stop(1, true, 100_001);
    let acc = s.accounting();
    assert_eq!((acc.max_down, acc.down), (2, 2), "{acc:?}");
    // A status that does not change is no change.
    let before = acc.status_changes.len();
    s.stop(1, true, 100_002);
    assert_eq!(s.accounting().status_changes.len(), before);
}

#[test]
fn max_down_is_reported_over_http_and_reset_with_the_layout() {
    let rm = RefManager::start(Config::demo()).unwrap();
    let addr = rm.address("127.0.0.11");
    let acc = get(&addr, "/_control/accounting/OrdersStore").json();
    assert_eq!((acc["maxDown"].as_u64(), acc["down"].as_u64()), (Some(0), Some(0)), "{acc}");
    assert_eq!(post(&addr, "/admin/v1/stores/OrdersStore/instances/orders-1/stop?force=true").status, 200);
    let acc = get(&addr, "/_control/accounting/OrdersStore").json();
    assert_eq!(acc["maxDown"].as_u64(), Some(1), "{acc}");
    assert_eq!(acc["statusChanges"][0]["instance"], "orders-1", "{acc}");
    assert_eq!(acc["statusChanges"][0]["status"], "Stopped", "{acc}");
    assert_eq!(post(&addr, "/_control/reset").status, 200);
    let acc = get(&addr, "/_control/accounting/OrdersStore").json();
    assert_eq!(acc["maxDown"].as_u64(), Some(0), "{acc}");
    assert_eq!(acc["statusChanges"].as_array().map(|a| a.len()), Some(0), "{acc}");
}

#[test]
fn requests_since_reads_the_tail_of_the_kept_log_with_statuses_as_they_are_now() {
    let (m, addrs) = demo_on(223, |_| {});
    assert_eq!(get(&addrs[0], "/admin/v1/stores/OrdersStore").status, 200);
    std::thread::sleep(Duration::from_millis(20));
    let mark = m.now_ms();
    assert_eq!(get(&addrs[1], "/admin/v1/stores/CartStore").status, 200);
    m.set_fault(&hosts(223)[2], Fault::Hang);
    let hung = open(&addrs[2], "GET", "/admin/v1/stores/OrdersStore", "");
    wait_until("the hung request is logged", || m.requests_since(mark).len() == 2);
    let tail = m.requests_since(mark);
    assert_eq!(tail[0].path, "/admin/v1/stores/CartStore");
    assert_eq!((tail[0].status, tail[0].manager.as_str()), (200, hosts(223)[1].as_str()));
    assert!(tail[0].start_ms >= mark && tail[0].end_ms >= tail[0].start_ms, "{:?}", tail[0]);
    assert_eq!((tail[1].status, tail[1].end_ms, tail[1].fault.as_str()), (0, 0, "hang"), "still in flight");
    assert_eq!(m.requests().len(), 3, "the whole log is kept");
    assert!(m.requests_since(m.now_ms() + 1).is_empty());
    drop(hung);
}

#[test]
fn the_control_clock_is_the_clock_of_the_log() {
    let (m, addrs) = demo_on(224, |_| {});
    let before = get(&addrs[0], "/_control/clock").json()["nowMs"].as_u64().expect("nowMs");
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(get(&addrs[1], "/admin/v1/stores/OrdersStore").status, 200);
    std::thread::sleep(Duration::from_millis(30));
    let after = get(&addrs[2], "/_control/clock").json()["nowMs"].as_u64().expect("nowMs");
    let logged = m.requests();
    assert_eq!(logged.len(), 1, "control requests are not logged: {logged:?}");
    assert!(before < logged[0].start_ms && logged[0].end_ms < after, "{before} {:?} {after}", logged[0]);
    assert!(after <= m.now_ms());
    assert_eq!(post(&addrs[0], "/_control/clock").status, 405);
}
