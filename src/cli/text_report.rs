//! A diagnosis as text for a person on a terminal: status, connections, findings with their
//! fixes, the denied actions, the regions, an administrator's organization coverage and the
//! remediation policy. Colour only through
//! `anstream`, which drops it when the output is not a terminal or `NO_COLOR` is set.

use std::io::{self, Write};

use anstyle::{AnsiColor, Color, Style};

use crate::domain::{Decision, Diagnosis, Finding, HealthStatus, RegionStatus, Tone, wire_word};

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().fg_color(Some(Color::Ansi(AnsiColor::BrightBlack)));

/// The style of a contract word: bold, in its tone's colour.
fn tone(word: &str) -> Style {
    let colour = match Tone::of(word) {
        Tone::Good => AnsiColor::Green,
        Tone::Warn => AnsiColor::Yellow,
        Tone::Bad => AnsiColor::Red,
        Tone::Neutral => AnsiColor::BrightBlack,
    };
    Style::new().bold().fg_color(Some(Color::Ansi(colour)))
}

/// `word` in capitals, in its colour.
pub(super) fn badge(word: &str) -> String {
    let style = tone(word);
    format!("{style}{}{style:#}", word.replace('_', " ").to_uppercase())
}

/// Writes the report of `diagnosis` to `out`, section by section.
pub fn write(out: &mut impl Write, diagnosis: &Diagnosis) -> io::Result<()> {
    write_header(out, diagnosis)?;
    write_findings(out, diagnosis)?;
    write_denied_actions(out, diagnosis)?;
    write_regions(out, diagnosis)?;
    if let Some(organization) = diagnosis
        .organization
        .as_ref()
        .filter(|organization| organization.role.administers())
    {
        super::coverage_text::write(out, organization)?;
    }
    write_recorded_denials(out, diagnosis)?;
    write_remediation(out, diagnosis)?;
    if diagnosis.status == HealthStatus::Healthy {
        writeln!(out, "\nThe connector works: nothing to fix.")?;
    }
    Ok(())
}

/// The status, who the key is, the regions and each connection's status.
fn write_header(out: &mut impl Write, diagnosis: &Diagnosis) -> io::Result<()> {
    let status = wire_word(&diagnosis.status);
    writeln!(out, "{BOLD}connector-doctor{BOLD:#}  {}", badge(&status))?;
    match &diagnosis.identity {
        Some(identity) => writeln!(
            out,
            "Identity: {} (account {}, partition {})",
            identity.arn,
            identity.account_id,
            wire_word(&identity.partition)
        )?,
        None => writeln!(out, "Identity: the credentials could not be verified")?,
    }
    writeln!(
        out,
        "Regions:  {} ({}); checked {} in {} ms",
        diagnosis.regions_checked.join(", "),
        diagnosis
            .regions_source
            .map_or_else(|| "none".to_owned(), |source| wire_word(&source)),
        diagnosis.checked_at.format("%Y-%m-%d %H:%M UTC"),
        diagnosis.duration_ms
    )?;
    for (connection, report) in &diagnosis.connections {
        writeln!(
            out,
            "  {:<24} {}",
            connection.as_str(),
            badge(&wire_word(&report.status))
        )?;
    }
    Ok(())
}

/// The findings, errors first, each with its fix, its AWS error and its links.
fn write_findings(out: &mut impl Write, diagnosis: &Diagnosis) -> io::Result<()> {
    let mut findings: Vec<&Finding> = diagnosis.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    writeln!(out, "\n{BOLD}Findings ({}){BOLD:#}", findings.len())?;
    if findings.is_empty() {
        writeln!(out, "  none")?;
    }
    for finding in findings {
        write_finding(out, finding)?;
    }
    Ok(())
}

/// One finding.
fn write_finding(out: &mut impl Write, finding: &Finding) -> io::Result<()> {
    let severity = wire_word(&finding.severity);
    let region = finding
        .region
        .as_deref()
        .map(|region| format!(" [{region}]"))
        .unwrap_or_default();
    writeln!(
        out,
        "\n  {} {BOLD}{}{BOLD:#}{region}: {}",
        badge(&severity),
        finding.code,
        finding.title
    )?;
    writeln!(out, "    {}", finding.detail)?;
    for (n, step) in finding.resolution.iter().enumerate() {
        writeln!(out, "    {}. {step}", n + 1)?;
    }
    if let Some(error) = &finding.aws_error {
        let said = [error.code.as_deref(), error.message.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(": ");
        let status = error
            .http_status
            .map(|status| format!(" (HTTP {status})"))
            .unwrap_or_default();
        writeln!(
            out,
            "    {DIM}AWS error: {}:{}{status} {said}{DIM:#}",
            error.service, error.operation
        )?;
    }
    for link in &finding.docs {
        writeln!(out, "    {DIM}{link}{DIM:#}")?;
    }
    Ok(())
}

/// The required actions that are not allowed, with how that was found.
fn write_denied_actions(out: &mut impl Write, diagnosis: &Diagnosis) -> io::Result<()> {
    let denied: Vec<_> = diagnosis
        .permissions
        .iter()
        .filter(|p| {
            matches!(
                p.decision,
                Decision::ImplicitDeny | Decision::ExplicitDeny | Decision::Unknown
            )
        })
        .collect();
    writeln!(
        out,
        "\n{BOLD}Permissions{BOLD:#}: {} required action(s), {} allowed",
        diagnosis.permissions.len(),
        diagnosis.permissions.len() - denied.len()
    )?;
    for verdict in denied {
        writeln!(
            out,
            "  {} {} ({})",
            badge(&wire_word(&verdict.decision)),
            verdict.action,
            wire_word(&verdict.method).replace('_', " ")
        )?;
    }

    Ok(())
}

/// Each regional check's state in each region.
fn write_regions(out: &mut impl Write, diagnosis: &Diagnosis) -> io::Result<()> {
    if !diagnosis.regions.is_empty() {
        let columns = RegionStatus::column_titles().join(" / ");
        writeln!(out, "\n{BOLD}Regions{BOLD:#}: {columns}")?;
        for (region, state) in &diagnosis.regions {
            let cells: Vec<String> = state.cells().iter().map(|(_, word)| badge(word)).collect();
            writeln!(out, "  {region:<16} {}", cells.join(" / "))?;
        }
    }
    Ok(())
}

/// What CloudTrail recorded of the key's own calls failing.
fn write_recorded_denials(out: &mut impl Write, diagnosis: &Diagnosis) -> io::Result<()> {
    if let Some(denials) = &diagnosis.observed_denials
        && !denials.is_empty()
    {
        writeln!(
            out,
            "\n{BOLD}CloudTrail recorded the key's calls failing{BOLD:#}"
        )?;
        for denial in denials {
            writeln!(
                out,
                "  {} {} x{} in {}, last {}",
                denial.action,
                denial.error_code,
                denial.count,
                denial.regions.join(", "),
                denial.last_seen.format("%Y-%m-%d %H:%M UTC")
            )?;
        }
    }
    Ok(())
}

/// The policy that grants the missing actions.
fn write_remediation(out: &mut impl Write, diagnosis: &Diagnosis) -> io::Result<()> {
    if let Some(policy) = &diagnosis.remediation_policy {
        writeln!(
            out,
            "\n{BOLD}Remediation policy{BOLD:#} (attach it to the connector's user):"
        )?;
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(policy).unwrap_or_default()
        )?;
    }
    Ok(())
}
