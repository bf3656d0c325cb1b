//! Which regions a diagnosis checks, and what AWS says of their opt-in status.
//!
//! Named regions are checked as named; the opt-in ones among them are looked up first, so a
//! region the account has not enabled is `region_disabled` from AWS's own list, without a call to
//! its endpoints. Without named regions, the account's enabled regions are discovered through AWS
//! Account Management: `ListRegions` (one call, and it also lists regions the built-in table does
//! not know yet), else `GetRegionOptStatus` for each opt-in region of the table (the SecurityAudit
//! managed policy grants this one, not `ListRegions`). When neither can be read, the partition's
//! default regions are checked and `REGION_DISCOVERY_UNAVAILABLE` says so.
//!
//! EC2 `DescribeRegions` would answer too (SecurityAudit grants `ec2:Describe*`), but its SDK
//! crate is the heaviest of all; the Account Management crate built in 22 s here.

use std::collections::BTreeMap;

use aws_sdk_account::types::RegionOptStatus;
use futures::future::join_all;

use super::context::ProbeContext;
use super::explain::{FindingExt, finding};
use super::region_plan::RegionPlan;
use crate::aws::{AwsError, AwsService, same_word};
use crate::catalogue::aws_mapping;
use crate::domain::{CheckId, Code, Region, RegionsSource};

/// At most this many pages of `ListRegions` (50 regions a page: the whole list is one page today).
const MAX_LIST_PAGES: usize = 4;

/// The opt-in statuses AWS gave, and by which call.
struct Statuses {
    by_region: Vec<(Region, RegionOptStatus)>,
    call: &'static str,
}

/// Decides the regions of the diagnosis in `ctx`, reading their status from AWS where it helps.
pub async fn plan(ctx: &ProbeContext<'_>) -> RegionPlan {
    match &ctx.request.named_regions {
        Some(named) => named_plan(ctx, named).await,
        None => discovered_plan(ctx).await,
    }
}

/// Named regions: only the opt-in ones can be disabled, so only they are looked up.
async fn named_plan(ctx: &ProbeContext<'_>, named: &[Region]) -> RegionPlan {
    let mut plan = RegionPlan {
        listed: named.to_vec(),
        source: Some(RegionsSource::Request),
        ..RegionPlan::default()
    };
    let opt_in: Vec<Region> = named.iter().copied().filter(|r| r.is_opt_in()).collect();
    if opt_in.is_empty() {
        return plan;
    }
    // Unreadable statuses leave the regions' own answers to tell (REGION_DISABLED from the error).
    if let Ok(statuses) = read_statuses(ctx, &opt_in).await {
        for (region, status) in statuses.by_region {
            if !opt_in.contains(&region) {
                continue;
            }
            plan.enabled.insert(region, is_usable(&status));
            if !is_usable(&status) {
                plan.not_enabled.insert(
                    region,
                    format!("{} lists it as {}", statuses.call, status.as_str()),
                );
            }
        }
    }
    plan
}

/// No named regions: the account's enabled regions, else the partition's default ones.
async fn discovered_plan(ctx: &ProbeContext<'_>) -> RegionPlan {
    let partition = ctx.identity.partition;
    let opt_in = partition.opt_in_regions();
    match read_statuses(ctx, &opt_in).await {
        Ok(statuses) => {
            let mut listed = partition.default_regions();
            let mut enabled = BTreeMap::new();
            for (region, status) in statuses.by_region {
                let usable = is_usable(&status);
                enabled.insert(region, usable);
                if usable && !listed.contains(&region) {
                    listed.push(region);
                }
            }
            listed.sort();
            RegionPlan {
                listed,
                source: Some(RegionsSource::Discovered),
                enabled,
                ..RegionPlan::default()
            }
        }
        Err(error) => {
            let listed = partition.default_regions();
            let detail = format!(
                "The account's enabled regions could not be read ({error}); the {} regions that \
                 {} enables by default were checked, and opt-in regions the account may use were \
                 not. Granting account:ListRegions (or account:GetRegionOptStatus, which the \
                 SecurityAudit managed policy includes) lets the diagnosis find them.",
                listed.len(),
                partition.title()
            );
            RegionPlan {
                listed,
                source: Some(RegionsSource::Default),
                findings: vec![
                    finding(Code::RegionDiscoveryUnavailable, CheckId::Regions, detail)
                        .with_aws_error(&error),
                ],
                ..RegionPlan::default()
            }
        }
    }
}

/// `ENABLED` and `ENABLED_BY_DEFAULT` can be called; `ENABLING`, `DISABLING` and `DISABLED`
/// cannot (yet, or any more).
fn is_usable(status: &RegionOptStatus) -> bool {
    ["ENABLED", "ENABLED_BY_DEFAULT"]
        .iter()
        .any(|usable| same_word(status.as_str(), usable))
}

/// The account's regions from `ListRegions`, else the status of each of `opt_in` from
/// `GetRegionOptStatus`; the first error when neither works.
async fn read_statuses(ctx: &ProbeContext<'_>, opt_in: &[Region]) -> Result<Statuses, AwsError> {
    let listing = match list_regions(ctx).await {
        Ok(by_region) => {
            return Ok(Statuses {
                by_region,
                call: "account:ListRegions",
            });
        }
        Err(error) => error,
    };
    if opt_in.is_empty() {
        return Err(listing);
    }
    let answers = join_all(opt_in.iter().map(|&region| opt_status(ctx, region))).await;
    let mut by_region = Vec::with_capacity(answers.len());
    for answer in answers {
        // The listing's error names the lighter permission to grant; a region's own error is
        // only worth more when it is no denial (a timeout, say).
        match answer {
            Ok((region, Some(status))) => by_region.push((region, status)),
            Ok((_, None)) => {}
            Err(error) if aws_mapping::is_denial(&error) => return Err(listing),
            Err(error) => return Err(error),
        }
    }
    Ok(Statuses {
        by_region,
        call: "account:GetRegionOptStatus",
    })
}

/// Every region `ListRegions` reports, as regions of the key's partition.
async fn list_regions(ctx: &ProbeContext<'_>) -> Result<Vec<(Region, RegionOptStatus)>, AwsError> {
    let partition = ctx.identity.partition;
    let home = partition.sts_region();
    let client = ctx.session.account(home);
    let mut regions = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..MAX_LIST_PAGES {
        let token = next.take();
        let page = ctx
            .aws(home, AwsService::Account, "ListRegions", || {
                client
                    .list_regions()
                    .max_results(50)
                    .set_next_token(token)
                    .send()
            })
            .await?;
        for entry in page.regions() {
            let (Some(name), Some(status)) = (entry.region_name(), entry.region_opt_status())
            else {
                continue;
            };
            if let Some(region) = Region::reported(name, partition) {
                regions.push((region, status.clone()));
            }
        }
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    Ok(regions)
}

/// One region's opt-in status from `GetRegionOptStatus` (`None` when the answer has none).
async fn opt_status(
    ctx: &ProbeContext<'_>,
    region: Region,
) -> Result<(Region, Option<RegionOptStatus>), AwsError> {
    let home = ctx.identity.partition.sts_region();
    let client = ctx.session.account(home);
    let answer = ctx
        .aws(home, AwsService::Account, "GetRegionOptStatus", || {
            client
                .get_region_opt_status()
                .region_name(region.name())
                .send()
        })
        .await?;
    Ok((region, answer.region_opt_status().cloned()))
}
