//! How long a manager that does not answer is tried, and how every request of an operation is admitted.
//!
//! A manager that answers (safe or not, Stopping, even an error status) is talking: its node may use the time
//! that is left. A manager that does not answer (connection refused or reset, no response in time, a body that
//! cannot be read) gets a bounded number of attempts within a bounded share of the time left, so that one dead
//! manager costs only its own nodes. The policy is written down in docs/manager-api.md ("Managers that do not
//! answer").
use crate::deadline::{Backoff, CancelToken, Deadline};
use crate::net::address::ManagerEndpoint;
use crate::net::transport::{CallError, Logger, Reply, Transport};
use std::time::{Duration, Instant};

/// Attempts in a row without an answer before a manager is given up for this node.
pub(crate) const MAX_ATTEMPTS: u32 = 3;

/// The least time one attempt gets (unless the deadline is nearer): a slow manager that answers within a
/// second is slow, not dead.
pub const ATTEMPT_FLOOR: Duration = Duration::from_secs(1);

/// Admits the requests of one operation. Every request is admitted just before it is sent; after the operation
/// ended (cancel, -FailFast, the deadline) nothing is admitted, so nothing reaches a manager after the call
/// returned.
pub trait Gate: Sync {
    /// A ticket for one request, None when it must not be sent. `stop` marks the node's stop request as sent
    /// in the same step, so a row never says "not sent" about a stop that went out.
    fn admit(&self, stop: bool) -> Option<u64>;
    /// The request with this ticket is over.
    fn release(&self, ticket: u64);
}

/// For callers outside an operation (benchmarks, tools): admits everything.
pub struct Open;

impl Gate for Open {
    fn admit(&self, _stop: bool) -> Option<u64> {
        Some(0)
    }

    fn release(&self, _ticket: u64) {}
}

/// Held while an admitted request is in flight.
pub struct Admitted<'a> {
    gate: &'a dyn Gate,
    ticket: u64,
}

impl<'a> Admitted<'a> {
    /// Asks `gate` to admit one request; the answer is held for as long as the request is in flight.
    pub fn ask(gate: &'a dyn Gate, stop: bool) -> Option<Admitted<'a>> {
        gate.admit(stop).map(|ticket| Admitted { gate, ticket })
    }
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.gate.release(self.ticket);
    }
}

/// The silence of one node's manager(s): attempts in a row without an answer, and the share of time they may
/// take. An answer resets it.
#[derive(Debug, Clone)]
pub struct Patience {
    /// This node and the nodes waiting behind it in the same sequence: they share the time left.
    shares: usize,
    failures: u32,
    silent_since: Option<Instant>,
    window_end: Option<Instant>,
    last: String,
}

impl Patience {
    pub fn new(shares: usize) -> Patience {
        Patience {
            shares: std::cmp::max(shares, 1),
            failures: 0,
            silent_since: None,
            window_end: None,
            last: String::new(),
        }
    }

    /// The deadline of the next attempt: the window left split over the attempts left, at least ATTEMPT_FLOOR,
    /// never past the operation's deadline. The window opens at the first unanswered attempt.
    pub fn attempt(&mut self, deadline: &Deadline) -> Deadline {
        let now = Instant::now();
        // The silence starts with the first attempt that goes unanswered, not when its wait ends.
        self.silent_since.get_or_insert(now);
        let shares = self.shares as u32;
        let end =
            *self.window_end.get_or_insert_with(|| now + std::cmp::max(deadline.remaining() / shares, ATTEMPT_FLOOR));
        let left = end.saturating_duration_since(now);
        let attempts_left = MAX_ATTEMPTS.saturating_sub(self.failures).max(1);
        let budget = std::cmp::max(left / attempts_left, ATTEMPT_FLOOR);
        Deadline::after(std::cmp::min(budget, deadline.remaining()))
    }

    pub fn answered(&mut self) {
        self.failures = 0;
        self.silent_since = None;
        self.window_end = None;
    }

    /// Counts an attempt without an answer; true while another attempt is allowed.
    pub fn failed(&mut self, reason: String) -> bool {
        let now = Instant::now();
        self.failures += 1;
        self.last = reason;
        self.failures < MAX_ATTEMPTS && self.window_end.map_or(true, |end| now < end)
    }

    /// "3 attempts in 2.1 s; last: connection reset": for the row of a node whose manager was given up.
    pub fn summary(&self) -> String {
        let took = self.silent_since.map(|s| s.elapsed()).unwrap_or_default();
        format!(
            "{} attempt{} in {:.1} s; last: {}",
            self.failures,
            if self.failures == 1 { "" } else { "s" },
            took.as_secs_f64(),
            self.last
        )
    }

    pub fn last_reason(&self) -> &str {
        &self.last
    }
}

/// What asking a manager came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked<T> {
    Answer(T),
    /// No answer within the attempts and the share of time; the text is `Patience::summary`.
    GaveUp(String),
    /// The operation's deadline passed; `sent` tells whether any attempt got as far as sending.
    Timeout {
        last: String,
        sent: bool,
    },
    /// The operation ended (cancel, -FailFast) before the request was sent again.
    Cancelled,
}

/// One attempt's result.
pub enum Attempt<T> {
    Answer(T),
    /// No usable answer; the reason.
    Silent(String),
    /// Out of time or cancelled: nothing more may be tried.
    Over(Asked<T>),
}

/// The requests of one operation: its transport, deadline, cancellation, gate and log. References only, so a copy
/// with one part changed (`Asker { gate: &other, ..asker }`) is free.
#[derive(Clone, Copy)]
pub struct Asker<'a> {
    pub transport: &'a Transport,
    pub deadline: &'a Deadline,
    pub cancel: &'a CancelToken,
    pub gate: &'a dyn Gate,
    pub log: Logger<'a>,
}

impl<'a> Asker<'a> {
    /// One attempt. `read` turns a reply into an answer, or says why the reply is not one (a body that cannot be
    /// parsed is no answer).
    #[allow(clippy::too_many_arguments)]
    pub fn once<T>(
        &self,
        patience: &mut Patience,
        manager: &ManagerEndpoint,
        method: &str,
        path: &str,
        body: Option<&str>,
        stop: bool,
        read: &dyn Fn(&Reply) -> Result<T, String>,
    ) -> Attempt<T> {
        // The attempt's time (and a silence's window) starts once a throttle slot is free (transport.rs).
        let mut attempt = *self.deadline;
        let deadline = self.deadline;
        let timed = || {
            attempt = patience.attempt(deadline);
            attempt
        };
        let admit = || Admitted::ask(self.gate, stop);
        let outcome = self.transport.call_admitted(method, manager, path, body, timed, self.log, admit);
        let reason = match outcome {
            Ok(reply) => match read(&reply) {
                Ok(answer) => {
                    patience.answered();
                    return Attempt::Answer(answer);
                }
                Err(problem) => problem,
            },
            Err(CallError::Cancelled) => return Attempt::Over(Asked::Cancelled),
            Err(CallError::OutOfTime) => {
                let last = patience.last_reason().to_string();
                return Attempt::Over(Asked::Timeout { last, sent: false });
            }
            Err(CallError::Timeout) => format!("no answer within {}", attempt.budget_text()),
            Err(CallError::Failed(reason)) => reason,
        };
        if self.deadline.expired() {
            return Attempt::Over(Asked::Timeout { last: reason, sent: true });
        }
        Attempt::Silent(reason)
    }

    /// Asks one manager, trying again while the patience allows, with short pauses in between.
    #[allow(clippy::too_many_arguments)]
    pub fn ask<T>(
        &self,
        patience: &mut Patience,
        manager: &ManagerEndpoint,
        method: &str,
        path: &str,
        body: Option<&str>,
        stop: bool,
        read: &dyn Fn(&Reply) -> Result<T, String>,
    ) -> Asked<T> {
        let mut backoff = Backoff::new();
        let mut sent = false;
        loop {
            match self.once(patience, manager, method, path, body, stop, read) {
                Attempt::Answer(answer) => return Asked::Answer(answer),
                Attempt::Over(Asked::Timeout { last, sent: this_one }) => {
                    return Asked::Timeout { last, sent: sent || this_one }
                }
                Attempt::Over(over) => return over,
                Attempt::Silent(reason) => {
                    sent = true;
                    if !patience.failed(reason) {
                        return Asked::GaveUp(patience.summary());
                    }
                }
            }
            if !self.cancel.sleep(backoff.next_pause(), self.deadline) {
                return Asked::Cancelled;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connect_never_outlasts_the_least_time_an_attempt_gets() {
        // A connect longer than an attempt would let a host that drops SYNs hold its attempt past its share.
        assert!(crate::net::transport::CONNECT_LIMIT <= ATTEMPT_FLOOR);
    }

    #[test]
    fn a_silent_manager_gets_a_bounded_number_of_attempts() {
        let mut p = Patience::new(1);
        assert!(p.failed("reset".into()));
        assert!(p.failed("reset".into()));
        assert!(!p.failed("refused".into()));
        assert!(p.summary().starts_with("3 attempts in "), "{}", p.summary());
        assert!(p.summary().ends_with("; last: refused"), "{}", p.summary());
    }

    #[test]
    fn the_summary_counts_the_time_the_unanswered_attempts_took() {
        // The first attempt's own wait is part of the silence: "1 attempt in 0.0 s" after a 1 s wait misleads.
        let mut p = Patience::new(1);
        let deadline = Deadline::after(Duration::from_secs(30));
        p.attempt(&deadline);
        std::thread::sleep(Duration::from_millis(150));
        p.failed("no answer within 0.15 s".into());
        let summary = p.summary();
        assert!(summary.starts_with("1 attempt in 0.1 s") || summary.starts_with("1 attempt in 0.2 s"), "{}", summary);
    }

    #[test]
    fn an_answer_resets_the_count() {
        let mut p = Patience::new(1);
        let deadline = Deadline::after(Duration::from_secs(30));
        for _ in 0..10 {
            p.attempt(&deadline);
            assert!(p.failed("reset".into()));
            p.answered();
        }
    }

    #[test]
    fn attempts_share_the_window_but_keep_a_floor() {
        // 30 s left, 3 nodes in line: this node's manager may stay silent for 10 s, about 3.3 s per attempt.
        let deadline = Deadline::after(Duration::from_secs(30));
        let mut p = Patience::new(3);
        let first = p.attempt(&deadline).remaining();
        assert!(first > Duration::from_millis(3_200) && first <= Duration::from_millis(3_334), "{:?}", first);
        // 2 s left, 10 nodes in line: the floor, not 67 ms.
        let short = Deadline::after(Duration::from_secs(2));
        let floor = Patience::new(10).attempt(&short).remaining();
        assert!(floor > Duration::from_millis(900) && floor <= ATTEMPT_FLOOR, "{:?}", floor);
        // Never past the operation's deadline.
        let tiny = Deadline::after(Duration::from_millis(300));
        assert!(Patience::new(1).attempt(&tiny).remaining() <= Duration::from_millis(300));
    }

    #[test]
    fn the_window_closes_even_before_the_attempts_run_out() {
        let deadline = Deadline::after(Duration::from_millis(1));
        let mut p = Patience::new(1);
        p.attempt(&deadline);
        std::thread::sleep(ATTEMPT_FLOOR + Duration::from_millis(20));
        assert!(!p.failed("no answer within 1 s".into()));
    }
}
