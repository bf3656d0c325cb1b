//! Method `simulation`: IAM's policy simulator (`iam:SimulatePrincipalPolicy`) on the principal.
//!
//! The simulator sees everything IAM would evaluate for the principal, SCPs and the permissions
//! boundary included, and says which of them denied; it is the best method when allowed.

use aws_sdk_iam::types::{EvaluationResult, PolicyEvaluationDecisionType};
use aws_smithy_types::retry::RetryConfig;

use super::basis::{ActionVerdicts, MethodVerdict, is_denied};
use super::calls;
use crate::aws::AwsError;
use crate::domain::{Decision, DeniedBy};
use crate::probes::context::ProbeContext;

/// A bound on pages: the simulator returns at most 1000 results per page, so even a bug that
/// echoes the same marker cannot loop for long.
const MAX_PAGES: usize = 20;

/// Simulates every action for `source_arn` in as few calls as the API allows.
pub async fn simulate(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    source_arn: &str,
    actions: &[String],
) -> Result<ActionVerdicts, AwsError> {
    let mut verdicts = ActionVerdicts::default();
    let mut marker: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let request = iam
            .simulate_principal_policy()
            .policy_source_arn(source_arn)
            .set_action_names(Some(actions.to_vec()))
            .set_marker(marker.take())
            .customize()
            // No retries: when the simulator fails (denied, or not implemented by an emulator's
            // HTTP 500), falling back to reading the policies is the retry.
            .config_override(
                aws_sdk_iam::config::Builder::default().retry_config(RetryConfig::disabled()),
            );
        let page = calls::iam(ctx, "SimulatePrincipalPolicy", || request.send()).await?;
        for result in page.evaluation_results() {
            verdicts.insert(result.eval_action_name(), verdict_of(result));
        }
        match page.marker() {
            Some(next) if page.is_truncated() => marker = Some(next.to_owned()),
            _ => break,
        }
    }
    Ok(verdicts)
}

/// The verdict of one simulated action.
fn verdict_of(result: &EvaluationResult) -> MethodVerdict {
    let decision = match result.eval_decision() {
        PolicyEvaluationDecisionType::Allowed => Decision::Allowed,
        PolicyEvaluationDecisionType::ImplicitDeny => Decision::ImplicitDeny,
        PolicyEvaluationDecisionType::ExplicitDeny => Decision::ExplicitDeny,
        _ => Decision::Unknown,
    };
    let denied_by = attribute(
        decision,
        result
            .organizations_decision_detail()
            .map(|detail| detail.allowed_by_organizations()),
        result
            .permissions_boundary_decision_detail()
            .map(|detail| detail.allowed_by_permissions_boundary()),
    );
    let missing = result.missing_context_values();
    // The simulator ignores context keys it lacks, so a deny may hinge on one: say so.
    let note = (decision != Decision::Allowed && !missing.is_empty()).then(|| {
        format!(
            "the simulator lacked the context keys {}, so a condition may decide otherwise",
            missing.join(", ")
        )
    });
    MethodVerdict {
        decision,
        denied_by,
        note,
    }
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
                PolicyEvaluationDecisionType::from("somethingNew"),
                Decision::Unknown,
            ),
        ] {
            let built = result(wire).build().expect("a result");
            assert_eq!(verdict_of(&built).decision, decision);
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
        assert_eq!(verdict_of(&built).denied_by, Some(DeniedBy::Scp));
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
    fn a_deny_that_lacked_context_says_so() {
        let built = result(PolicyEvaluationDecisionType::ImplicitDeny)
            .missing_context_values("aws:SourceIp")
            .build()
            .expect("a result");
        let note = verdict_of(&built).note.expect("a note");
        assert!(note.contains("aws:SourceIp"), "{note}");
    }
}
