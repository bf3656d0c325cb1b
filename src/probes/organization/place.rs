//! The account's place, decided from who may read what: per checked region its Security Hub
//! role (administrator of an organization, administrator by invitation, member, or none), and
//! overall the role in most regions, or the organization's management account.

use std::collections::BTreeMap;

use super::reads::{Administrator, HubOrganizationConfiguration, Member, OrganizationInfo, Read};
use crate::domain::{OrganizationRole, Region};

/// What Security Hub answered in one checked region.
#[derive(Debug, Clone)]
pub struct HubRegion {
    /// The region.
    pub region: Region,
    /// `GetAdministratorAccount`.
    pub administrator: Read<Option<Administrator>>,
    /// `ListMembers`, every status.
    pub members: Read<Vec<Member>>,
    /// `DescribeOrganizationConfiguration`: answers only the organization's administrator.
    pub configuration: Read<HubOrganizationConfiguration>,
}

impl HubRegion {
    /// The account's Security Hub role in this region, if any.
    pub fn role(&self) -> Option<OrganizationRole> {
        if self.configuration.answer().is_some() {
            return Some(OrganizationRole::DelegatedAdministrator);
        }
        if self
            .members
            .answer()
            .is_some_and(|members| !members.is_empty())
        {
            return Some(OrganizationRole::Administrator);
        }
        self.administrator
            .answer()
            .and_then(Option::as_ref)
            .map(|_| OrganizationRole::Member)
    }

    /// Whether the account administers members here (by organization or by invitation).
    pub fn administers(&self) -> bool {
        matches!(
            self.role(),
            Some(OrganizationRole::Administrator | OrganizationRole::DelegatedAdministrator)
        )
    }
}

/// The account's role: the role in most checked regions (on a tie delegated administrator
/// before administrator before member); without one, the management account when the
/// organization says it is; else none (a standalone account).
pub fn role(
    account_id: &str,
    hubs: &[HubRegion],
    organization: &Read<OrganizationInfo>,
) -> Option<OrganizationRole> {
    let mut counts: BTreeMap<OrganizationRole, usize> = BTreeMap::new();
    for role in hubs.iter().filter_map(HubRegion::role) {
        *counts.entry(role).or_default() += 1;
    }
    let by_rank = |role: &OrganizationRole| match role {
        OrganizationRole::DelegatedAdministrator => 3,
        OrganizationRole::Administrator => 2,
        OrganizationRole::Member => 1,
        OrganizationRole::Management => 0,
    };
    let most = counts
        .into_iter()
        .max_by_key(|(role, count)| (*count, by_rank(role)))
        .map(|(role, _)| role);
    most.or_else(|| {
        organization
            .answer()
            .and_then(|info| info.management_account_id.as_deref())
            .filter(|management| *management == account_id)
            .map(|_| OrganizationRole::Management)
    })
}

/// The checked regions where the role is not `role`, for the check's summary.
pub fn regions_otherwise(hubs: &[HubRegion], role: OrganizationRole) -> Vec<Region> {
    hubs.iter()
        .filter(|hub| hub.role() != Some(role))
        .map(|hub| hub.region)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Membership;

    fn hub(region: &str, members: usize, administrator: bool, organization: bool) -> HubRegion {
        HubRegion {
            region: Region::parse(region).unwrap(),
            administrator: Read::Answered(administrator.then(|| Administrator {
                account_id: "999999999999".into(),
                membership: Some(Membership::Enabled),
                status: "Enabled".into(),
            })),
            members: Read::Answered(
                (0..members)
                    .map(|n| Member {
                        account_id: format!("21000000000{n}"),
                        membership: Membership::Enabled,
                        updated_at: None,
                    })
                    .collect(),
            ),
            configuration: match organization {
                true => Read::Answered(HubOrganizationConfiguration {
                    auto_enable: true,
                    configuration_type: None,
                }),
                false => Read::Refused,
            },
        }
    }

    fn outside() -> Read<OrganizationInfo> {
        Read::Refused
    }

    #[test]
    fn the_role_of_most_regions_wins_and_a_tie_goes_to_the_administrator() {
        let hubs = [
            hub("us-east-1", 2, false, false),
            hub("eu-west-1", 0, true, false),
            hub("eu-west-2", 0, true, false),
        ];
        assert_eq!(role("1", &hubs, &outside()), Some(OrganizationRole::Member));
        let tie = [
            hub("us-east-1", 2, false, false),
            hub("eu-west-1", 0, true, false),
        ];
        assert_eq!(
            role("1", &tie, &outside()),
            Some(OrganizationRole::Administrator)
        );
        let delegated = [
            hub("us-east-1", 2, false, true),
            hub("eu-west-1", 2, false, false),
        ];
        assert_eq!(
            role("1", &delegated, &outside()),
            Some(OrganizationRole::DelegatedAdministrator)
        );
    }

    #[test]
    fn without_a_hub_role_the_management_account_is_management_and_others_standalone() {
        let hubs = [hub("us-east-1", 0, false, false)];
        let organization = Read::Answered(OrganizationInfo {
            id: Some("o-a1b2c3d4e5".into()),
            management_account_id: Some("123456789012".into()),
        });
        assert_eq!(
            role("123456789012", &hubs, &organization),
            Some(OrganizationRole::Management)
        );
        assert_eq!(role("210987654321", &hubs, &organization), None);
    }
}
