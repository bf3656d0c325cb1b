//! What changed in a connector since its previous fresh diagnosis: `changes` of a Diagnosis
//! (computed by the service). Findings compare by code and region; permissions by action and
//! decision.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Code, Decision, HealthStatus};

/// The difference to the same connector's previous fresh diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Changes {
    /// The previous diagnosis's id.
    #[schema(example = "dgn_0193b2a4c5d67e8f9a0b1c2d3e4f5a6b")]
    pub previous_id: String,
    /// The overall status then and now.
    pub status: StatusChange,
    /// Findings now that were not then (by code and region).
    pub findings_added: Vec<FindingKey>,
    /// Findings then that are not now.
    pub findings_resolved: Vec<FindingKey>,
    /// Required actions whose decision changed.
    pub permissions_changed: Vec<PermissionChange>,
}

/// A status then and now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusChange {
    /// Then.
    pub from: HealthStatus,
    /// Now.
    pub to: HealthStatus,
}

/// A finding as findings are compared: its code and region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
pub struct FindingKey {
    /// The catalogue code.
    pub code: Code,
    /// The region, for per-region findings.
    pub region: Option<String>,
}

/// One required action's decision then and now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PermissionChange {
    /// The action.
    #[schema(example = "s3:PutBucketAcl")]
    pub action: String,
    /// Then.
    pub from: Decision,
    /// Now.
    pub to: Decision,
}
