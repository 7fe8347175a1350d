//! The audit trail of stops, starts and restarts (docs/manager-api.md, "Audit trail"): when an audit log is set
//! (`Targets::with_audit`, DkvStopOptions.audit_log, or the environment variable CLUSTRON_DKV_AUDIT_LOG), every
//! operation appends one JSON line when it begins (after discovery and planning, before its first changing
//! request: so the line names the nodes it will touch) and one when it ends, tied by an operation id.
//!
//! Why the library writes it and not the module: C callers get the same trail, and the line is written at the
//! one place that knows both what will be touched and that nothing has been sent yet.
//!
//! Lines never interleave or tear between processes: each line is one `write` on a file opened with O_APPEND
//! (FILE_APPEND_DATA on Windows), which the kernel appends as a unit on a local file system. The file is opened
//! anew for each line, so a rotated log (renamed away) is followed.
use crate::error::{DkvError, ErrorKind};
use crate::net::session::Targets;
use crate::operation::request::StopRequest;
use crate::planning::plan::Plan;
use crate::results::{Action, ResultKind};
use serde_json::{json, Map, Value};
use std::collections::hash_map::RandomState;
use std::fs::OpenOptions;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The environment variable that names an audit log when the caller gives none.
pub const AUDIT_ENV: &str = "CLUSTRON_DKV_AUDIT_LOG";

/// Parameter names whose values are never written, whatever a caller passes: a credential has no place in a log
/// (compared case-insensitively, as substrings).
const SECRET_WORDS: [&str; 5] = ["credential", "password", "token", "secret", "authorization"];

/// What the caller asks to be recorded: where, and the command with its parameters as the caller bound them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditSettings {
    pub path: Option<PathBuf>,
    /// "Stop-DkvStore", "dkv_stop_begin", ...; None: "clustron_dkv <action>".
    pub command: Option<String>,
    /// A JSON object; None: the request's own settings (store, instances, flags, timeout).
    pub parameters: Option<Map<String, Value>>,
}

impl AuditSettings {
    /// Checks `parameters` (a JSON object, as text) and drops any secret-looking key.
    pub fn new(path: Option<PathBuf>, command: Option<String>, parameters: Option<&str>) -> Result<Self, DkvError> {
        let parameters =
            match parameters {
                None => None,
                Some(text) => match serde_json::from_str::<Value>(text) {
                    Ok(Value::Object(map)) => Some(without_secrets(map)),
                    _ => return Err(DkvError::invalid(
                        "The audit parameters are not a JSON object; pass them as {\"Name\": \"OrdersStore\", ...} \
                         or leave them out.",
                    )),
                },
            };
        if let Some(path) = &path {
            if path.as_os_str().is_empty() {
                return Err(DkvError::invalid("The audit log path is empty. Name a file, or leave it out."));
            }
        }
        Ok(AuditSettings { path, command, parameters })
    }

    /// The log to write: the caller's, else CLUSTRON_DKV_AUDIT_LOG when it names one (not empty).
    fn resolved_path(&self) -> Option<PathBuf> {
        self.path.clone().or_else(|| match std::env::var_os(AUDIT_ENV) {
            Some(value) if !value.is_empty() => Some(PathBuf::from(value)),
            _ => None,
        })
    }
}

fn without_secrets(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter()
        .filter(|(key, _)| {
            let key = key.to_ascii_lowercase();
            !SECRET_WORDS.iter().any(|w| key.contains(w))
        })
        .collect()
}

/// One operation's audit: its id, the lines' common fields, and whether its opening line was written.
pub(super) struct AuditRun {
    path: PathBuf,
    id: String,
    started: Instant,
    common: Map<String, Value>,
    reason: Option<String>,
    began: bool,
}

impl AuditRun {
    /// None when no audit log is set. Checks now, before anything is sent, that the log can be appended to (its
    /// folder exists, it is a file this process may write): an operator who set up an audit trail expects nothing
    /// to happen unrecorded.
    pub(super) fn prepare(
        targets: &Targets,
        request: &StopRequest,
        action: Action,
        settings: &AuditSettings,
    ) -> Result<Option<AuditRun>, DkvError> {
        let reason = targets.reason.clone();
        let path = match settings.resolved_path() {
            Some(path) => path,
            None => return Ok(None),
        };
        open_for_append(&path).map_err(|e| unwritable(&path, &e, "nothing was sent"))?;
        let command = settings.command.clone().unwrap_or_else(|| format!("clustron_dkv {}", action.noun()));
        let parameters = settings.parameters.clone().unwrap_or_else(|| request_parameters(request, targets));
        let managers = targets.managers.iter().map(|m| Value::String(m.display_name())).collect();
        let mut common = Map::new();
        common.insert("user".into(), Value::String(user()));
        common.insert("machine".into(), Value::String(machine()));
        common.insert("processId".into(), json!(std::process::id()));
        common.insert("command".into(), Value::String(command));
        common.insert("parameters".into(), Value::Object(parameters));
        common.insert("managers".into(), Value::Array(managers));
        common.insert("store".into(), Value::String(request.store.clone()));
        let run = AuditRun { path, id: operation_id(), started: Instant::now(), common, reason, began: false };
        Ok(Some(run))
    }

    /// The opening line, naming the nodes the plan will touch (and those it skips). An error means nothing may be
    /// sent.
    pub(super) fn begin(&mut self, plan: Option<&Plan>) -> Result<(), DkvError> {
        let mut line = self.line("begin");
        let (nodes, skipped) = match plan {
            Some(plan) => (
                plan.groups
                    .iter()
                    .flat_map(|g| {
                        let manager = g.endpoint.display_name();
                        g.nodes.iter().map(move |n| json!({"instance": n.name, "manager": manager}))
                    })
                    .collect(),
                plan.skipped.iter().map(|s| json!({"instance": s.instance, "reason": s.reason})).collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        line.insert("nodes".into(), Value::Array(nodes));
        line.insert("skipped".into(), Value::Array(skipped));
        self.write(&line).map_err(|e| unwritable(&self.path, &e, "nothing was sent"))?;
        self.began = true;
        Ok(())
    }

    /// The closing line: every node with its result and whether its request was sent, the duration, the outcome.
    /// Writes the opening line first when the operation ended before it (discovery failed, a cancel): every
    /// attempt is recorded. Returns a warning when the line could not be written.
    pub(super) fn end(&mut self, ending: &Ending) -> Option<String> {
        if !self.began {
            if let Err(e) = self.begin(None) {
                return Some(e.message);
            }
        }
        let mut line = self.line("end");
        let nodes: Vec<Value> = ending.nodes.iter().map(node_line).collect();
        line.insert("durationMs".into(), json!(self.started.elapsed().as_millis() as u64));
        line.insert("outcome".into(), Value::String(outcome(ending).to_string()));
        if let Some(error) = ending.error {
            line.insert("error".into(), Value::String(error.message.clone()));
        }
        line.insert("nodes".into(), Value::Array(nodes));
        match self.write(&line) {
            Ok(()) => None,
            Err(e) => Some(format!(
                "the closing line of operation {} could not be written to the audit log '{}' ({}); its opening line \
                 was written, and the operation's rows are as shown",
                self.id,
                self.path.display(),
                e
            )),
        }
    }

    fn line(&self, event: &str) -> Map<String, Value> {
        let mut line = Map::new();
        line.insert("event".into(), Value::String(event.to_string()));
        line.insert("operationId".into(), Value::String(self.id.clone()));
        line.insert("time".into(), Value::String(utc_now()));
        for (key, value) in &self.common {
            line.insert(key.clone(), value.clone());
        }
        line.insert("reason".into(), self.reason.clone().map_or(Value::Null, Value::String));
        line
    }

    fn write(&self, line: &Map<String, Value>) -> std::io::Result<()> {
        append_line(&self.path, &Value::Object(line.clone()))
    }
}

/// Appends `line` and a newline to the file at `path` (created if missing) in one `write` on an O_APPEND handle:
/// lines of several processes never interleave or tear. A short write (a full disk) is an error, not a second
/// write that another process's line could come between.
pub fn append_line(path: &Path, line: &Value) -> std::io::Result<()> {
    // serde_json escapes every control character, so the line is one line.
    let mut bytes = line.to_string().into_bytes();
    bytes.push(b'\n');
    let mut file = open_for_append(path)?;
    let written = file.write(&bytes)?;
    if written != bytes.len() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::WriteZero,
            format!("only {} of {} bytes were written", written, bytes.len()),
        ));
    }
    Ok(())
}

/// What the closing line records of an operation that ended: its nodes, its error, the kinds of its rows (the
/// operation's state hands it over, so this module needs none of its types).
pub(super) struct Ending<'a> {
    pub(super) nodes: Vec<NodeEnd<'a>>,
    pub(super) error: Option<&'a DkvError>,
    pub(super) kinds: Vec<ResultKind>,
}

/// One node as it ended, and whether its request was sent.
pub(super) struct NodeEnd<'a> {
    pub(super) instance: &'a str,
    pub(super) manager: &'a str,
    pub(super) kind: Option<ResultKind>,
    pub(super) message: &'a str,
    pub(super) sent: bool,
}

fn node_line(node: &NodeEnd) -> Value {
    json!({
        "instance": node.instance,
        "manager": node.manager,
        "result": node.kind.map_or("NOT FINISHED", |k| k.label()),
        "message": node.message,
        "requestSent": node.sent,
    })
}

fn outcome(ending: &Ending) -> &'static str {
    use crate::results::ResultKind::*;
    match ending.error {
        Some(e) if e.kind == ErrorKind::Cancelled => return "cancelled",
        Some(e) if e.kind == ErrorKind::Timeout => return "timed out",
        Some(_) => return "failed",
        None => {}
    }
    let kinds = &ending.kinds;
    if kinds.contains(&Failed) {
        "failed"
    } else if kinds.contains(&Timeout) {
        "timed out"
    } else if kinds.contains(&Cancelled) {
        "cancelled"
    } else {
        "succeeded"
    }
}

fn open_for_append(path: &Path) -> std::io::Result<std::fs::File> {
    OpenOptions::new().append(true).create(true).open(path)
}

fn unwritable(path: &Path, err: &std::io::Error, consequence: &str) -> DkvError {
    let fix = if err.kind() == std::io::ErrorKind::NotFound {
        "create its folder, or name another file"
    } else {
        "make it writable for this user, or name another file"
    };
    DkvError::new(
        ErrorKind::InvalidArgument,
        format!(
            "The audit log '{}' cannot be written ({}); {}. The log is set by -AuditLog of Connect-DkvManager or {}: \
             {}.",
            path.display(),
            err,
            consequence,
            AUDIT_ENV,
            fix
        ),
    )
}

/// The request's own settings, for callers that pass no parameters of their own.
fn request_parameters(request: &StopRequest, targets: &Targets) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("store".into(), Value::String(request.store.clone()));
    map.insert("instances".into(), request.instances.as_ref().map_or(Value::Null, |list| json!(list)));
    map.insert("force".into(), Value::Bool(request.force));
    map.insert("parallel".into(), Value::Bool(request.parallel));
    map.insert("failFast".into(), Value::Bool(request.fail_fast));
    map.insert("throttle".into(), json!(request.throttle));
    map.insert("nodeTimeoutSec".into(), request.node_timeout.map_or(Value::Null, |t| json!(t.as_secs())));
    map.insert("timeoutSec".into(), json!(targets.timeout.as_secs()));
    map
}

/// A random 128-bit id in the UUID text form (version 4 bits set), from the process's randomly seeded hasher.
fn operation_id() -> String {
    let word = |salt: u64| {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(salt);
        h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        h.finish()
    };
    let (a, b) = (word(1), word(2));
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x4000;
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// Now in UTC, ISO 8601 with milliseconds: 2026-12-08T00:12:44.123Z.
fn utc_now() -> String {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    utc_text(since.as_secs() as i64, since.subsec_millis())
}

fn utc_text(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        year,
        month,
        day,
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        millis
    )
}

/// The user: DOMAIN\user on Windows, the login name elsewhere (with the uid, which names the account even when
/// the name variables are missing or set by hand).
fn user() -> String {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    #[cfg(windows)]
    {
        let name = var("USERNAME").unwrap_or_else(|| "?".to_string());
        match var("USERDOMAIN") {
            Some(domain) => format!("{}\\{}", domain, name),
            None => name,
        }
    }
    #[cfg(not(windows))]
    {
        // SAFETY: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() };
        let name = var("USER").or_else(|| var("LOGNAME")).unwrap_or_else(|| "?".to_string());
        format!("{} (uid {})", name, uid)
    }
}

fn machine() -> String {
    #[cfg(windows)]
    {
        std::env::var("COMPUTERNAME").unwrap_or_else(|_| "?".to_string())
    }
    #[cfg(not(windows))]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is writable for its length; gethostname NUL-terminates within it or we stop at its end.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
        if rc != 0 {
            return "?".to_string();
        }
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_text_is_iso_8601() {
        assert_eq!(utc_text(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(utc_text(951_782_400, 7), "2000-02-29T00:00:00.007Z");
        assert_eq!(utc_text(1_796_689_964, 123), "2026-12-08T00:32:44.123Z");
    }

    #[test]
    fn operation_ids_are_uuid_shaped_and_differ() {
        let (a, b) = (operation_id(), operation_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn secret_parameters_are_dropped_and_a_non_object_is_refused() {
        let s = AuditSettings::new(None, None, Some(r#"{"Name":"OrdersStore","Credential":"x","BearerToken":"y"}"#))
            .unwrap();
        assert_eq!(s.parameters.unwrap().keys().cloned().collect::<Vec<_>>(), vec!["Name".to_string()]);
        assert!(AuditSettings::new(None, None, Some("[1]")).is_err());
        assert!(AuditSettings::new(Some(PathBuf::new()), None, None).is_err());
    }
}
