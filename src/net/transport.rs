//! The one HTTP path every manager call takes: a request bounded by the operation's deadline (connect, send and
//! every read of a dripping body), a capped body, no redirects, and a log line per request.
use crate::deadline::CancelToken;
use crate::deadline::Deadline;
use crate::net::address::ManagerEndpoint;
use crate::net::credentials::Credentials;
use crate::net::throttle::Permits;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Larger bodies are refused: a runaway body must not exhaust memory. The largest answer is the store document,
/// about 140 bytes per node: 1.4 MB for the 10,000 nodes of bench S2 (issue 13); 8 MiB leaves room for ~60,000.
pub const MAX_BODY_BYTES: u64 = 8 * 1024 * 1024;

/// The longest one TCP connect may take. ureq bounds a connect by its agent's connect limit alone (30 s unless set),
/// not by the request's own timeout, so a manager whose host drops SYNs (a firewall's DROP, a full accept queue)
/// held its attempt, and the blocking call, for 30 s whatever the attempt's share or the operation's deadline: one
/// black-holed manager timed out every node after it (tests/cancel_latency.rs). A host that has not completed the
/// handshake within a second is silent for this attempt, as a manager that does not answer within ATTEMPT_FLOOR is
/// (and a retransmitted SYN is what the next attempt sends); a cancel finds a connect waiting at most this long.
/// (The same second as retry::ATTEMPT_FLOOR, which imports this module; a test there keeps them in step.)
pub const CONNECT_LIMIT: Duration = Duration::from_secs(1);

const USER_AGENT: &str = concat!("clustron-dkv/", env!("CARGO_PKG_VERSION"));

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The request was sent, and the deadline passed before an answer came.
    Timeout,
    /// No usable answer: connection refused or reset, DNS failure, a body too large or not UTF-8, a redirect.
    Failed(String),
    /// Not sent: the deadline had passed before the request could leave. Rows must not claim it was sent.
    OutOfTime,
    /// Not sent: the operation was cancelled or over (Ctrl+C, -FailFast, the caller let go).
    Cancelled,
}

impl CallError {
    pub fn describe(&self, deadline: &Deadline) -> String {
        match self {
            CallError::Timeout => deadline.describe(),
            CallError::Failed(reason) => reason.clone(),
            CallError::OutOfTime => format!("{} before the request was sent", deadline.describe()),
            CallError::Cancelled => "cancelled before the request was sent".to_string(),
        }
    }
}

pub type Logger<'a> = &'a (dyn Fn(String) + Sync);

/// How a session talks to its managers beyond their addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransportOptions {
    pub credentials: Credentials,
    /// Accept any server certificate. Off unless an operator asks for it by name.
    pub skip_certificate_check: bool,
}

/// Shared by a session and every operation begun from it; safe to use from many threads at once.
#[derive(Clone)]
pub struct Transport {
    agent: ureq::Agent,
    authorization: Option<String>,
    /// With -Parallel: the operation's throttle, its cancellation so a waiting request can give up, and its
    /// deadline, which bounds the wait for a slot.
    limit: Option<(Arc<Permits>, CancelToken, Deadline)>,
    /// The operation's reason, already encoded (net/reason.rs): sent as X-Dkv-Reason with every request that is
    /// not a GET (every request that changes something).
    reason: Option<String>,
}

impl Default for Transport {
    fn default() -> Self {
        Transport::new()
    }
}

impl Transport {
    pub fn new() -> Transport {
        Transport::with_options(&TransportOptions::default())
    }

    pub fn with_options(options: &TransportOptions) -> Transport {
        let builder = ureq::AgentBuilder::new()
            .redirects(0)
            .user_agent(USER_AGENT)
            .max_idle_connections_per_host(4)
            .timeout_connect(CONNECT_LIMIT);
        #[cfg(feature = "tls")]
        let builder = builder.tls_connector(crate::net::tls::PlatformTls::new(options.skip_certificate_check));
        Transport {
            agent: builder.build(),
            authorization: options.credentials.header_value(),
            limit: None,
            reason: None,
        }
    }

    /// The same connections and credentials, with every request first taking one of `permits`, waiting for one
    /// until `cancel` or the operation's `deadline`.
    pub fn throttled(&self, permits: Arc<Permits>, cancel: CancelToken, deadline: Deadline) -> Transport {
        Transport { limit: Some((permits, cancel, deadline)), ..self.clone() }
    }

    /// The same connections, credentials and throttle, sending `encoded` (from `reason::encode_reason`) as the
    /// X-Dkv-Reason header of every changing request; None sends none.
    pub fn with_reason(&self, encoded: Option<String>) -> Transport {
        Transport { reason: encoded, ..self.clone() }
    }

    /// Sends one request. `path_and_query` is already encoded (see `names::encode_segment`).
    pub fn call(
        &self,
        method: &str,
        endpoint: &ManagerEndpoint,
        path_and_query: &str,
        body: Option<&str>,
        deadline: &Deadline,
        log: Logger,
    ) -> Result<Reply, CallError> {
        self.call_admitted(method, endpoint, path_and_query, body, || *deadline, log, || Some(()))
    }

    /// Sends one request if `admit` allows it at the last moment before sending (after any throttle wait), and
    /// holds what `admit` returned until the request is over: an operation uses this to make sure nothing is sent
    /// once it has ended, and to know which requests are in flight. `attempt` gives the request's deadline once
    /// it has a throttle slot: waiting for a slot is not the manager's silence, so it is bounded by the
    /// operation's deadline and spends none of the attempt's time (with many managers and a small throttle the
    /// wait can outlast an attempt's share, which made rows say TIMEOUT, or a manager silent, long before the
    /// deadline).
    #[allow(clippy::too_many_arguments)]
    pub fn call_admitted<G>(
        &self,
        method: &str,
        endpoint: &ManagerEndpoint,
        path_and_query: &str,
        body: Option<&str>,
        attempt: impl FnOnce() -> Deadline,
        log: Logger,
        admit: impl FnOnce() -> Option<G>,
    ) -> Result<Reply, CallError> {
        let url = format!("{}{}", endpoint.base_url(), path_and_query);
        let _permit = match &self.limit {
            None => None,
            Some((permits, cancel, operation)) => match permits.acquire(operation, cancel) {
                Some(permit) => Some(permit),
                None if cancel.is_cancelled() => return Err(CallError::Cancelled),
                None => return Err(CallError::OutOfTime),
            },
        };
        let deadline = &attempt();
        if deadline.expired() {
            return Err(CallError::OutOfTime);
        }
        let _admitted = match admit() {
            Some(admitted) => admitted,
            None => return Err(CallError::Cancelled),
        };
        let started = Instant::now();
        let outcome = self.exchange(method, &url, body, deadline);
        let took = started.elapsed().as_millis();
        match &outcome {
            Ok(reply) => log(format!("{} {} -> {} ({} ms)", method, url, reply.status, took)),
            Err(err) => log(format!("{} {} -> {} ({} ms)", method, url, err.describe(deadline), took)),
        }
        outcome
    }

    fn exchange(&self, method: &str, url: &str, body: Option<&str>, deadline: &Deadline) -> Result<Reply, CallError> {
        // The caller checked the deadline just before; a deadline passing in between gives a timeout, not a panic.
        let remaining = std::cmp::max(deadline.remaining(), Duration::from_millis(1));
        let mut request = self.agent.request(method, url).timeout(remaining);
        if let Some(value) = &self.authorization {
            request = request.set("Authorization", value);
        }
        if let (Some(reason), false) = (&self.reason, method == "GET") {
            request = request.set(crate::net::reason::REASON_HEADER, reason);
        }
        let sent = match body {
            Some(text) => request.set("Content-Type", "application/json").send_string(text),
            None => request.call(),
        };
        let response = match sent {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(ureq::Error::Transport(transport)) => {
                return Err(if deadline.expired() {
                    CallError::Timeout
                } else {
                    CallError::Failed(describe(&transport))
                })
            }
        };
        let status = response.status();
        if (300..400).contains(&status) {
            let location = response.header("Location").unwrap_or("(no Location header)").to_string();
            return Err(CallError::Failed(format!(
                "the manager answered HTTP {} redirecting to {}; redirects are not followed, use the address it names",
                status, location
            )));
        }
        let mut bytes = Vec::new();
        let read = response.into_reader().take(MAX_BODY_BYTES + 1).read_to_end(&mut bytes);
        if let Err(err) = read {
            return Err(if deadline.expired() {
                CallError::Timeout
            } else {
                CallError::Failed(format!("the connection failed while reading the response ({})", err))
            });
        }
        if bytes.len() as u64 > MAX_BODY_BYTES {
            return Err(CallError::Failed(format!(
                "the response body is larger than {} bytes; refusing to read it",
                MAX_BODY_BYTES
            )));
        }
        match String::from_utf8(bytes) {
            Ok(body) => Ok(Reply { status, body }),
            Err(_) => Err(CallError::Failed("the response body is not valid UTF-8".to_string())),
        }
    }
}

fn describe(err: &ureq::Transport) -> String {
    use ureq::ErrorKind;
    #[cfg(feature = "tls")]
    if let Some(tls) = tls_failure(err) {
        return if tls.certificate_rejected {
            format!(
                "the manager's TLS certificate was rejected ({}); install a certificate this machine trusts, or for \
                 a test system connect with -SkipCertificateCheck",
                tls.detail
            )
        } else {
            format!("the TLS connection failed ({})", tls.detail)
        };
    }
    let detail = err.to_string();
    match err.kind() {
        ErrorKind::Dns => format!("the host name could not be resolved ({})", detail),
        ErrorKind::ConnectionFailed if detail.to_ascii_lowercase().contains("certificate") => format!(
            "the manager's TLS certificate was rejected ({}); install a certificate this machine trusts, or for a \
             test system connect with -SkipCertificateCheck",
            detail
        ),
        ErrorKind::ConnectionFailed => format!("could not connect ({})", detail),
        ErrorKind::TooManyRedirects => "too many redirects".to_string(),
        ErrorKind::BadStatus | ErrorKind::BadHeader => {
            format!("the manager's answer is not valid HTTP ({})", detail)
        }
        ErrorKind::UnknownScheme => format!("unsupported scheme ({})", detail),
        _ => format!("the request failed ({})", detail),
    }
}

/// The TLS layer's own account of a failed handshake, if that is what failed (ureq wraps it in an io::Error).
#[cfg(feature = "tls")]
fn tls_failure(err: &ureq::Transport) -> Option<&crate::net::tls::TlsFailure> {
    let mut source = std::error::Error::source(err);
    while let Some(current) = source {
        if let Some(tls) = current.downcast_ref::<crate::net::tls::TlsFailure>() {
            return Some(tls);
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if let Some(tls) = io.get_ref().and_then(|inner| inner.downcast_ref::<crate::net::tls::TlsFailure>()) {
                return Some(tls);
            }
        }
        source = current.source();
    }
    None
}
