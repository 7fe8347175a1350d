//! Why an operator changes a store (-Reason, DkvStopOptions.reason): checked once, then sent with every changing
//! request as the `X-Dkv-Reason` header (docs/manager-api.md, "Reason for a change").
//!
//! A header value carries visible ASCII and spaces; anything else is either refused or encoded:
//! - control characters (C0 including NUL and TAB, DEL, C1) are refused: they could end the header or forge a log
//!   line on a manager that logs the value;
//! - every other character is kept: printable ASCII as it is, and `%` and every non-ASCII character
//!   percent-encoded as its UTF-8 bytes (`%25`, `é` -> `%C3%A9`), so a manager decodes it with any RFC 3986
//!   percent-decoder and a reason in any language survives; a manager that logs the raw value logs plain ASCII.
use crate::error::DkvError;

/// The longest reason, in characters (Unicode scalar values) before encoding: a sentence or two with a ticket
/// number; a header of at most 3 bytes per character (9 encoded) stays far under any server's header limit.
pub const MAX_REASON_CHARS: usize = 512;

/// The header name.
pub const REASON_HEADER: &str = "X-Dkv-Reason";

/// Checks a reason and returns the header value. Leading and trailing white space is removed (a header value
/// cannot keep it); what is left must not be empty.
pub fn encode_reason(reason: &str) -> Result<String, DkvError> {
    // Control characters first: a TAB or newline at either end must be refused, not trimmed away unseen.
    if let Some((position, bad)) = reason.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(DkvError::invalid(format!(
            "The reason contains a control character (U+{:04X} at position {}); a header cannot carry it. Write the \
             reason on one line, without tabs or other control characters.",
            bad as u32,
            position + 1
        )));
    }
    let trimmed = reason.trim();
    if trimmed.is_empty() {
        return Err(DkvError::invalid(
            "The reason is empty. Say why (e.g. -Reason 'CHG-1234: kernel patch'), or leave -Reason out.",
        ));
    }
    let count = trimmed.chars().count();
    if count > MAX_REASON_CHARS {
        return Err(DkvError::invalid(format!(
            "The reason is {} characters long; at most {} are sent. Shorten it (a ticket number can point to the \
             details).",
            count, MAX_REASON_CHARS
        )));
    }
    let mut encoded = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        if c.is_ascii() && c != '%' {
            encoded.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).as_bytes() {
                encoded.push_str(&format!("%{:02X}", byte));
            }
        }
    }
    Ok(encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_ascii_is_sent_as_it_is_and_percent_and_non_ascii_are_encoded() {
        assert_eq!(encode_reason("CHG-1234: kernel patch").unwrap(), "CHG-1234: kernel patch");
        assert_eq!(encode_reason("  padded  ").unwrap(), "padded");
        assert_eq!(encode_reason("50% off").unwrap(), "50%25 off");
        assert_eq!(encode_reason("Wartung für Café ☕").unwrap(), "Wartung f%C3%BCr Caf%C3%A9 %E2%98%95");
        assert_eq!(encode_reason("𝄞").unwrap(), "%F0%9D%84%9E");
    }

    #[test]
    fn empty_and_blank_reasons_are_refused() {
        for blank in ["", "   "] {
            let e = encode_reason(blank).unwrap_err();
            assert!(e.message.starts_with("The reason is empty."), "{}", e.message);
        }
    }

    #[test]
    fn control_characters_are_refused_naming_them() {
        for (text, code) in [
            ("a\nb", "U+000A"),
            ("\tpadded", "U+0009"),
            ("nul\0", "U+0000"),
            ("del\u{7f}", "U+007F"),
            ("c1\u{85}", "U+0085"),
        ] {
            let e = encode_reason(text).unwrap_err();
            assert!(e.message.contains(code), "{:?}: {}", text, e.message);
            assert!(e.message.contains("a header cannot carry it"), "{}", e.message);
        }
    }

    #[test]
    fn the_length_is_bounded_in_characters() {
        assert!(encode_reason(&"é".repeat(MAX_REASON_CHARS)).is_ok());
        let e = encode_reason(&"x".repeat(MAX_REASON_CHARS + 1)).unwrap_err();
        assert!(e.message.contains("513 characters long; at most 512"), "{}", e.message);
    }
}
