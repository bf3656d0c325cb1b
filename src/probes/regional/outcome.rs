//! The result of one service's probe in one region, and how its main call's failure is read.

use std::time::Instant;

use chrono::Utc;

use crate::aws::AwsError;
use crate::catalogue::aws_mapping;
use crate::domain::{CheckId, Code, Finding, Region, RegionState, RegionWords, Severity};
use crate::probes::context::ProbeContext;
use crate::probes::explain::{FindingExt, finding};

/// One service in one region.
pub struct RegionOutcome<S> {
    /// The region.
    pub region: Region,
    /// The service's state there.
    pub state: RegionState<S>,
    /// Findings of sub-calls (and of the main call when it could not be read).
    pub findings: Vec<Finding>,
    /// Facts for the check's summary.
    pub notes: Vec<String>,
    /// When the probe started, for the check's duration.
    pub started: Instant,
}

/// How a failed call is read by the regional probes.
enum Failure {
    /// The region is not enabled for the account (the credentials passed identity).
    RegionDisabled,
    /// The region is enabled, and rejects the session token (a global STS version 1 token).
    SessionTokenUnsupported,
    /// The credentials may not make the call.
    AccessDenied,
    /// Anything else: its catalogue code.
    Other(Code),
}

/// What is known of a region and the credentials when one of its calls fails.
#[derive(Debug, Clone, Copy, Default)]
struct Standing {
    /// Whether AWS listed the region as enabled for the account; `None` when not read.
    enabled: Option<bool>,
    /// Whether the credentials carry a session token that another STS endpoint issued.
    session_token: bool,
}

impl Standing {
    /// What `ctx` knows of `region`.
    fn of(ctx: &ProbeContext<'_>, region: Region) -> Self {
        Self {
            enabled: ctx.regions.is_enabled(region),
            // A role session's token comes from this service's own call to a regional STS
            // endpoint (version 2), valid everywhere: only the caller's own token can be old.
            session_token: ctx.request.assume_role.is_none()
                && ctx.request.credentials.session_token.is_some(),
        }
    }
}

/// Reads a failed call in `region`. Identity already passed, so an invalid-token answer is
/// never bad credentials: a region enabled by default cannot be disabled, so there the key (or a
/// policy) has not yet propagated to it. In an opt-in region AWS lists as enabled, a session token
/// is one the global STS endpoint issued (version 1, valid only in default regions), and a
/// long-term key has not yet propagated; otherwise the opt-in region is not enabled.
fn classify(error: &AwsError, region: Region, standing: Standing) -> Failure {
    if aws_mapping::is_denial(error) {
        return Failure::AccessDenied;
    }
    // The catalogue's table reads the code; the region and the credentials decide what an
    // unknown key means once identity has passed.
    match aws_mapping::code_for(error, Utc::now()) {
        Code::RegionDisabled => Failure::RegionDisabled,
        Code::CredentialsInvalidKeyId => {
            match (region.is_opt_in(), standing.enabled, standing.session_token) {
                (false, _, _) | (true, Some(true), false) => {
                    Failure::Other(Code::CredentialsPropagating)
                }
                (true, Some(true), true) => Failure::SessionTokenUnsupported,
                (true, _, _) => Failure::RegionDisabled,
            }
        }
        code => Failure::Other(code),
    }
}

/// What a check's failed main call in a region can answer, beyond the shared words: each
/// regional check implements it for its own words, in its own module.
pub trait Answers: RegionWords {
    /// The state of a region that is not enabled for the account.
    const DISABLED: RegionState<Self>;

    /// The state a failure's code stands for when the failure is itself the answer (an API
    /// that says "not enabled" with an error), else `None`.
    fn answered_by(code: Code) -> Option<RegionState<Self>>;
}

/// What the failure of a service's main call in a region says.
pub struct MainCallFailure<S> {
    /// The service's state there.
    pub state: RegionState<S>,
    /// The finding it is worth, if any (a disabled region or an answer is none).
    pub finding: Option<Finding>,
    /// Whether it said the region is disabled.
    pub region_disabled: bool,
}

/// Reads the failure of the main call of `check`'s service in `region`: one reading for every
/// regional probe.
pub fn main_call_failed<S: Answers>(
    ctx: &ProbeContext<'_>,
    check: CheckId,
    error: &AwsError,
    region: Region,
) -> MainCallFailure<S> {
    let failure = classify(error, region, Standing::of(ctx, region));
    let region_disabled = matches!(failure, Failure::RegionDisabled);
    let (state, finding) = match failure {
        Failure::RegionDisabled => (S::DISABLED, None),
        Failure::SessionTokenUnsupported => (
            RegionState::Error,
            Some(token_unsupported(ctx, error, region)),
        ),
        Failure::AccessDenied => (
            RegionState::AccessDenied,
            Some(denied(check, error, region)),
        ),
        Failure::Other(code) => match S::answered_by(code) {
            Some(state) => (state, None),
            None => (
                RegionState::Error,
                Some(
                    finding(code, check, error.to_string())
                        .in_region(region)
                        .with_aws_error(error),
                ),
            ),
        },
    };
    MainCallFailure {
        state,
        finding,
        region_disabled,
    }
}

/// The region is enabled and rejected the session token: one finding per region (the regional
/// probes keep the first), under the regions check.
fn token_unsupported(ctx: &ProbeContext<'_>, error: &AwsError, region: Region) -> Finding {
    let named = ctx
        .request
        .named_regions
        .as_deref()
        .is_some_and(|named| named.contains(&region));
    let severity = match named {
        true => Severity::Warning,
        false => Severity::Info,
    };
    finding(
        Code::SessionTokenRegionUnsupported,
        CheckId::Regions,
        format!(
            "{region} is an opt-in region that AWS lists as enabled for this account, and it \
             rejected the session token that STS accepted ({}): a token from the global STS \
             endpoint (version 1) is valid only in regions enabled by default.",
            error.code.as_deref().unwrap_or("invalid token")
        ),
    )
    .in_region(region)
    .with_severity(severity)
    .with_aws_error(error)
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
    // The main call of the region passed: the token and the region are fine there.
    let found = match classify(error, region, Standing::default()) {
        Failure::AccessDenied => denied(check, error, region),
        Failure::RegionDisabled | Failure::SessionTokenUnsupported => {
            finding(Code::RegionDisabled, check, error.to_string())
                .in_region(region)
                .with_aws_error(error)
        }
        Failure::Other(code) => finding(code, check, error.to_string())
            .in_region(region)
            .with_aws_error(error),
    };
    let severity = found.severity.min(Severity::Warning);
    found.with_severity(severity)
}
