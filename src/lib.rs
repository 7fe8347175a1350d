//! Clustron DKV admin core: the engine behind `Connect-DkvManager` and `Stop-DkvStore`.
//!
//! A [`Session`] names the managers; [`Operation`] runs a stop (discovery, safety, passive whole-store stops,
//! graceful waits) under one deadline, watched by polling and cancellable; [`ffi`] exposes it all as a C ABI.
pub mod address;
pub mod credentials;
pub mod deadline;
pub mod discovery;
pub mod error;
pub mod ffi;
pub mod names;
pub mod node_stop;
pub mod operation;
pub mod plan;
pub mod results;
pub mod retry;
pub mod route;
pub mod safety;
pub mod session;
pub mod store_info;
pub mod store_poll;
pub mod throttle;
pub mod tls;
pub mod transport;
pub mod wire;

pub use address::{ManagerEndpoint, DEFAULT_PORT};
pub use credentials::Credentials;
pub use error::{DkvError, ErrorKind, NO_MANAGERS_MESSAGE};
pub use operation::{NodeState, Operation, Progress, StopRequest};
pub use results::{NodeResult, ResultKind};
pub use session::{Session, Targets};
pub use transport::TransportOptions;
