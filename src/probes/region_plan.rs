//! The regions of one diagnosis, as decided before the regional probes run.

use std::collections::BTreeMap;

use crate::domain::{Finding, Region, RegionsSource};

/// The regions of one diagnosis.
#[derive(Debug, Default)]
pub struct RegionPlan {
    /// Every region the answer covers, in the order the caller named them (else by name).
    pub listed: Vec<Region>,
    /// Where the list came from; `None` only before identity is known.
    pub source: Option<RegionsSource>,
    /// Listed regions that AWS reports not enabled, with the status it gave: not probed.
    pub not_enabled: BTreeMap<Region, String>,
    /// The opt-in status AWS gave, per region it was read for: `true` when usable.
    pub enabled: BTreeMap<Region, bool>,
    /// What discovery found worth saying (`REGION_DISCOVERY_UNAVAILABLE`).
    pub findings: Vec<Finding>,
}

impl RegionPlan {
    /// The listed regions whose services are probed.
    pub fn probed(&self) -> Vec<Region> {
        self.listed
            .iter()
            .copied()
            .filter(|region| !self.not_enabled.contains_key(region))
            .collect()
    }

    /// Whether AWS said `region` is enabled for the account; `None` when it was not read.
    pub fn is_enabled(&self, region: Region) -> Option<bool> {
        self.enabled.get(&region).copied()
    }
}
