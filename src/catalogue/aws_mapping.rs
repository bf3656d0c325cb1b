//! The one mapper from AWS errors to catalogue codes, used by every probe.
//!
//! Decides on the wire code and the failure kind, never on the HTTP status alone
//! (status differs between services), and on the message suffix for access denials.

use chrono::{DateTime, TimeDelta, Utc};

use crate::aws::{AwsError, AwsErrorKind};
use crate::domain::{Code, DeniedBy};

/// AWS rejects requests signed more than 15 minutes off its clock; five already warrants a finding.
const CLOCK_SKEW_LIMIT: TimeDelta = TimeDelta::minutes(5);

const INVALID_KEY: &[&str] = &["InvalidClientTokenId", "UnrecognizedClientException"];
const SIGNATURE: &[&str] = &["SignatureDoesNotMatch"];
const EXPIRED: &[&str] = &["ExpiredToken", "ExpiredTokenException"];
/// `RequestExpired` is about the request's signing time (a clock), not an expired token.
const SKEW: &[&str] = &[
    "RequestTimeTooSkewed",
    "RequestInTheFuture",
    "RequestExpired",
];
const MALFORMED: &[&str] = &[
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "InvalidSignatureException",
    "MalformedPolicyDocument",
];
const REGION_OFF: &[&str] = &["OptInRequired", "RegionDisabledException"];
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
    "RequestThrottled",
    "RequestThrottledException",
];
/// Codes AWS uses for "not allowed".
pub const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
];

/// The catalogue code explaining `error`, judged at time `now`.
pub fn code_for(error: &AwsError, now: DateTime<Utc>) -> Code {
    match error.kind {
        AwsErrorKind::Timeout | AwsErrorKind::NoTurn => return Code::AwsTimeout,
        AwsErrorKind::Unreachable => return Code::AwsUnreachable,
        AwsErrorKind::MalformedResponse => return Code::AwsServiceError,
        AwsErrorKind::Construction => return Code::InternalError,
        AwsErrorKind::Service => {}
    }
    if error.code_is(SKEW) || (is_auth_failure(error) && clock_skewed(error, now)) {
        return Code::ClockSkew;
    }
    if error.code_is(INVALID_KEY) {
        Code::CredentialsInvalidKeyId
    } else if error.code_is(SIGNATURE) {
        Code::CredentialsSignatureMismatch
    } else if error.code_is(EXPIRED) {
        Code::CredentialsExpired
    } else if error.code_is(MALFORMED) {
        Code::CredentialsMalformed
    } else if error.code_is(REGION_OFF) {
        Code::RegionDisabled
    } else if error.code_is(THROTTLED) {
        Code::AwsThrottled
    } else if error.code_is(ACCESS_DENIED) {
        match denied_by(error.message.as_deref().unwrap_or_default()) {
            Some(DeniedBy::Scp) => Code::PermissionDeniedByScp,
            Some(DeniedBy::Rcp) => Code::PermissionDeniedByRcp,
            Some(DeniedBy::PermissionsBoundary) => Code::PermissionDeniedByBoundary,
            Some(DeniedBy::IdentityPolicy) if is_explicit(error) => Code::PermissionExplicitDeny,
            _ => Code::AccessDenied,
        }
    } else if error.code_is(&["InvalidAccessException"]) {
        Code::SecurityHubNotEnabled
    } else if error.code_is(&["TrailNotFoundException", "InvalidTrailNameException"]) {
        Code::CloudtrailNoTrail
    } else if error.code_is(&["NoSuchConfigurationRecorderException"]) {
        Code::ConfigNoRecorder
    } else {
        Code::AwsServiceError
    }
}

/// Errors where a wrong clock is a possible cause.
fn is_auth_failure(error: &AwsError) -> bool {
    error.code_is(SIGNATURE) || error.code_is(EXPIRED) || error.code_is(INVALID_KEY)
}

/// Whether AWS's `Date` header is further from our clock than AWS tolerates well,
/// or the message says the signature expired.
pub fn clock_skewed(error: &AwsError, now: DateTime<Utc>) -> bool {
    let by_date = error
        .server_time
        .is_some_and(|time| (time - now.timestamp()).abs() > CLOCK_SKEW_LIMIT.num_seconds());
    let by_message = error.message.as_deref().is_some_and(|message| {
        message.contains("Signature expired") || message.contains("Signature not yet current")
    });
    by_date || by_message
}

fn is_explicit(error: &AwsError) -> bool {
    error
        .message
        .as_deref()
        .is_some_and(|message| message.contains("explicit deny"))
}

/// The policy type an access-denied message names in its suffix.
pub fn denied_by(message: &str) -> Option<DeniedBy> {
    let message = message.to_ascii_lowercase();
    if message.contains("service control policy") {
        Some(DeniedBy::Scp)
    } else if message.contains("resource control policy") {
        Some(DeniedBy::Rcp)
    } else if message.contains("permissions boundary") {
        Some(DeniedBy::PermissionsBoundary)
    } else if message.contains("session policy") {
        Some(DeniedBy::SessionPolicy)
    } else if message.contains("resource-based policy") {
        Some(DeniedBy::ResourcePolicy)
    } else if message.contains("identity-based policy") {
        Some(DeniedBy::IdentityPolicy)
    } else {
        None
    }
}
