//! An administrator's organization coverage on a terminal: member-regions by coverage, the
//! accounts and regions with the most gaps, and for up to [`GRID_ACCOUNTS`] accounts the same grid
//! as the report page, each cell a word (colour only through `anstream`, which honours `NO_COLOR`).

use std::collections::BTreeMap;
use std::io::{self, Write};

use anstyle::{AnsiColor, Color, Style};

use crate::domain::{Organization, Tone, wire_word};

/// Most accounts drawn as a grid; more are summarised only.
pub const GRID_ACCOUNTS: usize = 20;
/// Accounts and regions named as the worst.
const WORST: usize = 5;
/// Width of a grid column.
const CELL: usize = 16;

const BOLD: Style = Style::new().bold();

fn coloured(word: &str, tone: Tone) -> String {
    let colour = match tone {
        Tone::Good => AnsiColor::Green,
        Tone::Warn => AnsiColor::Yellow,
        Tone::Bad => AnsiColor::Red,
        Tone::Neutral => AnsiColor::BrightBlack,
    };
    let style = Style::new().fg_color(Some(Color::Ansi(colour)));
    format!("{style}{word}{style:#}")
}

/// Writes the coverage of an administrator's `organization`.
pub fn write(out: &mut impl Write, organization: &Organization) -> io::Result<()> {
    let regions: Vec<&String> = organization
        .accounts
        .first()
        .map(|account| account.regions.keys().collect())
        .unwrap_or_default();
    writeln!(
        out,
        "\n{BOLD}Organization{BOLD:#}: {} of {}, {} account(s) in {} region(s)",
        wire_word(&organization.role).replace('_', " "),
        organization
            .organization_id
            .as_deref()
            .unwrap_or("no AWS Organization"),
        organization.accounts_total,
        regions.len()
    )?;
    let counts: Vec<String> = organization
        .member_regions
        .counts()
        .iter()
        .map(|(word, count)| format!("{} {count}", word.replace('_', " ")))
        .collect();
    writeln!(out, "  member-regions: {}", counts.join(", "))?;
    let mut by_account: Vec<(&str, usize)> = Vec::new();
    let mut by_region: BTreeMap<&str, usize> = BTreeMap::new();
    for account in &organization.accounts {
        let gaps: Vec<&String> = account
            .regions
            .iter()
            .filter(|(_, cell)| cell.status() != "flowing")
            .map(|(region, _)| region)
            .collect();
        for region in &gaps {
            *by_region.entry(region.as_str()).or_default() += 1;
        }
        if !gaps.is_empty() {
            by_account.push((account.account_id.as_str(), gaps.len()));
        }
    }
    by_account.sort_by_key(|(_, gaps)| std::cmp::Reverse(*gaps));
    let mut worst_regions: Vec<(&str, usize)> = by_region.into_iter().collect();
    worst_regions.sort_by_key(|(_, gaps)| std::cmp::Reverse(*gaps));
    let named = |list: &[(&str, usize)]| -> String {
        list.iter()
            .take(WORST)
            .map(|(name, gaps)| format!("{name} ({gaps})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !by_account.is_empty() {
        writeln!(out, "  most gaps, accounts: {}", named(&by_account))?;
        writeln!(out, "  most gaps, regions:  {}", named(&worst_regions))?;
    }
    if organization.accounts.len() > GRID_ACCOUNTS {
        return writeln!(
            out,
            "  ({} accounts: too many for a grid here; the report page and --output json have them all)",
            organization.accounts.len()
        );
    }
    let header: String = regions.iter().map(|r| format!("{r:<CELL$}")).collect();
    writeln!(out, "  {:<14}{header}", "account")?;
    for account in &organization.accounts {
        let cells: String = regions
            .iter()
            .filter_map(|region| account.regions.get(*region))
            .map(|cell| {
                let word = cell.status().replace('_', " ");
                coloured(&format!("{word:<CELL$}"), cell.tone())
            })
            .collect();
        writeln!(out, "  {:<14}{cells}", account.account_id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn organization(accounts: usize) -> Organization {
        let cell = |membership: &str, data: &str| {
            serde_json::json!({"membership": membership, "data": data,
                "confirmed_at": null, "config": "unknown"})
        };
        let accounts: Vec<serde_json::Value> = (0..accounts)
            .map(|n| {
                let (membership, data) = match n {
                    1 => ("resigned", "none"),
                    _ => ("enabled", "flowing"),
                };
                serde_json::json!({"account_id": format!("{:012}", 210_000_000_000u64 + n as u64),
                    "name": null,
                    "regions": {"eu-west-1": cell(membership, data), "us-east-1": cell("enabled", "flowing")}})
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "role": "delegated_administrator", "organization_id": "o-a1b2c3d4e5",
            "administrator_account_id": null, "delegated_administrator_account_id": null,
            "auto_enable": true, "configuration_type": null, "aggregation_region": null,
            "linked_regions": [], "accounts_total": accounts.len(), "truncated": false,
            "member_regions": {"covered": 3, "no_data": 0, "not_member": 1, "not_checked": 0},
            "accounts": accounts
        }))
        .expect("an organization")
    }

    fn text(organization: &Organization) -> String {
        let mut out = Vec::new();
        write(&mut out, organization).unwrap();
        // Colour is anstream's to keep or drop; the words are what is read.
        anstream::adapter::strip_str(&String::from_utf8(out).unwrap()).to_string()
    }

    #[test]
    fn a_small_organization_is_summarised_and_drawn_as_a_grid() {
        let said = text(&organization(3));
        assert!(
            said.contains("covered 3, no data 0, not member 1"),
            "{said}"
        );
        assert!(
            said.contains("most gaps, accounts: 210000000001 (1)"),
            "{said}"
        );
        assert!(
            said.contains("most gaps, regions:  eu-west-1 (1)"),
            "{said}"
        );
        let row = said
            .lines()
            .find(|line| line.trim_start().starts_with("210000000001"))
            .expect("the account's row");
        assert!(row.contains("resigned") && row.contains("flowing"), "{row}");
    }

    #[test]
    fn a_large_organization_is_summarised_without_a_grid() {
        let said = text(&organization(GRID_ACCOUNTS + 1));
        assert!(said.contains("too many for a grid"), "{said}");
        assert!(!said.contains("210000000020 "), "{said}");
    }
}
