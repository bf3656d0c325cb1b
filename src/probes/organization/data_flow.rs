//! Whether each member's findings reach the administrator, and what Security Hub's `Config.1`
//! control says of its AWS Config recorder: `GetFindings` reads spent well.
//!
//! `GetFindings` allows 3 calls a second per account and region, and with an aggregator every
//! read lands in one region. One read filters on up to 20 account ids (AWS's limit of values per
//! filter): the accounts whose findings it returns are confirmed; when the answer is complete
//! (no next page) the others of the batch have none; when it is not, they are read again with
//! the next batch. So a read confirms at least one account or settles a whole batch: never more
//! reads than one per account and region. What the budget or the deadline leaves unread is
//! `not_checked` with the reason, never `none`, unless the book of earlier reads can say more
//! (see [`super::book`]): the accounts are read in the book's order, each claimed first, so a
//! later diagnosis fills in what an earlier one could not, and two at once never read one
//! account-region twice.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingFilters, ComplianceStatus, DateFilter, DateRange,
    DateRangeUnit, SortCriterion, SortOrder, StringFilter, StringFilterComparison,
};
use chrono::{DateTime, Utc};
use futures::future::join_all;

use super::book::Book;
use super::read_line::{Line, Pick};
use super::read_plan::ReadPlan;
use super::seen::{Cell, DataSeen};
use crate::aws::{AwsError, AwsService, in_region};
use crate::domain::{ConfigRecording, DataFlow, Region};
use crate::probes::context::ProbeContext;

/// Most values of one filter that `GetFindings` takes.
pub const BATCH: usize = 20;
/// Findings of one read.
const PAGE: i32 = 100;
/// Findings updated within this many days count as flowing (the contract's 48 hours).
const WINDOW_DAYS: i32 = 2;
/// The `Config.1` status reasons that say the recorder is off or missing (Security Hub's
/// "Config.1" control documentation); any other failure leaves the recorder `unknown`.
const RECORDER_OFF_REASONS: &[&str] = &["CONFIG_RECORDER_DISABLED"];

/// What the finding reads found: every covered cell, and the cells this diagnosis read itself.
#[derive(Debug, Default)]
pub struct Flow {
    /// Per account and origin region.
    pub seen: BTreeMap<Cell, DataSeen>,
    /// Read by this diagnosis (the rest comes from the book, or was not read).
    pub read_here: BTreeSet<Cell>,
}

/// Reads whether findings flow for every account of every plan, in the book's order and only
/// the cells this diagnosis claims: one line per region the reads go to, [`READERS`] reads of
/// it at a time, each waiting for its turn of the account's budget. What it did not read, the
/// book fills in where it can.
pub async fn read_flow(ctx: &ProbeContext<'_>, plans: &[ReadPlan], book: &Book<'_>) -> Flow {
    let mut by_region: BTreeMap<Region, Vec<&ReadPlan>> = BTreeMap::new();
    for plan in plans {
        by_region.entry(plan.read_in).or_default().push(plan);
    }
    let lines: Vec<(Region, Mutex<Line>)> = by_region
        .into_iter()
        .map(|(read_in, plans)| (read_in, Mutex::new(Line::new(plans, book))))
        .collect();
    let readers = lines
        .iter()
        .flat_map(|(read_in, line)| (0..READERS).map(move |_| reader(ctx, *read_in, line, book)));
    let mut flow = Flow::default();
    let mut unread = Vec::new();
    for (read, not_read) in join_all(readers).await {
        flow.read_here
            .extend(read.iter().map(|(cell, _)| cell.clone()));
        flow.seen.extend(read);
        unread.extend(not_read);
    }
    flow.seen.extend(book.fill_in(unread, Utc::now()).await);
    flow
}

/// Reads of one line at a time: as many as AWS's rate allows in a second, so the budget, not
/// the latency, bounds them.
const READERS: usize = 3;

/// The cells one reader read, and those it did not (with the reason, or `None` when another
/// diagnosis held them).
type Reads = (Vec<(Cell, DataSeen)>, Vec<(Cell, Option<String>)>);

fn lock(line: &Mutex<Line>) -> MutexGuard<'_, Line> {
    line.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes batches from `line` and reads them in `read_in` until the line is empty or stopped.
async fn reader(
    ctx: &ProbeContext<'_>,
    read_in: Region,
    line: &Mutex<Line>,
    book: &Book<'_>,
) -> Reads {
    let (mut seen, mut unread) = (Vec::new(), Vec::new());
    let mut next = lock(line).next(BATCH);
    while let Some(Pick {
        origin,
        claimed,
        mut wanted,
    }) = next.take()
    {
        let cell = |account: String| (account, origin);
        let mut batch = claimed;
        while !wanted.is_empty() {
            let claims = book.claim(&wanted, origin).await;
            for (account, claimed) in wanted.into_iter().zip(claims) {
                match claimed {
                    true => batch.push(account),
                    false => unread.push((cell(account), None)),
                }
            }
            wanted = lock(line).more(origin, BATCH - batch.len());
        }
        if batch.is_empty() {
            next = lock(line).next(BATCH);
            continue;
        }
        let (findings, complete) =
            match get_findings(ctx, read_in, flow_filters(&batch, origin)).await {
                Ok(answer) => answer,
                Err(error) => {
                    let (reason, left) = lock(line).stop(&not_read_reason(&error));
                    book.record(origin, &[], &batch).await;
                    for (origin, claimed) in &left.claimed {
                        book.record(*origin, &[], claimed).await;
                    }
                    let cells = batch.into_iter().map(cell).chain(left.cells);
                    unread.extend(cells.map(|cell| (cell, Some(reason.clone()))));
                    break;
                }
            };
        let latest = latest_per_account(&findings);
        let (mut read, mut unsettled) = (Vec::new(), Vec::new());
        for account in batch {
            let data = match latest.get(account.as_str()) {
                Some(&at) => DataSeen {
                    data: DataFlow::Flowing,
                    confirmed_at: at,
                    reason: None,
                },
                None if complete => DataSeen {
                    data: DataFlow::None,
                    confirmed_at: None,
                    reason: None,
                },
                // A full page of others' findings: read it again with the next batch.
                None => {
                    unsettled.push(account);
                    continue;
                }
            };
            read.push((account.clone(), data.confirmed_at));
            seen.push((cell(account), data));
        }
        // A line stopped meanwhile takes nothing back: the unsettled are given up.
        let given_up = lock(line).again(origin, unsettled);
        match given_up {
            Ok(()) => book.record(origin, &read, &[]).await,
            Err((reason, unsettled)) => {
                book.record(origin, &read, &unsettled).await;
                unread.extend(
                    unsettled
                        .into_iter()
                        .map(|a| (cell(a), Some(reason.clone()))),
                );
            }
        }
        next = lock(line).next(BATCH);
    }
    (seen, unread)
}

/// The filters of a read of whether findings flow: these accounts' findings of `origin`
/// updated within the window.
fn flow_filters(batch: &[String], origin: Region) -> AwsSecurityFindingFilters {
    filters(batch, origin)
        .updated_at(
            DateFilter::builder()
                .date_range(
                    DateRange::builder()
                        .value(WINDOW_DAYS)
                        .unit(DateRangeUnit::Days)
                        .build(),
                )
                .build(),
        )
        .build()
}

/// What an account's `Config.1` control finding says of its recorder, and when it was updated.
pub type ConfigSeen = (ConfigRecording, Option<DateTime<Utc>>);

/// Reads `Config.1`'s finding of every account of every plan: one read per batch and region.
pub async fn read_config(ctx: &ProbeContext<'_>, plans: &[ReadPlan]) -> BTreeMap<Cell, ConfigSeen> {
    join_all(plans.iter().map(|plan| config_of(ctx, plan)))
        .await
        .into_iter()
        .flatten()
        .collect()
}

async fn config_of(ctx: &ProbeContext<'_>, plan: &ReadPlan) -> Vec<(Cell, ConfigSeen)> {
    let mut found = Vec::new();
    for batch in plan.accounts.chunks(BATCH) {
        let filters = filters(batch, plan.origin)
            .compliance_security_control_id(equals("Config.1"))
            .record_state(equals("ACTIVE"))
            .build();
        let Ok((findings, _)) = get_findings(ctx, plan.read_in, filters).await else {
            // Unread: the recorder stays `unknown`, which is what a diagnosis can say.
            break;
        };
        // Sorted latest first: the first finding of an account is its current one.
        let mut judged: BTreeMap<&str, ConfigSeen> = BTreeMap::new();
        for finding in &findings {
            if let Some(account) = finding.aws_account_id() {
                judged
                    .entry(account)
                    .or_insert_with(|| (recorder_of(finding), updated_at(finding)));
            }
        }
        found.extend(
            judged
                .into_iter()
                .map(|(account, state)| ((account.to_owned(), plan.origin), state)),
        );
    }
    found
}

/// What a `Config.1` finding says of the recorder.
fn recorder_of(finding: &AwsSecurityFinding) -> ConfigRecording {
    let Some(compliance) = finding.compliance() else {
        return ConfigRecording::Unknown;
    };
    match compliance.status() {
        Some(ComplianceStatus::Passed) => ConfigRecording::Recording,
        Some(ComplianceStatus::Failed)
            if compliance.status_reasons().iter().any(|reason| {
                RECORDER_OFF_REASONS.iter().any(|off| {
                    reason
                        .reason_code()
                        .is_some_and(|code| code.eq_ignore_ascii_case(off))
                })
            }) =>
        {
            ConfigRecording::NotRecording
        }
        _ => ConfigRecording::Unknown,
    }
}

/// The filters of one read: these accounts' findings of `origin`.
fn filters(
    accounts: &[String],
    origin: Region,
) -> aws_sdk_securityhub::types::builders::AwsSecurityFindingFiltersBuilder {
    AwsSecurityFindingFilters::builder()
        .set_aws_account_id(Some(accounts.iter().map(|id| equals(id)).collect()))
        .region(equals(origin.name()))
}

fn equals(value: &str) -> StringFilter {
    StringFilter::builder()
        .value(value)
        .comparison(StringFilterComparison::Equals)
        .build()
}

/// One page of findings, latest first, and whether it was the last.
async fn get_findings(
    ctx: &ProbeContext<'_>,
    region: Region,
    filters: AwsSecurityFindingFilters,
) -> Result<(Vec<AwsSecurityFinding>, bool), AwsError> {
    let client = ctx.session.securityhub();
    let output = ctx
        .aws(region, AwsService::SecurityHub, "GetFindings", || {
            client
                .get_findings()
                .filters(filters)
                .sort_criteria(
                    SortCriterion::builder()
                        .field("UpdatedAt")
                        .sort_order(SortOrder::Descending)
                        .build(),
                )
                .max_results(PAGE)
                .customize()
                .config_override(in_region::securityhub(ctx.session, region))
                .send()
        })
        .await?;
    let complete = output.next_token().is_none_or(str::is_empty);
    Ok((output.findings().to_vec(), complete))
}

/// The latest `UpdatedAt` of each account's findings (`None` when unreadable).
fn latest_per_account(findings: &[AwsSecurityFinding]) -> BTreeMap<&str, Option<DateTime<Utc>>> {
    let mut latest: BTreeMap<&str, Option<DateTime<Utc>>> = BTreeMap::new();
    for finding in findings {
        let Some(account) = finding.aws_account_id() else {
            continue;
        };
        let at = updated_at(finding);
        let entry = latest.entry(account).or_insert(at);
        *entry = (*entry).max(at);
    }
    latest
}

/// When a finding was last updated.
fn updated_at(finding: &AwsSecurityFinding) -> Option<DateTime<Utc>> {
    finding
        .updated_at()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|time| time.with_timezone(&Utc))
}

/// Why the rest of a plan was not read.
fn not_read_reason(error: &AwsError) -> String {
    format!(
        "GetFindings was {}; a later diagnosis reads it",
        match error.kind {
            crate::aws::AwsErrorKind::Service => format!(
                "refused ({})",
                error.code.as_deref().unwrap_or("an AWS error")
            ),
            kind => kind.describe().to_owned(),
        }
    )
}
