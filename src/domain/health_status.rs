//! The health words of a diagnosis and of each connection.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Health of a connection or of the whole diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Everything required works.
    Healthy,
    /// Works partly, or a check could not be completed.
    Degraded,
    /// Does not work: at least one finding of severity `error`.
    Unhealthy,
}
