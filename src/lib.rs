//! Clustron DKV admin core: the engine behind `Connect-DkvManager` and `Stop-DkvStore` (and starts).
//!
//! A [`Session`] names the managers; [`Operation`] runs a stop or a start (discovery, safety, passive whole-store stops,
//! graceful waits) under one deadline, watched by polling and cancellable; [`ffi`] exposes it all as a C ABI.
// The layers, bottom up; every `use crate::...` points down this list (README.md, "Source layout"):
// error, deadline, results (shared vocabulary) < net < planning < endpoints < operation < ffi.
pub mod deadline;
pub mod error;
pub mod results;

pub mod net;

pub mod planning;

pub mod endpoints;

pub mod operation;

pub mod ffi;

pub use error::{DkvError, ErrorKind, NO_MANAGERS_MESSAGE};
pub use net::address::{ManagerEndpoint, DEFAULT_PORT};
pub use net::credentials::Credentials;
pub use net::session::{Session, Targets};
pub use net::transport::TransportOptions;
pub use operation::handle::{Operation, Progress};
pub use operation::run_state::{NodeState, RECOVERY_GRACE};
pub use operation::stop::StopRequest;
pub use results::{Action, NodeResult, ResultKind};
