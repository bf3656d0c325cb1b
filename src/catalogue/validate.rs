//! The rules every catalogue must satisfy; the built-in one is checked by the tests.

use std::collections::BTreeSet;

use super::aws_errors::{AwsCodeGroup, AwsErrorTable, RawCodeGroup, Rule};
use super::entry::CatalogueEntry;
use super::text::Words;
use crate::domain::Code;

/// The keys a rule of the table may set.
const RULE_KEYS: &[&str] = &[
    "entry",
    "message",
    "service",
    "operation",
    "region_in_message",
];

/// Why a catalogue could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The text is not TOML of the expected shape.
    #[error("catalogue is not valid TOML: {0}")]
    Parse(#[from] toml::de::Error),
    /// The catalogue parsed but breaks content rules; one message per problem.
    #[error("catalogue has {} problem(s): {}", .0.len(), .0.join("; "))]
    Invalid(Vec<String>),
}

/// Checks a catalogue file as read: its entries (see [`check`]) and its `[[aws_error]]` tables,
/// which become the table of AWS error codes. Every entry code of the tables must be a catalogue
/// code and every rule key a known one; each unknown one is named. All problems of the file are
/// reported at once.
pub(super) fn check_file(
    entries: &[CatalogueEntry],
    raw: Vec<RawCodeGroup>,
) -> Result<AwsErrorTable, CatalogueError> {
    let mut problems = entry_problems(entries);
    let groups = raw
        .into_iter()
        .filter_map(|group| group_of(group, &mut problems))
        .collect();
    let table = AwsErrorTable::new(groups);
    problems.extend(table_problems(&table));
    into_result(problems).map(|()| table)
}

/// Checks the entries (codes unique and complete, each entry's content) and the table of AWS
/// error codes (each wire code well formed and in one group only, each rule with a condition,
/// each contextual entry one that the table does not pick already).
pub(super) fn check(
    entries: &[CatalogueEntry],
    table: &AwsErrorTable,
) -> Result<(), CatalogueError> {
    let mut problems = entry_problems(entries);
    problems.extend(table_problems(table));
    into_result(problems)
}

fn entry_problems(entries: &[CatalogueEntry]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for entry in entries {
        if !seen.insert(entry.code) {
            problems.push(format!("{}: duplicate entry", entry.code));
        }
        check_entry(entry, &mut problems);
    }
    for code in Code::ALL.iter().filter(|code| !seen.contains(*code)) {
        problems.push(format!("{code}: no entry"));
    }
    if entries.len() != Code::ALL.len() {
        problems.push(format!(
            "{} entries for {} codes",
            entries.len(),
            Code::ALL.len()
        ));
    }
    problems
}

/// How a group is named in a problem: by its first code.
fn group_name(codes: &[String]) -> String {
    match codes.first() {
        Some(code) => format!("aws_error {code}"),
        None => "aws_error (without codes)".to_owned(),
    }
}

/// The group as the table keeps it; `None` when its entry is unknown.
fn group_of(raw: RawCodeGroup, problems: &mut Vec<String>) -> Option<AwsCodeGroup> {
    let name = group_name(&raw.codes);
    let mut entry_code = |text: &str, what: &str| match text.parse::<Code>() {
        Ok(code) => Some(code),
        Err(_) => {
            problems.push(format!("{name}: {what} `{text}` is not a catalogue code"));
            None
        }
    };
    let entry = entry_code(&raw.entry, "entry");
    let contextual = raw
        .contextual
        .iter()
        .filter_map(|text| entry_code(text, "contextual entry"))
        .collect();
    let rules = raw
        .rules
        .iter()
        .enumerate()
        .filter_map(|(index, rule)| rule_of(rule, &format!("{name}: rule {}", index + 1), problems))
        .collect();
    Some(AwsCodeGroup {
        codes: raw.codes,
        entry: entry?,
        denial: raw.denial,
        clock: raw.clock,
        rules,
        contextual,
    })
}

/// One rule as written; `None` (with its problems) when a key is unknown or a value is wrong.
fn rule_of(table: &toml::Table, name: &str, problems: &mut Vec<String>) -> Option<Rule> {
    let before = problems.len();
    let mut problem = |message: String| problems.push(format!("{name}: {message}"));
    let text = |key: &str, problem: &mut dyn FnMut(String)| match table.get(key) {
        None => None,
        Some(toml::Value::String(text)) => Some(text.clone()),
        Some(_) => {
            problem(format!("`{key}` must be a string"));
            None
        }
    };
    for key in table.keys() {
        if !RULE_KEYS.contains(&key.as_str()) {
            let known = RULE_KEYS.join(", ");
            problem(format!("unknown rule key `{key}` (known: {known})"));
        }
    }
    let message = text("message", &mut problem);
    let service = text("service", &mut problem);
    let operation = text("operation", &mut problem);
    let region_in_message = match table.get("region_in_message") {
        None => None,
        Some(toml::Value::Boolean(flag)) => Some(*flag),
        Some(_) => {
            problem("`region_in_message` must be true or false".to_owned());
            None
        }
    };
    let entry = match text("entry", &mut problem) {
        None => {
            problem("no `entry`".to_owned());
            None
        }
        Some(entry) => match entry.parse::<Code>() {
            Ok(code) => Some(code),
            Err(_) => {
                problem(format!("entry `{entry}` is not a catalogue code"));
                None
            }
        },
    };
    if problems.len() > before {
        return None;
    }
    Some(Rule {
        message,
        service,
        operation,
        region_in_message,
        entry: entry?,
    })
}

fn table_problems(table: &AwsErrorTable) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for group in table.groups() {
        let name = group_name(&group.codes);
        let mut problem = |message: String| problems.push(format!("{name}: {message}"));
        if group.codes.is_empty() {
            problem("no wire code".to_owned());
        }
        for code in &group.codes {
            if !is_aws_error_code(code) {
                problem(format!(
                    "`{code}` is not an AWS error code (ASCII letters and digits, upper-case \
                     first, dotted parts allowed)"
                ));
            }
            if !seen.insert(code.to_ascii_lowercase()) {
                problem(format!(
                    "`{code}` is in the table twice: a wire code has one default entry"
                ));
            }
        }
        for (index, rule) in group.rules.iter().enumerate() {
            check_rule(index + 1, rule, &mut problem);
        }
        let picked: Vec<Code> = std::iter::once(group.entry)
            .chain(group.rules.iter().map(|rule| rule.entry))
            .collect();
        let mut listed = BTreeSet::new();
        for code in &group.contextual {
            if picked.contains(code) {
                problem(format!(
                    "contextual entry {code} is one the table picks already"
                ));
            } else if !listed.insert(*code) {
                problem(format!("contextual entry {code} is listed twice"));
            }
        }
    }
    problems
}

fn check_rule(number: usize, rule: &Rule, problem: &mut impl FnMut(String)) {
    if rule.message.is_none()
        && rule.service.is_none()
        && rule.operation.is_none()
        && rule.region_in_message.is_none()
    {
        problem(format!(
            "rule {number} sets no condition, so it always holds and hides what follows it"
        ));
    }
    for (key, value) in [
        ("message", &rule.message),
        ("service", &rule.service),
        ("operation", &rule.operation),
    ] {
        if let Some(value) = value {
            check_text(&format!("rule {number} {key}"), value, problem);
        }
    }
}

fn into_result(problems: Vec<String>) -> Result<(), CatalogueError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CatalogueError::Invalid(problems))
    }
}

/// Content rules of one entry.
fn check_entry(entry: &CatalogueEntry, problems: &mut Vec<String>) {
    let code = entry.code;
    let mut problem = |message: String| problems.push(format!("{code}: {message}"));
    check_text("title", &entry.title, &mut problem);
    check_text("description", &entry.description, &mut problem);
    if entry.resolution.is_empty() {
        problem("resolution has no step".to_owned());
    }
    for step in &entry.resolution {
        check_text("resolution step", step, &mut problem);
    }
    if entry.connections.is_empty() {
        problem("concerns no connection".to_owned());
    }
    if entry.connections.iter().collect::<BTreeSet<_>>().len() != entry.connections.len() {
        problem("duplicate connection".to_owned());
    }
    for legacy in &entry.legacy_messages {
        check_text("legacy message", legacy, &mut problem);
    }
    if entry.docs.is_empty() {
        problem("no documentation link".to_owned());
    }
    for link in entry.docs.iter().filter(|link| !is_https_url(link)) {
        problem(format!("`{link}` is not a well-formed https URL"));
    }
    for pattern in &entry.message_patterns {
        if Words::new(&pattern.phrase).is_empty() {
            problem(format!("message pattern `{}` has no word", pattern.phrase));
        }
        if !(pattern.score > 0.0 && pattern.score <= 1.0) {
            problem(format!(
                "message pattern `{}` score {} is outside (0, 1]",
                pattern.phrase, pattern.score
            ));
        }
    }
}

/// A text must be non-empty and carry no surrounding whitespace.
fn check_text(what: &str, text: &str, problem: &mut impl FnMut(String)) {
    if text.trim().is_empty() {
        problem(format!("empty {what}"));
    } else if text.trim() != text {
        problem(format!("{what} has surrounding whitespace: `{text}`"));
    }
}

/// AWS error codes are identifiers such as `InvalidClientTokenId`, dotted where CloudTrail
/// records a service's prefix (`Client.UnauthorizedOperation`).
fn is_aws_error_code(code: &str) -> bool {
    code.split('.').all(|part| {
        part.starts_with(|c: char| c.is_ascii_uppercase())
            && part.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

/// `https://host.tld/path` with a plausible host and no characters that need escaping.
pub(crate) fn is_https_url(link: &str) -> bool {
    let Some(rest) = link.strip_prefix("https://") else {
        return false;
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host_ok = host.contains('.')
        && !host.starts_with(['.', '-'])
        && !host.ends_with(['.', '-'])
        && !host.contains("..")
        && host
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    let path_ok = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~/#?=&%+:@".contains(c));
    host_ok && path_ok
}
