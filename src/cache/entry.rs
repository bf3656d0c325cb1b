//! What is stored: diagnoses (no credentials in them) and history items.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Code;
use crate::domain::{Diagnosis, HealthStatus};

/// A stored diagnosis with the tenant that made it (another tenant gets 404).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredDiagnosis {
    /// The tenant that made it.
    pub tenant: String,
    /// The diagnosis as first answered.
    pub diagnosis: Diagnosis,
}

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
