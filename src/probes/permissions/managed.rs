//! The managed policies the security configuration connection asks for, against those attached.

use std::collections::BTreeSet;

/// The `required` managed policy ARNs not among `attached`. ARNs are compared without their
/// partition: the requirements name `arn:aws:`, while China and GovCloud attach `arn:aws-cn:`
/// and `arn:aws-us-gov:` copies of the same policies.
pub fn missing(required: &[String], attached: &BTreeSet<String>) -> Vec<String> {
    let attached: BTreeSet<&str> = attached.iter().map(|arn| without_partition(arn)).collect();
    required
        .iter()
        .filter(|arn| !attached.contains(without_partition(arn)))
        .cloned()
        .collect()
}

/// `iam::aws:policy/Name` of `arn:PARTITION:iam::aws:policy/Name`.
fn without_partition(arn: &str) -> &str {
    arn.splitn(3, ':').nth(2).unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUDIT: &str = "arn:aws:iam::aws:policy/SecurityAudit";
    const HUB: &str = "arn:aws:iam::aws:policy/AWSSecurityHubReadOnlyAccess";

    #[test]
    fn names_only_the_unattached_policies_in_any_partition() {
        let required = vec![AUDIT.to_owned(), HUB.to_owned()];
        let attached = BTreeSet::from([
            "arn:aws-cn:iam::aws:policy/SecurityAudit".to_owned(),
            "arn:aws:iam::123456789012:policy/AWSSecurityHubReadOnlyAccess".to_owned(),
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
