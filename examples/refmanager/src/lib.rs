//! Reference Clustron manager: several fake managers (one per loopback host, one shared port) serving one
//! shared cluster model over real HTTP, with injectable faults and a request log.
//!
//! Used by the `dkv-refmanager` binary and, in-process, by the library's integration tests, benches and chaos soak
//! (a dev-dependency of the root package). See README.md in the crate's folder.

mod faults;
mod http;
mod layout;
pub mod model;
mod routes;
mod tls;

pub use faults::Fault;
pub use layout::{InstanceLayout, Layout, StoreLayout, DEMO_LAYOUT_JSON};
pub use model::{Accounting, InstanceAccounting, StatusChange, STATUS_CHANGES_KEPT};
pub use tls::TlsFiles;

use model::{Cluster, Timing};
use serde::Serialize;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Config {
    /// One manager per host, all on `port`. The first host is where `address()` callers usually start.
    pub hosts: Vec<String>,
    /// 0 picks one free port that every host can bind.
    pub port: u16,
    pub layout: Layout,
    pub migration_ms_per_partition: u64,
    /// How long a node takes to report Stopped once it has nothing left to hand off.
    pub stop_delay_ms: u64,
    /// How long a started node takes to rejoin and report Running.
    pub start_delay_ms: u64,
    /// `false` answers the safety endpoint with 404, like a manager that predates it.
    pub safety_endpoint: bool,
    /// `false` answers the state endpoint with 404, like a manager that predates it.
    pub state_endpoint: bool,
    /// `false` answers the start endpoint with 404, like a manager that predates it.
    pub start_endpoint: bool,
    /// `false` answers the store list (`GET /admin/v1/stores`) with 404, like a manager that predates it.
    pub list_endpoint: bool,
    /// `false` prints one line per request to stdout.
    pub quiet: bool,
    /// Serve https with this certificate and key instead of http (see tls.rs).
    pub tls: Option<TlsFiles>,
}

pub const DEMO_HOSTS: [&str; 3] = ["127.0.0.11", "127.0.0.12", "127.0.0.13"];
pub const DEFAULT_MIGRATION_MS: u64 = 20;
pub const DEFAULT_STOP_DELAY_MS: u64 = 50;
pub const DEFAULT_START_DELAY_MS: u64 = 80;

impl Config {
    /// The demo layout on 127.0.0.11-13, a free port, fast migrations, both extension endpoints, quiet.
    pub fn demo() -> Config {
        Config::with_layout(&DEMO_HOSTS, Layout::demo())
    }

    pub fn with_layout(hosts: &[&str], layout: Layout) -> Config {
        Config {
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            port: 0,
            layout,
            migration_ms_per_partition: DEFAULT_MIGRATION_MS,
            stop_delay_ms: DEFAULT_STOP_DELAY_MS,
            start_delay_ms: DEFAULT_START_DELAY_MS,
            safety_endpoint: true,
            state_endpoint: true,
            start_endpoint: true,
            list_endpoint: true,
            quiet: true,
            tls: None,
        }
    }
}

/// One request as it arrived (control requests under `/_control` are not logged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    pub seq: u64,
    /// Host of the manager it arrived on, as in `Config::hosts`.
    pub manager: String,
    pub method: String,
    /// Raw path, still percent-encoded, without the query.
    pub path: String,
    /// Raw query without `?`, empty when absent.
    pub query: String,
    /// Status sent; 0 while in flight and for faults that never answer (hang, reset).
    pub status: u16,
    /// Milliseconds since server start: request fully read.
    pub start_ms: u64,
    /// Milliseconds since server start: response fully written or connection dropped; 0 while in flight.
    pub end_ms: u64,
    /// The fault applied ("none", "hang", "latency:200", ...).
    pub fault: String,
    /// The `X-Dkv-Reason` header as it arrived (still percent-encoded); absent when the request had none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

pub(crate) struct Shared {
    started: Instant,
    shutdown: AtomicBool,
    hosts: Vec<String>,
    port: u16,
    safety_endpoint: bool,
    state_endpoint: bool,
    start_endpoint: bool,
    list_endpoint: bool,
    quiet: bool,
    cluster: Mutex<Cluster>,
    faults: Mutex<Vec<Fault>>,
    /// Per host: faults drawn at random per request (weights), used while the host's own fault is `none`.
    mixes: Mutex<Vec<Vec<(Fault, u32)>>>,
    /// xorshift64 state for the draws: seeded, so a run can be repeated.
    rng: Mutex<u64>,
    /// Per host: requests seen, for `flap` and `die-after:N`.
    flaps: Vec<AtomicU64>,
    log: Mutex<Vec<LoggedRequest>>,
    next_seq: AtomicU64,
    connections: Mutex<Vec<JoinHandle<()>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking connection thread must not take the whole fake manager down with it.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    pub(crate) fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    pub(crate) fn cluster(&self) -> MutexGuard<'_, Cluster> {
        lock(&self.cluster)
    }

    pub(crate) fn host_index(&self, host: &str) -> Option<usize> {
        self.hosts.iter().position(|h| h.eq_ignore_ascii_case(host))
    }

    pub(crate) fn set_fault(&self, host_index: usize, fault: Fault) {
        lock(&self.faults)[host_index] = fault;
        // `flap` and `die-after:N` count from the moment they are set.
        self.flaps[host_index].store(0, Ordering::SeqCst);
    }

    /// The fault for one request: the host's own fault (a `flap` resolved to `reset` every other request), else
    /// one drawn from the host's mix.
    fn fault(&self, host_index: usize) -> Fault {
        match lock(&self.faults)[host_index] {
            Fault::Flap => {
                let seen = self.flaps[host_index].fetch_add(1, Ordering::SeqCst);
                if seen % 2 == 1 {
                    Fault::Reset
                } else {
                    Fault::None
                }
            }
            Fault::DieAfter(answered) => {
                if self.flaps[host_index].fetch_add(1, Ordering::SeqCst) < answered {
                    Fault::None
                } else {
                    Fault::Reset
                }
            }
            Fault::None => self.draw(host_index),
            fault => fault,
        }
    }

    fn draw(&self, host_index: usize) -> Fault {
        let mixes = lock(&self.mixes);
        let mix = &mixes[host_index];
        let total: u64 = mix.iter().map(|(_, w)| u64::from(*w)).sum();
        if total == 0 {
            return Fault::None;
        }
        let mut pick = next_random(&mut lock(&self.rng)) % total;
        for (fault, weight) in mix {
            if pick < u64::from(*weight) {
                return *fault;
            }
            pick -= u64::from(*weight);
        }
        Fault::None
    }

    pub(crate) fn set_mix(&self, host_index: usize, mix: &[(Fault, u32)]) {
        lock(&self.mixes)[host_index] = mix.to_vec();
    }

    pub(crate) fn clear_faults(&self) {
        for fault in lock(&self.faults).iter_mut() {
            *fault = Fault::None;
        }
        for mix in lock(&self.mixes).iter_mut() {
            mix.clear();
        }
        for count in &self.flaps {
            count.store(0, Ordering::SeqCst);
        }
    }

    pub(crate) fn log_snapshot(&self) -> Vec<LoggedRequest> {
        lock(&self.log).clone()
    }

    /// Entries are in arrival order (seq and start_ms are taken under the log's lock), so the tail is found by a
    /// binary search.
    pub(crate) fn log_since(&self, start_ms: u64) -> Vec<LoggedRequest> {
        let log = lock(&self.log);
        let first = log.partition_point(|entry| entry.start_ms < start_ms);
        log[first..].to_vec()
    }

    pub(crate) fn clear_log(&self) -> usize {
        let mut log = lock(&self.log);
        let cleared = log.len();
        log.clear();
        cleared
    }

    pub(crate) fn hosts(&self) -> &[String] {
        &self.hosts
    }

    pub(crate) fn safety_endpoint(&self) -> bool {
        self.safety_endpoint
    }

    pub(crate) fn state_endpoint(&self) -> bool {
        self.state_endpoint
    }

    pub(crate) fn start_endpoint(&self) -> bool {
        self.start_endpoint
    }

    pub(crate) fn list_endpoint(&self) -> bool {
        self.list_endpoint
    }

    fn log_arrival(&self, host_index: usize, request: &http::Request, fault: Fault) -> u64 {
        let mut log = lock(&self.log);
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        log.push(LoggedRequest {
            seq,
            manager: self.hosts[host_index].clone(),
            method: request.method.clone(),
            path: request.path.clone(),
            query: request.query.clone(),
            status: 0,
            start_ms: self.now_ms(),
            end_ms: 0,
            fault: fault.to_string(),
            reason: request.header("X-Dkv-Reason").map(str::to_string),
        });
        seq
    }

    fn log_finish(&self, seq: u64, status: u16) {
        let end_ms = self.now_ms();
        let mut log = lock(&self.log);
        // Entries are in seq order; a cleared log simply no longer has the entry.
        if let Ok(index) = log.binary_search_by_key(&seq, |entry| entry.seq) {
            log[index].status = status;
            log[index].end_ms = end_ms;
        }
    }

    fn print(&self, host_index: usize, request: &http::Request, status: u16, started: Instant, fault: Fault) {
        if self.quiet {
            return;
        }
        let target =
            if request.query.is_empty() { request.path.clone() } else { format!("{}?{}", request.path, request.query) };
        let status = if status == 0 { "---".to_string() } else { status.to_string() };
        let fault = if fault == Fault::None { String::new() } else { format!(" fault={fault}") };
        // A manager that logs keeps who asked and why: the reason as sent (percent-encoded, one line).
        let reason = request.header("X-Dkv-Reason").map_or(String::new(), |r| format!(" reason={r}"));
        println!(
            "[{:>10.3}s] {} {} {} -> {} ({} ms){}{}",
            self.started.elapsed().as_secs_f64(),
            self.hosts[host_index],
            request.method,
            target,
            status,
            started.elapsed().as_millis(),
            fault,
            reason
        );
    }

    /// Sleeps in short steps; false when the server began shutting down meanwhile.
    fn sleep(&self, duration: Duration) -> bool {
        let until = Instant::now() + duration;
        loop {
            if self.shutdown.load(Ordering::SeqCst) {
                return false;
            }
            let now = Instant::now();
            if now >= until {
                return true;
            }
            thread::sleep((until - now).min(http::POLL));
        }
    }
}

pub struct RefManager {
    shared: Arc<Shared>,
    acceptors: Vec<JoinHandle<()>>,
    /// With https: the private http listeners behind the TLS ports, woken like the public ones on shutdown.
    backends: Vec<SocketAddr>,
    https: bool,
}

impl RefManager {
    pub fn start(cfg: Config) -> io::Result<RefManager> {
        if cfg.hosts.is_empty() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "no hosts to serve"));
        }
        cfg.layout.validate()?;
        let (port, listeners) = bind_all(&cfg.hosts, cfg.port)?;
        let timing = Timing {
            migration_ms: cfg.migration_ms_per_partition,
            stop_delay_ms: cfg.stop_delay_ms,
            start_delay_ms: cfg.start_delay_ms,
        };
        let shared = Arc::new(Shared {
            started: Instant::now(),
            shutdown: AtomicBool::new(false),
            hosts: cfg.hosts.clone(),
            port,
            safety_endpoint: cfg.safety_endpoint,
            state_endpoint: cfg.state_endpoint,
            start_endpoint: cfg.start_endpoint,
            list_endpoint: cfg.list_endpoint,
            quiet: cfg.quiet,
            cluster: Mutex::new(Cluster::new(&cfg.layout, timing)),
            faults: Mutex::new(vec![Fault::None; cfg.hosts.len()]),
            mixes: Mutex::new(vec![Vec::new(); cfg.hosts.len()]),
            rng: Mutex::new(0x9E37_79B9_7F4A_7C15),
            flaps: cfg.hosts.iter().map(|_| AtomicU64::new(0)).collect(),
            log: Mutex::new(Vec::new()),
            next_seq: AtomicU64::new(1),
            connections: Mutex::new(Vec::new()),
        });
        let acceptor = match &cfg.tls {
            Some(files) => Some(tls::acceptor(files)?),
            None => None,
        };
        let mut acceptors = Vec::new();
        let mut backends = Vec::new();
        for (host_index, listener) in listeners.into_iter().enumerate() {
            // With https the public port is the TLS front, and the http server listens privately behind it.
            let http_listener = match &acceptor {
                None => listener,
                Some(acceptor) => {
                    let backend = tls::backend_listener(listener.local_addr()?)?;
                    let backend_addr = backend.local_addr()?;
                    backends.push(backend_addr);
                    let (shared, acceptor) = (Arc::clone(&shared), Arc::clone(acceptor));
                    let handle = thread::Builder::new()
                        .name(format!("refmanager-tls-{}", cfg.hosts[host_index]))
                        .spawn(move || tls_accept_loop(shared, listener, backend_addr, acceptor))?;
                    acceptors.push(handle);
                    backend
                }
            };
            let shared = Arc::clone(&shared);
            let handle = thread::Builder::new()
                .name(format!("refmanager-accept-{}", cfg.hosts[host_index]))
                .spawn(move || accept_loop(shared, host_index, http_listener))?;
            acceptors.push(handle);
        }
        Ok(RefManager { shared, acceptors, backends, https: acceptor.is_some() })
    }

    /// `"https://127.0.0.11:PORT"` with TLS, else `"http://..."`: the address with its scheme.
    pub fn url(&self, host: &str) -> String {
        format!("{}://{}", if self.https { "https" } else { "http" }, self.address(host))
    }

    pub fn port(&self) -> u16 {
        self.shared.port
    }

    /// `"127.0.0.11:PORT"` (`"[::1]:PORT"` for IPv6 hosts).
    pub fn address(&self, host: &str) -> String {
        host_port(host, self.shared.port)
    }

    /// Every manager's address, in `Config::hosts` order.
    pub fn addresses(&self) -> Vec<String> {
        self.shared.hosts.iter().map(|h| host_port(h, self.shared.port)).collect()
    }

    /// Panics when `host` is not one of `Config::hosts`: that is a bug in the calling test.
    pub fn set_fault(&self, host: &str, fault: Fault) {
        match self.shared.host_index(host) {
            Some(index) => self.shared.set_fault(index, fault),
            None => panic!("set_fault: {host:?} is not one of the served hosts {:?}", self.shared.hosts),
        }
    }

    /// Faults drawn at random per request on `host`, by weight (`(Fault::None, 5)` keeps some requests clean);
    /// used while the host's own fault is `none`. An empty mix turns it off. Panics on a host not served.
    pub fn set_fault_mix(&self, host: &str, mix: &[(Fault, u32)]) {
        match self.shared.host_index(host) {
            Some(index) => self.shared.set_mix(index, mix),
            None => panic!("set_fault_mix: {host:?} is not one of the served hosts {:?}", self.shared.hosts),
        }
    }

    /// Seeds the draws of `set_fault_mix`, so that a run can be repeated.
    pub fn seed_faults(&self, seed: u64) {
        // xorshift must not start at 0.
        *lock(&self.shared.rng) = seed | 1;
    }

    /// Milliseconds since the server started: the clock of `LoggedRequest::start_ms`.
    pub fn now_ms(&self) -> u64 {
        self.shared.now_ms()
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log_snapshot()
    }

    /// The requests that arrived at or after `start_ms` (the clock of `now_ms`), oldest first: a caller that keeps
    /// the log (to see requests that come late) reads only its tail, with each entry's status as it is now.
    pub fn requests_since(&self, start_ms: u64) -> Vec<LoggedRequest> {
        self.shared.log_since(start_ms)
    }

    pub fn clear_log(&self) {
        self.shared.clear_log();
    }

    pub fn accounting(&self, store: &str) -> Option<Accounting> {
        let now = self.shared.now_ms();
        let mut cluster = self.shared.cluster();
        cluster.store(store, now).map(|s| s.accounting())
    }

    pub fn instance_status(&self, store: &str, instance: &str) -> Option<String> {
        let now = self.shared.now_ms();
        let mut cluster = self.shared.cluster();
        let store = cluster.store(store, now)?;
        let node = store.find(instance)?;
        Some(store.status(node).to_string())
    }

    /// `"Active"` or `"Passive"` (any case). Panics on other values: that is a bug in the calling test.
    pub fn set_store_state(&self, store: &str, state: &str) {
        let state = match model::StoreState::parse(state) {
            Some(state) => state,
            None => panic!("set_store_state: {state:?} is neither Active nor Passive"),
        };
        let now = self.shared.now_ms();
        let mut cluster = self.shared.cluster();
        match cluster.store(store, now) {
            Some(store) => store.set_state(state, now),
            None => panic!("set_store_state: no store {store:?}"),
        }
    }

    /// Back to the initial layout (statuses as the layout says, store Active), faults cleared. The log is kept.
    pub fn reset(&self) {
        self.shared.cluster().reset();
        self.shared.clear_faults();
    }

    /// Ends every thread (hanging and dripping connections included) and frees the ports. Drop does the same.
    pub fn shutdown(self) {}

    fn stop_threads(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        for host in &self.shared.hosts {
            // Wake the blocking accept() so the acceptor sees the flag.
            if let Ok(mut addrs) = (host.as_str(), self.shared.port).to_socket_addrs() {
                if let Some(addr) = addrs.next() {
                    let _ = TcpStream::connect_timeout(&addr, Duration::from_millis(500));
                }
            }
        }
        for addr in &self.backends {
            let _ = TcpStream::connect_timeout(addr, Duration::from_millis(500));
        }
        for handle in self.acceptors.drain(..) {
            let _ = handle.join();
        }
        let connections: Vec<JoinHandle<()>> = lock(&self.shared.connections).drain(..).collect();
        for handle in connections {
            let _ = handle.join();
        }
    }
}

impl Drop for RefManager {
    fn drop(&mut self) {
        self.stop_threads();
    }
}

fn next_random(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    x
}

fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn resolve(host: &str, port: u16) -> io::Result<SocketAddr> {
    (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::AddrNotAvailable, format!("{host} does not resolve")))
}

/// Binds every host on the same port; with port 0, retries until one free port works for all of them.
fn bind_all(hosts: &[String], port: u16) -> io::Result<(u16, Vec<TcpListener>)> {
    let bind = |host: &str, port: u16| -> io::Result<TcpListener> {
        TcpListener::bind(resolve(host, port)?)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {}: {e}", host_port(host, port))))
    };
    if port != 0 {
        let listeners = hosts.iter().map(|h| bind(h, port)).collect::<io::Result<Vec<_>>>()?;
        return Ok((port, listeners));
    }
    let mut last_error = None;
    for _ in 0..50 {
        let first = bind(&hosts[0], 0)?;
        let chosen = first.local_addr()?.port();
        let rest: io::Result<Vec<TcpListener>> = hosts[1..].iter().map(|h| bind(h, chosen)).collect();
        match rest {
            Ok(rest) => {
                let mut listeners = vec![first];
                listeners.extend(rest);
                return Ok((chosen, listeners));
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::new(io::ErrorKind::AddrInUse, "no common free port")))
}

/// Hands each accepted connection to `each` until shutdown. An accept error (typically out of file descriptors)
/// backs off instead of spinning.
fn accept_each(shared: &Shared, listener: TcpListener, mut each: impl FnMut(TcpStream)) {
    for stream in listener.incoming() {
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        match stream {
            Ok(stream) => each(stream),
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Keeps a connection thread to be joined at shutdown, joining the finished ones first so the list stays short.
fn track_connection(shared: &Shared, handle: thread::JoinHandle<()>) {
    let mut connections = lock(&shared.connections);
    let (finished, running): (Vec<_>, Vec<_>) = connections.drain(..).partition(|h| h.is_finished());
    *connections = running;
    connections.push(handle);
    drop(connections);
    for handle in finished {
        let _ = handle.join();
    }
}

fn accept_loop(shared: Arc<Shared>, host_index: usize, listener: TcpListener) {
    accept_each(&shared, listener, |stream| {
        let worker = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name("refmanager-conn".to_string())
            .spawn(move || serve_connection(&worker, host_index, stream));
        if let Ok(handle) = spawned {
            track_connection(&shared, handle);
        }
    });
}

/// The TLS front of one host: a relay thread per connection, joined like the http connections.
fn tls_accept_loop(
    shared: Arc<Shared>,
    listener: TcpListener,
    backend: SocketAddr,
    acceptor: Arc<native_tls::TlsAcceptor>,
) {
    accept_each(&shared, listener, |stream| {
        let (worker, acceptor) = (Arc::clone(&shared), Arc::clone(&acceptor));
        let spawned = thread::Builder::new()
            .name("refmanager-tls".to_string())
            .spawn(move || tls::relay(stream, backend, &acceptor, &worker.shutdown));
        if let Ok(handle) = spawned {
            track_connection(&shared, handle);
        }
    });
}

fn serve_connection(shared: &Shared, host_index: usize, mut stream: TcpStream) {
    let request = match http::read_request(&mut stream, &shared.shutdown) {
        Ok(request) => request,
        Err(http::ReadError::Bad(status, message)) => {
            let _ = http::write_response(&mut stream, &http::Response::error(status, "BadRequest", &message));
            http::finish(stream);
            return;
        }
        Err(_) => return,
    };
    let started = Instant::now();
    if routes::is_control(&request.path) {
        let response = routes::handle_control(shared, &request);
        let _ = http::write_response(&mut stream, &response);
        shared.print(host_index, &request, response.status, started, Fault::None);
        http::finish(stream);
        return;
    }
    let fault = shared.fault(host_index);
    let seq = shared.log_arrival(host_index, &request, fault);
    let status = match fault {
        Fault::Hang => {
            shared.print(host_index, &request, 0, started, fault);
            hang(shared, &mut stream);
            0
        }
        Fault::Reset => {
            http::reset(stream);
            shared.log_finish(seq, 0);
            shared.print(host_index, &request, 0, started, fault);
            return;
        }
        Fault::Status500 => {
            let response = http::Response::error(500, "InjectedFault", "injected fault: internal server error");
            let _ = http::write_response(&mut stream, &response);
            500
        }
        Fault::Malformed => {
            let response = http::Response {
                status: 200,
                body: br#"{"name": "OrdersStore", "instances": [{"name": "orders-1", "sta"#.to_vec(),
                extra_headers: Vec::new(),
            };
            let _ = http::write_response(&mut stream, &response);
            200
        }
        Fault::Latency(ms) => {
            if shared.sleep(Duration::from_millis(ms)) {
                let response = routes::handle_admin(shared, host_index, &request);
                let _ = http::write_response(&mut stream, &response);
                response.status
            } else {
                0
            }
        }
        Fault::Drip => {
            let response = routes::handle_admin(shared, host_index, &request);
            drip(shared, &mut stream, &response);
            response.status
        }
        Fault::None | Fault::Flap | Fault::DieAfter(_) | Fault::DieAfterStop => {
            let response = routes::handle_admin(shared, host_index, &request);
            let _ = http::write_response(&mut stream, &response);
            if fault == Fault::DieAfterStop && request.method == "POST" && response.status == 202 {
                // Dies having accepted the stop: the cluster carries on stopping the node without it.
                shared.set_fault(host_index, Fault::Reset);
            }
            response.status
        }
    };
    shared.log_finish(seq, status);
    if fault != Fault::Hang {
        shared.print(host_index, &request, status, started, fault);
    }
    http::finish(stream);
}

/// Holds the connection without answering until the client gives up or the server shuts down.
fn hang(shared: &Shared, stream: &mut TcpStream) {
    let _ = stream.set_read_timeout(Some(http::POLL));
    let mut sink = [0u8; 512];
    while !shared.shutdown.load(Ordering::SeqCst) {
        match stream.read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// Status line and headers at once, then the body one byte per second.
fn drip(shared: &Shared, stream: &mut TcpStream, response: &http::Response) {
    if stream.write_all(&response.head_bytes()).is_err() {
        return;
    }
    for byte in &response.body {
        if !shared.sleep(Duration::from_secs(1)) {
            return;
        }
        if stream.write_all(std::slice::from_ref(byte)).and_then(|_| stream.flush()).is_err() {
            return;
        }
    }
}
