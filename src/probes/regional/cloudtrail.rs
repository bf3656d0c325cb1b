//! The CloudTrail check: which trails cover each checked region, whether they log and deliver,
//! and whether events of the last seven days exist (the portal ingests the seven days before
//! connection). Trails are the account's, not a region's: the check reads every region's list
//! at once and judges them together.

use std::collections::BTreeMap;
use std::time::Instant;

use aws_sdk_cloudtrail::types::{AdvancedEventSelector, EventSelector, Trail};
use futures::future::join_all;

use futures::FutureExt;
use futures::future::BoxFuture;

use super::check::{Ran, RegionalCheck, Regions};
use super::outcome::{Answers, main_call_failed, sub_call_failed};
use crate::aws::{AwsError, AwsService, in_region, same_word};
use crate::catalogue::aws_mapping;
use crate::domain::{
    CheckId, CheckStatus, CloudTrailState, CloudTrailWord, Code, Finding, RecentEventsLook, Region,
    RegionState, Severity,
};
use crate::probes::context::ProbeContext;
use crate::probes::explain::{FindingExt, finding};
use crate::probes::report::Report;

/// How far back the portal reads events.
const EVENT_WINDOW: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// The CloudTrail check.
pub struct CloudTrail;

impl Answers for CloudTrailWord {
    /// A disabled region is listed apart and its trails are not judged.
    const DISABLED: RegionState<Self> = RegionState::Skipped;

    fn answered_by(_: Code) -> Option<RegionState<Self>> {
        None
    }
}

impl RegionalCheck for CloudTrail {
    fn id(&self) -> CheckId {
        CheckId::Cloudtrail
    }

    fn run<'a>(
        &'a self,
        ctx: &'a ProbeContext<'a>,
        regions: &'a [Region],
    ) -> BoxFuture<'a, Box<dyn Ran + Send + 'a>> {
        probe(ctx, regions)
            .map(|outcome| Box::new(outcome) as Box<dyn Ran + Send + 'a>)
            .boxed()
    }
}

impl Ran for CloudTrailOutcome {
    fn disabled(&self) -> Vec<Region> {
        self.disabled.clone()
    }

    fn conclude(self: Box<Self>, regions: &Regions<'_>, report: &mut Report) {
        for &region in regions.checked {
            let state = match regions.is_disabled(region) {
                true => CloudTrailWord::DISABLED,
                false => self
                    .states
                    .get(region.name())
                    .copied()
                    .unwrap_or(RegionState::Skipped),
            };
            report
                .regions
                .entry(region.name().to_owned())
                .or_default()
                .cloudtrail = state;
        }
        report.check(CheckId::Cloudtrail, self.status, self.started, self.summary);
        report.findings.extend(self.findings);
    }
}

/// CloudTrail across the checked regions.
struct CloudTrailOutcome {
    /// Coverage per region name.
    states: BTreeMap<&'static str, CloudTrailState>,
    /// Regions whose calls said the region is disabled.
    disabled: Vec<Region>,
    /// The `cloudtrail` check.
    status: CheckStatus,
    /// Its summary.
    summary: String,
    /// When the probe started.
    started: Instant,
    /// Findings.
    findings: Vec<Finding>,
}

/// A trail and what its status read said.
struct TrailStatus {
    trail: Trail,
    status: Result<Logging, AwsError>,
}

/// A trail's status, as GetTrailStatus read it.
struct Logging {
    logging: bool,
    delivery_error: Option<String>,
    /// Whether its selectors record management events; `None` when they could not be read
    /// (`cloudtrail:GetEventSelectors` is not in the guide's policy): nothing is said then.
    management_events: Option<bool>,
}

impl TrailStatus {
    fn logging(&self) -> bool {
        matches!(self.status, Ok(Logging { logging: true, .. }))
    }
}

/// Probes CloudTrail for `regions`: the trails that apply to each, then their status and the
/// recent events, then the judgement.
async fn probe(ctx: &ProbeContext<'_>, regions: &[Region]) -> CloudTrailOutcome {
    let mut outcome = CloudTrailOutcome {
        states: BTreeMap::new(),
        disabled: Vec::new(),
        status: CheckStatus::Pass,
        summary: String::new(),
        started: Instant::now(),
        findings: Vec::new(),
    };
    let (trails, readable) = list_trails(ctx, regions, &mut outcome).await;
    let Some(&first) = readable.first() else {
        outcome.status = CheckStatus::Error;
        outcome.summary = "No region's trails could be read.".to_owned();
        return outcome;
    };
    let (statuses, events) = tokio::join!(
        join_all(
            trails
                .into_values()
                .map(|trail| trail_status(ctx, trail, first))
        ),
        recent_events(ctx, first),
    );
    // Every listed trail exists, whether or not its status could be read: existence and
    // coverage come from DescribeTrails, logging from GetTrailStatus. A status that could not be
    // read (an organization trail's too) is unknown, never "no trail" nor "logging".
    let mut known = Vec::new();
    for (trail, result) in statuses {
        if let Err(error) = &result {
            outcome.findings.push(status_unknown(&trail, error));
        }
        known.push(TrailStatus {
            trail,
            status: result,
        });
    }
    for &region in &readable {
        outcome
            .states
            .insert(region.name(), coverage(&known, region));
    }
    outcome.findings.extend(events_finding(events, first));
    judge(&mut outcome, &known, &readable);
    outcome
}

/// DescribeTrails in every region at once, with shadow trails: each answer lists the trails
/// that apply to that region, wherever their home is. Returns the trails by ARN and the regions
/// whose list could be read; a region that could not is written into `outcome`.
async fn list_trails(
    ctx: &ProbeContext<'_>,
    regions: &[Region],
    outcome: &mut CloudTrailOutcome,
) -> (BTreeMap<String, Trail>, Vec<Region>) {
    let described = join_all(regions.iter().map(|&region| describe_trails(ctx, region))).await;
    let mut trails: BTreeMap<String, Trail> = BTreeMap::new();
    let mut readable = Vec::new();
    for (&region, result) in regions.iter().zip(described) {
        match result {
            Ok(found) => {
                readable.push(region);
                for trail in found {
                    trails
                        .entry(trail.trail_arn().unwrap_or_default().to_owned())
                        .or_insert(trail);
                }
            }
            Err(error) => {
                let failure = main_call_failed(ctx, CheckId::Cloudtrail, &error, region);
                if failure.region_disabled {
                    outcome.disabled.push(region);
                }
                outcome.findings.extend(failure.finding);
                outcome.states.insert(region.name(), failure.state);
            }
        }
    }
    (trails, readable)
}

/// What the look for recent events in `region` found wrong, if anything.
fn events_finding(events: Result<bool, AwsError>, region: Region) -> Option<Finding> {
    match events {
        Ok(true) => None,
        Ok(false) => Some(
            finding(
                Code::CloudtrailNoRecentEvents,
                CheckId::Cloudtrail,
                format!("CloudTrail holds no management events of the last 7 days in {region}."),
            )
            .in_region(region),
        ),
        Err(error) => Some(sub_call_failed(CheckId::Cloudtrail, &error, region)),
    }
}

/// The finding of a trail whose status could not be read, carrying the AWS error (it replaces
/// the generic code of that call).
fn status_unknown(trail: &Trail, error: &AwsError) -> Finding {
    let organization = if trail.is_organization_trail().unwrap_or(false) {
        " (an organization trail: the management account can read its status)"
    } else {
        ""
    };
    finding(
        Code::CloudtrailStatusUnknown,
        CheckId::Cloudtrail,
        format!(
            "Trail {} exists{organization}, but its status could not be read: {error}",
            trail.name().unwrap_or_default()
        ),
    )
    .with_aws_error(error)
}

/// Whether a logging trail covers `region`: a multi-region trail, or a trail homed there. A
/// region covered only by trails whose status is unknown is `access_denied` or `error`.
fn coverage(trails: &[TrailStatus], region: Region) -> CloudTrailState {
    let covering: Vec<&TrailStatus> = trails
        .iter()
        .filter(|t| {
            t.trail.is_multi_region_trail().unwrap_or(false)
                || t.trail.home_region() == Some(region.name())
        })
        .collect();
    let unknown = covering.iter().find_map(|t| t.status.as_ref().err());
    if covering.is_empty() {
        RegionState::Is(CloudTrailWord::NoTrail)
    } else if covering.iter().any(|t| t.logging()) {
        RegionState::Is(CloudTrailWord::Logging)
    } else if let Some(error) = unknown {
        match aws_mapping::is_denial(error) {
            true => RegionState::AccessDenied,
            false => RegionState::Error,
        }
    } else {
        RegionState::Is(CloudTrailWord::NotLogging)
    }
}

/// Turns the coverage into findings, a check status and a summary.
fn judge(outcome: &mut CloudTrailOutcome, trails: &[TrailStatus], readable: &[Region]) {
    let in_state = |word: CloudTrailWord| -> Vec<&'static str> {
        readable
            .iter()
            .map(|r| r.name())
            .filter(|name| outcome.states.get(name) == Some(&RegionState::Is(word)))
            .collect()
    };
    let no_trail = in_state(CloudTrailWord::NoTrail);
    let not_logging = in_state(CloudTrailWord::NotLogging);
    let logging = in_state(CloudTrailWord::Logging).len();
    let findings = coverage_findings(trails, &no_trail, &not_logging)
        .into_iter()
        .chain(trails.iter().flat_map(logging_trail_findings));
    outcome.findings.extend(findings);
    outcome.status = check_status(outcome, trails);
    let organization = trails
        .iter()
        .any(|t| t.trail.is_organization_trail().unwrap_or(false));
    outcome.summary = format!(
        "{} trail(s); logging in {logging} of {} regions{}.",
        trails.len(),
        readable.len(),
        if organization {
            ", including an organization trail"
        } else {
            ""
        }
    );
}

/// No trail at all, regions no trail covers, and regions whose trails do not log.
fn coverage_findings(
    trails: &[TrailStatus],
    no_trail: &[&str],
    not_logging: &[&str],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if trails.is_empty() {
        findings.push(finding(
            Code::CloudtrailNoTrail,
            CheckId::Cloudtrail,
            "No CloudTrail trail exists for the checked regions.",
        ));
    } else if !no_trail.is_empty() {
        findings.push(finding(
            Code::CloudtrailNotMultiRegion,
            CheckId::Cloudtrail,
            format!(
                "No multi-region trail: no trail covers {}.",
                no_trail.join(", ")
            ),
        ));
    }
    if !not_logging.is_empty() {
        let stopped: Vec<&str> = trails
            .iter()
            .filter(|t| matches!(t.status, Ok(Logging { logging: false, .. })))
            .filter_map(|t| t.trail.name())
            .collect();
        findings.push(finding(
            Code::CloudtrailNotLogging,
            CheckId::Cloudtrail,
            format!(
                "Logging is stopped for {} (trails: {}).",
                not_logging.join(", "),
                stopped.join(", ")
            ),
        ));
    }
    findings
}

/// A logging trail can still fail its purpose: it cannot deliver, or records no management
/// events (selectors that could not be read say nothing).
fn logging_trail_findings(trail: &TrailStatus) -> Vec<Finding> {
    let Ok(status @ Logging { logging: true, .. }) = &trail.status else {
        return Vec::new();
    };
    let name = trail.trail.name().unwrap_or_default();
    let mut findings = Vec::new();
    if let Some(error) = &status.delivery_error {
        findings.push(finding(
            Code::CloudtrailDeliveryError,
            CheckId::Cloudtrail,
            format!("Trail {name} cannot deliver its log files: {error}"),
        ));
    }
    if status.management_events == Some(false) {
        findings.push(finding(
            Code::CloudtrailNoManagementEvents,
            CheckId::Cloudtrail,
            format!(
                "Trail {name} logs, but its event selectors record data events only: the \
                 management events the portal reads are not recorded."
            ),
        ));
    }
    findings
}

/// The check's status: by its worst finding, and `error` when something could not be read and
/// nothing found is an error.
fn check_status(outcome: &CloudTrailOutcome, trails: &[TrailStatus]) -> CheckStatus {
    let worst = outcome.findings.iter().map(|f| f.severity).max();
    let unreadable = outcome
        .states
        .values()
        .any(|s| matches!(s, RegionState::Error | RegionState::AccessDenied))
        || trails.iter().any(|t| t.status.is_err());
    match worst {
        Some(Severity::Error) => CheckStatus::Fail,
        _ if unreadable => CheckStatus::Error,
        Some(Severity::Warning) => CheckStatus::Warn,
        _ => CheckStatus::Pass,
    }
}

async fn describe_trails(ctx: &ProbeContext<'_>, region: Region) -> Result<Vec<Trail>, AwsError> {
    let request = ctx
        .session
        .cloudtrail()
        .describe_trails()
        .include_shadow_trails(true);
    let output = ctx
        .aws(region, AwsService::CloudTrail, "DescribeTrails", || {
            request
                .customize()
                .config_override(in_region::cloudtrail(ctx.session, region))
                .send()
        })
        .await?;
    Ok(output.trail_list.unwrap_or_default())
}

/// Where a trail's status is read: its home region, else `fallback`.
fn status_region(trail: &Trail, fallback: Region) -> Region {
    trail
        .home_region()
        .and_then(Region::find)
        .unwrap_or(fallback)
}

/// GetTrailStatus in the trail's home region (elsewhere AWS answers TrailNotFound).
async fn trail_status(
    ctx: &ProbeContext<'_>,
    trail: Trail,
    fallback: Region,
) -> (Trail, Result<Logging, AwsError>) {
    let region = status_region(&trail, fallback);
    let name = trail
        .trail_arn()
        .or(trail.name())
        .unwrap_or_default()
        .to_owned();
    let client = ctx.session.cloudtrail();
    // The status and the selectors at once: the selectors add no wave to the diagnosis.
    let (status, selectors) = tokio::join!(
        ctx.aws(region, AwsService::CloudTrail, "GetTrailStatus", || {
            client
                .get_trail_status()
                .name(name.clone())
                .customize()
                .config_override(in_region::cloudtrail(ctx.session, region))
                .send()
        }),
        ctx.aws(region, AwsService::CloudTrail, "GetEventSelectors", || {
            client
                .get_event_selectors()
                .trail_name(name.clone())
                .customize()
                .config_override(in_region::cloudtrail(ctx.session, region))
                .send()
        }),
    );
    let management_events = selectors.ok().map(|output| {
        records_management_events(output.event_selectors(), output.advanced_event_selectors())
    });
    let result = status.map(|output| Logging {
        logging: output.is_logging.unwrap_or(false),
        delivery_error: output
            .latest_delivery_error
            .filter(|error| !error.is_empty()),
        management_events,
    });
    (trail, result)
}

/// Whether a trail's selectors record management events: advanced selectors when it has them
/// (an `eventCategory` of `Management`), else basic ones (`IncludeManagementEvents`, true when
/// unset), else the trail's default, which records them.
fn records_management_events(basic: &[EventSelector], advanced: &[AdvancedEventSelector]) -> bool {
    if !advanced.is_empty() {
        return advanced.iter().any(|selector| {
            selector.field_selectors().iter().any(|field| {
                same_word(field.field(), "eventCategory")
                    && field
                        .equals()
                        .iter()
                        .any(|value| same_word(value, "Management"))
            })
        });
    }
    basic.is_empty()
        || basic
            .iter()
            .any(|selector| selector.include_management_events() != Some(false))
}

/// Whether any management event of the last seven days exists in `region`. LookupEvents counts
/// against the account's budget of two a second, like the read of the key's record, so within
/// the re-test window the connector's last look is reused and kept, and a new look is kept.
async fn recent_events(ctx: &ProbeContext<'_>, region: Region) -> Result<bool, AwsError> {
    let now = chrono::Utc::now();
    if let Some(found) = ctx.retest.recent_events(region, now) {
        return Ok(found);
    }
    let since = now - EVENT_WINDOW;
    let request = ctx
        .session
        .cloudtrail()
        .lookup_events()
        .start_time(aws_smithy_types::DateTime::from_secs(since.timestamp()))
        .max_results(1);
    let output = ctx
        .aws(region, AwsService::CloudTrail, "LookupEvents", || {
            request
                .customize()
                .config_override(in_region::cloudtrail(ctx.session, region))
                .send()
        })
        .await?;
    let found = !output.events.unwrap_or_default().is_empty();
    ctx.retest.keep(RecentEventsLook {
        region: region.name().to_owned(),
        at: now,
        found,
    });
    Ok(found)
}
