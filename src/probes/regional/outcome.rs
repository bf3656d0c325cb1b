//! The result of one service's probe in one region, and how its main call's failure is read.

use std::time::Instant;

use chrono::Utc;

use super::super::observation::{Observation, ObservedOutcome};
use crate::aws::AwsError;
use crate::catalogue::{Code, aws_mapping};
use crate::domain::{CheckId, Finding, Region, Severity};
use crate::probes::finding::{FindingExt, finding};

/// One service in one region.
pub struct RegionOutcome<S> {
    /// The region.
    pub region: Region,
    /// The service's state there.
    pub state: S,
    /// Findings of sub-calls (and of the main call when it could not be read).
    pub findings: Vec<Finding>,
    /// Facts for the check's summary.
    pub notes: Vec<String>,
    /// When the probe started, for the check's duration.
    pub started: Instant,
    /// What the calls revealed about permissions.
    pub observations: Vec<Observation>,
}

/// How a failed call is read by the regional probes.
pub enum Failure {
    /// The region is not enabled for the account (the credentials passed identity).
    RegionDisabled,
    /// The credentials may not make the call.
    AccessDenied,
    /// Anything else: its catalogue code.
    Other(Code),
}

/// Reads a failed call. Identity already passed, so an invalid-token answer from a region
/// means the region is disabled (an opt-in region), never bad credentials.
pub fn classify(error: &AwsError) -> Failure {
    if error.code_is(&[
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "OptInRequired",
        "RegionDisabledException",
    ]) {
        return Failure::RegionDisabled;
    }
    if error.code_is(aws_mapping::ACCESS_DENIED) {
        return Failure::AccessDenied;
    }
    Failure::Other(aws_mapping::code_for(error, Utc::now()))
}

/// What a call's result says about its action's permission, if anything.
pub fn observe<T>(action: &'static str, result: &Result<T, AwsError>) -> Option<Observation> {
    let outcome = match result {
        Ok(_) => ObservedOutcome::Allowed,
        Err(error) if error.code_is(aws_mapping::ACCESS_DENIED) => {
            ObservedOutcome::Denied(error.message.as_deref().and_then(aws_mapping::denied_by))
        }
        // Other failures (throttling, 5xx, disabled region) say nothing about permissions.
        Err(_) => return None,
    };
    Some(Observation { action, outcome })
}

/// A denied read-only call of `check`.
pub fn denied(check: CheckId, error: &AwsError, region: Region) -> Finding {
    finding(
        aws_mapping::code_for(error, Utc::now()),
        check,
        error.to_string(),
    )
    .in_region(region)
    .with_aws_error(error)
}

/// A failed sub-call: its own finding, at most a warning, leaving the main state as it is.
pub fn sub_call_failed(check: CheckId, error: &AwsError, region: Region) -> Finding {
    let found = match classify(error) {
        Failure::AccessDenied => denied(check, error, region),
        Failure::RegionDisabled => finding(Code::RegionDisabled, check, error.to_string())
            .in_region(region)
            .with_aws_error(error),
        Failure::Other(code) => finding(code, check, error.to_string())
            .in_region(region)
            .with_aws_error(error),
    };
    let severity = found.severity.min(Severity::Warning);
    found.with_severity(severity)
}
