//! A discovered store: DkvStoreInfo and its instances, from dkv_get_store, dkv_get_store_begin and
//! dkv_op_store_info, freed with dkv_free_store_info.
use super::boundary::{free_c_string, from_raw_slice, guard, guard_void, into_raw_slice, live_op, owned_c_string};
use super::boundary::{read_str, require_out, DkvOperation};
use super::codes::*;
use super::session::{targets, DkvSession};
use crate::endpoints::discovery::Discovered;
use crate::endpoints::store_condition::StoreCondition;
use crate::error::DkvError;
use crate::net::wire::InstanceDoc;
use crate::operation::handle::Operation;
use std::os::raw::c_char;

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
    /// The store's state ("Active", "Passive", or as the manager spells it); NULL when unknown (a manager
    /// without the safety and state endpoints, or a stop's discovery, which does not ask).
    pub state: *const c_char,
    /// 1 safe, 0 not safe (migrations pending or backups not in sync), -1 unknown (no safety endpoint).
    pub safe: i32,
    /// Migrations pending as the safety answer counts them; -1 unknown.
    pub migrations_pending: i64,
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
        *out_info = discovered_to_c(&store, &found);
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
        *out_info = discovered_to_c(op.inner.store(), &found);
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
            free_store_info(info);
        }
    });
}

fn port(value: Option<i64>) -> i32 {
    match value {
        Some(p) if (0..=i32::MAX as i64).contains(&p) => p as i32,
        _ => 0,
    }
}

/// `asked` is the name the caller used, kept when the manager's answer names no store.
pub(super) fn discovered_to_c(asked: &str, found: &Discovered) -> *mut DkvStoreInfo {
    let name = found.store.name.clone().unwrap_or_else(|| asked.to_string());
    store_info_to_c(&name, &found.manager.display_name(), &found.store.instances, &found.condition)
}

fn store_info_to_c(
    name: &str,
    manager: &str,
    instances: &[InstanceDoc],
    condition: &StoreCondition,
) -> *mut DkvStoreInfo {
    let items: Vec<DkvInstanceInfo> = instances
        .iter()
        .map(|i| DkvInstanceInfo {
            name: owned_c_string(&i.name),
            server: owned_c_string(&i.server),
            status: owned_c_string(i.status.as_deref().unwrap_or("")),
            clustron_port: port(i.clustron_port),
            client_port: port(i.client_port),
        })
        .collect();
    let (instances, len) = into_raw_slice(items);
    Box::into_raw(Box::new(DkvStoreInfo {
        name: owned_c_string(name),
        manager: owned_c_string(manager),
        instances,
        len,
        state: condition.state.as_deref().map_or(std::ptr::null(), |s| owned_c_string(s) as *const c_char),
        safe: condition.safe.map_or(-1, i32::from),
        migrations_pending: condition.migrations_pending.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX)),
    }))
}

/// # Safety
/// `info` must come from `store_info_to_c` and not have been freed.
pub(super) unsafe fn free_store_info(info: *mut DkvStoreInfo) {
    let info = Box::from_raw(info);
    free_c_string(info.name);
    free_c_string(info.manager);
    free_c_string(info.state);
    for item in from_raw_slice(info.instances, info.len).iter() {
        free_c_string(item.name);
        free_c_string(item.server);
        free_c_string(item.status);
    }
}
