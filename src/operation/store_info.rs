//! Discovery on its own (Get-DkvStore, tab completion), blocking, and the store list (its driver too); `Operation::begin_discovery` is the
//! watchable, cancellable form it is built on.
use crate::endpoints::discovery::Discovered;
use crate::endpoints::store_list::{list_stores as list_stores_on, StoreList};
use crate::error::{DkvError, ErrorKind};
use crate::net::session::Targets;
use crate::operation::handle::Operation;
use crate::operation::run_state::{OperationGate, Shared};
use crate::operation::stop::WARNING_PREFIX;

pub fn get_store(targets: &Targets, store: &str) -> Result<Discovered, DkvError> {
    let op = Operation::begin_discovery(targets.clone(), store)?;
    op.wait(None);
    op.discovered()?.ok_or_else(|| DkvError::new(ErrorKind::Internal, "discovery finished without an answer"))
}

/// Lists the stores the targeted managers know (every manager asked, names merged), blocking; `begin_list` is the
/// watchable, cancellable form it is built on.
pub fn list_stores(targets: &Targets) -> Result<StoreList, DkvError> {
    let op = Operation::begin_list(targets.clone())?;
    op.wait(None);
    op.store_list()?.ok_or_else(|| DkvError::new(ErrorKind::Internal, "the store list finished without an answer"))
}

/// The driver of a list operation: one request per targeted manager under the operation's deadline and gate.
pub(super) fn drive_list(shared: &Shared, targets: &Targets) {
    let log = |line: String| shared.log(line);
    let gate = OperationGate { shared, slot: None };
    let listed = list_stores_on(&targets.transport, &targets.managers, &shared.deadline, &shared.cancel, &gate, &log);
    let list = match listed {
        Ok(list) => list,
        Err(e) => return shared.fail(e),
    };
    let mut st = shared.lock();
    if st.finished {
        return; // cancelled or overdue while the answers were on their way
    }
    for reason in &list.unanswered {
        st.log.push(format!("{}the list may be incomplete: {}", WARNING_PREFIX, reason));
    }
    st.listed = Some(list);
    st.planned = true;
    shared.finish(&mut st);
}
