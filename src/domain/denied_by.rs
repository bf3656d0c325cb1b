//! The policy type that denied an action, as a verdict, an AWS message or CloudTrail's record
//! names it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The policy type that denied an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeniedBy {
    /// A service control policy of the organization.
    Scp,
    /// The identity's permissions boundary.
    PermissionsBoundary,
    /// A policy attached to the identity.
    IdentityPolicy,
    /// The session policy of a role session.
    SessionPolicy,
    /// A resource-based policy.
    ResourcePolicy,
    /// A resource control policy of the organization.
    Rcp,
}
