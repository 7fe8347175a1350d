//! `PUT /admin/v1/stores/{store}/state`: a Passive store keeps the partitions of nodes that stop where they are
//! (no migrations onto the survivors); Active lets them move again. A whole-store graceful stop makes the store
//! Passive; a whole-store start makes it Active again once every node runs.
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Asked, Asker, Patience};
use crate::net::transport::Reply;
use crate::net::wire::{self, StateDoc};
use crate::planning::names::encode_segment;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreState {
    Active,
    Passive,
}

impl StoreState {
    /// The request body, as docs/manager-api.md ("Store state") spells it.
    pub fn body(self) -> &'static str {
        match self {
            StoreState::Active => r#"{"state":"Active"}"#,
            StoreState::Passive => r#"{"state":"Passive"}"#,
        }
    }
}

pub fn state_path(store: &str) -> String {
    format!("/admin/v1/stores/{}/state", encode_segment(store))
}

/// Asks once (with the retries the patience allows); any reply is the answer, for the caller to judge: 200 is
/// done, `safety::is_unsupported` statuses mean the manager has no such endpoint.
pub fn set(
    asker: &Asker,
    patience: &mut Patience,
    manager: &ManagerEndpoint,
    store: &str,
    state: StoreState,
) -> Asked<Reply> {
    let path = state_path(store);
    asker.ask(patience, manager, "PUT", &path, Some(state.body()), false, &|reply: &Reply| Ok(reply.clone()))
}

/// `GET .../state`: the store's state as the manager reports it ("Active", "Passive"); the reply otherwise, for
/// the caller to judge like `set`'s.
pub fn get(
    asker: &Asker,
    patience: &mut Patience,
    manager: &ManagerEndpoint,
    store: &str,
) -> Asked<Result<String, Reply>> {
    let path = state_path(store);
    asker.ask(patience, manager, "GET", &path, None, false, &|reply: &Reply| match reply.status {
        200 => wire::parse::<StateDoc>(&reply.body).map(|doc| Ok(doc.state)),
        _ => Ok(Err(reply.clone())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_encodes_the_store_name_as_one_segment() {
        assert_eq!(state_path("Orders"), "/admin/v1/stores/Orders/state");
        assert_eq!(state_path("a b/c"), "/admin/v1/stores/a%20b%2Fc/state");
    }

    #[test]
    fn the_bodies_name_the_state_as_the_manager_api_does() {
        assert_eq!(StoreState::Passive.body(), r#"{"state":"Passive"}"#);
        assert_eq!(StoreState::Active.body(), r#"{"state":"Active"}"#);
    }
}
