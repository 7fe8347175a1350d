//! Operation-level errors: what goes wrong before any node is touched. Per-node failures are rows, not errors.
use std::fmt;

macro_rules! no_managers_text {
    () => {
        "No managers connected. Use Connect-DkvManager or specify -Managers."
    };
}

/// The exact text of the documented "no managers" error (stop-dkvstore.txt, "Manager Context Requirement").
pub const NO_MANAGERS_MESSAGE: &str = no_managers_text!();
/// The same, NUL-terminated, for C (dkv_no_managers_message).
pub const NO_MANAGERS_MESSAGE_NUL: &str = concat!(no_managers_text!(), "\0");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidArgument,
    NoManagers,
    StoreNotFound,
    InstanceNotFound,
    Unreachable,
    Timeout,
    Cancelled,
    Protocol,
    Internal,
    /// The managers lack an extension endpoint the call needs (the store list); nothing is guessed.
    NotSupported,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkvError {
    pub kind: ErrorKind,
    pub message: String,
}

impl DkvError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        DkvError { kind, message: message.into() }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        DkvError::new(ErrorKind::InvalidArgument, message)
    }

    pub fn no_managers() -> Self {
        DkvError::new(ErrorKind::NoManagers, NO_MANAGERS_MESSAGE)
    }
}

impl fmt::Display for DkvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DkvError {}
