//! The least an HTTP/1.1 client can do: one connection per request, no pooling, no redirects, no JSON. The
//! floor a library round trip is compared with.
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A replayed request: method and the raw target (path plus `?query` when there is one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    pub method: String,
    pub target: String,
}

const IO_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_RESPONSE: usize = 4 * 1024 * 1024;

/// Sends one request with an empty body and reads the whole answer; returns the status and the body.
pub fn exchange(addr: SocketAddr, request: &RawRequest) -> io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let length = if request.method == "GET" { "" } else { "Content-Length: 0\r\n" };
    let head = format!(
        "{} {} HTTP/1.1\r\nHost: {}\r\n{}Connection: close\r\n\r\n",
        request.method, request.target, addr, length
    );
    stream.write_all(head.as_bytes())?;
    let mut response = Vec::with_capacity(1024);
    // The manager closes after each answer; Content-Length is checked below, so reading to EOF loses nothing.
    Read::by_ref(&mut stream).take(MAX_RESPONSE as u64 + 1).read_to_end(&mut response)?;
    if response.len() > MAX_RESPONSE {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "response too large"));
    }
    parse_response(&response)
}

fn parse_response(bytes: &[u8]) -> io::Result<(u16, Vec<u8>)> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| bad("no end of headers"))?;
    let head = std::str::from_utf8(&bytes[..end]).map_err(|_| bad("headers are not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| bad("no HTTP/1.1 status line"))?;
    let body = bytes[end + 4..].to_vec();
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                let expected: usize = value.trim().parse().map_err(|_| bad("bad Content-Length"))?;
                if expected != body.len() {
                    return Err(bad("body shorter or longer than Content-Length"));
                }
            }
        }
    }
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_and_checks_length() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
        assert_eq!(parse_response(ok).unwrap(), (200, b"{}".to_vec()));
        let short = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}";
        assert!(parse_response(short).is_err());
        assert!(parse_response(b"garbage").is_err());
    }
}
