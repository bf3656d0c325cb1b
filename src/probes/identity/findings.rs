//! What the identity check found, as checks and findings: who the key is, a key of another
//! partition, a refusal read by the catalogue, a role that could not be assumed.

use std::time::Instant;

use chrono::Utc;

use crate::aws::AwsError;
use crate::catalogue::aws_mapping;
use crate::domain::{
    CheckId, CheckStatus, Code, DiagnosisRequest, IdentityInfo, Partition, PrincipalType,
};
use crate::probes::explain::{FindingExt, finding};
use crate::probes::report::Report;

/// The checks the identity module decides; every other check needs them passed.
const IDENTITY_CHECKS: [CheckId; 2] = [CheckId::Identity, CheckId::AssumeRole];

/// The identity check passed (a warning for the root user's keys).
pub fn record_identity(report: &mut Report, identity: &IdentityInfo, started: Instant) {
    if identity.principal_type == PrincipalType::Root {
        report.finding(finding(
            Code::RootCredentialsUsed,
            CheckId::Identity,
            format!(
                "The access key belongs to the root user of account {}.",
                identity.account_id
            ),
        ));
        report.check(
            CheckId::Identity,
            CheckStatus::Warn,
            started,
            format!("Root credentials of account {}.", identity.account_id),
        );
    } else {
        report.check(
            CheckId::Identity,
            CheckStatus::Pass,
            started,
            format!("Authenticated as {}.", identity.arn),
        );
    }
}

/// The regions named belong to `asked`, whose STS rejected the key; another partition's STS
/// accepted it.
pub fn wrong_partition(
    report: &mut Report,
    started: Instant,
    identity: &IdentityInfo,
    asked: Partition,
    request: &DiagnosisRequest,
    refusal: &AwsError,
) {
    let named: Vec<&str> = request
        .named_regions
        .iter()
        .flatten()
        .map(|r| r.name())
        .collect();
    let detail = format!(
        "The key belongs to {}: that partition's STS ({}) accepted it as {}, while the STS of \
         the regions asked for ({}, in {}) rejected it ({}). Check regions of {} or use a key of \
         {}.",
        identity.partition.title(),
        identity.partition.sts_region().sts_host(),
        identity.arn,
        named.join(", "),
        asked.title(),
        refusal.code.as_deref().unwrap_or("InvalidClientTokenId"),
        identity.partition.arn_name(),
        asked.arn_name(),
    );
    report.check(
        CheckId::Identity,
        CheckStatus::Fail,
        started,
        detail.clone(),
    );
    report.finding(
        finding(Code::CredentialsWrongPartition, CheckId::Identity, detail).with_aws_error(refusal),
    );
}

/// A failed identity or role check, its finding from the catalogue's reading of `error`, with
/// `note` added to what it says.
pub fn fail_check(
    report: &mut Report,
    check: CheckId,
    started: Instant,
    error: &AwsError,
    note: Option<&str>,
) {
    let code = aws_mapping::code_for(error, Utc::now());
    let status = if code.is_incomplete() {
        CheckStatus::Error
    } else {
        CheckStatus::Fail
    };
    let mut detail = match code {
        Code::ClockSkew => clock_skew_detail(error),
        _ => error.to_string(),
    };
    if let Some(note) = note {
        detail = format!("{detail} {note}");
    }
    report.check(check, status, started, detail.clone());
    report.finding(finding(code, check, detail).with_aws_error(error));
}

/// Whose clock is off: the diagnosis's requests are signed by this service, with the clock of
/// the host it runs on; the portal signs its own requests with its own host's clock.
fn clock_skew_detail(error: &AwsError) -> String {
    let offset = error.server_time.map(|aws| Utc::now().timestamp() - aws);
    let how_far = match offset {
        Some(seconds) if seconds > 0 => format!(", which is {seconds} s ahead of AWS"),
        Some(seconds) if seconds < 0 => format!(", which is {} s behind AWS", -seconds),
        _ => String::new(),
    };
    format!(
        "AWS refused the signing time of this service's request ({error}). connector-doctor signs \
         the diagnosis's requests with the clock of the host it runs on{how_far}: synchronise that \
         host's clock (NTP). The portal signs its own requests with its own clock: if Test API \
         fails the same way, synchronise the portal's host too."
    )
}

/// The role could not be assumed: a denial is the trust policy's or the external id's.
pub fn assume_role_failed(report: &mut Report, started: Instant, error: &AwsError, role_arn: &str) {
    if !aws_mapping::is_denial(error) {
        return fail_check(report, CheckId::AssumeRole, started, error, None);
    }
    let detail = format!(
        "sts:AssumeRole into {role_arn} was denied: the role's trust policy does not trust this \
         principal, the external id does not match, or the principal lacks sts:AssumeRole."
    );
    report.check(
        CheckId::AssumeRole,
        CheckStatus::Fail,
        started,
        detail.clone(),
    );
    report.finding(
        finding(Code::AssumeRoleDenied, CheckId::AssumeRole, detail).with_aws_error(error),
    );
}

/// Every check after a failed identity is skipped, saying why.
pub fn skip_after_failure(report: &mut Report, request: &DiagnosisRequest, why: &str) {
    let summary = format!("Not run: {why}.");
    if !report.has_check(CheckId::AssumeRole) && request.assume_role.is_some() {
        report.skip(CheckId::AssumeRole, summary.clone());
    } else if !report.has_check(CheckId::AssumeRole) {
        report.skip(CheckId::AssumeRole, "No role to assume was requested.");
    }
    for id in CheckId::ALL
        .into_iter()
        .filter(|id| !IDENTITY_CHECKS.contains(id))
    {
        report.skip(id, summary.clone());
    }
}
