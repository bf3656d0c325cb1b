//! What a verdict is about: a required action on the resource the portal uses it on.

use crate::domain::{IdentityInfo, Partition, Region};
use crate::requirements::RequiredAction;

/// One action to decide, and the resource ARN it is evaluated and simulated against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The IAM action, e.g. `s3:GetBucketAcl`.
    pub action: String,
    /// The resource, e.g. `arn:aws:s3:::*`, or `*`.
    pub resource: String,
}

/// The targets of `required` in the diagnosed account, its regional resources placed in
/// `region` (the partition's home region, where the simulation runs).
pub fn targets(
    required: &[RequiredAction],
    partition: Partition,
    region: Region,
    identity: &IdentityInfo,
) -> Vec<Target> {
    required
        .iter()
        .map(|required| Target {
            action: required.action.clone(),
            resource: required.resource_in(partition, region, &identity.account_id),
        })
        .collect()
}
