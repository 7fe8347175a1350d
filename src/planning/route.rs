//! Which targeted manager runs on a node's server, when operators and stores name machines differently: a manager
//! given as `localhost` or `mgr11.corp` while the store lists its servers as `127.0.0.1` or `10.0.0.11` (or the
//! reverse, or a short name against an FQDN).
//!
//! The rule (docs/manager-api.md, "Routing and selection"): a server and a manager's host match when their names
//! are equal (case-insensitive; IPv6 in any spelling) or when the addresses they resolve to meet. Each name is
//! resolved at most once per operation, only when names alone do not decide, and never past the operation's
//! deadline or its cancellation: a resolver that hangs is left behind on its own thread. A name that cannot be
//! resolved is compared by name only, and a SKIPPED message says so (`ServerMatcher::describe`).
//!
//! Used by plan routing (`plan::plan`), and through it by every request sent to a node's manager (stop, safety
//! check, polling); meant for anything else that must pick "the manager on this server" (poll failover).
use crate::deadline::{CancelToken, Deadline};
use crate::net::address::{bare, same_name, ManagerEndpoint};
use std::collections::HashMap;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Turns a host name into its addresses; an error is a reason an operator can read.
pub type Resolver = Arc<dyn Fn(&str) -> Result<Vec<IpAddr>, String> + Send + Sync>;

/// What one name resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// An address written as such: nothing to resolve.
    Literal(IpAddr),
    Addresses(Vec<IpAddr>),
    /// The resolver answered with an error (or no address): only names are compared.
    Failed(String),
    /// No answer before the deadline (or the operation was cancelled): only names are compared.
    NoAnswer,
}

impl Resolution {
    fn addresses(&self) -> &[IpAddr] {
        match self {
            Resolution::Literal(ip) => std::slice::from_ref(ip),
            Resolution::Addresses(list) => list,
            Resolution::Failed(_) | Resolution::NoAnswer => &[],
        }
    }
}

/// Matches node servers to targeted managers for one operation, caching what each name resolved to.
pub struct ServerMatcher {
    resolver: Resolver,
    deadline: Deadline,
    cancel: Option<CancelToken>,
    cache: Mutex<HashMap<String, Resolution>>,
    /// Held while names are being resolved, so that threads of a parallel stop asking at once still resolve each
    /// name once: the second waits for the first's answer (never past the deadline, which bounds the first).
    resolving: Mutex<()>,
}

/// How often a wait for the resolver looks at the operation's cancellation.
const CANCEL_CHECK: Duration = Duration::from_millis(50);

impl ServerMatcher {
    /// With the system's resolver (getaddrinfo: the hosts file, DNS, and on Windows NetBIOS/LLMNR too).
    pub fn new(deadline: &Deadline, cancel: Option<&CancelToken>) -> ServerMatcher {
        ServerMatcher::with_resolver(deadline, cancel, Arc::new(system_resolve))
    }

    pub fn with_resolver(deadline: &Deadline, cancel: Option<&CancelToken>, resolver: Resolver) -> ServerMatcher {
        ServerMatcher {
            resolver,
            deadline: *deadline,
            cancel: cancel.cloned(),
            cache: Mutex::new(HashMap::new()),
            resolving: Mutex::new(()),
        }
    }

    /// The first manager in `targets` that runs on `server`: one whose host is the same name, else one whose
    /// host resolves to an address `server` resolves to. Names are resolved only when no name is equal.
    pub fn find<'a>(&self, targets: &'a [ManagerEndpoint], server: &str) -> Option<&'a ManagerEndpoint> {
        if let Some(same) = targets.iter().find(|t| same_name(&t.host, server)) {
            return Some(same);
        }
        let mut names: Vec<&str> = vec![server];
        names.extend(targets.iter().map(|t| t.host.as_str()));
        self.resolve_all(&names);
        let server_addresses = self.resolution(server);
        let server_addresses = server_addresses.addresses();
        if server_addresses.is_empty() {
            return None;
        }
        targets.iter().find(|t| self.resolution(&t.host).addresses().iter().any(|a| server_addresses.contains(a)))
    }

    /// Whether the manager at `endpoint` runs on `server` (the same rule as [`ServerMatcher::find`]).
    pub fn hosts(&self, endpoint: &ManagerEndpoint, server: &str) -> bool {
        self.find(std::slice::from_ref(endpoint), server).is_some()
    }

    /// `name`, and what it resolved to when that is not obvious from the name: `localhost (resolved to
    /// 127.0.0.1, ::1)`, `mgr.corp (could not be resolved: ...; compared by name only)`. An address, or a name
    /// never resolved (because names alone decided), is shown as it is.
    pub fn describe(&self, name: &str) -> String {
        with_note(name.trim().to_string(), self.note(name))
    }

    /// The Manager-column form of `endpoint` (`host:port`), and what its host resolved to, as in `describe`.
    pub fn describe_endpoint(&self, endpoint: &ManagerEndpoint) -> String {
        with_note(endpoint.display_name(), self.note(&endpoint.host))
    }

    fn note(&self, name: &str) -> Option<String> {
        let cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match cache.get(&key(name))? {
            Resolution::Literal(_) => None,
            Resolution::Addresses(list) => {
                Some(format!("resolved to {}", list.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")))
            }
            Resolution::Failed(reason) => Some(format!("could not be resolved: {}; compared by name only", reason)),
            Resolution::NoAnswer => Some("not resolved before the deadline; compared by name only".to_string()),
        }
    }

    /// What `name` resolved to (resolving it now if it never was).
    pub fn resolution(&self, name: &str) -> Resolution {
        self.resolve_all(&[name]);
        let cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.get(&key(name)).cloned().unwrap_or(Resolution::NoAnswer)
    }

    /// Resolves every name not resolved yet, all at once, each on its own thread, waiting no longer than the
    /// deadline (or a cancellation). A name without an answer by then stays unanswered for this operation.
    fn resolve_all(&self, names: &[&str]) {
        let _one_at_a_time = self.resolving.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut pending = Vec::new();
        {
            let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for name in names {
                let k = key(name);
                if cache.contains_key(&k) {
                    continue;
                }
                if let Some(ip) = literal(name) {
                    cache.insert(k, Resolution::Literal(ip));
                    continue;
                }
                if pending.contains(&k) {
                    continue;
                }
                pending.push(k);
            }
        }
        if pending.is_empty() {
            return;
        }
        let (sender, receiver) = mpsc::channel::<(String, Resolution)>();
        let mut outstanding = 0usize;
        let mut answered = Vec::new();
        for name in &pending {
            let resolver = Arc::clone(&self.resolver);
            let sender = sender.clone();
            let owned = name.clone();
            // getaddrinfo cannot be interrupted: the thread is detached, and its late answer goes nowhere.
            let spawned = std::thread::Builder::new().name("dkv-resolve".to_string()).spawn(move || {
                let resolution = match resolver(&owned) {
                    Ok(list) if !list.is_empty() => Resolution::Addresses(list),
                    Ok(_) => Resolution::Failed("no address".to_string()),
                    Err(reason) => Resolution::Failed(reason),
                };
                let _ = sender.send((owned, resolution));
            });
            match spawned {
                Ok(_) => outstanding += 1,
                Err(e) => answered.push((name.clone(), Resolution::Failed(format!("no thread to resolve it ({})", e)))),
            }
        }
        drop(sender);
        while outstanding > 0 {
            if self.cancel.as_ref().map_or(false, |c| c.is_cancelled()) {
                break;
            }
            let remaining = self.deadline.remaining();
            if remaining == Duration::from_millis(0) {
                break;
            }
            match receiver.recv_timeout(std::cmp::min(remaining, CANCEL_CHECK)) {
                Ok(answer) => {
                    outstanding -= 1;
                    answered.push(answer);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for name in pending {
            let resolution = match answered.iter().position(|(n, _)| *n == name) {
                Some(i) => answered.swap_remove(i).1,
                None => Resolution::NoAnswer,
            };
            cache.insert(name, resolution);
        }
    }
}

fn with_note(shown: String, note: Option<String>) -> String {
    match note {
        Some(note) => format!("{} ({})", shown, note),
        None => shown,
    }
}

fn key(name: &str) -> String {
    match literal(name) {
        Some(ip) => ip.to_string(),
        None => bare(name).to_ascii_lowercase(),
    }
}

fn literal(name: &str) -> Option<IpAddr> {
    bare(name).parse::<IpAddr>().ok()
}

/// The system resolver; the port is irrelevant (only addresses are compared).
pub fn system_resolve(name: &str) -> Result<Vec<IpAddr>, String> {
    match (name, 0u16).to_socket_addrs() {
        Ok(addrs) => {
            let mut list: Vec<IpAddr> = Vec::new();
            for addr in addrs {
                // An IPv4-mapped IPv6 answer is the IPv4 address it maps.
                let ip = match addr.ip() {
                    IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
                    v4 => v4,
                };
                if !list.contains(&ip) {
                    list.push(ip);
                }
            }
            Ok(list)
        }
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::address::DEFAULT_PORT;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    fn endpoints(list: &[&str]) -> Vec<ManagerEndpoint> {
        list.iter().map(|a| ManagerEndpoint::parse(a, DEFAULT_PORT).expect("valid test address")).collect()
    }

    /// A resolver from a table, counting its calls; names not in the table fail.
    fn table(entries: &[(&str, &[&str])], calls: Arc<AtomicUsize>) -> Resolver {
        let entries: Vec<(String, Vec<IpAddr>)> = entries
            .iter()
            .map(|(name, ips)| (name.to_string(), ips.iter().map(|ip| ip.parse().expect("test address")).collect()))
            .collect();
        Arc::new(move |name: &str| {
            calls.fetch_add(1, Ordering::SeqCst);
            entries
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, ips)| ips.clone())
                .ok_or_else(|| format!("{} is not in the table", name))
        })
    }

    fn matcher(resolver: Resolver) -> ServerMatcher {
        ServerMatcher::with_resolver(&Deadline::after(Duration::from_secs(10)), None, resolver)
    }

    #[test]
    fn equal_names_match_without_resolving() {
        let calls = Arc::new(AtomicUsize::new(0));
        let m = matcher(table(&[], Arc::clone(&calls)));
        let targets = endpoints(&["10.0.0.12", "MGR.corp", "[::1]"]);
        assert_eq!(m.find(&targets, "mgr.CORP.").map(|t| t.host.as_str()), Some("mgr.corp"));
        assert_eq!(m.find(&targets, "0:0:0:0:0:0:0:1").map(|t| t.host.as_str()), Some("::1"));
        assert_eq!(m.find(&targets, " 10.0.0.12 ").map(|t| t.host.as_str()), Some("10.0.0.12"));
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_name_matches_the_address_it_resolves_to_both_ways() {
        let calls = Arc::new(AtomicUsize::new(0));
        let m = matcher(table(&[("mgr11.corp", &["10.0.0.11"]), ("mgr11", &["10.0.0.11"])], Arc::clone(&calls)));
        // The operator names the manager; the store lists the address.
        let by_name = endpoints(&["mgr11.corp", "10.0.0.12"]);
        assert_eq!(m.find(&by_name, "10.0.0.11").map(|t| t.host.as_str()), Some("mgr11.corp"));
        // The operator gives the address; the store lists a short name.
        let by_address = endpoints(&["10.0.0.12", "10.0.0.11"]);
        assert_eq!(m.find(&by_address, "mgr11").map(|t| t.host.as_str()), Some("10.0.0.11"));
        // A short name against an FQDN: both resolve to the same address.
        assert!(m.hosts(&by_name[0], "MGR11"));
        assert!(m.find(&by_name, "10.0.0.13").is_none());
        // Once per name per operation, however often it is asked.
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(m.describe("mgr11.corp"), "mgr11.corp (resolved to 10.0.0.11)");
        assert_eq!(m.describe("10.0.0.13"), "10.0.0.13");
    }

    #[test]
    fn threads_asking_at_once_still_resolve_each_name_once() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let slow: Resolver = Arc::new(move |_: &str| {
            counted.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(100));
            Ok(vec!["10.0.0.11".parse().expect("address")])
        });
        let m = Arc::new(matcher(slow));
        let askers: Vec<_> = (0..4)
            .map(|_| {
                let m = Arc::clone(&m);
                std::thread::spawn(move || m.find(&endpoints(&["mgr11.corp"]), "10.0.0.11").is_some())
            })
            .collect();
        for asker in askers {
            assert!(asker.join().expect("asker thread"));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_unresolvable_name_falls_back_to_its_name_and_says_so() {
        let calls = Arc::new(AtomicUsize::new(0));
        let m = matcher(table(&[], calls));
        let targets = endpoints(&["mgr11.corp"]);
        assert!(m.find(&targets, "10.0.0.11").is_none());
        assert!(m.find(&targets, "MGR11.CORP").is_some());
        assert_eq!(
            m.describe("mgr11.corp"),
            "mgr11.corp (could not be resolved: mgr11.corp is not in the table; compared by name only)"
        );
    }

    #[test]
    fn a_hanging_resolver_holds_nothing_past_the_deadline_or_a_cancel() {
        let hang: Resolver = Arc::new(|_: &str| {
            std::thread::sleep(Duration::from_secs(60));
            Err("late".to_string())
        });
        let targets = endpoints(&["mgr11.corp", "mgr12.corp"]);
        let deadline = Deadline::after(Duration::from_millis(300));
        let m = ServerMatcher::with_resolver(&deadline, None, Arc::clone(&hang));
        let started = Instant::now();
        assert!(m.find(&targets, "10.0.0.11").is_none());
        assert!(started.elapsed() < Duration::from_secs(10), "waited {:?}", started.elapsed());
        assert!(m.describe("mgr12.corp").contains("not resolved before the deadline"), "{}", m.describe("mgr12.corp"));
        // Names still decide after the deadline, and nothing is asked of the resolver again.
        assert!(m.find(&targets, "MGR12.corp").is_some());

        let cancel = CancelToken::new();
        let m = ServerMatcher::with_resolver(&Deadline::after(Duration::from_secs(60)), Some(&cancel), hang);
        let canceller = cancel.clone();
        let started = Instant::now();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            canceller.cancel();
        });
        assert!(m.find(&targets, "10.0.0.11").is_none());
        assert!(started.elapsed() < Duration::from_secs(30), "waited {:?}", started.elapsed());
        let _ = t.join();
    }

    #[test]
    fn the_system_resolver_knows_localhost_and_addresses_written_both_ways() {
        // No hosts file is touched: localhost resolves everywhere, and an address "resolves" to itself.
        let m = ServerMatcher::new(&Deadline::after(Duration::from_secs(10)), None);
        let by_name = endpoints(&["localhost"]);
        assert!(m.find(&by_name, "127.0.0.1").is_some(), "{}", m.describe("localhost"));
        let by_address = endpoints(&["127.0.0.1:7801"]);
        assert!(m.find(&by_address, "LOCALHOST").is_some(), "{}", m.describe("localhost"));
        assert!(m.find(&by_address, "127.0.0.2").is_none());
        assert!(m.describe("localhost").starts_with("localhost (resolved to "), "{}", m.describe("localhost"));
    }
}
