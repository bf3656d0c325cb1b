//! One line of a connector's history: what the history route answers and the report page lists.
//! A response type of the service, derived from a diagnosis; the cache only stores it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Code, Diagnosis, HealthStatus};

/// One line of a connector's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryItem {
    /// The diagnosis id.
    pub id: String,
    /// Its status.
    pub status: HealthStatus,
    /// When it ran.
    pub checked_at: DateTime<Utc>,
    /// How long it took.
    pub duration_ms: u64,
    /// The codes of its findings.
    pub finding_codes: Vec<Code>,
}

impl From<&Diagnosis> for HistoryItem {
    fn from(diagnosis: &Diagnosis) -> Self {
        let mut finding_codes: Vec<Code> = diagnosis.findings.iter().map(|f| f.code).collect();
        finding_codes.sort();
        finding_codes.dedup();
        Self {
            id: diagnosis.id.clone(),
            status: diagnosis.status,
            checked_at: diagnosis.checked_at,
            duration_ms: diagnosis.duration_ms,
            finding_codes,
        }
    }
}
