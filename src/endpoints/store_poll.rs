//! One store poll shared by every node of an operation that waits for its graceful stop.
//!
//! The store document is cluster-wide and lists every node, so fetching it once per waiting node made a
//! whole-store stop's polling grow with the square of the store (each of N nodes reading N entries). Here a
//! fetch is shared: a node that wakes for its next poll takes the newest document fetched after its previous
//! look (after its 202 for the first), joins a fetch already under way that started after that, and only
//! otherwise fetches itself. About one fetch per poll interval then serves all the waiting nodes, whichever
//! manager answered it.
//!
//! Only documents fetched *after* a node's previous look serve it: a document fetched before its stop was
//! accepted could not say it stopped. One fetch is under way at a time: a node that needs a newer document than
//! the one on its way waits for that one to end and shares the next, and fetches begin at least SPACING apart.
//! Each fetch carries the whole store, so the cost of waiting is then bounded by one document at a time however
//! many nodes wait and however slowly the managers answer, instead of growing with the nodes whose stops were
//! accepted while a fetch was on its way. The node that fetches sends the request itself, through its own gate,
//! patience and managers (retry.rs), so admission, deadline and cancellation are those of any request; the
//! others send nothing while they wait. A fetch that hangs holds the others at most JOIN_LIMIT after it began:
//! then one of them fetches, through its own managers, so a silent manager costs the others one wait at most.
use crate::deadline::{Bell, CancelToken, Deadline};
use crate::net::address::ManagerEndpoint;
use crate::net::wire::{InstanceDoc, StoreDoc};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a node waits for another node's fetch before it fetches itself: a manager that answers within a
/// second is slow, not dead (retry::ATTEMPT_FLOOR).
const JOIN_LIMIT: Duration = crate::net::retry::ATTEMPT_FLOOR;

/// The least time between the beginnings of two fetches: a node's first poll comes this long after its 202
/// (Backoff's first pause), so a fetch that began before the 202 is this old by then and the spacing never
/// delays a node's first poll; it only keeps a stream of new 202s from making a fetch each.
const SPACING: Duration = Duration::from_millis(50);

/// The longest a node waits for another node's fetch without looking again: a finished fetch wakes it, and so
/// does a cancel (the operation's token rings the polls: stop::drive, start::drive), so this only bounds the
/// wait of polls no token was told about. Waking every 100 ms instead cost hundreds of waiting nodes seconds of
/// CPU.
const WAKE: Duration = Duration::from_secs(1);

/// A store document one node fetched, for every waiting node.
pub struct Fetched {
    /// When the fetch began (before it was sent): the document is no older than this.
    pub started: Instant,
    /// The manager that answered.
    pub reporter: ManagerEndpoint,
    doc: StoreDoc,
    /// Instance name -> position in `doc.instances`, so each node finds its entry without reading the list.
    index: HashMap<String, usize>,
}

impl Fetched {
    fn new(started: Instant, reporter: ManagerEndpoint, doc: StoreDoc) -> Fetched {
        let mut index = HashMap::with_capacity(doc.instances.len());
        for (i, instance) in doc.instances.iter().enumerate() {
            // The first entry of a name wins, as a search from the start of the list would find it.
            index.entry(instance.name.clone()).or_insert(i);
        }
        Fetched { started, reporter, doc, index }
    }

    pub fn instance(&self, name: &str) -> Option<&InstanceDoc> {
        self.index.get(name).and_then(|&i| self.doc.instances.get(i))
    }
}

/// What a waiting node does next.
pub enum Look<'a> {
    /// A document fetched after the node's previous look.
    Ready(Arc<Fetched>),
    /// None is fresh enough or on its way: this node fetches, and hands the answer over with `Fetch::publish`.
    Fetch(Fetch<'a>),
    /// Cancelled, or past the deadline, while waiting for another node's fetch.
    Over,
}

#[derive(Default)]
struct State {
    latest: Option<Arc<Fetched>>,
    /// Fetches under way: (id, when it began).
    in_flight: Vec<(u64, Instant)>,
    next_id: u64,
    /// When the last fetch began.
    last_began: Option<Instant>,
}

/// The shared polls of one operation (one store).
#[derive(Default)]
pub struct StorePolls {
    state: Mutex<State>,
    fetched: Condvar,
}

/// A fetch this node makes for every waiting node; dropped without `publish` (no answer, cancelled), it lets
/// one of its joiners fetch in its place.
pub struct Fetch<'a> {
    polls: &'a StorePolls,
    id: u64,
    started: Instant,
}

impl StorePolls {
    pub fn new() -> StorePolls {
        StorePolls::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next document for a node whose previous look was at `since`: one already fetched, one on its way
    /// (waited for, up to JOIN_LIMIT after it began), or a fetch of its own once no other is under way and the
    /// last one began SPACING ago.
    pub fn look(&self, since: Instant, cancel: &CancelToken, deadline: &Deadline) -> Look<'_> {
        let mut st = self.lock();
        loop {
            if let Some(latest) = st.latest.as_ref().filter(|f| f.started > since) {
                return Look::Ready(Arc::clone(latest));
            }
            if cancel.is_cancelled() || deadline.expired() {
                return Look::Over;
            }
            let now = Instant::now();
            // A fetch under way that began after `since` brings what this node needs; one that began before it
            // does not, but the next one waits for it all the same (one at a time). Either holds the node at
            // most JOIN_LIMIT after it began: one that takes longer is taken for hanging.
            let busy_until =
                st.in_flight.iter().map(|(_, began)| *began + JOIN_LIMIT).filter(|give_up_at| now < *give_up_at).max();
            let wake_at = match (busy_until, st.last_began.map(|began| began + SPACING)) {
                (Some(at), _) => at,
                (None, Some(at)) if now < at => at,
                (None, _) => {
                    let id = st.next_id;
                    st.next_id += 1;
                    st.in_flight.push((id, now));
                    st.last_began = Some(now);
                    return Look::Fetch(Fetch { polls: self, id, started: now });
                }
            };
            let pause = std::cmp::min(WAKE, std::cmp::min(wake_at, deadline.at()).saturating_duration_since(now));
            st = match self.fetched.wait_timeout(st, std::cmp::max(pause, Duration::from_millis(1))) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

impl Bell for StorePolls {
    fn ring(&self) {
        let _st = self.lock();
        self.fetched.notify_all();
    }
}

impl Fetch<'_> {
    /// Hands the answer to every waiting node; returns it for this one.
    pub fn publish(self, reporter: &ManagerEndpoint, doc: StoreDoc) -> Arc<Fetched> {
        let fetched = Arc::new(Fetched::new(self.started, reporter.clone(), doc));
        let mut st = self.polls.lock();
        // Fetches can overlap; a slow old one must not replace a newer document.
        if st.latest.as_ref().map_or(true, |latest| latest.started < fetched.started) {
            st.latest = Some(Arc::clone(&fetched));
        }
        fetched
        // Dropping self here takes the fetch off the list and wakes the joiners.
    }
}

impl Drop for Fetch<'_> {
    fn drop(&mut self) {
        let mut st = self.polls.lock();
        st.in_flight.retain(|(id, _)| *id != self.id);
        self.polls.fetched.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::address::ManagerEndpoint;

    fn doc(names: &[&str]) -> StoreDoc {
        let instances: Vec<String> =
            names.iter().map(|n| format!(r#"{{"name":"{}","server":"127.0.0.1","status":"Stopping"}}"#, n)).collect();
        let body = format!(r#"{{"name":"S","instances":[{}]}}"#, instances.join(","));
        crate::net::wire::parse(&body).unwrap()
    }

    fn manager() -> ManagerEndpoint {
        ManagerEndpoint::parse("127.0.0.1:7801", 7801).unwrap()
    }

    fn long() -> Deadline {
        Deadline::after(Duration::from_secs(30))
    }

    #[test]
    fn a_document_serves_only_nodes_that_looked_before_it_was_fetched() {
        let polls = StorePolls::new();
        let cancel = CancelToken::new();
        let before = Instant::now();
        let fetch = match polls.look(before, &cancel, &long()) {
            Look::Fetch(f) => f,
            _ => panic!("the first look fetches"),
        };
        let fetched = fetch.publish(&manager(), doc(&["a", "b"]));
        assert_eq!(fetched.instance("b").map(|i| i.name.as_str()), Some("b"));
        assert!(fetched.instance("c").is_none());
        // A node that looked before the fetch began takes it without a request.
        assert!(matches!(polls.look(before, &cancel, &long()), Look::Ready(_)));
        // One whose previous look was that very document (or a 202 after it began) needs a newer one.
        assert!(matches!(polls.look(fetched.started, &cancel, &long()), Look::Fetch(_)));
    }

    #[test]
    fn a_fetch_under_way_is_joined_and_a_dropped_one_frees_its_joiners() {
        let polls = Arc::new(StorePolls::new());
        let cancel = CancelToken::new();
        let since = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        let fetch = match polls.look(since, &cancel, &long()) {
            Look::Fetch(f) => f,
            _ => panic!("the first look fetches"),
        };
        let joiner = {
            let polls = Arc::clone(&polls);
            let cancel = cancel.clone();
            std::thread::spawn(move || match polls.look(since, &cancel, &long()) {
                Look::Ready(f) => f.instance("a").is_some(),
                _ => false,
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        fetch.publish(&manager(), doc(&["a"]));
        assert!(joiner.join().unwrap(), "the joiner got the fetched document");
        // A fetch that ends without an answer: its joiner fetches itself.
        let since = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        let failing = match polls.look(since, &cancel, &long()) {
            Look::Fetch(f) => f,
            _ => panic!("a newer document is needed"),
        };
        let joiner = {
            let polls = Arc::clone(&polls);
            let cancel = cancel.clone();
            std::thread::spawn(move || matches!(polls.look(since, &cancel, &long()), Look::Fetch(_)))
        };
        std::thread::sleep(Duration::from_millis(50));
        drop(failing);
        assert!(joiner.join().unwrap(), "the joiner fetches itself");
    }

    #[test]
    fn a_hanging_fetch_holds_its_joiners_no_longer_than_the_join_limit() {
        let polls = StorePolls::new();
        let cancel = CancelToken::new();
        let since = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        let _hanging = match polls.look(since, &cancel, &long()) {
            Look::Fetch(f) => f,
            _ => panic!("the first look fetches"),
        };
        let waited = Instant::now();
        assert!(matches!(polls.look(since, &cancel, &long()), Look::Fetch(_)));
        assert!(waited.elapsed() >= JOIN_LIMIT - Duration::from_millis(50), "{:?}", waited.elapsed());
    }

    #[test]
    fn a_node_that_needs_a_newer_document_waits_for_the_fetch_under_way_then_one_fetch_serves_all() {
        let polls = Arc::new(StorePolls::new());
        let cancel = CancelToken::new();
        let first = match polls.look(Instant::now(), &cancel, &long()) {
            Look::Fetch(f) => f,
            _ => panic!("the first look fetches"),
        };
        // Two nodes whose stops were accepted after that fetch began: it cannot serve them.
        std::thread::sleep(Duration::from_millis(2));
        let since = Instant::now();
        let late = |polls: Arc<StorePolls>, cancel: CancelToken| {
            std::thread::spawn(move || match polls.look(since, &cancel, &long()) {
                Look::Fetch(f) => {
                    let began = f.started;
                    std::thread::sleep(Duration::from_millis(30));
                    f.publish(&manager(), doc(&["a"]));
                    (true, began)
                }
                Look::Ready(f) => (false, f.started),
                Look::Over => panic!("not cancelled"),
            })
        };
        let one = late(Arc::clone(&polls), cancel.clone());
        let two = late(Arc::clone(&polls), cancel.clone());
        std::thread::sleep(Duration::from_millis(80));
        let first_began = first.started;
        first.publish(&manager(), doc(&["a"]));
        let (one, two) = (one.join().unwrap(), two.join().unwrap());
        // Neither fetched alongside the first: one fetched after it, the other took that document.
        assert_ne!(one.0, two.0, "exactly one of them fetched: {:?} {:?}", one, two);
        assert_eq!(one.1, two.1, "both read the same document");
        assert!(one.1 >= first_began + Duration::from_millis(80), "the second fetch began after the first ended");
    }

    #[test]
    fn fetches_begin_at_least_the_spacing_apart() {
        let polls = StorePolls::new();
        let cancel = CancelToken::new();
        let a = match polls.look(Instant::now(), &cancel, &long()) {
            Look::Fetch(f) => f,
            _ => panic!("the first look fetches"),
        };
        let a = a.publish(&manager(), doc(&["a"]));
        let b = match polls.look(a.started, &cancel, &long()) {
            Look::Fetch(f) => f,
            _ => panic!("a newer document is needed"),
        };
        assert!(b.started >= a.started + SPACING, "{:?}", b.started - a.started);
    }

    #[test]
    fn a_cancel_rings_a_node_waiting_for_another_nodes_fetch() {
        let polls = Arc::new(StorePolls::new());
        let cancel = CancelToken::new();
        cancel.ring_on_cancel(&polls);
        let since = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        let _hanging = match polls.look(since, &cancel, &long()) {
            Look::Fetch(f) => f,
            _ => panic!("the first look fetches"),
        };
        let joiner = {
            let (polls, cancel) = (Arc::clone(&polls), cancel.clone());
            std::thread::spawn(move || {
                let waited = Instant::now();
                (matches!(polls.look(since, &cancel, &long()), Look::Over), waited.elapsed())
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        cancel.cancel();
        let (over, waited) = joiner.join().unwrap();
        assert!(over);
        // Rung, not noticed when the hanging fetch is given up (JOIN_LIMIT, 1 s).
        assert!(waited < Duration::from_millis(700), "{:?}", waited);
    }

    #[test]
    fn a_joiner_stops_waiting_on_cancel() {
        let polls = StorePolls::new();
        let cancel = CancelToken::new();
        let since = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        let _fetch = match polls.look(since, &cancel, &long()) {
            Look::Fetch(f) => f,
            _ => panic!("the first look fetches"),
        };
        cancel.cancel();
        assert!(matches!(polls.look(since, &cancel, &long()), Look::Over));
    }
}
