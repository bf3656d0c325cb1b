//! What CloudTrail recorded of the connector's own calls failing: `observed_denials` and
//! `observed_window` of a Diagnosis.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::denied_by::DeniedBy;

/// The connector's calls of one action that failed with one error code, over the window read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ObservedDenial {
    /// The IAM action, e.g. `s3:GetBucketAcl`.
    #[schema(example = "s3:GetBucketAcl")]
    pub action: String,
    /// The error code CloudTrail recorded, e.g. `AccessDenied`.
    #[schema(example = "AccessDenied")]
    pub error_code: String,
    /// How many such calls were recorded.
    pub count: u64,
    /// The first one's time.
    pub first_seen: DateTime<Utc>,
    /// The last one's time.
    pub last_seen: DateTime<Utc>,
    /// The regions CloudTrail recorded them in, sorted.
    pub regions: Vec<String>,
    /// One resource the calls were made on (the most recent call's), when CloudTrail names one.
    #[schema(example = "arn:aws:s3:::contoso-logs")]
    pub example_resource: Option<String>,
    /// The policy type the error message names, when it names one.
    pub denied_by: Option<DeniedBy>,
    /// The most recent call's error message, scrubbed of the request's secrets.
    pub message: Option<String>,
}

/// The time CloudTrail's record was read over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ObservedWindow {
    /// Every region read is covered from this time on (the latest of the regions' own starts).
    pub from: DateTime<Utc>,
    /// When the record was read: events up to then, as CloudTrail had delivered them.
    pub to: DateTime<Utc>,
    /// What was read in each region.
    pub regions: Vec<ObservedRegion>,
}

/// What was read of CloudTrail's record in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ObservedRegion {
    /// The region.
    #[schema(example = "us-east-1")]
    pub region: String,
    /// Every event of the key in this region since this time was read.
    pub from: DateTime<Utc>,
    /// Whether the whole window was read; `false` when the page budget or the deadline cut it.
    pub complete: bool,
}
