//! The plan of a stop without stopping: dkv_plan_begin, dkv_op_plan, and DkvPlan freed with dkv_free_plan.
use super::boundary::{free_c_string, from_raw_slice, guard, guard_void, into_raw_slice, live_op, owned_c_string};
use super::boundary::{require_out, DkvOperation};
use super::codes::*;
use super::session::DkvSession;
use super::stop_options::{self, DkvStopOptions};
use crate::endpoints::discovery::Discovered;
use crate::error::DkvError;
use crate::operation::handle::Operation;
use crate::planning::plan::{Plan, Route};
use std::os::raw::c_char;

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
    /// NULL when routed; when skipped, why: "server ... is not among the targeted managers (...)". The SKIPPED
    /// row of the operation puts its own words first: "not stopped: ", "not started: ", "not restarted: ".
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
        *out_plan = plan_to_c(op.inner.store(), &found, &plan);
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
            free_plan(plan);
        }
    });
}

pub(super) fn plan_to_c(asked: &str, found: &Discovered, plan: &Plan) -> *mut DkvPlan {
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
pub(super) unsafe fn free_plan(plan: *mut DkvPlan) {
    let plan = Box::from_raw(plan);
    free_c_string(plan.store);
    free_c_string(plan.discovered_by);
    for n in from_raw_slice(plan.nodes, plan.len).iter() {
        for s in [n.instance, n.server, n.manager, n.skip_reason] {
            free_c_string(s);
        }
    }
}
