//! A one-purpose HTTP server for tests of what the client sends and how it takes odd answers: it records every
//! request head and answers with whatever bytes the test gives.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

pub struct RawServer {
    pub address: String,
    heads: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl RawServer {
    /// `answer` gets the request head and returns the whole response.
    pub fn start(host: &str, answer: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind((host, 0)).expect("bind a loopback port");
        listener.set_nonblocking(true).expect("nonblocking listener");
        let address = format!("{}:{}", host, listener.local_addr().unwrap().port());
        let heads = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (Arc::clone(&heads), Arc::clone(&stop));
        let answer = Arc::new(answer);
        thread::spawn(move || {
            // Bounded: the server ends with the test (Drop) or after a minute, whichever is first.
            for _ in 0..6000 {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                match listener.accept() {
                    Ok((stream, _)) => serve(stream, &h, answer.as_ref()),
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        RawServer { address, heads, stop }
    }

    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(mut stream: TcpStream, heads: &Mutex<Vec<String>>, answer: &(dyn Fn(&str) -> Vec<u8> + Send + Sync)) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    heads.lock().unwrap().push(head.clone());
    let _ = stream.write_all(&answer(&head));
}

pub fn json_response(status: u16, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        status,
        body.len(),
        body
    )
    .into_bytes()
}
