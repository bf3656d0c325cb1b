//! Evidence from the connector's own traffic: what CloudTrail recorded of the portal's calls
//! failing. A simulation predicts; CloudTrail remembers calls that a bucket policy, an SCP or an
//! RCP denied, which no model of the identity's policies can see.
//!
//! For an access-key connector with the auditing connection (whose policy grants
//! `cloudtrail:LookupEvents`), the events of its access key id are read over the window, in the
//! checked regions and the partition's home region (where global services such as IAM record).
//! This service's own calls carry the app name `connector-doctor` in their user agent and are
//! left out. Reading is incremental: the ledger of the connector's earlier diagnoses says up to
//! when each region was read, so a diagnosis reads newer events (and then, with the pages left,
//! older ones of the window), at most `pages_per_region` pages per region, within the account's
//! LookupEvents budget and a few seconds of the deadline. Within the re-test window
//! (`super::retest`) of a region's last read, that read is reused and no LookupEvents call made.

mod event;
mod ledger;
mod pages;

use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use futures::future::join_all;

use self::ledger::{SETTLE, Window};
use self::pages::{Reader, SpanRead, Unread, read_span};
use super::context::ProbeContext;
use super::explain::{FindingExt, finding};
use crate::domain::{
    CheckId, Code, Connection, DenialLedger, Finding, ObservedDenial, ObservedRegion,
    ObservedWindow, Region, RegionLedger,
};
use crate::requirements::Requirements;

/// How much of CloudTrail's record a diagnosis reads.
#[derive(Debug, Clone, Copy)]
pub struct RecordSettings {
    /// The window, in hours (1 to 168).
    pub window_hours: u32,
    /// Most LookupEvents pages per region and diagnosis.
    pub pages_per_region: u32,
}

/// The longest a diagnosis spends reading the record: pages of a busy key wait for the
/// account's LookupEvents budget (AWS allows two a second and region), and the rest of the diagnosis is usually done
/// in a second or two.
const READ_TIME: Duration = Duration::from_secs(5);

/// What the record showed.
#[derive(Debug, Default)]
pub struct Record {
    /// Per action and error code; `None` when nothing could be read.
    pub denials: Option<Vec<ObservedDenial>>,
    /// The time they cover.
    pub window: Option<ObservedWindow>,
    /// What to keep for the connector's next diagnosis; `None` to keep the old one.
    pub ledger: Option<DenialLedger>,
    /// Why the record could not be read, in full or at all.
    pub findings: Vec<Finding>,
}

/// How long a ledger stays useful: while any of it can be in the window, and a bucket more.
pub fn ledger_lifetime(settings: RecordSettings) -> Duration {
    let window = settings.window_hours;
    Duration::from_secs(3600 * u64::from(window + window.div_ceil(24).max(1)))
}

/// What was read in one region.
struct RegionRead {
    region: Region,
    ledger: RegionLedger,
    complete: bool,
    /// When the read ended: now, or the end of a reused read.
    to: DateTime<Utc>,
}

/// Reads the record of the connector's key, going on from `prior`.
pub async fn read(
    ctx: &ProbeContext<'_>,
    prior: Option<DenialLedger>,
    settings: RecordSettings,
) -> Record {
    if let Some(why) = not_readable(ctx) {
        return unavailable(why);
    }
    let now = Utc::now()
        .duration_trunc(TimeDelta::seconds(1))
        .unwrap_or_else(|_| Utc::now());
    let window = Window::new(now, settings.window_hours);
    let mut kept = ledger::trimmed(prior, &window);
    let reader = reader(ctx);
    let mut regions = ctx.regions.probed();
    let home = ctx.identity.partition.sts_region();
    if !regions.contains(&home) {
        regions.push(home);
    }
    let reads = join_all(regions.iter().map(|&region| {
        let prior = kept.regions.get(region.name()).cloned();
        let (reader, window) = (&reader, &window);
        async move {
            match prior {
                Some(prior) if ctx.retest.serves(prior.read_to, now) => {
                    Ok(reused(region, prior, now, window))
                }
                prior => read_region(ctx, reader, region, prior, now, window, settings).await,
            }
        }
    }))
    .await;

    let mut findings = Vec::new();
    let mut read = Vec::new();
    for (region, outcome) in regions.iter().zip(reads) {
        match outcome {
            Ok(region_read) => read.push(region_read),
            Err(unread) => findings.push(unread_finding(*region, &unread)),
        }
    }
    if read.is_empty() {
        return Record {
            findings,
            ..Record::default()
        };
    }
    findings.extend(read_in_part(&read, settings));
    let denials = ledger::add_up(read.iter().map(|r| (r.region.name(), &r.ledger)));
    let window = observed_window(&read, now);
    for region_read in read {
        kept.regions
            .insert(region_read.region.name().to_owned(), region_read.ledger);
    }
    Record {
        denials: Some(denials),
        window: Some(window),
        ledger: Some(kept),
        findings,
    }
}

/// Why the record is not read for this request, if it is not.
fn not_readable(ctx: &ProbeContext<'_>) -> Option<&'static str> {
    if !ctx
        .request
        .connections
        .contains(&Connection::SecurityAuditing)
    {
        return Some(
            "Not read: only the Security auditing connection's policy grants \
             cloudtrail:LookupEvents, and it was not requested.",
        );
    }
    ctx.request.assume_role.as_ref().map(|_| {
        "Not read: the connector assumes a role, whose calls CloudTrail records under each \
         session's temporary key; reading them is not supported yet."
    })
}

/// What the reads look for: the key's failed calls of the required actions, until a few
/// seconds of the diagnosis are spent (and a second before its deadline at the latest).
fn reader<'a>(ctx: &ProbeContext<'a>) -> Reader<'a> {
    Reader {
        key_id: ctx.request.credentials.access_key_id.expose(),
        required: Requirements::builtin()
            .required_actions(&ctx.request.connections)
            .into_iter()
            .map(|required| required.action.to_ascii_lowercase())
            .collect(),
        until: (tokio::time::Instant::now() + READ_TIME).min(
            ctx.deadline
                .checked_sub(Duration::from_secs(1))
                .unwrap_or(ctx.deadline),
        ),
    }
}

/// The finding of regions whose record was read only in part, if any.
fn read_in_part(read: &[RegionRead], settings: RecordSettings) -> Option<Finding> {
    let cut: Vec<&str> = read
        .iter()
        .filter(|r| !r.complete)
        .map(|r| r.region.name())
        .collect();
    (!cut.is_empty()).then(|| {
        finding(
            Code::ObservedDenialsUnavailable,
            CheckId::Permissions,
            format!(
                "CloudTrail's record was read only in part in {} (at most {} pages of \
                 LookupEvents per region, within the account's LookupEvents budget and a few \
                 seconds of the diagnosis): observed_window says from when \
                 each region was read. The next diagnosis after the re-test window goes on \
                 from there.",
                cut.join(", "),
                settings.pages_per_region
            ),
        )
        .for_connections(vec![Connection::SecurityAuditing])
    })
}

/// The time the reads covered: from the latest start of a region's read to the earliest end
/// (now, unless a region's read was reused within the re-test window).
fn observed_window(read: &[RegionRead], now: DateTime<Utc>) -> ObservedWindow {
    ObservedWindow {
        from: read.iter().map(|r| r.ledger.from).max().unwrap_or(now),
        to: read.iter().map(|r| r.to).min().unwrap_or(now),
        regions: read
            .iter()
            .map(|r| ObservedRegion {
                region: r.region.name().to_owned(),
                from: r.ledger.from,
                complete: r.complete,
            })
            .collect(),
    }
}

/// The region's last read, reused within the re-test window: its tallies and recent calls as
/// they were, complete when it covers the whole window.
fn reused(region: Region, prior: RegionLedger, now: DateTime<Utc>, window: &Window) -> RegionRead {
    RegionRead {
        region,
        complete: prior.from <= window.start,
        to: prior.read_to.unwrap_or(now).min(now),
        ledger: prior,
    }
}

/// Reads one region: the events since the ledger's settled end (all of the window the first
/// time), then, with the pages left, the older part of the window not read yet.
async fn read_region(
    ctx: &ProbeContext<'_>,
    reader: &Reader<'_>,
    region: Region,
    prior: Option<RegionLedger>,
    now: DateTime<Utc>,
    window: &Window,
    settings: RecordSettings,
) -> Result<RegionRead, Unread> {
    let mut pages_left = settings.pages_per_region;
    let settled_before = now - SETTLE;
    let start = prior.as_ref().map_or(window.start, |p| p.settled_to);
    let newer = read_span(ctx, reader, region, (start, now), &mut pages_left).await?;
    let mut ledger = match prior {
        Some(prior) if newer.complete => prior,
        // The first read, or a read cut short of the ledger's end: what was read is one span
        // from `reached` to now, and the older tallies are not contiguous with it.
        _ => RegionLedger {
            from: if newer.complete {
                window.start
            } else {
                newer.reached
            },
            settled_to: newer.reached,
            tallies: Vec::new(),
            read_to: None,
            fresh: Vec::new(),
        },
    };
    ledger.settled_to = ledger.settled_to.max(settled_before);
    let (settled, fresh): (Vec<_>, Vec<_>) = newer
        .calls
        .into_iter()
        .partition(|call| call.time < ledger.settled_to);
    for call in &settled {
        ledger::count(&mut ledger, call, window);
    }
    // Too recent to be kept for good (CloudTrail may still deliver others of their time): kept
    // apart for a re-test, and read again after the window.
    ledger.fresh = fresh.iter().map(ledger::fresh_tally).collect();
    ledger.read_to = Some(now);
    let mut complete = newer.complete;
    if newer.complete && ledger.from > window.start {
        let end = ledger.from - TimeDelta::seconds(1);
        match read_span(ctx, reader, region, (window.start, end), &mut pages_left).await {
            Ok(SpanRead {
                calls,
                reached,
                complete: whole,
            }) => {
                for call in &calls {
                    ledger::count(&mut ledger, call, window);
                }
                ledger.from = if whole { window.start } else { reached };
                complete = whole;
            }
            Err(_) => complete = false,
        }
    }
    Ok(RegionRead {
        region,
        ledger,
        complete,
        to: now,
    })
}

fn unavailable(detail: &str) -> Record {
    Record {
        findings: vec![
            finding(
                Code::ObservedDenialsUnavailable,
                CheckId::Permissions,
                detail,
            )
            .for_connections(vec![Connection::SecurityAuditing]),
        ],
        ..Record::default()
    }
}

fn unread_finding(region: Region, unread: &Unread) -> Finding {
    let base = finding(
        Code::ObservedDenialsUnavailable,
        CheckId::Permissions,
        match unread {
            Unread::Aws(error) => format!(
                "CloudTrail's record of the connector's calls could not be read in {}: {error}.",
                region.name()
            ),
            Unread::NoTurn => format!(
                "CloudTrail's record of the connector's calls was not read in {}: the \
                 account's LookupEvents budget (a share of the two requests a second and \
                 region AWS allows, shared with its other diagnoses) had no turn free in time.",
                region.name()
            ),
        },
    )
    .in_region(region)
    .for_connections(vec![Connection::SecurityAuditing]);
    match unread {
        Unread::Aws(error) => base.with_aws_error(error),
        Unread::NoTurn => base,
    }
}
