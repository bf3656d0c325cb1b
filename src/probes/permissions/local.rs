//! Method `local_evaluation`, second half: our evaluator over the collected policies.

use chrono::{DateTime, Utc};

use super::basis::{ActionVerdicts, MethodVerdict};
use super::principal::Principal;
use super::target::Target;
use crate::domain::{Decision, DeniedBy, IdentityInfo, Region};
use crate::policy::{self, Context, Layer, PolicySet, Request, UndecidedReason};
use crate::probes::quarantine::{is_quarantine_policy, policy_name};

/// The key that long-term access keys never carry: conditions on it are decided with it absent.
pub const MFA_KEY: &str = "aws:MultiFactorAuthPresent";

/// Evaluates every target (an action on the resource the portal uses it on) against the
/// principal's own policies.
pub fn evaluate_all(set: &PolicySet, targets: &[Target], context: &Context) -> ActionVerdicts {
    let mut verdicts = ActionVerdicts::default();
    for target in targets {
        let request = Request::new(&target.action, &target.resource, context);
        let verdict = policy::evaluate(set, &request);
        verdicts.insert(&target.action, verdict_of(set, &verdict));
    }
    verdicts
}

/// Root is allowed everything its account allows: identity policies cannot restrict it.
pub fn root_verdicts(targets: &[Target]) -> ActionVerdicts {
    let mut verdicts = ActionVerdicts::default();
    for target in targets {
        verdicts.insert(&target.action, MethodVerdict::allowed());
    }
    verdicts
}

/// The condition keys known for every call of the principal, so conditions and policy variables
/// on them (`${aws:username}` is common in self-service policies) are decided, not unknown. The
/// connector signs with access keys over TLS, directly: `aws:MultiFactorAuthPresent` is absent,
/// `aws:SecureTransport` true, `aws:ViaAWSService` false. Its network keys (`aws:SourceIp`, ...)
/// are the portal's, which this service cannot know, so they stay unknown.
pub fn context_for(
    principal: &Principal,
    identity: &IdentityInfo,
    region: Region,
    now: DateTime<Utc>,
) -> Context {
    let mut context = Context::new()
        .with("aws:PrincipalAccount", identity.account_id.clone())
        .with("aws:SecureTransport", "true")
        .with("aws:ViaAWSService", "false")
        .with("aws:RequestedRegion", region.name())
        .with(
            "aws:CurrentTime",
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
        .with("aws:EpochTime", now.timestamp().to_string())
        .absent(MFA_KEY);
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
fn verdict_of(set: &PolicySet, verdict: &policy::Verdict) -> MethodVerdict {
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
    // Only an undecided verdict depends on them: an implicit deny lists the Denies it could not
    // decide, but is a deny either way.
    let undecided = match decision {
        Decision::Unknown => verdict.explanation.undecided.as_slice(),
        _ => &[],
    };
    let mut condition_keys: Vec<String> = undecided
        .iter()
        .filter_map(|undecided| match &undecided.reason {
            UndecidedReason::MissingContextKey { key, .. } => Some(key.clone()),
            _ => None,
        })
        .collect();
    condition_keys.sort_by_key(|key| key.to_ascii_lowercase());
    condition_keys.dedup_by_key(|key| key.to_ascii_lowercase());
    let mut note = (!plain).then(|| verdict.to_string());
    if decision == Decision::ExplicitDeny && denies_without_mfa(set, verdict) {
        note = Some(format!(
            "{} The Deny is conditioned on {MFA_KEY}, which calls signed with access keys never \
             carry, so it denies every call of the connector: exempt the connector's user from it.",
            note.unwrap_or_default()
        ));
    }
    let quarantine = verdict
        .explanation
        .explicit_deny
        .as_ref()
        .filter(|deny| decision == Decision::ExplicitDeny && is_quarantine_policy(&deny.policy))
        .map(|deny| policy_name(&deny.policy).to_owned());
    MethodVerdict {
        decision,
        denied_by,
        note,
        condition_keys,
        quarantine,
    }
}

/// Whether the Deny statement that decided `verdict` has a condition on MFA.
fn denies_without_mfa(set: &PolicySet, verdict: &policy::Verdict) -> bool {
    let Some(deny) = &verdict.explanation.explicit_deny else {
        return false;
    };
    let policies = set.identity.iter().chain(set.boundary.as_ref());
    policies
        .filter(|named| named.name == deny.policy)
        .filter_map(|named| named.document.statements.get(deny.index))
        .any(|statement| {
            statement
                .condition
                .clauses()
                .any(|(_, key)| key.eq_ignore_ascii_case(MFA_KEY))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PrincipalType;
    use crate::policy::NamedPolicy;

    /// Each action on `*`.
    fn actions(names: &[&str]) -> Vec<Target> {
        names
            .iter()
            .map(|name| Target {
                action: (*name).to_owned(),
                resource: "*".to_owned(),
            })
            .collect()
    }

    fn user() -> (Principal, IdentityInfo) {
        let principal = Principal::User {
            name: "mdca".to_owned(),
            arn: "arn:aws:iam::123456789012:user/mdca".to_owned(),
        };
        let identity = IdentityInfo {
            account_id: "123456789012".to_owned(),
            arn: "arn:aws:iam::123456789012:user/mdca".to_owned(),
            principal_type: PrincipalType::User,
            partition: crate::domain::Partition::Aws,
        };
        (principal, identity)
    }

    fn known_context() -> Context {
        let (principal, identity) = user();
        let region = Region::parse("us-east-1").unwrap();
        context_for(&principal, &identity, region, Utc::now())
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
    fn a_deny_of_aws_s_quarantine_policy_is_named_and_another_deny_is_not() {
        let set = PolicySet::new(vec![
            policy(
                "seed",
                r#"{"Statement":{"Effect":"Allow","Action":"cloudtrail:*","Resource":"*"}}"#,
            ),
            policy(
                "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2",
                r#"{"Statement":{"Effect":"Deny","Action":"cloudtrail:LookupEvents","Resource":"*"}}"#,
            ),
            policy(
                "arn:aws:iam::123456789012:policy/NoTrails",
                r#"{"Statement":{"Effect":"Deny","Action":"cloudtrail:DescribeTrails","Resource":"*"}}"#,
            ),
        ]);
        let verdicts = evaluate_all(
            &set,
            &actions(&["cloudtrail:LookupEvents", "cloudtrail:DescribeTrails"]),
            &Context::new(),
        );
        let quarantine = |action| verdicts.get(action).and_then(|v| v.quarantine.clone());
        assert_eq!(
            quarantine("cloudtrail:LookupEvents").as_deref(),
            Some("AWSCompromisedKeyQuarantineV2")
        );
        assert_eq!(quarantine("cloudtrail:DescribeTrails"), None);
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
        let set = PolicySet::new(vec![policy(
            "self",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetUser",
                "Resource":"*","Condition":{"StringEquals":{"aws:username":"${aws:username}"}}}}"#,
        )]);
        let verdicts = evaluate_all(&set, &actions(&["iam:GetUser"]), &known_context());
        assert_eq!(
            verdicts.get("iam:GetUser").map(|v| v.decision),
            Some(Decision::Allowed)
        );
        let unknown = evaluate_all(&set, &actions(&["iam:GetUser"]), &Context::new());
        let verdict = unknown.get("iam:GetUser").expect("a verdict");
        assert_eq!(verdict.decision, Decision::Unknown);
        assert!(verdict.note.is_some());
    }

    #[test]
    fn a_grant_scoped_to_the_resources_used_counts_and_a_narrower_one_does_not() {
        let set = PolicySet::new(vec![policy(
            "scoped",
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::*"},
                {"Effect":"Allow","Action":"s3:PutBucketAcl","Resource":"arn:aws:s3:::contoso-logs"}]}"#,
        )]);
        let targets = [
            Target {
                action: "s3:GetBucketAcl".to_owned(),
                resource: "arn:aws:s3:::*".to_owned(),
            },
            Target {
                action: "s3:PutBucketAcl".to_owned(),
                resource: "arn:aws:s3:::*".to_owned(),
            },
        ];
        let verdicts = evaluate_all(&set, &targets, &known_context());
        let decision = |action| verdicts.get(action).map(|v| v.decision);
        assert_eq!(decision("s3:GetBucketAcl"), Some(Decision::Allowed));
        assert_eq!(decision("s3:PutBucketAcl"), Some(Decision::ImplicitDeny));
    }

    #[test]
    fn a_network_condition_leaves_the_decision_open_and_names_its_key() {
        let set = PolicySet::new(vec![policy(
            "portal-only",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetUser",
                "Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}}"#,
        )]);
        let verdicts = evaluate_all(&set, &actions(&["iam:GetUser"]), &known_context());
        let verdict = verdicts.get("iam:GetUser").expect("a verdict");
        assert_eq!(verdict.decision, Decision::Unknown);
        assert_eq!(verdict.condition_keys, vec!["aws:SourceIp".to_owned()]);
    }

    #[test]
    fn a_deny_without_mfa_denies_access_keys_and_says_to_exempt_the_user() {
        let set = PolicySet::new(vec![policy(
            "force-mfa",
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"iam:*","Resource":"*"},
                {"Sid":"DenyWithoutMFA","Effect":"Deny","NotAction":"iam:ChangePassword","Resource":"*",
                 "Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
        )]);
        let verdicts = evaluate_all(&set, &actions(&["iam:GetUser"]), &known_context());
        let verdict = verdicts.get("iam:GetUser").expect("a verdict");
        assert_eq!(verdict.decision, Decision::ExplicitDeny);
        assert!(verdict.condition_keys.is_empty());
        let note = verdict.note.as_deref().unwrap_or_default();
        assert!(note.contains("exempt the connector's user"), "{note}");
        // With `Bool` (not IfExists) the key's absence makes the Deny not apply.
        let lenient = PolicySet::new(vec![policy(
            "lenient",
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"iam:*","Resource":"*"},
                {"Effect":"Deny","Action":"*","Resource":"*",
                 "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
        )]);
        let verdicts = evaluate_all(&lenient, &actions(&["iam:GetUser"]), &known_context());
        assert_eq!(
            verdicts.get("iam:GetUser").map(|v| v.decision),
            Some(Decision::Allowed)
        );
    }
}
