//! The C ABI. Rules every export keeps: UTF-8 strings in and out; every pointer argument checked for NULL; one
//! panic boundary per export (`boundary::guard`); errors returned with the call as a status plus a message the
//! caller frees with `dkv_free_string`; every allocation handed out has exactly one free function; booleans and
//! flags cross as integers; the library never calls back into the caller.
mod boundary;
mod codes;
mod convert;
mod stop_options;

pub use codes::*;
pub use stop_options::DkvStopOptions;

use crate::error::DkvError;
use crate::net::credentials::Credentials;
use crate::net::session::{Session, Targets};
use crate::net::transport::TransportOptions;
use crate::operation::handle::Operation;
use boundary::{
    guard, guard_void, optional_port, optional_timeout, read_managers, read_optional_str, read_str, require_out,
};
use std::os::raw::c_char;
use std::time::Duration;

/// Opaque session (managers, port, timeout, connection pool). Free with dkv_disconnect.
pub struct DkvSession {
    inner: Session,
}

/// Opaque running or finished stop. Free with dkv_op_free.
pub struct DkvOperation {
    inner: Operation,
}

/// One row per node. Every string is UTF-8, NUL-terminated, and owned by the DkvResults that holds it.
#[repr(C)]
pub struct DkvResult {
    /// "10.0.0.11:7801"
    pub manager: *const c_char,
    /// "StopInstance:orders-1"
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
}

/// Rows of a stop; free with dkv_free_results.
#[repr(C)]
pub struct DkvResults {
    pub items: *mut DkvResult,
    pub len: usize,
}

#[repr(C)]
pub struct DkvInstanceInfo {
    pub name: *const c_char,
    pub server: *const c_char,
    pub status: *const c_char,
    pub clustron_port: i32,
    pub client_port: i32,
}

/// A discovered store; free with dkv_free_store_info.
#[repr(C)]
pub struct DkvStoreInfo {
    pub name: *const c_char,
    /// The manager that answered discovery.
    pub manager: *const c_char,
    pub instances: *mut DkvInstanceInfo,
    pub len: usize,
}

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

/// The library version, a static string that is never freed.
#[no_mangle]
pub extern "C" fn dkv_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
}

/// The message of DKV_ERR_NO_MANAGERS ("No managers connected. Use Connect-DkvManager or specify -Managers."),
/// a static string that is never freed: the documented text, for callers that report the case themselves.
#[no_mangle]
pub extern "C" fn dkv_no_managers_message() -> *const c_char {
    crate::error::NO_MANAGERS_MESSAGE_NUL.as_ptr() as *const c_char
}

/// Frees a string returned through an out_error or other out parameter. NULL is a no-op.
///
/// # Safety
/// `s` must be NULL or a string from this library that was not freed yet.
#[no_mangle]
pub unsafe extern "C" fn dkv_free_string(s: *mut c_char) {
    guard_void(|| boundary::free_c_string(s));
}

/// Validates one manager address and returns its normalized `scheme://host:port` form (free with
/// dkv_free_string). default_port <= 0 means DKV_DEFAULT_PORT.
///
/// # Safety
/// Pointers must be NULL or valid; `address` NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn dkv_normalize_manager(
    address: *const c_char,
    default_port: i32,
    out_normalized: *mut *mut c_char,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_normalized, "out_normalized")?;
        let address = read_str(address, "address")?;
        let port = match optional_port(default_port) {
            Some(p) => crate::net::address::port_from_int(p)?,
            None => crate::net::address::DEFAULT_PORT,
        };
        let endpoint = crate::net::address::ManagerEndpoint::parse(&address, port)?;
        *out_normalized = boundary::owned_c_string(&endpoint.base_url());
        Ok(())
    })
}

/// Creates a session from `managers[0..manager_count]`. port <= 0 means DKV_DEFAULT_PORT; timeout_sec <= 0 means
/// DKV_DEFAULT_TIMEOUT_SEC.
/// Validates every address and sends nothing. Free with dkv_disconnect.
///
/// # Safety
/// `managers` must point to `manager_count` NUL-terminated strings; out pointers must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dkv_connect(
    managers: *const *const c_char,
    manager_count: usize,
    port: i32,
    timeout_sec: i32,
    out_session: *mut *mut DkvSession,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    dkv_connect_ex(managers, manager_count, port, timeout_sec, std::ptr::null(), out_session, out_error)
}

/// Settings of dkv_connect_ex beyond the addresses. Zero-initialize it and set `struct_size` to
/// `sizeof(DkvConnectOptions)`, so that fields added later keep old callers working.
#[repr(C)]
pub struct DkvConnectOptions {
    pub struct_size: u32,
    /// 1: accept any server certificate (for test systems; verification is on otherwise).
    pub skip_certificate_check: i32,
    /// Sent as `Authorization: Bearer <token>`; NULL for none.
    pub bearer_token: *const c_char,
    /// With `password`: sent as `Authorization: Basic ...`; NULL for none.
    pub user: *const c_char,
    pub password: *const c_char,
}

/// As dkv_connect, with credentials and TLS settings (`options` may be NULL: as dkv_connect). Credentials are
/// sent only in the Authorization header; they never appear in messages, logs or results.
///
/// # Safety
/// As dkv_connect; `options` NULL or pointing to `options->struct_size` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn dkv_connect_ex(
    managers: *const *const c_char,
    manager_count: usize,
    port: i32,
    timeout_sec: i32,
    options: *const DkvConnectOptions,
    out_session: *mut *mut DkvSession,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_session, "out_session")?;
        let addresses = read_managers(managers, manager_count)?;
        let transport = match options.as_ref() {
            None => TransportOptions::default(),
            Some(o) => {
                if (o.struct_size as usize) < std::mem::size_of::<DkvConnectOptions>() {
                    return Err(DkvError::invalid(format!(
                        "options->struct_size is {}; set it to sizeof(DkvConnectOptions) ({}).",
                        o.struct_size,
                        std::mem::size_of::<DkvConnectOptions>()
                    )));
                }
                TransportOptions {
                    credentials: Credentials::from_parts(
                        read_optional_str(o.bearer_token, "bearer_token")?,
                        read_optional_str(o.user, "user")?,
                        read_optional_str(o.password, "password")?,
                    )?,
                    skip_certificate_check: o.skip_certificate_check != 0,
                }
            }
        };
        let session =
            Session::connect_with(&addresses, optional_port(port), optional_timeout(timeout_sec), &transport)?;
        *out_session = Box::into_raw(Box::new(DkvSession { inner: session }));
        Ok(())
    })
}

/// Frees a session. NULL is a no-op. Operations begun from it keep working.
///
/// # Safety
/// `session` must be NULL or a live session from dkv_connect, not used again afterwards.
#[no_mangle]
pub unsafe extern "C" fn dkv_disconnect(session: *mut DkvSession) {
    boundary::free_boxed(session);
}

/// Number of managers in the session (0 for NULL).
///
/// # Safety
/// `session` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn dkv_session_manager_count(session: *const DkvSession) -> usize {
    match session.as_ref() {
        Some(s) => s.inner.managers().len(),
        None => 0,
    }
}

/// The normalized address (`http://host:port`) of manager `index` of the session; free with dkv_free_string.
///
/// # Safety
/// `session` must be NULL or live; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dkv_session_manager(
    session: *const DkvSession,
    index: usize,
    out_address: *mut *mut c_char,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_address, "out_address")?;
        let session = session.as_ref().ok_or_else(|| DkvError::invalid("session is NULL."))?;
        let managers = session.inner.managers();
        let endpoint = managers.get(index).ok_or_else(|| {
            DkvError::invalid(format!("index {} is out of range; the session has {} managers.", index, managers.len()))
        })?;
        *out_address = boundary::owned_c_string(&endpoint.base_url());
        Ok(())
    })
}

/// # Safety
/// As the exports that call it.
unsafe fn targets(
    session: *const DkvSession,
    managers: *const *const c_char,
    manager_count: usize,
    port: i32,
    timeout_sec: i32,
) -> Result<Targets, DkvError> {
    let explicit = read_managers(managers, manager_count)?;
    Targets::resolve(session.as_ref().map(|s| &s.inner), &explicit, optional_port(port), optional_timeout(timeout_sec))
}

/// Discovers a store. `session` may be NULL when managers are given; given managers override the session's.
/// port/timeout_sec <= 0 mean the session's (or DKV_DEFAULT_PORT / DKV_DEFAULT_TIMEOUT_SEC). Free the result with dkv_free_store_info.
///
/// # Safety
/// Pointers must be NULL or valid as described; strings NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn dkv_get_store(
    session: *const DkvSession,
    managers: *const *const c_char,
    manager_count: usize,
    port: i32,
    store: *const c_char,
    timeout_sec: i32,
    out_info: *mut *mut DkvStoreInfo,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_info, "out_info")?;
        let store = read_str(store, "store")?;
        let targets = targets(session, managers, manager_count, port, timeout_sec)?;
        let found = crate::operation::store_info::get_store(&targets, &store)?;
        *out_info = convert::discovered_to_c(&store, &found);
        Ok(())
    })
}

/// Starts discovery alone in the background (the watchable, cancellable form of dkv_get_store): wait, cancel
/// and free it like a stop, then read the store with dkv_op_store_info. Arguments as dkv_get_store.
///
/// # Safety
/// Pointers must be NULL or valid as described; strings NUL-terminated.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dkv_get_store_begin(
    session: *const DkvSession,
    managers: *const *const c_char,
    manager_count: usize,
    port: i32,
    store: *const c_char,
    timeout_sec: i32,
    out_op: *mut *mut DkvOperation,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_op, "out_op")?;
        let store = read_str(store, "store")?;
        let targets = targets(session, managers, manager_count, port, timeout_sec)?;
        let op = Operation::begin_discovery(targets, &store)?;
        *out_op = Box::into_raw(Box::new(DkvOperation { inner: op }));
        Ok(())
    })
}

/// The store an operation discovered (from dkv_get_store_begin, or the discovery step of a stop). Free with
/// dkv_free_store_info. When discovery failed, returns that status and message; while it is still running,
/// DKV_ERR_INVALID_ARGUMENT saying so.
///
/// # Safety
/// `op` must be NULL or live; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dkv_op_store_info(
    op: *const DkvOperation,
    out_info: *mut *mut DkvStoreInfo,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_info, "out_info")?;
        let op = live_op(op)?;
        let found = op.inner.discovered()?.ok_or_else(|| {
            DkvError::invalid("The store has not been discovered yet; wait for the operation to finish first.")
        })?;
        *out_info = convert::discovered_to_c(op.inner.store(), &found);
        Ok(())
    })
}

/// Frees a store info. NULL is a no-op.
///
/// # Safety
/// `info` must be NULL or from dkv_get_store, not freed yet.
#[no_mangle]
pub unsafe extern "C" fn dkv_free_store_info(info: *mut DkvStoreInfo) {
    guard_void(|| {
        if !info.is_null() {
            convert::free_store_info(info);
        }
    });
}

/// # Safety
/// `op` must be NULL or live.
unsafe fn live_op<'a>(op: *const DkvOperation) -> Result<&'a DkvOperation, DkvError> {
    op.as_ref().ok_or_else(|| DkvError::invalid("op is NULL."))
}

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
    guard(out_error, || {
        require_out(out_op, "out_op")?;
        let (targets, request) = stop_options::read(session, options)?;
        let op = Operation::begin(targets, request)?;
        *out_op = Box::into_raw(Box::new(DkvOperation { inner: op }));
        Ok(())
    })
}

/// Starts planning a stop in the background: discovery, then the plan dkv_stop_begin would make with the same
/// options (the same selection and routing, names resolved under the same deadline), and nothing is stopped.
/// Wait, cancel and free it like a stop; read the plan with dkv_op_plan. `options->flags` and `throttle` are
/// checked but change nothing in the plan.
///
/// # Safety
/// As dkv_stop_begin.
#[no_mangle]
pub unsafe extern "C" fn dkv_plan_begin(
    session: *const DkvSession,
    options: *const DkvStopOptions,
    out_op: *mut *mut DkvOperation,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_op, "out_op")?;
        let (targets, request) = stop_options::read(session, options)?;
        let op = Operation::begin_plan(targets, request)?;
        *out_op = Box::into_raw(Box::new(DkvOperation { inner: op }));
        Ok(())
    })
}

/// One selected node of a plan. Strings are owned by the DkvPlan.
#[repr(C)]
pub struct DkvPlannedNode {
    pub instance: *const c_char,
    /// The node's server as the store lists it.
    pub server: *const c_char,
    /// Routed: the manager the stop goes through ("10.0.0.11:7801"). Skipped: the Manager column of its SKIPPED
    /// row (the server with the port).
    pub manager: *const c_char,
    /// NULL when routed; when skipped, the message of its SKIPPED row ("not stopped: server ... is not among the
    /// targeted managers (...)").
    pub skip_reason: *const c_char,
    /// 1 when the stop would skip this node, 0 when it would stop it through `manager`.
    pub skipped: i32,
    pub reserved: i32,
}

/// The plan of a stop; free with dkv_free_plan. Nodes are in the store's order.
#[repr(C)]
pub struct DkvPlan {
    pub store: *const c_char,
    /// The manager that answered discovery.
    pub discovered_by: *const c_char,
    pub nodes: *mut DkvPlannedNode,
    pub len: usize,
    /// 1 when the stop would be a whole-store stop (every node selected by giving no list, and each one routed):
    /// without DKV_STOP_FORCE, the store is made passive before its nodes stop.
    pub whole_store: i32,
    pub reserved: i32,
}

/// The plan of an operation from dkv_plan_begin. Free with dkv_free_plan. When discovery or selection failed,
/// returns that status and message (DKV_ERR_INSTANCE_NOT_FOUND, DKV_ERR_UNREACHABLE, ...); while it is still
/// running, or for an operation that is not a plan, DKV_ERR_INVALID_ARGUMENT saying so.
///
/// # Safety
/// `op` must be NULL or live; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dkv_op_plan(
    op: *const DkvOperation,
    out_plan: *mut *mut DkvPlan,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_plan, "out_plan")?;
        let op = live_op(op)?;
        let (found, plan) = op.inner.plan()?.ok_or_else(|| {
            DkvError::invalid("There is no plan yet: wait for the operation to finish, and plan with dkv_plan_begin.")
        })?;
        *out_plan = convert::plan_to_c(op.inner.store(), &found, &plan);
        Ok(())
    })
}

/// Frees a plan. NULL is a no-op.
///
/// # Safety
/// `plan` must be NULL or from dkv_op_plan, not freed yet.
#[no_mangle]
pub unsafe extern "C" fn dkv_free_plan(plan: *mut DkvPlan) {
    guard_void(|| {
        if !plan.is_null() {
            convert::free_plan(plan);
        }
    });
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

/// Cancels: nothing new starts, waits end, unfinished nodes are reported CANCELLED. Idempotent; NULL is a no-op.
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
        *out_progress = convert::progress_to_c(&op.inner.progress(log_since));
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
            convert::free_progress(progress);
        }
    });
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
        *out_results = convert::results_to_c(&rows);
        Ok(())
    })
}

/// Frees an operation handle. A running operation is cancelled first; its threads end by the deadline at the
/// latest. NULL is a no-op.
///
/// # Safety
/// `op` must be NULL or live, and not used again afterwards.
#[no_mangle]
pub unsafe extern "C" fn dkv_op_free(op: *mut DkvOperation) {
    boundary::free_boxed(op);
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
    guard(out_error, || {
        require_out(out_results, "out_results")?;
        let (targets, request) = stop_options::read(session, options)?;
        let rows = Operation::run(targets, request)?;
        *out_results = convert::results_to_c(&rows);
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
            convert::free_results(results);
        }
    });
}
