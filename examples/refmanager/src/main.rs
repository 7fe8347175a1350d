//! `dkv-refmanager`: reference Clustron managers on loopback hosts, for trying and testing the admin tooling.
//! Flags and behaviour: see README.md next to this file.
use dkv_refmanager::{Config, Fault, Layout, RefManager, TlsFiles};
use std::process::exit;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const USAGE: &str = "usage: dkv-refmanager [--hosts H1,H2,...] [--port N] [--layout demo|PATH.json] \
[--migration-ms N] [--stop-delay-ms N] [--start-delay-ms N] \
[--fault HOST=none|hang|500|malformed|reset|drip|latency:MS|flap|die-after:N|die-after-stop]... \
[--no-safety-endpoint] [--no-state-endpoint] [--no-start-endpoint] [--no-list-endpoint] [--ready-file PATH] [--quiet] [--tls-cert PEM --tls-key PEM]";

struct Cli {
    config: Config,
    faults: Vec<(String, Fault)>,
    ready_file: Option<String>,
}

fn usage_error(message: &str) -> ! {
    eprintln!("dkv-refmanager: {message}");
    eprintln!("{USAGE}");
    exit(2);
}

fn parse_number<T: std::str::FromStr>(flag: &str, value: &str) -> T {
    value.parse().unwrap_or_else(|_| usage_error(&format!("{flag} expects a number, got {value:?}")))
}

/// Whether `flag` is followed by a value (`--port 7801` or `--port=7801`). The usage text is the list: a flag
/// missing here would read its value as the next flag (a unit test compares the two).
fn takes_value(flag: &str) -> bool {
    matches!(
        flag,
        "--hosts"
            | "--port"
            | "--layout"
            | "--migration-ms"
            | "--stop-delay-ms"
            | "--start-delay-ms"
            | "--fault"
            | "--ready-file"
            | "--tls-cert"
            | "--tls-key"
    )
}

fn parse_args(args: Vec<String>) -> Cli {
    let mut config = Config::demo();
    config.port = 7801;
    config.quiet = false;
    let mut faults = Vec::new();
    let mut ready_file = None;
    let (mut tls_cert, mut tls_key) = (None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_string(), Some(value.to_string())),
            _ => (arg.clone(), None),
        };
        let value = if takes_value(&flag) {
            match inline.or_else(|| args.next()) {
                Some(value) => value,
                None => usage_error(&format!("{flag} needs a value")),
            }
        } else {
            if inline.is_some() {
                usage_error(&format!("{flag} takes no value"));
            }
            String::new()
        };
        match flag.as_str() {
            "--hosts" => {
                config.hosts = value.split(',').map(|h| h.trim().to_string()).filter(|h| !h.is_empty()).collect();
                if config.hosts.is_empty() {
                    usage_error("--hosts needs at least one host");
                }
            }
            "--port" => config.port = parse_number("--port", &value),
            "--layout" => {
                config.layout = if value == "demo" {
                    Layout::demo()
                } else {
                    Layout::from_file(&value).unwrap_or_else(|e| usage_error(&e.to_string()))
                }
            }
            "--migration-ms" => config.migration_ms_per_partition = parse_number("--migration-ms", &value),
            "--stop-delay-ms" => config.stop_delay_ms = parse_number("--stop-delay-ms", &value),
            "--start-delay-ms" => config.start_delay_ms = parse_number("--start-delay-ms", &value),
            "--fault" => {
                let (host, fault) = value
                    .split_once('=')
                    .unwrap_or_else(|| usage_error(&format!("--fault expects HOST=FAULT, got {value:?}")));
                let fault: Fault = fault.parse().unwrap_or_else(|e: String| usage_error(&e));
                faults.push((host.to_string(), fault));
            }
            "--no-safety-endpoint" => config.safety_endpoint = false,
            "--no-state-endpoint" => config.state_endpoint = false,
            "--no-start-endpoint" => config.start_endpoint = false,
            "--no-list-endpoint" => config.list_endpoint = false,
            "--ready-file" => ready_file = Some(value),
            "--quiet" => config.quiet = true,
            "--tls-cert" => tls_cert = Some(value),
            "--tls-key" => tls_key = Some(value),
            "-h" | "--help" => {
                println!("{USAGE}");
                exit(0);
            }
            other => usage_error(&format!("unknown argument {other:?}")),
        }
    }
    for (host, _) in &faults {
        if !config.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            usage_error(&format!("--fault names {host}, which is not in --hosts {}", config.hosts.join(",")));
        }
    }
    config.tls = match (tls_cert, tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert: cert.into(), key: key.into() }),
        (None, None) => None,
        _ => usage_error("--tls-cert and --tls-key go together"),
    };
    Cli { config, faults, ready_file }
}

static STOP: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// SIGTERM and SIGINT end the process through a normal shutdown, so the ready file is removed.
fn install_signal_handlers() {
    #[cfg(unix)]
    {
        let handler = on_signal as extern "C" fn(libc::c_int);
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
            libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        }
    }
}

/// Written via a rename so a watcher never reads a half-written port.
fn write_ready_file(path: &str, port: u16) -> std::io::Result<()> {
    let temp = format!("{path}.tmp{}", std::process::id());
    std::fs::write(&temp, format!("{port}\n"))?;
    std::fs::rename(&temp, path)
}

fn main() {
    let cli = parse_args(std::env::args().skip(1).collect());
    let stores: Vec<String> = cli.config.layout.stores.iter().map(|s| s.name.clone()).collect();
    let hosts = cli.config.hosts.clone();
    let https = cli.config.tls.is_some();
    install_signal_handlers();
    let manager = match RefManager::start(cli.config) {
        Ok(manager) => manager,
        Err(e) => {
            eprintln!("dkv-refmanager: {e}");
            exit(1);
        }
    };
    for (host, fault) in &cli.faults {
        manager.set_fault(host, *fault);
    }
    for host in &hosts {
        let fault = cli
            .faults
            .iter()
            .rev()
            .find(|(h, _)| h.eq_ignore_ascii_case(host))
            .map(|(_, f)| format!(", fault {f}"))
            .unwrap_or_default();
        // http keeps the line scripts already read; https says so.
        let shown = if https { manager.url(host) } else { manager.address(host) };
        println!("manager {} listening (stores: {}{})", shown, stores.join(", "), fault);
    }
    if let Some(path) = &cli.ready_file {
        if let Err(e) = write_ready_file(path, manager.port()) {
            eprintln!("dkv-refmanager: cannot write ready file {path}: {e}");
            exit(1);
        }
    }
    while !STOP.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
    }
    manager.shutdown();
    if let Some(path) = &cli.ready_file {
        let _ = std::fs::remove_file(path);
    }
    println!("dkv-refmanager: stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every flag of the usage text, and whether the usage shows a value after it.
    fn usage_flags() -> Vec<(String, bool)> {
        let words: Vec<&str> = USAGE.split(|c: char| c.is_whitespace() || c == '[' || c == ']').collect();
        let words: Vec<&str> = words.into_iter().filter(|w| !w.is_empty() && *w != "...").collect();
        let mut flags = Vec::new();
        for (i, word) in words.iter().enumerate() {
            if word.starts_with("--") {
                let value = words.get(i + 1).map_or(false, |next| !next.starts_with("--"));
                flags.push((word.to_string(), value));
            }
        }
        flags
    }

    #[test]
    fn every_flag_takes_a_value_exactly_when_the_usage_shows_one() {
        let flags = usage_flags();
        assert!(flags.len() >= 14, "{:?}", flags);
        for (flag, value) in flags {
            assert_eq!(takes_value(&flag), value, "{}", flag);
        }
    }

    #[test]
    fn delays_are_read_from_the_next_argument() {
        let args = ["--start-delay-ms", "400", "--stop-delay-ms", "300", "--quiet"];
        let cli = parse_args(args.iter().map(|a| a.to_string()).collect());
        assert_eq!((cli.config.start_delay_ms, cli.config.stop_delay_ms), (400, 300));
        assert!(cli.config.quiet);
    }
}
