//! The verdict words on one required action.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The verdict on one required action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Allowed.
    Allowed,
    /// No statement allows it.
    ImplicitDeny,
    /// A statement denies it.
    ExplicitDeny,
    /// Could not be decided (conditions, or no way to check).
    Unknown,
}
