//! The manager's JSON documents (docs/manager-api.md). Parsing is lenient about extra fields and strict about
//! the fields the tooling relies on; nothing here panics on hostile input.
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

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

/// A safety answer as the tooling uses it: the store's flags and, of the member list, only the entry of the member
/// asked about (`parse_safety`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyDoc<'a> {
    pub safe: bool,
    pub migrations_pending: Option<u64>,
    pub backups_in_sync: Option<bool>,
    /// The store's state ("Active", "Passive") when the answer names it (docs/manager-api.md, "Safety check").
    pub state: Option<Cow<'a, str>>,
    /// The asked-about member's entries (one, unless the manager lists it twice); empty when none was asked about.
    pub instances: Vec<InstanceSafetyDoc<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSafetyDoc<'a> {
    pub name: Cow<'a, str>,
    pub safe: bool,
    pub migrations_pending: Option<u64>,
}

/// Reads a safety answer, keeping only `member`'s entry. The answer lists every member of the store and every
/// graceful stop reads one, so building all entries made a whole-store stop quadratic in the store's size (a
/// 10,000-node answer took 1.2-1.4 ms to read into structs; skipped entries cost a third of that).
pub fn parse_safety<'a>(body: &'a str, member: Option<&str>) -> Result<SafetyDoc<'a>, String> {
    let mut deserializer = serde_json::Deserializer::from_str(body);
    let doc = SafetySeed { member }
        .deserialize(&mut deserializer)
        .and_then(|doc| deserializer.end().map(|_| doc))
        .map_err(|e| format!("unexpected response body ({})", e))?;
    Ok(doc)
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum SafetyField {
    Safe,
    MigrationsPending,
    BackupsInSync,
    State,
    Instances,
    #[serde(other)]
    Other,
}

/// A string borrowed from the body when it has no escapes (copied only when it has).
struct TextSeed;

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TextSeed {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(text))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(text.to_string()))
    }
}

/// A string or null, borrowed like `TextSeed`'s.
struct OptionalText;

impl<'de> DeserializeSeed<'de> for OptionalText {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for OptionalText {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        TextSeed.deserialize(deserializer).map(Some)
    }
}

struct SafetySeed<'m> {
    member: Option<&'m str>,
}

impl<'de, 'm> DeserializeSeed<'de> for SafetySeed<'m> {
    type Value = SafetyDoc<'de>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, 'm> Visitor<'de> for SafetySeed<'m> {
    type Value = SafetyDoc<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a safety document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut safe, mut migrations_pending, mut backups_in_sync, mut instances) = (None, None, None, Vec::new());
        let mut state = None;
        while let Some(field) = map.next_key::<SafetyField>()? {
            match field {
                SafetyField::Safe => safe = Some(map.next_value::<bool>()?),
                SafetyField::MigrationsPending => migrations_pending = map.next_value::<Option<u64>>()?,
                SafetyField::BackupsInSync => backups_in_sync = map.next_value::<Option<bool>>()?,
                SafetyField::State => state = map.next_value_seed(OptionalText)?,
                SafetyField::Instances => instances = map.next_value_seed(MembersSeed { member: self.member })?,
                SafetyField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let safe = safe.ok_or_else(|| de::Error::missing_field("safe"))?;
        Ok(SafetyDoc { safe, migrations_pending, backups_in_sync, state, instances })
    }
}

struct MembersSeed<'m> {
    member: Option<&'m str>,
}

impl<'de, 'm> DeserializeSeed<'de> for MembersSeed<'m> {
    type Value = Vec<InstanceSafetyDoc<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, 'm> Visitor<'de> for MembersSeed<'m> {
    type Value = Vec<InstanceSafetyDoc<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of members")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut found = Vec::new();
        match self.member {
            None => while seq.next_element::<IgnoredAny>()?.is_some() {},
            Some(member) => {
                while let Some(entry) = seq.next_element_seed(MemberSeed { member })? {
                    found.extend(entry);
                }
            }
        }
        Ok(found)
    }
}

struct MemberSeed<'m> {
    member: &'m str,
}

impl<'de, 'm> DeserializeSeed<'de> for MemberSeed<'m> {
    type Value = Option<InstanceSafetyDoc<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, 'm> Visitor<'de> for MemberSeed<'m> {
    type Value = Option<InstanceSafetyDoc<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member entry")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut name, mut safe, mut migrations_pending) = (None, None, None);
        // Once the name says the entry is another member's, the rest is skipped unread (what makes reading a
        // 10,000-member answer about half as costly as building every entry).
        let mut someone_else = false;
        while let Some(field) = map.next_key_seed(TextSeed)? {
            match field.as_ref() {
                _ if someone_else => {
                    map.next_value::<IgnoredAny>()?;
                }
                "name" => {
                    let text = map.next_value_seed(TextSeed)?;
                    someone_else = text != self.member;
                    name = Some(text);
                }
                "safe" => safe = Some(map.next_value::<bool>()?),
                "migrationsPending" => migrations_pending = map.next_value::<Option<u64>>()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // Another member's entry is not read further: its fields are not this node's business.
        let name = match name {
            Some(name) if name == self.member => name,
            Some(_) => return Ok(None),
            None => return Err(de::Error::missing_field("name")),
        };
        let safe = safe.ok_or_else(|| de::Error::missing_field("safe"))?;
        Ok(Some(InstanceSafetyDoc { name, safe, migrations_pending }))
    }
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
        assert!(parse_safety(r#"{"safe":"yes"}"#, None).is_err());
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
