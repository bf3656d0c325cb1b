//! Caller tokens: `tenant:token` (plain) or `tenant:sha256:<hex>` (hashed), checked in constant time.

use sha2::{Digest, Sha256};

use super::settings::SecuritySettings;
use crate::domain::Secret;

/// Why the configured tokens cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// An entry is not `tenant:token` or `tenant:sha256:<64 hex digits>`.
    #[error("token entry {index} is not `tenant:token` or `tenant:sha256:<64 hex digits>`")]
    Malformed {
        /// 1-based position of the entry.
        index: usize,
    },
    /// The tokens file could not be read.
    #[error("cannot read the API tokens file: {0}")]
    File(std::io::Error),
}

/// The known tokens, kept only as SHA-256 digests.
#[derive(Clone, Default)]
pub struct ApiTokens {
    entries: Vec<(String, [u8; 32])>,
}

impl std::fmt::Debug for ApiTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiTokens")
            .field("tenants", &self.entries.len())
            .finish()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl ApiTokens {
    /// The tokens of the settings: the inline list and the file's, together.
    pub fn load(settings: &SecuritySettings) -> Result<Self, TokenError> {
        let mut tokens = match &settings.api_tokens {
            Some(text) => Self::parse(text)?,
            None => Self::default(),
        };
        if let Some(path) = &settings.api_tokens_file {
            let text = std::fs::read_to_string(path).map_err(TokenError::File)?;
            tokens.extend(Self::parse(&Secret::new(text))?);
        }
        Ok(tokens)
    }

    /// Parses comma- or newline-separated entries; blank lines and `#` comments are skipped.
    pub fn parse(text: &Secret) -> Result<Self, TokenError> {
        let mut entries = Vec::new();
        let items = text
            .expose()
            .split([',', '\n'])
            .map(str::trim)
            .filter(|item| !item.is_empty() && !item.starts_with('#'));
        for (index, item) in items.enumerate() {
            let malformed = TokenError::Malformed { index: index + 1 };
            let (tenant, token) = item
                .split_once(':')
                .ok_or(TokenError::Malformed { index: index + 1 })?;
            let valid_tenant = !tenant.is_empty()
                && tenant.len() <= 64
                && tenant
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !valid_tenant || token.is_empty() {
                return Err(malformed);
            }
            let hashed = match token.strip_prefix("sha256:") {
                Some(hex_digest) => {
                    let mut bytes = [0u8; 32];
                    hex::decode_to_slice(hex_digest, &mut bytes).map_err(|_| malformed)?;
                    bytes
                }
                None => digest(token),
            };
            entries.push((tenant.to_owned(), hashed));
        }
        Ok(Self { entries })
    }

    /// Whether any token is configured (authentication on).
    pub fn is_enabled(&self) -> bool {
        !self.entries.is_empty()
    }

    /// How many tenants can call: the distinct tenants of the tokens, or one (everybody) when
    /// authentication is off.
    pub fn tenant_count(&self) -> usize {
        let tenants: std::collections::HashSet<&str> = self
            .entries
            .iter()
            .map(|(tenant, _)| tenant.as_str())
            .collect();
        tenants.len().max(1)
    }

    /// Adds the entries of `other`.
    pub fn extend(&mut self, other: ApiTokens) {
        self.entries.extend(other.entries);
    }

    /// The tenant of `presented`, comparing against every entry in constant time.
    pub fn tenant_of(&self, presented: &str) -> Option<&str> {
        let presented = digest(presented);
        let mut found = None;
        // Every entry is compared, and each comparison looks at every byte, so timing says
        // nothing about which entry or how much of it matched.
        for (tenant, expected) in &self.entries {
            let difference = expected
                .iter()
                .zip(presented.iter())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b));
            if std::hint::black_box(difference) == 0 {
                found = Some(tenant.as_str());
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_hashed_tokens_name_their_tenant() {
        let hashed = hex::encode(digest("b-token"));
        let tokens =
            ApiTokens::parse(&Secret::new(format!("acme:a-token, bravo:sha256:{hashed}"))).unwrap();
        assert_eq!(tokens.tenant_of("a-token"), Some("acme"));
        assert_eq!(tokens.tenant_of("b-token"), Some("bravo"));
        assert_eq!(tokens.tenant_of("a-token "), None);
        assert_eq!(tokens.tenant_of(""), None);
        assert_eq!(tokens.tenant_count(), 2);
        assert_eq!(ApiTokens::default().tenant_count(), 1);
    }

    #[test]
    fn malformed_entries_are_refused_by_position() {
        for bad in [
            "no-colon",
            ":token",
            "acme:",
            "acme:sha256:zz",
            "bad tenant:x",
        ] {
            assert!(ApiTokens::parse(&Secret::new(bad)).is_err(), "{bad}");
        }
        let error = ApiTokens::parse(&Secret::new("a:1,b")).unwrap_err();
        assert!(error.to_string().contains("entry 2"));
    }

    #[test]
    fn debug_never_prints_tokens() {
        let tokens = ApiTokens::parse(&Secret::new("acme:very-secret")).unwrap();
        assert!(!format!("{tokens:?}").contains("very-secret"));
    }
}
