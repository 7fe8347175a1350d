//! Manager addresses as operators type them: `host`, `host:port`, `[v6]:port`, `http(s)://host[:port]`.
use crate::error::DkvError;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The documented default management port.
pub const DEFAULT_PORT: u16 = 7801;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Http,
    Https,
}

/// One manager service, validated. `host` holds IPv6 literals without brackets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ManagerEndpoint {
    pub scheme: Scheme,
    pub host: String,
    pub port: u16,
}

impl ManagerEndpoint {
    /// Parses one address; `default_port` applies when the address names none.
    pub fn parse(input: &str, default_port: u16) -> Result<ManagerEndpoint, DkvError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(DkvError::invalid(
                "Manager address is empty. Give a host name or IP address, e.g. 10.0.0.11 or 10.0.0.11:7801.",
            ));
        }
        let bad = |problem: &str| DkvError::invalid(format!("Invalid manager address '{}': {}.", text, problem));
        let (scheme, rest) = split_scheme(text).map_err(|p| bad(&p))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if let Some(c) = rest.chars().find(|c| matches!(c, '/' | '?' | '#' | '@' | '\\')) {
            return Err(bad(&format!(
                "'{}' is not allowed; give only [scheme://]host[:port], without a path, query or user name",
                c
            )));
        }
        if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("it contains white space or a control character"));
        }
        let (host, port_text) = split_host_port(rest, scheme.is_some()).map_err(|p| bad(&p))?;
        let port = match port_text {
            Some(p) => parse_port(p).map_err(|p| bad(&p))?,
            None => default_port,
        };
        if port == 0 {
            return Err(bad("port 0 is not a valid port; use 1-65535"));
        }
        validate_host(&host).map_err(|p| bad(&p))?;
        let scheme = scheme.unwrap_or(Scheme::Http);
        if scheme == Scheme::Https && !cfg!(feature = "tls") {
            return Err(bad("https is not available: this build of the library has no TLS support"));
        }
        Ok(ManagerEndpoint { scheme, host: host.to_ascii_lowercase(), port })
    }

    /// An IP address rather than a name: reaching it needs no name resolution.
    pub fn is_ip_literal(&self) -> bool {
        self.host.parse::<std::net::IpAddr>().is_ok()
    }

    pub fn is_ipv6(&self) -> bool {
        self.host.contains(':')
    }

    /// `host:port` (brackets around IPv6): the Manager column of a result.
    pub fn display_name(&self) -> String {
        format!("{}:{}", self.bracketed_host(), self.port)
    }

    /// `http://host:port`: the normalized form reported by sessions, and the base of every request URL.
    pub fn base_url(&self) -> String {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        format!("{}://{}:{}", scheme, self.bracketed_host(), self.port)
    }

    fn bracketed_host(&self) -> String {
        if self.is_ipv6() {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// Whether `server` is this manager's host by name alone (case-insensitive, IPv6 in any spelling). Routing
    /// also matches names to addresses: use `route::ServerMatcher`, which applies this first.
    pub fn hosts_server(&self, server: &str) -> bool {
        same_name(&self.host, server)
    }
}

impl fmt::Display for ManagerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_name())
    }
}

/// Parses a list, rejecting duplicates (the same manager twice would stop its nodes twice).
pub fn parse_managers<S: AsRef<str>>(inputs: &[S], default_port: u16) -> Result<Vec<ManagerEndpoint>, DkvError> {
    let mut endpoints: Vec<ManagerEndpoint> = Vec::with_capacity(inputs.len());
    for input in inputs {
        let endpoint = ManagerEndpoint::parse(input.as_ref(), default_port)?;
        if let Some(first) = endpoints.iter().find(|e| e.host == endpoint.host && e.port == endpoint.port) {
            return Err(DkvError::invalid(format!(
                "Manager {} is listed twice ('{}'). List each manager once.",
                first.display_name(),
                input.as_ref().trim()
            )));
        }
        endpoints.push(endpoint);
    }
    Ok(endpoints)
}

/// Checks a port number given as a parameter (-Port); 0 and values above 65535 are errors.
pub fn port_from_int(port: i64) -> Result<u16, DkvError> {
    if (1..=65535).contains(&port) {
        Ok(port as u16)
    } else {
        Err(DkvError::invalid(format!("Port {} is out of range. Use a port from 1 to 65535.", port)))
    }
}

fn split_scheme(text: &str) -> Result<(Option<Scheme>, &str), String> {
    match text.find("://") {
        None => Ok((None, text)),
        Some(i) => {
            let scheme = &text[..i];
            let rest = &text[i + 3..];
            if scheme.eq_ignore_ascii_case("http") {
                Ok((Some(Scheme::Http), rest))
            } else if scheme.eq_ignore_ascii_case("https") {
                Ok((Some(Scheme::Https), rest))
            } else {
                Err(format!("scheme '{}' is not supported; use http:// or https://", scheme))
            }
        }
    }
}

fn split_host_port(rest: &str, had_scheme: bool) -> Result<(String, Option<&str>), String> {
    if let Some(inner) = rest.strip_prefix('[') {
        let close = inner.find(']').ok_or_else(|| "'[' without a closing ']'".to_string())?;
        let host = &inner[..close];
        host.parse::<Ipv6Addr>().map_err(|_| format!("'{}' is not an IPv6 address", host))?;
        let after = &inner[close + 1..];
        return match after.strip_prefix(':') {
            Some(port) => Ok((host.to_string(), Some(port))),
            None if after.is_empty() => Ok((host.to_string(), None)),
            None => Err(format!("unexpected '{}' after ']'", after)),
        };
    }
    let colons = rest.matches(':').count();
    if colons > 1 {
        if had_scheme {
            return Err("an IPv6 address in a URL needs brackets, e.g. http://[::1]:7801".to_string());
        }
        return match rest.parse::<Ipv6Addr>() {
            Ok(_) => Ok((rest.to_string(), None)),
            Err(_) => Err("put an IPv6 address in brackets to give a port, e.g. [::1]:7801".to_string()),
        };
    }
    match rest.find(':') {
        Some(i) => Ok((rest[..i].to_string(), Some(&rest[i + 1..]))),
        None => Ok((rest.to_string(), None)),
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    if text.is_empty() {
        return Err("the port after ':' is missing".to_string());
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("port '{}' is not a number", text));
    }
    match text.parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(p as u16),
        _ => Err(format!("port {} is out of range; use 1-65535", text)),
    }
}

fn validate_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("the host name is missing".to_string());
    }
    if host.contains(':') || host.parse::<Ipv4Addr>().is_ok() {
        return Ok(()); // IPv6 was parsed already; IPv4 literal is fine
    }
    if host.len() > 253 {
        return Err("the host name is longer than 253 characters".to_string());
    }
    for label in host.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(format!("'{}' is not a valid host name (empty or over-long label)", host));
        }
        if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') || label.starts_with('-') {
            return Err(format!(
                "'{}' is not a valid host name; use letters, digits, '-' and '.', or an IP address",
                host
            ));
        }
    }
    Ok(())
}

/// Names compare without case, brackets or surrounding space; IPv6 addresses compare as addresses (`::1` is
/// `0:0:0:0:0:0:0:1`). A trailing dot (the DNS root) does not make a name different.
pub fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (bare(a), bare(b));
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    // Every IPv6 address has a colon: without one on both sides there is nothing to parse (planning compares
    // every node's server with every manager, so this runs nodes x managers times).
    if !a.contains(':') || !b.contains(':') {
        return false;
    }
    match (a.parse::<Ipv6Addr>(), b.parse::<Ipv6Addr>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

pub(crate) fn bare(name: &str) -> &str {
    let name = name.trim().trim_start_matches('[').trim_end_matches(']');
    name.strip_suffix('.').unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> ManagerEndpoint {
        ManagerEndpoint::parse(input, DEFAULT_PORT).unwrap_or_else(|e| panic!("{}: {}", input, e))
    }

    fn err(input: &str) -> String {
        match ManagerEndpoint::parse(input, DEFAULT_PORT) {
            Ok(e) => panic!("{} parsed as {:?}", input, e),
            Err(e) => e.message,
        }
    }

    #[test]
    fn accepts_every_documented_form() {
        assert_eq!(ok("10.0.0.11").base_url(), "http://10.0.0.11:7801");
        assert_eq!(ok("10.0.0.11:7900").display_name(), "10.0.0.11:7900");
        assert_eq!(ok("[::1]:7802").base_url(), "http://[::1]:7802");
        assert_eq!(ok("[::1]").display_name(), "[::1]:7801");
        assert_eq!(ok("::1").display_name(), "[::1]:7801");
        assert_eq!(ok("HTTP://Mgr-A.corp").base_url(), "http://mgr-a.corp:7801");
        assert_eq!(ok("http://mgr:8080/").port, 8080);
        assert_eq!(ok("  10.0.0.12  ").host, "10.0.0.12");
    }

    #[test]
    fn https_needs_the_tls_feature() {
        let parsed = ManagerEndpoint::parse("https://mgr", DEFAULT_PORT);
        if cfg!(feature = "tls") {
            assert_eq!(parsed.map(|e| e.scheme), Ok(Scheme::Https));
        } else {
            assert!(parsed.is_err());
        }
    }

    #[test]
    fn rejects_bad_addresses_with_a_reason() {
        assert!(err("").contains("empty"));
        assert!(err("   ").contains("empty"));
        assert!(err("10.0.0.11:0").contains("1-65535"));
        assert!(err("10.0.0.11:65536").contains("1-65535"));
        assert!(err("10.0.0.11:").contains("missing"));
        assert!(err("10.0.0.11:abc").contains("not a number"));
        assert!(err("ftp://x").contains("http://"));
        assert!(err("http://x/admin").contains("path"));
        assert!(err("user@x").contains("'@'"));
        assert!(err("::1:7801:").contains("brackets"));
        assert!(err("http://::1").contains("brackets"));
        assert!(err("[::1").contains("closing"));
        assert!(err("[zz]:1").contains("IPv6"));
        assert!(err("bad host").contains("white space"));
        assert!(err("a..b").contains("valid host"));
        assert!(err(":7801").contains("missing"));
    }

    #[test]
    fn duplicates_are_rejected() {
        let e = parse_managers(&["10.0.0.11", "10.0.0.11:7801"], DEFAULT_PORT).unwrap_err();
        assert!(e.message.contains("listed twice"), "{}", e.message);
        assert!(parse_managers(&["10.0.0.11", "10.0.0.11:7802"], DEFAULT_PORT).is_ok());
    }

    #[test]
    fn routing_matches_servers_by_host() {
        let e = ok("[::1]:7801");
        assert!(e.hosts_server("0:0:0:0:0:0:0:1"));
        assert!(ok("MGR.corp").hosts_server("mgr.CORP"));
        assert!(!ok("10.0.0.11").hosts_server("10.0.0.12"));
    }

    #[test]
    fn ip_literals_are_told_from_names() {
        assert!(ok("10.0.0.11").is_ip_literal());
        assert!(ok("[::1]:7801").is_ip_literal());
        assert!(!ok("mgr.corp").is_ip_literal());
    }

    #[test]
    fn port_parameter_range() {
        assert!(port_from_int(0).is_err());
        assert!(port_from_int(65536).is_err());
        assert_eq!(port_from_int(7801).ok(), Some(7801));
    }
}
