//! Joins `observed_denials` (the contract's word for what CloudTrail recorded of the connector's
//! own calls; not the `observed` method, which is this service's own calls) to the verdicts: every
//! denied action gets `cloudtrail` evidence; an action the verdict calls allowed (or cannot decide) that
//! the portal's calls were denied is `PERMISSION_DENIED_IN_PRODUCTION`; S3's refusal of ACLs on a
//! bucket is `S3_ACL_DISABLED`; a denial whose message names AWS's quarantine policy marks the
//! action quarantined (the exposed key's finding tells it). The record adds evidence and findings:
//! it never overwrites a verdict, since it says what happened to the portal's calls, not what the
//! policies are now.

use chrono::{DateTime, TimeDelta, Utc};

use super::verdicts::{Judgement, decision_of_denial, describe};
use crate::domain::{
    CheckId, Code, Decision, DeniedBy, Evidence, Finding, ObservedDenial, Severity, VerdictMethod,
};
use crate::probes::explain::{FindingExt, finding};
use crate::probes::quarantine;

/// A denial more recent than this is an error: the connector is failing now.
const RECENT: TimeDelta = TimeDelta::hours(1);

/// S3's error for an ACL call on a bucket that enforces bucket-owner ownership.
const ACL_NOT_SUPPORTED: &str = "AccessControlListNotSupported";

/// Adds the record's evidence to `judgements`; the findings it makes, judged at `now`.
pub fn join(
    judgements: &mut [Judgement],
    denials: &[ObservedDenial],
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for denial in denials {
        let Some(judgement) = judgements
            .iter_mut()
            .find(|j| j.verdict.action.eq_ignore_ascii_case(&denial.action))
        else {
            continue;
        };
        let acl = denial.error_code == ACL_NOT_SUPPORTED;
        let verdict = &mut judgement.verdict;
        verdict.evidence.push(Evidence {
            method: VerdictMethod::Cloudtrail,
            // The ACL refusal comes whatever the policies say: it decides no permission.
            decision: if acl {
                Decision::Unknown
            } else {
                decision_of_denial(denial.denied_by)
            },
            region: match denial.regions.as_slice() {
                [only] => Some(only.clone()),
                _ => None,
            },
            denied_by: denial.denied_by,
            detail: recorded(denial),
        });
        let connections = verdict.required_by.clone();
        if acl {
            findings.push(
                finding(
                    Code::S3AclDisabled,
                    CheckId::Permissions,
                    format!(
                        "{} S3 refused it with AccessControlListNotSupported: the bucket \
                         enforces bucket-owner ownership, so {} fails whatever the policies say.",
                        recorded(denial),
                        denial.action
                    ),
                )
                .for_connections(connections),
            );
            continue;
        }
        if let Some(policy) = denial.message.as_deref().and_then(quarantine::named_in) {
            // AWS's quarantine policy denied the portal's calls: the exposed key's finding
            // says so, with what to do; no policy of the account is to blame.
            judgement
                .quarantine
                .get_or_insert_with(|| policy.to_owned());
            continue;
        }
        if !matches!(verdict.decision, Decision::Allowed | Decision::Unknown) {
            // Already denied: the record confirms the verdict and its finding.
            continue;
        }
        let severity = if now - denial.last_seen < RECENT {
            Severity::Error
        } else {
            Severity::Warning
        };
        let said = match verdict.decision {
            Decision::Allowed => format!(
                "The verdict is allowed ({}), but that method cannot see every layer that \
                 decides the portal's calls.",
                describe(verdict.method)
            ),
            _ => "The verdict could not decide it.".to_owned(),
        };
        findings.push(
            finding(
                Code::PermissionDeniedInProduction,
                CheckId::Permissions,
                format!("{} {said} {}", recorded(denial), layer(denial.denied_by)),
            )
            .with_severity(severity)
            .for_connections(connections),
        );
    }
    findings
}

/// What CloudTrail recorded, for a person.
fn recorded(denial: &ObservedDenial) -> String {
    let on = denial
        .example_resource
        .as_deref()
        .map(|resource| format!(", for example on {resource}"))
        .unwrap_or_default();
    format!(
        "CloudTrail recorded {} call(s) of {} with the connector's key failing with {} in {}, \
         from {} to {}{on}.",
        denial.count,
        denial.action,
        denial.error_code,
        denial.regions.join(", "),
        denial.first_seen.format("%Y-%m-%d %H:%M UTC"),
        denial.last_seen.format("%Y-%m-%d %H:%M UTC"),
    )
}

/// The layer AWS named in its message, and where to look.
fn layer(denied_by: Option<DeniedBy>) -> &'static str {
    match denied_by {
        Some(DeniedBy::ResourcePolicy) => {
            "AWS named a resource-based policy: look at the resource's own policy (a bucket policy)."
        }
        Some(DeniedBy::Scp) => "AWS named a service control policy of the organization.",
        Some(DeniedBy::Rcp) => "AWS named a resource control policy of the organization.",
        Some(DeniedBy::PermissionsBoundary) => "AWS named the identity's permissions boundary.",
        Some(DeniedBy::SessionPolicy) => "AWS named a session policy.",
        Some(DeniedBy::IdentityPolicy) => "AWS named an identity-based policy.",
        None => {
            "AWS's message does not name the layer: a resource policy (such as the bucket \
             policy), a service control or resource control policy, or a condition that the \
             portal's calls do not meet."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Connection, PermissionVerdict};

    fn judged(action: &str, decision: Decision) -> Judgement {
        Judgement {
            verdict: PermissionVerdict::new(action, decision, VerdictMethod::Simulation)
                .with_required_by(&[Connection::SecurityAuditing])
                .with_scp_visible(true),
            note: None,
            quarantine: None,
        }
    }

    fn denial(action: &str, code: &str, last_seen: DateTime<Utc>) -> ObservedDenial {
        ObservedDenial {
            action: action.to_owned(),
            error_code: code.to_owned(),
            count: 3,
            first_seen: last_seen - TimeDelta::hours(5),
            last_seen,
            regions: vec!["us-east-1".to_owned()],
            example_resource: Some("arn:aws:s3:::contoso-logs".to_owned()),
            denied_by: Some(DeniedBy::ResourcePolicy),
            message: None,
        }
    }

    #[test]
    fn a_recent_denial_of_an_allowed_action_is_an_error_and_an_old_one_a_warning() {
        let now = Utc::now();
        let mut judgements = [
            judged("s3:GetBucketAcl", Decision::Allowed),
            judged("s3:GetBucketPolicy", Decision::Allowed),
        ];
        let findings = join(
            &mut judgements,
            &[
                denial(
                    "s3:GetBucketAcl",
                    "AccessDenied",
                    now - TimeDelta::minutes(30),
                ),
                denial(
                    "s3:GetBucketPolicy",
                    "AccessDenied",
                    now - TimeDelta::hours(3),
                ),
            ],
            now,
        );
        let severities: Vec<_> = findings.iter().map(|f| (f.code, f.severity)).collect();
        assert_eq!(
            severities,
            vec![
                (Code::PermissionDeniedInProduction, Severity::Error),
                (Code::PermissionDeniedInProduction, Severity::Warning)
            ]
        );
        assert!(findings[0].detail.contains("arn:aws:s3:::contoso-logs"));
        assert!(findings[0].detail.contains("bucket policy"));
        // Evidence is added; the verdict stands.
        let verdict = &judgements[0].verdict;
        assert_eq!(verdict.decision, Decision::Allowed);
        assert_eq!(verdict.evidence[0].method, VerdictMethod::Cloudtrail);
        assert_eq!(verdict.evidence[0].decision, Decision::ExplicitDeny);
    }

    #[test]
    fn a_denied_verdict_gets_evidence_only_and_acls_disabled_are_their_own_finding() {
        let now = Utc::now();
        let mut judgements = [
            judged("s3:GetBucketAcl", Decision::ImplicitDeny),
            judged("s3:PutBucketAcl", Decision::Allowed),
        ];
        let findings = join(
            &mut judgements,
            &[
                denial("s3:GetBucketAcl", "AccessDenied", now),
                denial("s3:PutBucketAcl", ACL_NOT_SUPPORTED, now),
            ],
            now,
        );
        let codes: Vec<_> = findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, vec![Code::S3AclDisabled]);
        assert_eq!(judgements[0].verdict.evidence.len(), 1);
        assert_eq!(
            judgements[1].verdict.evidence[0].decision,
            Decision::Unknown
        );
    }
}
