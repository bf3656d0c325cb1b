//! The optional bearer token of `/metrics` (`--metrics-token`), for scrapers whose requests cross
//! a network: kept as a SHA-256 digest and compared in constant time, like the caller tokens.

use sha2::{Digest, Sha256};

use crate::domain::Secret;

/// The token a scrape must present; none configured admits every scrape.
#[derive(Clone, Default)]
pub struct MetricsToken {
    digest: Option<[u8; 32]>,
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsToken")
            .field("required", &self.digest.is_some())
            .finish()
    }
}

impl MetricsToken {
    /// The token of `--metrics-token`, if set.
    pub fn new(token: Option<&Secret>) -> Self {
        Self {
            digest: token.map(|token| Sha256::digest(token.expose().as_bytes()).into()),
        }
    }

    /// Whether a scrape with this `Authorization` header value may read the metrics.
    pub fn admits(&self, authorization: Option<&str>) -> bool {
        let Some(expected) = &self.digest else {
            return true;
        };
        let presented = authorization
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .unwrap_or_default();
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        // Every byte is compared, so timing says nothing about how much matched.
        let difference = expected
            .iter()
            .zip(presented.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(difference) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_bearer_token_is_admitted() {
        let open = MetricsToken::new(None);
        assert!(open.admits(None));
        let closed = MetricsToken::new(Some(&Secret::new("scrape-me")));
        assert!(closed.admits(Some("Bearer scrape-me")));
        assert!(closed.admits(Some("bearer scrape-me")));
        assert!(!closed.admits(Some("Bearer scrape-me-not")));
        assert!(!closed.admits(Some("Basic scrape-me")));
        assert!(!closed.admits(None));
        assert!(!format!("{closed:?}").contains("scrape-me"));
    }
}
