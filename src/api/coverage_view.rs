//! An administrator's organization coverage arranged for the report page: accounts by checked
//! regions, each cell in words (membership and data, with the confirmation's age) as well as a
//! tone; the gaps first, the fully covered accounts folded into one line per region; filtered by
//! the page's query (`gaps`, `status`, `region`), so that the filters work without JavaScript.

use chrono::{DateTime, Utc};

use crate::domain::{AccountRegion, Organization, Tone, wire_word};

/// The filters of the grid, from the page's query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageFilter {
    /// Only accounts with a gap.
    pub gaps_only: bool,
    /// Only accounts with a cell of this status (`none`, `not_member`, `resigned`, ...).
    pub status: Option<String>,
    /// Only this region's column.
    pub region: Option<String>,
}

/// One cell: an account in a region.
pub struct CoverageCell {
    /// Its region (the column).
    pub region: String,
    /// Its status word: the data word of a member (`flowing`, `none`, `not_checked`), else its
    /// membership (`not_member`, `invited`, ...).
    pub status: String,
    /// Membership and data, in words.
    pub text: String,
    /// How long ago its findings were last seen, for `flowing`.
    pub age: String,
    /// `good`, `warn`, `bad` or `neutral`.
    pub tone: &'static str,
}

/// One account.
pub struct CoverageRow {
    /// Its id.
    pub account_id: String,
    /// Its name (customer text, escaped by the template), or empty.
    pub name: String,
    /// Every status of its cells, space-separated (the page's script filters on it).
    pub statuses: String,
    /// Its cells, in the order of the columns.
    pub cells: Vec<CoverageCell>,
}

/// The grid and its filters.
pub struct CoverageView {
    /// The account's role and organization, in one line.
    pub headline: String,
    /// Member-regions by coverage: `(word, count, tone)`.
    pub counts: Vec<(String, usize, &'static str)>,
    /// The columns shown.
    pub regions: Vec<String>,
    /// Every checked region of the map (the region filter's choices).
    pub all_regions: Vec<String>,
    /// Every status some cell has (the status filter's choices).
    pub statuses: Vec<String>,
    /// Accounts with a gap, the worst first.
    pub gaps: Vec<CoverageRow>,
    /// The fully covered accounts, one line per region.
    pub covered_lines: Vec<String>,
    /// The fully covered accounts (folded on the page).
    pub covered: Vec<CoverageRow>,
    /// The filters applied.
    pub filter: CoverageFilter,
    /// Accounts the filters hide.
    pub hidden: usize,
    /// Said when the map lists only the first 1,000 accounts.
    pub truncated: Option<String>,
}

impl CoverageView {
    /// The grid of `organization` as of `now`, filtered.
    pub fn new(organization: &Organization, filter: CoverageFilter, now: DateTime<Utc>) -> Self {
        let all_regions: Vec<String> = organization
            .accounts
            .first()
            .map(|account| account.regions.keys().cloned().collect())
            .unwrap_or_default();
        let regions: Vec<String> = all_regions
            .iter()
            .filter(|region| filter.region.as_ref().is_none_or(|only| only == *region))
            .cloned()
            .collect();
        let mut statuses: Vec<String> = Vec::new();
        let mut gaps = Vec::new();
        let mut covered = Vec::new();
        let mut hidden = 0;
        for account in &organization.accounts {
            let cells: Vec<CoverageCell> = regions
                .iter()
                .filter_map(|region| Some(cell(region, account.regions.get(region)?, now)))
                .collect();
            for cell in &cells {
                if !statuses.contains(&cell.status) {
                    statuses.push(cell.status.clone());
                }
            }
            let gap = cells.iter().any(|cell| cell.status != "flowing");
            let wanted = filter
                .status
                .as_ref()
                .is_none_or(|status| cells.iter().any(|cell| &cell.status == status));
            let row = CoverageRow {
                account_id: account.account_id.clone(),
                name: account.name.clone().unwrap_or_default(),
                statuses: cells
                    .iter()
                    .map(|cell| cell.status.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                cells,
            };
            match (wanted && (gap || !filter.gaps_only), gap) {
                (false, _) => hidden += 1,
                (true, true) => gaps.push(row),
                (true, false) => covered.push(row),
            }
        }
        // The worst first: the most cells in a gap.
        gaps.sort_by_key(|row| {
            std::cmp::Reverse(row.cells.iter().filter(|c| c.status != "flowing").count())
        });
        statuses.sort();
        let covered_lines = regions
            .iter()
            .enumerate()
            .map(|(column, region)| {
                let flowing = gaps
                    .iter()
                    .chain(&covered)
                    .filter(|row| row.cells.get(column).is_some_and(|c| c.status == "flowing"))
                    .count();
                format!("{region}: {flowing} account(s) covered, findings flowing")
            })
            .collect();
        let counts = organization
            .member_regions
            .counts()
            .into_iter()
            .map(|(word, count)| {
                let tone = match word {
                    "covered" => Tone::Good,
                    "not_checked" => Tone::Neutral,
                    _ => Tone::Bad,
                };
                (word.replace('_', " "), count, tone.name())
            })
            .collect();
        Self {
            headline: headline(organization),
            counts,
            regions,
            all_regions,
            statuses,
            gaps,
            covered_lines,
            covered,
            filter,
            hidden,
            truncated: organization.truncated.then(|| {
                format!(
                    "The organization has {} accounts: the map lists the first 1,000 by id.",
                    organization.accounts_total
                )
            }),
        }
    }
}

fn headline(organization: &Organization) -> String {
    let of = organization
        .organization_id
        .as_deref()
        .map(|id| format!(", organization {id}"))
        .unwrap_or_default();
    format!(
        "Security Hub role: {}{of}; {} account(s) in {} region(s).",
        wire_word(&organization.role).replace('_', " "),
        organization.accounts_total,
        organization
            .accounts
            .first()
            .map_or(0, |account| account.regions.len())
    )
}

/// One account in one region, in words.
fn cell(region: &str, state: &AccountRegion, now: DateTime<Utc>) -> CoverageCell {
    CoverageCell {
        region: region.to_owned(),
        text: format!(
            "{} · {}",
            wire_word(&state.membership).replace('_', " "),
            wire_word(&state.data).replace('_', " ")
        ),
        status: state.status(),
        age: state
            .confirmed_at
            .map(|at| age(now - at))
            .unwrap_or_default(),
        tone: state.tone().name(),
    }
}

/// `12 min ago`, `3 h ago`, `2 d ago`.
fn age(span: chrono::TimeDelta) -> String {
    let minutes = span.num_minutes().max(0);
    match minutes {
        0..60 => format!("{minutes} min ago"),
        60..2880 => format!("{} h ago", minutes / 60),
        _ => format!("{} d ago", minutes / 1440),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::{
        ConfigRecording, DataFlow, MemberRegions, Membership, OrganizationAccount, OrganizationRole,
    };

    fn account(id: &str, cells: &[(&str, Membership, DataFlow)]) -> OrganizationAccount {
        OrganizationAccount {
            account_id: id.into(),
            name: Some(format!("<b>{id}</b>")),
            regions: cells
                .iter()
                .map(|(region, membership, data)| {
                    (
                        region.to_string(),
                        AccountRegion {
                            membership: *membership,
                            data: *data,
                            confirmed_at: None,
                            config: ConfigRecording::Unknown,
                            config_seen_at: None,
                            reason: None,
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
        }
    }

    fn organization() -> Organization {
        use DataFlow::{Flowing, None as NoData};
        use Membership::{Enabled, NotMember, Resigned};
        Organization {
            role: OrganizationRole::DelegatedAdministrator,
            organization_id: Some("o-a1b2c3d4e5".into()),
            administrator_account_id: None,
            delegated_administrator_account_id: None,
            auto_enable: Some(true),
            configuration_type: None,
            aggregation_region: None,
            linked_regions: Vec::new(),
            accounts_total: 3,
            truncated: false,
            member_regions: MemberRegions::default(),
            accounts: vec![
                account(
                    "1",
                    &[
                        ("eu-west-1", Enabled, Flowing),
                        ("us-east-1", Enabled, Flowing),
                    ],
                ),
                account(
                    "2",
                    &[
                        ("eu-west-1", NotMember, NoData),
                        ("us-east-1", Enabled, Flowing),
                    ],
                ),
                account(
                    "3",
                    &[
                        ("eu-west-1", Enabled, Flowing),
                        ("us-east-1", Resigned, NoData),
                    ],
                ),
            ],
        }
    }

    #[test]
    fn gaps_come_first_and_covered_accounts_fold() {
        let view = CoverageView::new(&organization(), CoverageFilter::default(), Utc::now());
        let gaps: Vec<&str> = view.gaps.iter().map(|r| r.account_id.as_str()).collect();
        assert_eq!(gaps, ["2", "3"]);
        assert_eq!(view.covered.len(), 1);
        assert_eq!(view.covered_lines.len(), 2);
        assert_eq!(view.gaps[0].cells[0].text, "not member · none");
    }

    #[test]
    fn filters_keep_the_gaps_a_status_or_a_region() {
        let only = |filter| CoverageView::new(&organization(), filter, Utc::now());
        let gaps_only = only(CoverageFilter {
            gaps_only: true,
            ..Default::default()
        });
        assert!(gaps_only.covered.is_empty());
        assert_eq!(gaps_only.hidden, 1);
        let resigned = only(CoverageFilter {
            status: Some("resigned".into()),
            ..Default::default()
        });
        assert_eq!(resigned.gaps.len(), 1);
        assert_eq!(resigned.gaps[0].account_id, "3");
        let eu = only(CoverageFilter {
            region: Some("eu-west-1".into()),
            ..Default::default()
        });
        assert_eq!(eu.regions, ["eu-west-1"]);
        // Account 3 is covered in eu-west-1: no gap there.
        assert_eq!(eu.gaps.len(), 1);
    }
}
