//! The parallel throttle: at most N requests in flight at once. A node waiting between polls of a graceful stop
//! holds no permit, so a slow migration on one manager does not keep another manager waiting for a turn.
use crate::deadline::{Bell, CancelToken, Deadline};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

#[derive(Debug)]
pub struct Permits {
    free: Mutex<usize>,
    released: Condvar,
}

/// Held while a request is in flight; gives the permit back when dropped.
pub struct Permit<'a> {
    permits: &'a Permits,
}

impl Permits {
    pub fn new(count: usize) -> Permits {
        Permits { free: Mutex::new(std::cmp::max(count, 1)), released: Condvar::new() }
    }

    /// Waits for a permit until the deadline or cancellation; None when neither left time to send the request.
    pub fn acquire(&self, deadline: &Deadline, cancel: &CancelToken) -> Option<Permit<'_>> {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            // Cancellation first: a free slot must not carry a request out of an operation that has ended.
            if deadline.expired() || cancel.is_cancelled() {
                return None;
            }
            if *free > 0 {
                *free -= 1;
                return Some(Permit { permits: self });
            }
            // A release wakes a waiter, and a cancel all of them (the operation's token rings this throttle:
            // stop::fan_out); the pause only bounds the wait of a throttle no token was told about. Waking every
            // 50 ms instead cost hundreds of waiting workers thousands of wake-ups a second.
            let pause = std::cmp::min(deadline.remaining(), Duration::from_secs(1));
            free = match self.released.wait_timeout(free, pause) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    #[cfg(test)]
    fn available(&self) -> usize {
        *self.free.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Bell for Permits {
    fn ring(&self) {
        let _free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        self.released.notify_all();
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut free = self.permits.free.lock().unwrap_or_else(|p| p.into_inner());
        *free += 1;
        self.permits.released.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn permits_are_counted_and_given_back() {
        let permits = Permits::new(2);
        let deadline = Deadline::after(Duration::from_secs(5));
        let cancel = CancelToken::new();
        let a = permits.acquire(&deadline, &cancel).unwrap();
        let b = permits.acquire(&deadline, &cancel).unwrap();
        assert_eq!(permits.available(), 0);
        drop(a);
        assert_eq!(permits.available(), 1);
        drop(b);
        assert_eq!(permits.available(), 2);
    }

    #[test]
    fn a_waiter_gives_up_at_the_deadline_or_on_cancel() {
        let permits = Permits::new(1);
        let cancel = CancelToken::new();
        let _held = permits.acquire(&Deadline::after(Duration::from_secs(5)), &cancel).unwrap();
        assert!(permits.acquire(&Deadline::after(Duration::from_millis(30)), &cancel).is_none());
        cancel.cancel();
        assert!(permits.acquire(&Deadline::after(Duration::from_secs(5)), &cancel).is_none());
    }

    #[test]
    fn a_cancel_rings_the_waiters_at_once() {
        let permits = Arc::new(Permits::new(1));
        let cancel = CancelToken::new();
        cancel.ring_on_cancel(&permits);
        let _held = permits.acquire(&Deadline::after(Duration::from_secs(30)), &cancel).unwrap();
        let waiter = {
            let (permits, cancel) = (Arc::clone(&permits), cancel.clone());
            std::thread::spawn(move || {
                let waited = std::time::Instant::now();
                let permit = permits.acquire(&Deadline::after(Duration::from_secs(30)), &cancel);
                (permit.is_none(), waited.elapsed())
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        cancel.cancel();
        let (refused, waited) = waiter.join().unwrap();
        assert!(refused);
        // Rung, not noticed at the next pause (1 s): by far less than that even on a loaded machine.
        assert!(waited < Duration::from_millis(700), "{:?}", waited);
    }

    #[test]
    fn a_cancelled_operation_gets_no_permit_even_when_one_is_free() {
        // A worker that reaches the throttle after cancellation must not go on to send its request.
        let permits = Permits::new(2);
        let cancel = CancelToken::new();
        cancel.cancel();
        assert!(permits.acquire(&Deadline::after(Duration::from_secs(5)), &cancel).is_none());
        assert_eq!(permits.available(), 2);
    }

    #[test]
    fn a_release_wakes_a_waiter() {
        let permits = Arc::new(Permits::new(1));
        let held = permits.acquire(&Deadline::after(Duration::from_secs(5)), &CancelToken::new()).unwrap();
        let waiter = {
            let permits = Arc::clone(&permits);
            std::thread::spawn(move || {
                permits.acquire(&Deadline::after(Duration::from_secs(5)), &CancelToken::new()).is_some()
            })
        };
        std::thread::sleep(Duration::from_millis(20));
        drop(held);
        assert!(waiter.join().unwrap());
    }
}
