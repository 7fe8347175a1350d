//! Asking the manager whether a store (or one member) can lose a node now: no migrations pending, backups in
//! sync (Hazelcast's isClusterSafe / isMemberSafe). The endpoint is an extension; managers without it fall back.
use crate::address::ManagerEndpoint;
use crate::deadline::{Backoff, CancelToken, Deadline};
use crate::names::encode_segment;
use crate::transport::{Logger, Transport};
use crate::wire::{self, SafetyDoc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Safety {
    Safe,
    /// `detail` reads like "3 migrations pending" and goes into row messages.
    Unsafe {
        detail: String,
    },
    /// The manager has no safety endpoint (404, 405, 501): the documented behaviour applies.
    Unsupported,
    /// The check itself failed; the reason is logged.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waited {
    Ready(Safety),
    TimedOut { detail: String },
    Cancelled,
}

pub fn safety_path(store: &str) -> String {
    format!("/admin/v1/stores/{}/safety", encode_segment(store))
}

/// Statuses by which a manager says it does not have an extension endpoint.
pub fn is_unsupported(status: u16) -> bool {
    matches!(status, 404 | 405 | 501)
}

pub fn check(
    transport: &Transport,
    manager: &ManagerEndpoint,
    store: &str,
    instance: Option<&str>,
    deadline: &Deadline,
    log: Logger,
) -> Safety {
    match transport.call("GET", manager, &safety_path(store), None, deadline, log) {
        Ok(reply) if reply.status == 200 => match wire::parse::<SafetyDoc>(&reply.body) {
            Ok(doc) => judge(&doc, instance),
            Err(problem) => Safety::Unknown(problem),
        },
        Ok(reply) if is_unsupported(reply.status) => Safety::Unsupported,
        Ok(reply) => Safety::Unknown(wire::error_text(reply.status, &reply.body)),
        Err(err) => Safety::Unknown(err.describe(deadline)),
    }
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

/// Polls with backoff until the store is safe, the deadline passes, or the caller cancels. `progress` is told
/// what is being waited for, so an operator never watches a silent wait.
#[allow(clippy::too_many_arguments)]
pub fn wait_until_safe(
    transport: &Transport,
    manager: &ManagerEndpoint,
    store: &str,
    instance: Option<&str>,
    deadline: &Deadline,
    cancel: &CancelToken,
    log: Logger,
    progress: &dyn Fn(String),
) -> Waited {
    let mut backoff = Backoff::new();
    loop {
        match check(transport, manager, store, instance, deadline, log) {
            Safety::Unsafe { detail } => {
                if deadline.expired() {
                    return Waited::TimedOut { detail };
                }
                progress(format!("Waiting for the store to become safe: {}", detail));
                if !cancel.sleep(backoff.next_pause(), deadline) {
                    return Waited::Cancelled;
                }
                if deadline.expired() {
                    return Waited::TimedOut { detail };
                }
            }
            Safety::Unknown(reason) if deadline.expired() => {
                return Waited::TimedOut { detail: format!("safety unknown ({})", reason) }
            }
            other => return Waited::Ready(other),
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
