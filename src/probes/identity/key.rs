//! The access key's own state, beyond who it is: a session credential (`ASIA`) that stops
//! working when its session ends, a key of another account than the portal expects, a user's key
//! older than 90 days, a key that AWS quarantined after finding it exposed. All four are the
//! identity check's findings. The age and the quarantine are read with the key itself, from its
//! IAM user: for a connection through a role, the base key's user, never the role's session.

use chrono::{DateTime, TimeDelta, Utc};

use crate::aws::{AwsError, AwsService, same_word};
use crate::domain::{
    AccessKeyId, CheckId, CheckStatus, Code, DiagnosisRequest, Finding, IdentityInfo,
    PrincipalType, Severity,
};
use crate::probes::context::ProbeContext;
use crate::probes::explain::finding;
use crate::probes::permissions::{UserAttachments, user_attachments};
use crate::probes::quarantine::{QuarantinedAction, is_quarantine_policy, policy_name};
use crate::probes::report::Report;

/// Older than this, a key is due for rotation (AWS's advice and the CIS benchmark's).
const MAX_KEY_AGE: TimeDelta = TimeDelta::days(90);

/// What STS's answer alone tells of the key: a session credential, a key of another account than
/// the one the caller expects. Recorded with the identity check, which they make `warn` or
/// `fail`; the diagnosis goes on.
pub fn judge_at_sts(report: &mut Report, request: &DiagnosisRequest, identity: &IdentityInfo) {
    if let Some(expected) = &request.expected_account_id
        && *expected != identity.account_id
    {
        let detail = format!(
            "The access key belongs to account {} ({}), not to account {expected}, which the \
             portal expects for this connector. The diagnosis went on with this key: its other \
             findings say what the key can do in account {}. Paste an access key of account \
             {expected}, or correct the account the connector is for.",
            identity.account_id, identity.arn, identity.account_id
        );
        record(
            report,
            finding(Code::CredentialsWrongAccount, CheckId::Identity, detail),
            &format!(
                "The key belongs to account {}, not the expected {expected}.",
                identity.account_id
            ),
        );
    }
    if request.credentials.access_key_id.is_temporary() {
        record(
            report,
            finding(
                Code::CredentialsTemporary,
                CheckId::Identity,
                temporary_detail(request, identity),
            ),
            "A session credential: it stops working when its session ends.",
        );
    }
}

/// What a session credential is, and when it ends: as its source said (the command line's
/// credential chain), else at the latest by the longest session of its kind, since no AWS call
/// tells a session's expiry afterwards.
fn temporary_detail(request: &DiagnosisRequest, identity: &IdentityInfo) -> String {
    let (kind, longest_hours) = match identity.principal_type {
        PrincipalType::AssumedRole => ("a role session (sts:AssumeRole)", 12),
        PrincipalType::Root => ("a session of the root user (sts:GetSessionToken)", 1),
        PrincipalType::User | PrincipalType::FederatedUser => (
            "a user's session (sts:GetSessionToken or sts:GetFederationToken)",
            36,
        ),
    };
    let ends = match request.credentials.expires_at {
        Some(at) => format!(
            "at {}, as the source of the credentials said",
            at.format("%Y-%m-%d %H:%M UTC")
        ),
        None => format!(
            "at the latest {longest_hours} hours after it began, the longest such a session \
             lasts (no AWS call tells a session's expiry afterwards)"
        ),
    };
    format!(
        "The access key {} is a session credential, {kind} of {}: the connector stores it, and \
         it stops working when the session ends, {ends}. Give the connector a long-term access \
         key of an IAM user (AKIA...) instead.",
        request.credentials.access_key_id.shortened(),
        identity.arn
    )
}

/// What IAM says of the key's user, read with the key.
pub struct KeyState {
    /// The IAM user the key belongs to.
    user: String,
    /// The user's access keys.
    keys: Result<Vec<KeyListed>, AwsError>,
    /// The managed policies attached to the user and its groups.
    attachments: Result<UserAttachments, AwsError>,
}

/// One access key of the user, as `iam:ListAccessKeys` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KeyListed {
    id: String,
    /// `Active` or `Inactive`, in whichever casing AWS wrote it.
    status: String,
    created: Option<DateTime<Utc>>,
}

/// Reads the age of the key and what is attached to its user, with the key's own session (`ctx`
/// is the key's, its identity the key's owner). `None` when the key is no IAM user's: root,
/// role and federated sessions have no key to rotate, and no user to quarantine.
pub async fn read(ctx: &ProbeContext<'_>) -> Option<KeyState> {
    if ctx.identity.principal_type != PrincipalType::User {
        return None;
    }
    // `arn:aws:iam::123456789012:user/path/name`: the name is the last segment.
    let user = ctx.identity.arn.rsplit('/').next()?.to_owned();
    let home = ctx.identity.partition.sts_region();
    let iam = ctx.session.iam(home);
    let listing = ctx.aws(home, AwsService::Iam, "ListAccessKeys", || {
        iam.list_access_keys().user_name(&user).send()
    });
    let (keys, attachments) = tokio::join!(listing, user_attachments(ctx, &iam, &user));
    let keys = keys.map(|output| {
        output
            .access_key_metadata()
            .iter()
            .map(|key| KeyListed {
                id: key.access_key_id().unwrap_or_default().to_owned(),
                status: key
                    .status()
                    .map(|status| status.as_str().to_owned())
                    .unwrap_or_default(),
                created: key
                    .create_date()
                    .and_then(|date| DateTime::from_timestamp(date.secs(), date.subsec_nanos())),
            })
            .collect()
    });
    Some(KeyState {
        user,
        keys,
        attachments,
    })
}

/// The findings of what IAM said of the key (`state`) and of the required actions AWS's
/// quarantine policy denies (`quarantined`, from the permissions check), judged at `now`.
pub fn conclude(
    state: Option<KeyState>,
    quarantined: &[QuarantinedAction],
    request: &DiagnosisRequest,
    report: &mut Report,
    now: DateTime<Utc>,
) {
    let attached = match &state {
        Some(KeyState {
            user,
            attachments: Ok(attachments),
            ..
        }) => quarantine_places(attachments, user),
        _ => Vec::new(),
    };
    if !attached.is_empty() || !quarantined.is_empty() {
        record(
            report,
            finding(
                Code::CredentialsQuarantined,
                CheckId::Identity,
                quarantine_detail(&attached, quarantined, request),
            ),
            "AWS quarantined the key: it was exposed.",
        );
    }
    let Some(state) = state else {
        return;
    };
    match &state.keys {
        Ok(keys) => {
            let key = request.credentials.access_key_id.expose();
            if let Some(detail) = age_detail(keys, key, &state.user, now) {
                record(
                    report,
                    finding(Code::CredentialsKeyOld, CheckId::Identity, detail),
                    "The key is older than 90 days.",
                );
            }
        }
        Err(error) => note(
            report,
            &format!(
                "The key's age could not be read (iam:ListAccessKeys: {}).",
                error.brief()
            ),
        ),
    }
    if let Err(error) = &state.attachments {
        note(
            report,
            &format!(
                "The policies attached to user {} could not be read ({}).",
                state.user,
                error.brief()
            ),
        );
    }
}

/// Where a quarantine policy is attached: `(policy name, "user mdca")` or `(.., "group G of
/// user mdca")`.
fn quarantine_places(attachments: &UserAttachments, user: &str) -> Vec<(String, String)> {
    let name = |arn: &String| policy_name(arn).to_owned();
    let direct = attachments
        .direct
        .iter()
        .filter(|arn| is_quarantine_policy(arn))
        .map(|arn| (name(arn), format!("user {user}")));
    let groups = attachments.groups.iter().flat_map(|(group, attached)| {
        attached
            .iter()
            .filter(|arn| is_quarantine_policy(arn))
            .map(move |arn| (name(arn), format!("group {group} of user {user}")))
    });
    direct.chain(groups).collect()
}

/// What AWS did, what it denies the connector, and the order of the steps.
fn quarantine_detail(
    attached: &[(String, String)],
    quarantined: &[QuarantinedAction],
    request: &DiagnosisRequest,
) -> String {
    let key = request.credentials.access_key_id.shortened();
    let base = if request.assume_role.is_some() {
        " (the key the connector assumes its role with)"
    } else {
        ""
    };
    let mut text = if attached.is_empty() {
        let mut policies: Vec<&str> = quarantined.iter().map(|q| q.policy.as_str()).collect();
        policies.sort_unstable();
        policies.dedup();
        format!(
            "AWS denied calls of the access key {key}{base} with its quarantine policy {}: AWS \
             attaches it when it finds a key exposed in public.",
            policies.join(", ")
        )
    } else {
        let places: Vec<String> = attached
            .iter()
            .map(|(policy, place)| format!("{policy} to {place}"))
            .collect();
        format!(
            "AWS attached its quarantine policy {}: AWS found the access key {key}{base} \
             exposed in public.",
            places.join(", and ")
        )
    };
    if !quarantined.is_empty() {
        let actions: Vec<&str> = quarantined.iter().map(|q| q.action.as_str()).collect();
        text.push_str(&format!(
            " The required action(s) it was seen denying the connector: {}.",
            actions.join(", ")
        ));
    }
    text.push_str(
        " Do not remove the policy to make the connector work: create a new access key and put \
         it in the connector, deactivate and delete the exposed key, review CloudTrail for what \
         the exposed key did, follow the AWS support case, and only then detach the policy.",
    );
    text
}

/// The age finding's detail when the key (`key`, its full id) is older than 90 days; with two
/// keys, which one to delete first (a user holds at most two).
fn age_detail(keys: &[KeyListed], key: &str, user: &str, now: DateTime<Utc>) -> Option<String> {
    let listed = keys.iter().find(|listed| listed.id == key)?;
    let created = listed.created?;
    let age = now - created;
    if age <= MAX_KEY_AGE {
        return None;
    }
    let mut text = format!(
        "The access key {} of user {user} was created on {}, {} days ago, and AWS advises \
         rotating keys at least every 90 days. Rotate it without downtime: create a second access key, put it \
         in the connector, deactivate this one, then delete it.",
        shortened(key),
        created.format("%Y-%m-%d"),
        age.num_days()
    );
    if let Some(other) = keys.iter().find(|listed| listed.id != key) {
        let other_key = shortened(&other.id);
        if same_word(&other.status, "Inactive") {
            text.push_str(&format!(
                " User {user} already holds two access keys, the most IAM allows: delete the \
                 inactive key {other_key} first."
            ));
        } else {
            text.push_str(&format!(
                " User {user} already holds two access keys, the most IAM allows, and the \
                 other one ({other_key}) is active too: delete it first once nothing uses it \
                 (IAM shows each key's last use)."
            ));
        }
    }
    Some(text)
}

/// A key id as people may see it (`AKIA…MPLE`), never the whole id.
fn shortened(id: &str) -> String {
    AccessKeyId::parse(id).map_or_else(|_| "(unnamed)".to_owned(), |key| key.shortened())
}

/// Records `found` and makes the identity check say `sentence`, as bad as the finding is.
fn record(report: &mut Report, found: Finding, sentence: &str) {
    let status = match found.severity {
        Severity::Error => Some(CheckStatus::Fail),
        Severity::Warning => Some(CheckStatus::Warn),
        Severity::Info => None,
    };
    if let Some(check) = identity_check(report) {
        if let Some(status) = status
            && rank(status) > rank(check.status)
        {
            check.status = status;
        }
        check.summary = format!("{} {sentence}", check.summary);
    }
    report.finding(found);
}

/// Adds `sentence` to the identity check's summary.
fn note(report: &mut Report, sentence: &str) {
    if let Some(check) = identity_check(report) {
        check.summary = format!("{} {sentence}", check.summary);
    }
}

fn identity_check(report: &mut Report) -> Option<&mut crate::domain::Check> {
    report
        .checks
        .iter_mut()
        .find(|check| check.id == CheckId::Identity)
}

/// How bad a status of a check that ran is.
fn rank(status: CheckStatus) -> u8 {
    match status {
        CheckStatus::Skipped | CheckStatus::Pass => 0,
        CheckStatus::Warn => 1,
        CheckStatus::Error => 2,
        CheckStatus::Fail => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(id: &str, status: &str, days_old: i64, now: DateTime<Utc>) -> KeyListed {
        KeyListed {
            id: id.to_owned(),
            status: status.to_owned(),
            created: Some(now - TimeDelta::days(days_old)),
        }
    }

    const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
    const OTHER: &str = "AKIAI44QH8DHBEXAMPLE";

    #[test]
    fn a_key_older_than_90_days_is_old_and_a_younger_one_is_not() {
        let now = Utc::now();
        assert_eq!(
            age_detail(&[listed(KEY, "Active", 90, now)], KEY, "mdca", now),
            None
        );
        let old =
            age_detail(&[listed(KEY, "Active", 91, now)], KEY, "mdca", now).expect("an old key");
        assert!(old.contains("91 days ago"), "{old}");
        assert!(old.contains("AKIA…MPLE") && !old.contains(KEY), "{old}");
        // Another key's age says nothing of this one.
        assert_eq!(
            age_detail(&[listed(OTHER, "Active", 400, now)], KEY, "mdca", now),
            None
        );
    }

    #[test]
    fn with_two_keys_the_inactive_one_is_deleted_first() {
        let now = Utc::now();
        let inactive = age_detail(
            &[
                listed(KEY, "Active", 200, now),
                listed(OTHER, "INACTIVE", 300, now),
            ],
            KEY,
            "mdca",
            now,
        )
        .expect("an old key");
        assert!(
            inactive.contains("delete the inactive key AKIA…MPLE first"),
            "{inactive}"
        );
        let active = age_detail(
            &[
                listed(KEY, "Active", 200, now),
                listed(OTHER, "Active", 10, now),
            ],
            KEY,
            "mdca",
            now,
        )
        .expect("an old key");
        assert!(active.contains("is active too"), "{active}");
    }

    #[test]
    fn quarantine_policies_are_found_on_the_user_and_its_groups() {
        let attachments = UserAttachments {
            direct: [
                "arn:aws:iam::aws:policy/SecurityAudit".to_owned(),
                "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2".to_owned(),
            ]
            .into(),
            groups: vec![(
                "auditors".to_owned(),
                ["arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantine".to_owned()].into(),
            )],
        };
        assert_eq!(
            quarantine_places(&attachments, "mdca"),
            vec![
                (
                    "AWSCompromisedKeyQuarantineV2".to_owned(),
                    "user mdca".to_owned()
                ),
                (
                    "AWSCompromisedKeyQuarantine".to_owned(),
                    "group auditors of user mdca".to_owned()
                ),
            ]
        );
    }
}
