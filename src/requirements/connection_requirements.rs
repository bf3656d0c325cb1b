//! What one connection needs, as `GET /v1/requirements` answers it per connection.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{Partition, PolicyDocument};

/// What one connection needs; the per-connection body of `GET /v1/requirements`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ConnectionRequirements {
    /// Concrete IAM actions (`service:Action`) the identity must be allowed, as the diagnosis checks them.
    #[schema(example = json!(["cloudtrail:DescribeTrails", "cloudtrail:LookupEvents"]))]
    pub actions: Vec<String>,
    /// ARNs of the AWS managed policies the guide asks to attach.
    #[schema(example = json!(["arn:aws:iam::aws:policy/SecurityAudit"]))]
    pub managed_policies: Vec<String>,
    /// The AWS services (IAM service prefixes) the connection relies on.
    #[schema(example = json!(["cloudtrail", "cloudwatch", "iam", "s3"]))]
    pub services: Vec<String>,
    /// The IAM policy JSON to paste, when the guide gives one; `null` otherwise.
    #[schema(value_type = Option<PolicyDocument>, required = true)]
    pub policy_document: Option<serde_json::Value>,
}

impl ConnectionRequirements {
    /// The managed policy ARNs in `partition` (`arn:aws-us-gov:iam::aws:policy/SecurityAudit`):
    /// the requirements name the commercial ones, and every partition has its own copy.
    pub fn managed_policies_in(&self, partition: Partition) -> Vec<String> {
        self.managed_policies
            .iter()
            .map(|arn| match arn.strip_prefix("arn:aws:") {
                Some(rest) => format!("arn:{}:{rest}", partition.arn_name()),
                None => arn.clone(),
            })
            .collect()
    }
}
