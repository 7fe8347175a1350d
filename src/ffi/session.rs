//! Sessions: the managers an operator connected to (dkv_connect, dkv_connect_ex, dkv_disconnect), reading
//! them back, address normalization, and the managers and timeout of each call.
use super::boundary::{
    free_boxed, guard, optional_port, optional_timeout, owned_c_string, read_managers, read_optional_str, read_str,
    require_out,
};
use super::codes::*;
use crate::error::DkvError;
use crate::net::credentials::Credentials;
use crate::net::session::{Session, Targets};
use crate::net::transport::TransportOptions;
use std::os::raw::c_char;

/// Opaque session (managers, port, timeout, connection pool). Free with dkv_disconnect.
pub struct DkvSession {
    pub(super) inner: Session,
}

/// Validates one manager address and returns its normalized `scheme://host:port` form (free with
/// dkv_free_string). default_port <= 0 means DKV_DEFAULT_PORT.
///
/// # Safety
/// Pointers must be NULL or valid; `address` NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn dkv_normalize_manager(
    address: *const c_char,
    default_port: i32,
    out_normalized: *mut *mut c_char,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_normalized, "out_normalized")?;
        let address = read_str(address, "address")?;
        let port = match optional_port(default_port) {
            Some(p) => crate::net::address::port_from_int(p)?,
            None => crate::net::address::DEFAULT_PORT,
        };
        let endpoint = crate::net::address::ManagerEndpoint::parse(&address, port)?;
        *out_normalized = owned_c_string(&endpoint.base_url());
        Ok(())
    })
}

/// Creates a session from `managers[0..manager_count]`. port <= 0 means DKV_DEFAULT_PORT; timeout_sec <= 0 means
/// DKV_DEFAULT_TIMEOUT_SEC.
/// Validates every address and sends nothing. Free with dkv_disconnect.
///
/// # Safety
/// `managers` must point to `manager_count` NUL-terminated strings; out pointers must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dkv_connect(
    managers: *const *const c_char,
    manager_count: usize,
    port: i32,
    timeout_sec: i32,
    out_session: *mut *mut DkvSession,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    dkv_connect_ex(managers, manager_count, port, timeout_sec, std::ptr::null(), out_session, out_error)
}

/// Settings of dkv_connect_ex beyond the addresses. Zero-initialize it and set `struct_size` to
/// `sizeof(DkvConnectOptions)`, so that fields added later keep old callers working. A size larger than this
/// library's (a caller built against a newer header) is refused rather than read in part.
#[repr(C)]
pub struct DkvConnectOptions {
    pub struct_size: u32,
    /// 1: accept any server certificate (for test systems; verification is on otherwise).
    pub skip_certificate_check: i32,
    /// Sent as `Authorization: Bearer <token>`; NULL for none.
    pub bearer_token: *const c_char,
    /// With `password`: sent as `Authorization: Basic ...`; NULL for none.
    pub user: *const c_char,
    pub password: *const c_char,
}

/// As dkv_connect, with credentials and TLS settings (`options` may be NULL: as dkv_connect). Credentials are
/// sent only in the Authorization header; they never appear in messages, logs or results.
///
/// # Safety
/// As dkv_connect; `options` NULL or pointing to `options->struct_size` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn dkv_connect_ex(
    managers: *const *const c_char,
    manager_count: usize,
    port: i32,
    timeout_sec: i32,
    options: *const DkvConnectOptions,
    out_session: *mut *mut DkvSession,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_session, "out_session")?;
        let addresses = read_managers(managers, manager_count)?;
        let transport = match options.as_ref() {
            None => TransportOptions::default(),
            Some(o) => {
                if (o.struct_size as usize) < std::mem::size_of::<DkvConnectOptions>() {
                    return Err(DkvError::invalid(format!(
                        "options->struct_size is {}; set it to sizeof(DkvConnectOptions) ({}).",
                        o.struct_size,
                        std::mem::size_of::<DkvConnectOptions>()
                    )));
                }
                // A newer header's fields this library cannot read may be security settings: refuse rather than
                // connect without them (as DkvStopOptions does).
                if (o.struct_size as usize) > std::mem::size_of::<DkvConnectOptions>() {
                    return Err(DkvError::invalid(format!(
                        "options->struct_size is {}, larger than this library's DkvConnectOptions ({} bytes): the \
                         caller was built against a newer clustron_dkv.h. Use a library at least as new as that header.",
                        o.struct_size,
                        std::mem::size_of::<DkvConnectOptions>()
                    )));
                }
                TransportOptions {
                    credentials: Credentials::from_parts(
                        read_optional_str(o.bearer_token, "bearer_token")?,
                        read_optional_str(o.user, "user")?,
                        read_optional_str(o.password, "password")?,
                    )?,
                    skip_certificate_check: o.skip_certificate_check != 0,
                }
            }
        };
        let session =
            Session::connect_with(&addresses, optional_port(port), optional_timeout(timeout_sec), &transport)?;
        *out_session = Box::into_raw(Box::new(DkvSession { inner: session }));
        Ok(())
    })
}

/// Frees a session. NULL is a no-op. Operations begun from it keep working.
///
/// # Safety
/// `session` must be NULL or a live session from dkv_connect, not used again afterwards.
#[no_mangle]
pub unsafe extern "C" fn dkv_disconnect(session: *mut DkvSession) {
    free_boxed(session);
}

/// Number of managers in the session (0 for NULL).
///
/// # Safety
/// `session` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn dkv_session_manager_count(session: *const DkvSession) -> usize {
    match session.as_ref() {
        Some(s) => s.inner.managers().len(),
        None => 0,
    }
}

/// The normalized address (`http://host:port`) of manager `index` of the session; free with dkv_free_string.
///
/// # Safety
/// `session` must be NULL or live; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dkv_session_manager(
    session: *const DkvSession,
    index: usize,
    out_address: *mut *mut c_char,
    out_error: *mut *mut c_char,
) -> DkvStatus {
    guard(out_error, || {
        require_out(out_address, "out_address")?;
        let session = session.as_ref().ok_or_else(|| DkvError::invalid("session is NULL."))?;
        let managers = session.inner.managers();
        let endpoint = managers.get(index).ok_or_else(|| {
            DkvError::invalid(format!("index {} is out of range; the session has {} managers.", index, managers.len()))
        })?;
        *out_address = owned_c_string(&endpoint.base_url());
        Ok(())
    })
}

/// The managers and timeout of a call: the session's, overridden by the ones given.
///
/// # Safety
/// As the exports that call it.
pub(super) unsafe fn targets(
    session: *const DkvSession,
    managers: *const *const c_char,
    manager_count: usize,
    port: i32,
    timeout_sec: i32,
) -> Result<Targets, DkvError> {
    let explicit = read_managers(managers, manager_count)?;
    Targets::resolve(session.as_ref().map(|s| &s.inner), &explicit, optional_port(port), optional_timeout(timeout_sec))
}
