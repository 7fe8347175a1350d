//! Finding a store's nodes: ask the targeted managers in order until one knows the store.
use crate::deadline::{CancelToken, Deadline};
use crate::endpoints::store_condition::StoreCondition;
use crate::error::{DkvError, ErrorKind};
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Admitted, Gate};
use crate::net::transport::{CallError, Logger, Transport};
use crate::net::wire::{self, StoreDoc};
use crate::planning::names::encode_segment;
use std::collections::HashMap;
use std::time::Duration;

/// The least time one manager gets to answer discovery when several share the budget.
const DISCOVERY_FLOOR: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct Discovered {
    pub manager: ManagerEndpoint,
    pub store: StoreDoc,
    /// Read only by a discovery on its own (Get-DkvStore): a stop's discovery leaves it unknown and spends no
    /// round trip on it.
    pub condition: StoreCondition,
}

pub fn store_path(store: &str) -> String {
    format!("/admin/v1/stores/{}", encode_segment(store))
}

pub fn discover(
    transport: &Transport,
    managers: &[ManagerEndpoint],
    store: &str,
    deadline: &Deadline,
    cancel: &CancelToken,
    gate: &dyn Gate,
    log: Logger,
) -> Result<Discovered, DkvError> {
    let mut reasons: Vec<String> = Vec::new();
    let mut not_found = 0;
    let mut timed_out = false;
    for (i, manager) in managers.iter().enumerate() {
        if cancel.is_cancelled() {
            return Err(DkvError::new(ErrorKind::Cancelled, format!("Cancelled while discovering store '{}'.", store)));
        }
        if deadline.expired() {
            timed_out = true;
            break;
        }
        // A manager that accepts and never answers must not eat the whole budget: the others get their turn.
        let attempt = deadline.share(managers.len() - i, DISCOVERY_FLOOR);
        let admit = || Admitted::ask(gate, false);
        match transport.call_admitted("GET", manager, &store_path(store), None, || attempt, log, admit) {
            Ok(reply) if reply.status == 200 => match wire::parse::<StoreDoc>(&reply.body) {
                Ok(doc) => {
                    if let Some(contradiction) = repeated_node(manager, store, &doc) {
                        return Err(contradiction);
                    }
                    return Ok(Discovered {
                        manager: manager.clone(),
                        store: doc,
                        condition: StoreCondition::default(),
                    });
                }
                Err(problem) => reasons.push(format!("{}: {}", manager, problem)),
            },
            Ok(reply) => {
                if reply.status == 404 {
                    not_found += 1;
                }
                reasons.push(format!("{}: {}", manager, wire::error_text(reply.status, &reply.body)));
            }
            Err(CallError::Timeout) => {
                timed_out = deadline.expired();
                reasons.push(format!("{}: no answer within {}", manager, attempt.budget_text()));
            }
            Err(CallError::Failed(reason)) => reasons.push(format!("{}: {}", manager, reason)),
            Err(CallError::OutOfTime) => {
                timed_out = true;
                break;
            }
            Err(CallError::Cancelled) => {
                return Err(DkvError::new(
                    ErrorKind::Cancelled,
                    format!("Cancelled while discovering store '{}'.", store),
                ))
            }
        }
    }
    if not_found == managers.len() && !managers.is_empty() {
        return Err(DkvError::new(
            ErrorKind::StoreNotFound,
            format!(
                "Store '{}' was not found on {}. Check the name with Get-DkvStore or the manager list.",
                store,
                list(managers)
            ),
        ));
    }
    if timed_out {
        return Err(DkvError::new(
            ErrorKind::Timeout,
            format!("{} discovering store '{}' ({}).", deadline.describe(), store, reasons.join("; ")),
        ));
    }
    Err(DkvError::new(
        ErrorKind::Unreachable,
        format!("No manager could discover store '{}': {}.", store, reasons.join("; ")),
    ))
}

/// A store document that lists one node name twice contradicts itself: `-InstanceName orders-1` would mean either
/// node, and every path the tooling sends names a node by name alone. Whatever the operation, it is refused before
/// anything else is sent, naming both servers, rather than acted on by a guess (the first, say) or by half: a
/// whole-store stop would send one stop path twice and leave a node running. The next manager is not asked: its
/// answer would only pick one side of the contradiction. (docs/manager-api.md, "Discover a store".)
fn repeated_node(manager: &ManagerEndpoint, store: &str, doc: &StoreDoc) -> Option<DkvError> {
    let mut seen: HashMap<&str, &str> = HashMap::with_capacity(doc.instances.len());
    for node in &doc.instances {
        if let Some(first) = seen.insert(node.name.as_str(), node.server.as_str()) {
            return Some(DkvError::new(
                ErrorKind::Protocol,
                format!(
                    "Manager {} lists node '{}' of store '{}' twice: on server {} and on server {}. A node name must \
                     name one node, so nothing was stopped or started; fix the store's configuration on the managers.",
                    manager, node.name, store, first, node.server
                ),
            ));
        }
    }
    None
}

fn list(managers: &[ManagerEndpoint]) -> String {
    let names: Vec<String> = managers.iter().map(|m| m.display_name()).collect();
    if names.len() == 1 {
        format!("manager {}", names[0])
    } else {
        format!("managers {}", names.join(", "))
    }
}
