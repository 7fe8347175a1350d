//! Issue 23: a cancel (and the deadline) ends an operation promptly whatever its request in flight is doing: waiting
//! for a TCP connection that is never accepted, in a TLS handshake the server never answers, waiting for an answer
//! that never comes, or reading a body that drips in. The operation reports finished within CANCEL_BOUND of the
//! cancel (the aim is 250 ms; the bound is generous for two shared cores), its rows say truthfully whether their
//! request was sent, and nothing more reaches a manager after it returned.
//!
//! The store is discovered from a reference manager on .11 and .13; orders-2 lives on .12, where a silent server
//! of the kind under test listens on the same port (or the reference manager itself serves .12 with a fault).
mod support;

use clustron_dkv::{NodeState, Operation, ResultKind, Session, StopRequest, Targets};
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::io::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

/// How soon after a cancel, or after the deadline, an operation must report finished.
const CANCEL_BOUND: Duration = Duration::from_millis(1_000);

/// How .12 misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Silence {
    /// Listens with a full accept queue: the client's SYN is never answered, so it waits in connect.
    NeverAccepts,
    /// Accepts and reads, never writes: over https the client waits in the TLS handshake.
    TlsHandshake,
    /// The reference manager reads the request and never answers.
    NoAnswer,
    /// The reference manager sends the status line and headers, then the body one byte a second.
    Drip,
}

/// A TCP server on .12 that never says a word; counts the connections it accepted.
struct SilentServer {
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
    /// Connections that fill the accept queue (NeverAccepts), kept open for the test's life.
    _fillers: Vec<TcpStream>,
}

impl SilentServer {
    fn start(host: &str, port: u16, accept: bool) -> SilentServer {
        let listener = TcpListener::bind((host, port)).expect("the silent server binds");
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let mut fillers = Vec::new();
        if !accept {
            // A backlog of 0 holds one connection (Linux); fill it, so that the next SYN is dropped and the
            // client's connect waits until its own time runs out.
            unsafe { libc::listen(listener.as_raw_fd(), 0) };
            for _ in 0..8 {
                match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                    Ok(stream) => fillers.push(stream),
                    Err(_) => break,
                }
            }
            assert!(
                TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_err(),
                "the accept queue is full: a connect waits"
            );
            std::mem::forget(listener);
        } else {
            let (count, stopping) = (Arc::clone(&accepted), Arc::clone(&stop));
            listener.set_nonblocking(true).unwrap();
            std::thread::spawn(move || {
                let mut open = Vec::new();
                while !stopping.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((mut stream, _)) => {
                            count.fetch_add(1, Ordering::SeqCst);
                            let _ = stream.set_nonblocking(true);
                            let mut sink = [0u8; 4096];
                            let _ = stream.read(&mut sink);
                            open.push(stream);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            });
        }
        SilentServer { accepted, stop, addr, _fillers: fillers }
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.addr;
    }
}

struct Setup {
    manager: RefManager,
    silent: Option<SilentServer>,
    hosts: Vec<String>,
}

/// OrdersStore with orders-2 on .12 behaving as `how`; the managers listed in `order` (indexes into .11/.12/.13).
fn setup(base: u8, how: Silence) -> Setup {
    let all = hosts(base, 3);
    let served: Vec<&str> = match how {
        Silence::NoAnswer | Silence::Drip => all.iter().map(String::as_str).collect(),
        _ => vec![all[0].as_str(), all[2].as_str()],
    };
    let mut layout = Layout::demo();
    for store in &mut layout.stores {
        for node in &mut store.instances {
            let i: usize = match node.server.as_str() {
                "127.0.0.11" => 0,
                "127.0.0.12" => 1,
                _ => 2,
            };
            node.server = all[i].clone();
        }
    }
    let mut config = Config::with_layout(&served, layout);
    config.quiet = true;
    config.stop_delay_ms = 50;
    config.migration_ms_per_partition = 5;
    let manager = RefManager::start(config).expect("the reference manager starts");
    let silent = match how {
        Silence::NeverAccepts => Some(SilentServer::start(&all[1], manager.port(), false)),
        Silence::TlsHandshake => Some(SilentServer::start(&all[1], manager.port(), true)),
        Silence::NoAnswer => {
            manager.set_fault(&all[1], Fault::Hang);
            None
        }
        Silence::Drip => {
            manager.set_fault(&all[1], Fault::Drip);
            None
        }
    };
    Setup { manager, silent, hosts: all }
}

impl Setup {
    /// The targets, in `order` (indexes of .11, .12, .13); .12 over https for the handshake case.
    fn targets(&self, order: &[usize], how: Silence, timeout_sec: i64) -> Targets {
        let addresses: Vec<String> = order
            .iter()
            .map(|&i| {
                let scheme = if i == 1 && how == Silence::TlsHandshake { "https://" } else { "" };
                format!("{}{}:{}", scheme, self.hosts[i], self.manager.port())
            })
            .collect();
        let session = Session::connect(&addresses, None, Some(timeout_sec)).expect("valid addresses");
        Targets::resolve::<&str>(Some(&session), &[], None, None).expect("session targets")
    }

    /// Waits until a request to .12 is under way: accepted by the silent server or logged by the reference
    /// manager; a connect that is never accepted leaves no trace, so then until the operation is past discovery
    /// (orders-2 running) or, for a discovery that asks .12 first, a moment after it began.
    fn wait_for_request_to_12(&self, op: &Operation, how: Silence) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            let under_way = match how {
                Silence::NeverAccepts => {
                    let progress = op.progress(0);
                    progress.total == 0 && started.elapsed() > Duration::from_millis(300)
                        || progress.nodes.iter().any(|n| n.instance == "orders-2" && n.state == NodeState::Running)
                }
                _ => self.connections_to_12() > 0,
            };
            if under_way {
                // Well into the wait: the request has left, or the connect is waiting for its SYN's answer.
                std::thread::sleep(Duration::from_millis(300));
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("no request to {} began within 10 s", self.hosts[1]);
    }

    fn connections_to_12(&self) -> usize {
        match &self.silent {
            Some(server) => server.accepted.load(Ordering::SeqCst),
            None => self.manager.requests().iter().filter(|r| r.manager == self.hosts[1]).count(),
        }
    }
}

fn one_node(store: &str, instance: &str) -> StopRequest {
    let mut req = request(store);
    req.instances = Some(vec![instance.to_string()]);
    req
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Stop,
    Start,
    Restart,
    Discovery,
    Plan,
}

fn begin(kind: Kind, targets: Targets) -> Operation {
    let result = match kind {
        Kind::Stop => Operation::begin(targets, one_node("OrdersStore", "orders-2")),
        Kind::Start => Operation::begin_start(targets, one_node("OrdersStore", "orders-2")),
        Kind::Restart => Operation::begin_restart(targets, one_node("OrdersStore", "orders-2")),
        Kind::Discovery => Operation::begin_discovery(targets, "OrdersStore"),
        Kind::Plan => Operation::begin_plan(targets, request("OrdersStore")),
    };
    result.expect("the operation begins")
}

/// Discovery and plans ask .12 first (so their request in flight is the discovery); the others discover through
/// .11 and then wait on orders-2's request to .12.
fn order(kind: Kind) -> &'static [usize] {
    match kind {
        Kind::Discovery | Kind::Plan => &[1, 0, 2],
        _ => &[0, 1, 2],
    }
}

/// Begins `kind`, cancels it while its request to .12 is in flight, and checks the promptness and the aftermath.
fn cancel_while_in_flight(base: u8, how: Silence, kind: Kind) {
    let s = setup(base, how);
    let op = begin(kind, s.targets(order(kind), how, 30));
    s.wait_for_request_to_12(&op, how);
    let sent_to_12 = s.connections_to_12();
    let cancelled = Instant::now();
    op.cancel();
    let finished = op.wait(Some(Duration::from_secs(15)));
    let took = cancelled.elapsed();
    let returned_ms = s.manager.now_ms();
    assert!(finished, "{:?}/{:?}: the operation never finished", how, kind);
    assert!(took < CANCEL_BOUND, "{:?}/{:?}: finished {:?} after the cancel", how, kind, took);
    match kind {
        Kind::Discovery | Kind::Plan => {
            let err = op.results().expect_err("a cancelled discovery is an error");
            assert_eq!(err.kind, clustron_dkv::ErrorKind::Cancelled, "{:?}/{:?}: {}", how, kind, err.message);
        }
        _ => {
            let rows = op.results().expect("rows");
            assert_eq!(rows.len(), 1, "{:?}", rows);
            assert_eq!(rows[0].kind, ResultKind::Cancelled, "{:?}/{:?}: {:?}", how, kind, rows);
            // The request in flight is the safety check (stop), the start (start) or the start check before the
            // stop (restart): only the start was the operation's own request, and only it may say "sent".
            let expected = match kind {
                Kind::Stop => "cancelled before the stop was sent",
                Kind::Start => "cancelled after the start was sent; the manager may still complete the start",
                _ => "not restarted: cancelled before its stop was sent",
            };
            assert_eq!(rows[0].message, expected, "{:?}/{:?}", how, kind);
        }
    }
    // Nothing leaves after the return: no request to the working managers, no new connection to .12.
    std::thread::sleep(Duration::from_millis(1_500));
    let late: Vec<_> = s.manager.requests().into_iter().filter(|r| r.start_ms > returned_ms + 50).collect();
    assert!(late.is_empty(), "{:?}/{:?}: sent after the return: {:?}", how, kind, late);
    assert_eq!(s.connections_to_12(), sent_to_12, "{:?}/{:?}: a new connection to .12 after the cancel", how, kind);
    assert!(!s.manager.requests().iter().any(|r| r.method == "POST" && r.path.ends_with("/stop")));
    for node in ["orders-1", "orders-3"] {
        assert_eq!(s.manager.instance_status("OrdersStore", node).as_deref(), Some("Running"), "{:?}/{:?}", how, kind);
    }
}

/// Runs `kind` against .12 behaving as `how` with a deadline of 2 s: it is over within CANCEL_BOUND of it.
fn deadline_while_in_flight(base: u8, how: Silence, kind: Kind) {
    let s = setup(base, how);
    let started = Instant::now();
    let op = begin(kind, s.targets(order(kind), how, 2));
    let finished = op.wait(Some(Duration::from_secs(20)));
    let took = started.elapsed();
    assert!(finished, "{:?}/{:?}: the operation never finished", how, kind);
    assert!(
        took < Duration::from_secs(2) + CANCEL_BOUND,
        "{:?}/{:?}: finished {:?} after it began, with a 2 s deadline",
        how,
        kind,
        took
    );
    let returned_ms = s.manager.now_ms();
    std::thread::sleep(Duration::from_millis(1_500));
    let late: Vec<_> = s.manager.requests().into_iter().filter(|r| r.start_ms > returned_ms + 50).collect();
    assert!(late.is_empty(), "{:?}/{:?}: sent after the return: {:?}", how, kind, late);
}

#[test]
fn a_cancel_ends_a_stop_waiting_in_connect() {
    cancel_while_in_flight(250, Silence::NeverAccepts, Kind::Stop);
}

#[test]
fn a_cancel_ends_a_stop_waiting_in_the_tls_handshake() {
    cancel_while_in_flight(251, Silence::TlsHandshake, Kind::Stop);
}

#[test]
fn a_cancel_ends_a_stop_whose_safety_check_is_never_answered() {
    cancel_while_in_flight(252, Silence::NoAnswer, Kind::Stop);
}

#[test]
fn a_cancel_ends_a_stop_whose_answer_drips_in() {
    cancel_while_in_flight(253, Silence::Drip, Kind::Stop);
}

#[test]
fn a_cancel_ends_a_start_whose_request_is_never_answered() {
    cancel_while_in_flight(254, Silence::NoAnswer, Kind::Start);
}

#[test]
fn a_cancel_ends_a_restart_whose_start_check_is_never_answered() {
    cancel_while_in_flight(255, Silence::NoAnswer, Kind::Restart);
}

#[test]
fn a_cancel_ends_a_discovery_that_is_never_answered() {
    cancel_while_in_flight(237, Silence::NoAnswer, Kind::Discovery);
}

#[test]
fn a_cancel_ends_a_discovery_waiting_in_connect() {
    cancel_while_in_flight(238, Silence::NeverAccepts, Kind::Discovery);
}

#[test]
fn a_cancel_ends_a_plan_whose_discovery_drips_in() {
    cancel_while_in_flight(239, Silence::Drip, Kind::Plan);
}

#[test]
fn the_deadline_ends_a_stop_waiting_in_connect() {
    deadline_while_in_flight(230, Silence::NeverAccepts, Kind::Stop);
}

#[test]
fn the_deadline_ends_a_stop_whose_answer_drips_in() {
    deadline_while_in_flight(231, Silence::Drip, Kind::Stop);
}

#[test]
fn the_deadline_ends_a_discovery_in_the_tls_handshake() {
    deadline_while_in_flight(232, Silence::TlsHandshake, Kind::Discovery);
}

/// A manager whose host drops SYNs (a firewall's DROP, a full accept queue) is as silent as one that never
/// answers: each attempt to connect gets the attempt's share of the time, not the HTTP client's own 30 s connect
/// limit, so the silent manager costs only its own node and the nodes after it are still stopped.
#[test]
fn a_manager_that_never_accepts_costs_only_its_own_node() {
    let s = setup(233, Silence::NeverAccepts);
    let started = Instant::now();
    let rows = Operation::run(s.targets(&[0, 1, 2], Silence::NeverAccepts, 15), request("OrdersStore")).unwrap();
    let took = started.elapsed();
    assert_eq!(row(&rows, "orders-1").kind, ResultKind::Success, "{:?}", rows);
    assert_eq!(row(&rows, "orders-3").kind, ResultKind::Success, "{:?}", rows);
    let silent = row(&rows, "orders-2");
    assert_eq!(silent.kind, ResultKind::Failed, "{:?}", rows);
    assert!(
        silent.message.contains("3 attempts") && silent.message.contains("could not connect"),
        "{}",
        silent.message
    );
    assert!(took < Duration::from_secs(15), "took {:?}", took);
}

/// -FailFast's first failure ends the operation as a cancel does: with orders-1's manager resetting every request
/// and orders-2's never answering, a parallel fail-fast stop is over within CANCEL_BOUND of orders-1's FAILED row,
/// not when orders-2's attempt runs out.
#[test]
fn fail_fast_ends_the_operation_while_a_request_is_in_flight_to_a_silent_manager() {
    let s = setup(234, Silence::NoAnswer);
    s.manager.set_fault(&s.hosts[0], Fault::DieAfter(1));
    let mut req = request("OrdersStore");
    req.force = true;
    req.parallel = true;
    req.fail_fast = true;
    let op = Operation::begin(s.targets(&[0, 1, 2], Silence::NoAnswer, 30), req).unwrap();
    let started = Instant::now();
    let mut failed_at = None;
    while started.elapsed() < Duration::from_secs(20) && !op.is_finished() {
        if failed_at.is_none() && op.results().map_or(false, |rows| rows.iter().any(|r| r.kind == ResultKind::Failed)) {
            failed_at = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let finished_at = Instant::now();
    let failed_at = failed_at.unwrap_or(finished_at);
    assert!(op.is_finished(), "not finished 20 s after it began");
    let rows = op.results().unwrap();
    assert_eq!(row(&rows, "orders-1").kind, ResultKind::Failed, "{:?}", rows);
    assert_eq!(row(&rows, "orders-2").kind, ResultKind::Cancelled, "{:?}", rows);
    let took = finished_at - failed_at;
    assert!(took < CANCEL_BOUND, "finished {:?} after the first failure", took);
}
