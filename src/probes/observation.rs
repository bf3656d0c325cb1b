//! What the diagnosis's own read-only calls revealed about permissions: the `observed` method.
//!
//! Every AWS call of a probe goes through [`super::context::ProbeContext::aws`], which records
//! its outcome here, so no probe has to remember to: a call that AWS allowed proves its action
//! allowed (in that region), a call that AWS denied proves it denied; a call that failed
//! otherwise (throttled, timed out, disabled region) proves nothing and is not recorded.

use std::sync::Mutex;

use crate::aws::{AwsError, AwsService};
use crate::catalogue::aws_mapping;
use crate::domain::{DeniedBy, Region};
use crate::probes::quarantine;

/// The result of a read-only call, for the permission verdict of its action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The IAM service prefix, e.g. `cloudtrail`.
    pub service: &'static str,
    /// The IAM action name the call needs, e.g. `DescribeTrails` (static: a diagnosis records
    /// about two hundred of these, and none allocates).
    pub action: &'static str,
    /// The region the call was signed for; `None` for a global service's call (IAM, S3),
    /// which AWS authorizes once for the whole account.
    pub region: Option<Region>,
    /// Whether AWS allowed it.
    pub outcome: ObservedOutcome,
    /// The AWS quarantine policy the denial message named (`AWSCompromisedKeyQuarantineV2`),
    /// when it named one.
    pub quarantine: Option<String>,
}

/// Allowed, or denied with the policy type the message named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservedOutcome {
    /// The call succeeded (or failed for a reason other than authorization).
    Allowed,
    /// AWS denied the call.
    Denied(Option<DeniedBy>),
}

/// The observations of one diagnosis, recorded as its calls finish.
#[derive(Debug, Default)]
pub struct CallLog(Mutex<Vec<Observation>>);

impl CallLog {
    /// Records what the call of `service`'s `operation` in `region` says, if anything.
    pub fn record<T>(
        &self,
        service: AwsService,
        operation: &'static str,
        region: Region,
        result: &Result<T, AwsError>,
    ) {
        let (outcome, quarantine) = match result {
            Ok(_) => (ObservedOutcome::Allowed, None),
            Err(error) if aws_mapping::is_denial(error) => {
                let message = error.message.as_deref();
                (
                    ObservedOutcome::Denied(message.and_then(aws_mapping::denied_by)),
                    message.and_then(quarantine::named_in).map(str::to_owned),
                )
            }
            Err(_) => return,
        };
        let observation = Observation {
            service: service.name(),
            action: action_of(service.name(), operation),
            region: (!service.authorizes_per_account()).then_some(region),
            outcome,
            quarantine,
        };
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(observation);
    }

    /// Everything recorded so far, in the order the calls finished.
    pub fn take(&self) -> Vec<Observation> {
        std::mem::take(
            &mut *self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// Whether AWS authorizes the actions of the service with IAM prefix `prefix` once for the
/// account rather than per region (see [`AwsService::authorizes_per_account`]).
pub fn is_global(prefix: &str) -> bool {
    AwsService::find(prefix).is_some_and(AwsService::authorizes_per_account)
}

impl Observation {
    /// Whether the call needed `action` (`service:Action`, any case).
    pub fn is_of(&self, action: &str) -> bool {
        action.split_once(':').is_some_and(|(service, name)| {
            service.eq_ignore_ascii_case(self.service) && name.eq_ignore_ascii_case(self.action)
        })
    }
}

/// The IAM action name an API operation needs: the operation's own name, except where IAM named
/// the action otherwise.
pub fn action_of<'a>(service: &str, operation: &'a str) -> &'a str {
    match (service, operation) {
        ("s3", "ListBuckets") => "ListAllMyBuckets",
        _ => operation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::AwsErrorKind;

    fn denied(message: &str) -> AwsError {
        AwsError {
            service: "securityhub",
            operation: "DescribeHub",
            kind: AwsErrorKind::Service,
            code: Some("AccessDeniedException".into()),
            message: Some(message.into()),
            http_status: Some(403),
            request_id: None,
            server_time: None,
        }
    }

    #[test]
    fn a_denial_by_the_quarantine_policy_is_recorded_with_its_name() {
        let log = CallLog::default();
        let region = Region::parse("us-east-1").unwrap();
        log.record(
            AwsService::SecurityHub,
            "DescribeHub",
            region,
            &Err::<(), _>(denied(
                "User: arn:aws:iam::123456789012:user/mdca is not authorized to perform: \
                 securityhub:DescribeHub with an explicit deny in an identity-based policy: \
                 arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3",
            )),
        );
        let seen = log.take();
        assert_eq!(
            seen[0].outcome,
            ObservedOutcome::Denied(Some(DeniedBy::IdentityPolicy))
        );
        assert_eq!(
            seen[0].quarantine.as_deref(),
            Some("AWSCompromisedKeyQuarantineV3")
        );
    }

    #[test]
    fn allowed_and_denied_calls_are_recorded_with_their_region_and_the_rest_is_not() {
        let log = CallLog::default();
        let region = Region::parse("eu-west-1").unwrap();
        log.record(
            AwsService::SecurityHub,
            "DescribeHub",
            region,
            &Ok::<(), AwsError>(()),
        );
        log.record(
            AwsService::SecurityHub,
            "DescribeHub",
            region,
            &Err::<(), _>(denied(
                "... with an explicit deny in a service control policy",
            )),
        );
        log.record(
            AwsService::SecurityHub,
            "DescribeHub",
            region,
            &Err::<(), _>(AwsError::deadline("securityhub", "DescribeHub")),
        );
        log.record(
            AwsService::S3,
            "ListBuckets",
            region,
            &Ok::<(), AwsError>(()),
        );
        let seen = log.take();
        assert_eq!(seen.len(), 3);
        assert!(seen[0].is_of("securityhub:DescribeHub"));
        assert_eq!(seen[0].region, Some(region));
        assert_eq!(
            seen[1].outcome,
            ObservedOutcome::Denied(Some(DeniedBy::Scp))
        );
        assert_eq!(seen[1].quarantine, None);
        assert!(seen[2].is_of("S3:listallmybuckets"));
        assert_eq!(seen[2].region, None);
        assert!(log.take().is_empty());
    }
}
