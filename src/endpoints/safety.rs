//! Asking the manager whether a store (or one member) can lose a node now: no migrations pending, backups in
//! sync (Hazelcast's isClusterSafe / isMemberSafe). The endpoint is an extension; managers without it fall back.
use crate::deadline::Backoff;
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Asked, Asker, Patience};
use crate::net::transport::Reply;
use crate::net::wire::{self, SafetyDoc};
use crate::planning::names::encode_segment;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Safety {
    Safe,
    /// `detail` reads like "3 migrations pending" and goes into row messages.
    Unsafe {
        detail: String,
    },
    /// The manager has no safety endpoint (404, 405, 501): the documented behaviour applies.
    Unsupported,
    /// The manager answered with an error status; the reason is logged.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waited {
    Ready(Safety),
    TimedOut {
        detail: String,
    },
    /// The manager did not answer: within its attempts (`timed_out` false, `text` is `retry::Patience::summary`)
    /// or before the deadline (`text` is the last reason).
    NoAnswer {
        text: String,
        timed_out: bool,
    },
    Cancelled,
}

/// What a forced operation's one safety answer said (docs/manager-api.md, "Safety check"): asked once before its
/// first forced stop, not before each (the answer lists every node: n stops reading n answers grew with the
/// square of the store). When the store was not safe, the row of the first node the operation stops says so,
/// and no other row repeats it: the operation's own forced stops are what the operator asked for.
#[derive(Debug, Default)]
pub struct ForcedRisk {
    /// The manager's detail ("3 migrations pending") when the store was not safe; None when safe or unknown.
    detail: Option<String>,
    told: AtomicBool,
}

impl ForcedRisk {
    pub fn new(detail: Option<String>) -> ForcedRisk {
        ForcedRisk { detail, told: AtomicBool::new(false) }
    }

    /// The detail, to the first caller only (one of several worker threads); None to every later one.
    pub fn tell_once(&self) -> Option<&str> {
        let detail = self.detail.as_deref()?;
        if self.told.swap(true, Ordering::SeqCst) {
            return None;
        }
        Some(detail)
    }
}

pub fn safety_path(store: &str) -> String {
    format!("/admin/v1/stores/{}/safety", encode_segment(store))
}

/// Statuses by which a manager says it does not have an extension endpoint.
pub fn is_unsupported(status: u16) -> bool {
    matches!(status, 404 | 405 | 501)
}

/// A safety reply as an answer, or why it is none (a 200 whose body cannot be read: the manager said nothing).
pub fn read(reply: &Reply, instance: Option<&str>) -> Result<Safety, String> {
    match reply.status {
        200 => wire::parse_safety(&reply.body, instance).map(|doc| judge(&doc, instance)),
        status if is_unsupported(status) => Ok(Safety::Unsupported),
        status => Ok(Safety::Unknown(wire::error_text(status, &reply.body))),
    }
}

/// Asks once (with the retries the patience allows).
pub fn check(
    asker: &Asker,
    patience: &mut Patience,
    manager: &ManagerEndpoint,
    store: &str,
    instance: Option<&str>,
) -> Asked<Safety> {
    asker.ask(patience, manager, "GET", &safety_path(store), None, false, &|reply| read(reply, instance))
}

fn judge(doc: &SafetyDoc, instance: Option<&str>) -> Safety {
    let member = instance.and_then(|name| doc.instances.iter().find(|i| i.name == name));
    let (safe, pending) = match member {
        Some(m) => (m.safe && doc.backups_in_sync != Some(false), m.migrations_pending.or(doc.migrations_pending)),
        None => (doc.safe, doc.migrations_pending),
    };
    if safe {
        return Safety::Safe;
    }
    let mut parts = Vec::new();
    if let Some(n) = pending {
        parts.push(format!("{} migration{} pending", n, if n == 1 { "" } else { "s" }));
    }
    if doc.backups_in_sync == Some(false) {
        parts.push("backups not in sync".to_string());
    }
    if parts.is_empty() {
        parts.push("the manager reports it unsafe".to_string());
    }
    Safety::Unsafe { detail: parts.join(", ") }
}

/// Polls with backoff until the store is safe, the deadline passes, the manager stops answering, or the caller
/// cancels. `progress` is told what is being waited for, so an operator never watches a silent wait.
pub fn wait_until_safe(
    asker: &Asker,
    patience: &mut Patience,
    manager: &ManagerEndpoint,
    store: &str,
    instance: Option<&str>,
    progress: &dyn Fn(String),
) -> Waited {
    let mut backoff = Backoff::new();
    // What the manager last said, for a deadline that passes during a later check.
    let mut unsafe_detail: Option<String> = None;
    loop {
        match check(asker, patience, manager, store, instance) {
            Asked::Answer(Safety::Unsafe { detail }) => {
                unsafe_detail = Some(detail.clone());
                if asker.deadline.expired() {
                    return Waited::TimedOut { detail };
                }
                progress(format!("Waiting for the store to become safe: {}", detail));
                if !asker.cancel.sleep(backoff.next_pause(), asker.deadline) {
                    return Waited::Cancelled;
                }
                if asker.deadline.expired() {
                    return Waited::TimedOut { detail };
                }
            }
            Asked::Answer(other) => return Waited::Ready(other),
            Asked::GaveUp(summary) => return Waited::NoAnswer { text: summary, timed_out: false },
            Asked::Timeout { last, .. } => {
                return match unsafe_detail {
                    Some(detail) => Waited::TimedOut { detail },
                    None => Waited::NoAnswer { text: last, timed_out: true },
                }
            }
            Asked::Cancelled => return Waited::Cancelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_entry_wins_over_the_store_flag() {
        let body = r#"{"safe":false,"migrationsPending":3,"instances":[{"name":"orders-1","safe":true,"migrationsPending":0}]}"#;
        let judged = |member: Option<&str>| judge(&wire::parse_safety(body, member).unwrap(), member);
        assert_eq!(judged(Some("orders-1")), Safety::Safe);
        assert_eq!(judged(None), Safety::Unsafe { detail: "3 migrations pending".into() });
        assert_eq!(judged(Some("orders-9")), Safety::Unsafe { detail: "3 migrations pending".into() });
    }

    #[test]
    fn only_the_asked_member_is_kept_wherever_its_fields_are_and_however_its_name_is_written() {
        let body = r#"{"instances":[{"safe":false,"name":"orders-2","extra":[1,{"a":null}]},
            {"migrationsPending":0,"safe":true,"name":"orders-\u0031"},{"name":"orders-3","safe":false}],
            "state":"Active","safe":false,"migrationsPending":2}"#;
        let doc = wire::parse_safety(body, Some("orders-1")).unwrap();
        assert_eq!(doc.instances.len(), 1);
        assert_eq!((doc.instances[0].name.as_ref(), doc.instances[0].safe), ("orders-1", true));
        assert_eq!((doc.safe, doc.migrations_pending), (false, Some(2)));
        assert_eq!(doc.state.as_deref(), Some("Active"), "the state is kept for Get-DkvStore");
        assert_eq!(wire::parse_safety(r#"{"safe":true,"state":null}"#, None).unwrap().state, None);
        assert!(wire::parse_safety(r#"{"safe":true,"state":3}"#, None).is_err(), "a state must be text");
        assert_eq!(judge(&doc, Some("orders-1")), Safety::Safe);
        assert!(wire::parse_safety(body, None).unwrap().instances.is_empty());
        // The asked member's entry must be complete; another member's need not be.
        assert!(wire::parse_safety(r#"{"safe":true,"instances":[{"name":"orders-1"}]}"#, Some("orders-1")).is_err());
        assert!(wire::parse_safety(r#"{"safe":true,"instances":[{"name":"orders-2"}]}"#, Some("orders-1")).is_ok());
        assert!(wire::parse_safety(r#"{"instances":[]}"#, None).is_err(), "safe is required");
        assert!(wire::parse_safety(r#"{"safe":true} trailing"#, None).is_err());
    }

    #[test]
    fn a_forced_operation_is_told_of_an_unsafe_store_once_and_of_a_safe_one_never() {
        let risk = ForcedRisk::new(Some("3 migrations pending".into()));
        let told: Vec<Option<String>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..8).map(|_| s.spawn(|| risk.tell_once().map(str::to_string))).collect();
            workers.into_iter().map(|w| w.join().unwrap_or(None)).collect()
        });
        assert_eq!(told.iter().filter(|t| t.as_deref() == Some("3 migrations pending")).count(), 1, "{:?}", told);
        assert_eq!(risk.tell_once(), None);
        assert_eq!(ForcedRisk::new(None).tell_once(), None);
    }

    #[test]
    fn out_of_sync_backups_are_unsafe() {
        let doc = wire::parse_safety(r#"{"safe":false,"backupsInSync":false,"migrationsPending":1}"#, None).unwrap();
        assert_eq!(judge(&doc, None), Safety::Unsafe { detail: "1 migration pending, backups not in sync".into() });
    }
}
