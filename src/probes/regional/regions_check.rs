//! The `regions` check: which regions were checked, and one `REGION_DISABLED` finding per region
//! that is not enabled for the account.

use crate::domain::{Check, CheckId, CheckStatus, Code, Region, Severity};
use crate::probes::context::ProbeContext;
use crate::probes::explain::{FindingExt, finding};
use crate::probes::report::Report;

/// The `regions` check, and one REGION_DISABLED finding per disabled region, logged once.
pub fn regions_check(
    report: &mut Report,
    ctx: &ProbeContext<'_>,
    regions: &[Region],
    disabled: &[Region],
) {
    let named = ctx.request.named_regions.as_deref().unwrap_or_default();
    if !disabled.is_empty() {
        let names: Vec<&str> = disabled.iter().map(|r| r.name()).collect();
        tracing::info!(regions = ?names, "regions disabled for this account");
    }
    for &region in disabled {
        let severity = if named.contains(&region) {
            Severity::Warning
        } else {
            Severity::Info
        };
        let why = match ctx.regions.not_enabled.get(&region) {
            Some(listed) => format!("{listed}; its endpoints were not called"),
            None => "its endpoints rejected the key that STS accepted".to_owned(),
        };
        report.finding(
            finding(
                Code::RegionDisabled,
                CheckId::Regions,
                format!("{region} is not enabled for this account ({why}); it was not checked."),
            )
            .in_region(region)
            .with_severity(severity),
        );
    }
    let checked: Vec<&str> = regions.iter().map(|r| r.name()).collect();
    let mut summary = format!("Checked {} regions: {}", checked.len(), checked.join(", "));
    if !disabled.is_empty() {
        let names: Vec<&str> = disabled.iter().map(|r| r.name()).collect();
        summary = format!("{summary}; disabled for this account: {}", names.join(", "));
    }
    let status = if disabled.is_empty() {
        CheckStatus::Pass
    } else {
        CheckStatus::Warn
    };
    report.checks.push(Check {
        id: CheckId::Regions,
        status,
        region: None,
        duration_ms: 0,
        summary: format!("{summary}."),
    });
}
