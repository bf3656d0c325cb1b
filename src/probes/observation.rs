//! What a probe's own read-only call revealed about a permission: the `observed` method.

use crate::domain::DeniedBy;

/// The result of a read-only call, for the permission verdict of its action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The IAM action the call needs, e.g. `cloudtrail:DescribeTrails`.
    pub action: &'static str,
    /// Whether AWS allowed it.
    pub outcome: ObservedOutcome,
}

/// Allowed, or denied with the policy type the message named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservedOutcome {
    /// The call succeeded (or failed for a reason other than authorization).
    Allowed,
    /// AWS denied the call.
    Denied(Option<DeniedBy>),
}
