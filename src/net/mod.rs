//! Talking to managers: their addresses, the HTTP(S) transport and its TLS, the throttle, the retry and admission
//! of every request, the JSON documents on the wire, the reason header of a change, and the session that names the managers of a call.
//! Knows nothing of stores beyond the documents' shapes.
pub mod address;
pub mod credentials;
pub mod reason;
pub mod retry;
pub mod session;
pub mod throttle;
pub mod tls;
pub mod transport;
pub mod wire;
