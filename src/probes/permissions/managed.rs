//! The managed policies the security configuration connection asks for, against those attached.

use std::collections::BTreeSet;

/// The `required` managed policy ARNs (in the key's partition) not among `attached`: a copy of
/// the policy in another partition, or a customer policy of the same name, is not the policy.
pub fn missing(required: &[String], attached: &BTreeSet<String>) -> Vec<String> {
    required
        .iter()
        .filter(|arn| !attached.contains(*arn))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUDIT: &str = "arn:aws-us-gov:iam::aws:policy/SecurityAudit";
    const HUB: &str = "arn:aws-us-gov:iam::aws:policy/AWSSecurityHubReadOnlyAccess";

    #[test]
    fn names_only_the_unattached_policies_of_the_partition() {
        let required = vec![AUDIT.to_owned(), HUB.to_owned()];
        let attached = BTreeSet::from([
            AUDIT.to_owned(),
            "arn:aws-us-gov:iam::123456789012:policy/AWSSecurityHubReadOnlyAccess".to_owned(),
        ]);
        assert_eq!(missing(&required, &attached), vec![HUB.to_owned()]);
        assert!(
            missing(
                &required,
                &BTreeSet::from([AUDIT.to_owned(), HUB.to_owned()])
            )
            .is_empty()
        );
    }
}
