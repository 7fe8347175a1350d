//! What Get-DkvStore shows of a store beyond its nodes: its state (Active/Passive) and whether it is safe, read
//! after discovery from the safety answer (which names the state too) or, without one, from `GET .../state`.
//! Both are extensions (docs/manager-api.md): whatever a manager cannot say is unknown, never a failure.
use crate::endpoints::safety::{is_unsupported, safety_path};
use crate::endpoints::store_state;
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Asked, Asker, Patience};
use crate::net::transport::Reply;
use crate::net::wire;

/// None: the manager did not say (no such endpoint, an error, no answer in time).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreCondition {
    pub state: Option<String>,
    pub safe: Option<bool>,
    pub migrations_pending: Option<u64>,
}

/// The safety answer's store-wide part; otherwise what the manager said instead, for the log.
fn read_safety(reply: &Reply) -> Result<Result<StoreCondition, String>, String> {
    match reply.status {
        200 => wire::parse_safety(&reply.body, None).map(|doc| {
            Ok(StoreCondition {
                state: doc.state.map(|s| s.into_owned()),
                safe: Some(doc.safe),
                migrations_pending: doc.migrations_pending,
            })
        }),
        status if is_unsupported(status) => Ok(Err("has no safety endpoint".to_string())),
        status => Ok(Err(format!("answered the safety check with {}", wire::error_text(status, &reply.body)))),
    }
}

/// Asks `manager` (the one that answered discovery) under the asker's deadline: the safety check first, then
/// the state endpoint when the safety answer did not name the state. Each gets half the time left at most, so
/// that a manager silent on the first still leaves time for the second.
pub fn read(asker: &Asker, manager: &ManagerEndpoint, store: &str) -> StoreCondition {
    let mut found = StoreCondition::default();
    match asker.ask(&mut Patience::new(2), manager, "GET", &safety_path(store), None, false, &read_safety) {
        Asked::Answer(Ok(condition)) => found = condition,
        Asked::Answer(Err(said)) => (asker.log)(format!("Manager {} {}; safety unknown", manager, said)),
        Asked::Cancelled => return found,
        Asked::GaveUp(why) | Asked::Timeout { last: why, .. } => {
            (asker.log)(format!("Manager {} did not answer the safety check ({}); safety unknown", manager, why))
        }
    }
    if found.state.is_some() || asker.deadline.expired() {
        return found;
    }
    match store_state::get(asker, &mut Patience::new(1), manager, store) {
        Asked::Answer(Ok(state)) => found.state = Some(state),
        Asked::Answer(Err(reply)) if is_unsupported(reply.status) => {
            (asker.log)(format!("Manager {} has no state endpoint; state unknown", manager))
        }
        Asked::Answer(Err(reply)) => (asker.log)(format!(
            "Manager {} did not give the state of store '{}': {}",
            manager,
            store,
            wire::error_text(reply.status, &reply.body)
        )),
        Asked::Cancelled => {}
        Asked::GaveUp(why) | Asked::Timeout { last: why, .. } => {
            (asker.log)(format!("Manager {} did not answer the state request ({}); state unknown", manager, why))
        }
    }
    found
}
