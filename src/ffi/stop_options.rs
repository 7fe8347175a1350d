//! DkvStopOptions: what a stop, a start, a rolling restart (and their plan) is asked to do, read once from the caller's struct. `struct_size`
//! lets the struct grow: a caller built against an older header passes a smaller size and the fields it does not
//! know read as zero; a size larger than this library's, or a flag bit it does not know, is refused with a message
//! that names the fix, since silently ignoring a newer caller's settings could stop what it did not mean to.
use super::boundary::{optional_port, optional_timeout, read_managers, read_optional_str, read_str};
use super::codes::*;
use super::session::DkvSession;
use crate::error::DkvError;
use crate::net::session::{Session, Targets};
use crate::operation::audit::AuditSettings;
use crate::operation::stop::StopRequest;
use std::os::raw::c_char;
use std::path::PathBuf;

/// The settings of dkv_plan_begin, dkv_stop_begin and dkv_stop_store, and of starts too (dkv_start_begin,
/// dkv_start_store: the same selection, routing, managers, deadline, DKV_STOP_PARALLEL, DKV_STOP_FAIL_FAST and
/// throttle; DKV_STOP_FORCE is DKV_ERR_INVALID_ARGUMENT for a start) and of rolling restarts (dkv_restart_begin,
/// dkv_restart_store: the same selection, routing, managers and deadline, plus node_timeout_sec;
/// DKV_STOP_FORCE and DKV_STOP_PARALLEL are DKV_ERR_INVALID_ARGUMENT, DKV_STOP_FAIL_FAST is accepted and changes
/// nothing: a restart always stops at its first failure). Zero-initialize it, set `struct_size` to
/// `sizeof(DkvStopOptions)`, then the fields you need: zero means the default everywhere.
#[repr(C)]
pub struct DkvStopOptions {
    pub struct_size: u32,
    /// A bitwise OR of DkvStopFlag values (DKV_STOP_*).
    pub flags: u32,
    /// Managers for this call (override the session's); NULL with manager_count 0 means the session's.
    pub managers: *const *const c_char,
    pub manager_count: usize,
    /// Port for addresses without one; <= 0 means the session's, else DKV_DEFAULT_PORT.
    pub port: i32,
    /// The one deadline of the whole operation in seconds (1 to DKV_MAX_TIMEOUT_SEC); <= 0 means the session's,
    /// else DKV_DEFAULT_TIMEOUT_SEC.
    pub timeout_sec: i32,
    /// The store's name (required).
    pub store: *const c_char,
    /// The nodes to stop (or start), by name: NULL with instance_count 0 means every node (the only stop that may
    /// make the store passive first, the only start that may make it Active again). A list selects the nodes it names, each once, in the store's order; an empty list,
    /// a NULL or empty name is DKV_ERR_INVALID_ARGUMENT, and a name the store does not have is
    /// DKV_ERR_INSTANCE_NOT_FOUND.
    pub instances: *const *const c_char,
    pub instance_count: usize,
    /// With DKV_STOP_PARALLEL, the most requests in flight at once (1 to DKV_MAX_THROTTLE); 0 means
    /// DKV_DEFAULT_THROTTLE. A node waiting between polls of a graceful stop holds none.
    pub throttle: u32,
    /// A rolling restart's limit for each node in seconds (its wait for a safe store, graceful stop, start and
    /// wait for a safe store again), within the one deadline `timeout_sec`: 1 to DKV_MAX_TIMEOUT_SEC; <= 0 means
    /// no per-node limit. A node over its limit is TIMEOUT (brought back first when its stop was sent) and the
    /// restart stops there. Must be <= 0 for a stop or a start (DKV_ERR_INVALID_ARGUMENT: they have no per-node
    /// limit, and a setting silently ignored would promise a bound that does not hold); dkv_plan_begin ignores it
    /// (a plan previews any of the three). Was `reserved` (always 0) before restarts existed: the size is the same.
    pub node_timeout_sec: i32,
    /// Why (UTF-8, at most DKV_MAX_REASON_CHARS characters, no control characters; leading and trailing white
    /// space removed): sent with every changing request as the X-Dkv-Reason header (percent-encoded beyond
    /// printable ASCII), for managers that log it. NULL: no reason. An empty or blank reason, a control character
    /// or a longer one is DKV_ERR_INVALID_ARGUMENT before anything is sent. Added in the second version of this
    /// struct: a caller built before it (struct_size 64 on 64-bit platforms, the first version's size) sends none.
    pub reason: *const c_char,
    /// The audit log (UTF-8 path) of a stop, start or restart: one JSON line appended when it begins (after
    /// discovery, naming the nodes it will touch, before anything changes) and one when it ends. NULL: the file
    /// the environment variable CLUSTRON_DKV_AUDIT_LOG names, if any, else no audit. A log that cannot be
    /// appended to (a missing folder, no permission) is DKV_ERR_INVALID_ARGUMENT from the begin call, with nothing
    /// sent; a closing line that cannot be written is a "WARNING: " log line. Plans write nothing.
    pub audit_log: *const c_char,
    /// The command the audit lines name (e.g. "Stop-DkvStore"); NULL: the export called ("dkv_stop_begin").
    pub audit_command: *const c_char,
    /// The command's parameters as bound, a JSON object (text) the audit lines carry as they are, except keys that
    /// name a credential, password, token, secret or authorization, which are dropped; NULL: this struct's own
    /// settings. Not an object: DKV_ERR_INVALID_ARGUMENT.
    pub audit_parameters: *const c_char,
}

impl DkvStopOptions {
    /// Options for `store` with every other field at its default, as a C caller's zeroed struct (for Rust callers
    /// and tests of the C ABI).
    pub fn for_store(store: *const c_char) -> DkvStopOptions {
        DkvStopOptions {
            struct_size: std::mem::size_of::<DkvStopOptions>() as u32,
            flags: 0,
            managers: std::ptr::null(),
            manager_count: 0,
            port: 0,
            timeout_sec: 0,
            store,
            instances: std::ptr::null(),
            instance_count: 0,
            throttle: 0,
            node_timeout_sec: 0,
            reason: std::ptr::null(),
            audit_log: std::ptr::null(),
            audit_command: std::ptr::null(),
            audit_parameters: std::ptr::null(),
        }
    }
}

/// The size of the first DkvStopOptions: every field up to and including `node_timeout_sec` (once `reserved`). Later versions append
/// fields; a caller of this version passes exactly this.
/// Six 4-byte fields and five pointer-sized ones, no padding: 64 bytes on 64-bit platforms, 44 on 32-bit.
const FIRST_SIZE: usize = 6 * 4 + 5 * std::mem::size_of::<usize>();

/// # Safety
/// `options` must be NULL or point to `options->struct_size` readable bytes whose pointers are valid as the
/// field comments say.
pub unsafe fn read(
    session: *const DkvSession,
    options: *const DkvStopOptions,
) -> Result<(Targets, StopRequest), DkvError> {
    read_change(session, options, "").map(|(targets, request, _)| (targets, request))
}

/// As `read`, with the audit settings of a stop, start or restart begun by `export` (its default command name).
///
/// # Safety
/// As `read`.
pub unsafe fn read_change(
    session: *const DkvSession,
    options: *const DkvStopOptions,
    export: &str,
) -> Result<(Targets, StopRequest, AuditSettings), DkvError> {
    let options = copy(options)?;
    if options.flags & !DKV_STOP_KNOWN_FLAGS != 0 {
        return Err(DkvError::invalid(format!(
            "options->flags 0x{:x} has bits this library does not know (0x{:x}); use DKV_STOP_* values, or a \
             library at least as new as your clustron_dkv.h.",
            options.flags,
            options.flags & !DKV_STOP_KNOWN_FLAGS
        )));
    }
    if options.throttle > DKV_MAX_THROTTLE {
        return Err(DkvError::invalid(format!(
            "options->throttle {} is out of range. Use 1 to {}, or 0 for {}.",
            options.throttle, DKV_MAX_THROTTLE, DKV_DEFAULT_THROTTLE
        )));
    }
    if options.node_timeout_sec > DKV_MAX_TIMEOUT_SEC {
        return Err(DkvError::invalid(format!(
            "options->node_timeout_sec {} is out of range. Use 1 to {} seconds, or 0 for no per-node limit.",
            options.node_timeout_sec, DKV_MAX_TIMEOUT_SEC
        )));
    }
    let node_timeout = match options.node_timeout_sec {
        n if n <= 0 => None,
        n => Some(std::time::Duration::from_secs(n as u64)),
    };
    let request = StopRequest {
        store: read_str(options.store, "options->store")?,
        instances: read_instances(options.instances, options.instance_count)?,
        force: options.flags & DKV_STOP_FORCE as u32 != 0,
        parallel: options.flags & DKV_STOP_PARALLEL as u32 != 0,
        fail_fast: options.flags & DKV_STOP_FAIL_FAST as u32 != 0,
        throttle: options.throttle as usize,
        node_timeout,
    };
    let explicit = read_managers(options.managers, options.manager_count)?;
    let session: Option<&Session> = session.as_ref().map(|s| &s.inner);
    let targets =
        Targets::resolve(session, &explicit, optional_port(options.port), optional_timeout(options.timeout_sec))?;
    let reason = read_optional_str(options.reason, "options->reason")?;
    let targets = targets.with_reason(reason.as_deref())?;
    let audit = AuditSettings::new(
        read_optional_str(options.audit_log, "options->audit_log")?.map(PathBuf::from),
        Some(read_optional_str(options.audit_command, "options->audit_command")?.unwrap_or_else(|| export.to_string())),
        read_optional_str(options.audit_parameters, "options->audit_parameters")?.as_deref(),
    )?;
    Ok((targets, request, audit))
}

/// The caller's struct, as many bytes of it as it says it has, over zeros.
///
/// # Safety
/// As `read`.
unsafe fn copy(options: *const DkvStopOptions) -> Result<DkvStopOptions, DkvError> {
    if options.is_null() {
        return Err(DkvError::invalid("options is NULL; pass a DkvStopOptions with struct_size set."));
    }
    // The size is read on its own first: the struct may be shorter than this library's.
    let size = std::ptr::read_unaligned(options as *const u32) as usize;
    if size < FIRST_SIZE {
        return Err(DkvError::invalid(format!(
            "options->struct_size is {}; zero the struct and set struct_size to sizeof(DkvStopOptions) ({}).",
            size, FIRST_SIZE
        )));
    }
    if size > std::mem::size_of::<DkvStopOptions>() {
        return Err(DkvError::invalid(format!(
            "options->struct_size is {}, larger than this library's DkvStopOptions ({} bytes): the caller was built \
             against a newer clustron_dkv.h. Use a library at least as new as that header.",
            size,
            std::mem::size_of::<DkvStopOptions>()
        )));
    }
    let mut copy: DkvStopOptions = std::mem::zeroed();
    std::ptr::copy_nonoverlapping(options as *const u8, &mut copy as *mut DkvStopOptions as *mut u8, size);
    Ok(copy)
}

/// More nodes than a store has; a larger count is far likelier to be garbage than a real list.
const MAX_INSTANCES: usize = 1 << 20;

/// # Safety
/// `list` must be NULL (with `count` 0) or point to `count` string pointers.
unsafe fn read_instances(list: *const *const c_char, count: usize) -> Result<Option<Vec<String>>, DkvError> {
    match (list.is_null(), count) {
        (true, 0) => return Ok(None),
        (true, n) => return Err(DkvError::invalid(format!("options->instances is NULL but instance_count is {}.", n))),
        (false, 0) => {
            return Err(DkvError::invalid(
                "options->instance_count is 0 but instances is not NULL: an empty list names no node. Pass NULL \
                 and 0 to stop every node.",
            ))
        }
        (false, n) if n > MAX_INSTANCES => {
            return Err(DkvError::invalid(format!(
                "options->instance_count {} is larger than {}; pass the real length of the instances array.",
                n, MAX_INSTANCES
            )))
        }
        _ => {}
    }
    let names: Result<Vec<String>, DkvError> =
        (0..count).map(|i| read_str(*list.add(i), &format!("options->instances[{}]", i))).collect();
    names.map(Some)
}
