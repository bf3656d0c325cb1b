//! What the probes of a diagnosis accumulate: checks, findings, verdicts and region states.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::domain::{Check, CheckId, CheckStatus, Finding, PermissionVerdict, RegionStatus};

/// The summary of a check that the requested connections do not need.
pub const NOT_NEEDED: &str = "Not needed for the requested connections.";

/// The body of a Diagnosis as the probes build it; probes that run concurrently each
/// fill their own and the runner merges them.
#[derive(Debug, Default)]
pub struct Report {
    /// Checks in the order they finished.
    pub checks: Vec<Check>,
    /// Findings in the order they were made.
    pub findings: Vec<Finding>,
    /// One verdict per required action.
    pub permissions: Vec<PermissionVerdict>,
    /// A policy granting exactly the missing actions, if any are missing.
    pub remediation_policy: Option<serde_json::Value>,
    /// State of each service per region.
    pub regions: BTreeMap<String, RegionStatus>,
    /// Regions the regional checks covered.
    pub regions_checked: Vec<String>,
}

impl Report {
    /// Records a finished check that started at `started`.
    pub fn check(
        &mut self,
        id: CheckId,
        status: CheckStatus,
        started: Instant,
        summary: impl Into<String>,
    ) {
        self.checks.push(Check {
            id,
            status,
            region: None,
            duration_ms: elapsed_ms(started),
            summary: summary.into(),
        });
    }

    /// Records a check that the requested connections do not need.
    pub fn skip_not_needed(&mut self, id: CheckId) {
        self.skip(id, NOT_NEEDED);
    }

    /// Records a skipped check.
    pub fn skip(&mut self, id: CheckId, summary: impl Into<String>) {
        self.checks.push(Check {
            id,
            status: CheckStatus::Skipped,
            region: None,
            duration_ms: 0,
            summary: summary.into(),
        });
    }

    /// Records a finding.
    pub fn finding(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Whether a check with this id was recorded.
    pub fn has_check(&self, id: CheckId) -> bool {
        self.checks.iter().any(|check| check.id == id)
    }

    /// Adds everything `other` found.
    pub fn merge(&mut self, other: Report) {
        self.checks.extend(other.checks);
        self.findings.extend(other.findings);
        self.permissions.extend(other.permissions);
        self.remediation_policy = self.remediation_policy.take().or(other.remediation_policy);
        self.regions.extend(other.regions);
        self.regions_checked.extend(other.regions_checked);
    }
}

/// Milliseconds since `started`.
pub fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
