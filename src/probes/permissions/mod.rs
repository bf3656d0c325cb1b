//! The permission probe: a verdict for every required action, with the method that produced it.
//!
//! Methods, best first: IAM's simulator (`simulation`) where the identity may call it; else our
//! evaluator over the identity's own policies, read with `iam:Get*`/`iam:List*`
//! (`local_evaluation`), since the seed's auditing policy grants those but not the simulator.
//! Each action is decided on the resource the portal uses it on. The diagnosis's own calls (the
//! regional probes', the policy reads', the service reads') then confirm or override single
//! verdicts, region by region (`observed`). `collect` runs concurrently with the other probes;
//! `conclude` joins them.

mod basis;
mod calls;
mod collect_policies;
mod conclusion;
mod denial;
mod local;
mod managed;
mod observed_denials;
mod principal;
mod remediation;
mod simulate;
mod target;
mod verdicts;

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::Utc;

pub use self::collect_policies::{UserAttachments, user_attachments};

use self::basis::{ActionVerdicts, Basis};
use self::collect_policies::CollectError;
use self::principal::Principal;
use self::target::Target;
use self::verdicts::Scope;
use super::context::ProbeContext;
use super::observation::Observation;
use super::quarantine::QuarantinedAction;
use super::report::Report;
use crate::aws::AwsError;
use crate::domain::{
    CheckId, CheckStatus, Connection, Finding, ObservedDenial, Region, Severity, VerdictMethod,
};
use crate::policy::Context;
use crate::requirements::{RequiredAction, Requirements};

/// What the probe gathered from AWS before concluding.
pub struct PermissionEvidence {
    started: Instant,
    principal: Principal,
    basis: Basis,
    /// Managed policies attached to the principal (or a user's groups), when they were listed.
    attached: Option<BTreeSet<String>>,
    /// The actions the requested connections need.
    required: Vec<RequiredAction>,
    /// The same actions, on the resources they were decided for.
    targets: Vec<Target>,
}

/// Gathers the evidence: the simulator's answers, or the identity's policies evaluated, for
/// every required action on the resources the portal uses it on.
pub async fn collect(ctx: &ProbeContext<'_>) -> PermissionEvidence {
    let started = Instant::now();
    let principal = Principal::of(ctx.identity, ctx.assumed_role_arn);
    let home = home_region(ctx);
    let required = Requirements::builtin().required_actions(&ctx.request.connections);
    let targets = target::targets(&required, ctx.identity.partition, home, ctx.identity);
    let context = local::context_for(&principal, ctx.identity, home, Utc::now());
    let (basis, attached) = gather(ctx, &principal, &targets, &context).await;
    PermissionEvidence {
        started,
        principal,
        basis,
        attached,
        required,
        targets,
    }
}

/// Concludes verdicts, findings and the remediation policy from the evidence and the outcomes
/// of the diagnosis's own calls, in the checked regions enabled for the account.
/// What CloudTrail recorded of the connector's own calls failing (`denials`) adds evidence and
/// findings. Also returns the actions AWS's quarantine policy denies: they are no finding of
/// this check, but the evidence of the identity check's exposed key.
pub fn conclude(
    evidence: PermissionEvidence,
    observations: &[Observation],
    usable_regions: &[Region],
    denials: Option<&[ObservedDenial]>,
    ctx: &ProbeContext<'_>,
) -> (Report, Vec<QuarantinedAction>) {
    let requirements = Requirements::builtin();
    let required = &evidence.required;
    let scope = Scope {
        observations,
        regions: usable_regions,
        simulated_in: home_region(ctx),
    };
    let mut judgements = verdicts::judge(required, &evidence.basis, &scope);
    let from_the_record = denials
        .map(|denials| observed_denials::join(&mut judgements, denials, Utc::now()))
        .unwrap_or_default();
    let missing_managed = match &evidence.attached {
        Some(attached)
            if ctx
                .request
                .connections
                .contains(&Connection::SecurityConfiguration) =>
        {
            let wanted = requirements
                .for_connection(Connection::SecurityConfiguration)
                .managed_policies_in(ctx.identity.partition);
            managed::missing(&wanted, attached)
        }
        // Unknown attachments: nothing can be said.
        _ => Vec::new(),
    };
    let conclusion = conclusion::conclude(
        &judgements,
        &evidence.basis,
        &evidence.principal,
        &missing_managed,
    );

    let status = with_the_record(conclusion.status, &from_the_record);
    let mut report = Report::default();
    report.check(
        CheckId::Permissions,
        status,
        evidence.started,
        conclusion.summary,
    );
    for finding in conclusion.findings.into_iter().chain(from_the_record) {
        report.finding(finding);
    }
    let quarantined = judgements
        .iter()
        .filter_map(|judgement| {
            Some(QuarantinedAction {
                action: judgement.verdict.action.clone(),
                policy: judgement.quarantine.clone()?,
            })
        })
        .collect();
    report.permissions = judgements
        .into_iter()
        .map(|judgement| judgement.verdict)
        .collect();
    report.remediation_policy =
        remediation::policy(required, &evidence.targets, &report.permissions);
    (report, quarantined)
}

/// The check's status once the record's findings count: a recent denial of the portal's calls
/// fails it, an older one or a bucket without ACLs warns.
fn with_the_record(status: CheckStatus, findings: &[Finding]) -> CheckStatus {
    let worst = findings.iter().map(|finding| finding.severity).max();
    match (status, worst) {
        (CheckStatus::Pass | CheckStatus::Warn, Some(Severity::Error)) => CheckStatus::Fail,
        (CheckStatus::Pass, Some(Severity::Warning)) => CheckStatus::Warn,
        _ => status,
    }
}

/// IAM is global: its endpoint, and the region its simulation is told about, is the
/// partition's home region.
fn home_region(ctx: &ProbeContext<'_>) -> Region {
    ctx.identity.partition.sts_region()
}

/// Tries the simulator, then the policy reads; the basis of the verdicts and, when they were
/// listed, the attached managed policies.
async fn gather(
    ctx: &ProbeContext<'_>,
    principal: &Principal,
    targets: &[Target],
    context: &Context,
) -> (Basis, Option<BTreeSet<String>>) {
    let source_arn = match principal {
        Principal::Root => {
            let basis = Basis::Decided {
                method: VerdictMethod::Root,
                verdicts: local::root_verdicts(targets),
                note: Some(
                    "Root credentials: identity policies cannot restrict the root user, so every \
                     action is allowed unless a service control policy denies it (SCPs were not \
                     evaluated)."
                        .to_owned(),
                ),
            };
            return (basis, None);
        }
        Principal::Unsupported(reason) => {
            let basis = Basis::Unavailable {
                reason: reason.clone(),
                error: None,
            };
            return (basis, None);
        }
        Principal::User { arn, .. } | Principal::Role { arn, .. } => arn,
    };
    let iam = ctx.session.iam(home_region(ctx));
    match simulate::simulate(ctx, &iam, source_arn, targets, context).await {
        Ok(verdicts) => simulated(ctx, &iam, principal, verdicts).await,
        Err(simulator_error) => {
            tracing::debug!(error = %simulator_error, "simulator unavailable; reading the identity's policies");
            read_and_evaluate(ctx, &iam, principal, targets, context, &simulator_error).await
        }
    }
}

/// The simulator's verdicts, and the attached managed policies when the security configuration
/// connection needs them (a failure to list them says nothing of the verdicts).
async fn simulated(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    principal: &Principal,
    verdicts: ActionVerdicts,
) -> (Basis, Option<BTreeSet<String>>) {
    let wants_attachments = ctx
        .request
        .connections
        .contains(&Connection::SecurityConfiguration);
    let attached = if wants_attachments {
        collect_policies::attachments(ctx, iam, principal)
            .await
            .inspect_err(|error| {
                tracing::debug!(%error, "attached managed policies could not be listed");
            })
            .ok()
    } else {
        None
    };
    let basis = Basis::Decided {
        method: VerdictMethod::Simulation,
        verdicts,
        note: None,
    };
    (basis, attached)
}

/// The simulator refused: the identity's policies read and evaluated here, or why they could
/// not be.
async fn read_and_evaluate(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    principal: &Principal,
    targets: &[Target],
    context: &Context,
    simulator_error: &AwsError,
) -> (Basis, Option<BTreeSet<String>>) {
    let who = principal.describe();
    let simulator = format!(
        "iam:SimulatePrincipalPolicy failed ({})",
        simulator_error.brief()
    );
    match collect_policies::collect(ctx, iam, principal).await {
        Ok(policies) => {
            let basis = Basis::Decided {
                method: VerdictMethod::LocalEvaluation,
                verdicts: local::evaluate_all(&policies.set, targets, context),
                note: Some(format!(
                    "{simulator}, so the policies of {who} were read and evaluated; SCPs and \
                     session policies are not visible to that method."
                )),
            };
            (basis, Some(policies.attached))
        }
        Err(CollectError::Aws(error)) => {
            let basis = Basis::Unavailable {
                reason: format!("{simulator}, and reading the policies of {who} failed: {error}"),
                error: Some(error),
            };
            (basis, None)
        }
        Err(CollectError::Parse { policy, error }) => {
            let basis = Basis::Unavailable {
                reason: format!("{simulator}, and the policy {policy} could not be read: {error}"),
                error: None,
            };
            (basis, None)
        }
    }
}
