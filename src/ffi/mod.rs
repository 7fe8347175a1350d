//! The C ABI. Rules every export keeps: UTF-8 strings in and out; every pointer argument checked for NULL; one
//! panic boundary per export (`boundary::guard`); errors returned with the call as a status plus a message the
//! caller frees with `dkv_free_string`; every allocation handed out has exactly one free function; booleans and
//! flags cross as integers; the library never calls back into the caller.
mod boundary;
mod convert;

use crate::credentials::Credentials;
use crate::error::DkvError;
use crate::operation::{Operation, StopRequest};
use crate::session::{Session, Targets};
use crate::transport::TransportOptions;
use boundary::{
    guard, guard_void, optional_port, optional_timeout, read_managers, read_optional_str, read_str, require_out,
};
use std::os::raw::c_char;
use std::time::Duration;

/// Success.
pub const DKV_OK: i32 = 0;
/// A NULL pointer, bad UTF-8, or a bad address, name, port or timeout.
pub const DKV_ERR_INVALID_ARGUMENT: i32 = 1;
/// Neither a session nor managers: "No managers connected. Use Connect-DkvManager or specify -Managers."
pub const DKV_ERR_NO_MANAGERS: i32 = 2;
/// Every targeted manager answered 404 for the store.
pub const DKV_ERR_STORE_NOT_FOUND: i32 = 3;
/// The instance is not in the store (the message lists its nodes), or the store lists no nodes.
pub const DKV_ERR_INSTANCE_NOT_FOUND: i32 = 4;
/// No manager answered discovery; the message gives each manager's reason.
pub const DKV_ERR_UNREACHABLE: i32 = 5;
/// The deadline passed before discovery finished.
pub const DKV_ERR_TIMEOUT: i32 = 6;
/// Cancelled before discovery finished.
pub const DKV_ERR_CANCELLED: i32 = 7;
/// A manager answered with something the contract does not allow.
pub const DKV_ERR_PROTOCOL: i32 = 8;
/// A bug: a panic caught at the boundary.
pub const DKV_ERR_INTERNAL: i32 = 9;

/// Flag: stop at once (`?force=true`) instead of gracefully.
pub const DKV_STOP_FORCE: u32 = 1;
/// Flag: work on different managers concurrently.
pub const DKV_STOP_PARALLEL: u32 = 2;
/// Flag: after the first FAILED or TIMEOUT, start nothing new.
pub const DKV_STOP_FAIL_FAST: u32 = 4;

/// DkvResult.kind values.
pub const DKV_RESULT_SUCCESS: i32 = 0;
pub const DKV_RESULT_FAILED: i32 = 1;
pub const DKV_RESULT_TIMEOUT: i32 = 2;
pub const DKV_RESULT_SKIPPED: i32 = 3;
pub const DKV_RESULT_CANCELLED: i32 = 4;

/// DkvNodeProgress.state values.
pub const DKV_NODE_PENDING: i32 = 0;
pub const DKV_NODE_RUNNING: i32 = 1;
pub const DKV_NODE_DONE: i32 = 2;

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
    /// DKV_RESULT_*
    pub kind: i32,
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
    /// DKV_NODE_*
    pub state: i32,
    /// DKV_RESULT_* once state is DKV_NODE_DONE, else -1.
    pub kind: i32,
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

/// Frees a string returned through an out_error or other out parameter. NULL is a no-op.
///
/// # Safety
/// `s` must be NULL or a string from this library that was not freed yet.
#[no_mangle]
pub unsafe extern "C" fn dkv_free_string(s: *mut c_char) {
    guard_void(|| boundary::free_c_string(s));
}

/// Validates one manager address and returns its normalized `scheme://host:port` form (free with
/// dkv_free_string). default_port <= 0 means 7801.
///
/// # Safety
/// Pointers must be NULL or valid; `address` NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn dkv_normalize_manager(
    address: *const c_char,
    default_port: i32,
    out_normalized: *mut *mut c_char,
    out_error: *mut *mut c_char,
) -> i32 {
    guard(out_error, || {
        require_out(out_normalized, "out_normalized")?;
        let address = read_str(address, "address")?;
        let port = match optional_port(default_port) {
            Some(p) => crate::address::port_from_int(p)?,
            None => crate::address::DEFAULT_PORT,
        };
        let endpoint = crate::address::ManagerEndpoint::parse(&address, port)?;
        *out_normalized = boundary::owned_c_string(&endpoint.base_url());
        Ok(())
    })
}

/// Creates a session from `managers[0..manager_count]`. port <= 0 means 7801; timeout_sec <= 0 means 30.
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
) -> i32 {
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
) -> i32 {
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
) -> i32 {
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
/// port/timeout_sec <= 0 mean the session's (or 7801 / 30 s). Free the result with dkv_free_store_info.
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
) -> i32 {
    guard(out_error, || {
        require_out(out_info, "out_info")?;
        let store = read_str(store, "store")?;
        let targets = targets(session, managers, manager_count, port, timeout_sec)?;
        let found = crate::store_info::get_store(&targets, &store)?;
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
) -> i32 {
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
) -> i32 {
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

/// The arguments of a stop, checked: what dkv_stop_begin and dkv_stop_store share.
///
/// # Safety
/// As dkv_stop_begin.
#[allow(clippy::too_many_arguments)]
unsafe fn stop_arguments(
    session: *const DkvSession,
    managers: *const *const c_char,
    manager_count: usize,
    port: i32,
    store: *const c_char,
    instance: *const c_char,
    flags: u32,
    timeout_sec: i32,
    throttle: u32,
) -> Result<(Targets, StopRequest), DkvError> {
    let known = DKV_STOP_FORCE | DKV_STOP_PARALLEL | DKV_STOP_FAIL_FAST;
    if flags & !known != 0 {
        return Err(DkvError::invalid(format!("flags 0x{:x} has unknown bits; use DKV_STOP_* values.", flags)));
    }
    let request = StopRequest {
        store: read_str(store, "store")?,
        instance: read_optional_str(instance, "instance")?,
        force: flags & DKV_STOP_FORCE != 0,
        parallel: flags & DKV_STOP_PARALLEL != 0,
        fail_fast: flags & DKV_STOP_FAIL_FAST != 0,
        throttle: throttle as usize,
    };
    let targets = targets(session, managers, manager_count, port, timeout_sec)?;
    Ok((targets, request))
}

/// # Safety
/// `op` must be NULL or live.
unsafe fn live_op<'a>(op: *const DkvOperation) -> Result<&'a DkvOperation, DkvError> {
    op.as_ref().ok_or_else(|| DkvError::invalid("op is NULL."))
}

/// Starts a stop in the background and returns at once. `instance` NULL means every node. flags: DKV_STOP_*.
/// throttle: with DKV_STOP_PARALLEL, the most requests in flight at once (0 means 32); a node waiting between
/// polls of a graceful stop holds none. Argument errors and the no-managers case are returned here; discovery
/// errors come from dkv_op_results. Free with dkv_op_free.
///
/// # Safety
/// Pointers must be NULL or valid as described; strings NUL-terminated.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dkv_stop_begin(
    session: *const DkvSession,
    managers: *const *const c_char,
    manager_count: usize,
    port: i32,
    store: *const c_char,
    instance: *const c_char,
    flags: u32,
    timeout_sec: i32,
    throttle: u32,
    out_op: *mut *mut DkvOperation,
    out_error: *mut *mut c_char,
) -> i32 {
    guard(out_error, || {
        require_out(out_op, "out_op")?;
        let (targets, request) =
            stop_arguments(session, managers, manager_count, port, store, instance, flags, timeout_sec, throttle)?;
        let op = Operation::begin(targets, request)?;
        *out_op = Box::into_raw(Box::new(DkvOperation { inner: op }));
        Ok(())
    })
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
) -> i32 {
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
) -> i32 {
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

/// Blocking stop: runs the stop to its end and returns the rows (free with dkv_free_results). Arguments as
/// dkv_stop_begin.
///
/// # Safety
/// As dkv_stop_begin.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dkv_stop_store(
    session: *const DkvSession,
    managers: *const *const c_char,
    manager_count: usize,
    port: i32,
    store: *const c_char,
    instance: *const c_char,
    flags: u32,
    timeout_sec: i32,
    throttle: u32,
    out_results: *mut *mut DkvResults,
    out_error: *mut *mut c_char,
) -> i32 {
    guard(out_error, || {
        require_out(out_results, "out_results")?;
        let (targets, request) =
            stop_arguments(session, managers, manager_count, port, store, instance, flags, timeout_sec, throttle)?;
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
