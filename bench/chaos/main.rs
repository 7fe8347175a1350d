//! dkv-chaos: many stops against reference managers that fail at random, each checked against the managers' own
//! request log and data accounting (issue 11). See bench/README.md and docs/reliability.md.
//!
//! `dkv-chaos [--stops N] [--seed S] [--managers M] [--quiet]`: ends with `chaos: N passed, N failed` (one per
//! stop, plus one for the leak check), exit 1 on any invariant violation.
use dkv_refmanager as refmanager;

use clustron_dkv::{NodeResult, Operation, ResultKind, Session, StopRequest, Targets};
use refmanager::{Config, Fault, InstanceLayout, Layout, LoggedRequest, RefManager, StoreLayout};
use std::collections::BTreeMap;
use std::process::exit;
use std::time::{Duration, Instant};

const STORE: &str = "ChaosStore";
const NODES_PER_MANAGER: usize = 2;
const SUBNET: u8 = 150;
/// A request that reached a manager this long after the call returned counts as sent after it: the margin
/// covers only the time between a request leaving and the manager having read it.
const ARRIVAL_MARGIN_MS: u64 = 50;

struct Options {
    stops: usize,
    seed: u64,
    managers: usize,
    quiet: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options { stops: 60, seed: 11, managers: 5, quiet: false };
    let mut i = 0;
    while i < args.len() {
        let value = |i: usize| args.get(i + 1).ok_or_else(|| format!("{} needs a value", args[i]));
        match args[i].as_str() {
            "--stops" => o.stops = value(i)?.parse().map_err(|_| "--stops expects a number".to_string())?,
            "--seed" => o.seed = value(i)?.parse().map_err(|_| "--seed expects a number".to_string())?,
            "--managers" => {
                o.managers = value(i)?.parse().map_err(|_| "--managers expects a number".to_string())?;
                if !(2..=50).contains(&o.managers) {
                    return Err("--managers must be 2..50".to_string());
                }
            }
            "--quiet" => {
                o.quiet = true;
                i += 1;
                continue;
            }
            other => return Err(format!("unknown argument {:?}", other)),
        }
        i += 2;
    }
    Ok(o)
}

/// xorshift64: the soak's choices, repeatable from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One stop as drawn.
struct Scenario {
    request: StopRequest,
    timeout_sec: u64,
    /// Emulates Ctrl+C after this long.
    cancel_after: Option<Duration>,
    mixes: Vec<Vec<(Fault, u32)>>,
}

fn draw(rng: &mut Rng, managers: usize) -> Scenario {
    let whole = rng.chance(60);
    let instance = if whole {
        None
    } else {
        let m = rng.below(managers as u64) as usize;
        let k = rng.below(NODES_PER_MANAGER as u64) as usize;
        Some(vec![node_name(m, k)])
    };
    let parallel = rng.chance(50);
    let request = StopRequest {
        store: STORE.to_string(),
        instances: instance,
        force: rng.chance(45),
        parallel,
        fail_fast: rng.chance(50),
        throttle: if parallel && rng.chance(30) { 2 } else { 0 },
        node_timeout: None,
    };
    let timeout_sec = 2 + rng.below(2);
    // Ctrl+C mostly early, while requests are in flight: that is where a stop can outlive its call.
    let cancel_after = if rng.chance(30) { Some(Duration::from_millis(50 + rng.below(1_500))) } else { None };
    let mixes = (0..managers)
        .map(|_| {
            if rng.chance(40) {
                return Vec::new();
            }
            let mut mix = vec![(Fault::None, 4 + rng.below(8) as u32)];
            for _ in 0..1 + rng.below(2) {
                // Latency three times as likely as the rest: slow answers are what overlap a cancel or -FailFast.
                let fault = match rng.below(9) {
                    0..=2 => Fault::Latency(100 + rng.below(900)),
                    3 => Fault::Hang,
                    4 => Fault::Reset,
                    5 => Fault::Status500,
                    6 => Fault::Malformed,
                    7 => Fault::Drip,
                    _ => Fault::DieAfterStop,
                };
                mix.push((fault, 1 + rng.below(3) as u32));
            }
            mix
        })
        .collect();
    Scenario { request, timeout_sec, cancel_after, mixes }
}

fn host(i: usize) -> String {
    format!("127.0.{}.{}", SUBNET, 11 + i)
}

fn node_name(manager: usize, k: usize) -> String {
    format!("chaos-{}", manager * NODES_PER_MANAGER + k + 1)
}

fn layout(managers: usize) -> Layout {
    let instances = (0..managers)
        .flat_map(|m| {
            (0..NODES_PER_MANAGER).map(move |k| InstanceLayout {
                name: node_name(m, k),
                server: host(m),
                clustron_port: 7811,
                client_port: 7861,
                status: "Running".into(),
            })
        })
        .collect();
    Layout { stores: vec![StoreLayout { name: STORE.into(), partitions: 24, backups: 1, instances }] }
}

/// What one stop showed.
struct Ran {
    rows: Result<Vec<NodeResult>, String>,
    elapsed: Duration,
    returned_ms: u64,
    cancelled: bool,
}

/// Runs a stop as the module does: begin, poll, cancel on the first failure under -FailFast (the module
/// throws and its finally block cancels) or when "Ctrl+C" comes.
fn run(targets: Targets, s: &Scenario, rm: &RefManager) -> Ran {
    let started = Instant::now();
    let op = match Operation::begin(targets, s.request.clone()) {
        Ok(op) => op,
        Err(e) => {
            return Ran { rows: Err(e.message), elapsed: started.elapsed(), returned_ms: rm.now_ms(), cancelled: false }
        }
    };
    let mut cancelled = false;
    while !op.wait(Some(Duration::from_millis(20))) {
        let failed =
            s.request.fail_fast && op.results().map(|rows| rows.iter().any(|r| r.kind.is_failure())).unwrap_or(false);
        let interrupted = s.cancel_after.map_or(false, |after| started.elapsed() >= after);
        if failed || interrupted {
            op.cancel();
            cancelled = true;
            break;
        }
    }
    let returned_ms = rm.now_ms();
    let elapsed = started.elapsed();
    let rows = op.results().map_err(|e| e.message);
    drop(op);
    Ran { rows, elapsed, returned_ms, cancelled }
}

fn stop_target(r: &LoggedRequest) -> Option<String> {
    let mut parts = r.path.rsplit('/');
    match (r.method.as_str(), parts.next(), parts.next()) {
        ("POST", Some("stop"), Some(instance)) => Some(instance.to_string()),
        _ => None,
    }
}

/// A row that says its node's stop request never went out.
fn says_not_sent(message: &str) -> bool {
    [
        "before it started",
        "before the stop was sent",
        "not sent:",
        "not started:",
        "the stop was not sent",
        "no node was stopped",
    ]
    .iter()
    .any(|p| message.contains(p))
}

/// Every invariant of issue 11, item 7, for one stop; the violations found.
fn check(s: &Scenario, ran: &Ran, rm: &RefManager, log: &[LoggedRequest], managers: usize) -> Vec<String> {
    let mut v = Vec::new();
    let posts: Vec<(&LoggedRequest, String)> = log.iter().filter_map(|r| stop_target(r).map(|i| (r, i))).collect();
    if ran.elapsed > Duration::from_secs(s.timeout_sec + 1) {
        v.push(format!("deadline: returned after {:?} with TimeoutSec {}", ran.elapsed, s.timeout_sec));
    }
    for r in log.iter().filter(|r| r.start_ms > ran.returned_ms + ARRIVAL_MARGIN_MS) {
        v.push(format!(
            "after return: {} {} {}?{} arrived {} ms after",
            r.manager,
            r.method,
            r.path,
            r.query,
            r.start_ms - ran.returned_ms
        ));
    }
    for (r, _) in &posts {
        if !s.request.force && r.query.contains("force") {
            v.push(format!("force without -Force: {}?{}", r.path, r.query));
        }
    }
    let rows = match &ran.rows {
        Ok(rows) => rows,
        Err(_) => {
            // The operation failed before any node (discovery): nothing may have been stopped.
            if !posts.is_empty() {
                v.push(format!("{} stop requests after a failed discovery", posts.len()));
            }
            return v;
        }
    };
    let expected: Vec<String> = match &s.request.instances {
        Some(names) => names.clone(),
        None => (0..managers).flat_map(|m| (0..NODES_PER_MANAGER).map(move |k| node_name(m, k))).collect(),
    };
    let mut names: Vec<String> = rows.iter().map(|r| r.instance.clone()).collect();
    names.sort();
    let mut wanted = expected.clone();
    wanted.sort();
    if names != wanted {
        v.push(format!("rows: {:?}, selected: {:?}", names, wanted));
    }
    for row in rows {
        let status = rm.instance_status(STORE, &row.instance).unwrap_or_default();
        if row.kind == ResultKind::Success && status != "Stopped" {
            v.push(format!("SUCCESS for {} but the manager has it {}: {}", row.instance, status, row.message));
        }
        if says_not_sent(&row.message) && posts.iter().any(|(_, i)| *i == row.instance) {
            v.push(format!("{} row says not sent ({}) but a stop request arrived", row.instance, row.message));
        }
        if row.message.contains("internal error") {
            v.push(format!("{}: {}", row.instance, row.message));
        }
    }
    if !s.request.force {
        if let Some(acc) = rm.accounting(STORE) {
            if acc.lost > 0 {
                v.push(format!("a graceful stop lost {} partitions", acc.lost));
            }
        }
    }
    v
}

fn fault_kind(fault: &str) -> String {
    match fault.split(':').next() {
        Some(kind) => kind.to_string(),
        None => fault.to_string(),
    }
}

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = match parse(&args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("dkv-chaos: {}\nusage: dkv-chaos [--stops N] [--seed S] [--managers M] [--quiet]", message);
            exit(2);
        }
    };
    let hosts: Vec<String> = (0..o.managers).map(host).collect();
    let refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let rm = match RefManager::start(Config::with_layout(&refs, layout(o.managers))) {
        Ok(rm) => rm,
        Err(e) => {
            eprintln!("dkv-chaos: cannot start the reference managers: {}", e);
            exit(1);
        }
    };
    let threads_before = count("/proc/self/task");
    let fds_before = count("/proc/self/fd");
    let mut rng = Rng(o.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut passed = 0;
    let mut failed = 0;
    let mut faults: BTreeMap<String, u64> = BTreeMap::new();
    let mut kinds: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut results: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut violations: Vec<String> = Vec::new();
    let mut longest_overrun_ms: i64 = i64::MIN;
    // Managers that died having accepted a stop (die-after-stop answered 202).
    let mut deaths = 0u64;
    let started = Instant::now();
    for n in 0..o.stops {
        let s = draw(&mut rng, o.managers);
        rm.reset();
        rm.clear_log();
        rm.seed_faults(o.seed ^ (n as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
        for (i, mix) in s.mixes.iter().enumerate() {
            rm.set_fault_mix(&hosts[i], mix);
        }
        let addresses = rm.addresses();
        let session = match Session::connect(&addresses, None, Some(s.timeout_sec as i64)) {
            Ok(session) => session,
            Err(e) => {
                eprintln!("dkv-chaos: {}", e.message);
                exit(1);
            }
        };
        let targets = match Targets::resolve::<&str>(Some(&session), &[], None, None) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("dkv-chaos: {}", e.message);
                exit(1);
            }
        };
        let ran = run(targets, &s, &rm);
        // A worker the call left behind could still send: give it the rest of the deadline, as a user's next
        // command would, before reading the log.
        if ran.cancelled {
            let until = Duration::from_secs(s.timeout_sec) + Duration::from_millis(300);
            std::thread::sleep(until.saturating_sub(ran.elapsed).min(Duration::from_millis(1_500)));
        }
        let log = rm.requests();
        let found = check(&s, &ran, &rm, &log, o.managers);
        for r in &log {
            if r.fault != "none" {
                *faults.entry(fault_kind(&r.fault)).or_default() += 1;
            }
            if r.fault == "die-after-stop" && r.method == "POST" && r.status == 202 {
                deaths += 1;
            }
        }
        *kinds.entry(if s.request.instances.is_some() { "single-node" } else { "whole-store" }).or_default() += 1;
        *kinds.entry(if s.request.force { "forced" } else { "graceful" }).or_default() += 1;
        *kinds.entry(if s.request.parallel { "parallel" } else { "sequential" }).or_default() += 1;
        if s.request.fail_fast {
            *kinds.entry("-FailFast").or_default() += 1;
        }
        if ran.cancelled {
            *kinds.entry("cancelled by the caller").or_default() += 1;
        }
        match &ran.rows {
            Ok(rows) => {
                for r in rows {
                    *results.entry(r.kind.label()).or_default() += 1;
                }
            }
            Err(_) => *results.entry("operation error").or_default() += 1,
        }
        let overrun = ran.elapsed.as_millis() as i64 - (s.timeout_sec as i64 * 1000);
        longest_overrun_ms = longest_overrun_ms.max(overrun);
        if found.is_empty() {
            passed += 1;
        } else {
            failed += 1;
            for f in &found {
                violations.push(format!("stop {} ({:?}): {}", n + 1, describe(&s), f));
            }
        }
        if !o.quiet {
            println!(
                "stop {:>4}: {:<60} {:>5} ms  {}",
                n + 1,
                describe(&s),
                ran.elapsed.as_millis(),
                if found.is_empty() { "ok".to_string() } else { format!("{} VIOLATION(S)", found.len()) }
            );
        }
    }
    let took = started.elapsed();
    // Leaks: every thread and descriptor of the stops must be gone once the managers let go of their clients.
    rm.reset();
    let settle = Instant::now();
    let (mut threads, mut fds) = (count("/proc/self/task"), count("/proc/self/fd"));
    while (threads > threads_before || fds > fds_before) && settle.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
        threads = count("/proc/self/task");
        fds = count("/proc/self/fd");
    }
    let leak_ok = threads <= threads_before && fds <= fds_before;
    if leak_ok {
        passed += 1;
    } else {
        failed += 1;
        violations
            .push(format!("leak: threads {} -> {}, descriptors {} -> {}", threads_before, threads, fds_before, fds));
    }

    println!();
    println!(
        "chaos soak: {} stops in {:.1} s, seed {}, {} managers x {} nodes",
        o.stops,
        took.as_secs_f64(),
        o.seed,
        o.managers,
        NODES_PER_MANAGER
    );
    println!("stops: {}", join(&kinds));
    println!("rows: {}", join(&results));
    println!("faults injected (requests): {}; managers that died mid-stop: {}", join(&faults), deaths);
    println!(
        "longest overrun of a deadline: {} ms (negative: every stop returned before its TimeoutSec)",
        if o.stops == 0 { 0 } else { longest_overrun_ms }
    );
    println!("threads {} -> {}, descriptors {} -> {} after the stops", threads_before, threads, fds_before, fds);
    println!("invariant violations: {}", violations.len());
    for v in &violations {
        println!("  {}", v);
    }
    println!("chaos: {} passed, {} failed", passed, failed);
    drop(rm);
    if failed > 0 {
        exit(1);
    }
}

fn describe(s: &Scenario) -> String {
    let r = &s.request;
    let faulty = s.mixes.iter().filter(|m| !m.is_empty()).count();
    format!(
        "{} {} {}{}{} {}s, {} faulty",
        r.instances.as_ref().map(|l| l.join(",")).unwrap_or_else(|| "whole".to_string()),
        if r.force { "forced" } else { "graceful" },
        if r.parallel { "parallel" } else { "sequential" },
        if r.fail_fast { " -FailFast" } else { "" },
        if s.cancel_after.is_some() { " ^C" } else { "" },
        s.timeout_sec,
        faulty
    )
}

fn join<K: std::fmt::Display>(map: &BTreeMap<K, u64>) -> String {
    let parts: Vec<String> = map.iter().map(|(k, v)| format!("{} {}", k, v)).collect();
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}
