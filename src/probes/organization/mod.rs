//! The organization check (`organization`): the connected account's place among its Security Hub
//! administrator, members and AWS Organization, and, for an administrator, whether every account
//! of the organization is a member in every checked region with its findings flowing.
//!
//! Every call is read-only and allowed by the guide's policies (SecurityAudit,
//! AWSSecurityHubReadOnlyAccess). Which calls the account may make is itself the evidence of its
//! role (see [`reads`]): a refusal there is never a permission finding.
//!
//! The steps: the account's place (Organizations, and in every checked region its administrator,
//! its members and the organization's configuration, with the finding aggregator), side by side;
//! for an administrator, the organization's accounts; then the `GetFindings` reads of whether
//! findings flow, within the budget and the deadline, and of `Config.1`; then the findings,
//! grouped.

mod aggregation;
mod book;
mod coverage;
mod data_flow;
mod findings;
mod place;
mod read_line;
mod read_plan;
mod reads;
mod seen;

use std::time::Instant;

use chrono::Utc;
use futures::future::join_all;

use self::book::Book;
use self::coverage::Coverage;
use self::place::HubRegion;
use self::read_plan::ReadPlan;
use self::reads::Read;
use crate::domain::{
    CheckId, CheckStatus, Connection, Finding, MAX_LISTED_ACCOUNTS, MemberRegions, Organization,
    OrganizationRole, Region, Severity, wire_word,
};
use crate::probes::confirmations::Confirmations;
use crate::probes::context::{AwsDoor, ProbeContext};
use crate::probes::regional::sub_call_failed;
use crate::probes::report::Report;

/// What the check adds to the diagnosis.
#[derive(Debug, Default)]
pub struct Checked {
    /// Its check and findings.
    pub report: Report,
    /// The Diagnosis's `organization`; `None` for a standalone account.
    pub organization: Option<Organization>,
}

/// Of the time left when the finding reads begin, the share they may wait for turns in: the
/// rest is for the reads in flight and the diagnosis's conclusion.
const READS_SHARE_PERCENT: u32 = 80;

/// How long a claim on an account-region outlives the diagnosis's deadline.
const CLAIM_MARGIN: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs the check in the plan's regions.
pub async fn check(ctx: &ProbeContext<'_>, book: &dyn Confirmations) -> Checked {
    let mut checked = Checked::default();
    if !ctx
        .request
        .connections
        .contains(&Connection::SecurityConfiguration)
    {
        checked.report.skip_not_needed(CheckId::Organization);
        return checked;
    }
    let regions = ctx.regions.probed();
    let Some(&first) = regions.first() else {
        checked
            .report
            .skip(CheckId::Organization, "No region was checked.");
        return checked;
    };
    let started = Instant::now();
    let own = ctx.identity.account_id.as_str();
    let home = ctx.identity.partition.sts_region();
    // The organization's accounts are read beside the rest: only the management account or a
    // delegated administrator may list them, and a refusal costs one call.
    let (organization, accounts, hubs, delegated, aggregator) = tokio::join!(
        reads::describe_organization(ctx, home),
        reads::list_accounts(ctx, home),
        join_all(regions.iter().map(|&region| hub_region(ctx, region))),
        reads::delegated_administrators(ctx, first),
        reads::aggregator(ctx, first),
    );
    let mut report = Report::default();
    let failures = hubs
        .iter()
        .flat_map(|hub| {
            [hub.administrator.fault(), hub.members.fault()].map(|failure| (hub.region, failure))
        })
        .chain([(first, aggregator.fault())]);
    for (region, failure) in failures {
        if let Some(error) = failure {
            report.finding(sub_call_failed(CheckId::Organization, error, region));
        }
    }
    let Some(role) = place::role(own, &hubs, &organization) else {
        // Nothing read says the account has a place; whether that makes it standalone depends
        // on whether every read answered.
        let undecided = hubs
            .iter()
            .any(|hub| hub.administrator.failure().is_some() || hub.members.failure().is_some());
        let (status, summary) = match undecided {
            false => (
                CheckStatus::Pass,
                "A standalone account: no Security Hub administrator, no members, not an \
                 organization's management account.",
            ),
            true => (
                CheckStatus::Error,
                "The account's place is unknown: its Security Hub administrator or members \
                 could not be read in every checked region.",
            ),
        };
        report.check(CheckId::Organization, status, started, summary);
        checked.report = report;
        return checked;
    };
    let configuration = hubs
        .iter()
        .find_map(|hub| hub.configuration.answer().cloned());
    let aggregator = aggregator.answer().cloned().flatten();
    let mut organization = Organization {
        role,
        organization_id: organization.answer().and_then(|info| info.id.clone()),
        administrator_account_id: None,
        delegated_administrator_account_id: delegated
            .answer()
            .and_then(|accounts| accounts.first().cloned())
            .or_else(|| (role == OrganizationRole::DelegatedAdministrator).then(|| own.to_owned())),
        auto_enable: configuration.as_ref().map(|c| c.auto_enable),
        configuration_type: configuration.as_ref().and_then(|c| c.configuration_type),
        aggregation_region: aggregator.as_ref().map(|a| a.region.clone()),
        linked_regions: aggregator
            .as_ref()
            .map(|aggregator| {
                regions
                    .iter()
                    .filter(|&&region| aggregation::links(aggregator, region))
                    .map(|region| region.name().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        accounts_total: 0,
        truncated: false,
        member_regions: MemberRegions::default(),
        accounts: Vec::new(),
    };
    let summary = match role {
        OrganizationRole::Member => {
            organization.administrator_account_id = most_common_administrator(&hubs);
            report.findings.extend(findings::member_relationship(&hubs));
            format!(
                "A Security Hub member{}.",
                organization
                    .administrator_account_id
                    .as_deref()
                    .map(|admin| format!(" of administrator {admin}"))
                    .unwrap_or_default()
            )
        }
        OrganizationRole::Management => {
            let delegated = delegated.answer().cloned().unwrap_or_default();
            report
                .findings
                .extend(findings::not_delegated(own, &delegated));
            "The organization's management account, not its Security Hub administrator.".to_owned()
        }
        OrganizationRole::Administrator | OrganizationRole::DelegatedAdministrator => {
            let summary = administrator(
                ctx,
                book,
                &hubs,
                &accounts,
                aggregator.as_ref(),
                &mut organization,
                &mut report,
            )
            .await;
            report
                .findings
                .extend(findings::auto_enable_off(organization.auto_enable));
            if let Some(aggregator) = &aggregator {
                let named = ctx.request.named_regions.as_deref();
                report
                    .findings
                    .extend(findings::not_aggregated(aggregator, &regions, named));
            }
            summary
        }
    };
    let otherwise = place::regions_otherwise(&hubs, role);
    let summary = match otherwise.is_empty() || role == OrganizationRole::Management {
        true => summary,
        false => format!(
            "{summary} Not {} in {}.",
            wire_word(&role),
            names(&otherwise)
        ),
    };
    report.check(
        CheckId::Organization,
        status_of(&report.findings),
        started,
        summary,
    );
    checked.report = report;
    checked.organization = Some(organization);
    checked
}

/// The administrator's coverage: the organization's accounts, the map, the finding reads, and
/// the findings of the map. Returns the check's summary.
async fn administrator(
    ctx: &ProbeContext<'_>,
    book: &dyn Confirmations,
    hubs: &[HubRegion],
    accounts: &Read<Vec<reads::OrgAccount>>,
    aggregator: Option<&reads::Aggregator>,
    organization: &mut Organization,
    report: &mut Report,
) -> String {
    let own = ctx.identity.account_id.as_str();
    if let Some(error) = accounts.fault() {
        let home = ctx.identity.partition.sts_region();
        report.finding(sub_call_failed(CheckId::Organization, error, home));
    }
    let coverage = Coverage::of(own, hubs, accounts.answer().map(Vec::as_slice));
    let plans = coverage.plans(aggregator);
    // The finding reads wait for turns only until most of the remaining time is spent.
    let now = tokio::time::Instant::now();
    let left = ctx.deadline.saturating_duration_since(now);
    let reading = ProbeContext {
        door: AwsDoor {
            turns_until: ctx.turns_until.min(now + left * READS_SHARE_PERCENT / 100),
            ..ctx.door
        },
        ..*ctx
    };
    // Claims last past the deadline, so none lapses while its read is in flight.
    let lease = left + CLAIM_MARGIN;
    let administrator = format!("{}:{own}", ctx.identity.partition.arn_name());
    let book = Book::open(book, administrator, lease).await;
    let flow = data_flow::read_flow(&reading, &plans, &book).await;
    // Config.1 is read for the cells this diagnosis read: another diagnosis reads the others.
    let config_plans: Vec<ReadPlan> = plans
        .into_iter()
        .map(|plan| ReadPlan {
            accounts: (plan.accounts.iter())
                .filter(|account| flow.read_here.contains(&((*account).clone(), plan.origin)))
                .cloned()
                .collect(),
            ..plan
        })
        .filter(|plan| !plan.accounts.is_empty())
        .collect();
    let config = data_flow::read_config(&reading, &config_plans).await;
    let mut map = coverage.accounts(&flow.seen, &config);
    report.findings.extend(findings::missing(&map, own));
    report.findings.extend(findings::not_enabled(&map, own));
    report
        .findings
        .extend(findings::no_data(&map, own, &coverage, Utc::now()));
    report
        .findings
        .extend(findings::config_not_recording(&map, own));
    organization.member_regions = MemberRegions::of(&map, own);
    organization.accounts_total = map.len();
    organization.truncated = map.len() > MAX_LISTED_ACCOUNTS;
    map.truncate(MAX_LISTED_ACCOUNTS);
    organization.accounts = map;
    let members = coverage
        .membership
        .keys()
        .filter(|(account, _)| account != own)
        .map(|(account, _)| account)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let counts = organization.member_regions;
    format!(
        "Security Hub administrator of {members} member account(s); {} account(s) of the \
         organization in {} region(s): {} member-region(s) covered with findings flowing, {} \
         uncovered, {} not checked yet.",
        organization.accounts_total,
        coverage.regions.len(),
        counts.covered,
        counts.uncovered(),
        counts.not_checked
    )
}

/// Security Hub's answers in one region.
async fn hub_region(ctx: &ProbeContext<'_>, region: Region) -> HubRegion {
    let (administrator, members, configuration) = tokio::join!(
        reads::administrator(ctx, region),
        reads::members(ctx, region),
        reads::organization_configuration(ctx, region),
    );
    HubRegion {
        region,
        administrator,
        members,
        configuration,
    }
}

/// The administrator that most checked regions report.
fn most_common_administrator(hubs: &[HubRegion]) -> Option<String> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for hub in hubs {
        if let Some(Some(administrator)) = hub.administrator.answer() {
            *counts.entry(administrator.account_id.as_str()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, count)| *count)
        .map(|(account, _)| account.to_owned())
}

/// The check's status from its findings: `fail` with a warning or worse.
fn status_of(findings: &[Finding]) -> CheckStatus {
    match findings.iter().map(|f| f.severity).max() {
        Some(Severity::Error | Severity::Warning) => CheckStatus::Fail,
        _ => CheckStatus::Pass,
    }
}

fn names(regions: &[Region]) -> String {
    regions
        .iter()
        .map(|region| region.name())
        .collect::<Vec<_>>()
        .join(", ")
}
