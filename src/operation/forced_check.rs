//! A forced stop's one safety check (docs/manager-api.md, "Safety check"): the operation asks once, before its
//! first forced stop, whether the store is safe, and its nodes' stops go ahead on that answer. Asked before each
//! node's stop, as it once was, the answer (which lists every node) made a forced whole-store stop read n answers
//! of n entries: quadratic in the store (issue 25).
use crate::endpoints::safety::{self, ForcedRisk, Safety};
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Asked, Asker};
use crate::net::transport::Transport;
use crate::operation::in_turn::in_turn;
use crate::operation::run_state::{OperationGate, Shared};
use crate::results::ResultKind;
use std::cell::RefCell;

/// Asks the discovering manager (`candidates[0]`), then the other targeted managers in turn. `member`: the one
/// node the operation stops, judged by its own entry as before; None (a whole store, or several nodes): by the
/// store's flag. Err: the rows of an operation that sends no stop (no manager answered, the deadline, a cancel).
pub(super) fn check_before_forcing(
    shared: &Shared,
    transport: &Transport,
    candidates: &[&ManagerEndpoint],
    store: &str,
    member: Option<&str>,
) -> Result<ForcedRisk, (ResultKind, String)> {
    let log = |line: String| shared.log(line);
    let gate = OperationGate { shared, slot: None };
    let asker = Asker { transport, deadline: &shared.deadline, cancel: &shared.cancel, gate: &gate, log: &log };
    shared.set_phase("Checking safety");
    // Which manager answered, for the notes below.
    let answered_by = RefCell::new(String::new());
    let asked = in_turn(candidates, &log, "the safety check", |manager, patience| {
        *answered_by.borrow_mut() = manager.to_string();
        safety::check(&asker, patience, manager, store, member)
    });
    let manager = answered_by.into_inner();
    match asked {
        Asked::Answer(Safety::Safe) => Ok(ForcedRisk::new(None)),
        Asked::Answer(Safety::Unsafe { detail }) => Ok(ForcedRisk::new(Some(detail))),
        Asked::Answer(Safety::Unsupported) => {
            log(format!("Manager {} has no safety endpoint; stopping without a safety check", manager));
            Ok(ForcedRisk::new(None))
        }
        Asked::Answer(Safety::Unknown(reason)) => {
            log(format!("Safety check on {} failed ({}); forcing the stops as asked", manager, reason));
            Ok(ForcedRisk::new(None))
        }
        // A manager that does not answer the check would not answer the stop either.
        Asked::GaveUp(summary) => Err((
            ResultKind::Failed,
            format!("no targeted manager answered the safety check ({}); no node was stopped", summary),
        )),
        Asked::Timeout { last, .. } => {
            let reason = if last.is_empty() { String::new() } else { format!(" ({})", last) };
            Err((
                ResultKind::Timeout,
                format!("{}: no answer to the safety check{}; no node was stopped", shared.deadline.describe(), reason),
            ))
        }
        Asked::Cancelled => Err((ResultKind::Cancelled, "cancelled before any node was stopped".to_string())),
    }
}
