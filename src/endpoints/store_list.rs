//! Listing the stores the targeted managers know (`GET /admin/v1/stores`, an extension: docs/manager-api.md,
//! "List the stores"). Every targeted manager is asked, in order, each with its share of the time left; the names
//! are merged (a store several managers know is listed once). A manager that does not answer costs only its own
//! share: the others' lists still come back, and the answer says which managers were left out.
use crate::deadline::{CancelToken, Deadline};
use crate::error::{DkvError, ErrorKind};
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Admitted, Gate};
use crate::net::transport::{CallError, Logger, Transport};
use crate::net::wire;
use serde::Deserialize;
use std::collections::HashSet;
use std::time::Duration;

pub const LIST_PATH: &str = "/admin/v1/stores";

/// The most stores one manager's list may name. A cluster with more stores than this is far beyond what an
/// operator reads in a console, and a list this long is far likelier to be a runaway answer; the body cap of the
/// transport (MAX_BODY_BYTES) bounds the bytes before this bounds the names.
pub const MAX_LISTED_STORES: usize = 10_000;

/// The least time one manager gets to answer when several share the budget (as discovery's).
const LIST_FLOOR: Duration = Duration::from_secs(1);

/// The merged list: names in the order first seen (the first answering manager's order, then names only later
/// managers know), and the managers whose list is missing from it, each with the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreList {
    pub names: Vec<String>,
    pub unanswered: Vec<String>,
}

#[derive(Deserialize)]
struct ListDoc {
    stores: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
}

/// Reads one manager's answer: `{"stores": [{"name": "..."}, ...]}`, at most MAX_LISTED_STORES names, none empty.
pub fn parse_list(body: &str) -> Result<Vec<String>, String> {
    let doc: ListDoc = serde_json::from_str(body).map_err(|e| {
        format!("the store list is not of the form {{\"stores\": [{{\"name\": \"...\"}}, ...]}} ({})", e)
    })?;
    if doc.stores.len() > MAX_LISTED_STORES {
        return Err(format!(
            "the store list names {} stores, more than the {} the tooling reads; name the store instead \
             (Get-DkvStore -Name <store>)",
            doc.stores.len(),
            MAX_LISTED_STORES
        ));
    }
    if doc.stores.iter().any(|e| e.name.trim().is_empty()) {
        return Err("the store list has an entry with an empty name".to_string());
    }
    Ok(doc.stores.into_iter().map(|e| e.name).collect())
}

/// A status that means "this manager has no store-list endpoint" (as for the other extensions).
fn lacks_endpoint(status: u16) -> bool {
    matches!(status, 404 | 405 | 501)
}

pub fn list_stores(
    transport: &Transport,
    managers: &[ManagerEndpoint],
    deadline: &Deadline,
    cancel: &CancelToken,
    gate: &dyn Gate,
    log: Logger,
) -> Result<StoreList, DkvError> {
    let cancelled = || DkvError::new(ErrorKind::Cancelled, "Cancelled while listing the stores.");
    let mut list = StoreList::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut answered = 0;
    let mut without_endpoint: Vec<String> = Vec::new();
    let mut timed_out = false;
    for (i, manager) in managers.iter().enumerate() {
        if cancel.is_cancelled() {
            return Err(cancelled());
        }
        if deadline.expired() {
            timed_out = true;
            list.unanswered.push(format!("{}: not asked, {}", manager, deadline.describe()));
            continue;
        }
        let attempt = deadline.share(managers.len() - i, LIST_FLOOR);
        let admit = || Admitted::ask(gate, false);
        let reason = match transport.call_admitted("GET", manager, LIST_PATH, None, || attempt, log, admit) {
            Ok(reply) if reply.status == 200 => match parse_list(&reply.body) {
                Ok(names) => {
                    answered += 1;
                    for name in names {
                        if seen.insert(name.clone()) {
                            list.names.push(name);
                        }
                    }
                    continue;
                }
                Err(problem) => problem,
            },
            Ok(reply) if lacks_endpoint(reply.status) => {
                without_endpoint.push(manager.display_name());
                format!("no store-list endpoint (HTTP {})", reply.status)
            }
            Ok(reply) => wire::error_text(reply.status, &reply.body),
            Err(CallError::Timeout) => {
                timed_out |= deadline.expired();
                format!("no answer within {}", attempt.budget_text())
            }
            Err(CallError::Failed(reason)) => reason,
            Err(CallError::OutOfTime) => {
                timed_out = true;
                format!("not asked, {}", deadline.describe())
            }
            Err(CallError::Cancelled) => return Err(cancelled()),
        };
        list.unanswered.push(format!("{}: {}", manager, reason));
    }
    if answered > 0 {
        return Ok(list);
    }
    if !managers.is_empty() && without_endpoint.len() == managers.len() {
        return Err(DkvError::new(
            ErrorKind::NotSupported,
            format!(
                "{} cannot list stores: {} no store-list endpoint (GET {} answered 404, 405 or 501). Name the store \
                 instead, e.g. Get-DkvStore -Name OrdersStore.",
                plural("Manager", "Managers", &without_endpoint),
                if without_endpoint.len() == 1 { "it has" } else { "they have" },
                LIST_PATH
            ),
        ));
    }
    let hint = if without_endpoint.is_empty() {
        ""
    } else {
        " Where a manager has no store-list endpoint, name the store instead, e.g. Get-DkvStore -Name OrdersStore."
    };
    if timed_out {
        return Err(DkvError::new(
            ErrorKind::Timeout,
            format!("{} listing the stores ({}).{}", deadline.describe(), list.unanswered.join("; "), hint),
        ));
    }
    Err(DkvError::new(
        ErrorKind::Unreachable,
        format!("No manager could list the stores: {}.{}", list.unanswered.join("; "), hint),
    ))
}

fn plural(one: &str, many: &str, names: &[String]) -> String {
    if names.len() == 1 {
        format!("{} {}", one, names[0])
    } else {
        format!("{} {}", many, names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_names_is_read() {
        let names = parse_list(r#"{"stores": [{"name": "OrdersStore", "extra": 1}, {"name": "CartStore"}]}"#);
        assert_eq!(names, Ok(vec!["OrdersStore".to_string(), "CartStore".to_string()]));
        assert_eq!(parse_list(r#"{"stores": []}"#), Ok(vec![]));
    }

    #[test]
    fn an_answer_that_is_not_a_list_is_refused_with_the_expected_form() {
        for body in [r#"{"stores": "OrdersStore"}"#, r#"["OrdersStore"]"#, r#"{"stores": [1]}"#, "", "null"] {
            let err = parse_list(body).unwrap_err();
            assert!(err.contains(r#"{"stores": [{"name": "..."}, ...]}"#), "{}: {}", body, err);
        }
        assert!(parse_list(r#"{"stores": [{"name": " "}]}"#).unwrap_err().contains("empty name"));
    }

    #[test]
    fn a_list_far_too_large_is_refused_naming_the_bound() {
        let entries: Vec<String> = (0..=MAX_LISTED_STORES).map(|i| format!(r#"{{"name":"s{}"}}"#, i)).collect();
        let body = format!(r#"{{"stores":[{}]}}"#, entries.join(","));
        let err = parse_list(&body).unwrap_err();
        assert!(err.contains("10001 stores, more than the 10000"), "{}", err);
        let entries: Vec<String> = (0..MAX_LISTED_STORES).map(|i| format!(r#"{{"name":"s{}"}}"#, i)).collect();
        assert_eq!(parse_list(&format!(r#"{{"stores":[{}]}}"#, entries.join(","))).map(|n| n.len()), Ok(10_000));
    }
}
