//! Scenario 3: what the library adds to one forced single-node stop over the bare HTTP round trips that stop
//! needs. The requests replayed are read from the manager's log of a library stop, not assumed.
use crate::cluster;
use crate::raw_http::{self, RawRequest};
use crate::refmanager::{Config, Layout, RefManager};
use crate::report::{all_succeeded, Ratio};
use crate::stats::{ms, Samples};
use crate::table::Table;
use clustron_dkv::deadline::Deadline;
use clustron_dkv::{Operation, Session, StopRequest, Targets};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

const STORE: &str = "SoloStore";
const SUBNET: u8 = 202;

pub struct RoundTripOptions {
    pub iterations: usize,
    pub warmup: usize,
}

struct Bench {
    rm: RefManager,
    targets: Targets,
    addr: SocketAddr,
    instance: String,
}

pub fn run(opts: &RoundTripOptions, ratios: &mut Vec<Ratio>) -> Result<(), String> {
    let hosts = cluster::hosts(SUBNET, 1)?;
    let store = cluster::store_layout(STORE, &hosts, 1);
    let instance = store.instances[0].name.clone();
    let mut config = Config::with_layout(&[hosts[0].as_str()], Layout { stores: vec![store] });
    config.quiet = true;
    let rm = RefManager::start(config).map_err(|e| format!("reference manager: {}", e))?;
    let address = rm.address(&hosts[0]);
    let addr = address
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("{} does not resolve", address))?;
    let session = Session::connect(&[address.as_str()], None, Some(30)).map_err(|e| e.message)?;
    let targets = Targets::resolve::<&str>(Some(&session), &[], None, None).map_err(|e| e.message)?;
    let bench = Bench { rm, targets, addr, instance };

    let requests = bench.requests_of_one_stop()?;
    println!("== Scenario 3: one forced single-node stop on {} vs. its raw HTTP round trips", address);
    println!("   one library stop sends, per the manager's request log:");
    for (request, status) in &requests {
        println!("     {} {} -> {}", request.method, request.target, status);
    }

    let mut library = Vec::new();
    let mut transport = Vec::new();
    let mut raw = Vec::new();
    for i in 0..opts.warmup + opts.iterations {
        // Rotate the order so that none of the three always runs first.
        let mut times = [Duration::from_secs(0); 3];
        for k in 0..3 {
            let which = (i + k) % 3;
            times[which] = match which {
                0 => bench.library_stop()?,
                1 => bench.transport_stop(&requests)?,
                _ => bench.raw_stop(&requests)?,
            };
        }
        if i >= opts.warmup {
            library.push(times[0]);
            transport.push(times[1]);
            raw.push(times[2]);
        }
    }
    let lib = Samples::new(&library);
    let calls = Samples::new(&transport);
    let bare = Samples::new(&raw);
    let mut table = Table::new(&["measurement", "runs", "median ms", "p10 ms", "p90 ms", "min ms"]);
    let measured = [
        ("library: Operation::run (forced, one node)", &lib),
        ("library transport only: same requests", &calls),
        ("raw std::net: same requests", &bare),
    ];
    for (name, s) in measured {
        table.row(vec![
            name.to_string(),
            s.len().to_string(),
            ms(s.median()),
            ms(s.percentile(10.0)),
            ms(s.percentile(90.0)),
            ms(s.min()),
        ]);
    }
    print!("{}", table.render());
    println!(
        "   library overhead per stop (median differences): {} ms in all, {} ms of it in the HTTP client",
        ms(lib.median() - bare.median()),
        ms(calls.median() - bare.median())
    );
    println!();
    ratios.push(
        Ratio::new(
            "S3: library single-node forced stop / raw round trips",
            lib.median(),
            bare.median(),
            format!(
                "median of {} library stops over the median of {} replays of the same {} requests with a minimal \
                 std::net client (new connection each, as the manager closes every connection)",
                lib.len(),
                bare.len(),
                requests.len()
            ),
        )
        .at_most(1.1),
    );
    Ok(())
}

impl Bench {
    fn request(&self) -> StopRequest {
        StopRequest {
            store: STORE.to_string(),
            instances: Some(vec![self.instance.clone()]),
            force: true,
            parallel: false,
            fail_fast: false,
            throttle: 0,
            node_timeout: None,
        }
    }

    fn requests_of_one_stop(&self) -> Result<Vec<(RawRequest, u16)>, String> {
        self.rm.reset();
        self.rm.clear_log();
        let rows = Operation::run(self.targets.clone(), self.request()).map_err(|e| e.message)?;
        all_succeeded("probe stop", &rows, 1)?;
        let log = self.rm.requests();
        if log.is_empty() {
            return Err("the probe stop reached no manager".into());
        }
        Ok(log
            .iter()
            .map(|r| {
                let target = if r.query.is_empty() { r.path.clone() } else { format!("{}?{}", r.path, r.query) };
                (RawRequest { method: r.method.clone(), target }, r.status)
            })
            .collect())
    }

    fn library_stop(&self) -> Result<Duration, String> {
        self.rm.reset();
        self.rm.clear_log();
        let targets = self.targets.clone();
        let request = self.request();
        let started = Instant::now();
        let rows = Operation::run(targets, request).map_err(|e| e.message)?;
        let took = started.elapsed();
        all_succeeded("library stop", &rows, 1)?;
        Ok(took)
    }

    /// The library's own HTTP path (ureq, deadline, body cap) without discovery parsing, planning or threads.
    fn transport_stop(&self, requests: &[(RawRequest, u16)]) -> Result<Duration, String> {
        self.rm.reset();
        self.rm.clear_log();
        let quiet = |_: String| {};
        let manager = &self.targets.managers[0];
        let deadline = Deadline::after(Duration::from_secs(30));
        let started = Instant::now();
        let mut statuses = Vec::with_capacity(requests.len());
        for (request, _) in requests {
            let reply = self
                .targets
                .transport
                .call(&request.method, manager, &request.target, None, &deadline, &quiet)
                .map_err(|e| format!("transport {}: {}", request.target, e.describe(&deadline)))?;
            statuses.push(reply.status);
        }
        let took = started.elapsed();
        check_statuses("transport", requests, &statuses)?;
        Ok(took)
    }

    /// Each answer must carry the status the library got, or the replay did not do the same work.
    fn raw_stop(&self, requests: &[(RawRequest, u16)]) -> Result<Duration, String> {
        self.rm.reset();
        self.rm.clear_log();
        let started = Instant::now();
        let mut statuses = Vec::with_capacity(requests.len());
        for (request, _) in requests {
            let (status, _body) =
                raw_http::exchange(self.addr, request).map_err(|e| format!("raw {}: {}", request.target, e))?;
            statuses.push(status);
        }
        let took = started.elapsed();
        check_statuses("raw", requests, &statuses)?;
        Ok(took)
    }
}

fn check_statuses(who: &str, requests: &[(RawRequest, u16)], statuses: &[u16]) -> Result<(), String> {
    for ((request, expected), got) in requests.iter().zip(statuses) {
        if got != expected {
            return Err(format!(
                "{} {} {} answered {}, the library's stop got {}",
                who, request.method, request.target, got, expected
            ));
        }
    }
    Ok(())
}
