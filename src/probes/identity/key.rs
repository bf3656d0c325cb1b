//! The access key's own state, beyond who it is: a session credential (`ASIA`) that stops
//! working when its session ends, a key of another account than the portal expects. Both are the
//! identity check's findings, told by STS's answer alone.

use crate::domain::{
    CheckId, CheckStatus, Code, DiagnosisRequest, Finding, IdentityInfo, PrincipalType, Severity,
};
use crate::probes::explain::finding;
use crate::probes::report::Report;

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
