//! Region guardrails: an organization's SCP that denies the regional checks' services in some
//! regions is a choice of the organization, not a broken connector.

use crate::domain::{CheckId, CheckStatus, Code, Finding, Region, Severity};
use crate::probes::explain::{FindingExt, finding};
use crate::probes::report::Report;

/// An SCP that denies a service in some regions is a region guardrail, not a broken connector:
/// its denials follow the contract's rule for a service that is off. In a region the caller did
/// not name they are `REGION_RESTRICTED_BY_SCP` at `info`, in a region the caller named at
/// `warning`, and only where the SCP denies the service in every checked region do they stay
/// `PERMISSION_DENIED_BY_SCP` at `error`. A restricted region's check is `skipped`: nothing in
/// it could be looked at, and nothing in it is wrong with the connector.
pub fn scp_region_guardrails(
    report: &mut Report,
    checks: &[CheckId],
    usable: &[Region],
    named: &[Region],
) {
    let region_of = |finding: &Finding| finding.region.as_deref().and_then(Region::find);
    for &check in checks {
        let is_scp_denial = |f: &Finding| f.check == check && f.code == Code::PermissionDeniedByScp;
        let restricted: Vec<Region> = report
            .findings
            .iter()
            .filter(|f| is_scp_denial(f))
            .filter_map(region_of)
            .collect();
        let everywhere = !usable.is_empty() && usable.iter().all(|r| restricted.contains(r));
        if restricted.is_empty() || everywhere {
            continue;
        }
        for found in report.findings.iter_mut().filter(|f| is_scp_denial(f)) {
            let Some(region) = region_of(found) else {
                continue;
            };
            let severity = match named.contains(&region) {
                true => Severity::Warning,
                false => Severity::Info,
            };
            let mut guardrail = finding(
                Code::RegionRestrictedByScp,
                check,
                format!(
                    "A service control policy of the organization denies this connector's calls \
                     in {region} (a region guardrail): {}",
                    found.detail
                ),
            )
            .in_region(region)
            .with_severity(severity);
            guardrail.aws_error = found.aws_error.take();
            *found = guardrail;
        }
        for entry in report.checks.iter_mut().filter(|c| c.id == check) {
            let Some(region) = entry.region.as_deref().and_then(Region::find) else {
                continue;
            };
            if restricted.contains(&region) {
                entry.status = CheckStatus::Skipped;
                entry.summary = format!(
                    "A service control policy denies this connector in {region}; not checked."
                );
            }
        }
    }
}
