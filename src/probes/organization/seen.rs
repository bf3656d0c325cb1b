//! What the finding reads said of one account in one region, and how a cell is named.

use chrono::{DateTime, Utc};

use crate::domain::{DataFlow, Region};

/// What the reads said of one account in one region.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSeen {
    /// Flowing, none or not checked.
    pub data: DataFlow,
    /// The latest update of its findings seen.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Why not checked.
    pub reason: Option<String>,
}

/// The account and origin region a result is for.
pub type Cell = (String, Region);
