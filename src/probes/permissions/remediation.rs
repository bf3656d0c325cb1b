//! The ready-to-paste policy that grants exactly the missing actions.
//!
//! Only plain missing allows are in it: an explicit deny, an SCP or a permissions boundary
//! wins over any added Allow, so listing those actions would promise a fix that is none.

use serde_json::{Value, json};

use super::denial::{Denial, denial_of};
use crate::domain::PermissionVerdict;

/// `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[...],"Resource":"*"}]}`
/// with the missing actions sorted, or `None` when nothing is missing.
pub fn policy(verdicts: &[PermissionVerdict]) -> Option<Value> {
    let mut actions: Vec<&str> = verdicts
        .iter()
        .filter(|verdict| denial_of(verdict) == Some(Denial::Missing))
        .map(|verdict| verdict.action.as_str())
        .collect();
    actions.sort_unstable();
    actions.dedup();
    (!actions.is_empty()).then(|| {
        json!({
            "Version": "2012-10-17",
            "Statement": [{ "Effect": "Allow", "Action": actions, "Resource": "*" }]
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Decision, DeniedBy, VerdictMethod};

    fn verdict(action: &str, decision: Decision, denied_by: Option<DeniedBy>) -> PermissionVerdict {
        PermissionVerdict {
            action: action.to_owned(),
            decision,
            method: VerdictMethod::LocalEvaluation,
            required_by: vec![],
            denied_by,
            evidence: Vec::new(),
        }
    }

    #[test]
    fn only_missing_actions_are_granted_sorted() {
        let verdicts = [
            verdict("s3:PutBucketAcl", Decision::ImplicitDeny, None),
            verdict("iam:GetUser", Decision::Allowed, None),
            verdict("cloudtrail:LookupEvents", Decision::ImplicitDeny, None),
            verdict(
                "s3:GetBucketAcl",
                Decision::ExplicitDeny,
                Some(DeniedBy::IdentityPolicy),
            ),
            verdict("iam:ListUsers", Decision::ImplicitDeny, Some(DeniedBy::Scp)),
            verdict("iam:ListRoles", Decision::Unknown, None),
        ];
        assert_eq!(
            policy(&verdicts),
            Some(json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": ["cloudtrail:LookupEvents", "s3:PutBucketAcl"],
                    "Resource": "*"
                }]
            }))
        );
    }

    #[test]
    fn nothing_missing_is_no_policy() {
        let verdicts = [verdict("iam:GetUser", Decision::Allowed, None)];
        assert_eq!(policy(&verdicts), None);
    }
}
