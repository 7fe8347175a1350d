//! The manager's JSON documents (docs/manager-api.md). Parsing is lenient about extra fields and strict about
//! the fields the tooling relies on; nothing here panics on hostile input.
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StoreDoc {
    #[serde(default)]
    pub name: Option<String>,
    pub instances: Vec<InstanceDoc>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct InstanceDoc {
    pub name: String,
    pub server: String,
    #[serde(default)]
    pub clustron_port: Option<i64>,
    #[serde(default)]
    pub client_port: Option<i64>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub migrations_remaining: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct StopDoc {
    #[serde(default)]
    pub instance: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub migrations_remaining: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SafetyDoc {
    pub safe: bool,
    #[serde(default)]
    pub migrations_pending: Option<u64>,
    #[serde(default)]
    pub backups_in_sync: Option<bool>,
    #[serde(default)]
    pub instances: Vec<InstanceSafetyDoc>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct InstanceSafetyDoc {
    pub name: String,
    pub safe: bool,
    #[serde(default)]
    pub migrations_pending: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct StateDoc {
    pub state: String,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// The manager's error code ("AlreadyRunning", "NotHosted"), when the body is an error document that has one.
pub fn error_code(body: &str) -> Option<String> {
    let envelope = serde_json::from_str::<ErrorEnvelope>(body).ok()?;
    envelope.error.code.map(|c| c.trim().to_string()).filter(|c| !c.is_empty())
}

const MAX_RAW_ERROR_CHARS: usize = 512;

pub fn parse<'a, T: Deserialize<'a>>(body: &'a str) -> Result<T, String> {
    serde_json::from_str(body).map_err(|e| format!("unexpected response body ({})", e))
}

/// The text shown for an error response: the manager's own message, else the raw body, else the status line.
pub fn error_text(status: u16, body: &str) -> String {
    if let Ok(envelope) = serde_json::from_str::<ErrorEnvelope>(body) {
        match (envelope.error.message, envelope.error.code) {
            (Some(m), _) if !m.trim().is_empty() => return m.trim().to_string(),
            (_, Some(c)) if !c.trim().is_empty() => return c.trim().to_string(),
            _ => {}
        }
    }
    let raw = body.trim();
    if raw.is_empty() {
        return format!("HTTP {} {}", status, reason(status));
    }
    let mut text: String = raw.chars().take(MAX_RAW_ERROR_CHARS).collect();
    if raw.chars().count() > MAX_RAW_ERROR_CHARS {
        text.push('…');
    }
    text
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_doc_ignores_unknown_fields() {
        let doc: StoreDoc = parse(
            r#"{"name":"OrdersStore","extra":[1,2],"instances":[{"name":"orders-1","server":"10.0.0.11",
               "clustronPort":7811,"clientPort":7861,"status":"Running","zone":"a"}]}"#,
        )
        .unwrap();
        assert_eq!(doc.instances[0].server, "10.0.0.11");
        assert_eq!(doc.instances[0].clustron_port, Some(7811));
    }

    #[test]
    fn hostile_bodies_are_errors_not_panics() {
        let deep = "[".repeat(100_000);
        let cases = [
            "",
            "null",
            "{",
            "[]",
            r#"{"instances":null}"#,
            r#"{"instances":[{"name":1,"server":"x"}]}"#,
            r#"{"instances":[{"server":"x"}]}"#,
            r#"{"instances":[{"name":"a","server":"x","clustronPort":"7811"}]}"#,
            "\u{0}\u{1}\u{2}",
            deep.as_str(),
        ];
        for body in cases.iter() {
            assert!(parse::<StoreDoc>(body).is_err(), "{:?} parsed", &body[..body.len().min(40)]);
        }
        assert!(parse::<SafetyDoc>(r#"{"safe":"yes"}"#).is_err());
    }

    #[test]
    fn error_code_reads_the_code_or_nothing() {
        assert_eq!(error_code(r#"{"error":{"code":" NotHosted ","message":"m"}}"#).as_deref(), Some("NotHosted"));
        assert_eq!(error_code(r#"{"error":{"message":"m"}}"#), None);
        assert_eq!(error_code("Not Found"), None);
        assert_eq!(error_code(""), None);
    }

    #[test]
    fn error_text_prefers_the_managers_message() {
        assert_eq!(
            error_text(404, r#"{"error":{"code":"StoreNotFound","message":"Store 'X' was not found."}}"#),
            "Store 'X' was not found."
        );
        assert_eq!(error_text(500, r#"{"error":{"code":"Boom"}}"#), "Boom");
        assert_eq!(error_text(500, "  disk full \n"), "disk full");
        assert_eq!(error_text(503, ""), "HTTP 503 Service Unavailable");
        let long = "x".repeat(2000);
        assert_eq!(error_text(500, &long).chars().count(), MAX_RAW_ERROR_CHARS + 1);
    }
}
