//! One module per manager endpoint an operation calls: store discovery, the safety check, the store state
//! (Passive/Active) and what Get-DkvStore shows of both (store_condition.rs), the store list (store_list.rs), the shared store poll, one node's stop and one node's start (with the wait they share,
//! node_wait.rs). Each asks through `net::retry` and knows nothing of operations.
pub mod discovery;
pub mod node_start;
pub mod node_stop;
pub mod node_wait;
pub mod safety;
pub mod store_condition;
pub mod store_list;
pub mod store_poll;
pub mod store_state;
