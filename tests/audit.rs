//! The audit trail (docs/manager-api.md, "Audit trail"; src/operation/audit.rs): an opening line naming the
//! nodes before anything changes and a closing line with every node's result, tied by one operation id; an
//! unwritable log refuses the operation before anything is sent; an unwritable closing line is a warning; lines
//! from several processes at once never interleave or tear; CLUSTRON_DKV_AUDIT_LOG when no log is given; the C
//! ABI's options carry it.
mod support;

use clustron_dkv::operation::audit::{append_line, AuditSettings, AUDIT_ENV};
use clustron_dkv::{Action, ErrorKind, Operation, ResultKind};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::*;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dkv-audit-{}-{}", std::process::id(), name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON line ({}): {}", e, l)))
        .collect()
}

fn settings(path: &Path) -> AuditSettings {
    AuditSettings::new(
        Some(path.to_path_buf()),
        Some("Stop-DkvStore".to_string()),
        Some(r#"{"Name":"OrdersStore","Reason":"CHG-1","Credential":"hunter2","Token":"abc"}"#),
    )
    .unwrap()
}

#[test]
fn a_stop_writes_an_opening_line_naming_its_nodes_and_a_closing_line_with_their_results() {
    let m = demo_on(235, |_| {});
    let dir = scratch("stop");
    let log = dir.join("audit.jsonl");
    let targets = targets(&m, 20).with_reason(Some("  CHG-1: patch  ")).unwrap();
    let rows = Operation::run_change(targets, request("OrdersStore"), Action::Stop, &settings(&log)).unwrap();
    assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
    let written = lines(&log);
    assert_eq!(written.len(), 2, "{:?}", written);
    let (begin, end) = (&written[0], &written[1]);
    assert_eq!(begin["event"], "begin");
    assert_eq!(end["event"], "end");
    assert_eq!(begin["operationId"], end["operationId"]);
    assert_eq!(begin["operationId"].as_str().unwrap().len(), 36);
    for line in [begin, end] {
        assert_eq!(line["command"], "Stop-DkvStore");
        assert_eq!(line["store"], "OrdersStore");
        assert_eq!(line["reason"], "CHG-1: patch");
        assert_eq!(line["processId"], json!(std::process::id()));
        assert!(line["user"].as_str().unwrap().contains("(uid "), "{}", line["user"]);
        assert!(!line["machine"].as_str().unwrap().is_empty());
        let time = line["time"].as_str().unwrap();
        assert!(time.len() == 24 && time.ends_with('Z') && &time[10..11] == "T", "{}", time);
        assert_eq!(line["parameters"], json!({"Name": "OrdersStore", "Reason": "CHG-1"}), "secrets are dropped");
        assert_eq!(line["managers"].as_array().unwrap().len(), 3);
    }
    let planned: Vec<&str> =
        begin["nodes"].as_array().unwrap().iter().map(|n| n["instance"].as_str().unwrap()).collect();
    assert_eq!(planned, vec!["orders-1", "orders-2", "orders-3"]);
    assert_eq!(begin["nodes"][1]["manager"], format!("{}:{}", host(235, 1), m.port()));
    assert_eq!(end["outcome"], "succeeded");
    assert!(end["durationMs"].as_u64().is_some());
    for node in end["nodes"].as_array().unwrap() {
        assert_eq!(node["result"], "SUCCESS", "{}", node);
        assert_eq!(node["requestSent"], true, "{}", node);
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("hunter2") && !text.contains("abc\""), "a secret reached the log");
}

#[test]
fn an_audit_log_that_cannot_be_written_refuses_the_operation_before_anything_is_sent() {
    let m = demo_on(236, |_| {});
    let dir = scratch("unwritable");
    for path in [dir.join("missing-folder").join("audit.jsonl"), dir.clone()] {
        let err = Operation::begin_change(targets(&m, 10), request("OrdersStore"), Action::Stop, &settings(&path))
            .err()
            .expect("refused");
        assert_eq!(err.kind, ErrorKind::InvalidArgument);
        assert!(
            err.message.starts_with(&format!("The audit log '{}' cannot be written (", path.display())),
            "{}",
            err.message
        );
        assert!(err.message.contains("nothing was sent"), "{}", err.message);
        assert!(err.message.contains(AUDIT_ENV), "{}", err.message);
    }
    assert!(m.requests().is_empty(), "nothing was sent");
}

#[test]
fn an_operation_that_fails_before_its_plan_is_recorded_too() {
    let m = demo_on(237, |_| {});
    let log = scratch("notfound").join("audit.jsonl");
    let err = Operation::run_change(targets(&m, 10), request("NoSuchStore"), Action::Start, &settings(&log)).err();
    assert_eq!(err.map(|e| e.kind), Some(ErrorKind::StoreNotFound));
    let written = lines(&log);
    assert_eq!(written.len(), 2);
    assert_eq!(written[0]["nodes"], json!([]));
    assert_eq!(written[1]["outcome"], "failed");
    assert!(written[1]["error"].as_str().unwrap().contains("NoSuchStore"));
}

#[test]
fn a_cancelled_stop_says_which_requests_were_sent() {
    let m = demo_on(238, |c| c.migration_ms_per_partition = 400);
    let log = scratch("cancel").join("audit.jsonl");
    let mut one = request("OrdersStore");
    one.instances = Some(vec!["orders-1".to_string(), "orders-2".to_string()]);
    let op = Operation::begin_change(targets(&m, 30), one, Action::Stop, &settings(&log)).unwrap();
    let until = Instant::now() + Duration::from_secs(5);
    while posts(&m.requests()).is_empty() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    op.cancel();
    assert!(op.wait(Some(Duration::from_secs(2))));
    let written = lines(&log);
    assert_eq!(written.len(), 2, "{:?}", written);
    let end = &written[1];
    assert_eq!(end["outcome"], "cancelled");
    let sent: Vec<(String, bool)> = end["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["instance"].as_str().unwrap().to_string(), n["requestSent"].as_bool().unwrap()))
        .collect();
    assert_eq!(sent, vec![("orders-1".to_string(), true), ("orders-2".to_string(), false)]);
}

#[test]
fn a_closing_line_that_cannot_be_written_is_a_warning_and_the_rows_stand() {
    let m = demo_on(239, |c| c.migration_ms_per_partition = 100);
    let dir = scratch("closing");
    let log = dir.join("audit.jsonl");
    let op = Operation::begin_change(targets(&m, 30), request("OrdersStore"), Action::Stop, &settings(&log)).unwrap();
    let until = Instant::now() + Duration::from_secs(5);
    while lines(&log).is_empty() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    // The log is moved away and a folder takes its name: the closing line cannot be appended (even as root).
    std::fs::rename(&log, dir.join("rotated.jsonl")).unwrap();
    std::fs::create_dir(&log).unwrap();
    assert!(op.wait(Some(Duration::from_secs(30))));
    let rows = op.results().unwrap();
    assert!(rows.iter().all(|r| r.kind == ResultKind::Success), "{:?}", rows);
    let warnings: Vec<String> = op.progress(0).log.into_iter().filter(|l| l.starts_with("WARNING: ")).collect();
    assert_eq!(warnings.len(), 1, "{:?}", warnings);
    assert!(warnings[0].contains("the closing line of operation"), "{}", warnings[0]);
    assert!(warnings[0].contains(&log.display().to_string()), "{}", warnings[0]);
    assert_eq!(lines(&dir.join("rotated.jsonl")).len(), 1, "the opening line is where it was written");
}

/// Several processes append at once: 6 children x 300 lines of ~6 KB each (larger than a pipe buffer's atomic
/// size, so a torn write would show). Every line must come back whole and parse, none missing.
#[test]
fn lines_of_several_processes_writing_at_once_never_interleave_or_tear() {
    const CHILDREN: usize = 6;
    const LINES: usize = 300;
    let dir = scratch("concurrent");
    let log = dir.join("audit.jsonl");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<std::process::Child> = (0..CHILDREN)
        .map(|i| {
            std::process::Command::new(&exe)
                .args(["--ignored", "--exact", "audit_writer_child", "--test-threads", "1", "-q"])
                .env("DKV_AUDIT_CHILD", format!("{}|{}|{}", log.display(), i, LINES))
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("a child starts")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let text = std::fs::read_to_string(&log).unwrap();
    let mut seen = vec![0usize; CHILDREN];
    for line in text.lines() {
        let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("a torn line ({}): {:.80}", e, line));
        let child = value["child"].as_u64().unwrap() as usize;
        let fill = value["fill"].as_str().unwrap();
        assert!(fill.len() == 6000 && fill.bytes().all(|b| b == b'a' + child as u8), "mixed content");
        seen[child] += 1;
    }
    assert_eq!(seen, vec![LINES; CHILDREN]);
}

/// The writer of the test above, run in child processes only.
#[test]
#[ignore]
fn audit_writer_child() {
    let spec = match std::env::var("DKV_AUDIT_CHILD") {
        Ok(spec) => spec,
        Err(_) => return,
    };
    let parts: Vec<&str> = spec.split('|').collect();
    let (path, child, count): (&str, u8, usize) = (parts[0], parts[1].parse().unwrap(), parts[2].parse().unwrap());
    let fill = String::from_utf8(vec![b'a' + child; 6000]).unwrap();
    for i in 0..count {
        append_line(Path::new(path), &json!({"child": child, "i": i, "fill": fill})).unwrap();
    }
}

#[test]
fn the_environment_variable_names_the_log_when_the_caller_gives_none() {
    let m = demo_on(248, |_| {});
    let log = scratch("env").join("audit.jsonl");
    std::env::set_var(AUDIT_ENV, &log);
    let mut one = request("OrdersStore");
    one.instances = Some(vec!["orders-3".to_string()]);
    one.force = true;
    let rows = Operation::run(targets(&m, 10), one);
    std::env::remove_var(AUDIT_ENV);
    assert!(rows.is_ok());
    let written = lines(&log);
    assert_eq!(written.len(), 2);
    assert_eq!(written[0]["command"], "clustron_dkv stop");
    assert_eq!(written[0]["parameters"]["force"], true);
    assert_eq!(written[0]["parameters"]["instances"], json!(["orders-3"]));
    assert_eq!(written[0]["reason"], Value::Null);
}
