//! Store and instance names: validated once, then percent-encoded as single path segments so that nothing a
//! user types can change which URL is requested.
use crate::error::DkvError;

const MAX_NAME_LEN: usize = 256;

/// Checks a store or instance name; `what` is "Store name" or "Instance name" for the message.
pub fn validate_name(what: &str, name: &str) -> Result<(), DkvError> {
    if name.trim().is_empty() {
        return Err(DkvError::invalid(format!("{} is empty. Give the name of an existing {}.", what, noun(what))));
    }
    if name != name.trim() {
        return Err(DkvError::invalid(format!("{} '{}' starts or ends with white space. Remove it.", what, name)));
    }
    if name == "." || name == ".." {
        return Err(DkvError::invalid(format!("{} '{}' is not a valid name.", what, name)));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(DkvError::invalid(format!("{} contains a control character. Remove it.", what)));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(DkvError::invalid(format!(
            "{} is {} bytes long; names are at most {} bytes.",
            what,
            name.len(),
            MAX_NAME_LEN
        )));
    }
    Ok(())
}

fn noun(what: &str) -> &'static str {
    if what.starts_with("Store") {
        "store"
    } else {
        "node"
    }
}

/// RFC 3986 percent-encoding of one path segment: only unreserved characters stay as they are.
pub fn encode_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{:02X}", b));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(encode_segment("Orders Store/é"), "Orders%20Store%2F%C3%A9");
        assert_eq!(encode_segment("a?b#c%d"), "a%3Fb%23c%25d");
        assert_eq!(encode_segment("orders-1.x_y~z"), "orders-1.x_y~z");
    }

    #[test]
    fn rejects_names_that_could_not_be_meant() {
        for bad in ["", "   ", ".", "..", " x", "x\n", "a\u{0}b"] {
            assert!(validate_name("Store name", bad).is_err(), "{:?}", bad);
        }
        assert!(validate_name("Store name", &"x".repeat(257)).is_err());
        assert!(validate_name("Store name", "Orders Store/é").is_ok());
        assert!(validate_name("Store name", "...").is_ok());
    }

    #[test]
    fn messages_name_the_problem() {
        let e = validate_name("Instance name", "").unwrap_err();
        assert_eq!(e.message, "Instance name is empty. Give the name of an existing node.");
    }
}
