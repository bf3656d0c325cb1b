//! Region-wide probes: CloudTrail, Security Hub and AWS Config in every checked region, all at
//! once (within the call bounds and the diagnosis deadline), and the `regions` check.

mod cloudtrail;
mod config;
mod outcome;
mod security_hub;

use futures::future::join_all;

use super::context::ProbeContext;
use super::explain::{FindingExt, finding};
use super::report::Report;
use crate::domain::{
    Check, CheckId, CheckStatus, CloudTrailState, Code, ConfigState, Connection, Finding, Region,
    RegionStatus, SecurityHubState, Severity, wire_word,
};
use outcome::RegionOutcome;

/// The regional probes' report and the regions they could reach.
pub struct RegionalProbes {
    /// Checks, findings and region states.
    pub report: Report,
    /// The checked regions that are enabled for the account: where a regional action applies.
    pub usable_regions: Vec<Region>,
}

/// Probes every checked region for the requested connections.
pub async fn probe(ctx: &ProbeContext<'_>) -> RegionalProbes {
    let regions = ctx.regions.listed.clone();
    let probed = ctx.regions.probed();
    let auditing = ctx
        .request
        .connections
        .contains(&Connection::SecurityAuditing);
    let configuration = ctx
        .request
        .connections
        .contains(&Connection::SecurityConfiguration);
    let (trails, hubs, configs) = tokio::join!(
        async {
            match auditing {
                true => Some(cloudtrail::probe(ctx, &probed).await),
                false => None,
            }
        },
        join_all(
            probed
                .iter()
                .filter(|_| configuration)
                .map(|&region| security_hub::probe(ctx, region))
        ),
        join_all(
            probed
                .iter()
                .filter(|_| configuration)
                .map(|&region| config::probe(ctx, region))
        ),
    );

    let (recorders, global): (Vec<_>, Vec<_>) = configs
        .into_iter()
        .map(|probe| (probe.outcome, probe.global))
        .unzip();
    let mut report = Report::default();
    // Regions AWS lists as not enabled, then those whose calls said so.
    let mut disabled: Vec<Region> = ctx.regions.not_enabled.keys().copied().collect();
    disabled.extend(
        hubs.iter()
            .filter(|o| o.state == SecurityHubState::RegionDisabled)
            .map(|o| o.region),
    );
    disabled.extend(
        recorders
            .iter()
            .filter(|o| o.state == ConfigState::RegionDisabled)
            .map(|o| o.region),
    );
    if let Some(trails) = &trails {
        disabled.extend(trails.disabled.iter().copied());
    }
    disabled.sort_by_key(|r| r.name());
    disabled.dedup();

    for region in &regions {
        let disabled_here = disabled.contains(region);
        let status = RegionStatus {
            security_hub: state_of(&hubs, *region).unwrap_or(SecurityHubState::Skipped),
            config: state_of(&recorders, *region).unwrap_or(ConfigState::Skipped),
            cloudtrail: trails
                .as_ref()
                .and_then(|t| t.states.get(region.name()).copied())
                .unwrap_or(CloudTrailState::Skipped),
        };
        let status = if disabled_here {
            RegionStatus {
                security_hub: SecurityHubState::RegionDisabled.only_if(configuration),
                config: ConfigState::RegionDisabled.only_if(configuration),
                cloudtrail: CloudTrailState::Skipped,
            }
        } else {
            status
        };
        report.regions.insert(region.name().to_owned(), status);
        report.regions_checked.push(region.name().to_owned());
    }

    if let Some(trails) = trails {
        report.check(
            CheckId::Cloudtrail,
            trails.status,
            trails.started,
            trails.summary,
        );
        report.findings.extend(trails.findings);
    } else {
        report.skip_not_needed(CheckId::Cloudtrail);
    }
    let named = ctx.request.named_regions.as_deref().unwrap_or_default();
    if configuration {
        conclude_service(
            &mut report,
            &hubs,
            &disabled,
            named,
            ServiceRules::SECURITY_HUB,
        );
        conclude_service(
            &mut report,
            &recorders,
            &disabled,
            named,
            ServiceRules::CONFIG,
        );
        report.findings.extend(global_resources_unrecorded(&global));
    } else {
        report.skip_not_needed(CheckId::SecurityHub);
        report.skip_not_needed(CheckId::Config);
    }
    regions_check(&mut report, ctx, &regions, &disabled);
    let usable_regions: Vec<Region> = regions
        .iter()
        .copied()
        .filter(|region| !disabled.contains(region))
        .collect();
    scp_region_guardrails(&mut report, &usable_regions, named);
    // Every service of a region rejects an unusable token alike: one finding says it.
    let mut token_regions = std::collections::BTreeSet::new();
    report.findings.retain(|f| {
        f.code != Code::SessionTokenRegionUnsupported || token_regions.insert(f.region.clone())
    });
    RegionalProbes {
        report,
        usable_regions,
    }
}

/// An SCP that denies a service in some regions is a region guardrail, not a broken connector:
/// its denials follow the contract's rule for a service that is off. In a region the caller did
/// not name they are `REGION_RESTRICTED_BY_SCP` at `info`, in a region the caller named at
/// `warning`, and only where the SCP denies the service in every checked region do they stay
/// `PERMISSION_DENIED_BY_SCP` at `error`. A restricted region's check is `skipped`: nothing in
/// it could be looked at, and nothing in it is wrong with the connector.
fn scp_region_guardrails(report: &mut Report, usable: &[Region], named: &[Region]) {
    let region_of = |finding: &Finding| finding.region.as_deref().and_then(Region::find);
    for check in [CheckId::Cloudtrail, CheckId::SecurityHub, CheckId::Config] {
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

/// Global resource types (IAM) need recording in one region of the account: a finding when every
/// region that records says it does not, and nothing when any region's answer is unknown.
fn global_resources_unrecorded(regions: &[config::GlobalRecording]) -> Option<Finding> {
    use config::GlobalRecording::{Records, Unknown};
    let recording: Vec<_> = regions
        .iter()
        .filter(|r| matches!(r, Records(_) | Unknown))
        .collect();
    let none = !recording.is_empty() && recording.iter().all(|r| **r == Records(false));
    none.then(|| {
        finding(
            Code::ConfigPartialRecording,
            CheckId::Config,
            "No checked region's recorder records global resource types (IAM users, groups, roles \
             and policies): record them in one region of the account.",
        )
    })
}

fn state_of<S: Copy>(outcomes: &[RegionOutcome<S>], region: Region) -> Option<S> {
    outcomes
        .iter()
        .find(|o| o.region == region)
        .map(|o| o.state)
}

/// What "off" means for a per-region service, and its words.
struct ServiceRules<S: 'static> {
    check: CheckId,
    name: &'static str,
    /// The state's finding when the service is off in a region, if it is off.
    off: fn(S) -> Option<Code>,
    /// The check status of a state.
    status: fn(S) -> CheckStatus,
}

impl ServiceRules<SecurityHubState> {
    const SECURITY_HUB: Self = Self {
        check: CheckId::SecurityHub,
        name: "Security Hub",
        off: |state| (state == SecurityHubState::NotEnabled).then_some(Code::SecurityHubNotEnabled),
        status: |state| match state {
            SecurityHubState::Enabled => CheckStatus::Pass,
            SecurityHubState::NotEnabled | SecurityHubState::AccessDenied => CheckStatus::Fail,
            SecurityHubState::Error => CheckStatus::Error,
            SecurityHubState::RegionDisabled | SecurityHubState::Skipped => CheckStatus::Skipped,
        },
    };
}

impl ServiceRules<ConfigState> {
    const CONFIG: Self = Self {
        check: CheckId::Config,
        name: "AWS Config",
        off: |state| match state {
            ConfigState::NotRecording => Some(Code::ConfigNotRecording),
            ConfigState::NoRecorder => Some(Code::ConfigNoRecorder),
            _ => None,
        },
        status: |state| match state {
            ConfigState::Recording => CheckStatus::Pass,
            ConfigState::NotRecording | ConfigState::NoRecorder | ConfigState::AccessDenied => {
                CheckStatus::Fail
            }
            ConfigState::Error => CheckStatus::Error,
            ConfigState::RegionDisabled | ConfigState::Skipped => CheckStatus::Skipped,
        },
    };
}

/// Per-region checks and findings of one service, with the contract's severity rules for a
/// service that is off: `warning` in a region the caller named, `info` in a default region,
/// `error` when it is off in every checked region.
fn conclude_service<S: Copy + serde::Serialize + 'static>(
    report: &mut Report,
    outcomes: &[RegionOutcome<S>],
    disabled: &[Region],
    named: &[Region],
    rules: ServiceRules<S>,
) {
    let usable: Vec<&RegionOutcome<S>> = outcomes
        .iter()
        .filter(|o| !disabled.contains(&o.region))
        .collect();
    let off_everywhere =
        !usable.is_empty() && usable.iter().all(|o| (rules.off)(o.state).is_some());
    for outcome in outcomes {
        let region = outcome.region;
        if disabled.contains(&region) {
            report.checks.push(Check {
                id: rules.check,
                status: CheckStatus::Skipped,
                region: Some(region.name().to_owned()),
                duration_ms: 0,
                summary: format!("{region} is disabled for this account."),
            });
            continue;
        }
        let mut status = (rules.status)(outcome.state);
        if let Some(code) = (rules.off)(outcome.state) {
            let severity = if off_everywhere {
                Severity::Error
            } else if named.contains(&region) {
                Severity::Warning
            } else {
                Severity::Info
            };
            report.finding(
                finding(
                    code,
                    rules.check,
                    format!("{} is off in {region}.", rules.name),
                )
                .in_region(region)
                .with_severity(severity),
            );
        }
        if status == CheckStatus::Pass && !outcome.findings.is_empty() {
            status = CheckStatus::Warn;
        }
        let mut summary = format!("{} in {region}: {}", rules.name, wire_word(&outcome.state));
        if !outcome.notes.is_empty() {
            summary = format!("{summary} ({})", outcome.notes.join(", "));
        }
        report.checks.push(Check {
            id: rules.check,
            status,
            region: Some(region.name().to_owned()),
            duration_ms: super::report::elapsed_ms(outcome.started),
            summary: format!("{summary}."),
        });
        report.findings.extend(outcome.findings.iter().cloned());
    }
}

/// The `regions` check, and one REGION_DISABLED finding per disabled region, logged once.
fn regions_check(
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

/// A state, or `Skipped` when its service was not probed.
trait OnlyIf: Sized {
    fn only_if(self, probed: bool) -> Self;
}

impl OnlyIf for SecurityHubState {
    fn only_if(self, probed: bool) -> Self {
        if probed {
            self
        } else {
            SecurityHubState::Skipped
        }
    }
}

impl OnlyIf for ConfigState {
    fn only_if(self, probed: bool) -> Self {
        if probed { self } else { ConfigState::Skipped }
    }
}
