//! Explains what a probe saw: a catalogue code and the facts become a [`Finding`] with the
//! catalogue's title, fix and documentation.

use crate::aws::AwsError;
use crate::catalogue::Catalogue;
use crate::domain::Code;
use crate::domain::{CheckId, Connection, Finding, Region, Severity};

/// A finding with the catalogue's default severity.
pub fn finding(code: Code, check: CheckId, detail: impl Into<String>) -> Finding {
    let entry = Catalogue::builtin().get(code);
    Finding {
        code,
        severity: entry.severity,
        check,
        region: None,
        title: entry.title.clone(),
        detail: detail.into(),
        resolution: entry.resolution.clone(),
        docs: entry.docs.clone(),
        aws_error: None,
        connections: None,
    }
}

/// Builder-style additions, so probes read as sentences.
pub trait FindingExt {
    /// Attaches the AWS error behind the finding.
    fn with_aws_error(self, error: &AwsError) -> Self;
    /// Sets the region.
    fn in_region(self, region: Region) -> Self;
    /// Overrides the catalogue's default severity where context decides.
    fn with_severity(self, severity: Severity) -> Self;
    /// Narrows the connections the finding concerns.
    fn for_connections(self, connections: Vec<Connection>) -> Self;
}

impl FindingExt for Finding {
    fn with_aws_error(mut self, error: &AwsError) -> Self {
        self.aws_error = Some(error.report());
        self
    }

    fn in_region(mut self, region: Region) -> Self {
        self.region = Some(region.name().to_owned());
        self
    }

    fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    fn for_connections(mut self, connections: Vec<Connection>) -> Self {
        self.connections = Some(connections);
        self
    }
}
