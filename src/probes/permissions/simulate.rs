//! Method `simulation`: IAM's policy simulator (`iam:SimulatePrincipalPolicy`) on the principal.
//!
//! The simulator sees everything IAM would evaluate for the principal, SCPs and the permissions
//! boundary included, and says which of them denied; it is the best method when allowed. It is
//! given every distinct resource the actions are used on at once (it evaluates each action on
//! each resource and answers per resource, so one call serves them all), and the context keys
//! this service knows; a decision that hinges on a key it lacked (the portal's network) is
//! `unknown`.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::types::{
    ContextEntry, ContextKeyTypeEnum, EvaluationResult, PolicyEvaluationDecisionType,
};
use aws_smithy_types::retry::RetryConfig;

use super::basis::{ActionVerdicts, MethodVerdict, is_denied};
use super::calls;
use super::local::MFA_KEY;
use super::target::Target;
use crate::aws::{AwsError, same_word};
use crate::domain::{Decision, DeniedBy, wire_word};
use crate::policy::Context;
use crate::probes::context::ProbeContext;
use crate::probes::quarantine::{is_quarantine_policy, policy_name};

/// A bound on pages: the simulator returns at most 1000 results per page, so even a bug that
/// echoes the same marker cannot loop for long.
const MAX_PAGES: usize = 20;

/// Simulates every target for `source_arn`: every action on every distinct resource in one
/// call (over as many pages as the answer takes), each action judged on its own resource.
pub async fn simulate(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    source_arn: &str,
    targets: &[Target],
    context: &Context,
) -> Result<ActionVerdicts, AwsError> {
    let resource_of: BTreeMap<String, &str> = targets
        .iter()
        .map(|t| (t.action.to_ascii_lowercase(), t.resource.as_str()))
        .collect();
    let actions: Vec<String> = targets.iter().map(|t| t.action.clone()).collect();
    let resources: BTreeSet<&str> = targets.iter().map(|t| t.resource.as_str()).collect();
    let resources: Vec<String> = resources.into_iter().map(str::to_owned).collect();
    let entries = context_entries(context);
    let mut verdicts = ActionVerdicts::default();
    let mut marker: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let request = iam
            .simulate_principal_policy()
            .policy_source_arn(source_arn)
            .set_action_names(Some(actions.clone()))
            .set_resource_arns(Some(resources.clone()))
            .set_context_entries(Some(entries.clone()))
            .set_marker(marker.take())
            .customize()
            // No retries: when the simulator fails (denied, or not implemented by an emulator's
            // HTTP 500), falling back to reading the policies is the retry.
            .config_override(
                aws_sdk_iam::config::Builder::default().retry_config(RetryConfig::disabled()),
            );
        let page = calls::iam(ctx, "SimulatePrincipalPolicy", || request.send()).await?;
        for result in page.evaluation_results() {
            let action = result.eval_action_name();
            let resource = resource_of
                .get(&action.to_ascii_lowercase())
                .copied()
                .unwrap_or("*");
            verdicts.insert(action, verdict_of(result, resource));
        }
        match page.marker() {
            Some(next) if page.is_truncated() => marker = Some(next.to_owned()),
            _ => break,
        }
    }
    Ok(verdicts)
}

/// The known context keys as the simulator's entries, each with its type.
fn context_entries(context: &Context) -> Vec<ContextEntry> {
    context
        .iter()
        .map(|(key, values)| {
            let kind = match key {
                "aws:currenttime" => ContextKeyTypeEnum::Date,
                "aws:epochtime" => ContextKeyTypeEnum::Numeric,
                "aws:securetransport" | "aws:viaawsservice" => ContextKeyTypeEnum::Boolean,
                _ => ContextKeyTypeEnum::String,
            };
            ContextEntry::builder()
                .context_key_name(key)
                .context_key_type(kind)
                .set_context_key_values(Some(values.to_vec()))
                .build()
        })
        .collect()
}

/// The verdict of one simulated action on `resource`: the simulator's answer for that resource
/// when it gave one per resource, else its answer for the action.
fn verdict_of(result: &EvaluationResult, resource: &str) -> MethodVerdict {
    let specific = result
        .resource_specific_results()
        .iter()
        .find(|r| r.eval_resource_name() == resource);
    let (wire, boundary, missing, matched) = match specific {
        Some(r) => (
            r.eval_resource_decision(),
            r.permissions_boundary_decision_detail(),
            r.missing_context_values(),
            r.matched_statements(),
        ),
        None => (
            result.eval_decision(),
            result.permissions_boundary_decision_detail(),
            result.missing_context_values(),
            result.matched_statements(),
        ),
    };
    let decision = decision_of(wire);
    let denied_by = attribute(
        decision,
        result
            .organizations_decision_detail()
            .map(|detail| detail.allowed_by_organizations()),
        boundary.map(|detail| detail.allowed_by_permissions_boundary()),
    );
    let mfa = missing.iter().any(|key| key.eq_ignore_ascii_case(MFA_KEY));
    // MFA is known absent from access-key calls; any other key the simulator lacked is one
    // this service cannot know (the portal's network), and the decision may hinge on it.
    let condition_keys: Vec<String> = missing
        .iter()
        .filter(|key| !key.eq_ignore_ascii_case(MFA_KEY))
        .cloned()
        .collect();
    if !condition_keys.is_empty() {
        return MethodVerdict {
            decision: Decision::Unknown,
            denied_by: None,
            note: Some(format!(
                "the simulator's answer ({}) depends on {}, which this service cannot reproduce \
                 from where it runs",
                wire_word(&decision),
                condition_keys.join(", ")
            )),
            condition_keys,
            quarantine: None,
        };
    }
    let note = (decision == Decision::ExplicitDeny && mfa).then(|| {
        format!(
            "the Deny is conditioned on {MFA_KEY}, which calls signed with access keys never \
             carry, so it denies every call of the connector: exempt the connector's user from it"
        )
    });
    // The statements that matched name their policies: a Deny of AWS's quarantine policy.
    let quarantine = matched
        .iter()
        .filter_map(|statement| statement.source_policy_id())
        .find(|policy| is_quarantine_policy(policy))
        .filter(|_| decision == Decision::ExplicitDeny)
        .map(|policy| policy_name(policy).to_owned());
    MethodVerdict {
        decision,
        denied_by,
        note,
        condition_keys,
        quarantine,
    }
}

/// The simulator's word (`allowed`, `implicitDeny`, `explicitDeny`, in whichever casing) in the
/// contract's words; a word it does not know decides nothing.
fn decision_of(wire: &PolicyEvaluationDecisionType) -> Decision {
    [
        ("allowed", Decision::Allowed),
        ("implicitDeny", Decision::ImplicitDeny),
        ("explicitDeny", Decision::ExplicitDeny),
    ]
    .into_iter()
    .find(|(word, _)| same_word(wire.as_str(), word))
    .map_or(Decision::Unknown, |(_, decision)| decision)
}

/// Which policy type denied: an SCP before the boundary (both are reported when both deny,
/// and the SCP is what the account owner cannot fix on the user), else the identity policy's
/// explicit deny. A plain missing allow has no `denied_by`.
fn attribute(
    decision: Decision,
    allowed_by_organizations: Option<bool>,
    allowed_by_boundary: Option<bool>,
) -> Option<DeniedBy> {
    if !is_denied(decision) {
        None
    } else if allowed_by_organizations == Some(false) {
        Some(DeniedBy::Scp)
    } else if allowed_by_boundary == Some(false) {
        Some(DeniedBy::PermissionsBoundary)
    } else if decision == Decision::ExplicitDeny {
        Some(DeniedBy::IdentityPolicy)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_iam::types::{OrganizationsDecisionDetail, PermissionsBoundaryDecisionDetail};

    use super::*;

    fn result(
        decision: PolicyEvaluationDecisionType,
    ) -> aws_sdk_iam::types::builders::EvaluationResultBuilder {
        EvaluationResult::builder()
            .eval_action_name("s3:PutBucketAcl")
            .eval_decision(decision)
    }

    #[test]
    fn decisions_map_to_the_contract_words() {
        for (wire, decision) in [
            (PolicyEvaluationDecisionType::Allowed, Decision::Allowed),
            (
                PolicyEvaluationDecisionType::ImplicitDeny,
                Decision::ImplicitDeny,
            ),
            (
                PolicyEvaluationDecisionType::ExplicitDeny,
                Decision::ExplicitDeny,
            ),
            (
                PolicyEvaluationDecisionType::from("EXPLICIT_DENY"),
                Decision::ExplicitDeny,
            ),
            (
                PolicyEvaluationDecisionType::from("somethingNew"),
                Decision::Unknown,
            ),
        ] {
            let built = result(wire).build().expect("a result");
            assert_eq!(verdict_of(&built, "*").decision, decision);
        }
    }

    #[test]
    fn an_organizations_denial_is_an_scp_even_with_a_boundary_denial() {
        let built = result(PolicyEvaluationDecisionType::ImplicitDeny)
            .organizations_decision_detail(
                OrganizationsDecisionDetail::builder()
                    .allowed_by_organizations(false)
                    .build(),
            )
            .permissions_boundary_decision_detail(
                PermissionsBoundaryDecisionDetail::builder()
                    .allowed_by_permissions_boundary(false)
                    .build(),
            )
            .build()
            .expect("a result");
        assert_eq!(verdict_of(&built, "*").denied_by, Some(DeniedBy::Scp));
    }

    #[test]
    fn attribution_follows_the_decision_details() {
        use Decision::*;
        assert_eq!(
            attribute(ImplicitDeny, Some(true), Some(false)),
            Some(DeniedBy::PermissionsBoundary)
        );
        assert_eq!(
            attribute(ExplicitDeny, Some(true), Some(true)),
            Some(DeniedBy::IdentityPolicy)
        );
        assert_eq!(attribute(ImplicitDeny, None, None), None);
        assert_eq!(attribute(Allowed, Some(false), Some(false)), None);
    }

    #[test]
    fn each_action_is_judged_on_its_own_resource() {
        use aws_sdk_iam::types::ResourceSpecificResult;
        let on = |resource: &str, decision| {
            ResourceSpecificResult::builder()
                .eval_resource_name(resource)
                .eval_resource_decision(decision)
                .build()
                .expect("a result")
        };
        let built = result(PolicyEvaluationDecisionType::ImplicitDeny)
            .resource_specific_results(on("*", PolicyEvaluationDecisionType::ImplicitDeny))
            .resource_specific_results(on("arn:aws:s3:::*", PolicyEvaluationDecisionType::Allowed))
            .build()
            .expect("a result");
        assert_eq!(
            verdict_of(&built, "arn:aws:s3:::*").decision,
            Decision::Allowed
        );
        assert_eq!(verdict_of(&built, "*").decision, Decision::ImplicitDeny);
        // Without per-resource answers, the action's own answer stands.
        let plain = result(PolicyEvaluationDecisionType::Allowed)
            .build()
            .expect("a result");
        assert_eq!(
            verdict_of(&plain, "arn:aws:s3:::*").decision,
            Decision::Allowed
        );
    }

    #[test]
    fn a_deny_of_the_quarantine_policy_is_named_by_its_matched_statement() {
        use aws_sdk_iam::types::Statement;
        let built = result(PolicyEvaluationDecisionType::ExplicitDeny)
            .matched_statements(
                Statement::builder()
                    .source_policy_id("AWSCompromisedKeyQuarantineV2")
                    .build(),
            )
            .build()
            .expect("a result");
        let verdict = verdict_of(&built, "*");
        assert_eq!(verdict.decision, Decision::ExplicitDeny);
        assert_eq!(
            verdict.quarantine.as_deref(),
            Some("AWSCompromisedKeyQuarantineV2")
        );
        let other = result(PolicyEvaluationDecisionType::ExplicitDeny)
            .matched_statements(Statement::builder().source_policy_id("deny-s3").build())
            .build()
            .expect("a result");
        assert_eq!(verdict_of(&other, "*").quarantine, None);
    }

    #[test]
    fn a_decision_that_lacked_a_network_key_is_unknown_and_names_it() {
        let built = result(PolicyEvaluationDecisionType::ImplicitDeny)
            .missing_context_values("aws:SourceIp")
            .build()
            .expect("a result");
        let verdict = verdict_of(&built, "*");
        assert_eq!(verdict.decision, Decision::Unknown);
        assert_eq!(verdict.condition_keys, vec!["aws:SourceIp".to_owned()]);
        let note = verdict.note.expect("a note");
        assert!(note.contains("aws:SourceIp"), "{note}");
    }

    #[test]
    fn a_deny_on_mfa_is_decided_and_says_access_keys_never_carry_it() {
        let built = result(PolicyEvaluationDecisionType::ExplicitDeny)
            .missing_context_values("aws:MultiFactorAuthPresent")
            .build()
            .expect("a result");
        let verdict = verdict_of(&built, "*");
        assert_eq!(verdict.decision, Decision::ExplicitDeny);
        assert!(verdict.condition_keys.is_empty());
        assert!(verdict.note.expect("a note").contains("exempt"));
    }

    #[test]
    fn known_keys_go_to_the_simulator_typed() {
        let context = Context::new()
            .with("aws:SecureTransport", "true")
            .with("aws:EpochTime", "1")
            .with("aws:username", "mdca")
            .absent(MFA_KEY);
        let entries = context_entries(&context);
        let kinds: Vec<_> = entries
            .iter()
            .map(|e| (e.context_key_name().unwrap(), e.context_key_type().cloned()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("aws:epochtime", Some(ContextKeyTypeEnum::Numeric)),
                ("aws:securetransport", Some(ContextKeyTypeEnum::Boolean)),
                ("aws:username", Some(ContextKeyTypeEnum::String)),
            ]
        );
    }
}
