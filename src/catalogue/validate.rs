//! The rules every catalogue must satisfy; the built-in one is checked by the tests.

use std::collections::BTreeSet;

use super::entry::CatalogueEntry;
use super::text::Words;
use crate::domain::Code;

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

/// Checks codes (unique, complete) and every entry's content.
pub(super) fn check_entries(entries: &[CatalogueEntry]) -> Result<(), CatalogueError> {
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
    into_result(problems)
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
    for aws_code in &entry.aws_error_codes {
        if !is_aws_error_code(aws_code) {
            problem(format!(
                "`{aws_code}` is not an AWS error code (ASCII letters and digits, upper-case first)"
            ));
        }
    }
    if entry.aws_error_codes.iter().collect::<BTreeSet<_>>().len() != entry.aws_error_codes.len() {
        problem("duplicate AWS error code".to_owned());
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

/// AWS error codes are identifiers such as `InvalidClientTokenId`.
fn is_aws_error_code(code: &str) -> bool {
    code.starts_with(|c: char| c.is_ascii_uppercase())
        && code.chars().all(|c| c.is_ascii_alphanumeric())
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
