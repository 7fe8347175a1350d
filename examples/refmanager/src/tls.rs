//! https for the reference manager (`--tls-cert`/`--tls-key`, `Config::tls`): each host's public port speaks
//! TLS and relays the plain bytes to that host's own http listener on a private port. The http server, its
//! faults and its log are unchanged; a fault shows through the relay as it would on a real https manager (a
//! reset becomes a reset, a hang a hang, a drip a drip).
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A PEM certificate (chain) and its PKCS#8 PEM private key, as `tests/support/make-test-pki.sh` writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// How long a relay waits on one side before looking at the other (and at shutdown).
const TURN: Duration = Duration::from_millis(10);
/// A client that does not finish its handshake in this time is dropped.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);

pub fn acceptor(files: &TlsFiles) -> io::Result<Arc<native_tls::TlsAcceptor>> {
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display())))
    };
    let identity = native_tls::Identity::from_pkcs8(&read(&files.cert)?, &read(&files.key)?).map_err(|e| {
        let detail = format!("{} / {}: {e}", files.cert.display(), files.key.display());
        io::Error::new(io::ErrorKind::InvalidInput, detail)
    })?;
    let acceptor = native_tls::TlsAcceptor::new(identity).map_err(|e| io::Error::new(io::ErrorKind::Other, e))?;
    Ok(Arc::new(acceptor))
}

/// Serves one TLS client: handshake, then bytes both ways between it and `backend` until either side is done.
pub fn relay(client: TcpStream, backend: SocketAddr, acceptor: &native_tls::TlsAcceptor, shutdown: &AtomicBool) {
    let _ = client.set_read_timeout(Some(HANDSHAKE_LIMIT));
    let raw = match client.try_clone() {
        Ok(raw) => raw,
        Err(_) => return,
    };
    let mut tls = match acceptor.accept(client) {
        Ok(tls) => tls,
        Err(_) => return, // a client that refused our certificate: what the verification tests want to see
    };
    let mut plain = match TcpStream::connect(backend) {
        Ok(plain) => plain,
        Err(_) => return,
    };
    let _ = raw.set_read_timeout(Some(TURN));
    let _ = plain.set_read_timeout(Some(TURN));
    let mut buf = [0u8; 16 * 1024];
    let mut client_done = false;
    while !shutdown.load(Ordering::SeqCst) {
        if !client_done {
            match tls.read(&mut buf) {
                Ok(0) => {
                    client_done = true;
                    let _ = plain.shutdown(Shutdown::Write);
                }
                Ok(n) => {
                    if plain.write_all(&buf[..n]).is_err() {
                        return;
                    }
                }
                Err(e) if waiting(&e) => {}
                Err(_) => {
                    client_done = true;
                    let _ = plain.shutdown(Shutdown::Write);
                }
            }
        }
        match plain.read(&mut buf) {
            Ok(0) => {
                let _ = tls.shutdown(); // close_notify, so the client sees a clean end of the body
                break;
            }
            Ok(n) => {
                if tls.write_all(&buf[..n]).and_then(|_| tls.flush()).is_err() {
                    return;
                }
            }
            Err(e) if waiting(&e) => {}
            Err(_) => {
                // The http side reset the connection (the `reset` fault): the TLS client gets a reset too.
                super::http::reset(raw);
                return;
            }
        }
    }
    let _ = raw.shutdown(Shutdown::Write);
}

fn waiting(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted)
}

/// The private http listener behind one host's TLS port: same host, a free port.
pub fn backend_listener(host_addr: SocketAddr) -> io::Result<TcpListener> {
    TcpListener::bind(SocketAddr::new(host_addr.ip(), 0))
}
