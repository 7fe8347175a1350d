//! Discovery on its own (Get-DkvStore, tab completion).
use crate::deadline::{CancelToken, Deadline};
use crate::discovery::{discover, Discovered};
use crate::error::DkvError;
use crate::names::validate_name;
use crate::session::Targets;
use std::sync::Mutex;

pub fn get_store(targets: &Targets, store: &str) -> Result<(Discovered, Vec<String>), DkvError> {
    validate_name("Store name", store)?;
    let deadline = Deadline::after(targets.timeout);
    let log_lines = Mutex::new(Vec::new());
    let log = |line: String| log_lines.lock().unwrap_or_else(|p| p.into_inner()).push(line);
    let found = discover(&targets.transport, &targets.managers, store, &deadline, &CancelToken::new(), &log)?;
    let lines = log_lines.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok((found, lines))
}
