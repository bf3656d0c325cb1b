//! The schema of the IAM policy documents the service returns (the remediation policy, the
//! guide's policy JSON), for the OpenAPI document: the values themselves stay JSON, as IAM
//! reads them, but a consumer sees their shape.

use serde::Serialize;
use utoipa::ToSchema;

/// An IAM policy document.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    /// The policy language version.
    #[schema(example = "2012-10-17")]
    pub version: String,
    /// The statements.
    pub statement: Vec<PolicyStatement>,
}

/// One statement of an IAM policy document.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyStatement {
    /// An optional statement id.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: PolicyEffect,
    /// The actions, e.g. `s3:GetBucketAcl` or `cloudtrail:Describe*`.
    pub action: StringOrList,
    /// The resources, e.g. `*` or an ARN pattern.
    pub resource: StringOrList,
    /// Conditions: operator to condition key to value(s), as IAM writes them.
    #[schema(value_type = Option<Object>)]
    pub condition: Option<serde_json::Value>,
}

/// The effect of a statement.
#[derive(Serialize, ToSchema)]
pub enum PolicyEffect {
    /// Allows what it matches.
    Allow,
    /// Denies what it matches.
    Deny,
}

/// One string, or a list of strings, as IAM accepts both.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum StringOrList {
    /// A single value.
    One(String),
    /// Several values.
    Many(Vec<String>),
}
