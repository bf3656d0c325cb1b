//! The administrator's coverage map: every account of the organization (or of its member lists
//! when the organization cannot be read) against every checked region whose member list was
//! read, with its membership there; then where each covered account's findings are sought, and
//! the map with what the reads found.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::aggregation;
use super::data_flow::ConfigSeen;
use super::place::HubRegion;
use super::read_plan::ReadPlan;
use super::reads::{Aggregator, OrgAccount};
use super::seen::{Cell, DataSeen};
use crate::domain::{
    AccountRegion, ConfigRecording, DataFlow, Membership, OrganizationAccount, Region,
};

/// Why an account that is not an enabled member has no data.
const NOT_COVERED: &str = "not an enabled member here: its findings do not reach the administrator";
/// Why a covered account was not read.
const NOT_READ: &str = "not read within this diagnosis; a later one reads it";

/// Accounts and their membership in the regions of the map.
#[derive(Debug, Default)]
pub struct Coverage {
    /// Every account of the map, with its name when the organization gave one.
    pub names: BTreeMap<String, Option<String>>,
    /// The regions of the map: checked regions whose member list was read (a region without a
    /// hub has no members).
    pub regions: Vec<Region>,
    /// Membership per account and region (absent: not a member), with when it last changed.
    pub membership: BTreeMap<Cell, (Membership, Option<DateTime<Utc>>)>,
}

impl Coverage {
    /// The map of the administrator `own` from its hubs' member lists and, when readable, the
    /// organization's accounts.
    pub fn of(own: &str, hubs: &[HubRegion], organization: Option<&[OrgAccount]>) -> Self {
        let mut coverage = Coverage::default();
        for account in organization.unwrap_or_default() {
            coverage
                .names
                .insert(account.id.clone(), account.name.clone());
        }
        coverage.names.entry(own.to_owned()).or_default();
        for hub in hubs {
            // A failed listing says nothing of the region; a refused one says there is no hub.
            if hub.members.failure().is_some() {
                continue;
            }
            coverage.regions.push(hub.region);
            for member in hub.members.answer().into_iter().flatten() {
                coverage.names.entry(member.account_id.clone()).or_default();
                coverage.membership.insert(
                    (member.account_id.clone(), hub.region),
                    (member.membership, member.updated_at),
                );
            }
            if hub.administers() {
                coverage.membership.insert(
                    (own.to_owned(), hub.region),
                    (Membership::Administrator, None),
                );
            }
        }
        coverage
    }

    /// The membership of `account` in `region`.
    pub fn membership(&self, account: &str, region: Region) -> Membership {
        self.membership
            .get(&(account.to_owned(), region))
            .map_or(Membership::NotMember, |(membership, _)| *membership)
    }

    /// Where the covered accounts' findings are read: one plan per region of the map, in the
    /// aggregation region when the aggregator links it.
    pub fn plans(&self, aggregator: Option<&Aggregator>) -> Vec<ReadPlan> {
        self.regions
            .iter()
            .map(|&region| ReadPlan {
                read_in: aggregation::read_in(aggregator, region),
                origin: region,
                accounts: self
                    .names
                    .keys()
                    .filter(|account| self.membership(account, region).covered())
                    .cloned()
                    .collect(),
            })
            .filter(|plan| !plan.accounts.is_empty())
            .collect()
    }

    /// The map's accounts, sorted by id, with what the reads found.
    pub fn accounts(
        &self,
        flow: &BTreeMap<Cell, DataSeen>,
        config: &BTreeMap<Cell, ConfigSeen>,
    ) -> Vec<OrganizationAccount> {
        self.names
            .iter()
            .map(|(account, name)| OrganizationAccount {
                account_id: account.clone(),
                name: name.clone(),
                regions: self
                    .regions
                    .iter()
                    .map(|&region| {
                        let cell = (account.clone(), region);
                        (region.name().to_owned(), self.cell(&cell, flow, config))
                    })
                    .collect(),
            })
            .collect()
    }

    fn cell(
        &self,
        cell: &Cell,
        flow: &BTreeMap<Cell, DataSeen>,
        config: &BTreeMap<Cell, ConfigSeen>,
    ) -> AccountRegion {
        let membership = self.membership(&cell.0, cell.1);
        let seen = match (membership.covered(), flow.get(cell)) {
            (true, Some(seen)) => seen.clone(),
            (true, None) => DataSeen {
                data: DataFlow::NotChecked,
                confirmed_at: None,
                reason: Some(NOT_READ.to_owned()),
            },
            (false, _) => DataSeen {
                data: DataFlow::None,
                confirmed_at: None,
                reason: Some(NOT_COVERED.to_owned()),
            },
        };
        let (config, config_seen_at) = config
            .get(cell)
            .copied()
            .unwrap_or((ConfigRecording::Unknown, None));
        AccountRegion {
            membership,
            data: seen.data,
            confirmed_at: seen.confirmed_at,
            config,
            config_seen_at,
            reason: seen.reason,
        }
    }

    /// When `account` became what it is in `region` (an enabled member's "enabled since").
    pub fn since(&self, account: &str, region: Region) -> Option<DateTime<Utc>> {
        self.membership
            .get(&(account.to_owned(), region))
            .and_then(|(_, since)| *since)
    }
}
