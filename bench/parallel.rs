//! Scenario 1: one node on each of many managers, each node taking a fixed time to stop. How close does a
//! parallel whole-store stop come to "discovery + one stop", and how much faster is it than a sequential one?
use crate::cluster;
use crate::refmanager::{Config, Fault, Layout, RefManager};
use crate::report::{all_succeeded, Ratio};
use crate::stats::{ms, Samples};
use crate::table::Table;
use clustron_dkv::deadline::{CancelToken, Deadline};
use clustron_dkv::endpoints::discovery::discover;
use clustron_dkv::endpoints::node_stop::NodeStop;
use clustron_dkv::endpoints::store_poll::StorePolls;
use clustron_dkv::net::retry::{Asker, Open};
use clustron_dkv::operation::stop::DEFAULT_THROTTLE;
use clustron_dkv::{ResultKind, Session, StopRequest, Targets};
use std::time::{Duration, Instant};

const STORE: &str = "FanoutStore";
const SUBNET: u8 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopModel {
    /// The manager accepts a graceful stop at once (202) and the node reports Stopped `stop_ms` later
    /// (the reference manager's stop delay); the client polls. Discovery is not delayed.
    Graceful,
    /// Every request to a manager, the stop included, is answered `stop_ms` late (latency fault), so discovery
    /// and the pre-force safety check are delayed too.
    Forced,
}

impl StopModel {
    pub fn parse(text: &str) -> Result<StopModel, String> {
        match text {
            "graceful" => Ok(StopModel::Graceful),
            "forced" => Ok(StopModel::Forced),
            other => Err(format!("unknown stop model {:?}: expected graceful or forced", other)),
        }
    }

    fn label(self) -> &'static str {
        match self {
            StopModel::Graceful => "graceful",
            StopModel::Forced => "forced",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ParallelOptions {
    pub managers: usize,
    pub stop_ms: u64,
    pub model: StopModel,
    pub reps: usize,
    pub sequential_reps: usize,
    pub timeout_sec: i64,
}

struct Bench {
    rm: RefManager,
    hosts: Vec<String>,
    targets: Targets,
    opts: ParallelOptions,
}

pub fn run(opts: &ParallelOptions, ratios: &mut Vec<Ratio>) -> Result<(), String> {
    let hosts = cluster::hosts(SUBNET, opts.managers)?;
    let layout = Layout { stores: vec![cluster::store_layout(STORE, &hosts, 1)] };
    let host_refs: Vec<&str> = hosts.iter().map(|h| h.as_str()).collect();
    let mut config = Config::with_layout(&host_refs, layout);
    if opts.model == StopModel::Graceful {
        config.stop_delay_ms = opts.stop_ms;
    }
    let rm = RefManager::start(config).map_err(|e| format!("reference manager: {}", e))?;
    let session = Session::connect(&rm.addresses(), None, Some(opts.timeout_sec)).map_err(|e| e.message)?;
    let targets = Targets::resolve::<&str>(Some(&session), &[], None, None).map_err(|e| e.message)?;
    let bench = Bench { rm, hosts, targets, opts: opts.clone() };

    println!(
        "== Scenario 1: {} managers (127.0.{}.1-{}), one node each, {} stops taking {} ms",
        opts.managers,
        SUBNET,
        opts.managers,
        opts.model.label(),
        opts.stop_ms
    );
    match opts.model {
        StopModel::Graceful => println!(
            "   each stop is answered 202 at once; the node reports Stopped {} ms later (stop delay); the client polls \
             after 50 ms, then every 100 ms. Discovery is answered at once.",
            opts.stop_ms
        ),
        StopModel::Forced => println!(
            "   every request to every manager is answered {} ms late (latency fault): discovery, the operation's one \
             safety check before its first forced stop, and each stop.",
            opts.stop_ms
        ),
    }

    let wide = opts.managers > DEFAULT_THROTTLE;
    let mut discovery = Vec::new();
    let mut one_stop = Vec::new();
    let mut parallel_default = Vec::new();
    let mut parallel_wide = Vec::new();
    let mut spread_default = Vec::new();
    let mut spread_wide = Vec::new();
    for _ in 0..opts.reps {
        discovery.push(bench.discovery_alone()?);
        one_stop.push(bench.one_stop_alone()?);
        let (took, spread) = bench.whole_store(true, 0)?;
        parallel_default.push(took);
        spread_default.push(spread);
        if wide {
            let (took, spread) = bench.whole_store(true, opts.managers)?;
            parallel_wide.push(took);
            spread_wide.push(spread);
        }
    }
    let mut sequential = Vec::new();
    for _ in 0..opts.sequential_reps {
        sequential.push(bench.whole_store(false, 0)?.0);
    }

    let disc = Samples::new(&discovery);
    let one = Samples::new(&one_stop);
    let par = Samples::new(&parallel_default);
    let par_wide = Samples::new(&parallel_wide);
    let seq = Samples::new(&sequential);
    let mut table = Table::new(&["measurement", "runs", "median ms", "min ms", "max ms", "stop requests sent over"]);
    let mut add = |name: String, s: &Samples, spread: &[Duration]| {
        let spread =
            if spread.is_empty() { String::new() } else { format!("{} ms", ms(Samples::new(spread).median())) };
        table.row(vec![name, s.len().to_string(), ms(s.median()), ms(s.min()), ms(s.max()), spread]);
    };
    add("discovery alone (GET store)".into(), &disc, &[]);
    add("one node stop alone".into(), &one, &[]);
    add(
        format!("whole store, parallel, throttle {}", std::cmp::min(DEFAULT_THROTTLE, opts.managers)),
        &par,
        &spread_default,
    );
    if wide {
        add(format!("whole store, parallel, throttle {}", opts.managers), &par_wide, &spread_wide);
    }
    add("whole store, sequential".into(), &seq, &[]);
    print!("{}", table.render());
    println!();

    let base = disc.median() + one.median();
    let model = opts.model.label();
    let n = opts.managers;
    ratios.push(
        Ratio::new(
            format!(
                "S1 {} {}x{}ms: parallel (throttle {}) / (discovery + one stop)",
                model, n, opts.stop_ms, DEFAULT_THROTTLE
            ),
            par.median(),
            base,
            format!(
                "whole-store -Parallel wall time with the default throttle over the time of discovery plus one node's \
                 stop, all medians of this run; the throttle bounds requests in flight ({} at once for {} managers): \
                 a graceful stop's waits hold none, a request a manager answers late holds one while it waits",
                DEFAULT_THROTTLE, n
            ),
        )
        .at_most(1.15),
    );
    if wide {
        ratios.push(
            Ratio::new(
                format!("S1 {} {}x{}ms: parallel (throttle {}) / (discovery + one stop)", model, n, opts.stop_ms, n),
                par_wide.median(),
                base,
                format!(
                    "as above with the throttle raised to {} (every request at once; Stop-DkvStore -Parallel -ThrottleLimit {})",
                    n, n
                ),
            )
            .at_most(1.15),
        );
    }
    if !seq.is_empty() {
        ratios.push(Ratio::new(
            format!("S1 {} {}x{}ms: sequential / parallel (throttle {})", model, n, opts.stop_ms, DEFAULT_THROTTLE),
            seq.median(),
            par.median(),
            "speed-up of -Parallel over the default sequential stop",
        ));
        if wide {
            ratios.push(Ratio::new(
                format!("S1 {} {}x{}ms: sequential / parallel (throttle {})", model, n, opts.stop_ms, n),
                seq.median(),
                par_wide.median(),
                "speed-up with the throttle raised to the manager count",
            ));
        }
    }
    Ok(())
}

impl Bench {
    /// Back to every node Running and the store Active; the forced model's latency applies to every manager.
    fn prepare(&self) {
        self.rm.reset();
        if self.opts.model == StopModel::Forced {
            for host in &self.hosts {
                self.rm.set_fault(host, Fault::Latency(self.opts.stop_ms));
            }
        }
        self.rm.clear_log();
    }

    fn deadline(&self) -> Deadline {
        Deadline::after(Duration::from_secs(self.opts.timeout_sec as u64))
    }

    fn discovery_alone(&self) -> Result<Duration, String> {
        self.prepare();
        let quiet = |_: String| {};
        let started = Instant::now();
        let found = discover(
            &self.targets.transport,
            &self.targets.managers,
            STORE,
            &self.deadline(),
            &CancelToken::new(),
            &Open,
            &quiet,
        )
        .map_err(|e| format!("discovery: {}", e.message))?;
        let took = started.elapsed();
        if found.store.instances.len() != self.opts.managers {
            return Err(format!(
                "discovery found {} nodes, expected {}",
                found.store.instances.len(),
                self.opts.managers
            ));
        }
        Ok(took)
    }

    /// The work one node gets inside a whole-store stop: graceful stops of a passive store skip the per-node
    /// safety check (the store-level one was made once); forced stops only force (their operation asked once).
    fn one_stop_alone(&self) -> Result<Duration, String> {
        self.prepare();
        let graceful = self.opts.model == StopModel::Graceful;
        if graceful {
            self.rm.set_store_state(STORE, "Passive");
        }
        // Not the first manager: that one also answers discovery in the whole-store runs.
        let index = 1 % self.opts.managers;
        let instance = format!("node-{:03}-01", index + 1);
        let quiet = |_: String| {};
        let no_progress = |_: String| {};
        let deadline = self.deadline();
        let cancel = CancelToken::new();
        let started = Instant::now();
        let outcome = NodeStop {
            asker: Asker {
                transport: &self.targets.transport,
                deadline: &deadline,
                cancel: &cancel,
                gate: &Open,
                log: &quiet,
            },
            manager: &self.targets.managers[index],
            managers: &self.targets.managers,
            store: STORE,
            polls: &StorePolls::new(),
            instance: &instance,
            force: !graceful,
            check_safety: false,
            risk: None,
            shares: 1,
            progress: &no_progress,
        }
        .run();
        let took = started.elapsed();
        if outcome.kind != ResultKind::Success {
            return Err(format!("one stop of {}: {} ({})", instance, outcome.kind.label(), outcome.message));
        }
        Ok(took)
    }

    /// Returns the wall time and how far apart the first and last stop requests arrived.
    fn whole_store(&self, parallel: bool, throttle: usize) -> Result<(Duration, Duration), String> {
        self.prepare();
        let request = StopRequest {
            store: STORE.to_string(),
            instances: None,
            force: self.opts.model == StopModel::Forced,
            parallel,
            fail_fast: false,
            throttle,
            node_timeout: None,
        };
        let started = Instant::now();
        let rows = clustron_dkv::Operation::run(self.targets.clone(), request).map_err(|e| e.message)?;
        let took = started.elapsed();
        all_succeeded("whole-store stop", &rows, self.opts.managers)?;
        let posts: Vec<u64> = self
            .rm
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/stop"))
            .map(|r| r.start_ms)
            .collect();
        if posts.len() != self.opts.managers {
            return Err(format!("{} stop requests reached the managers, expected {}", posts.len(), self.opts.managers));
        }
        let first = posts.iter().min().copied().unwrap_or(0);
        let last = posts.iter().max().copied().unwrap_or(0);
        Ok((took, Duration::from_millis(last - first)))
    }
}
