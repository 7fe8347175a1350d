//! Failure modes a manager can be switched into, to test how the tooling copes with broken managers.
use std::fmt;
use std::str::FromStr;

/// Applies to every non-`/_control` request arriving on one manager (host).
///
/// `Hang`, `Reset`, `Status500` and `Malformed` answer without touching the cluster model (the request is read,
/// then dropped); `Latency` and `Drip` process the request normally and only deliver the real answer late or slowly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    #[default]
    None,
    /// Sleep this many milliseconds, then handle the request normally.
    Latency(u64),
    /// Read the request, never answer; the connection stays open until the server shuts down.
    Hang,
    /// `500` with a JSON error body.
    Status500,
    /// `200` with a truncated JSON body (Content-Length matches the truncated bytes).
    Malformed,
    /// Read the request, then close the connection with a TCP RST.
    Reset,
    /// Real status line and headers (with Content-Length), then the body one byte per second.
    Drip,
    /// Every other connection is reset (the 2nd, 4th, ...); the others are answered normally.
    Flap,
    /// Answers this many requests normally, then resets every request (a manager that died).
    DieAfter(u64),
    /// Normal until it answers a stop request with 202; from then on every request is reset (the manager died
    /// mid-stop) until the fault is changed or the server reset.
    DieAfterStop,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::None => f.write_str("none"),
            Fault::Latency(ms) => write!(f, "latency:{ms}"),
            Fault::Hang => f.write_str("hang"),
            Fault::Status500 => f.write_str("500"),
            Fault::Malformed => f.write_str("malformed"),
            Fault::Reset => f.write_str("reset"),
            Fault::Drip => f.write_str("drip"),
            Fault::Flap => f.write_str("flap"),
            Fault::DieAfter(n) => write!(f, "die-after:{n}"),
            Fault::DieAfterStop => f.write_str("die-after-stop"),
        }
    }
}

impl FromStr for Fault {
    type Err = String;

    /// The spelling used by `--fault HOST=...` and `POST /_control/fault`.
    fn from_str(text: &str) -> Result<Fault, String> {
        let lower = text.trim().to_ascii_lowercase();
        match lower.as_str() {
            "none" => Ok(Fault::None),
            "hang" => Ok(Fault::Hang),
            "500" => Ok(Fault::Status500),
            "malformed" => Ok(Fault::Malformed),
            "reset" => Ok(Fault::Reset),
            "drip" => Ok(Fault::Drip),
            "flap" => Ok(Fault::Flap),
            "die-after-stop" => Ok(Fault::DieAfterStop),
            _ => match (lower.strip_prefix("latency:"), lower.strip_prefix("die-after:")) {
                (Some(ms), _) => ms
                    .parse::<u64>()
                    .map(Fault::Latency)
                    .map_err(|_| format!("invalid latency {ms:?} in fault {text:?}: expected milliseconds")),
                (_, Some(n)) => n
                    .parse::<u64>()
                    .map(Fault::DieAfter)
                    .map_err(|_| format!("invalid count {n:?} in fault {text:?}: expected a number of requests")),
                (None, None) => Err(format!(
                    "unknown fault {text:?}: expected none, hang, 500, malformed, reset, drip, flap, die-after:N, \
                     die-after-stop or latency:MS"
                )),
            },
        }
    }
}
