//! The permissions check's outcome: its status, its one-sentence summary, and one finding per
//! kind of problem, each listing its actions.

use std::collections::BTreeMap;

use chrono::Utc;

use super::basis::Basis;
use super::denial::{Denial, denial_of};
use super::principal::Principal;
use super::verdicts::Judgement;
use crate::catalogue::aws_mapping;
use crate::domain::Code;
use crate::domain::{CheckId, CheckStatus, Connection, Decision, Finding, VerdictMethod};
use crate::probes::explain::{FindingExt, finding};

/// How many undecided actions the summary names before "and N more".
const SUMMARY_UNKNOWN_LIMIT: usize = 5;

/// What the check reports.
#[derive(Debug)]
pub struct Conclusion {
    /// `fail` when an action is denied; `warn`/`error` when some cannot be decided; else `pass`.
    pub status: CheckStatus,
    /// One or two sentences for a person.
    pub summary: String,
    /// The findings, denials first.
    pub findings: Vec<Finding>,
}

/// Concludes the check from the verdicts, what they rest on, and the unattached managed policies.
pub fn conclude(
    judgements: &[Judgement],
    basis: &Basis,
    principal: &Principal,
    missing_managed: &[String],
) -> Conclusion {
    let who = principal.describe();
    let mut denials: BTreeMap<Denial, Vec<&Judgement>> = BTreeMap::new();
    for judgement in judgements {
        if let Some(kind) = denial_of(&judgement.verdict) {
            let kind = match judgement.quarantine {
                Some(_) => Denial::Quarantine,
                None => kind,
            };
            denials.entry(kind).or_default().push(judgement);
        }
    }
    let mut findings: Vec<Finding> = denials
        .iter()
        .filter_map(|(kind, judged)| denial_finding(*kind, judged, &who))
        .collect();
    findings.extend(conditional_finding(judgements));
    if let Basis::Unavailable { reason, error } = basis {
        let detail = format!(
            "The permissions of {who} could not be verified: {reason}. Every required action \
             that no probe called is unknown."
        );
        let unavailable = finding(
            Code::PermissionCheckUnavailable,
            CheckId::Permissions,
            detail,
        );
        findings.push(match error {
            Some(error) => unavailable.with_aws_error(error),
            None => unavailable,
        });
    }
    if !missing_managed.is_empty() {
        let place = match principal {
            Principal::User { .. } => format!("to {who} nor to any of its groups"),
            _ => format!("to {who}"),
        };
        findings.push(
            finding(
                Code::ManagedPolicyNotAttached,
                CheckId::Permissions,
                format!(
                    "Security configuration needs these AWS managed policies, and they are attached \
                     neither directly {place}: {}.",
                    missing_managed.join(", ")
                ),
            )
            .for_connections(vec![Connection::SecurityConfiguration]),
        );
    }

    let denied: usize = denials.values().map(Vec::len).sum();
    let unknown: Vec<&Judgement> = judgements
        .iter()
        .filter(|j| j.verdict.decision == Decision::Unknown)
        .collect();
    let status = if denied > 0 {
        CheckStatus::Fail
    } else if let Basis::Unavailable { error, .. } = basis {
        // Denied or impossible: the check is blind (warn); AWS failing to answer: not completed.
        match error {
            Some(error) if aws_mapping::code_for(error, Utc::now()).is_incomplete() => {
                CheckStatus::Error
            }
            _ => CheckStatus::Warn,
        }
    } else if !unknown.is_empty() || !missing_managed.is_empty() {
        CheckStatus::Warn
    } else {
        CheckStatus::Pass
    };
    let mut summary = summary(judgements, basis, denied, &unknown, missing_managed);
    if let Some(quarantined) = denials.get(&Denial::Quarantine) {
        summary.push_str(&quarantine_sentence(quarantined));
    }
    Conclusion {
        status,
        summary,
        findings,
    }
}

/// The actions AWS's quarantine policy denies, for the summary: the identity check's
/// `CREDENTIALS_QUARANTINED` says what to do.
fn quarantine_sentence(quarantined: &[&Judgement]) -> String {
    let mut policies: Vec<&str> = quarantined
        .iter()
        .filter_map(|j| j.quarantine.as_deref())
        .collect();
    policies.sort_unstable();
    policies.dedup();
    let actions: Vec<&str> = quarantined
        .iter()
        .map(|j| j.verdict.action.as_str())
        .collect();
    format!(
        " AWS's quarantine policy {} denies {} (see CREDENTIALS_QUARANTINED).",
        policies.join(", "),
        actions.join(", ")
    )
}

/// The finding of one kind of denial; none for the quarantine's, which the identity check
/// reports as the exposed key it is.
fn denial_finding(kind: Denial, judged: &[&Judgement], who: &str) -> Option<Finding> {
    let count = judged.len();
    let actions = listing(judged);
    let (code, detail) = match kind {
        Denial::Quarantine => return None,
        Denial::Missing => (
            Code::PermissionMissing,
            format!(
                "No identity-based policy of {who} allows {count} required action(s): {actions}. \
                 The remediation_policy of this diagnosis grants exactly these; attach it to {who}."
            ),
        ),
        Denial::Scp => (
            Code::PermissionDeniedByScp,
            format!(
                "A service control policy of the organization denies {count} required action(s): \
                 {actions}. No policy of {who} can lift an SCP, so these actions are not in the \
                 remediation_policy."
            ),
        ),
        Denial::Rcp => (
            Code::PermissionDeniedByRcp,
            format!(
                "A resource control policy of the organization denies {count} required \
                 action(s): {actions}. No policy of {who} can lift an RCP, so these actions are \
                 not in the remediation_policy."
            ),
        ),
        Denial::Boundary => (
            Code::PermissionDeniedByBoundary,
            format!(
                "The permissions boundary of {who} does not allow {count} required action(s): \
                 {actions}. A boundary caps every Allow, so these actions are not in the \
                 remediation_policy: change or remove the boundary."
            ),
        ),
        Denial::Explicit => (
            Code::PermissionExplicitDeny,
            format!(
                "A Deny statement matches {count} required action(s) of {who}: {actions}. An \
                 explicit deny wins over every Allow, so these actions are not in the \
                 remediation_policy: narrow or remove the Deny."
            ),
        ),
    };
    // A missing action concerns only the connections that need it.
    Some(finding(code, CheckId::Permissions, detail).for_connections(connections_of(judged)))
}

/// The connections that require any of `judged`'s actions, each once, in order.
fn connections_of(judged: &[&Judgement]) -> Vec<Connection> {
    let mut connections: Vec<Connection> = judged
        .iter()
        .flat_map(|j| j.verdict.required_by.iter().copied())
        .collect();
    connections.sort();
    connections.dedup();
    connections
}

/// The actions whose decision hinges on context keys that only the portal's own calls carry.
fn conditional_finding(judgements: &[Judgement]) -> Option<Finding> {
    let conditional: Vec<&Judgement> = judgements
        .iter()
        .filter(|j| j.verdict.decision == Decision::Unknown && !j.verdict.condition_keys.is_empty())
        .collect();
    if conditional.is_empty() {
        return None;
    }
    let actions = conditional
        .iter()
        .map(|j| {
            format!(
                "{} ({})",
                j.verdict.action,
                j.verdict.condition_keys.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let connections = connections_of(&conditional);
    Some(
        finding(
            Code::PermissionConditional,
            CheckId::Permissions,
            format!(
                "{} required action(s) are allowed or denied depending on where the call comes \
                 from, which this service cannot reproduce: {actions}. Their verdict is unknown, \
                 and the remediation_policy adds nothing for them.",
                conditional.len()
            ),
        )
        .for_connections(connections),
    )
}

/// The actions, each with its note when it has one.
fn listing(judged: &[&Judgement]) -> String {
    let separator = if judged.iter().any(|j| j.note.is_some()) {
        "; "
    } else {
        ", "
    };
    judged
        .iter()
        .map(|judgement| match &judgement.note {
            Some(note) => format!("{} ({note})", judgement.verdict.action),
            None => judgement.verdict.action.clone(),
        })
        .collect::<Vec<_>>()
        .join(separator)
}

/// The permissions check's summary: what the method decided, what it could not, and the managed
/// policies that are not attached.
fn summary(
    judgements: &[Judgement],
    basis: &Basis,
    denied: usize,
    unknown: &[&Judgement],
    missing_managed: &[String],
) -> String {
    let total = judgements.len();
    let mut text = match basis {
        Basis::Decided { method, note, .. } => {
            let verdict = decided_sentence(judgements, *method, denied, unknown.len());
            match note {
                Some(note) => format!("{verdict} {note}"),
                None => verdict,
            }
        }
        Basis::Unavailable { reason, .. } => {
            let mut text = format!("The permissions could not be verified: {reason}.");
            if denied > 0 {
                text.push_str(&format!(
                    " {denied} of {total} required actions were denied to the probes' own calls."
                ));
            }
            text
        }
    };
    if !unknown.is_empty() && matches!(basis, Basis::Decided { .. }) {
        text.push_str(&undecided_sentence(unknown));
    }
    if !missing_managed.is_empty() {
        text.push_str(&format!(
            " Managed policies not attached: {}.",
            missing_managed.join(", ")
        ));
    }
    text
}

/// What a method decided, in one sentence: all allowed (and whether organization policies were
/// seen for all), none denied but some undecided, or how many are not allowed.
fn decided_sentence(
    judgements: &[Judgement],
    method: VerdictMethod,
    denied: usize,
    unknown: usize,
) -> String {
    let total = judgements.len();
    let observed = judgements
        .iter()
        .filter(|j| j.verdict.method == VerdictMethod::Observed)
        .count();
    let mut how = match method {
        VerdictMethod::Simulation => "simulation".to_owned(),
        VerdictMethod::LocalEvaluation => "local evaluation".to_owned(),
        VerdictMethod::Observed => "observed".to_owned(),
        VerdictMethod::Root => "root credentials".to_owned(),
        VerdictMethod::Cloudtrail => "CloudTrail's record".to_owned(),
        VerdictMethod::None => "no method".to_owned(),
    };
    if observed > 0 {
        how.push_str(&format!("; {observed} observed in the probes' own calls"));
    }
    let visible = judgements.iter().filter(|j| j.verdict.scp_visible).count();
    if denied == 0 && unknown == 0 && visible == total {
        format!("All {total} required actions are allowed ({how}).")
    } else if denied == 0 && unknown == 0 {
        // Organization policies were seen for only some, so a plain "all allowed" would claim
        // more than the evidence shows.
        format!(
            "All {total} required actions are allowed as far as {how} shows; organization \
             policies (SCPs, RCPs) were seen for {visible} of them wherever they apply."
        )
    } else if denied == 0 {
        format!("No required action is denied ({how}); {unknown} of {total} could not be decided.")
    } else {
        format!("{denied} of {total} required actions are not allowed ({how}).")
    }
}

/// The actions that could not be decided, with why, the first few by name.
fn undecided_sentence(unknown: &[&Judgement]) -> String {
    let named: Vec<String> = unknown
        .iter()
        .take(SUMMARY_UNKNOWN_LIMIT)
        .map(|j| match &j.note {
            Some(note) => format!("{} ({note})", j.verdict.action),
            None => j.verdict.action.clone(),
        })
        .collect();
    let mut text = format!(
        " {} could not be decided: {}",
        unknown.len(),
        named.join("; ")
    );
    if unknown.len() > SUMMARY_UNKNOWN_LIMIT {
        text.push_str(&format!(
            "; and {} more",
            unknown.len() - SUMMARY_UNKNOWN_LIMIT
        ));
    }
    text.push('.');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::{AwsError, AwsErrorKind};
    use crate::domain::{DeniedBy, PermissionVerdict};
    use crate::probes::permissions::basis::ActionVerdicts;

    fn judged(action: &str, decision: Decision, denied_by: Option<DeniedBy>) -> Judgement {
        Judgement {
            verdict: PermissionVerdict::new(action, decision, VerdictMethod::LocalEvaluation)
                .with_denied_by(denied_by),
            note: None,
            quarantine: None,
        }
    }

    fn local() -> Basis {
        Basis::Decided {
            method: VerdictMethod::LocalEvaluation,
            verdicts: ActionVerdicts::default(),
            note: None,
        }
    }

    fn user() -> Principal {
        Principal::User {
            name: "mdca".to_owned(),
            arn: "arn:aws:iam::123456789012:user/mdca".to_owned(),
        }
    }

    fn codes(conclusion: &Conclusion) -> Vec<Code> {
        conclusion.findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn each_kind_of_denial_is_one_finding_listing_its_actions() {
        let judgements = [
            judged("s3:PutBucketAcl", Decision::ImplicitDeny, None),
            judged("iam:GetUser", Decision::Allowed, None),
            judged("s3:GetBucketAcl", Decision::ImplicitDeny, None),
            judged("iam:ListUsers", Decision::ExplicitDeny, Some(DeniedBy::Scp)),
            judged(
                "iam:ListRoles",
                Decision::ExplicitDeny,
                Some(DeniedBy::IdentityPolicy),
            ),
        ];
        let conclusion = conclude(&judgements, &local(), &user(), &[]);
        assert_eq!(conclusion.status, CheckStatus::Fail);
        assert_eq!(
            codes(&conclusion),
            vec![
                Code::PermissionMissing,
                Code::PermissionDeniedByScp,
                Code::PermissionExplicitDeny
            ]
        );
        assert!(
            conclusion.findings[0]
                .detail
                .contains("s3:PutBucketAcl, s3:GetBucketAcl")
        );
        assert_eq!(
            conclusion.summary,
            "4 of 5 required actions are not allowed (local evaluation)."
        );
    }

    #[test]
    fn a_deny_of_the_quarantine_policy_is_no_explicit_deny_finding() {
        let mut quarantined = judged(
            "cloudtrail:LookupEvents",
            Decision::ExplicitDeny,
            Some(DeniedBy::IdentityPolicy),
        );
        quarantined.quarantine = Some("AWSCompromisedKeyQuarantineV2".to_owned());
        let judgements = [
            quarantined,
            judged(
                "iam:ListRoles",
                Decision::ExplicitDeny,
                Some(DeniedBy::IdentityPolicy),
            ),
        ];
        let conclusion = conclude(&judgements, &local(), &user(), &[]);
        assert_eq!(conclusion.status, CheckStatus::Fail);
        assert_eq!(codes(&conclusion), vec![Code::PermissionExplicitDeny]);
        assert!(
            !conclusion.findings[0]
                .detail
                .contains("cloudtrail:LookupEvents")
        );
        assert!(
            conclusion.summary.contains(
                "AWSCompromisedKeyQuarantineV2 denies cloudtrail:LookupEvents (see \
                 CREDENTIALS_QUARANTINED)"
            ),
            "{}",
            conclusion.summary
        );
    }

    #[test]
    fn all_allowed_passes_and_unknowns_warn_naming_them() {
        let allowed = [judged("iam:GetUser", Decision::Allowed, None)];
        let conclusion = conclude(&allowed, &local(), &user(), &[]);
        assert_eq!(conclusion.status, CheckStatus::Pass);
        assert!(conclusion.findings.is_empty());

        let mut unknown = judged("iam:ListUsers", Decision::Unknown, None);
        unknown.note = Some("a condition on aws:SourceIp".to_owned());
        let conclusion = conclude(&[unknown], &local(), &user(), &[]);
        assert_eq!(conclusion.status, CheckStatus::Warn);
        assert!(
            conclusion
                .summary
                .contains("iam:ListUsers (a condition on aws:SourceIp)"),
            "{}",
            conclusion.summary
        );
    }

    #[test]
    fn an_unavailable_check_warns_when_denied_and_errors_when_aws_failed() {
        let judgements = [judged("iam:GetUser", Decision::Unknown, None)];
        let denied = Basis::Unavailable {
            reason: "both were denied".to_owned(),
            error: None,
        };
        let conclusion = conclude(&judgements, &denied, &user(), &[]);
        assert_eq!(conclusion.status, CheckStatus::Warn);
        assert_eq!(codes(&conclusion), vec![Code::PermissionCheckUnavailable]);

        let timed_out = Basis::Unavailable {
            reason: "IAM did not answer".to_owned(),
            error: Some(AwsError::without_response(
                "iam",
                "GetUser",
                AwsErrorKind::Timeout,
                "timed out",
            )),
        };
        let conclusion = conclude(&judgements, &timed_out, &user(), &[]);
        assert_eq!(conclusion.status, CheckStatus::Error);
        assert!(conclusion.findings[0].aws_error.is_some());
    }

    #[test]
    fn unattached_managed_policies_are_named_and_warn() {
        let judgements = [judged("iam:GetUser", Decision::Allowed, None)];
        let hub = "arn:aws:iam::aws:policy/AWSSecurityHubReadOnlyAccess".to_owned();
        let conclusion = conclude(&judgements, &local(), &user(), std::slice::from_ref(&hub));
        assert_eq!(conclusion.status, CheckStatus::Warn);
        assert_eq!(codes(&conclusion), vec![Code::ManagedPolicyNotAttached]);
        assert!(conclusion.findings[0].detail.contains(&hub));
        assert!(conclusion.findings[0].detail.contains("groups"));
    }
}
