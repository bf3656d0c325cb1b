//! Cache keys: HMAC-SHA256 under a server secret, so nothing stored can reveal or be matched
//! back to a secret without the server's key.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::settings::CacheSettings;
use crate::domain::{DiagnosisRequest, Secret};

/// The server secret keys are derived with: the HMAC keyed once, so that a key costs only its
/// own fields' hashing (every request derives two or three, a cache hit included).
#[derive(Clone)]
pub struct KeySecret(Hmac<Sha256>);

impl KeySecret {
    /// From the configured secret.
    pub fn new(secret: Secret) -> Self {
        let Ok(keyed) = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) else {
            unreachable!("HMAC accepts keys of any length")
        };
        Self(keyed)
    }

    /// The configured secret, else a random one (with a warning when replicas share Redis,
    /// as they then cannot share entries).
    pub fn from_settings(settings: &CacheSettings) -> Self {
        match &settings.cache_key_secret {
            Some(secret) => Self::new(secret.clone()),
            None => {
                if settings.redis_url.is_some() {
                    tracing::warn!(
                        "no --cache-key-secret: using a random one, so replicas will not share cache entries"
                    );
                }
                Self::random()
            }
        }
    }

    /// A random secret for this process only (replicas will not share entries).
    pub fn random() -> Self {
        Self::new(Secret::new(hex::encode(rand::random::<[u8; 32]>())))
    }

    fn mac(&self, fields: &[&[u8]]) -> String {
        let mut mac = self.0.clone();
        for field in fields {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field);
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The keys of one diagnosis request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// Identifies the exact request: tenant, connector, every credential, role, connections,
    /// regions, the account expected.
    pub request: String,
    /// Identifies the connector within the tenant: groups its keys in one Redis Cluster slot
    /// and keys its history and refresh floor.
    pub connector: String,
    /// Identifies the connector's access key: what was read of CloudTrail's record for it
    /// (a rotated key starts afresh).
    pub observed: String,
}

impl CacheKey {
    /// Derives the keys of `request` made by `tenant`.
    pub fn new(secret: &KeySecret, tenant: &str, request: &DiagnosisRequest) -> Self {
        let connector_id = request.connector_id.as_deref().unwrap_or("");
        let credentials = &request.credentials;
        let role = request.assume_role.as_ref();
        let connections: Vec<&str> = request.connections.iter().map(|c| c.as_str()).collect();
        let regions: Vec<&str> = request
            .named_regions
            .as_ref()
            .map(|regions| regions.iter().map(|r| r.name()).collect())
            .unwrap_or_else(|| vec!["<defaults>"]);
        let (connections, regions) = (connections.join(","), regions.join(","));
        let request_key = secret.mac(&[
            b"diagnosis",
            tenant.as_bytes(),
            connector_id.as_bytes(),
            credentials.access_key_id.expose().as_bytes(),
            credentials.secret_access_key.expose().as_bytes(),
            credentials
                .session_token
                .as_ref()
                .map_or(b"" as &[u8], |t| t.expose().as_bytes()),
            role.map_or(b"" as &[u8], |r| r.role_arn.as_bytes()),
            role.and_then(|r| r.external_id.as_ref())
                .map_or(b"" as &[u8], |id| id.expose().as_bytes()),
            connections.as_bytes(),
            regions.as_bytes(),
            // The account expected decides a finding: another expectation is another answer.
            request
                .expected_account_id
                .as_deref()
                .unwrap_or_default()
                .as_bytes(),
        ]);
        let connector = if connector_id.is_empty() {
            request_key[..32].to_owned()
        } else {
            Self::connector_key(secret, tenant, connector_id)
        };
        let observed = secret.mac(&[
            b"observed",
            tenant.as_bytes(),
            connector_id.as_bytes(),
            credentials.access_key_id.expose().as_bytes(),
        ])[..32]
            .to_owned();
        Self {
            request: request_key,
            connector,
            observed,
        }
    }

    /// The connector part alone, for history look-ups.
    pub fn connector_key(secret: &KeySecret, tenant: &str, connector_id: &str) -> String {
        secret.mac(&[b"connector", tenant.as_bytes(), connector_id.as_bytes()])[..32].to_owned()
    }
}
