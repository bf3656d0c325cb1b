//! AWS's quarantine policy: when AWS finds an access key exposed in public, it attaches an AWS
//! managed policy whose name starts with `AWSCompromisedKeyQuarantine` (the first without a
//! suffix, then `V2`, `V3`, `V4`, and later versions to come) to the key's user. Its Deny
//! statements are AWS's, not a mistake of the account: they are never a permission to grant or
//! a Deny to narrow. The probes recognise it by name wherever it shows: an attached policy, the
//! policy that decided a local evaluation, the simulator's matched statements, a denial message.

/// A required action that a quarantine policy denies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantinedAction {
    /// The action, `cloudtrail:LookupEvents`.
    pub action: String,
    /// The policy's name, `AWSCompromisedKeyQuarantineV2`.
    pub policy: String,
}

/// Every version's name starts so.
pub const POLICY_PREFIX: &str = "AWSCompromisedKeyQuarantine";

/// Whether the policy named by `name_or_arn` (a name, an ARN, or a policy's name in an
/// explanation, its ARN's last segment) is one of AWS's quarantine policies.
pub fn is_quarantine_policy(name_or_arn: &str) -> bool {
    policy_name(name_or_arn)
        .get(..POLICY_PREFIX.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(POLICY_PREFIX))
}

/// A policy's name from its ARN (`arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2`); a
/// name is kept as it is.
pub fn policy_name(name_or_arn: &str) -> &str {
    name_or_arn.rsplit('/').next().unwrap_or(name_or_arn)
}

/// The name of the quarantine policy `text` (an AWS denial message) names, if it names one:
/// `AWSCompromisedKeyQuarantineV2` in "... with an explicit deny in an identity-based policy:
/// arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2".
pub fn named_in(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find(&POLICY_PREFIX.to_ascii_lowercase())?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_is_recognised_by_name_or_arn() {
        for name in [
            "AWSCompromisedKeyQuarantine",
            "AWSCompromisedKeyQuarantineV2",
            "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3",
            "arn:aws-us-gov:iam::aws:policy/AWSCompromisedKeyQuarantineV9",
            "arn:aws:iam::123456789012:policy/awscompromisedkeyquarantinev2",
        ] {
            assert!(is_quarantine_policy(name), "{name}");
        }
        for name in [
            "arn:aws:iam::aws:policy/SecurityAudit",
            "AWSCompromisedKey",
            "arn:aws:iam::123456789012:policy/MyAWSCompromisedKeyQuarantine",
            "",
        ] {
            assert!(!is_quarantine_policy(name), "{name}");
        }
    }

    #[test]
    fn a_denial_message_names_the_version_that_denied() {
        let message = "User: arn:aws:iam::123456789012:user/mdca is not authorized to perform: \
                       cloudtrail:LookupEvents with an explicit deny in an identity-based policy: \
                       arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2";
        assert_eq!(named_in(message), Some("AWSCompromisedKeyQuarantineV2"));
        assert_eq!(
            named_in("denied by AWSCompromisedKeyQuarantine."),
            Some("AWSCompromisedKeyQuarantine")
        );
        assert_eq!(
            named_in("... because no identity-based policy allows the action"),
            None
        );
    }
}
