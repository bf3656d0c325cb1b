//! CloudTrail: which trails cover each checked region, whether they log and deliver, and
//! whether events of the last seven days exist (the portal ingests the seven days before connection).

use std::collections::BTreeMap;
use std::time::Instant;

use aws_sdk_cloudtrail::types::{AdvancedEventSelector, EventSelector, Trail};
use futures::future::join_all;

use super::outcome::{main_call_failed, sub_call_failed};
use crate::aws::{AwsError, in_region};
use crate::catalogue::aws_mapping;
use crate::domain::{CheckId, CheckStatus, CloudTrailState, Code, Finding, Region, Severity};
use crate::probes::context::ProbeContext;
use crate::probes::explain::{FindingExt, finding};

/// How far back the portal reads events.
const EVENT_WINDOW: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// CloudTrail across the checked regions.
pub struct CloudTrailOutcome {
    /// Coverage per region name.
    pub states: BTreeMap<&'static str, CloudTrailState>,
    /// Regions whose calls said the region is disabled.
    pub disabled: Vec<Region>,
    /// The `cloudtrail` check.
    pub status: CheckStatus,
    /// Its summary.
    pub summary: String,
    /// When the probe started.
    pub started: Instant,
    /// Findings.
    pub findings: Vec<Finding>,
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

/// Probes CloudTrail for `regions`.
pub async fn probe(ctx: &ProbeContext<'_>, regions: &[Region]) -> CloudTrailOutcome {
    let started = Instant::now();
    let mut outcome = CloudTrailOutcome {
        states: BTreeMap::new(),
        disabled: Vec::new(),
        status: CheckStatus::Pass,
        summary: String::new(),
        started,
        findings: Vec::new(),
    };
    // DescribeTrails in every region at once, with shadow trails: each answer lists the
    // trails that apply to that region, wherever their home is.
    let described = join_all(regions.iter().map(|&region| describe_trails(ctx, region))).await;
    let mut trails: BTreeMap<String, Trail> = BTreeMap::new();
    let mut unreadable = Vec::new();
    for (&region, result) in regions.iter().zip(described) {
        match result {
            Ok(found) => {
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
                let state: CloudTrailState = failure.state;
                unreadable.push(region);
                outcome.states.insert(region.name(), state);
            }
        }
    }
    let readable: Vec<Region> = regions
        .iter()
        .copied()
        .filter(|region| !unreadable.contains(region))
        .collect();
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
    match events {
        Ok(true) => {}
        Ok(false) => outcome.findings.push(
            finding(
                Code::CloudtrailNoRecentEvents,
                CheckId::Cloudtrail,
                format!("CloudTrail holds no management events of the last 7 days in {first}."),
            )
            .in_region(first),
        ),
        Err(error) => outcome
            .findings
            .push(sub_call_failed(CheckId::Cloudtrail, &error, first)),
    }
    judge(&mut outcome, &known, &readable);
    outcome
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
        CloudTrailState::NoTrail
    } else if covering.iter().any(|t| t.logging()) {
        CloudTrailState::Logging
    } else if let Some(error) = unknown {
        match aws_mapping::is_denial(error) {
            true => CloudTrailState::AccessDenied,
            false => CloudTrailState::Error,
        }
    } else {
        CloudTrailState::NotLogging
    }
}

/// Turns the coverage into findings, a check status and a summary.
fn judge(outcome: &mut CloudTrailOutcome, trails: &[TrailStatus], readable: &[Region]) {
    let in_state = |state: CloudTrailState| -> Vec<&'static str> {
        readable
            .iter()
            .map(|r| r.name())
            .filter(|name| outcome.states.get(name) == Some(&state))
            .collect()
    };
    let (no_trail, not_logging, logging) = (
        in_state(CloudTrailState::NoTrail),
        in_state(CloudTrailState::NotLogging),
        in_state(CloudTrailState::Logging),
    );
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
    // A logging trail can still fail its purpose: it cannot deliver, or records no management
    // events (selectors that could not be read say nothing).
    for trail in trails {
        let Ok(status @ Logging { logging: true, .. }) = &trail.status else {
            continue;
        };
        let name = trail.trail.name().unwrap_or_default();
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
    }
    outcome.findings.extend(findings);
    let worst = outcome.findings.iter().map(|f| f.severity).max();
    outcome.status = match worst {
        Some(Severity::Error) => CheckStatus::Fail,
        Some(Severity::Warning) => CheckStatus::Warn,
        _ => CheckStatus::Pass,
    };
    let unreadable = outcome
        .states
        .values()
        .any(|s| matches!(s, CloudTrailState::Error | CloudTrailState::AccessDenied))
        || trails.iter().any(|t| t.status.is_err());
    if unreadable && worst < Some(Severity::Error) {
        outcome.status = CheckStatus::Error;
    }
    outcome.summary = format!(
        "{} trail(s); logging in {} of {} regions{}.",
        trails.len(),
        logging.len(),
        readable.len(),
        if trails
            .iter()
            .any(|t| t.trail.is_organization_trail().unwrap_or(false))
        {
            ", including an organization trail"
        } else {
            ""
        }
    );
}

async fn describe_trails(ctx: &ProbeContext<'_>, region: Region) -> Result<Vec<Trail>, AwsError> {
    let request = ctx
        .session
        .cloudtrail()
        .describe_trails()
        .include_shadow_trails(true);
    let output = ctx
        .aws(region, "cloudtrail", "DescribeTrails", || {
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
        ctx.aws(region, "cloudtrail", "GetTrailStatus", || {
            client
                .get_trail_status()
                .name(name.clone())
                .customize()
                .config_override(in_region::cloudtrail(ctx.session, region))
                .send()
        }),
        ctx.aws(region, "cloudtrail", "GetEventSelectors", || {
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
                field.field() == "eventCategory"
                    && field.equals().iter().any(|value| value == "Management")
            })
        });
    }
    basic.is_empty()
        || basic
            .iter()
            .any(|selector| selector.include_management_events() != Some(false))
}

/// Whether any management event of the last seven days exists in `region`. LookupEvents counts
/// against the account's budget of two a second, like the read of the key's record.
async fn recent_events(ctx: &ProbeContext<'_>, region: Region) -> Result<bool, AwsError> {
    let since = chrono::Utc::now() - EVENT_WINDOW;
    let request = ctx
        .session
        .cloudtrail()
        .lookup_events()
        .start_time(aws_smithy_types::DateTime::from_secs(since.timestamp()))
        .max_results(1);
    let output = ctx
        .aws(region, "cloudtrail", "LookupEvents", || {
            request
                .customize()
                .config_override(in_region::cloudtrail(ctx.session, region))
                .send()
        })
        .await?;
    Ok(!output.events.unwrap_or_default().is_empty())
}
