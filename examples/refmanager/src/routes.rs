//! Maps requests to the cluster model: the manager API of docs/manager-api.md and the `/_control` endpoints.
use super::faults::Fault;
use super::http::{percent_decode, Request, Response};
use super::model::{Cluster, StartOutcome, StopOutcome, Store, StoreState};
use super::Shared;
use serde_json::{json, Value};

pub fn is_control(path: &str) -> bool {
    path == "/_control" || path.starts_with("/_control/")
}

/// Splits the raw path into segments and decodes each one, so `%2F` stays inside its segment.
fn segments(path: &str) -> Result<Vec<String>, Response> {
    path.split('/')
        .skip(1)
        .map(|segment| percent_decode(segment).map_err(|msg| Response::error(400, "BadRequest", &msg)))
        .collect()
}

fn method_not_allowed(allowed: &str) -> Response {
    let mut response = Response::error(405, "MethodNotAllowed", &format!("allowed methods: {allowed}"));
    response.extra_headers.push(("Allow".to_string(), allowed.to_string()));
    response
}

fn not_found(path: &str) -> Response {
    Response::error(404, "NotFound", &format!("no such endpoint: {path}"))
}

fn store_not_found(store: &str) -> Response {
    Response::error(404, "StoreNotFound", &format!("store '{store}' not found"))
}

pub(crate) fn handle_admin(shared: &Shared, host_index: usize, request: &Request) -> Response {
    let segments = match segments(&request.path) {
        Ok(segments) => segments,
        Err(response) => return response,
    };
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method.as_str();
    match parts.as_slice() {
        ["admin", "v1", "stores"] if shared.list_endpoint() => match method {
            "GET" => list_stores(shared),
            _ => method_not_allowed("GET"),
        },
        ["admin", "v1", "stores", store] => match method {
            "GET" => get_store(shared, store),
            _ => method_not_allowed("GET"),
        },
        ["admin", "v1", "stores", store, "safety"] if shared.safety_endpoint() => match method {
            "GET" => get_safety(shared, store),
            _ => method_not_allowed("GET"),
        },
        ["admin", "v1", "stores", store, "state"] if shared.state_endpoint() => match method {
            "GET" => get_state(shared, store),
            "PUT" => put_state(shared, store, &request.body),
            _ => method_not_allowed("GET, PUT"),
        },
        ["admin", "v1", "stores", store, "instances", instance, "stop"] => match method {
            "POST" => stop(shared, host_index, store, instance, request),
            _ => method_not_allowed("POST"),
        },
        ["admin", "v1", "stores", store, "instances", instance, "start"] if shared.start_endpoint() => match method {
            "POST" => start(shared, host_index, store, instance),
            _ => method_not_allowed("POST"),
        },
        _ => not_found(&request.path),
    }
}

/// A read-only view of one store as JSON, or the manager's 404 when the store is unknown.
fn read_store(shared: &Shared, store: &str, view: impl FnOnce(&Store) -> Value) -> Response {
    let mut cluster = shared.cluster();
    let now = shared.now_ms();
    match cluster.store(store, now) {
        Some(store) => Response::json(200, &view(store)),
        None => store_not_found(store),
    }
}

/// `GET /admin/v1/stores`: every store of the cluster, by name (docs/manager-api.md, "List the stores").
fn list_stores(shared: &Shared) -> Response {
    let names = shared.cluster().store_names();
    let stores: Vec<Value> = names.iter().map(|name| json!({ "name": name })).collect();
    Response::json(200, &json!({ "stores": stores }))
}

fn get_store(shared: &Shared, store: &str) -> Response {
    read_store(shared, store, |s| s.to_json())
}

fn get_safety(shared: &Shared, store: &str) -> Response {
    read_store(shared, store, |s| s.safety_json())
}

fn get_state(shared: &Shared, store: &str) -> Response {
    read_store(shared, store, |s| json!({"state": s.state().as_str()}))
}

fn put_state(shared: &Shared, store: &str, body: &[u8]) -> Response {
    let state = match parse_state_body(body) {
        Ok(state) => state,
        Err(response) => return response,
    };
    let mut cluster = shared.cluster();
    let now = shared.now_ms();
    match cluster.store(store, now) {
        Some(store) => {
            store.set_state(state, now);
            Response::json(200, &json!({"state": store.state().as_str()}))
        }
        None => store_not_found(store),
    }
}

fn parse_state_body(body: &[u8]) -> Result<StoreState, Response> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Response::error(400, "BadRequest", &format!("body is not JSON: {e}")))?;
    let text = value
        .get("state")
        .and_then(Value::as_str)
        .ok_or_else(|| Response::error(400, "BadRequest", "body must be {\"state\": \"Active\"|\"Passive\"}"))?;
    StoreState::parse(text).ok_or_else(|| {
        Response::error(400, "InvalidState", &format!("unknown state {text:?}: expected Active or Passive"))
    })
}

fn stop(shared: &Shared, host_index: usize, store_name: &str, instance: &str, request: &Request) -> Response {
    let force = match request.query_param("force").map(|v| v.to_ascii_lowercase()) {
        None => false,
        Some(v) if v == "true" || v == "1" => true,
        Some(v) if v == "false" || v == "0" || v.is_empty() => false,
        Some(v) => return Response::error(400, "BadRequest", &format!("invalid force value {v:?}")),
    };
    let mut cluster = shared.cluster();
    let now = shared.now_ms();
    let (store, node) = match hosted_instance(shared, &mut cluster, host_index, store_name, instance, now) {
        Ok(found) => found,
        Err(response) => return response,
    };
    match store.stop(node, force, now) {
        StopOutcome::Stopped => {
            Response::json(200, &json!({"instance": instance, "status": "Stopped", "message": "Stopped"}))
        }
        StopOutcome::Stopping { migrations_remaining, message } => Response::json(
            202,
            &json!({"instance": instance, "status": "Stopping", "message": message,
                    "migrationsRemaining": migrations_remaining}),
        ),
        StopOutcome::AlreadyStopped => Response::error(
            409,
            "AlreadyStopped",
            &format!("instance '{instance}' of store '{store_name}' is already stopped"),
        ),
    }
}

fn start(shared: &Shared, host_index: usize, store_name: &str, instance: &str) -> Response {
    let mut cluster = shared.cluster();
    let now = shared.now_ms();
    let (store, node) = match hosted_instance(shared, &mut cluster, host_index, store_name, instance, now) {
        Ok(found) => found,
        Err(response) => return response,
    };
    match store.start(node, now) {
        StartOutcome::Starting => Response::json(
            202,
            &json!({"instance": instance, "status": "Starting", "message": "Starting: rejoining the cluster"}),
        ),
        StartOutcome::AlreadyRunning => Response::error(
            409,
            "AlreadyRunning",
            &format!("instance '{instance}' of store '{store_name}' is already running"),
        ),
        StartOutcome::StillStopping => Response::error(
            409,
            "InstanceStopping",
            &format!("instance '{instance}' of store '{store_name}' is still stopping; start it once it is Stopped"),
        ),
    }
}

/// The store and the index of one of its instances that this manager hosts, or the manager's 404.
fn hosted_instance<'c>(
    shared: &Shared,
    cluster: &'c mut Cluster,
    host_index: usize,
    store_name: &str,
    instance: &str,
    now: u64,
) -> Result<(&'c mut Store, usize), Response> {
    let host = &shared.hosts()[host_index];
    let store = cluster.store(store_name, now).ok_or_else(|| store_not_found(store_name))?;
    let node = store.find(instance).ok_or_else(|| {
        let message = format!(
            "store '{store_name}' has no instance '{instance}' (instances: {})",
            store.instance_names().join(", ")
        );
        Response::error(404, "InstanceNotFound", &message)
    })?;
    if !same_machine(store.server(node), host) {
        let message = format!("instance '{instance}' runs on {}, not on this manager ({host})", store.server(node));
        return Err(Response::error(404, "NotHosted", &message));
    }
    Ok((store, node))
}

pub(crate) fn handle_control(shared: &Shared, request: &Request) -> Response {
    let segments = match segments(&request.path) {
        Ok(segments) => segments,
        Err(response) => return response,
    };
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method.as_str();
    match (parts.as_slice(), method) {
        (["_control", "log"], "GET") => match serde_json::to_value(shared.log_snapshot()) {
            Ok(log) => Response::json(200, &log),
            Err(e) => Response::error(500, "Internal", &e.to_string()),
        },
        (["_control", "log", "clear"], "POST") => Response::json(200, &json!({"cleared": shared.clear_log()})),
        (["_control", "cpu"], "GET") => match process_cpu_ms() {
            Some(ms) => Response::json(200, &json!({"cpuMs": ms})),
            None => Response::error(500, "Internal", &std::io::Error::last_os_error().to_string()),
        },
        // The clock of the log's startMs/endMs, so a test in another process can place its own moments on it.
        (["_control", "clock"], "GET") => Response::json(200, &json!({"nowMs": shared.now_ms()})),
        (["_control", "fault"], "POST") => set_fault(shared, &request.body),
        (["_control", "reset"], "POST") => {
            shared.cluster().reset();
            shared.clear_faults();
            Response::json(200, &json!({"reset": true}))
        }
        (["_control", "accounting", store], "GET") => {
            let mut cluster = shared.cluster();
            let now = shared.now_ms();
            match cluster.store(store, now).map(|s| serde_json::to_value(s.accounting())) {
                Some(Ok(value)) => Response::json(200, &value),
                Some(Err(e)) => Response::error(500, "Internal", &e.to_string()),
                None => store_not_found(store),
            }
        }
        (["_control", "instances", store], "GET") => {
            let mut cluster = shared.cluster();
            let now = shared.now_ms();
            match cluster.store(store, now) {
                Some(store) => Response::json(200, &store.instances_json()),
                None => store_not_found(store),
            }
        }
        (["_control", "state", store], "POST") => {
            let state = match parse_state_body(&request.body) {
                Ok(state) => state,
                Err(response) => return response,
            };
            let mut cluster = shared.cluster();
            let now = shared.now_ms();
            match cluster.store(store, now) {
                Some(store) => {
                    store.set_state(state, now);
                    Response::json(200, &json!({"state": store.state().as_str()}))
                }
                None => store_not_found(store),
            }
        }
        (["_control", "log"], _)
        | (["_control", "clock"], _)
        | (["_control", "cpu"], _)
        | (["_control", "accounting", _], _)
        | (["_control", "instances", _], _) => method_not_allowed("GET"),
        (["_control", "log", "clear"], _)
        | (["_control", "fault"], _)
        | (["_control", "reset"], _)
        | (["_control", "state", _], _) => method_not_allowed("POST"),
        _ => not_found(&request.path),
    }
}

fn set_fault(shared: &Shared, body: &[u8]) -> Response {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => return Response::error(400, "BadRequest", &format!("body is not JSON: {e}")),
    };
    let (host, fault) = match (value.get("host").and_then(Value::as_str), value.get("fault").and_then(Value::as_str)) {
        (Some(host), Some(fault)) => (host, fault),
        _ => return Response::error(400, "BadRequest", "body must be {\"host\": \"...\", \"fault\": \"...\"}"),
    };
    let fault: Fault = match fault.parse() {
        Ok(fault) => fault,
        Err(message) => return Response::error(400, "InvalidFault", &message),
    };
    match shared.host_index(host) {
        Some(index) => {
            shared.set_fault(index, fault);
            Response::json(200, &json!({"host": shared.hosts()[index], "fault": fault.to_string()}))
        }
        None => {
            Response::error(404, "UnknownHost", &format!("{host} is not one of the served hosts {:?}", shared.hosts()))
        }
    }
}

/// A node runs on this manager's machine when its server is this host's name, or resolves to this host's address
/// (a store may list `localhost` where the manager listens on 127.0.0.1, as real clusters mix names and addresses).
fn same_machine(server: &str, host: &str) -> bool {
    use std::net::ToSocketAddrs;
    if server.eq_ignore_ascii_case(host) {
        return true;
    }
    let resolve = |name: &str| -> Vec<std::net::IpAddr> {
        (name.trim_start_matches('[').trim_end_matches(']'), 0u16)
            .to_socket_addrs()
            .map(|addrs| addrs.map(|a| a.ip()).collect())
            .unwrap_or_default()
    };
    let ours = resolve(host);
    resolve(server).iter().any(|ip| ours.contains(ip))
}

/// User plus system CPU of this whole process (every thread, live or ended), in ms with microsecond resolution:
/// what the bench charges to the managers. /proc/PID/stat counts in clock ticks (10 ms), too coarse for a stop
/// of 100 nodes that costs the managers a few ms.
#[cfg(unix)]
fn process_cpu_ms() -> Option<f64> {
    // SAFETY: an all-zero rusage is a valid value; getrusage only writes into the struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    Some(ms(usage.ru_utime) + ms(usage.ru_stime))
}

#[cfg(not(unix))]
fn process_cpu_ms() -> Option<f64> {
    None
}
