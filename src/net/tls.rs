//! https through the platform's TLS: SChannel with the Windows certificate store on Windows (where corporate CAs
//! are deployed, and what Invoke-RestMethod trusts; `windows.rs`), OpenSSL through native-tls with its CA bundle
//! elsewhere (`SSL_CERT_FILE` / `SSL_CERT_DIR` are honoured). Both verify a certificate for an IP address against
//! its IP subject alternative names, which rustls 0.20 could not.
//!
//! Verification is on unless an operator asks for -SkipCertificateCheck by name: the one deliberate weakening,
//! for test systems with self-signed certificates.
#![cfg(feature = "tls")]

use std::fmt;
use std::io;
use std::sync::Arc;

#[cfg(windows)]
mod windows;

/// The TLS half of a [`crate::net::transport::Transport`]: ureq hands it each new https connection.
pub struct PlatformTls {
    /// Made on the first https connection, not with every session: an OpenSSL context loads the whole CA
    /// bundle, which http-only sessions (and the C ABI's connect/free cycles) should not pay for. Building it can
    /// fail (a broken OpenSSL configuration); that is reported on https requests instead of failing sessions.
    #[cfg(not(windows))]
    connector: once_cell::sync::OnceCell<Result<native_tls::TlsConnector, String>>,
    #[cfg(not(windows))]
    skip_certificate_check: bool,
    #[cfg(windows)]
    schannel: windows::SchannelTls,
}

impl PlatformTls {
    #[cfg(not(windows))]
    pub fn new(skip_certificate_check: bool) -> Arc<PlatformTls> {
        Arc::new(PlatformTls { connector: once_cell::sync::OnceCell::new(), skip_certificate_check })
    }

    #[cfg(not(windows))]
    fn build(&self) -> Result<native_tls::TlsConnector, String> {
        let mut builder = native_tls::TlsConnector::builder();
        // TLS 1.0/1.1 are deprecated (RFC 8996); a manager's TLS is new enough for 1.2.
        builder.min_protocol_version(Some(native_tls::Protocol::Tlsv12));
        if self.skip_certificate_check {
            builder.danger_accept_invalid_certs(true);
            builder.danger_accept_invalid_hostnames(true);
        }
        builder.build().map_err(|e| format!("TLS could not be initialised ({})", e))
    }

    #[cfg(windows)]
    pub fn new(skip_certificate_check: bool) -> Arc<PlatformTls> {
        Arc::new(PlatformTls { schannel: windows::SchannelTls { skip_certificate_check } })
    }
}

/// Why a TLS connection failed, in words an operator can act on. Travels inside the io::Error that ureq wraps, so
/// `transport::describe` can find it in the error's source chain.
#[derive(Debug)]
pub struct TlsFailure {
    pub certificate_rejected: bool,
    pub detail: String,
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for TlsFailure {}

impl ureq::TlsConnector for PlatformTls {
    fn connect(&self, dns_name: &str, io: Box<dyn ureq::ReadWrite>) -> Result<Box<dyn ureq::ReadWrite>, ureq::Error> {
        // ureq passes the URL's host, which keeps the brackets of an IPv6 literal; certificate matching (and the
        // decision not to send SNI for an address) needs the bare address.
        let host = dns_name.trim_start_matches('[').trim_end_matches(']');
        #[cfg(windows)]
        return self.schannel.connect(host, io);
        #[cfg(not(windows))]
        {
            let connector = match self.connector.get_or_init(|| self.build()) {
                Ok(connector) => connector,
                Err(reason) => return Err(failure(false, reason.clone())),
            };
            match connector.connect(host, io) {
                Ok(stream) => Ok(Box::new(OpensslStream(stream))),
                Err(native_tls::HandshakeError::Failure(e)) => {
                    let detail = e.to_string();
                    Err(failure(is_certificate_problem(&detail), detail))
                }
                Err(native_tls::HandshakeError::WouldBlock(_)) => {
                    Err(failure(false, "the TLS handshake stopped half-way (unexpected WouldBlock)".to_string()))
                }
            }
        }
    }
}

/// ureq needs its own trait on the stream; the orphan rule needs this wrapper for that.
#[cfg(not(windows))]
struct OpensslStream(native_tls::TlsStream<Box<dyn ureq::ReadWrite>>);

#[cfg(not(windows))]
impl fmt::Debug for OpensslStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OpensslStream")
    }
}

#[cfg(not(windows))]
impl io::Read for OpensslStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        io::Read::read(&mut self.0, buf)
    }
}

#[cfg(not(windows))]
impl io::Write for OpensslStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        io::Write::write(&mut self.0, buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        io::Write::flush(&mut self.0)
    }
}

#[cfg(not(windows))]
impl ureq::ReadWrite for OpensslStream {
    fn socket(&self) -> Option<&std::net::TcpStream> {
        self.0.get_ref().socket()
    }
}

fn failure(certificate_rejected: bool, detail: String) -> ureq::Error {
    io::Error::new(io::ErrorKind::Other, TlsFailure { certificate_rejected, detail }).into()
}

/// Whether a handshake failure is the server's certificate being refused (untrusted issuer, wrong name, expired)
/// rather than the connection itself. OpenSSL says "certificate verify failed"; SChannel gives CERT_E_* /
/// TRUST_E_* / SEC_E_* codes whose text may be missing (Wine), so the codes are matched too.
pub fn is_certificate_problem(detail: &str) -> bool {
    const SCHANNEL_CERTIFICATE_CODES: [i32; 10] = [
        0x800B_0109_u32 as i32, // CERT_E_UNTRUSTEDROOT
        0x800B_010F_u32 as i32, // CERT_E_CN_NO_MATCH
        0x800B_0101_u32 as i32, // CERT_E_EXPIRED
        0x800B_010A_u32 as i32, // CERT_E_CHAINING
        0x800B_0112_u32 as i32, // CERT_E_UNTRUSTEDCA
        0x800B_010C_u32 as i32, // CERT_E_REVOKED
        0x800B_010E_u32 as i32, // CERT_E_REVOCATION_FAILURE
        0x800B_0111_u32 as i32, // CERT_E_WRONG_USAGE
        0x8009_0325_u32 as i32, // SEC_E_UNTRUSTED_ROOT
        0x8009_0322_u32 as i32, // SEC_E_WRONG_PRINCIPAL
    ];
    let lower = detail.to_ascii_lowercase();
    lower.contains("certificate")
        || lower.contains("untrusted")
        || SCHANNEL_CERTIFICATE_CODES.iter().any(|code| lower.contains(&format!("os error {}", code)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_problems_are_told_from_connection_problems() {
        assert!(is_certificate_problem(
            "error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed"
        ));
        assert!(is_certificate_problem("The certificate chain was issued by an authority that is not trusted."));
        assert!(is_certificate_problem("os error -2146762487")); // CERT_E_UNTRUSTEDROOT without its text (Wine)
        assert!(is_certificate_problem("os error -2146762481")); // CERT_E_CN_NO_MATCH
        assert!(is_certificate_problem("os error -2146762482")); // CERT_E_REVOCATION_FAILURE
        assert!(!is_certificate_problem("Connection reset by peer (os error 104)"));
        assert!(!is_certificate_problem("os error -2146893048")); // SEC_E_INVALID_TOKEN: a protocol problem
    }
}
