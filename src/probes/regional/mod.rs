//! The regional checks: every check of [`CHECKS`] in every checked region, all at once (within
//! the call bounds and the diagnosis deadline), then the `regions` check. The loop names no
//! check: each one owns its calls, its words and its findings (see `check.rs`).

mod by_region;
mod check;
mod cloudtrail;
mod config;
mod guardrails;
mod outcome;
mod regions_check;
mod security_hub;

pub use outcome::sub_call_failed;

use std::collections::BTreeSet;

use futures::future::join_all;

use super::context::ProbeContext;
use super::report::Report;
use crate::domain::{CheckId, Code, Region};
use check::{RegionalCheck, Regions};

/// Every regional check, in the order a diagnosis reports them.
const CHECKS: &[&dyn RegionalCheck] = &[
    &cloudtrail::CloudTrail,
    &security_hub::SecurityHub,
    &config::Config,
];

/// The regional checks' report and the regions they could reach.
pub struct RegionalProbes {
    /// Checks, findings and region states.
    pub report: Report,
    /// The checked regions that are enabled for the account: where a regional action applies.
    pub usable_regions: Vec<Region>,
}

/// Runs every regional check the requested connections need in every checked region.
pub async fn probe(ctx: &ProbeContext<'_>) -> RegionalProbes {
    let regions = ctx.regions.listed.clone();
    let probed = ctx.regions.probed();
    let probed = &probed;
    let ran = join_all(CHECKS.iter().map(|check| async move {
        let needed = check
            .id()
            .connections()
            .iter()
            .any(|c| ctx.request.connections.contains(c));
        match needed {
            true => Some(check.run(ctx, probed).await),
            false => None,
        }
    }))
    .await;

    // Regions AWS lists as not enabled, then those whose calls said so.
    let mut disabled: Vec<Region> = ctx.regions.not_enabled.keys().copied().collect();
    disabled.extend(ran.iter().flatten().flat_map(|found| found.disabled()));
    disabled.sort_by_key(|r| r.name());
    disabled.dedup();

    let mut report = Report::default();
    for region in &regions {
        report
            .regions
            .insert(region.name().to_owned(), Default::default());
        report.regions_checked.push(region.name().to_owned());
    }
    let named = ctx.request.named_regions.as_deref().unwrap_or_default();
    let scope = Regions {
        checked: &regions,
        disabled: &disabled,
        named,
    };
    for (check, ran) in CHECKS.iter().zip(ran) {
        match ran {
            Some(ran) => ran.conclude(&scope, &mut report),
            None => report.skip_not_needed(check.id()),
        }
    }
    regions_check::regions_check(&mut report, ctx, &regions, &disabled);
    let usable_regions: Vec<Region> = regions
        .iter()
        .copied()
        .filter(|region| !disabled.contains(region))
        .collect();
    let ids: Vec<CheckId> = CHECKS.iter().map(|check| check.id()).collect();
    guardrails::scp_region_guardrails(&mut report, &ids, &usable_regions, named);
    // Every service of a region rejects an unusable token alike: one finding says it.
    let mut token_regions = BTreeSet::new();
    report.findings.retain(|f| {
        f.code != Code::SessionTokenRegionUnsupported || token_regions.insert(f.region.clone())
    });
    RegionalProbes {
        report,
        usable_regions,
    }
}
