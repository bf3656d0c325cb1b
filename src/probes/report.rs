//! The checks and findings a diagnosis accumulates while its probes run.

use std::time::Instant;

use crate::domain::{Check, CheckId, CheckStatus, Finding};

/// What the probes have found so far; kept when the deadline cuts a diagnosis short.
#[derive(Debug, Default)]
pub struct Report {
    /// Checks in the order they finished.
    pub checks: Vec<Check>,
    /// Findings in the order they were made.
    pub findings: Vec<Finding>,
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

    /// Records a check that did not run.
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
}

/// Milliseconds since `started`.
pub fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
