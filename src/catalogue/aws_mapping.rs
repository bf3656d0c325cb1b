//! The one mapper from AWS errors to catalogue codes, used by every probe.
//!
//! Which entry a wire code means, and the rules that pick another by the message or the call,
//! are the catalogue's table of AWS error codes (`[[aws_error]]` in `catalogue.toml`), never
//! lists here. What stays here is what the table cannot say: the failure kind of a call that got
//! no answer (timeouts, unreachable endpoints, no turn of the budget), and the clock check by
//! AWS's `Date` header for the codes the table marks `clock`. Never decided on the HTTP status
//! alone: status differs between services.

use chrono::{DateTime, TimeDelta, Utc};

use super::aws_errors::Seen;
use super::index::Catalogue;
use crate::aws::{AwsError, AwsErrorKind};
use crate::domain::{Code, DeniedBy};

/// AWS rejects requests signed more than 15 minutes off its clock; five already warrants a finding.
const CLOCK_SKEW_LIMIT: TimeDelta = TimeDelta::minutes(5);

/// The catalogue code explaining `error`, judged at time `now`.
pub fn code_for(error: &AwsError, now: DateTime<Utc>) -> Code {
    match error.kind {
        AwsErrorKind::Timeout | AwsErrorKind::NoTurn => return Code::AwsTimeout,
        AwsErrorKind::Unreachable => return Code::AwsUnreachable,
        AwsErrorKind::MalformedResponse => return Code::AwsServiceError,
        AwsErrorKind::Construction => return Code::InternalError,
        AwsErrorKind::Service => {}
    }
    let group = error
        .code
        .as_deref()
        .and_then(|code| Catalogue::builtin().aws_errors().get(code));
    // A code the table does not know is still an answer of AWS that the check could not use.
    let Some(group) = group else {
        return Code::AwsServiceError;
    };
    if group.clock && date_skewed(error, now) {
        return Code::ClockSkew;
    }
    group.resolve(&Seen::Call {
        service: error.service,
        operation: error.operation,
        message: error.message.as_deref().unwrap_or_default(),
    })
}

/// Whether AWS refused `error`'s call as not allowed: its code is one the table marks `denial`.
pub fn is_denial(error: &AwsError) -> bool {
    error.code.as_deref().is_some_and(is_denial_code)
}

/// Whether the wire code `code` (as CloudTrail records it, too) means "not allowed".
pub fn is_denial_code(code: &str) -> bool {
    Catalogue::builtin()
        .aws_errors()
        .get(code)
        .is_some_and(|group| group.denial)
}

/// Whether AWS's `Date` header is further from our clock than AWS tolerates well. (A message
/// saying the signature expired is a rule of the table.)
fn date_skewed(error: &AwsError, now: DateTime<Utc>) -> bool {
    error
        .server_time
        .is_some_and(|time| (time - now.timestamp()).abs() > CLOCK_SKEW_LIMIT.num_seconds())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn error(
        service: &'static str,
        operation: &'static str,
        code: &str,
        message: &str,
    ) -> AwsError {
        AwsError {
            service,
            operation,
            kind: AwsErrorKind::Service,
            code: Some(code.to_owned()),
            message: Some(message.to_owned()),
            http_status: Some(400),
            request_id: None,
            server_time: None,
        }
    }

    #[test]
    fn the_failure_kind_decides_before_any_code() {
        let now = Utc::now();
        let mut timeout = error("sts", "GetCallerIdentity", "AccessDenied", "");
        timeout.kind = AwsErrorKind::Timeout;
        assert_eq!(code_for(&timeout, now), Code::AwsTimeout);
        timeout.kind = AwsErrorKind::NoTurn;
        assert_eq!(code_for(&timeout, now), Code::AwsTimeout);
        timeout.kind = AwsErrorKind::Unreachable;
        assert_eq!(code_for(&timeout, now), Code::AwsUnreachable);
        timeout.kind = AwsErrorKind::Construction;
        assert_eq!(code_for(&timeout, now), Code::InternalError);
    }

    #[test]
    fn a_skewed_date_header_is_clock_skew_only_for_the_codes_the_table_marks() {
        let now = Utc::now();
        let skewed = |code| AwsError {
            server_time: Some(now.timestamp() - 3600),
            ..error("sts", "GetCallerIdentity", code, "")
        };
        assert_eq!(
            code_for(&skewed("InvalidSignatureException"), now),
            Code::ClockSkew
        );
        assert_eq!(code_for(&skewed("ExpiredToken"), now), Code::ClockSkew);
        assert_eq!(code_for(&skewed("AccessDenied"), now), Code::AccessDenied);
        assert_eq!(
            code_for(&skewed("ThrottlingException"), now),
            Code::AwsThrottled
        );
    }

    #[test]
    fn the_call_and_the_message_pick_the_rules() {
        let now = Utc::now();
        let denied = "User: arn:aws:iam::123456789012:user/mdca is not authorized to perform: \
                      sts:AssumeRole on resource: arn:aws:iam::123456789012:role/r";
        assert_eq!(
            code_for(&error("sts", "AssumeRole", "AccessDenied", denied), now),
            Code::AssumeRoleDenied
        );
        assert_eq!(
            code_for(&error("ec2", "DescribeRegions", "RequestExpired", ""), now),
            Code::CredentialsExpired
        );
        assert_eq!(
            code_for(
                &error("sts", "GetCallerIdentity", "RequestExpired", ""),
                now
            ),
            Code::ClockSkew
        );
        let wrong_region = "The authorization header is malformed; the region 'us-east-1' is \
                            wrong; expecting 'eu-west-1'";
        assert_eq!(
            code_for(
                &error(
                    "s3",
                    "GetBucketAcl",
                    "AuthorizationHeaderMalformed",
                    wrong_region
                ),
                now
            ),
            Code::RegionDisabled
        );
        assert_eq!(
            code_for(
                &error(
                    "s3",
                    "GetBucketAcl",
                    "AuthorizationHeaderMalformed",
                    "a non-empty Access Key (AKID) must be provided in the credential"
                ),
                now
            ),
            Code::CredentialsMalformed
        );
        assert_eq!(
            code_for(
                &error("iam", "CreatePolicy", "MalformedPolicyDocument", ""),
                now
            ),
            Code::PermissionMissing
        );
        assert_eq!(
            code_for(&error("iam", "GetUser", "MalformedPolicyDocument", ""), now),
            Code::AwsServiceError
        );
    }

    #[test]
    fn denials_are_the_codes_the_table_marks() {
        for code in [
            "AccessDenied",
            "AccessDeniedException",
            "UnauthorizedOperation",
            "Client.UnauthorizedOperation",
            "UnauthorizedAccess",
            "AuthorizationError",
        ] {
            assert!(is_denial_code(code), "{code}");
        }
        for code in [
            "AccessControlListNotSupported",
            "InvalidClientTokenId",
            "Throttling",
            "NoSuchThing",
        ] {
            assert!(!is_denial_code(code), "{code}");
        }
        assert!(is_denial(&error("iam", "GetUser", "AccessDenied", "")));
        let mut unanswered = error("iam", "GetUser", "AccessDenied", "");
        unanswered.code = None;
        assert!(!is_denial(&unanswered));
    }
}
