//! The numbers of the C ABI, each described once: status codes, result kinds, node states, stop flags, and the
//! defaults and ranges the library applies. cbindgen exports them from here (rustls-ffi's `rustls_result` is the
//! model: `#[repr]` enums whose C names and values are the contract). The enums only travel out of the library;
//! flags come in as a plain `uint32_t` bit set, checked against `DKV_STOP_KNOWN_FLAGS`, because a value C passes
//! in must never be read as a Rust enum it may not be.
#![allow(non_camel_case_types)]

use crate::net::address::DEFAULT_PORT;
use crate::net::session::{DEFAULT_TIMEOUT, MAX_TIMEOUT_SECS};
use crate::operation::run_state::NodeState;
use crate::operation::stop::DEFAULT_THROTTLE;
use crate::results::ResultKind;

/// The status every export that can fail returns (an `int32_t`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DkvStatus {
    /// Success.
    DKV_OK = 0,
    /// A NULL pointer, bad UTF-8, or a bad address, name, port, timeout, size or flag.
    DKV_ERR_INVALID_ARGUMENT = 1,
    /// Neither a session nor managers; the message is dkv_no_managers_message().
    DKV_ERR_NO_MANAGERS = 2,
    /// Every targeted manager answered 404 for the store.
    DKV_ERR_STORE_NOT_FOUND = 3,
    /// An instance is not in the store (the message lists its nodes), or the store lists no nodes.
    DKV_ERR_INSTANCE_NOT_FOUND = 4,
    /// No manager answered discovery; the message gives each manager's reason.
    DKV_ERR_UNREACHABLE = 5,
    /// The deadline passed before discovery finished.
    DKV_ERR_TIMEOUT = 6,
    /// Cancelled before discovery finished.
    DKV_ERR_CANCELLED = 7,
    /// A manager answered with something the contract does not allow.
    DKV_ERR_PROTOCOL = 8,
    /// A bug: a panic caught at the boundary.
    DKV_ERR_INTERNAL = 9,
    /// The managers lack an extension endpoint the call needs (e.g. the store list); the message says what to do
    /// instead.
    DKV_ERR_NOT_SUPPORTED = 10,
}

/// DkvResult.kind, and DkvNodeProgress.kind once the node is done.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DkvResultKind {
    /// DkvNodeProgress.kind of a node that is not done yet.
    DKV_RESULT_NONE = -1,
    DKV_RESULT_SUCCESS = 0,
    DKV_RESULT_FAILED = 1,
    DKV_RESULT_TIMEOUT = 2,
    DKV_RESULT_SKIPPED = 3,
    DKV_RESULT_CANCELLED = 4,
}

/// DkvNodeProgress.state.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DkvNodeState {
    DKV_NODE_PENDING = 0,
    DKV_NODE_RUNNING = 1,
    DKV_NODE_DONE = 2,
}

/// Bits of DkvStopOptions.flags (OR them together).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DkvStopFlag {
    /// Stop at once (`?force=true`) instead of gracefully.
    DKV_STOP_FORCE = 1,
    /// Work on different managers concurrently.
    DKV_STOP_PARALLEL = 2,
    /// After the first FAILED or TIMEOUT, start nothing new.
    DKV_STOP_FAIL_FAST = 4,
}

pub use DkvNodeState::*;
pub use DkvResultKind::*;
pub use DkvStatus::*;
pub use DkvStopFlag::*;

/// Every DKV_STOP_* bit this library knows; any other bit is DKV_ERR_INVALID_ARGUMENT.
pub const DKV_STOP_KNOWN_FLAGS: u32 = 7;

/// The manager port for addresses that name none (port <= 0 in a call means this, or the session's).
pub const DKV_DEFAULT_PORT: i32 = 7801;
/// The deadline of an operation in seconds when none is given (timeout_sec <= 0), or the session's.
pub const DKV_DEFAULT_TIMEOUT_SEC: i32 = 30;
/// The longest timeout_sec accepted: a day.
pub const DKV_MAX_TIMEOUT_SEC: i32 = 86400;
/// With DKV_STOP_PARALLEL: requests in flight at once when throttle is 0.
pub const DKV_DEFAULT_THROTTLE: u32 = 32;
/// The largest throttle accepted.
pub const DKV_MAX_THROTTLE: u32 = 1024;
/// How long a rolling restart may go on after a cancel, the deadline or the per-node limit (even past the
/// deadline) to bring back the node whose stop was sent: wait for it to leave Stopping and send its start.
pub const DKV_RESTART_RECOVERY_GRACE_SEC: i32 = 10;
/// The most store names one manager's list may hold (dkv_list_stores); a longer answer is refused as that
/// manager's failure.
pub const DKV_MAX_LISTED_STORES: usize = 10000;
/// The longest DkvStopOptions.reason, in characters.
pub const DKV_MAX_REASON_CHARS: i32 = 512;

// The header's numbers are the ones the library applies: a change to either side that is not made to the other
// fails the build here.
const _: () = assert!(DKV_DEFAULT_PORT as u16 == DEFAULT_PORT);
const _: () = assert!(DKV_MAX_LISTED_STORES == crate::endpoints::store_list::MAX_LISTED_STORES);
const _: () = assert!(DKV_MAX_REASON_CHARS as usize == crate::net::reason::MAX_REASON_CHARS);
const _: () = assert!(DKV_DEFAULT_TIMEOUT_SEC as u64 == DEFAULT_TIMEOUT.as_secs());
const _: () = assert!(DKV_MAX_TIMEOUT_SEC as i64 == MAX_TIMEOUT_SECS);
const _: () = assert!(DKV_DEFAULT_THROTTLE as usize == DEFAULT_THROTTLE);
const _: () = assert!(DKV_RESTART_RECOVERY_GRACE_SEC as u64 == crate::operation::run_state::RECOVERY_GRACE.as_secs());
const _: () =
    assert!(DKV_STOP_KNOWN_FLAGS == DKV_STOP_FORCE as u32 | DKV_STOP_PARALLEL as u32 | DKV_STOP_FAIL_FAST as u32);

impl From<ResultKind> for DkvResultKind {
    fn from(kind: ResultKind) -> Self {
        match kind {
            ResultKind::Success => DKV_RESULT_SUCCESS,
            ResultKind::Failed => DKV_RESULT_FAILED,
            ResultKind::Timeout => DKV_RESULT_TIMEOUT,
            ResultKind::Skipped => DKV_RESULT_SKIPPED,
            ResultKind::Cancelled => DKV_RESULT_CANCELLED,
        }
    }
}

impl From<NodeState> for DkvNodeState {
    fn from(state: NodeState) -> Self {
        match state {
            NodeState::Pending => DKV_NODE_PENDING,
            NodeState::Running => DKV_NODE_RUNNING,
            NodeState::Done => DKV_NODE_DONE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_states_keep_their_numbers() {
        for (kind, n) in [
            (ResultKind::Success, 0),
            (ResultKind::Failed, 1),
            (ResultKind::Timeout, 2),
            (ResultKind::Skipped, 3),
            (ResultKind::Cancelled, 4),
        ] {
            assert_eq!(DkvResultKind::from(kind) as i32, n);
            assert_eq!(kind as i32, n);
        }
        assert_eq!(DkvNodeState::from(NodeState::Done) as i32, NodeState::Done as i32);
    }
}
