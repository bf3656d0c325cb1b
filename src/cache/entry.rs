//! What is stored: diagnoses (no credentials in them), with the tenant that made them.

use serde::{Deserialize, Serialize};

use crate::domain::Diagnosis;

/// A stored diagnosis with the tenant that made it (another tenant gets 404).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredDiagnosis {
    /// The tenant that made it.
    pub tenant: String,
    /// The diagnosis as first answered.
    pub diagnosis: Diagnosis,
}
