//! What every export goes through: the panic boundary, status codes, reading the caller's arguments, the
//! operation handle and its NULL check, and the raw slices that carry arrays to C.
use crate::error::{DkvError, ErrorKind};
use crate::operation::handle::Operation;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use super::codes::*;

/// More managers than anyone runs; a larger count is far likelier to be garbage than a real list.
const MAX_MANAGERS: usize = 65_536;

pub fn status_of(kind: ErrorKind) -> DkvStatus {
    match kind {
        ErrorKind::InvalidArgument => DKV_ERR_INVALID_ARGUMENT,
        ErrorKind::NoManagers => DKV_ERR_NO_MANAGERS,
        ErrorKind::StoreNotFound => DKV_ERR_STORE_NOT_FOUND,
        ErrorKind::InstanceNotFound => DKV_ERR_INSTANCE_NOT_FOUND,
        ErrorKind::Unreachable => DKV_ERR_UNREACHABLE,
        ErrorKind::Timeout => DKV_ERR_TIMEOUT,
        ErrorKind::Cancelled => DKV_ERR_CANCELLED,
        ErrorKind::Protocol => DKV_ERR_PROTOCOL,
        ErrorKind::Internal => DKV_ERR_INTERNAL,
        ErrorKind::NotSupported => DKV_ERR_NOT_SUPPORTED,
    }
}

/// Runs an export's body: clears `*out_error`, turns errors into a status plus a message, and panics into
/// DKV_ERR_INTERNAL, so no panic unwinds into the caller's frames.
pub fn guard<F: FnOnce() -> Result<(), DkvError>>(out_error: *mut *mut c_char, body: F) -> DkvStatus {
    if !out_error.is_null() {
        // SAFETY: the caller passed a writable pointer or NULL.
        unsafe { *out_error = ptr::null_mut() };
    }
    let outcome = catch_unwind(AssertUnwindSafe(body));
    let error = match outcome {
        Ok(Ok(())) => return DKV_OK,
        Ok(Err(e)) => e,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            DkvError::new(ErrorKind::Internal, format!("internal error in the Clustron DKV library: {}", detail))
        }
    };
    if !out_error.is_null() {
        // SAFETY: as above.
        unsafe { *out_error = owned_c_string(&error.message) };
    }
    status_of(error.kind)
}

/// For exports without a status: a panic is swallowed rather than unwinding into C.
pub fn guard_void<F: FnOnce()>(body: F) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}

/// Frees a handle handed out with `Box::into_raw`; NULL is a no-op, and a panic in its Drop stays here.
///
/// # Safety
/// `p` must be NULL or a pointer from `Box::into_raw` of a `T` that was not freed yet.
pub unsafe fn free_boxed<T>(p: *mut T) {
    guard_void(|| {
        if !p.is_null() {
            drop(Box::from_raw(p));
        }
    });
}

/// A NUL-terminated UTF-8 copy the caller frees with dkv_free_string or with the struct that holds it.
/// Interior NULs (a manager may send anything) become U+FFFD rather than truncating the text.
pub fn owned_c_string(text: &str) -> *mut c_char {
    let clean = if text.contains('\0') { text.replace('\0', "\u{FFFD}") } else { text.to_string() };
    match CString::new(clean) {
        Ok(c) => c.into_raw(),
        Err(_) => ptr::null_mut(),
    }
}

/// # Safety
/// `p` must be NULL or a pointer returned by `owned_c_string` that was not freed yet.
pub unsafe fn free_c_string(p: *const c_char) {
    if !p.is_null() {
        drop(CString::from_raw(p as *mut c_char));
    }
}

/// Every string argument, read as C reads it: up to its first NUL, so a C caller cannot pass a NUL inside a name
/// (the name ends there; a caller holding counted text must refuse a NUL itself, as the PowerShell module does).
/// What is read must be UTF-8: anything else, an unpaired UTF-16 surrogate encoded as UTF-8 (`ED A0 80`) included,
/// is refused naming the argument and the first bad byte, never replaced by U+FFFD and acted on.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string that stays valid during the call.
pub unsafe fn read_str(p: *const c_char, what: &str) -> Result<String, DkvError> {
    if p.is_null() {
        return Err(DkvError::invalid(format!("{} is NULL.", what)));
    }
    let bytes = CStr::from_ptr(p).to_bytes();
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => Err(DkvError::invalid(format!(
            "{} is not valid UTF-8 at byte {} (0x{:02X}). Pass UTF-8 text; an unpaired UTF-16 surrogate has no UTF-8 \
             form and must be removed.",
            what,
            e.valid_up_to() + 1,
            bytes[e.valid_up_to()]
        ))),
    }
}

/// # Safety
/// As `read_str`; NULL means "not given".
pub unsafe fn read_optional_str(p: *const c_char, what: &str) -> Result<Option<String>, DkvError> {
    if p.is_null() {
        Ok(None)
    } else {
        read_str(p, what).map(Some)
    }
}

/// # Safety
/// `list` must be NULL (with `count` 0) or point to `count` string pointers.
pub unsafe fn read_managers(list: *const *const c_char, count: usize) -> Result<Vec<String>, DkvError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if list.is_null() {
        return Err(DkvError::invalid(format!("managers is NULL but manager_count is {}.", count)));
    }
    if count > MAX_MANAGERS {
        return Err(DkvError::invalid(format!(
            "manager_count {} is larger than {}; pass the real length of the managers array.",
            count, MAX_MANAGERS
        )));
    }
    (0..count).map(|i| read_str(*list.add(i), &format!("managers[{}]", i))).collect()
}

/// `<= 0` means "use the default"; anything else must be a real port.
pub fn optional_port(port: i32) -> Option<i64> {
    if port <= 0 {
        None
    } else {
        Some(port as i64)
    }
}

/// `<= 0` means "use the default".
pub fn optional_timeout(timeout_sec: i32) -> Option<i64> {
    if timeout_sec <= 0 {
        None
    } else {
        Some(timeout_sec as i64)
    }
}

/// # Safety
/// `out` must be NULL or writable.
pub unsafe fn require_out<T>(out: *mut *mut T, what: &str) -> Result<(), DkvError> {
    if out.is_null() {
        return Err(DkvError::invalid(format!("{} is NULL; pass the address of a pointer to receive it.", what)));
    }
    *out = ptr::null_mut();
    Ok(())
}

/// Opaque running or finished stop. Free with dkv_op_free.
pub struct DkvOperation {
    pub(super) inner: Operation,
}

/// The operation behind a handle the caller passed, or the error for NULL.
///
/// # Safety
/// `op` must be NULL or live.
pub unsafe fn live_op<'a>(op: *const DkvOperation) -> Result<&'a DkvOperation, DkvError> {
    op.as_ref().ok_or_else(|| DkvError::invalid("op is NULL."))
}

/// A vector handed to C as pointer and length; `from_raw_slice` takes it back to free it.
pub fn into_raw_slice<T>(items: Vec<T>) -> (*mut T, usize) {
    let len = items.len();
    let ptr = Box::into_raw(items.into_boxed_slice()) as *mut T;
    (ptr, len)
}

/// # Safety
/// `ptr`/`len` must come from `into_raw_slice` and not have been freed.
pub unsafe fn from_raw_slice<T>(ptr: *mut T, len: usize) -> Box<[T]> {
    Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error_with_a_message() {
        let mut err: *mut c_char = ptr::null_mut();
        let status = guard(&mut err, || panic!("boom"));
        assert_eq!(status, DKV_ERR_INTERNAL);
        let text = unsafe { read_str(err, "err") }.unwrap();
        assert!(text.contains("boom"), "{}", text);
        unsafe { free_c_string(err) };
    }

    #[test]
    fn errors_map_to_their_status() {
        let status = guard(ptr::null_mut(), || Err(DkvError::no_managers()));
        assert_eq!(status, DKV_ERR_NO_MANAGERS);
    }

    #[test]
    fn interior_nul_does_not_truncate() {
        let p = owned_c_string("a\0b");
        let back = unsafe { read_str(p, "p") }.unwrap();
        assert_eq!(back, "a\u{FFFD}b");
        unsafe { free_c_string(p) };
    }

    #[test]
    fn invalid_utf8_names_its_first_bad_byte() {
        let surrogate = CString::new(vec![b'o', b'k', 0xED, 0xA0, 0x80]).unwrap();
        let e = unsafe { read_str(surrogate.as_ptr(), "store") }.unwrap_err();
        assert_eq!(
            e.message,
            "store is not valid UTF-8 at byte 3 (0xED). Pass UTF-8 text; an unpaired UTF-16 surrogate has no UTF-8 \
             form and must be removed."
        );
        let cut = CString::new(vec![b'a', 0xC3]).unwrap();
        let e = unsafe { read_str(cut.as_ptr(), "x") }.unwrap_err();
        assert!(e.message.starts_with("x is not valid UTF-8 at byte 2 (0xC3)."), "{}", e.message);
    }

    #[test]
    fn manager_lists_are_checked() {
        assert!(unsafe { read_managers(ptr::null(), 2) }.is_err());
        assert!(unsafe { read_managers(ptr::null(), 0) }.unwrap().is_empty());
        let names = [ptr::null::<c_char>()];
        let e = unsafe { read_managers(names.as_ptr(), 1) }.unwrap_err();
        assert_eq!(e.message, "managers[0] is NULL.");
    }
}
