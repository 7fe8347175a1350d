//! A session: the managers an operator connected to, with their defaults. Explicit managers override it per call.
use crate::error::DkvError;
use crate::net::address::{parse_managers, port_from_int, ManagerEndpoint, DEFAULT_PORT};
use crate::net::transport::{Transport, TransportOptions};
use std::time::Duration;

/// The documented default of -TimeoutSec.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest -TimeoutSec accepted: a day. Longer values are almost always a unit mistake.
pub const MAX_TIMEOUT_SECS: i64 = 86_400;

#[derive(Clone)]
pub struct Session {
    managers: Vec<ManagerEndpoint>,
    port: u16,
    timeout: Duration,
    transport: Transport,
}

impl Session {
    /// Validates every address; sends nothing (a manager that is down now may be up when it is needed, and
    /// discovery fails over between managers anyway).
    pub fn connect<S: AsRef<str>>(
        addresses: &[S],
        port: Option<i64>,
        timeout_sec: Option<i64>,
    ) -> Result<Session, DkvError> {
        Session::connect_with(addresses, port, timeout_sec, &TransportOptions::default())
    }

    /// As `connect`, with credentials and TLS settings.
    pub fn connect_with<S: AsRef<str>>(
        addresses: &[S],
        port: Option<i64>,
        timeout_sec: Option<i64>,
        options: &TransportOptions,
    ) -> Result<Session, DkvError> {
        let port = match port {
            Some(p) => port_from_int(p)?,
            None => DEFAULT_PORT,
        };
        let timeout = match timeout_sec {
            Some(t) => timeout_from_secs(t)?,
            None => DEFAULT_TIMEOUT,
        };
        if addresses.is_empty() {
            return Err(DkvError::invalid(
                "No manager addresses were given. Name at least one manager, e.g. -Managers 10.0.0.11.",
            ));
        }
        let managers = parse_managers(addresses, port)?;
        Ok(Session { managers, port, timeout, transport: Transport::with_options(options) })
    }

    pub fn managers(&self) -> &[ManagerEndpoint] {
        &self.managers
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// Who a call talks to and for how long, after the per-call overrides.
#[derive(Clone)]
pub struct Targets {
    pub managers: Vec<ManagerEndpoint>,
    pub timeout: Duration,
    pub transport: Transport,
    /// The reason of a change (`with_reason`), trimmed as sent (before encoding), for the audit trail; None: none.
    pub reason: Option<String>,
}

impl Targets {
    /// Explicit managers win over the session's; with neither, the documented error.
    pub fn resolve<S: AsRef<str>>(
        session: Option<&Session>,
        explicit: &[S],
        port: Option<i64>,
        timeout_sec: Option<i64>,
    ) -> Result<Targets, DkvError> {
        let timeout = match (timeout_sec, session) {
            (Some(t), _) => timeout_from_secs(t)?,
            (None, Some(s)) => s.timeout,
            (None, None) => DEFAULT_TIMEOUT,
        };
        let port = match (port, session) {
            (Some(p), _) => port_from_int(p)?,
            (None, Some(s)) => s.port,
            (None, None) => DEFAULT_PORT,
        };
        let transport = session.map(|s| s.transport.clone());
        if !explicit.is_empty() {
            let managers = parse_managers(explicit, port)?;
            return Ok(Targets { managers, timeout, transport: transport.unwrap_or_default(), reason: None });
        }
        match session {
            Some(s) => {
                Ok(Targets { managers: s.managers.clone(), timeout, transport: s.transport.clone(), reason: None })
            }
            None => Err(DkvError::no_managers()),
        }
    }
}

impl Targets {
    /// The same targets, sending `reason` (checked and encoded: net/reason.rs) as the X-Dkv-Reason header of every
    /// changing request of the operations begun with them. None: no reason, no header.
    pub fn with_reason(mut self, reason: Option<&str>) -> Result<Targets, DkvError> {
        let encoded = match reason {
            Some(text) => Some(crate::net::reason::encode_reason(text)?),
            None => None,
        };
        self.transport = self.transport.with_reason(encoded);
        self.reason = reason.map(|text| text.trim().to_string());
        Ok(self)
    }
}

/// Checks -TimeoutSec: 1 second to a day.
pub fn timeout_from_secs(secs: i64) -> Result<Duration, DkvError> {
    if (1..=MAX_TIMEOUT_SECS).contains(&secs) {
        Ok(Duration::from_secs(secs as u64))
    } else {
        Err(DkvError::invalid(format!("TimeoutSec {} is out of range. Use 1 to {} seconds.", secs, MAX_TIMEOUT_SECS)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, NO_MANAGERS_MESSAGE};

    #[test]
    fn explicit_managers_override_the_session() {
        let session = Session::connect(&["10.0.0.11"], Some(7900), Some(10)).unwrap();
        let t = Targets::resolve(Some(&session), &["10.0.0.12"], None, None).unwrap();
        assert_eq!(t.managers[0].display_name(), "10.0.0.12:7900");
        assert_eq!(t.timeout, Duration::from_secs(10));
        let t = Targets::resolve::<&str>(Some(&session), &[], None, Some(3)).unwrap();
        assert_eq!(t.managers[0].display_name(), "10.0.0.11:7900");
        assert_eq!(t.timeout, Duration::from_secs(3));
    }

    #[test]
    fn neither_session_nor_managers_is_the_documented_error() {
        let e = Targets::resolve::<&str>(None, &[], None, None).err().unwrap();
        assert_eq!(e.kind, ErrorKind::NoManagers);
        assert_eq!(e.message, NO_MANAGERS_MESSAGE);
    }

    #[test]
    fn bad_numbers_are_rejected() {
        assert!(timeout_from_secs(0).is_err());
        assert!(timeout_from_secs(-5).is_err());
        assert!(timeout_from_secs(86_401).is_err());
        assert!(Session::connect(&["a"], Some(0), None).is_err());
        assert!(Session::connect(&["a"], Some(65_536), None).is_err());
        assert!(Session::connect::<&str>(&[], None, None).is_err());
    }
}
