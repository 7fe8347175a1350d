//! Just enough HTTP/1.1 over `std::net` to serve the manager API, with full control over the socket so faults
//! (hang, drip, reset) can misbehave on purpose. Every response closes the connection.
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 1024 * 1024;
/// How often a blocked read wakes up to notice a server shutdown.
pub const POLL: Duration = Duration::from_millis(25);
const IDLE_LIMIT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Raw path, still percent-encoded, without the query.
    pub path: String,
    /// Raw query (after `?`), empty when absent.
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// A query parameter, percent-decoded; `None` when absent or undecodable.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if percent_decode(key).ok()? == name {
                percent_decode(value).ok()
            } else {
                None
            }
        })
    }
}

#[derive(Debug)]
pub enum ReadError {
    /// The peer closed (or never sent anything) before a request began.
    Closed,
    /// The server is shutting down.
    Shutdown,
    /// A request that cannot be served; answer with this status and message, then close.
    Bad(u16, String),
    /// The connection failed mid-read; it is dropped, whatever the cause, as a real server would.
    Io,
}

/// Reads one request (head and body). Reads wake up every [`POLL`] to check `shutdown`.
pub fn read_request(stream: &mut TcpStream, shutdown: &AtomicBool) -> Result<Request, ReadError> {
    stream.set_read_timeout(Some(POLL)).map_err(|_| ReadError::Io)?;
    let started = Instant::now();
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let head_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err(ReadError::Bad(431, "request head too large".to_string()));
        }
        match read_some(stream, &mut buf, shutdown, started)? {
            0 if buf.is_empty() => return Err(ReadError::Closed),
            0 => return Err(ReadError::Bad(400, "connection closed inside the request head".to_string())),
            _ => {}
        }
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| ReadError::Bad(400, "request head is not UTF-8".to_string()))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) if !m.is_empty() && v.starts_with("HTTP/1.") => (m, t, v),
        _ => return Err(ReadError::Bad(400, format!("malformed request line {request_line:?}"))),
    };
    let _ = version;
    if !target.starts_with('/') {
        return Err(ReadError::Bad(400, format!("request target {target:?} is not an absolute path")));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        match line.split_once(':') {
            Some((name, value)) if !name.is_empty() && !name.contains(' ') => {
                headers.push((name.to_string(), value.trim().to_string()))
            }
            _ => return Err(ReadError::Bad(400, format!("malformed header line {line:?}"))),
        }
    }
    let mut request = Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body: Vec::new(),
    };
    if request.header("Expect").map_or(false, |v| v.eq_ignore_ascii_case("100-continue")) {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(|_| ReadError::Io)?;
    }
    let mut rest = buf.split_off(head_end);
    let chunked = request.header("Transfer-Encoding").map_or(false, |v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        loop {
            match decode_chunked(&rest)? {
                Some(body) => {
                    request.body = body;
                    break;
                }
                None if rest.len() > MAX_BODY => return Err(ReadError::Bad(413, "request body too large".into())),
                None => {
                    if read_some(stream, &mut rest, shutdown, started)? == 0 {
                        return Err(ReadError::Bad(400, "connection closed inside a chunked body".into()));
                    }
                }
            }
        }
    } else if let Some(length) = request.header("Content-Length") {
        let length: usize =
            length.parse().map_err(|_| ReadError::Bad(400, format!("invalid Content-Length {length:?}")))?;
        if length > MAX_BODY {
            return Err(ReadError::Bad(413, "request body too large".into()));
        }
        while rest.len() < length {
            if read_some(stream, &mut rest, shutdown, started)? == 0 {
                return Err(ReadError::Bad(400, "connection closed inside the request body".into()));
            }
        }
        rest.truncate(length);
        request.body = rest;
    }
    Ok(request)
}

fn read_some(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    shutdown: &AtomicBool,
    started: Instant,
) -> Result<usize, ReadError> {
    let mut chunk = [0u8; 4096];
    loop {
        if shutdown.load(Ordering::SeqCst) {
            return Err(ReadError::Shutdown);
        }
        match stream.read(&mut chunk) {
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(n);
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                if started.elapsed() > IDLE_LIMIT {
                    return Err(ReadError::Closed);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(ReadError::Io),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `Ok(None)` while the chunked body is still incomplete.
fn decode_chunked(mut data: &[u8]) -> Result<Option<Vec<u8>>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line_end = match find(data, b"\r\n") {
            Some(pos) => pos,
            None => return Ok(None),
        };
        let size_text = std::str::from_utf8(&data[..line_end]).unwrap_or("");
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| ReadError::Bad(400, format!("invalid chunk size {size_text:?}")))?;
        data = &data[line_end + 2..];
        if size == 0 {
            // Trailers are ignored; the body is complete once the final CRLF arrived.
            return Ok(find(data, b"\r\n").map(|_| body));
        }
        if data.len() < size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        _ => "Unknown",
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    pub extra_headers: Vec<(String, String)>,
}

impl Response {
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response { status, body: value.to_string().into_bytes(), extra_headers: Vec::new() }
    }

    pub fn error(status: u16, code: &str, message: &str) -> Response {
        Response::json(status, &serde_json::json!({"error": {"code": code, "message": message}}))
    }

    pub fn head_bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\
             Connection: close\r\n",
            self.status,
            reason(self.status),
            self.body.len()
        );
        for (name, value) in &self.extra_headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        head.into_bytes()
    }
}

pub fn write_response(stream: &mut TcpStream, response: &Response) -> io::Result<()> {
    let mut bytes = response.head_bytes();
    bytes.extend_from_slice(&response.body);
    stream.write_all(&bytes)?;
    stream.flush()
}

/// Half-close, then drain what the client still sends: closing with unread input would make the kernel send a
/// RST that can destroy the response before the client reads it.
pub fn finish(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 1024];
    let deadline = Instant::now() + Duration::from_millis(500);
    while Instant::now() < deadline {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

/// Close with a TCP RST instead of a FIN (SO_LINGER with a zero timeout).
pub fn reset(stream: TcpStream) {
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        let linger = libc::linger { l_onoff: 1, l_linger: 0 };
        // SAFETY: the fd is owned by `stream` and open for this call; the option value is a valid `linger`.
        unsafe {
            libc::setsockopt(
                stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &linger as *const libc::linger as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    }
    drop(stream);
}

/// Decodes one percent-encoded path segment or query component into UTF-8 text.
pub fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(byte) => out.push(byte),
                None => return Err(format!("invalid percent-encoding in {text:?}")),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{text:?} does not decode to UTF-8"))
}
