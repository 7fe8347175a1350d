//! Progress snapshots: DkvProgress with its nodes and log lines, from dkv_op_progress, freed with
//! dkv_free_progress.
use super::boundary::{free_c_string, from_raw_slice, guard, guard_void, into_raw_slice, live_op, owned_c_string};
use super::boundary::{require_out, DkvOperation};
use super::codes::*;
use crate::operation::handle::Progress;
use std::os::raw::c_char;

#[repr(C)]
pub struct DkvNodeProgress {
    pub instance: *const c_char,
    pub manager: *const c_char,
    /// The latest message for this node.
    pub message: *const c_char,
    pub state: DkvNodeState,
    /// The result once state is DKV_NODE_DONE, else DKV_RESULT_NONE (-1).
    pub kind: DkvResultKind,
}

/// A progress snapshot; free with dkv_free_progress. `log` holds the log lines numbered `log_first ..
/// log_first + log_len - 1`; pass `log_first + log_len` as `log_since` next time to get only new lines. Lines
/// starting with "WARNING: " are warnings.
#[repr(C)]
pub struct DkvProgress {
    pub total: u64,
    pub done: u64,
    /// FAILED and TIMEOUT rows so far.
    pub failed: u64,
    /// "Discovering", "Checking safety", "Making store passive", "Stopping" or "Done".
    pub phase: *const c_char,
    pub nodes: *mut DkvNodeProgress,
    pub nodes_len: usize,
    pub log: *const *const c_char,
    pub log_len: usize,
    pub log_first: u64,
    /// 1 when the operation is over.
    pub finished: i32,
    pub reserved: i32,
}

/// A progress snapshot with the log lines numbered `log_since` and later. Free with dkv_free_progress.
///
/// # Safety
/// `op` must be NULL or live; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dkv_op_progress(
    op: *const DkvOperation,
    log_since: u64,
    out_progress: *mut *mut DkvProgress,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_progress, "out_progress")?;
        let op = live_op(op)?;
        *out_progress = progress_to_c(&op.inner.progress(log_since));
        Ok(())
    })
}

/// Frees a progress snapshot. NULL is a no-op.
///
/// # Safety
/// `progress` must be NULL or from dkv_op_progress, not freed yet.
#[no_mangle]
pub unsafe extern "C" fn dkv_free_progress(progress: *mut DkvProgress) {
    guard_void(|| {
        if !progress.is_null() {
            free_progress(progress);
        }
    });
}

pub(super) fn progress_to_c(p: &Progress) -> *mut DkvProgress {
    let nodes: Vec<DkvNodeProgress> = p
        .nodes
        .iter()
        .map(|n| DkvNodeProgress {
            instance: owned_c_string(&n.instance),
            manager: owned_c_string(&n.manager),
            message: owned_c_string(&n.message),
            state: n.state.into(),
            kind: n.kind.map(DkvResultKind::from).unwrap_or(DKV_RESULT_NONE),
        })
        .collect();
    let (nodes, nodes_len) = into_raw_slice(nodes);
    let log: Vec<*const c_char> = p.log.iter().map(|l| owned_c_string(l) as *const c_char).collect();
    let (log, log_len) = into_raw_slice(log);
    Box::into_raw(Box::new(DkvProgress {
        total: p.total as u64,
        done: p.done as u64,
        failed: p.failed as u64,
        phase: owned_c_string(&p.phase),
        nodes,
        nodes_len,
        log,
        log_len,
        log_first: p.log_first,
        finished: p.finished as i32,
        reserved: 0,
    }))
}

/// # Safety
/// `progress` must come from `progress_to_c` and not have been freed.
pub(super) unsafe fn free_progress(progress: *mut DkvProgress) {
    let p = Box::from_raw(progress);
    free_c_string(p.phase);
    for n in from_raw_slice(p.nodes, p.nodes_len).iter() {
        free_c_string(n.instance);
        free_c_string(n.manager);
        free_c_string(n.message);
    }
    for line in from_raw_slice(p.log as *mut *const c_char, p.log_len).iter() {
        free_c_string(*line);
    }
}
