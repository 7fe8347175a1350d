//! Stops, starts and rolling restarts in the background and their handle: dkv_stop_begin, dkv_start_begin,
//! dkv_restart_begin, dkv_op_wait, dkv_op_cancel, dkv_op_free, and the blocking dkv_stop_store, dkv_start_store
//! and dkv_restart_store. Progress, results, plans and store info are read from the handle in their own files.
use super::boundary::{free_boxed, guard, guard_void, require_out, DkvOperation};
use super::codes::*;
use super::results::{results_to_c, DkvResults};
use super::session::DkvSession;
use super::stop_options::{self, DkvStopOptions};
use crate::operation::handle::Operation;
use crate::results::Action;
use std::os::raw::c_char;
use std::time::Duration;

/// Starts a stop in the background and returns at once: discovery, plan, safety and the node stops run under
/// the one deadline `options->timeout_sec`. Argument errors and the no-managers case are returned here; discovery
/// and selection errors (DKV_ERR_INSTANCE_NOT_FOUND, ...) come from dkv_op_results. Free with dkv_op_free.
///
/// # Safety
/// `session` NULL or live; `options` valid as DkvStopOptions describes; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dkv_stop_begin(
    session: *const DkvSession,
    options: *const DkvStopOptions,
    out_op: *mut *mut DkvOperation,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    begin_with(session, options, out_op, out_error, Action::Stop, "dkv_stop_begin")
}

/// Starts a start in the background and returns at once, through the same handle as a stop (dkv_op_wait,
/// dkv_op_progress, dkv_op_cancel, dkv_op_results, dkv_op_free). Rows are "StartInstance:<node>": SUCCESS
/// "Running" or "already running", FAILED (also "manager ... has no start endpoint"), TIMEOUT, SKIPPED,
/// CANCELLED. With no instance list every node is started, and a Passive store is made Active only once every
/// node runs and the store is safe; otherwise it is left as it is and the log warns. A start of a list of nodes
/// never changes the store state. Options as dkv_stop_begin; DKV_STOP_FORCE is DKV_ERR_INVALID_ARGUMENT.
///
/// # Safety
/// As dkv_stop_begin.
#[no_mangle]
pub unsafe extern "C" fn dkv_start_begin(
    session: *const DkvSession,
    options: *const DkvStopOptions,
    out_op: *mut *mut DkvOperation,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    begin_with(session, options, out_op, out_error, Action::Start, "dkv_start_begin")
}

/// Starts a rolling restart in the background and returns at once, through the same handle as a stop
/// (dkv_op_wait, dkv_op_progress, dkv_op_cancel, dkv_op_results, dkv_op_free). One node at a time, in the store's
/// order: wait until the store is safe, stop the node gracefully, start it, wait until it is Running and the store
/// is safe again; never two nodes down. Rows are "RestartInstance:<node>": SUCCESS "Running; down 1.24 s" with
/// DkvResult.down_ms; at the first node that fails, FAILED or TIMEOUT saying in which phase, every later node
/// SKIPPED "not restarted: the rolling restart stopped at <node>", and a "WARNING: " log line says how to go on.
/// dkv_op_cancel (or the deadline, or options->node_timeout_sec) after a node's stop was sent does not leave it
/// down: within DKV_RESTART_RECOVERY_GRACE_SEC, even past the deadline, its start is sent before the operation
/// finishes, and its row (CANCELLED or TIMEOUT) says whether it was started again or is DOWN. Options as
/// dkv_stop_begin plus node_timeout_sec; DKV_STOP_FORCE and DKV_STOP_PARALLEL are DKV_ERR_INVALID_ARGUMENT.
///
/// # Safety
/// As dkv_stop_begin.
#[no_mangle]
pub unsafe extern "C" fn dkv_restart_begin(
    session: *const DkvSession,
    options: *const DkvStopOptions,
    out_op: *mut *mut DkvOperation,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    begin_with(session, options, out_op, out_error, Action::Restart, "dkv_restart_begin")
}

/// Waits up to timeout_ms (0: just look; < 0: until finished). Returns 1 when finished, 0 when not, -1 for a
/// NULL handle.
///
/// # Safety
/// `op` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn dkv_op_wait(op: *const DkvOperation, timeout_ms: i32) -> i32 {
    let op = match op.as_ref() {
        Some(op) => op,
        None => return -1,
    };
    let limit = if timeout_ms < 0 { None } else { Some(Duration::from_millis(timeout_ms as u64)) };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| op.inner.wait(limit))) {
        Ok(true) => 1,
        Ok(false) => 0,
        Err(_) => -1,
    }
}

/// Cancels: nothing new starts, waits end, unfinished nodes are reported CANCELLED. A rolling restart whose current
/// node's stop was sent first brings that node back (sends its start, within DKV_RESTART_RECOVERY_GRACE_SEC) and
/// only then finishes: wait for it with dkv_op_wait. Idempotent; NULL is a no-op.
///
/// # Safety
/// `op` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn dkv_op_cancel(op: *const DkvOperation) {
    guard_void(|| {
        if let Some(op) = op.as_ref() {
            op.inner.cancel();
        }
    });
}

/// Frees an operation handle. A running operation is cancelled first; its threads end by the deadline at the
/// latest (a rolling restart's: by the deadline plus DKV_RESTART_RECOVERY_GRACE_SEC, bringing its node back).
/// NULL is a no-op.
///
/// # Safety
/// `op` must be NULL or live, and not used again afterwards.
#[no_mangle]
pub unsafe extern "C" fn dkv_op_free(op: *mut DkvOperation) {
    free_boxed(op);
}

/// Blocking stop: runs the stop to its end and returns the rows (free with dkv_free_results). Options as
/// dkv_stop_begin; errors before any node (discovery, selection) are returned here.
///
/// # Safety
/// As dkv_stop_begin.
#[no_mangle]
pub unsafe extern "C" fn dkv_stop_store(
    session: *const DkvSession,
    options: *const DkvStopOptions,
    out_results: *mut *mut DkvResults,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    run_with(session, options, out_results, out_error, Action::Stop, "dkv_stop_store")
}

/// Blocking start: runs the start to its end and returns the rows (free with dkv_free_results). Options and rows
/// as dkv_start_begin; errors before any node (discovery, selection, DKV_STOP_FORCE) are returned here.
///
/// # Safety
/// As dkv_stop_begin.
#[no_mangle]
pub unsafe extern "C" fn dkv_start_store(
    session: *const DkvSession,
    options: *const DkvStopOptions,
    out_results: *mut *mut DkvResults,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    run_with(session, options, out_results, out_error, Action::Start, "dkv_start_store")
}

/// Blocking rolling restart: runs it to its end and returns the rows (free with dkv_free_results). Options and
/// rows as dkv_restart_begin; errors before any node (discovery, selection, DKV_STOP_FORCE, DKV_STOP_PARALLEL)
/// are returned here.
///
/// # Safety
/// As dkv_stop_begin.
#[no_mangle]
pub unsafe extern "C" fn dkv_restart_store(
    session: *const DkvSession,
    options: *const DkvStopOptions,
    out_results: *mut *mut DkvResults,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    run_with(session, options, out_results, out_error, Action::Restart, "dkv_restart_store")
}

/// What dkv_stop_begin, dkv_start_begin and dkv_restart_begin share: the options read once, the operation begun by `begin`.
///
/// # Safety
/// As dkv_stop_begin.
unsafe fn begin_with(
    session: *const DkvSession,
    options: *const DkvStopOptions,
    out_op: *mut *mut DkvOperation,
    out_error: *mut *mut c_char,
    action: Action,
    export: &str,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_op, "out_op")?;
        let (targets, request, audit) = stop_options::read_change(session, options, export)?;
        let op = Operation::begin_change(targets, request, action, &audit)?;
        *out_op = Box::into_raw(Box::new(DkvOperation { inner: op }));
        Ok(())
    })
}

/// What dkv_stop_store, dkv_start_store and dkv_restart_store share: the options read once, the operation run to its end by `run`.
///
/// # Safety
/// As dkv_stop_begin.
unsafe fn run_with(
    session: *const DkvSession,
    options: *const DkvStopOptions,
    out_results: *mut *mut DkvResults,
    out_error: *mut *mut c_char,
    action: Action,
    export: &str,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_results, "out_results")?;
        let (targets, request, audit) = stop_options::read_change(session, options, export)?;
        *out_results = results_to_c(&Operation::run_change(targets, request, action, &audit)?);
        Ok(())
    })
}
