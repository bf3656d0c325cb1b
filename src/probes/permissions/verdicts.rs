//! One verdict per required action: the method's answer, confirmed or overridden by what the
//! diagnosis's own read-only calls saw (method `observed`), region by region.
//!
//! A real call beats any model of IAM: the simulator can give false denials under conditional
//! SCPs, and our evaluator sees neither SCPs nor session policies. A call denied in some regions
//! and allowed in others is a region restriction, not a missing permission: the verdict is
//! `allowed` and lists the regions where it was denied.

use std::collections::BTreeMap;

use super::basis::{Basis, MethodVerdict, is_denied};
use crate::domain::{Decision, DeniedBy, Evidence, PermissionVerdict, Region, VerdictMethod};
use crate::probes::observation::{Observation, ObservedOutcome, is_global};
use crate::requirements::RequiredAction;

/// A verdict and, when it needs one, the sentence behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The contract's verdict.
    pub verdict: PermissionVerdict,
    /// Why (the deciding statement, the undecidable condition), for details and the summary.
    pub note: Option<String>,
    /// The AWS quarantine policy that denies it (`AWSCompromisedKeyQuarantineV2`), when the
    /// method's answer or a denial message named one: the key was exposed, and no policy of the
    /// account is to blame.
    pub quarantine: Option<String>,
}

/// What the verdicts are judged over besides the method's answer.
pub struct Scope<'a> {
    /// The outcomes of the diagnosis's own calls.
    pub observations: &'a [Observation],
    /// The checked regions enabled for the account: where a regional action applies.
    pub regions: &'a [Region],
    /// The region the simulator was told the calls are made in (its `aws:RequestedRegion`).
    pub simulated_in: Region,
}

/// The verdict on each of `required`, in its order.
pub fn judge(required: &[RequiredAction], basis: &Basis, scope: &Scope<'_>) -> Vec<Judgement> {
    required
        .iter()
        .map(|required| judge_one(required, basis, scope))
        .collect()
}

fn judge_one(required: &RequiredAction, basis: &Basis, scope: &Scope<'_>) -> Judgement {
    let (method, prior) = from_basis(&required.action, basis);
    let seen = observed(&required.action, scope.observations);
    let mut evidence: Vec<Evidence> = seen
        .iter()
        .map(|(region, outcome)| observed_evidence(*region, *outcome))
        .collect();
    // The method's own word, kept as evidence whatever the observations add.
    if method != VerdictMethod::None {
        let mut detail = prior
            .note
            .clone()
            .unwrap_or_else(|| format!("{} decided it.", describe(method)));
        if seen.is_empty() {
            // Writes (s3:PutBucketAcl) are never made, and not every read is: say so.
            detail.push_str(" No call of the diagnosis observed this action.");
        }
        evidence.push(Evidence {
            method,
            decision: prior.decision,
            region: None,
            denied_by: prior.denied_by,
            detail,
        });
    }
    let regions_denied: Vec<String> = seen
        .iter()
        .filter(|(_, outcome)| matches!(outcome, ObservedOutcome::Denied(_)))
        .filter_map(|(region, _)| region.map(|r| r.name().to_owned()))
        .collect();
    let allowed_somewhere = seen
        .values()
        .any(|outcome| *outcome == ObservedOutcome::Allowed);
    let first_denial = seen.values().find_map(|outcome| match outcome {
        ObservedOutcome::Denied(by) => Some(*by),
        ObservedOutcome::Allowed => None,
    });
    let conditional = !prior.condition_keys.is_empty();
    let (method, mut verdict) = match (allowed_somewhere, first_denial) {
        // Allowed where it was called: denials elsewhere are a region restriction.
        (true, _) => (VerdictMethod::Observed, MethodVerdict::allowed()),
        // Denied here, by a policy that conditions on the caller's network: the portal's own
        // calls come from elsewhere, so this denial decides nothing.
        (false, Some(_)) if conditional => (method, prior.clone()),
        (false, Some(by)) => (VerdictMethod::Observed, apply(prior.clone(), by)),
        (false, None) => (method, prior.clone()),
    };
    let scp_visible = scp_visible(&required.action, method_sees_scps(basis), &seen, scope);
    let quarantine = is_denied(verdict.decision)
        .then(|| {
            let named = scope
                .observations
                .iter()
                .filter(|observation| observation.is_of(&required.action))
                .find_map(|observation| observation.quarantine.clone());
            verdict.quarantine.clone().or(named)
        })
        .flatten();
    if quarantine.is_some() {
        // The quarantine policy is a Deny statement of an identity-based policy, whichever
        // source named it.
        verdict.decision = Decision::ExplicitDeny;
        verdict.denied_by = Some(DeniedBy::IdentityPolicy);
    }
    Judgement {
        verdict: PermissionVerdict {
            action: required.action.clone(),
            decision: verdict.decision,
            method,
            required_by: required.connections.clone(),
            denied_by: verdict.denied_by,
            evidence,
            regions_denied,
            condition_keys: prior.condition_keys,
            scp_visible,
        },
        note: verdict.note,
        quarantine,
    }
}

fn from_basis(action: &str, basis: &Basis) -> (VerdictMethod, MethodVerdict) {
    match basis {
        Basis::Decided {
            method, verdicts, ..
        } => {
            let verdict = verdicts.get(action).cloned().unwrap_or(MethodVerdict {
                decision: Decision::Unknown,
                denied_by: None,
                note: Some("IAM's answer did not include this action".to_owned()),
                condition_keys: Vec::new(),
                quarantine: None,
            });
            (*method, verdict)
        }
        // No method could answer: the verdict names none.
        Basis::Unavailable { .. } => (
            VerdictMethod::None,
            MethodVerdict {
                decision: Decision::Unknown,
                denied_by: None,
                note: None,
                condition_keys: Vec::new(),
                quarantine: None,
            },
        ),
    }
}

/// What the diagnosis's calls of `action` saw, per region (`None` for a global call): a denial
/// in a region outweighs an allow there.
fn observed(
    action: &str,
    observations: &[Observation],
) -> BTreeMap<Option<Region>, ObservedOutcome> {
    let mut seen: BTreeMap<Option<Region>, ObservedOutcome> = BTreeMap::new();
    for observation in observations {
        if !observation.is_of(action) {
            continue;
        }
        let entry = seen
            .entry(observation.region)
            .or_insert(observation.outcome);
        if matches!(observation.outcome, ObservedOutcome::Denied(_)) {
            *entry = observation.outcome;
        }
    }
    seen
}

/// Whether the method evaluated organization policies (only IAM's simulator does).
fn method_sees_scps(basis: &Basis) -> bool {
    matches!(
        basis,
        Basis::Decided {
            method: VerdictMethod::Simulation,
            ..
        }
    )
}

/// Whether sources that see SCPs covered the action wherever it applies: once for a global
/// action, in every usable checked region for a regional one (the simulator covers the region it
/// was told the calls are made in).
fn scp_visible(
    action: &str,
    simulated: bool,
    seen: &BTreeMap<Option<Region>, ObservedOutcome>,
    scope: &Scope<'_>,
) -> bool {
    let service = action.split(':').next().unwrap_or_default();
    if is_global(service) {
        return simulated || !seen.is_empty();
    }
    !scope.regions.is_empty()
        && scope.regions.iter().all(|region| {
            seen.contains_key(&Some(*region)) || (simulated && *region == scope.simulated_in)
        })
}

/// How a method is named in a sentence.
pub fn describe(method: VerdictMethod) -> &'static str {
    match method {
        VerdictMethod::Simulation => "IAM's policy simulator",
        VerdictMethod::LocalEvaluation => "The evaluation of the identity's own policies",
        VerdictMethod::Observed => "A call of the diagnosis",
        VerdictMethod::Root => "Root credentials",
        VerdictMethod::Cloudtrail => "CloudTrail's record of the connector's calls",
        VerdictMethod::None => "No method",
    }
}

/// What one of the diagnosis's own calls showed (where: its `region` field).
fn observed_evidence(region: Option<Region>, outcome: ObservedOutcome) -> Evidence {
    let (decision, denied_by, detail) = match outcome {
        ObservedOutcome::Allowed => (Decision::Allowed, None, "AWS allowed the diagnosis's call."),
        ObservedOutcome::Denied(by) => (
            decision_of_denial(by),
            by,
            "AWS denied the diagnosis's call.",
        ),
    };
    Evidence {
        method: VerdictMethod::Observed,
        decision,
        region: region.map(|r| r.name().to_owned()),
        denied_by,
        detail: detail.to_owned(),
    }
}

/// The verdict once AWS denied every call of the action.
fn apply(prior: MethodVerdict, by: Option<DeniedBy>) -> MethodVerdict {
    if is_denied(prior.decision) {
        // The method agreed it is denied: keep its finer decision and attribution unless AWS
        // named the policy type itself.
        return MethodVerdict {
            denied_by: by.or(prior.denied_by),
            ..prior
        };
    }
    MethodVerdict {
        decision: decision_of_denial(by),
        denied_by: by,
        note: Some(
            "AWS denied the diagnosis's own call although the policies seemed to allow it"
                .to_owned(),
        ),
        condition_keys: prior.condition_keys,
        quarantine: prior.quarantine,
    }
}

/// The decision an AWS denial message implies when nothing else tells. Denials by session or
/// resource policies that do not stem from a missing allow in identity policies are Deny
/// statements; the rest read "no ... policy allows", an implicit deny.
pub fn decision_of_denial(by: Option<DeniedBy>) -> Decision {
    match by {
        Some(DeniedBy::SessionPolicy | DeniedBy::ResourcePolicy) => Decision::ExplicitDeny,
        Some(
            DeniedBy::Scp
            | DeniedBy::Rcp
            | DeniedBy::PermissionsBoundary
            | DeniedBy::IdentityPolicy,
        )
        | None => Decision::ImplicitDeny,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Connection;
    use crate::probes::permissions::basis::ActionVerdicts;

    fn required(actions: &[&'static str]) -> Vec<RequiredAction> {
        actions
            .iter()
            .map(|action| RequiredAction {
                action: (*action).to_owned(),
                source: (*action).to_owned(),
                connections: vec![Connection::SecurityAuditing],
                resource: "*".to_owned(),
            })
            .collect()
    }

    fn simulated(entries: &[(&str, Decision, Option<DeniedBy>)]) -> Basis {
        let mut verdicts = ActionVerdicts::default();
        for (action, decision, denied_by) in entries {
            verdicts.insert(
                action,
                MethodVerdict {
                    decision: *decision,
                    denied_by: *denied_by,
                    note: None,
                    condition_keys: Vec::new(),
                    quarantine: None,
                },
            );
        }
        Basis::Decided {
            method: VerdictMethod::Simulation,
            verdicts,
            note: None,
        }
    }

    fn region(name: &str) -> Region {
        Region::parse(name).expect("a known region")
    }

    fn observation(action: &'static str, outcome: ObservedOutcome) -> Observation {
        observation_in(action, "us-east-1", outcome)
    }

    fn observation_in(
        action: &'static str,
        region_name: &str,
        outcome: ObservedOutcome,
    ) -> Observation {
        let (service, action) = action.split_once(':').expect("service:Action");
        Observation {
            service,
            action,
            region: Some(region(region_name)),
            outcome,
            quarantine: None,
        }
    }

    /// Judges with the observations over us-east-1 and eu-west-1.
    fn judge_seen(
        required: &[RequiredAction],
        basis: &Basis,
        observations: &[Observation],
    ) -> Vec<Judgement> {
        let regions = [region("eu-west-1"), region("us-east-1")];
        let scope = Scope {
            observations,
            regions: &regions,
            simulated_in: region("us-east-1"),
        };
        judge(required, basis, &scope)
    }

    #[test]
    fn verdicts_follow_the_required_order_and_carry_their_connections() {
        let basis = simulated(&[
            ("a:B", Decision::Allowed, None),
            ("a:A", Decision::ImplicitDeny, None),
        ]);
        let judged = judge_seen(&required(&["a:A", "a:B", "a:C"]), &basis, &[]);
        let summary: Vec<_> = judged
            .iter()
            .map(|j| {
                (
                    j.verdict.action.as_str(),
                    j.verdict.decision,
                    j.verdict.method,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("a:A", Decision::ImplicitDeny, VerdictMethod::Simulation),
                ("a:B", Decision::Allowed, VerdictMethod::Simulation),
                ("a:C", Decision::Unknown, VerdictMethod::Simulation),
            ]
        );
        assert_eq!(
            judged[0].verdict.required_by,
            vec![Connection::SecurityAuditing]
        );
    }

    #[test]
    fn an_observed_call_overrides_the_method() {
        let basis = simulated(&[
            (
                "cloudtrail:DescribeTrails",
                Decision::ImplicitDeny,
                Some(DeniedBy::Scp),
            ),
            ("cloudtrail:LookupEvents", Decision::Allowed, None),
        ]);
        let observations = [
            observation("cloudtrail:DescribeTrails", ObservedOutcome::Allowed),
            observation("cloudtrail:LookupEvents", ObservedOutcome::Allowed),
            observation(
                "cloudtrail:LookupEvents",
                ObservedOutcome::Denied(Some(DeniedBy::ResourcePolicy)),
            ),
        ];
        let judged = judge_seen(
            &required(&["cloudtrail:DescribeTrails", "cloudtrail:LookupEvents"]),
            &basis,
            &observations,
        );
        assert_eq!(judged[0].verdict.decision, Decision::Allowed);
        assert_eq!(judged[0].verdict.method, VerdictMethod::Observed);
        assert_eq!(judged[0].verdict.denied_by, None);
        assert_eq!(judged[1].verdict.decision, Decision::ExplicitDeny);
        assert_eq!(judged[1].verdict.denied_by, Some(DeniedBy::ResourcePolicy));
    }

    #[test]
    fn a_denial_naming_the_quarantine_policy_is_its_explicit_deny() {
        // The simulator allowed it (the quarantine came after), AWS's answer names the policy.
        let basis = simulated(&[("cloudtrail:LookupEvents", Decision::Allowed, None)]);
        let mut denied = observation(
            "cloudtrail:LookupEvents",
            ObservedOutcome::Denied(Some(DeniedBy::IdentityPolicy)),
        );
        denied.quarantine = Some("AWSCompromisedKeyQuarantineV2".to_owned());
        let judged = judge_seen(&required(&["cloudtrail:LookupEvents"]), &basis, &[denied]);
        let judgement = &judged[0];
        assert_eq!(judgement.verdict.decision, Decision::ExplicitDeny);
        assert_eq!(judgement.verdict.denied_by, Some(DeniedBy::IdentityPolicy));
        assert_eq!(
            judgement.quarantine.as_deref(),
            Some("AWSCompromisedKeyQuarantineV2")
        );
        // A denial that names no quarantine policy marks nothing.
        let plain = observation(
            "cloudtrail:LookupEvents",
            ObservedOutcome::Denied(Some(DeniedBy::IdentityPolicy)),
        );
        let judged = judge_seen(&required(&["cloudtrail:LookupEvents"]), &basis, &[plain]);
        assert_eq!(judged[0].quarantine, None);
    }

    #[test]
    fn an_observed_denial_keeps_the_methods_finer_decision() {
        let basis = simulated(&[(
            "config:DescribeConfigurationRecorderStatus",
            Decision::ExplicitDeny,
            Some(DeniedBy::IdentityPolicy),
        )]);
        let observations = [observation(
            "config:DescribeConfigurationRecorderStatus",
            ObservedOutcome::Denied(None),
        )];
        let judged = judge_seen(
            &required(&["config:DescribeConfigurationRecorderStatus"]),
            &basis,
            &observations,
        );
        assert_eq!(judged[0].verdict.decision, Decision::ExplicitDeny);
        assert_eq!(judged[0].verdict.denied_by, Some(DeniedBy::IdentityPolicy));
        assert_eq!(judged[0].verdict.method, VerdictMethod::Observed);
    }

    #[test]
    fn without_a_method_only_observed_actions_are_decided() {
        let basis = Basis::Unavailable {
            reason: "denied".to_owned(),
            error: None,
        };
        let observations = [observation(
            "securityhub:DescribeHub",
            ObservedOutcome::Denied(Some(DeniedBy::Scp)),
        )];
        let judged = judge_seen(
            &required(&["securityhub:DescribeHub", "iam:GetUser"]),
            &basis,
            &observations,
        );
        assert_eq!(judged[0].verdict.method, VerdictMethod::Observed);
        assert_eq!(judged[0].verdict.decision, Decision::ImplicitDeny);
        assert_eq!(judged[0].verdict.denied_by, Some(DeniedBy::Scp));
        // No method ran for it: the verdict names none and lists no evidence.
        assert_eq!(judged[1].verdict.method, VerdictMethod::None);
        assert_eq!(judged[1].verdict.decision, Decision::Unknown);
        assert!(judged[1].verdict.evidence.is_empty());
        // The observed one lists what was observed.
        assert_eq!(
            judged[0].verdict.evidence[0].method,
            VerdictMethod::Observed
        );
    }

    #[test]
    fn a_denial_in_some_regions_is_a_region_restriction_not_a_missing_permission() {
        let basis = simulated(&[("securityhub:DescribeHub", Decision::Allowed, None)]);
        let observations = [
            observation_in(
                "securityhub:DescribeHub",
                "us-east-1",
                ObservedOutcome::Allowed,
            ),
            observation_in(
                "securityhub:DescribeHub",
                "eu-west-1",
                ObservedOutcome::Denied(Some(DeniedBy::Scp)),
            ),
        ];
        let judged = judge_seen(
            &required(&["securityhub:DescribeHub"]),
            &basis,
            &observations,
        );
        let verdict = &judged[0].verdict;
        assert_eq!(verdict.decision, Decision::Allowed);
        assert_eq!(verdict.method, VerdictMethod::Observed);
        assert_eq!(verdict.regions_denied, vec!["eu-west-1".to_owned()]);
        assert!(verdict.scp_visible);
        let regions: Vec<_> = verdict.evidence.iter().map(|e| e.region.clone()).collect();
        assert_eq!(
            regions,
            vec![
                Some("eu-west-1".to_owned()),
                Some("us-east-1".to_owned()),
                None
            ]
        );
    }

    #[test]
    fn scp_visibility_needs_every_region_for_a_regional_action_and_one_call_for_a_global_one() {
        let local = Basis::Decided {
            method: VerdictMethod::LocalEvaluation,
            verdicts: ActionVerdicts::default(),
            note: None,
        };
        let observations = [
            observation("cloudwatch:DescribeAlarms", ObservedOutcome::Allowed),
            Observation {
                service: "s3",
                action: "ListAllMyBuckets",
                region: None,
                outcome: ObservedOutcome::Allowed,
                quarantine: None,
            },
        ];
        let judged = judge_seen(
            &required(&[
                "cloudwatch:DescribeAlarms",
                "s3:ListAllMyBuckets",
                "iam:GetUser",
            ]),
            &local,
            &observations,
        );
        let visible: Vec<bool> = judged.iter().map(|j| j.verdict.scp_visible).collect();
        // Only us-east-1 saw DescribeAlarms; S3's listing is global; nothing saw iam:GetUser.
        assert_eq!(visible, vec![false, true, false]);
    }

    #[test]
    fn a_denial_that_a_network_condition_explains_decides_nothing() {
        let mut verdicts = ActionVerdicts::default();
        verdicts.insert(
            "cloudtrail:DescribeTrails",
            MethodVerdict {
                decision: Decision::Unknown,
                denied_by: None,
                note: Some("its condition on aws:SourceIp".to_owned()),
                condition_keys: vec!["aws:SourceIp".to_owned()],
                quarantine: None,
            },
        );
        let basis = Basis::Decided {
            method: VerdictMethod::LocalEvaluation,
            verdicts,
            note: None,
        };
        let observations = [observation(
            "cloudtrail:DescribeTrails",
            ObservedOutcome::Denied(None),
        )];
        let judged = judge_seen(
            &required(&["cloudtrail:DescribeTrails"]),
            &basis,
            &observations,
        );
        let verdict = &judged[0].verdict;
        assert_eq!(verdict.decision, Decision::Unknown);
        assert_eq!(verdict.method, VerdictMethod::LocalEvaluation);
        assert_eq!(verdict.condition_keys, vec!["aws:SourceIp".to_owned()]);
        assert_eq!(verdict.evidence[0].method, VerdictMethod::Observed);
    }
}
