//! Security Hub in one region: enabled, the CIS standard, findings flowing, administrator and members.

use std::time::Instant;

use aws_sdk_securityhub::Client;

use super::outcome::{RegionOutcome, main_call_failed, observe, sub_call_failed};
use crate::aws::{AwsError, in_region};
use crate::domain::Code;
use crate::domain::{CheckId, Region, SecurityHubState};
use crate::probes::context::ProbeContext;
use crate::probes::explain::{FindingExt, finding};

/// Probes Security Hub in `region`.
pub async fn probe(ctx: &ProbeContext<'_>, region: Region) -> RegionOutcome<SecurityHubState> {
    let started = Instant::now();
    let client = ctx.session.securityhub();
    let mut outcome = RegionOutcome {
        region,
        state: SecurityHubState::Enabled,
        findings: Vec::new(),
        notes: Vec::new(),
        started,
        observations: Vec::new(),
    };
    let hub = ctx
        .aws(region, "securityhub", "DescribeHub", || {
            client
                .describe_hub()
                .customize()
                .config_override(in_region::securityhub(region))
                .send()
        })
        .await;
    outcome
        .observations
        .extend(observe("securityhub:DescribeHub", &hub));
    if let Err(error) = hub {
        let failure = main_call_failed(CheckId::SecurityHub, &error, region);
        outcome.state = failure.state;
        outcome.findings.extend(failure.finding);
        return outcome;
    }
    // Enabled: the sub-calls are independent, so they run at once; each failure is its own
    // finding and leaves the hub's state as it is.
    let (standards, findings, administrator, members) = tokio::join!(
        enabled_standards(ctx, region, client),
        any_finding(ctx, region, client),
        administrator(ctx, region, client),
        member_count(ctx, region, client),
    );
    outcome.observations.extend(
        [
            observe("securityhub:GetEnabledStandards", &standards),
            observe("securityhub:GetFindings", &findings),
            observe("securityhub:GetAdministratorAccount", &administrator),
            observe("securityhub:ListMembers", &members),
        ]
        .into_iter()
        .flatten(),
    );
    match standards {
        Ok(arns) if arns.iter().any(|arn| arn.contains("cis-aws-foundations-benchmark")) => {
            outcome.notes.push("CIS AWS Foundations standard on".to_owned());
        }
        Ok(arns) => outcome.findings.push(
            finding(
                Code::SecurityHubCisStandardDisabled,
                CheckId::SecurityHub,
                format!(
                    "No CIS AWS Foundations Benchmark standard is enabled in {region} ({} other standards are).",
                    arns.len()
                ),
            )
            .in_region(region),
        ),
        Err(error) => outcome.findings.push(sub_call_failed(CheckId::SecurityHub, &error, region)),
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
    match administrator {
        Ok(Some(account)) => outcome.findings.push(
            finding(
                Code::SecurityHubMemberAccount,
                CheckId::SecurityHub,
                format!("This account is a Security Hub member of administrator account {account} in {region}; connecting the administrator gives recommendations for all members."),
            )
            .in_region(region),
        ),
        Ok(None) => {}
        Err(error) => outcome.findings.push(sub_call_failed(CheckId::SecurityHub, &error, region)),
    }
    match members {
        Ok(count) if count > 0 => outcome
            .notes
            .push(format!("administrator of {count} member accounts")),
        Ok(_) => {}
        Err(error) => outcome
            .findings
            .push(sub_call_failed(CheckId::SecurityHub, &error, region)),
    }
    outcome
}

async fn enabled_standards(
    ctx: &ProbeContext<'_>,
    region: Region,
    client: &Client,
) -> Result<Vec<String>, AwsError> {
    let output = ctx
        .aws(region, "securityhub", "GetEnabledStandards", || {
            client
                .get_enabled_standards()
                .customize()
                .config_override(in_region::securityhub(region))
                .send()
        })
        .await?;
    Ok(output
        .standards_subscriptions()
        .iter()
        .filter_map(|s| s.standards_arn().map(str::to_owned))
        .collect())
}

async fn any_finding(
    ctx: &ProbeContext<'_>,
    region: Region,
    client: &Client,
) -> Result<bool, AwsError> {
    let output = ctx
        .aws(region, "securityhub", "GetFindings", || {
            client
                .get_findings()
                .max_results(1)
                .customize()
                .config_override(in_region::securityhub(region))
                .send()
        })
        .await?;
    Ok(!output.findings().is_empty())
}

async fn administrator(
    ctx: &ProbeContext<'_>,
    region: Region,
    client: &Client,
) -> Result<Option<String>, AwsError> {
    let output = ctx
        .aws(region, "securityhub", "GetAdministratorAccount", || {
            client
                .get_administrator_account()
                .customize()
                .config_override(in_region::securityhub(region))
                .send()
        })
        .await?;
    Ok(output
        .administrator()
        .and_then(|invitation| invitation.account_id().map(str::to_owned)))
}

async fn member_count(
    ctx: &ProbeContext<'_>,
    region: Region,
    client: &Client,
) -> Result<usize, AwsError> {
    let output = ctx
        .aws(region, "securityhub", "ListMembers", || {
            client
                .list_members()
                .only_associated(true)
                .customize()
                .config_override(in_region::securityhub(region))
                .send()
        })
        .await?;
    Ok(output.members().len())
}
