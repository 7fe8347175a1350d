//! One deadline for a whole operation, and cancellation that sleeping code notices promptly.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    start: Instant,
    at: Instant,
    total: Duration,
}

impl Deadline {
    pub fn after(total: Duration) -> Deadline {
        let start = Instant::now();
        Deadline { start, at: start + total, total }
    }

    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    pub fn expired(&self) -> bool {
        Instant::now() >= self.at
    }

    pub fn at(&self) -> Instant {
        self.at
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// A deadline for one of `parties` attempts that share what is left: an equal share, at least `floor`,
    /// never past this deadline.
    pub fn share(&self, parties: usize, floor: Duration) -> Deadline {
        let remaining = self.remaining();
        let share = remaining / std::cmp::max(parties, 1) as u32;
        let budget = std::cmp::min(remaining, std::cmp::max(share, floor));
        Deadline::after(budget)
    }

    /// "2 s", "1.5 s": the total this deadline allowed.
    pub fn budget_text(&self) -> String {
        let secs = self.total.as_secs_f64();
        if (secs - secs.round()).abs() < 0.05 {
            format!("{} s", secs.round() as u64)
        } else {
            format!("{:.1} s", secs)
        }
    }

    /// "timed out after 30 s": the message every TIMEOUT row starts with.
    pub fn describe(&self) -> String {
        format!("timed out after {}", self.budget_text())
    }
}

/// Pauses between polls: quick at first, when most stops finish, then backing off so a long migration is not
/// polled more than once a second. 50 ms, 100 ms until a second has passed, then doubling up to 1 s.
#[derive(Debug, Clone)]
pub struct Backoff {
    waited: Duration,
    last: Duration,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(50);
    const QUICK: Duration = Duration::from_millis(100);
    const QUICK_PHASE: Duration = Duration::from_secs(1);
    const MAX: Duration = Duration::from_secs(1);

    pub fn new() -> Backoff {
        Backoff { waited: Duration::from_millis(0), last: Duration::from_millis(0) }
    }

    pub fn next_pause(&mut self) -> Duration {
        let pause = if self.last == Duration::from_millis(0) {
            Backoff::FIRST
        } else if self.waited < Backoff::QUICK_PHASE {
            Backoff::QUICK
        } else {
            std::cmp::min(self.last * 2, Backoff::MAX)
        };
        self.waited += pause;
        self.last = pause;
        pause
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new()
    }
}

/// Shared flag: set once, never cleared. Sleepers wait on its condition variable, and whatever waits on a
/// condition variable of its own (the throttle, the shared store polls) is rung by the cancel, so a wait costs
/// one wake-up and a cancel ends it at once: a thread waiting between polls used to wake every 20 to 100 ms to
/// look at the flag, which hundreds of waiting nodes turned into thousands of wake-ups a second for as long as
/// the managers took.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<Flag>);

#[derive(Default)]
struct Flag {
    set: AtomicBool,
    /// The bells to ring on cancel; sleepers wait on `bell` under this lock.
    lock: Mutex<Vec<Weak<dyn Bell>>>,
    bell: Condvar,
}

// By hand: Rust 1.63 has no Debug for a Weak of a trait object that is not Debug.
impl std::fmt::Debug for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flag").field("set", &self.set).finish_non_exhaustive()
    }
}

/// Something that waits on a condition variable of its own and must hear a cancel at once: `ring` wakes its
/// waiters, taking its lock first so that a waiter that has just seen the flag unset is already waiting.
pub trait Bell: Send + Sync {
    fn ring(&self);
}

impl CancelToken {
    pub fn new() -> Self {
        CancelToken::default()
    }

    pub fn cancel(&self) {
        self.0.set.store(true, Ordering::SeqCst);
        let bells = {
            // Under the lock: a sleeper that saw the flag unset is already waiting, and hears the bell.
            let mut bells = self.0.lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            self.0.bell.notify_all();
            std::mem::take(&mut *bells)
        };
        for bell in bells.iter().filter_map(Weak::upgrade) {
            bell.ring();
        }
    }

    /// Rings `bell` when this token is cancelled (at once when it already is). Held weakly: a bell dropped
    /// before the cancel is not kept alive.
    pub fn ring_on_cancel<B: Bell + 'static>(&self, bell: &Arc<B>) {
        let weak: Weak<B> = Arc::downgrade(bell);
        let weak: Weak<dyn Bell> = weak;
        let mut bells = self.0.lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.is_cancelled() {
            drop(bells);
            return bell.ring();
        }
        bells.retain(|b| b.strong_count() > 0);
        bells.push(weak);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.set.load(Ordering::SeqCst)
    }

    /// Sleeps up to `d`, but no later than the deadline, waking early on cancellation.
    /// Returns false when the sleep was cut short by cancellation.
    pub fn sleep(&self, d: Duration, deadline: &Deadline) -> bool {
        let until = std::cmp::min(Instant::now() + d, deadline.at());
        let mut guard = self.0.lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            if self.is_cancelled() {
                return false;
            }
            let now = Instant::now();
            if now >= until {
                return true;
            }
            guard = match self.0.bell.wait_timeout(guard, until - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_whole_and_fractional_seconds() {
        assert_eq!(Deadline::after(Duration::from_secs(30)).describe(), "timed out after 30 s");
        assert_eq!(Deadline::after(Duration::from_millis(1500)).describe(), "timed out after 1.5 s");
    }

    #[test]
    fn shares_split_what_is_left_but_keep_a_floor() {
        let d = Deadline::after(Duration::from_secs(30));
        let share = d.share(3, Duration::from_secs(1)).remaining();
        assert!(share <= Duration::from_secs(10) && share > Duration::from_secs(9), "{:?}", share);
        let short = Deadline::after(Duration::from_secs(2)).share(3, Duration::from_secs(1)).remaining();
        assert!(short > Duration::from_millis(900) && short <= Duration::from_secs(1), "{:?}", short);
        let tiny = Deadline::after(Duration::from_millis(300)).share(3, Duration::from_secs(1)).remaining();
        assert!(tiny <= Duration::from_millis(300));
    }

    #[test]
    fn backoff_is_quick_first_then_capped() {
        let mut b = Backoff::new();
        let pauses: Vec<u64> = (0..16).map(|_| b.next_pause().as_millis() as u64).collect();
        assert_eq!(&pauses[..12], &[50, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 200]);
        assert_eq!(&pauses[12..], &[400, 800, 1000, 1000]);
    }

    #[test]
    fn cancelled_sleep_returns_false() {
        let token = CancelToken::new();
        token.cancel();
        assert!(!token.sleep(Duration::from_secs(10), &Deadline::after(Duration::from_secs(10))));
    }

    #[test]
    fn a_cancel_ends_a_sleep_under_way() {
        let token = CancelToken::new();
        let sleeper = {
            let token = token.clone();
            std::thread::spawn(move || token.sleep(Duration::from_secs(60), &Deadline::after(Duration::from_secs(60))))
        };
        std::thread::sleep(Duration::from_millis(50));
        token.cancel();
        assert!(!sleeper.join().unwrap(), "the sleep ended by the cancel, not by its 60 s");
    }

    #[test]
    fn a_cancel_rings_the_bells_still_alive() {
        use std::sync::atomic::AtomicUsize;
        struct Counter(AtomicUsize);
        impl Bell for Counter {
            fn ring(&self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let token = CancelToken::new();
        let kept = Arc::new(Counter(AtomicUsize::new(0)));
        token.ring_on_cancel(&kept);
        token.ring_on_cancel(&Arc::new(Counter(AtomicUsize::new(0)))); // dropped at once
        token.cancel();
        token.cancel();
        assert_eq!(kept.0.load(Ordering::SeqCst), 1, "rung once");
        let late = Arc::new(Counter(AtomicUsize::new(0)));
        token.ring_on_cancel(&late);
        assert_eq!(late.0.load(Ordering::SeqCst), 1, "a bell added after the cancel rings at once");
    }

    #[test]
    fn sleep_stops_at_the_deadline() {
        let token = CancelToken::new();
        let deadline = Deadline::after(Duration::from_millis(0));
        assert!(token.sleep(Duration::from_secs(10), &deadline));
        assert!(deadline.expired());
    }
}
