//! https managers: certificates are verified by default, and -SkipCertificateCheck is the explicit way around a
//! self-signed test system. The server is `openssl s_server` with a certificate made for the test.
#![cfg(feature = "tls")]

use clustron_dkv::store_info::get_store;
use clustron_dkv::{Session, Targets, TransportOptions};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct TlsServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn openssl(dir: &PathBuf, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the openssl command line tool is needed for the https tests (.ci/install.sh installs it)");
    assert!(status.success(), "openssl {:?} failed", args);
}

fn start() -> TlsServer {
    let dir = std::env::temp_dir().join(format!("dkv-tls-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("admin/v1/stores")).unwrap();
    std::fs::write(
        dir.join("admin/v1/stores/OrdersStore"),
        r#"{"name":"OrdersStore","instances":[{"name":"orders-1","server":"localhost","status":"Running"}]}"#,
    )
    .unwrap();
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ],
    );
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("openssl")
        .args(["s_server", "-quiet", "-WWW", "-cert", "cert.pem", "-key", "key.pem", "-accept"])
        .arg(format!("127.0.0.1:{}", port))
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server starts");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(10), "openssl s_server did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    TlsServer { child, port, dir }
}

fn targets(port: u16, skip: bool) -> Targets {
    let options = TransportOptions { skip_certificate_check: skip, ..TransportOptions::default() };
    let session = Session::connect_with(&[format!("https://localhost:{}", port)], None, Some(10), &options).unwrap();
    Targets::resolve::<&str>(Some(&session), &[], None, None).unwrap()
}

#[test]
fn certificates_are_verified_unless_skipped_explicitly() {
    let server = start();
    let e = get_store(&targets(server.port, false), "OrdersStore").expect_err("a self-signed certificate is refused");
    assert!(e.message.contains("certificate was rejected"), "{}", e.message);
    assert!(e.message.contains("-SkipCertificateCheck"), "{}", e.message);
    let found = get_store(&targets(server.port, true), "OrdersStore").expect("accepted when skipped");
    assert_eq!(found.store.instances[0].name, "orders-1");
    assert_eq!(found.manager.base_url(), format!("https://localhost:{}", server.port));
}
