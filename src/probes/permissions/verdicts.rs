//! One verdict per required action: the method's answer, confirmed or overridden by what the
//! other probes' own read-only calls saw (method `observed`).
//!
//! A real call beats any model of IAM: the simulator can give false denials under conditional
//! SCPs, and our evaluator sees neither SCPs nor session policies.

use super::basis::{Basis, MethodVerdict, is_denied};
use crate::domain::{Decision, DeniedBy, Evidence, PermissionVerdict, VerdictMethod};
use crate::probes::observation::{Observation, ObservedOutcome};
use crate::requirements::RequiredAction;

/// A verdict and, when it needs one, the sentence behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The contract's verdict.
    pub verdict: PermissionVerdict,
    /// Why (the deciding statement, the undecidable condition), for details and the summary.
    pub note: Option<String>,
}

/// The verdict on each of `required`, in its order.
pub fn judge(
    required: &[RequiredAction],
    basis: &Basis,
    observations: &[Observation],
) -> Vec<Judgement> {
    required
        .iter()
        .map(|required| {
            let (method, prior) = from_basis(&required.action, basis);
            // The method's own word, kept as evidence whatever the observation adds.
            let mut evidence: Vec<Evidence> = (method != VerdictMethod::None)
                .then(|| Evidence {
                    method,
                    decision: prior.decision,
                    region: None,
                    denied_by: prior.denied_by,
                    detail: prior
                        .note
                        .clone()
                        .unwrap_or_else(|| format!("{} decided it.", describe(method))),
                })
                .into_iter()
                .collect();
            let (method, verdict) = match observed(&required.action, observations) {
                Some(outcome) => {
                    evidence.insert(0, observed_evidence(outcome));
                    (VerdictMethod::Observed, apply(prior, outcome))
                }
                None => (method, prior),
            };
            Judgement {
                verdict: PermissionVerdict {
                    action: required.action.clone(),
                    decision: verdict.decision,
                    method,
                    required_by: required.connections.clone(),
                    denied_by: verdict.denied_by,
                    evidence,
                },
                note: verdict.note,
            }
        })
        .collect()
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
            },
        ),
    }
}

/// What the probes' calls of `action` saw: denied if any call was (the connection needs every
/// region), else allowed if any call was made.
fn observed(action: &str, observations: &[Observation]) -> Option<ObservedOutcome> {
    let mut outcome = None;
    for observation in observations {
        if !observation.action.eq_ignore_ascii_case(action) {
            continue;
        }
        match observation.outcome {
            ObservedOutcome::Denied(_) => return Some(observation.outcome),
            ObservedOutcome::Allowed => outcome = Some(ObservedOutcome::Allowed),
        }
    }
    outcome
}

/// The verdict once a real call's outcome is known.
/// How a method is named in a sentence.
pub fn describe(method: VerdictMethod) -> &'static str {
    match method {
        VerdictMethod::Simulation => "IAM's policy simulator",
        VerdictMethod::LocalEvaluation => "The evaluation of the identity's own policies",
        VerdictMethod::Observed => "A call of the diagnosis",
        VerdictMethod::Root => "Root credentials",
        VerdictMethod::None => "No method",
    }
}

/// What one of the diagnosis's own calls showed.
fn observed_evidence(outcome: ObservedOutcome) -> Evidence {
    let (decision, denied_by, detail) = match outcome {
        ObservedOutcome::Allowed => (
            Decision::Allowed,
            None,
            "The diagnosis made this call and AWS allowed it.".to_owned(),
        ),
        ObservedOutcome::Denied(by) => (
            decision_of_denial(by),
            by,
            "The diagnosis made this call and AWS denied it.".to_owned(),
        ),
    };
    Evidence {
        method: VerdictMethod::Observed,
        decision,
        region: None,
        denied_by,
        detail,
    }
}

fn apply(prior: MethodVerdict, outcome: ObservedOutcome) -> MethodVerdict {
    match outcome {
        ObservedOutcome::Allowed => MethodVerdict::allowed(),
        // The method agreed it is denied: keep its finer decision and attribution unless AWS
        // named the policy type itself.
        ObservedOutcome::Denied(by) if is_denied(prior.decision) => MethodVerdict {
            decision: prior.decision,
            denied_by: by.or(prior.denied_by),
            note: prior.note,
        },
        ObservedOutcome::Denied(by) => MethodVerdict {
            decision: decision_of_denial(by),
            denied_by: by,
            note: Some(
                "AWS denied the diagnosis's own call although the policies seemed to allow it"
                    .to_owned(),
            ),
        },
    }
}

/// The decision an AWS denial message implies when nothing else tells. Denials by session or
/// resource policies that do not stem from a missing allow in identity policies are Deny
/// statements; the rest read "no ... policy allows", an implicit deny.
fn decision_of_denial(by: Option<DeniedBy>) -> Decision {
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
                },
            );
        }
        Basis::Decided {
            method: VerdictMethod::Simulation,
            verdicts,
            note: None,
        }
    }

    fn observation(action: &'static str, outcome: ObservedOutcome) -> Observation {
        Observation { action, outcome }
    }

    #[test]
    fn verdicts_follow_the_required_order_and_carry_their_connections() {
        let basis = simulated(&[
            ("a:B", Decision::Allowed, None),
            ("a:A", Decision::ImplicitDeny, None),
        ]);
        let judged = judge(&required(&["a:A", "a:B", "a:C"]), &basis, &[]);
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
        let judged = judge(
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
        let judged = judge(
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
        let judged = judge(
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
}
