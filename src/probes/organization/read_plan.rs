//! Where the findings of one region are read, and whose.

use crate::domain::Region;

/// Where the findings of `origin` are read (the aggregation region for a linked region), and
/// the accounts whose findings are sought there.
#[derive(Debug, Clone)]
pub struct ReadPlan {
    /// The region the call goes to.
    pub read_in: Region,
    /// The region whose findings are sought.
    pub origin: Region,
    /// Enabled members (and the administrator) of that region.
    pub accounts: Vec<String>,
}
