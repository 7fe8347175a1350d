//! The C ABI. Rules every export keeps: UTF-8 strings in and out; every pointer argument checked for NULL; one
//! panic boundary per export (`boundary::guard`); errors returned with the call as a status plus a message the
//! caller frees with `dkv_free_string`; every allocation handed out has exactly one free function; booleans and
//! flags cross as integers; the library never calls back into the caller.
mod boundary;
mod codes;
mod operation;
mod plan;
mod progress;
mod results;
mod session;
mod stop_options;
mod store_info;
mod store_list;

pub use boundary::DkvOperation;
pub use codes::*;
pub use operation::*;
pub use plan::*;
pub use progress::*;
pub use results::*;
pub use session::*;
pub use stop_options::DkvStopOptions;
pub use store_info::*;
pub use store_list::*;

use boundary::{free_c_string, guard_void};
use std::os::raw::c_char;

/// The library version, a static string that is never freed.
#[no_mangle]
pub extern "C" fn dkv_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
}

/// The message of DKV_ERR_NO_MANAGERS ("No managers connected. Use Connect-DkvManager or specify -Managers."),
/// a static string that is never freed: the documented text, for callers that report the case themselves.
#[no_mangle]
pub extern "C" fn dkv_no_managers_message() -> *const c_char {
    crate::error::NO_MANAGERS_MESSAGE_NUL.as_ptr() as *const c_char
}

/// Frees a string returned through an out_error or other out parameter. NULL is a no-op.
///
/// # Safety
/// `s` must be NULL or a string from this library that was not freed yet.
#[no_mangle]
pub unsafe extern "C" fn dkv_free_string(s: *mut c_char) {
    guard_void(|| free_c_string(s));
}
