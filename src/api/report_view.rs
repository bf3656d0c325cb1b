//! A diagnosis arranged for the report page: words, tones and orders a person reads, so the
//! template only lays them out.

use super::coverage_view::{CoverageFilter, CoverageView};
use crate::domain::{
    Changes, CheckStatus, Decision, Diagnosis, Finding, FindingKey, HealthStatus, HistoryItem,
    ObservedDenial, PermissionVerdict, RegionStatus, Severity, Tone, wire_word,
};

/// A status word and its tone; the tone colours the word, never replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    /// The contract's word, e.g. `not_enabled`, shown as `not enabled`.
    pub word: String,
    /// `good`, `warn`, `bad` or `neutral`.
    pub tone: &'static str,
}

impl Badge {
    /// The badge of `value`'s contract word.
    fn of(value: &impl serde::Serialize) -> Self {
        Self::of_word(&wire_word(value))
    }

    /// The badge of a contract word.
    fn of_word(word: &str) -> Self {
        Self {
            tone: Tone::of(word).name(),
            word: word.replace('_', " "),
        }
    }
}

/// A contract word as a person reads it: `implicit_deny` is `implicit deny`.
fn words(value: &impl serde::Serialize) -> String {
    wire_word(value).replace('_', " ")
}

/// One row of the region grid.
pub struct GridRow {
    /// The region.
    pub region: String,
    /// Each regional check's state, in the order of [`ReportView::grid_columns`].
    pub cells: Vec<Badge>,
}

/// One finding, for a person.
pub struct FindingView {
    /// Its code.
    pub code: String,
    /// Its severity.
    pub severity: Badge,
    /// The catalogue title.
    pub title: String,
    /// The region, or the whole account.
    pub region: String,
    /// What was seen.
    pub detail: String,
    /// The fix, in steps.
    pub resolution: Vec<String>,
    /// Documentation links.
    pub docs: Vec<String>,
    /// The AWS error behind it, in one line.
    pub aws_error: Option<String>,
}

/// One required action.
pub struct PermissionView {
    /// The action.
    pub action: String,
    /// The decision.
    pub decision: Badge,
    /// How it was reached.
    pub method: String,
    /// Each source that spoke, in one line each.
    pub evidence: Vec<String>,
}

/// One line of observed denials.
pub struct DenialView {
    /// The action.
    pub action: String,
    /// The recorded error code.
    pub error_code: String,
    /// How many.
    pub count: u64,
    /// First and last time.
    pub span: String,
    /// Regions.
    pub regions: String,
    /// An example resource.
    pub resource: String,
    /// The layer the message names.
    pub denied_by: String,
}

/// One earlier diagnosis of the connector.
pub struct HistoryView {
    /// When.
    pub checked_at: String,
    /// Its status.
    pub status: Badge,
    /// Its finding codes.
    pub codes: String,
    /// Whether it is the diagnosis shown.
    pub current: bool,
}

/// What changed since the previous diagnosis.
pub struct ChangesView {
    /// The previous diagnosis's id.
    pub previous_id: String,
    /// Status then and now.
    pub from: Badge,
    /// Now.
    pub to: Badge,
    /// `CODE (region)` added.
    pub added: Vec<String>,
    /// `CODE (region)` resolved.
    pub resolved: Vec<String>,
    /// `action: from → to`.
    pub permissions: Vec<String>,
}

/// The whole page's content.
pub struct ReportView {
    /// The connector id, else the diagnosis id.
    pub title: String,
    /// The diagnosis id.
    pub id: String,
    /// The overall status.
    pub status: Badge,
    /// The verdict and why, in one sentence.
    pub sentence: String,
    /// When it ran, and how long it took.
    pub checked: String,
    /// Who the credentials are.
    pub identity: String,
    /// The regions checked and where they came from.
    pub regions: String,
    /// Each requested connection's status.
    pub connections: Vec<(String, Badge)>,
    /// The regional checks, as the grid's columns.
    pub grid_columns: Vec<&'static str>,
    /// Regions × regional checks.
    pub grid: Vec<GridRow>,
    /// Findings, errors first.
    pub findings: Vec<FindingView>,
    /// Required actions, denied first.
    pub permissions: Vec<PermissionView>,
    /// The remediation policy, pretty-printed.
    pub policy: Option<String>,
    /// CloudTrail's record of the connector's failed calls; `None` when not read.
    pub denials: Option<Vec<DenialView>>,
    /// The time the record covers.
    pub observed_window: String,
    /// The connector's recent diagnoses, oldest first.
    pub history: Vec<HistoryView>,
    /// What changed since the previous diagnosis.
    pub changes: Option<ChangesView>,
    /// An administrator's organization coverage.
    pub coverage: Option<CoverageView>,
}

const TIME: &str = "%Y-%m-%d %H:%M UTC";

impl ReportView {
    /// The page's content for `diagnosis` and its connector's `history` (newest first), the
    /// organization's grid filtered by `filter`.
    pub fn new(diagnosis: &Diagnosis, history: &[HistoryItem], filter: CoverageFilter) -> Self {
        let mut findings: Vec<&Finding> = diagnosis.findings.iter().collect();
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let mut permissions: Vec<_> = diagnosis.permissions.iter().collect();
        permissions.sort_by_key(|p| match p.decision {
            Decision::ExplicitDeny => 0,
            Decision::ImplicitDeny => 1,
            Decision::Unknown => 2,
            Decision::Allowed => 3,
        });
        Self {
            title: diagnosis
                .connector_id
                .clone()
                .unwrap_or_else(|| diagnosis.id.clone()),
            id: diagnosis.id.clone(),
            status: Badge::of(&diagnosis.status),
            sentence: sentence(diagnosis, &findings),
            checked: format!(
                "{} in {} ms",
                diagnosis.checked_at.format(TIME),
                diagnosis.duration_ms
            ),
            identity: diagnosis.identity.as_ref().map_or_else(
                || "Unknown: the credentials could not be verified.".to_owned(),
                |i| format!("{} (account {}, partition {})", i.arn, i.account_id, wire_word(&i.partition)),
            ),
            regions: format!(
                "{} ({})",
                diagnosis.regions_checked.join(", "),
                diagnosis
                    .regions_source
                    .map_or_else(|| "none checked".to_owned(), |s| wire_word(&s))
            ),
            connections: diagnosis
                .connections
                .iter()
                .map(|(c, r)| (c.as_str().replace('_', " "), Badge::of(&r.status)))
                .collect(),
            grid_columns: RegionStatus::column_titles(),
            grid: grid(diagnosis),
            findings: findings.into_iter().map(finding_view).collect(),
            permissions: permissions.into_iter().map(permission_view).collect(),
            policy: diagnosis
                .remediation_policy
                .as_ref()
                .and_then(|policy| serde_json::to_string_pretty(policy).ok()),
            denials: diagnosis
                .observed_denials
                .as_ref()
                .map(|denials| denials.iter().map(denial_view).collect()),
            observed_window: diagnosis.observed_window.as_ref().map_or_else(
                || "CloudTrail's record of the connector's calls was not read (a finding says why).".to_owned(),
                |w| format!("Read from {} to {}.", w.from.format(TIME), w.to.format(TIME)),
            ),
            history: history_view(diagnosis, history),
            changes: diagnosis.changes.as_ref().map(changes_view),
            coverage: diagnosis
                .organization
                .as_ref()
                .filter(|organization| organization.role.administers())
                .map(|organization| CoverageView::new(organization, filter, chrono::Utc::now())),
        }
    }
}

/// Regions × regional checks.
fn grid(diagnosis: &Diagnosis) -> Vec<GridRow> {
    diagnosis
        .regions
        .iter()
        .map(|(region, state)| GridRow {
            region: region.clone(),
            cells: state
                .cells()
                .iter()
                .map(|(_, word)| Badge::of_word(word))
                .collect(),
        })
        .collect()
}

/// One verdict with its evidence, for a person.
fn permission_view(verdict: &PermissionVerdict) -> PermissionView {
    PermissionView {
        action: verdict.action.clone(),
        decision: Badge::of(&verdict.decision),
        method: words(&verdict.method),
        evidence: verdict
            .evidence
            .iter()
            .map(|e| {
                let region = e
                    .region
                    .as_deref()
                    .map(|r| format!(" in {r}"))
                    .unwrap_or_default();
                format!(
                    "{}{region}: {} ({})",
                    words(&e.method),
                    e.detail,
                    words(&e.decision)
                )
            })
            .collect(),
    }
}

/// One entry of CloudTrail's record of the connector's failed calls.
fn denial_view(denial: &ObservedDenial) -> DenialView {
    DenialView {
        action: denial.action.clone(),
        error_code: denial.error_code.clone(),
        count: denial.count,
        span: format!(
            "{} to {}",
            denial.first_seen.format(TIME),
            denial.last_seen.format(TIME)
        ),
        regions: denial.regions.join(", "),
        resource: denial.example_resource.clone().unwrap_or_default(),
        denied_by: denial
            .denied_by
            .map_or_else(|| "not named".to_owned(), |by| words(&by)),
    }
}

/// The connector's recent diagnoses, oldest first, the shown one marked.
fn history_view(diagnosis: &Diagnosis, history: &[HistoryItem]) -> Vec<HistoryView> {
    history
        .iter()
        .rev()
        .map(|item| HistoryView {
            checked_at: item.checked_at.format(TIME).to_string(),
            status: Badge::of(&item.status),
            codes: item
                .finding_codes
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            current: item.id == diagnosis.id,
        })
        .collect()
}

/// What changed since the previous diagnosis.
fn changes_view(changes: &Changes) -> ChangesView {
    let key = |k: &FindingKey| match &k.region {
        Some(region) => format!("{} ({region})", k.code),
        None => k.code.to_string(),
    };
    ChangesView {
        previous_id: changes.previous_id.clone(),
        from: Badge::of(&changes.status.from),
        to: Badge::of(&changes.status.to),
        added: changes.findings_added.iter().map(key).collect(),
        resolved: changes.findings_resolved.iter().map(key).collect(),
        permissions: changes
            .permissions_changed
            .iter()
            .map(|p| format!("{}: {} → {}", p.action, words(&p.from), words(&p.to)))
            .collect(),
    }
}

/// The verdict and why, in one sentence.
fn sentence(diagnosis: &Diagnosis, findings: &[&Finding]) -> String {
    let worst = findings.first();
    match (diagnosis.status, worst) {
        (HealthStatus::Healthy, _) => {
            "Healthy: every requested connection works as far as the checks show.".to_owned()
        }
        (status, Some(finding)) => {
            let more = findings
                .iter()
                .filter(|f| f.severity >= Severity::Warning)
                .count()
                .saturating_sub(1);
            let and_more = match more {
                0 => String::new(),
                n => format!(", and {n} more problem(s) below"),
            };
            format!(
                "{}: {} ({}){and_more}.",
                capitalised(&wire_word(&status)),
                finding.title.trim_end_matches('.'),
                finding.code
            )
        }
        (status, None) => {
            let errored = diagnosis
                .checks
                .iter()
                .any(|c| c.status == CheckStatus::Error);
            format!(
                "{}: {}.",
                capitalised(&wire_word(&status)),
                if errored {
                    "a check could not be completed"
                } else {
                    "see the checks below"
                }
            )
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn finding_view(finding: &Finding) -> FindingView {
    FindingView {
        code: finding.code.to_string(),
        severity: Badge::of(&finding.severity),
        title: finding.title.clone(),
        region: finding
            .region
            .clone()
            .unwrap_or_else(|| "the whole account (not one region)".to_owned()),
        detail: finding.detail.clone(),
        resolution: finding.resolution.clone(),
        docs: finding.docs.clone(),
        aws_error: finding.aws_error.as_ref().map(|e| {
            let mut text = format!("{}:{}", e.service, e.operation);
            if let Some(code) = &e.code {
                text.push_str(&format!(" {code}"));
            }
            if let Some(status) = e.http_status {
                text.push_str(&format!(" (HTTP {status})"));
            }
            if let Some(message) = &e.message {
                text.push_str(&format!(": {message}"));
            }
            if let Some(id) = &e.request_id {
                text.push_str(&format!(" [request id {id}]"));
            }
            text
        }),
    }
}
