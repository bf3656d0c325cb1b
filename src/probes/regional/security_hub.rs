//! The Security Hub check: in each region, enabled, the CIS standard, findings flowing. (The
//! account's administrator and members are the organization check's, `probes/organization`.)

use std::time::Instant;

use aws_sdk_securityhub::Client;
use futures::FutureExt;
use futures::future::BoxFuture;

use super::by_region::RegionByRegion;
use super::outcome::{Answers, RegionOutcome, main_call_failed, sub_call_failed};
use crate::aws::{AwsError, AwsService, in_region, same_word};
use crate::domain::{
    CheckId, CheckStatus, Code, Finding, Region, RegionState, RegionStatus, SecurityHubWord,
};
use crate::probes::context::ProbeContext;
use crate::probes::explain::{FindingExt, finding};

/// The Security Hub check.
pub struct SecurityHub;

impl Answers for SecurityHubWord {
    const DISABLED: RegionState<Self> = RegionState::Is(SecurityHubWord::RegionDisabled);

    /// `DescribeHub` answers a hub that is off with an error.
    fn answered_by(code: Code) -> Option<RegionState<Self>> {
        (code == Code::SecurityHubNotEnabled)
            .then_some(RegionState::Is(SecurityHubWord::NotEnabled))
    }
}

impl RegionByRegion for SecurityHub {
    type Words = SecurityHubWord;
    type Extra = ();

    const ID: CheckId = CheckId::SecurityHub;
    const NAME: &'static str = "Security Hub";

    fn probe<'a>(
        ctx: &'a ProbeContext<'a>,
        region: Region,
    ) -> BoxFuture<'a, (RegionOutcome<SecurityHubWord>, ())> {
        probe(ctx, region).map(|outcome| (outcome, ())).boxed()
    }

    fn off(state: RegionState<SecurityHubWord>) -> Option<Code> {
        (state == RegionState::Is(SecurityHubWord::NotEnabled))
            .then_some(Code::SecurityHubNotEnabled)
    }

    fn status(state: RegionState<SecurityHubWord>) -> CheckStatus {
        match state {
            RegionState::Is(SecurityHubWord::Enabled) => CheckStatus::Pass,
            RegionState::Is(SecurityHubWord::NotEnabled) | RegionState::AccessDenied => {
                CheckStatus::Fail
            }
            RegionState::Error => CheckStatus::Error,
            RegionState::Is(SecurityHubWord::RegionDisabled) | RegionState::Skipped => {
                CheckStatus::Skipped
            }
        }
    }

    fn across(_: &[()]) -> Option<Finding> {
        None
    }

    fn column(status: &mut RegionStatus) -> &mut RegionState<SecurityHubWord> {
        &mut status.security_hub
    }
}

/// Probes Security Hub in `region`.
async fn probe(ctx: &ProbeContext<'_>, region: Region) -> RegionOutcome<SecurityHubWord> {
    let started = Instant::now();
    let client = ctx.session.securityhub();
    let mut outcome = RegionOutcome {
        region,
        state: RegionState::Is(SecurityHubWord::Enabled),
        findings: Vec::new(),
        notes: Vec::new(),
        started,
    };
    let hub = ctx
        .aws(region, AwsService::SecurityHub, "DescribeHub", || {
            client
                .describe_hub()
                .customize()
                .config_override(in_region::securityhub(ctx.session, region))
                .send()
        })
        .await;
    if let Err(error) = hub {
        let failure = main_call_failed(ctx, CheckId::SecurityHub, &error, region);
        outcome.state = failure.state;
        outcome.findings.extend(failure.finding);
        return outcome;
    }
    // Enabled: the sub-calls are independent, so they run at once; each failure is its own
    // finding and leaves the hub's state as it is.
    let (standards, findings) = tokio::join!(
        enabled_standards(ctx, region, client),
        any_finding(ctx, region, client),
    );
    match standards {
        Ok(subscriptions) => {
            judge_standards(&mut outcome, &subscriptions, region);
        }
        Err(error) => outcome
            .findings
            .push(sub_call_failed(CheckId::SecurityHub, &error, region)),
    }
    match findings {
        Ok(true) => outcome.notes.push("findings flowing".to_owned()),
        Ok(false) => outcome.findings.push(
            finding(
                Code::SecurityHubNoFindings,
                CheckId::SecurityHub,
                format!("Security Hub in {region} holds no findings yet; data can take hours after enabling."),
            )
            .in_region(region),
        ),
        Err(error) => outcome.findings.push(sub_call_failed(CheckId::SecurityHub, &error, region)),
    }
    outcome
}

/// One standards subscription: its standard and its status word (`READY`, `PENDING`, ...).
struct Subscription {
    arn: String,
    status: String,
    reason: Option<String>,
}

/// The CIS standard on or not, and subscriptions that failed. `PENDING` is being enabled, not a
/// failure; `FAILED` and `INCOMPLETE` are (`SECURITY_HUB_STANDARD_FAILED`).
fn judge_standards(
    outcome: &mut RegionOutcome<SecurityHubWord>,
    subscriptions: &[Subscription],
    region: Region,
) {
    let is_cis = |s: &&Subscription| s.arn.contains("cis-aws-foundations-benchmark");
    match subscriptions.iter().find(is_cis) {
        Some(cis) if same_word(&cis.status, "PENDING") => outcome
            .notes
            .push("CIS AWS Foundations standard being enabled".to_owned()),
        Some(_) => outcome
            .notes
            .push("CIS AWS Foundations standard on".to_owned()),
        None => outcome.findings.push(
            finding(
                Code::SecurityHubCisStandardDisabled,
                CheckId::SecurityHub,
                format!(
                    "No CIS AWS Foundations Benchmark standard is enabled in {region} ({} other standards are).",
                    subscriptions.len()
                ),
            )
            .in_region(region),
        ),
    }
    for failed in subscriptions
        .iter()
        .filter(|s| same_word(&s.status, "FAILED") || same_word(&s.status, "INCOMPLETE"))
    {
        let reason = failed
            .reason
            .as_deref()
            .map(|reason| format!(" ({reason})"))
            .unwrap_or_default();
        outcome.findings.push(
            finding(
                Code::SecurityHubStandardFailed,
                CheckId::SecurityHub,
                format!(
                    "The standards subscription {} in {region} is {}{reason}: its controls do not \
                     run, so their findings do not reach the portal.",
                    failed.arn, failed.status
                ),
            )
            .in_region(region),
        );
    }
}

async fn enabled_standards(
    ctx: &ProbeContext<'_>,
    region: Region,
    client: &Client,
) -> Result<Vec<Subscription>, AwsError> {
    let output = ctx
        .aws(
            region,
            AwsService::SecurityHub,
            "GetEnabledStandards",
            || {
                client
                    .get_enabled_standards()
                    .customize()
                    .config_override(in_region::securityhub(ctx.session, region))
                    .send()
            },
        )
        .await?;
    Ok(output
        .standards_subscriptions()
        .iter()
        .filter_map(|s| {
            Some(Subscription {
                arn: s.standards_arn()?.to_owned(),
                status: s
                    .standards_status()
                    .map(|status| status.as_str().to_owned())
                    .unwrap_or_default(),
                reason: s
                    .standards_status_reason()
                    .and_then(|reason| reason.status_reason_code())
                    .map(|code| code.as_str().to_owned()),
            })
        })
        .collect())
}

async fn any_finding(
    ctx: &ProbeContext<'_>,
    region: Region,
    client: &Client,
) -> Result<bool, AwsError> {
    let output = ctx
        .aws(region, AwsService::SecurityHub, "GetFindings", || {
            client
                .get_findings()
                .max_results(1)
                .customize()
                .config_override(in_region::securityhub(ctx.session, region))
                .send()
        })
        .await?;
    Ok(!output.findings().is_empty())
}
