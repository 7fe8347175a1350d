//! Asking the manager whether a store (or one member) can lose a node now: no migrations pending, backups in
//! sync (Hazelcast's isClusterSafe / isMemberSafe). The endpoint is an extension; managers without it fall back.
use crate::deadline::Backoff;
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Asked, Asker, Patience};
use crate::net::transport::Reply;
use crate::net::wire::{self, SafetyDoc};
use crate::planning::names::encode_segment;

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
        200 => wire::parse::<SafetyDoc>(&reply.body).map(|doc| judge(&doc, instance)),
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
        let doc: SafetyDoc = wire::parse(
            r#"{"safe":false,"migrationsPending":3,"instances":[{"name":"orders-1","safe":true,"migrationsPending":0}]}"#,
        )
        .unwrap();
        assert_eq!(judge(&doc, Some("orders-1")), Safety::Safe);
        assert_eq!(judge(&doc, None), Safety::Unsafe { detail: "3 migrations pending".into() });
        assert_eq!(judge(&doc, Some("orders-9")), Safety::Unsafe { detail: "3 migrations pending".into() });
    }

    #[test]
    fn out_of_sync_backups_are_unsafe() {
        let doc: SafetyDoc = wire::parse(r#"{"safe":false,"backupsInSync":false,"migrationsPending":1}"#).unwrap();
        assert_eq!(judge(&doc, None), Safety::Unsafe { detail: "1 migration pending, backups not in sync".into() });
    }
}
