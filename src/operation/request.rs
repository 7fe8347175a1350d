//! What an operation is asked to do: the store, the nodes (or every node) and how. Stops, starts, rolling restarts,
//! plans and discoveries all take one (stop.rs re-exports it under the name callers know).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopRequest {
    pub store: String,
    /// The nodes to stop, by name; None for every node (the only case that may be a whole-store stop).
    pub instances: Option<Vec<String>>,
    pub force: bool,
    pub parallel: bool,
    pub fail_fast: bool,
    /// With `parallel`: the most requests in flight at once; 0 means DEFAULT_THROTTLE.
    pub throttle: usize,
    /// A rolling restart's limit for each node (its wait for safety, stop, start and wait for safety again),
    /// within the one deadline; None: no per-node limit. Refused for a stop or a start, which have none.
    pub node_timeout: Option<std::time::Duration>,
}
