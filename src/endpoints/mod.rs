//! One module per manager endpoint an operation calls: store discovery, the safety check, the store state
//! (Passive/Active), the shared store poll and one node's stop (with its graceful wait).
//! Each asks through `net::retry` and knows nothing of operations.
pub mod discovery;
pub mod node_stop;
pub mod safety;
pub mod store_poll;
pub mod store_state;
