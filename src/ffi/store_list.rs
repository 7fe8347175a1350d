//! The stores the targeted managers know: dkv_list_stores, dkv_list_stores_begin + dkv_op_store_list, and
//! DkvStoreList freed with dkv_free_store_list.
use super::boundary::{free_c_string, from_raw_slice, guard, guard_void, into_raw_slice, live_op, owned_c_string};
use super::boundary::{require_out, DkvOperation};
use super::codes::*;
use super::session::{targets, DkvSession};
use crate::endpoints::store_list::StoreList;
use crate::error::DkvError;
use crate::operation::handle::Operation;
use std::os::raw::c_char;

/// The merged store list; free with dkv_free_store_list (which frees every string in it).
#[repr(C)]
pub struct DkvStoreList {
    /// `len` store names, each once, in the order the managers listed them (the first answering manager's order,
    /// then names only later managers know). At most DKV_MAX_LISTED_STORES per manager.
    pub names: *mut *mut c_char,
    pub len: usize,
    /// NULL when every targeted manager answered with its list; otherwise the managers whose list is missing,
    /// each with why ("10.0.0.12:7801: could not connect (...); ..."): the list may be incomplete.
    pub unanswered: *const c_char,
}

/// Lists the stores the targeted managers know (`GET /admin/v1/stores` on every targeted manager, in order, each
/// with its share of the time left; names merged, each once). Arguments as dkv_get_store, without a store.
/// A manager that does not answer or answers badly leaves its names out and is named in `unanswered`; when no
/// manager answered with a list the call fails: DKV_ERR_NOT_SUPPORTED when none has the endpoint (404, 405 or
/// 501: the message says to name the store), else DKV_ERR_UNREACHABLE or DKV_ERR_TIMEOUT with each manager's
/// reason. Free the result with dkv_free_store_list.
///
/// # Safety
/// Pointers must be NULL or valid as described; strings NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn dkv_list_stores(
    session: *const DkvSession,
    managers: *const *const c_char,
    manager_count: usize,
    port: i32,
    timeout_sec: i32,
    out_list: *mut *mut DkvStoreList,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_list, "out_list")?;
        let targets = targets(session, managers, manager_count, port, timeout_sec)?;
        let list = crate::operation::store_info::list_stores(&targets)?;
        *out_list = list_to_c(&list);
        Ok(())
    })
}

/// Starts the store list in the background (the watchable, cancellable form of dkv_list_stores): wait, cancel
/// and free it like a stop, then read the list with dkv_op_store_list. Arguments as dkv_list_stores.
///
/// # Safety
/// Pointers must be NULL or valid as described; strings NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn dkv_list_stores_begin(
    session: *const DkvSession,
    managers: *const *const c_char,
    manager_count: usize,
    port: i32,
    timeout_sec: i32,
    out_op: *mut *mut DkvOperation,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_op, "out_op")?;
        let targets = targets(session, managers, manager_count, port, timeout_sec)?;
        let op = Operation::begin_list(targets)?;
        *out_op = Box::into_raw(Box::new(DkvOperation { inner: op }));
        Ok(())
    })
}

/// The list of an operation from dkv_list_stores_begin. Free with dkv_free_store_list. When the list failed,
/// returns that status and message (as dkv_list_stores); while it is still running, or for an operation that is
/// not a list, DKV_ERR_INVALID_ARGUMENT saying so.
///
/// # Safety
/// `op` must be NULL or live; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dkv_op_store_list(
    op: *const DkvOperation,
    out_list: *mut *mut DkvStoreList,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_list, "out_list")?;
        let op = live_op(op)?;
        let list = op.inner.store_list()?.ok_or_else(|| {
            DkvError::invalid(
                "The store list is not there: the operation is still running (wait for it first) or is not a list \
                 (dkv_list_stores_begin).",
            )
        })?;
        *out_list = list_to_c(&list);
        Ok(())
    })
}

/// Frees a store list. NULL is a no-op.
///
/// # Safety
/// `list` must be NULL or from dkv_list_stores / dkv_op_store_list, not freed yet.
#[no_mangle]
pub unsafe extern "C" fn dkv_free_store_list(list: *mut DkvStoreList) {
    guard_void(|| {
        if list.is_null() {
            return;
        }
        let list = Box::from_raw(list);
        for name in from_raw_slice(list.names, list.len).iter() {
            free_c_string(*name);
        }
        free_c_string(list.unanswered);
    });
}

fn list_to_c(list: &StoreList) -> *mut DkvStoreList {
    let names: Vec<*mut c_char> = list.names.iter().map(|n| owned_c_string(n)).collect();
    let (names, len) = into_raw_slice(names);
    let unanswered =
        if list.unanswered.is_empty() { std::ptr::null() } else { owned_c_string(&list.unanswered.join("; ")) };
    Box::into_raw(Box::new(DkvStoreList { names, len, unanswered }))
}
