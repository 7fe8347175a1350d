//! https on Windows: SChannel for the connection, and the Windows certificate store (the chain engine's trusted
//! roots: Cert:\LocalMachine\Root, Cert:\CurrentUser\Root, group-policy-deployed CAs) for trust.
//!
//! The verdict on the server's certificate is ours rather than SChannel's default callback, for two reasons:
//! - an IP address is checked against the certificate's IP subject alternative names, byte for byte (a DNS name
//!   goes through Windows' own SSL policy, wildcards and all);
//! - an offline or unknown revocation status does not fail the connection (what
//!   CERT_CHAIN_POLICY_IGNORE_ALL_REV_UNKNOWN_FLAGS asks of Windows; Wine's crypt32 ignores that flag), while a
//!   chain that does not reach a trusted root fails, whatever the SSL policy says (Wine's accepts a partial chain).
//! Measured under Wine 8 (tests/windows/run.sh, docs/windows.md).
use super::TlsFailure;
use schannel::schannel_cred::{Direction, Protocol, SchannelCred};
use schannel::tls_stream::{self, CertValidationResult, HandshakeError};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, TcpStream};
use std::ptr;
use winapi::shared::minwindef::{DWORD, FALSE};
use winapi::um::winbase::LocalFree;
use winapi::um::wincrypt::*;

pub struct SchannelTls {
    pub skip_certificate_check: bool,
}

/// ureq needs its own trait on the stream; the orphan rule needs this wrapper for that.
struct SchannelStream(tls_stream::TlsStream<Box<dyn ureq::ReadWrite>>);

impl fmt::Debug for SchannelStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SchannelStream")
    }
}

impl Read for SchannelStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for SchannelStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl ureq::ReadWrite for SchannelStream {
    fn socket(&self) -> Option<&TcpStream> {
        self.0.get_ref().socket()
    }
}

impl ureq::TlsConnector for SchannelTls {
    fn connect(&self, host: &str, io: Box<dyn ureq::ReadWrite>) -> Result<Box<dyn ureq::ReadWrite>, ureq::Error> {
        let cred = SchannelCred::builder()
            .enabled_protocols(&[Protocol::Tls12])
            .acquire(Direction::Outbound)
            .map_err(|e| super::failure(false, format!("SChannel credentials could not be acquired ({})", e)))?;
        let address = host.parse::<IpAddr>().ok();
        let skip = self.skip_certificate_check;
        let owned = host.to_string();
        let mut builder = tls_stream::Builder::new();
        // RFC 6066: no SNI for an address.
        builder.domain(host).use_sni(address.is_none());
        builder.verify_callback(move |result| if skip { Ok(()) } else { verify(&owned, address, &result) });
        match builder.connect(cred, io) {
            Ok(stream) => Ok(Box::new(SchannelStream(stream))),
            Err(HandshakeError::Failure(e)) => {
                let ours = e.get_ref().and_then(|inner| inner.downcast_ref::<TlsFailure>());
                Err(match ours {
                    Some(f) => super::failure(f.certificate_rejected, f.detail.clone()),
                    None => {
                        let detail = e.to_string();
                        super::failure(super::is_certificate_problem(&detail), detail)
                    }
                })
            }
            Err(HandshakeError::Interrupted(_)) => {
                Err(super::failure(false, "the TLS handshake stopped half-way (interrupted)".to_string()))
            }
        }
    }
}

fn rejected(detail: String) -> io::Error {
    io::Error::new(io::ErrorKind::Other, TlsFailure { certificate_rejected: true, detail })
}

/// Frees what it holds however `verify` returns.
struct Held {
    end: PCCERT_CONTEXT,
    extra: HCERTSTORE,
    chain: PCCERT_CHAIN_CONTEXT,
}

impl Drop for Held {
    fn drop(&mut self) {
        // SAFETY: each handle is null or was returned by the matching Cert* function and is freed once, here.
        unsafe {
            if !self.chain.is_null() {
                CertFreeCertificateChain(self.chain);
            }
            if !self.end.is_null() {
                CertFreeCertificateContext(self.end);
            }
            if !self.extra.is_null() {
                CertCloseStore(self.extra, 0);
            }
        }
    }
}

const SERVER_AUTH: &[u8] = b"1.3.6.1.5.5.7.3.1\0";
const SUBJECT_ALT_NAME2: &[u8] = b"2.5.29.17\0";
const ENCODING: DWORD = X509_ASN_ENCODING | PKCS_7_ASN_ENCODING;
/// wincrypt.h's value; winapi 0.3 does not define it.
const TRUST_IS_EXPLICIT_DISTRUST: DWORD = 0x0400_0000;

fn verify(host: &str, address: Option<IpAddr>, result: &CertValidationResult) -> io::Result<()> {
    let presented = match result.chain() {
        Some(chain) => chain,
        None => return Err(rejected("the manager presented no certificate".to_string())),
    };
    let certs: Vec<Vec<u8>> = presented.certificates().map(|c| c.to_der().to_vec()).collect();
    let end_der = match certs.first() {
        Some(der) => der,
        None => return Err(rejected("the manager presented no certificate".to_string())),
    };
    // SAFETY: every pointer passed is valid for the call (DER buffers outlive it; structs are zeroed and sized);
    // returned handles go into `held`, which frees them.
    unsafe {
        let mut held = Held { end: ptr::null(), extra: ptr::null_mut(), chain: ptr::null() };
        held.end = CertCreateCertificateContext(ENCODING, end_der.as_ptr(), end_der.len() as DWORD);
        held.extra = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, ptr::null());
        if held.end.is_null() || held.extra.is_null() {
            return Err(rejected(format!("the certificate could not be read ({})", io::Error::last_os_error())));
        }
        // The rest of what the server sent may hold intermediates; trust still comes only from the store's roots.
        for der in &certs[1..] {
            CertAddEncodedCertificateToStore(
                held.extra,
                ENCODING,
                der.as_ptr(),
                der.len() as DWORD,
                CERT_STORE_ADD_ALWAYS,
                ptr::null_mut(),
            );
        }
        let mut usage = [SERVER_AUTH.as_ptr() as *mut i8];
        let mut para: CERT_CHAIN_PARA = std::mem::zeroed();
        para.cbSize = std::mem::size_of::<CERT_CHAIN_PARA>() as DWORD;
        para.RequestedUsage.dwType = USAGE_MATCH_TYPE_AND;
        para.RequestedUsage.Usage.cUsageIdentifier = 1;
        para.RequestedUsage.Usage.rgpszUsageIdentifier = usage.as_mut_ptr();
        let mut chain: PCCERT_CHAIN_CONTEXT = ptr::null();
        if CertGetCertificateChain(
            ptr::null_mut(),
            held.end,
            ptr::null_mut(),
            held.extra,
            &mut para,
            0,
            ptr::null_mut(),
            &mut chain,
        ) == FALSE
        {
            return Err(rejected(format!("no certificate chain could be built ({})", io::Error::last_os_error())));
        }
        held.chain = chain;
        let ignored = CERT_TRUST_REVOCATION_STATUS_UNKNOWN | CERT_TRUST_IS_OFFLINE_REVOCATION;
        let status = (*chain).TrustStatus.dwErrorStatus & !ignored;
        if status != 0 {
            return Err(rejected(describe_trust(status)));
        }
        match address {
            Some(ip) => {
                if !names_address(held.end, ip) {
                    return Err(rejected(format!(
                        "the certificate does not name the address {} (no IP subject alternative name for it)",
                        ip
                    )));
                }
            }
            None => {
                let mut wide: Vec<u16> = host.encode_utf16().chain(std::iter::once(0)).collect();
                let mut extra: SSL_EXTRA_CERT_CHAIN_POLICY_PARA = std::mem::zeroed();
                *extra.u.cbSize_mut() = std::mem::size_of::<SSL_EXTRA_CERT_CHAIN_POLICY_PARA>() as DWORD;
                extra.dwAuthType = AUTHTYPE_SERVER;
                extra.pwszServerName = wide.as_mut_ptr();
                let mut policy: CERT_CHAIN_POLICY_PARA = std::mem::zeroed();
                policy.cbSize = std::mem::size_of::<CERT_CHAIN_POLICY_PARA>() as DWORD;
                policy.dwFlags = CERT_CHAIN_POLICY_IGNORE_ALL_REV_UNKNOWN_FLAGS;
                policy.pvExtraPolicyPara = &mut extra as *mut _ as *mut _;
                let mut outcome: CERT_CHAIN_POLICY_STATUS = std::mem::zeroed();
                outcome.cbSize = std::mem::size_of::<CERT_CHAIN_POLICY_STATUS>() as DWORD;
                if CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, chain, &mut policy, &mut outcome) == FALSE {
                    return Err(rejected(format!("the SSL policy check failed ({})", io::Error::last_os_error())));
                }
                if outcome.dwError != 0 {
                    let code = outcome.dwError as i32;
                    let what = if outcome.dwError == 0x800B_010F {
                        "the certificate does not name this host"
                    } else {
                        "the SSL policy refused it"
                    };
                    return Err(rejected(format!("{} ({})", what, io::Error::from_raw_os_error(code))));
                }
            }
        }
        Ok(())
    }
}

/// Whether the certificate's subject alternative names hold `ip` as an iPAddress entry.
unsafe fn names_address(end: PCCERT_CONTEXT, ip: IpAddr) -> bool {
    let info = (*end).pCertInfo;
    let ext = CertFindExtension(SUBJECT_ALT_NAME2.as_ptr() as *const i8, (*info).cExtension, (*info).rgExtension);
    if ext.is_null() {
        return false;
    }
    let mut decoded: *mut CERT_ALT_NAME_INFO = ptr::null_mut();
    let mut size: DWORD = 0;
    let ok = CryptDecodeObjectEx(
        ENCODING,
        X509_ALTERNATE_NAME,
        (*ext).Value.pbData,
        (*ext).Value.cbData,
        CRYPT_DECODE_ALLOC_FLAG,
        ptr::null_mut(),
        &mut decoded as *mut *mut CERT_ALT_NAME_INFO as *mut _,
        &mut size,
    );
    if ok == FALSE || decoded.is_null() {
        return false;
    }
    let wanted: Vec<u8> = match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    let entries = std::slice::from_raw_parts((*decoded).rgAltEntry, (*decoded).cAltEntry as usize);
    let found = entries.iter().any(|entry| {
        entry.dwAltNameChoice == CERT_ALT_NAME_IP_ADDRESS && {
            let blob = entry.u.IPAddress();
            !blob.pbData.is_null() && std::slice::from_raw_parts(blob.pbData, blob.cbData as usize) == wanted.as_slice()
        }
    });
    LocalFree(decoded as *mut _);
    found
}

fn describe_trust(status: DWORD) -> String {
    let mut reasons = Vec::new();
    if status & (CERT_TRUST_IS_UNTRUSTED_ROOT | CERT_TRUST_IS_PARTIAL_CHAIN) != 0 {
        reasons
            .push("it is not issued by a CA in the Windows certificate store (Trusted Root Certification Authorities)");
    }
    if status & CERT_TRUST_IS_NOT_TIME_VALID != 0 {
        reasons.push("it has expired or is not yet valid");
    }
    if status & CERT_TRUST_IS_REVOKED != 0 {
        reasons.push("it is revoked");
    }
    if status & TRUST_IS_EXPLICIT_DISTRUST != 0 {
        reasons.push("it is explicitly distrusted");
    }
    if status & CERT_TRUST_IS_NOT_VALID_FOR_USAGE != 0 {
        reasons.push("it is not valid for server authentication");
    }
    if status & CERT_TRUST_IS_NOT_SIGNATURE_VALID != 0 {
        reasons.push("a signature in its chain is invalid");
    }
    if reasons.is_empty() {
        reasons.push("its chain is not valid");
    }
    format!("{} (chain status 0x{:08x})", reasons.join("; "), status)
}
