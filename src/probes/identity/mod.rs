//! The identity check (and the assume-role check): who the key is, in which partition, the
//! role session when a role was requested, and the key's own state (`key`: a session credential,
//! another account than expected, its age, AWS's quarantine). Nothing else can run without it.
//!
//! Its calls go through the diagnosis's one door like every other call; the account is not known
//! before STS answers, so they take their turns of the budget under the access key (a digest of
//! its id, never the id itself).

mod findings;
mod key;
mod sts;

use std::time::Instant;

use futures::future::join_all;
use sha2::{Digest, Sha256};

use super::context::AwsDoor;
use super::progress::Progress;
use super::report::Report;
use crate::aws::{AwsError, AwsSession};
use crate::domain::{
    AccessKeyId, CheckId, CheckStatus, DiagnosisRequest, IdentityInfo, PARTITIONS,
};
use findings::{
    assume_role_failed, fail_check, record_identity, skip_after_failure, wrong_partition,
};

pub use key::{conclude as conclude_key, read as read_key};
pub use sts::principal_type;

/// STS's error code for a key it does not know: also what another partition's key gets.
const KEY_UNKNOWN: &str = "InvalidClientTokenId";

/// Who the diagnosis probes as, once identity passed.
pub struct Authenticated {
    /// The session to probe with: the role session when a role was assumed.
    pub session: AwsSession,
    /// Who that session is.
    pub identity: IdentityInfo,
    /// Who the access key is: the same as `identity` unless a role was assumed, the key's own
    /// principal then (its age and its quarantine are the key's, not the role session's).
    pub key_owner: IdentityInfo,
    /// The role session's credentials, to scrub from kept messages as well.
    pub role_secrets: Vec<String>,
}

/// Whose budget the identity calls take their turns of: a digest of the access key id, so that
/// a budget key (kept in Redis) never holds the id itself.
pub fn key_budget_owner(key: &AccessKeyId) -> String {
    let digest = Sha256::digest(key.expose().as_bytes());
    format!("key-{}", hex::encode(&digest[..8]))
}

/// Verifies the credentials in the key's partition and assumes the role, if any. `Err` when
/// the rest cannot run, with the identity when STS knew the key all the same (a key of another
/// partition than the regions named, or a role that could not be assumed).
pub async fn check(
    door: &AwsDoor<'_>,
    request: &DiagnosisRequest,
    progress: &dyn Progress,
    report: &mut Report,
) -> Result<Authenticated, Option<IdentityInfo>> {
    let started = Instant::now();
    let identity = match identify(door, request).await {
        KeyIdentity::Accepted(identity) => identity,
        KeyIdentity::OtherPartition {
            identity,
            asked,
            refusal,
        } => {
            wrong_partition(report, started, &identity, asked, request, &refusal);
            skip_after_failure(report, request, "the key belongs to another partition");
            return Err(Some(identity));
        }
        KeyIdentity::Refused { error, note } => {
            fail_check(report, CheckId::Identity, started, &error, note);
            skip_after_failure(report, request, "the credentials could not be verified");
            return Err(None);
        }
    };
    record_identity(report, &identity, started);
    key::judge_at_sts(report, request, &identity);
    let Some(role) = &request.assume_role else {
        report.skip(CheckId::AssumeRole, "No role to assume was requested.");
        return Ok(Authenticated {
            session: door.session.clone(),
            key_owner: identity.clone(),
            identity,
            role_secrets: Vec::new(),
        });
    };
    progress.step(&format!("Assuming {}", role.role_arn));
    let started = Instant::now();
    let sts_region = identity.partition.sts_region();
    let credentials = match sts::assume_role(door, sts_region, role).await {
        Ok(credentials) => credentials,
        Err(error) => {
            assume_role_failed(report, started, &error, &role.role_arn);
            skip_after_failure(report, request, "the role could not be assumed");
            return Err(Some(identity));
        }
    };
    let role_secrets = vec![
        credentials.access_key_id().to_owned(),
        credentials.secret_access_key().to_owned(),
        credentials.session_token().unwrap_or_default().to_owned(),
    ];
    let role_session = door.session.with_credentials(credentials);
    let mut secrets = door.secrets.to_vec();
    secrets.extend(role_secrets.iter().map(String::as_str));
    let as_role = AwsDoor {
        session: &role_session,
        secrets: &secrets,
        ..*door
    };
    match sts::caller_identity(&as_role, sts_region).await {
        Ok(role_identity) => {
            report.check(
                CheckId::AssumeRole,
                CheckStatus::Pass,
                started,
                format!("Assumed {} as {}.", role.role_arn, role_identity.arn),
            );
            Ok(Authenticated {
                session: role_session,
                identity: role_identity,
                key_owner: identity,
                role_secrets,
            })
        }
        Err(error) => {
            fail_check(report, CheckId::AssumeRole, started, &error, None);
            skip_after_failure(report, request, "the role session could not be verified");
            Err(Some(identity))
        }
    }
}

/// What the STS endpoints of the partitions said of the key.
enum KeyIdentity {
    /// The partition asked first, or (no region named) the one that knows the key.
    Accepted(IdentityInfo),
    /// Regions of `asked` were named, and only another partition's STS knows the key.
    OtherPartition {
        identity: IdentityInfo,
        asked: crate::domain::Partition,
        refusal: AwsError,
    },
    /// STS refused the key (an unknown key: in every partition, which `note` says).
    Refused {
        error: AwsError,
        note: Option<&'static str>,
    },
}

/// Finds the key's partition. With regions named, their partition's STS is asked first; else the
/// commercial one. On `InvalidClientTokenId` the other partitions' STS endpoints are asked at
/// once: a key of another partition is told apart from a key that is invalid everywhere.
async fn identify(door: &AwsDoor<'_>, request: &DiagnosisRequest) -> KeyIdentity {
    let named = request.named_regions.is_some();
    let first = request.partition;
    let refusal = match sts::caller_identity(door, first.sts_region()).await {
        Ok(identity) => return KeyIdentity::Accepted(identity),
        Err(error) if error.code_is(&[KEY_UNKNOWN]) => error,
        Err(error) => return KeyIdentity::Refused { error, note: None },
    };
    let others = PARTITIONS.into_iter().filter(|&p| p != first);
    let answers = join_all(others.map(|p| sts::caller_identity(door, p.sts_region())));
    match answers.await.into_iter().find_map(Result::ok) {
        Some(identity) if named => KeyIdentity::OtherPartition {
            identity,
            asked: first,
            refusal,
        },
        Some(identity) => KeyIdentity::Accepted(identity),
        None => KeyIdentity::Refused {
            error: refusal,
            note: Some(
                "The STS endpoints of all three partitions (aws, aws-us-gov, aws-cn) rejected \
                 the key.",
            ),
        },
    }
}
