//! Rust values into the `#[repr(C)]` structs handed to C, and back out for freeing. Each struct owns its strings;
//! arrays travel as boxed slices so their length is all that is needed to free them.
use super::boundary::{free_c_string, owned_c_string};
use super::*;
use crate::endpoints::discovery::Discovered;
use crate::net::wire::InstanceDoc;
use crate::operation::handle::Progress;
use crate::planning::plan::{Plan, Route};
use crate::results::NodeResult;
use std::os::raw::c_char;

fn into_raw_slice<T>(items: Vec<T>) -> (*mut T, usize) {
    let len = items.len();
    let ptr = Box::into_raw(items.into_boxed_slice()) as *mut T;
    (ptr, len)
}

/// # Safety
/// `ptr`/`len` must come from `into_raw_slice` and not have been freed.
unsafe fn from_raw_slice<T>(ptr: *mut T, len: usize) -> Box<[T]> {
    Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len))
}

pub fn results_to_c(rows: &[NodeResult]) -> *mut DkvResults {
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
        })
        .collect();
    let (items, len) = into_raw_slice(items);
    Box::into_raw(Box::new(DkvResults { items, len }))
}

/// # Safety
/// `results` must come from `results_to_c` and not have been freed.
pub unsafe fn free_results(results: *mut DkvResults) {
    let results = Box::from_raw(results);
    for item in from_raw_slice(results.items, results.len).iter() {
        for s in [item.manager, item.action, item.result, item.message, item.store, item.instance] {
            free_c_string(s);
        }
    }
}

fn port(value: Option<i64>) -> i32 {
    match value {
        Some(p) if (0..=i32::MAX as i64).contains(&p) => p as i32,
        _ => 0,
    }
}

/// `asked` is the name the caller used, kept when the manager's answer names no store.
pub fn discovered_to_c(asked: &str, found: &Discovered) -> *mut DkvStoreInfo {
    let name = found.store.name.clone().unwrap_or_else(|| asked.to_string());
    store_info_to_c(&name, &found.manager.display_name(), &found.store.instances)
}

fn store_info_to_c(name: &str, manager: &str, instances: &[InstanceDoc]) -> *mut DkvStoreInfo {
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
    }))
}

/// # Safety
/// `info` must come from `store_info_to_c` and not have been freed.
pub unsafe fn free_store_info(info: *mut DkvStoreInfo) {
    let info = Box::from_raw(info);
    free_c_string(info.name);
    free_c_string(info.manager);
    for item in from_raw_slice(info.instances, info.len).iter() {
        free_c_string(item.name);
        free_c_string(item.server);
        free_c_string(item.status);
    }
}

pub fn plan_to_c(asked: &str, found: &Discovered, plan: &Plan) -> *mut DkvPlan {
    let nodes: Vec<DkvPlannedNode> = plan
        .nodes
        .iter()
        .map(|n| {
            let (manager, skip_reason, skipped) = match &n.route {
                Route::To(endpoint) => (owned_c_string(&endpoint.display_name()), std::ptr::null_mut(), 0),
                Route::Skipped(s) => (owned_c_string(&s.manager), owned_c_string(&s.reason), 1),
            };
            DkvPlannedNode {
                instance: owned_c_string(&n.instance),
                server: owned_c_string(&n.server),
                manager,
                skip_reason,
                skipped,
                reserved: 0,
            }
        })
        .collect();
    let (nodes, len) = into_raw_slice(nodes);
    Box::into_raw(Box::new(DkvPlan {
        store: owned_c_string(found.store.name.as_deref().unwrap_or(asked)),
        discovered_by: owned_c_string(&found.manager.display_name()),
        nodes,
        len,
        whole_store: plan.whole_store as i32,
        reserved: 0,
    }))
}

/// # Safety
/// `plan` must come from `plan_to_c` and not have been freed.
pub unsafe fn free_plan(plan: *mut DkvPlan) {
    let plan = Box::from_raw(plan);
    free_c_string(plan.store);
    free_c_string(plan.discovered_by);
    for n in from_raw_slice(plan.nodes, plan.len).iter() {
        for s in [n.instance, n.server, n.manager, n.skip_reason] {
            free_c_string(s);
        }
    }
}

pub fn progress_to_c(p: &Progress) -> *mut DkvProgress {
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
pub unsafe fn free_progress(progress: *mut DkvProgress) {
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
