//! AWS credentials as received from a caller.

use std::fmt;

use chrono::{DateTime, Utc};

use super::Secret;

/// An access key id: `AKIA` (long-term) or `ASIA` (temporary) followed by 16 upper-case alphanumerics.
///
/// Not a secret by itself, but it identifies a customer's key: logs show only its last four characters.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKeyId(String);

impl AccessKeyId {
    /// Parses a key id, or says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let valid_prefix = text.starts_with("AKIA") || text.starts_with("ASIA");
        let valid_rest = text.len() == 20
            && text
                .bytes()
                .skip(4)
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if valid_prefix && valid_rest {
            Ok(Self(text.to_owned()))
        } else {
            Err("must be AKIA or ASIA followed by 16 upper-case letters or digits")
        }
    }

    /// Whether this is a temporary key, which needs a session token.
    pub fn is_temporary(&self) -> bool {
        self.0.starts_with("ASIA")
    }

    /// The id as people may see it: its kind and last four characters (`AKIA…MPLE`), never
    /// the whole id.
    pub fn shortened(&self) -> String {
        format!("{self:?}")
    }

    /// The full id, for signing and cache keys only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}…{}", &self.0[..4], &self.0[16..])
    }
}

/// The credentials a diagnosis runs with.
#[derive(Clone, Debug)]
pub struct AwsCredentials {
    /// The access key id.
    pub access_key_id: AccessKeyId,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// The session token of temporary credentials.
    pub session_token: Option<Secret>,
    /// When temporary credentials expire, when whoever handed them over said so (the AWS SDK's
    /// credential chain of the command line does); `None` from the API, whose caller only
    /// stores keys, and for long-term keys.
    pub expires_at: Option<DateTime<Utc>>,
}

impl AwsCredentials {
    /// Every secret value of these credentials, to scrub from any text that is kept.
    pub fn secret_values(&self) -> Vec<&str> {
        let mut values = vec![self.secret_access_key.expose(), self.access_key_id.expose()];
        if let Some(token) = &self.session_token {
            values.push(token.expose());
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::AccessKeyId;

    #[test]
    fn key_ids_are_checked_and_printed_shortened() {
        let key = AccessKeyId::parse("AKIAIOSFODNN7EXAMPLE").unwrap();
        assert!(!key.is_temporary());
        assert_eq!(format!("{key:?}"), "AKIA…MPLE");
        assert!(
            AccessKeyId::parse("ASIAIOSFODNN7EXAMPLE")
                .unwrap()
                .is_temporary()
        );
        assert!(AccessKeyId::parse("AKIAiosfodnn7example").is_err());
        assert!(AccessKeyId::parse("AKIA").is_err());
        assert!(AccessKeyId::parse("XKIAIOSFODNN7EXAMPLE").is_err());
        // 20 bytes whose fifth starts inside a character: refused, not a panic.
        assert!(AccessKeyId::parse("AKIé123456789012345").is_err());
    }
}
