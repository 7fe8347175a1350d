//! Credentials sent to managers as an Authorization header. They never appear in logs, errors, results or Debug
//! output: the only place their text goes is the header itself.
use crate::error::DkvError;
use std::fmt;

#[derive(Clone, PartialEq, Eq, Default)]
pub enum Credentials {
    #[default]
    None,
    Bearer(String),
    Basic {
        user: String,
        password: String,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::None => f.write_str("None"),
            Credentials::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Credentials::Basic { user, .. } => write!(f, "Basic({}, <redacted>)", user),
        }
    }
}

impl Credentials {
    /// Builds credentials from what a caller passed; both kinds at once is a mistake worth naming.
    pub fn from_parts(token: Option<String>, user: Option<String>, password: Option<String>) -> Result<Self, DkvError> {
        match (token, user, password) {
            (None, None, None) => Ok(Credentials::None),
            (Some(t), None, None) => {
                if t.trim().is_empty() || t.chars().any(|c| c.is_control()) {
                    Err(DkvError::invalid("The token is empty or contains control characters."))
                } else {
                    Ok(Credentials::Bearer(t))
                }
            }
            (None, Some(user), password) => {
                if user.is_empty() || user.contains(':') || user.chars().any(|c| c.is_control()) {
                    return Err(DkvError::invalid(
                        "The user name is empty or contains ':' or a control character; Basic authentication cannot carry it.",
                    ));
                }
                Ok(Credentials::Basic { user, password: password.unwrap_or_default() })
            }
            (None, None, Some(_)) => Err(DkvError::invalid("A password was given without a user name.")),
            (Some(_), _, _) => Err(DkvError::invalid("Give either a token or a user name and password, not both.")),
        }
    }

    pub fn header_value(&self) -> Option<String> {
        match self {
            Credentials::None => None,
            Credentials::Bearer(token) => Some(format!("Bearer {}", token)),
            Credentials::Basic { user, password } => {
                Some(format!("Basic {}", base64(format!("{}:{}", user, password).as_bytes())))
            }
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity((bytes.len() + 2) / 3 * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_is_rfc_7617() {
        let c = Credentials::from_parts(None, Some("Aladdin".into()), Some("open sesame".into())).unwrap();
        assert_eq!(c.header_value().unwrap(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = Credentials::from_parts(Some("s3cr3t-token".into()), None, None).unwrap();
        assert!(!format!("{:?}", c).contains("s3cr3t"));
        let c = Credentials::from_parts(None, Some("admin".into()), Some("hunter2".into())).unwrap();
        assert!(!format!("{:?}", c).contains("hunter2"));
    }

    #[test]
    fn mixed_or_malformed_input_is_rejected() {
        assert!(Credentials::from_parts(Some("t".into()), Some("u".into()), None).is_err());
        assert!(Credentials::from_parts(None, None, Some("p".into())).is_err());
        assert!(Credentials::from_parts(Some(" ".into()), None, None).is_err());
        assert!(Credentials::from_parts(None, Some("a:b".into()), None).is_err());
    }
}
