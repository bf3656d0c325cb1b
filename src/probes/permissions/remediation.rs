//! The ready-to-paste policy for what is missing, in the guide's own shape.
//!
//! Each missing action is granted through the guide's entry that covers it (`cloudwatch:Describe*`
//! where the guide writes that wildcard), so that pasting it yields the guide's policy and not a
//! wider one, on `*` for a wildcard (it covers actions on many resource types) and on the
//! resources the portal uses a concrete action on. Nothing is granted that something else
//! withholds: an explicit deny, an SCP, an RCP or a boundary wins over any added Allow, and a
//! decision that depends on the caller's network is not fixed by an unconditional grant; a
//! wildcard that would also cover such an action gives way to the concrete missing actions.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::denial::{Denial, denial_of};
use super::target::Target;
use crate::domain::{Decision, PermissionVerdict};
use crate::policy::action_matches;
use crate::requirements::RequiredAction;

/// The policy granting the missing actions, or `None` when nothing is missing.
pub fn policy(
    required: &[RequiredAction],
    targets: &[Target],
    verdicts: &[PermissionVerdict],
) -> Option<Value> {
    let withheld: Vec<&str> = verdicts
        .iter()
        .filter(|verdict| withholds(verdict))
        .map(|verdict| verdict.action.as_str())
        .collect();
    let mut by_resource: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for verdict in verdicts {
        if denial_of(verdict) != Some(Denial::Missing) {
            continue;
        }
        let action = verdict.action.as_str();
        let source = required
            .iter()
            .find(|r| r.action == action)
            .map(|r| r.source.as_str())
            .unwrap_or(action);
        // A managed policy's name is not an entry to paste; a wildcard that also covers a
        // withheld action would promise what it cannot give.
        let guide_entry = source.contains(':')
            && !withheld
                .iter()
                .any(|withheld| action_matches(source, withheld));
        if guide_entry && source != action {
            by_resource.entry("*").or_default().insert(source);
        } else {
            let resource = targets
                .iter()
                .find(|t| t.action == action)
                .map(|t| t.resource.as_str())
                .unwrap_or("*");
            by_resource.entry(resource).or_default().insert(action);
        }
    }
    (!by_resource.is_empty()).then(|| {
        let statements: Vec<Value> = by_resource
            .into_iter()
            .map(|(resource, actions)| {
                json!({ "Effect": "Allow", "Action": actions, "Resource": resource })
            })
            .collect();
        json!({ "Version": "2012-10-17", "Statement": statements })
    })
}

/// Whether something other than a missing Allow keeps the action from the connector.
fn withholds(verdict: &PermissionVerdict) -> bool {
    match denial_of(verdict) {
        Some(Denial::Missing) => false,
        Some(_) => true,
        None => verdict.decision == Decision::Unknown && !verdict.condition_keys.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Connection, DeniedBy, VerdictMethod};

    fn verdict(action: &str, decision: Decision, denied_by: Option<DeniedBy>) -> PermissionVerdict {
        PermissionVerdict::new(action, decision, VerdictMethod::LocalEvaluation)
            .with_denied_by(denied_by)
    }

    fn required(entries: &[(&str, &str, &str)]) -> (Vec<RequiredAction>, Vec<Target>) {
        let required = entries
            .iter()
            .map(|(action, source, resource)| RequiredAction {
                action: (*action).to_owned(),
                source: (*source).to_owned(),
                connections: vec![Connection::SecurityAuditing],
                resource: (*resource).to_owned(),
            })
            .collect();
        let targets = entries
            .iter()
            .map(|(action, _, resource)| Target {
                action: (*action).to_owned(),
                resource: (*resource).to_owned(),
            })
            .collect();
        (required, targets)
    }

    #[test]
    fn missing_actions_are_granted_through_the_guides_entries_on_their_resources() {
        let (required, targets) = required(&[
            ("s3:PutBucketAcl", "s3:PutBucketAcl", "arn:aws:s3:::*"),
            ("cloudtrail:LookupEvents", "cloudtrail:LookupEvents", "*"),
            ("cloudwatch:DescribeAlarms", "cloudwatch:Describe*", "*"),
            (
                "cloudwatch:DescribeAlarmHistory",
                "cloudwatch:Describe*",
                "*",
            ),
            (
                "iam:GetUser",
                "iam:Get*",
                "arn:aws:iam::123456789012:user/*",
            ),
            ("iam:ListUsers", "iam:List*", "*"),
            ("iam:ListRoles", "iam:List*", "*"),
            (
                "securityhub:DescribeHub",
                "AWSSecurityHubReadOnlyAccess",
                "*",
            ),
        ]);
        let verdicts = [
            verdict("s3:PutBucketAcl", Decision::ImplicitDeny, None),
            verdict("cloudtrail:LookupEvents", Decision::ImplicitDeny, None),
            verdict("cloudwatch:DescribeAlarms", Decision::ImplicitDeny, None),
            verdict(
                "cloudwatch:DescribeAlarmHistory",
                Decision::ImplicitDeny,
                None,
            ),
            verdict("iam:GetUser", Decision::Allowed, None),
            // iam:List* would also cover the SCP-denied ListRoles: only ListUsers is granted.
            verdict("iam:ListUsers", Decision::ImplicitDeny, None),
            verdict("iam:ListRoles", Decision::ImplicitDeny, Some(DeniedBy::Scp)),
            verdict("securityhub:DescribeHub", Decision::ImplicitDeny, None),
        ];
        assert_eq!(
            policy(&required, &targets, &verdicts),
            Some(json!({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "cloudtrail:LookupEvents",
                            "cloudwatch:Describe*",
                            "iam:ListUsers",
                            "securityhub:DescribeHub"
                        ],
                        "Resource": "*"
                    },
                    {"Effect": "Allow", "Action": ["s3:PutBucketAcl"], "Resource": "arn:aws:s3:::*"}
                ]
            }))
        );
    }

    #[test]
    fn withheld_and_conditional_actions_are_never_granted() {
        let (required, targets) = required(&[
            ("s3:GetBucketAcl", "s3:GetBucketAcl", "arn:aws:s3:::*"),
            ("iam:ListRoles", "iam:List*", "*"),
        ]);
        let mut conditional = verdict("s3:GetBucketAcl", Decision::Unknown, None);
        conditional.condition_keys = vec!["aws:SourceIp".to_owned()];
        let verdicts = [
            conditional,
            verdict(
                "iam:ListRoles",
                Decision::ExplicitDeny,
                Some(DeniedBy::IdentityPolicy),
            ),
        ];
        assert_eq!(policy(&required, &targets, &verdicts), None);
    }
}
