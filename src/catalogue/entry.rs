//! One catalogue entry: what a failure means and how to fix it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Code;
use crate::domain::{Connection, Severity};

/// A troubleshooting catalogue entry, as served by `GET /v1/catalogue` and embedded in matches.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "SECURITY_HUB_NOT_ENABLED",
    "severity": "error",
    "title": "AWS Security Hub is not enabled",
    "description": "Security Hub is not enabled for this account in the Region, so there are no CIS benchmark results to read.",
    "resolution": [
        "Security configuration, Set up AWS Security Hub, item 2: enable AWS Security Hub in this Region."
    ],
    "connections": ["security_configuration"],
    "aws_error_codes": ["InvalidAccessException"],
    "legacy_messages": [],
    "docs": ["https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-settingup.html"],
    "retryable": false
}))]
pub struct CatalogueEntry {
    /// The stable catalogue code.
    pub code: Code,
    /// The default severity of a finding with this code; context may lower or raise it.
    pub severity: Severity,
    /// A short human title.
    pub title: String,
    /// The precise cause, in one to three sentences.
    pub description: String,
    /// Ordered fix steps, naming the seed guide's step or the exact AWS setting.
    pub resolution: Vec<String>,
    /// The connections this failure concerns.
    pub connections: Vec<Connection>,
    /// AWS error codes (wire strings) that signal this failure.
    // Derived from the catalogue's table of AWS error codes (the codes whose default entry, a
    // rule or a probe's context points here), never written in an `[[entry]]`. (A plain comment:
    // the doc comment is the OpenAPI description, which stays as it was.)
    #[serde(default, deserialize_with = "derived_only")]
    #[schema(required = true)]
    pub aws_error_codes: Vec<String>,
    /// Messages of the legacy portal that this entry explains.
    pub legacy_messages: Vec<String>,
    /// Documentation links (https).
    pub docs: Vec<String>,
    /// Whether trying again later, unchanged, may succeed.
    pub retryable: bool,
    /// Phrases that point to this entry in raw error text; used by the matcher only, never serialized.
    #[serde(default, skip_serializing)]
    pub message_patterns: Vec<MessagePattern>,
}

/// A phrase that, found in a raw error message, suggests an entry with the given score.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessagePattern {
    /// Words to look for; compared case-insensitively as whole words, punctuation ignored.
    pub phrase: String,
    /// The score (0..=1) this phrase alone gives the entry.
    pub score: f64,
}

/// Refuses `aws_error_codes` written in an entry: the table of AWS error codes is their one source.
fn derived_only<'de, D: serde::Deserializer<'de>>(_: D) -> Result<Vec<String>, D::Error> {
    Err(serde::de::Error::custom(
        "aws_error_codes is derived from the [[aws_error]] table; write the codes there",
    ))
}
