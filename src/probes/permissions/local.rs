//! Method `local_evaluation`, second half: our evaluator over the collected policies.

use super::basis::{ActionVerdicts, MethodVerdict};
use super::principal::Principal;
use crate::domain::{Decision, DeniedBy, IdentityInfo};
use crate::policy::{self, Context, Layer, PolicySet, Request};

/// Evaluates every action on every resource (`*`) against the principal's own policies.
pub fn evaluate_all(set: &PolicySet, actions: &[String], context: &Context) -> ActionVerdicts {
    let mut verdicts = ActionVerdicts::default();
    for action in actions {
        let verdict = policy::evaluate(set, &Request::new(action, "*", context));
        verdicts.insert(action, verdict_of(&verdict));
    }
    verdicts
}

/// Root is allowed everything its account allows: identity policies cannot restrict it.
pub fn root_verdicts(actions: &[String]) -> ActionVerdicts {
    let mut verdicts = ActionVerdicts::default();
    for action in actions {
        verdicts.insert(action, MethodVerdict::allowed());
    }
    verdicts
}

/// The condition keys known for every call of the principal, so conditions and policy variables
/// on them (`${aws:username}` is common in self-service policies) are decided, not unknown.
pub fn context_for(principal: &Principal, identity: &IdentityInfo) -> Context {
    let mut context = Context::new().with("aws:PrincipalAccount", identity.account_id.clone());
    match principal {
        Principal::User { name, arn } => {
            context.insert("aws:PrincipalArn", arn.clone());
            context.insert("aws:PrincipalType", "User");
            context.insert("aws:username", name.clone());
        }
        Principal::Role { arn, .. } => {
            context.insert("aws:PrincipalArn", arn.clone());
            context.insert("aws:PrincipalType", "AssumedRole");
        }
        Principal::Root | Principal::Unsupported(_) => {}
    }
    context
}

/// The evaluator's verdict in the contract's words. A plain missing allow in the identity
/// policies has no `denied_by`, as with the simulator; the evaluator's sentence is kept where
/// it tells more than the decision (which statement denied, which condition was undecidable).
fn verdict_of(verdict: &policy::Verdict) -> MethodVerdict {
    let decision = match verdict.decision {
        policy::Decision::Allowed => Decision::Allowed,
        policy::Decision::ImplicitDeny => Decision::ImplicitDeny,
        policy::Decision::ExplicitDeny => Decision::ExplicitDeny,
        policy::Decision::Unknown => Decision::Unknown,
    };
    let denied_by = match (decision, verdict.denied_by()) {
        (Decision::ImplicitDeny | Decision::ExplicitDeny, Some(Layer::PermissionsBoundary)) => {
            Some(DeniedBy::PermissionsBoundary)
        }
        (Decision::ExplicitDeny, _) => Some(DeniedBy::IdentityPolicy),
        _ => None,
    };
    let plain = decision == Decision::Allowed
        || (decision == Decision::ImplicitDeny && denied_by.is_none());
    MethodVerdict {
        decision,
        denied_by,
        note: (!plain).then(|| verdict.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PrincipalType;
    use crate::policy::NamedPolicy;

    fn actions(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    fn policy(name: &str, json: &str) -> NamedPolicy {
        NamedPolicy::parse(name, json).expect("a valid policy")
    }

    #[test]
    fn allows_missing_allows_and_explicit_denies_map_to_the_contract() {
        let set = PolicySet::new(vec![policy(
            "seed",
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":["iam:Get*","s3:GetBucketAcl"],"Resource":"*"},
                {"Effect":"Deny","Action":"s3:GetBucketAcl","Resource":"*"}]}"#,
        )]);
        let verdicts = evaluate_all(
            &set,
            &actions(&["iam:GetUser", "s3:PutBucketAcl", "s3:GetBucketAcl"]),
            &Context::new(),
        );
        assert_eq!(verdicts.get("iam:GetUser"), Some(&MethodVerdict::allowed()));
        let missing = verdicts.get("s3:PutBucketAcl").expect("a verdict");
        assert_eq!(
            (missing.decision, missing.denied_by),
            (Decision::ImplicitDeny, None)
        );
        let denied = verdicts.get("s3:GetBucketAcl").expect("a verdict");
        assert_eq!(
            (denied.decision, denied.denied_by),
            (Decision::ExplicitDeny, Some(DeniedBy::IdentityPolicy))
        );
        assert!(denied.note.as_deref().unwrap_or_default().contains("seed"));
    }

    #[test]
    fn a_boundary_without_the_action_denies_it_by_the_boundary() {
        let set = PolicySet::new(vec![policy(
            "seed",
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
        )])
        .with_boundary(policy(
            "boundary",
            r#"{"Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}}"#,
        ));
        let verdicts = evaluate_all(&set, &actions(&["s3:PutBucketAcl"]), &Context::new());
        let verdict = verdicts.get("s3:PutBucketAcl").expect("a verdict");
        assert_eq!(verdict.decision, Decision::ImplicitDeny);
        assert_eq!(verdict.denied_by, Some(DeniedBy::PermissionsBoundary));
    }

    #[test]
    fn the_username_variable_is_decided_for_users() {
        let principal = Principal::User {
            name: "mdca".to_owned(),
            arn: "arn:aws:iam::123456789012:user/mdca".to_owned(),
        };
        let identity = IdentityInfo {
            account_id: "123456789012".to_owned(),
            arn: "arn:aws:iam::123456789012:user/mdca".to_owned(),
            principal_type: PrincipalType::User,
        };
        let set = PolicySet::new(vec![policy(
            "self",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetUser",
                "Resource":"*","Condition":{"StringEquals":{"aws:username":"${aws:username}"}}}}"#,
        )]);
        let verdicts = evaluate_all(
            &set,
            &actions(&["iam:GetUser"]),
            &context_for(&principal, &identity),
        );
        assert_eq!(
            verdicts.get("iam:GetUser").map(|v| v.decision),
            Some(Decision::Allowed)
        );
        let unknown = evaluate_all(&set, &actions(&["iam:GetUser"]), &Context::new());
        let verdict = unknown.get("iam:GetUser").expect("a verdict");
        assert_eq!(verdict.decision, Decision::Unknown);
        assert!(verdict.note.is_some());
    }
}
