//! The Diagnosis's `organization`: the connected account's place among its Security Hub
//! administrator, members and AWS Organization, and, for an administrator, every account of the
//! organization against every checked region (membership, findings flowing, Config recording).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Tone, wire_word};

/// Most accounts listed in `organization.accounts`; beyond, `truncated` and `accounts_total`.
pub const MAX_LISTED_ACCOUNTS: usize = 1_000;

/// Where the connected account stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Organization {
    /// The account's role in most checked regions (on a tie `delegated_administrator` before
    /// `administrator` before `member`).
    pub role: OrganizationRole,
    /// The AWS Organization's id (`o-...`); null outside an organization or when unreadable.
    #[schema(required = true)]
    pub organization_id: Option<String>,
    /// For a member: the administrator its hub reports.
    #[schema(required = true)]
    pub administrator_account_id: Option<String>,
    /// The account the organization delegated Security Hub administration to, when known.
    #[schema(required = true)]
    pub delegated_administrator_account_id: Option<String>,
    /// Whether accounts that join the organization become members on their own; null when
    /// the organization's configuration could not be read (only its administrator may).
    #[schema(required = true)]
    pub auto_enable: Option<bool>,
    /// Central or local configuration of the organization; null when not read.
    #[schema(required = true)]
    pub configuration_type: Option<ConfigurationType>,
    /// The region a finding aggregator gathers findings in; null without one.
    #[schema(required = true)]
    pub aggregation_region: Option<String>,
    /// Checked regions linked to the aggregator (the aggregation region included).
    pub linked_regions: Vec<String>,
    /// How many accounts the coverage map has (beyond the ones listed when `truncated`).
    pub accounts_total: usize,
    /// Whether `accounts` was cut at 1,000.
    pub truncated: bool,
    /// The member-regions of the map (every account but the administrator, in every region of
    /// the map, the accounts cut by `truncated` included) by coverage.
    pub member_regions: MemberRegions,
    /// The coverage map, sorted by account id (for an administrator: every account of the
    /// organization, or of its member list when the organization cannot be read; for a member:
    /// its own entry).
    pub accounts: Vec<OrganizationAccount>,
}

/// Member-regions (an account other than the administrator, in one region) by coverage: what a
/// dashboard counts per connector.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MemberRegions {
    /// An enabled member whose findings flow.
    pub covered: usize,
    /// An enabled member with no findings in the window.
    pub no_data: usize,
    /// Not an enabled member (missing, invited, resigned, ...).
    pub not_member: usize,
    /// An enabled member not read yet.
    pub not_checked: usize,
}

impl MemberRegions {
    /// The label words of the counts, in a fixed order (`covered`, `no_data`, `not_member`,
    /// `not_checked`), with their values.
    pub fn counts(&self) -> [(&'static str, usize); 4] {
        [
            ("covered", self.covered),
            ("no_data", self.no_data),
            ("not_member", self.not_member),
            ("not_checked", self.not_checked),
        ]
    }

    /// Counts the member-regions of `accounts`, leaving out `administrator`'s own entry.
    pub fn of(accounts: &[OrganizationAccount], administrator: &str) -> Self {
        let mut counts = MemberRegions::default();
        let cells = accounts
            .iter()
            .filter(|account| account.account_id != administrator)
            .flat_map(|account| account.regions.values());
        for cell in cells {
            match (cell.membership, cell.data) {
                (Membership::Enabled, DataFlow::Flowing) => counts.covered += 1,
                (Membership::Enabled, DataFlow::None) => counts.no_data += 1,
                (Membership::Enabled, DataFlow::NotChecked) => counts.not_checked += 1,
                _ => counts.not_member += 1,
            }
        }
        counts
    }

    /// Member-regions whose findings do not reach the administrator.
    pub fn uncovered(&self) -> usize {
        self.no_data + self.not_member
    }
}

/// The connected account's role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationRole {
    /// Its hub reports an administrator (any relationship status).
    Member,
    /// Its hub has members.
    Administrator,
    /// The organization names it the Security Hub administrator.
    DelegatedAdministrator,
    /// The organization's management account, not itself the Security Hub administrator.
    Management,
}

impl OrganizationRole {
    /// Whether the account administers members (by organization or by invitation).
    pub fn administers(self) -> bool {
        matches!(
            self,
            OrganizationRole::Administrator | OrganizationRole::DelegatedAdministrator
        )
    }
}

/// How the organization's Security Hub is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConfigurationType {
    /// Configuration policies of the delegated administrator.
    Central,
    /// Each account and region configured on its own.
    Local,
}

/// One account of the coverage map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrganizationAccount {
    /// The account's id.
    #[schema(example = "210987654321")]
    pub account_id: String,
    /// Its name in the organization (customer text); null when unknown.
    #[schema(required = true)]
    pub name: Option<String>,
    /// Its state in each checked region.
    pub regions: BTreeMap<String, AccountRegion>,
}

/// One account in one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccountRegion {
    /// Its relationship with the administrator there.
    pub membership: Membership,
    /// Whether its findings reach the administrator.
    pub data: DataFlow,
    /// When its findings were last seen updated (`flowing` only).
    #[schema(required = true)]
    pub confirmed_at: Option<DateTime<Utc>>,
    /// AWS Config's recorder as Security Hub's `Config.1` control finding tells it.
    pub config: ConfigRecording,
    /// When that `Config.1` finding was last updated (the evidence's age); absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_seen_at: Option<DateTime<Utc>>,
    /// Why `data` is `not_checked` or `none` without a read; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl AccountRegion {
    /// The cell in one word: a member's data word (`flowing`, `none`, `not_checked`), else its
    /// membership (`not_member`, `invited`, `resigned`, ...).
    pub fn status(&self) -> String {
        match self.membership.covered() {
            true => wire_word(&self.data),
            false => wire_word(&self.membership),
        }
    }

    /// How good that is: findings flowing are good, not read yet neutral, an enabled member
    /// without data a warning, anything else (not a member) bad.
    pub fn tone(&self) -> Tone {
        match (self.membership.covered(), self.data) {
            (true, DataFlow::Flowing) => Tone::Good,
            (true, DataFlow::NotChecked) => Tone::Neutral,
            (true, DataFlow::None) => Tone::Warn,
            (false, _) => Tone::Bad,
        }
    }
}

/// A member's relationship with the administrator in one region.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    /// A member whose findings reach the administrator.
    Enabled,
    /// Invited, not accepted.
    Invited,
    /// Added, not invited yet.
    Created,
    /// The member left.
    Resigned,
    /// The administrator removed it.
    Removed,
    /// The invitation was deleted.
    Deleted,
    /// The account is suspended.
    Suspended,
    /// Not a member at all.
    NotMember,
    /// The administrator's own entry: it covers itself.
    Administrator,
}

impl Membership {
    /// Whether the account's findings reach the administrator.
    pub fn covered(self) -> bool {
        matches!(self, Membership::Enabled | Membership::Administrator)
    }
}

/// Whether an account's findings of a region reach the administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataFlow {
    /// Findings updated within the last 48 hours were seen where the administrator reads them.
    Flowing,
    /// None were.
    None,
    /// Not read (budget or deadline); a later diagnosis fills it in.
    NotChecked,
}

/// AWS Config's recorder of an account in a region, from its `Config.1` control finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConfigRecording {
    /// `Config.1` passes.
    Recording,
    /// `Config.1` fails because the recorder is off or missing.
    NotRecording,
    /// No `Config.1` finding, or one that fails for another reason.
    Unknown,
}
