//! How serious a finding is.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Severity of a finding; ordered so `max` gives the worst.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; the connection works.
    Info,
    /// The connection works partly or is at risk.
    Warning,
    /// The connection does not work.
    Error,
}

impl Severity {
    /// Every severity, mildest first.
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Error];
}
