//! The two connections the portal offers for AWS.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One of the two connections of the seed guide.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    /// "Security auditing": the policy of CloudTrail, CloudWatch, IAM and S3 actions.
    SecurityAuditing,
    /// "Security configuration": SecurityAudit and AWSSecurityHubReadOnlyAccess, Config and Security Hub on.
    SecurityConfiguration,
}

impl Connection {
    /// Both connections, the default of a request.
    pub const ALL: [Connection; 2] = [
        Connection::SecurityAuditing,
        Connection::SecurityConfiguration,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Connection::SecurityAuditing => "security_auditing",
            Connection::SecurityConfiguration => "security_configuration",
        }
    }

    /// Parses the wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}
