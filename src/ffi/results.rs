//! Result rows: DkvResults from dkv_op_results (and dkv_stop_store), freed with dkv_free_results.
use super::boundary::{free_c_string, from_raw_slice, guard, guard_void, into_raw_slice, live_op, owned_c_string};
use super::boundary::{require_out, DkvOperation};
use super::codes::*;
use crate::results::NodeResult;
use std::os::raw::c_char;

/// One row per node. Every string is UTF-8, NUL-terminated, and owned by the DkvResults that holds it.
#[repr(C)]
pub struct DkvResult {
    /// "10.0.0.11:7801"
    pub manager: *const c_char,
    /// "StopInstance:orders-1", "StartInstance:orders-1", "RestartInstance:orders-1"
    pub action: *const c_char,
    /// "SUCCESS", "FAILED", "TIMEOUT", "SKIPPED" or "CANCELLED"
    pub result: *const c_char,
    /// "Stopped", the manager's own error text, "timed out after 30 s", ...
    pub message: *const c_char,
    pub store: *const c_char,
    pub instance: *const c_char,
    pub duration_ms: u64,
    pub kind: DkvResultKind,
    /// The last HTTP status from the manager for this node, 0 when none.
    pub http_status: i32,
    /// A rolling restart's row: how long the node was down in milliseconds, from its stop request being sent to
    /// Running observed; -1 when the node was not taken down (not restarted, or not back to Running), and for
    /// every row of a stop or a start.
    pub down_ms: i64,
}

/// Rows of a stop; free with dkv_free_results.
#[repr(C)]
pub struct DkvResults {
    pub items: *mut DkvResult,
    pub len: usize,
}

/// Rows finished so far, in the order they finished (append-only: a poller may skip those it has seen). When
/// the operation failed before any node (discovery, selection), returns that status and message.
/// Free the rows with dkv_free_results.
///
/// # Safety
/// `op` must be NULL or live; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dkv_op_results(
    op: *const DkvOperation,
    out_results: *mut *mut DkvResults,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_results, "out_results")?;
        let op = live_op(op)?;
        let rows = op.inner.results()?;
        *out_results = results_to_c(&rows);
        Ok(())
    })
}

/// Frees rows. NULL is a no-op.
///
/// # Safety
/// `results` must be NULL or from this library, not freed yet.
#[no_mangle]
pub unsafe extern "C" fn dkv_free_results(results: *mut DkvResults) {
    guard_void(|| {
        if !results.is_null() {
            free_results(results);
        }
    });
}
pub(super) fn results_to_c(rows: &[NodeResult]) -> *mut DkvResults {
    let items: Vec<DkvResult> = rows
        .iter()
        .map(|r| DkvResult {
            manager: owned_c_string(&r.manager),
            action: owned_c_string(&r.action()),
            result: owned_c_string(r.kind.label()),
            message: owned_c_string(&r.message),
            store: owned_c_string(&r.store),
            instance: owned_c_string(&r.instance),
            duration_ms: r.duration.as_millis() as u64,
            kind: r.kind.into(),
            http_status: r.http_status as i32,
            down_ms: r.down.map_or(-1, |d| std::cmp::min(d.as_millis(), i64::MAX as u128) as i64),
        })
        .collect();
    let (items, len) = into_raw_slice(items);
    Box::into_raw(Box::new(DkvResults { items, len }))
}

/// # Safety
/// `results` must come from `results_to_c` and not have been freed.
pub(super) unsafe fn free_results(results: *mut DkvResults) {
    let results = Box::from_raw(results);
    for item in from_raw_slice(results.items, results.len).iter() {
        for s in [item.manager, item.action, item.result, item.message, item.store, item.instance] {
            free_c_string(s);
        }
    }
}
