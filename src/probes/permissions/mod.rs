//! The permission probe: a verdict for every required action. (Not available yet.)

use super::context::ProbeContext;
use super::observation::Observation;
use super::report::Report;
use crate::domain::CheckId;

/// What the probe gathered from AWS before concluding.
pub struct PermissionEvidence;

/// Gathers the evidence: the simulator's answers, or the identity's policies.
pub async fn collect(_ctx: &ProbeContext<'_>) -> PermissionEvidence {
    PermissionEvidence
}

/// Concludes verdicts, findings and the remediation policy from the evidence and the
/// observations of the other probes' own calls.
pub fn conclude(
    _evidence: PermissionEvidence,
    _observations: &[Observation],
    ctx: &ProbeContext<'_>,
) -> Report {
    let principal = ctx.assumed_role_arn.unwrap_or(&ctx.identity.arn);
    let mut report = Report::default();
    report.skip(
        CheckId::Permissions,
        format!("The permissions of {principal} are not checked yet."),
    );
    report
}
