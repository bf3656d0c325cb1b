//! The credentials of the AWS SDK's standard chain (environment, shared files and profiles, SSO,
//! process credentials, web identity, container and instance metadata), read once: the
//! diagnosis then runs on them as the service runs on a request's.

use std::error::Error;

use aws_config::BehaviorVersion;
use aws_credential_types::provider::ProvideCredentials;
use chrono::{DateTime, Utc};

use crate::domain::{CredentialsBody, Secret};

/// The chain found no credentials, or could not read them.
#[derive(Debug, thiserror::Error)]
#[error("no AWS credentials: {0}")]
pub struct NoCredentials(String);

/// The chain's credentials, of `profile` when given, with their expiry when the chain's source
/// said it (an SSO or role session's answer does).
pub async fn from_chain(
    profile: Option<&str>,
) -> Result<(CredentialsBody, Option<DateTime<Utc>>), NoCredentials> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    let config = loader.load().await;
    let provider = config
        .credentials_provider()
        .ok_or_else(|| NoCredentials("the AWS SDK has no credential chain".to_owned()))?;
    let credentials = provider
        .provide_credentials()
        .await
        // The chain's error says which sources it tried; it holds no secret.
        .map_err(|error| NoCredentials(with_causes(&error)))?;
    let body = CredentialsBody {
        access_key_id: credentials.access_key_id().to_owned(),
        secret_access_key: Secret::new(credentials.secret_access_key()),
        session_token: credentials.session_token().map(Secret::new),
    };
    Ok((body, credentials.expiry().map(DateTime::<Utc>::from)))
}

/// The error and its causes, in one text.
fn with_causes(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}
