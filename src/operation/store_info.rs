//! Discovery on its own (Get-DkvStore, tab completion), blocking; `Operation::begin_discovery` is the
//! watchable, cancellable form it is built on.
use crate::endpoints::discovery::Discovered;
use crate::error::{DkvError, ErrorKind};
use crate::net::session::Targets;
use crate::operation::handle::Operation;

pub fn get_store(targets: &Targets, store: &str) -> Result<Discovered, DkvError> {
    let op = Operation::begin_discovery(targets.clone(), store)?;
    op.wait(None);
    op.discovered()?.ok_or_else(|| DkvError::new(ErrorKind::Internal, "discovery finished without an answer"))
}
