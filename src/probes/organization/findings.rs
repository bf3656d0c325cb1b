//! The organization check's findings, grouped: one finding per code and status or severity, each
//! naming the accounts and regions it covers (the text shortens a long list and says how many
//! more; `organization.accounts` has them all), so that forty accounts give a handful of
//! findings, not a thousand.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use super::aggregation;
use super::coverage::Coverage;
use super::place::HubRegion;
use super::reads::Aggregator;
use crate::domain::{
    AccountRegion, CheckId, Code, ConfigRecording, DataFlow, Finding, Membership,
    OrganizationAccount, Region, Severity, wire_word,
};
use crate::probes::explain::{FindingExt, finding};

/// Accounts named in a finding's text before "and N more".
const NAMED: usize = 10;
/// A member enabled more recently than this may not have sent findings yet (the guide: data can
/// take hours after enabling).
const NEW_MEMBER_HOURS: i64 = 24;

/// Accounts, each with the regions where a finding applies to it.
type Where = BTreeMap<String, Vec<String>>;

/// `account (region, region), account (...)`, at most [`NAMED`] accounts, then how many more.
fn listed(accounts: &Where) -> String {
    let mut text: Vec<String> = accounts
        .iter()
        .take(NAMED)
        .map(|(account, regions)| format!("{account} ({})", regions.join(", ")))
        .collect();
    if accounts.len() > NAMED {
        text.push(format!("and {} more", accounts.len() - NAMED));
    }
    text.join(", ")
}

/// The accounts (other than the administrator) and regions where `matches` holds.
fn where_(
    accounts: &[OrganizationAccount],
    own: &str,
    matches: impl Fn(&str, &str, &AccountRegion) -> bool,
) -> Where {
    let mut found = Where::new();
    for account in accounts.iter().filter(|a| a.account_id != own) {
        for (region, cell) in &account.regions {
            if matches(&account.account_id, region, cell) {
                found
                    .entry(account.account_id.clone())
                    .or_default()
                    .push(region.clone());
            }
        }
    }
    found
}

fn organization_finding(code: Code, detail: String) -> Finding {
    finding(code, CheckId::Organization, detail)
}

/// Accounts of the organization that are not members in some regions of the map; an error when
/// no account but the administrator is covered anywhere.
pub fn missing(accounts: &[OrganizationAccount], own: &str) -> Option<Finding> {
    let missing = where_(accounts, own, |_, _, cell| {
        cell.membership == Membership::NotMember
    });
    if missing.is_empty() {
        return None;
    }
    let anyone_covered = !where_(accounts, own, |_, _, cell| cell.membership.covered()).is_empty();
    let found = organization_finding(
        Code::SecurityHubMemberMissing,
        format!(
            "{} account(s) of the organization are not Security Hub members of {own} in some \
             checked regions, so their findings never reach it: {}.",
            missing.len(),
            listed(&missing)
        ),
    );
    Some(match anyone_covered {
        true => found,
        false => found.with_severity(Severity::Error),
    })
}

/// Members whose relationship is not `enabled`: one finding per status.
pub fn not_enabled(accounts: &[OrganizationAccount], own: &str) -> Vec<Finding> {
    let statuses = [
        Membership::Invited,
        Membership::Created,
        Membership::Resigned,
        Membership::Removed,
        Membership::Deleted,
        Membership::Suspended,
    ];
    statuses
        .into_iter()
        .filter_map(|status| {
            let members = where_(accounts, own, |_, _, cell| cell.membership == status);
            (!members.is_empty()).then(|| {
                organization_finding(
                    Code::SecurityHubMemberNotEnabled,
                    format!(
                        "{} member account(s) of {own} are `{}`, not `enabled`: their findings \
                         do not reach the administrator, and connecting it does not cover \
                         them: {}.",
                        members.len(),
                        wire_word(&status),
                        listed(&members)
                    ),
                )
            })
        })
        .collect()
}

/// Enabled members with no findings in the window: `info` for members enabled within the last
/// day (data can take hours), `warning` for the others.
pub fn no_data(
    accounts: &[OrganizationAccount],
    own: &str,
    coverage: &Coverage,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let recent = |account: &str, region: &str| {
        Region::find(region)
            .and_then(|region| coverage.since(account, region))
            .is_some_and(|since| now - since < TimeDelta::hours(NEW_MEMBER_HOURS))
    };
    let silent = |new: bool| {
        where_(accounts, own, move |account, region, cell| {
            cell.membership == Membership::Enabled
                && cell.data == DataFlow::None
                && recent(account, region) == new
        })
    };
    let mut found = Vec::new();
    for (new, severity, why) in [
        (
            false,
            Severity::Warning,
            "no finding of theirs was updated in the last 48 hours",
        ),
        (
            true,
            Severity::Info,
            "they were enabled less than a day ago, and data can take hours to arrive",
        ),
    ] {
        let members = silent(new);
        if !members.is_empty() {
            found.push(
                organization_finding(
                    Code::SecurityHubMemberNoData,
                    format!(
                        "{} enabled member account(s) send no findings to {own}: {why}: {}.",
                        members.len(),
                        listed(&members)
                    ),
                )
                .with_severity(severity),
            );
        }
    }
    found
}

/// Checked regions a finding aggregator does not link: `warning` for regions the caller named,
/// `info` for the others.
pub fn not_aggregated(
    aggregator: &Aggregator,
    regions: &[Region],
    named: Option<&[Region]>,
) -> Vec<Finding> {
    let unlinked: Vec<Region> = regions
        .iter()
        .copied()
        .filter(|&region| !aggregation::links(aggregator, region))
        .collect();
    let is_named = |region: &Region| named.is_some_and(|named| named.contains(region));
    let (asked, others): (Vec<Region>, Vec<Region>) = unlinked.into_iter().partition(is_named);
    [(asked, Severity::Warning), (others, Severity::Info)]
        .into_iter()
        .filter(|(regions, _)| !regions.is_empty())
        .map(|(regions, severity)| {
            let names: Vec<&str> = regions.iter().map(|r| r.name()).collect();
            organization_finding(
                Code::SecurityHubRegionNotAggregated,
                format!(
                    "The finding aggregator in {} ({}) does not link {}: findings there are not \
                     gathered where the administrator reads them.",
                    aggregator.region,
                    aggregator.linking_mode,
                    names.join(", ")
                ),
            )
            .with_severity(severity)
        })
        .collect()
}

/// Auto-enable off: accounts that join later will not become members.
pub fn auto_enable_off(auto_enable: Option<bool>) -> Option<Finding> {
    (auto_enable == Some(false)).then(|| {
        organization_finding(
            Code::SecurityHubAutoEnableOff,
            "The organization's Security Hub configuration does not enable new accounts \
             automatically: accounts that join the organization later will not become members."
                .to_owned(),
        )
    })
}

/// The management account was connected while another account administers Security Hub.
pub fn not_delegated(own: &str, delegated: &[String]) -> Option<Finding> {
    let other = delegated.iter().find(|account| *account != own)?;
    Some(organization_finding(
        Code::SecurityHubNotDelegatedAdministrator,
        format!(
            "This is the organization's management account, and the organization delegated \
             Security Hub administration to account {other}: connecting this account covers \
             only itself. Connect {other} instead."
        ),
    ))
}

/// Members whose `Config.1` control finding says their AWS Config recorder is off or missing.
pub fn config_not_recording(accounts: &[OrganizationAccount], own: &str) -> Option<Finding> {
    let off = where_(accounts, own, |_, _, cell| {
        cell.config == ConfigRecording::NotRecording
    });
    (!off.is_empty()).then(|| {
        organization_finding(
            Code::ConfigNotRecording,
            format!(
                "Security Hub's Config.1 control fails for {} member account(s) because AWS \
                 Config's recorder is off or missing there: {}.",
                off.len(),
                listed(&off)
            ),
        )
        // The administrator's connection works; these members' Config-based controls do not.
        .with_severity(Severity::Warning)
    })
}

/// For a member: its relationship with its administrator, one finding per administrator and
/// status; only an `enabled` one is described as covered.
pub fn member_relationship(hubs: &[HubRegion]) -> Vec<Finding> {
    let mut groups: BTreeMap<(String, String, bool), Vec<&str>> = BTreeMap::new();
    for hub in hubs {
        if let Some(Some(administrator)) = hub.administrator.answer() {
            let enabled = administrator.membership == Some(Membership::Enabled);
            groups
                .entry((
                    administrator.account_id.clone(),
                    administrator.status.clone(),
                    enabled,
                ))
                .or_default()
                .push(hub.region.name());
        }
    }
    groups
        .into_iter()
        .map(|((administrator, status, enabled), regions)| {
            let regions = regions.join(", ");
            let detail = match enabled {
                true => format!(
                    "This account is a Security Hub member of administrator account \
                     {administrator} in {regions} (relationship `{status}`): its findings reach \
                     the administrator, and connecting the administrator gives recommendations \
                     for all members."
                ),
                false => format!(
                    "This account's Security Hub relationship with administrator account \
                     {administrator} in {regions} is `{status}`, not enabled: its findings do \
                     not reach the administrator, so connecting the administrator does not \
                     cover this account."
                ),
            };
            let found = organization_finding(Code::SecurityHubMemberAccount, detail);
            match enabled {
                true => found,
                false => found.with_severity(Severity::Warning),
            }
        })
        .collect()
}
