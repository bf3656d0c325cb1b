//! Matching a raw error text (AWS code, AWS message, pasted SDK error, legacy portal message) to entries.
//!
//! Each entry collects signals, each with a fixed score, and keeps its best one plus a small bonus for
//! each further signal that agrees:
//! - the text is the entry's catalogue code: 1.0;
//! - the text is one of its legacy portal messages: 1.0, or contains one: 0.9;
//! - the text names, as a whole word, an AWS error code of the catalogue's table: the entry the
//!   table resolves the first code named to, with the whole text as its message, scores 1.0 and
//!   ranks first, as a probe meeting that error would report it; every other entry that lists a
//!   code the text names (by a rule that did not hold, or in a probe's context): 0.7;
//! - the text contains one of its `message_patterns` phrases (whole words; a phrase ending in `*`
//!   also matches a longer last word): that phrase's score.
//!
//! Texts are compared case-insensitively, word by word, with punctuation ignored.

use serde::Serialize;
use utoipa::ToSchema;

use super::aws_errors::Seen;
use super::entry::CatalogueEntry;
use super::index::Catalogue;
use super::text::Words;
use crate::domain::Code;

/// Matches scoring below this are dropped.
pub const MIN_SCORE: f64 = 0.3;
/// At most this many matches are returned.
pub const MAX_MATCHES: usize = 5;

const CODE_SCORE: f64 = 1.0;
const LEGACY_EXACT_SCORE: f64 = 1.0;
const LEGACY_CONTAINED_SCORE: f64 = 0.9;
const RESOLVED_AWS_CODE_SCORE: f64 = 1.0;
const LISTED_AWS_CODE_SCORE: f64 = 0.7;
/// Added for each agreeing signal after the best one.
const AGREEMENT_BONUS: f64 = 0.05;
/// The total bonus never exceeds this.
const MAX_BONUS: f64 = 0.1;

/// A catalogue entry that may explain a message, with how well it fits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Match {
    /// The catalogue code.
    pub code: Code,
    /// Fit between 0 and 1, rounded to two decimals; higher is better.
    #[schema(example = 0.95)]
    pub score: f64,
}

/// The entries that explain `message`, best first (ties in catalogue order), at most [`MAX_MATCHES`],
/// each scoring at least [`MIN_SCORE`]. When the message names an AWS error code, the table's
/// resolution of it comes first.
pub fn match_message(catalogue: &Catalogue, message: &str) -> Vec<Match> {
    let words = Words::new(message);
    if words.is_empty() {
        return Vec::new();
    }
    let exact_code = message.trim().parse::<Code>().ok();
    let resolved = catalogue
        .aws_errors()
        .first_named(&words)
        .map(|group| group.resolve(&Seen::Text(message)));
    let mut matches: Vec<Match> = catalogue
        .entries()
        .iter()
        .filter_map(|entry| {
            let mut signals = signals(entry, &words, resolved);
            if exact_code == Some(entry.code) {
                signals.push(CODE_SCORE);
            }
            combine(signals).map(|score| Match {
                code: entry.code,
                score,
            })
        })
        .filter(|m| m.score >= MIN_SCORE)
        .collect();
    // Stable sort: equal scores keep catalogue order. The resolution scores the most there is
    // and goes before any entry that ties with it, so the scores still only fall.
    matches.sort_by(|a, b| {
        let first = |m: &Match| Some(m.code) == resolved;
        first(b).cmp(&first(a)).then(b.score.total_cmp(&a.score))
    });
    matches.truncate(MAX_MATCHES);
    matches
}

/// The scores of every signal of `entry` found in the message, whose AWS error code the table
/// resolved to `resolved`.
fn signals(entry: &CatalogueEntry, words: &Words, resolved: Option<Code>) -> Vec<f64> {
    let mut found = Vec::new();
    for legacy in &entry.legacy_messages {
        let legacy_words = Words::new(legacy);
        if legacy_words == *words {
            found.push(LEGACY_EXACT_SCORE);
        } else if words.contains(&legacy_words) {
            found.push(LEGACY_CONTAINED_SCORE);
        }
    }
    if resolved == Some(entry.code) {
        found.push(RESOLVED_AWS_CODE_SCORE);
    } else {
        for aws_code in &entry.aws_error_codes {
            if words.contains(&Words::new(aws_code)) {
                found.push(LISTED_AWS_CODE_SCORE);
            }
        }
    }
    for pattern in &entry.message_patterns {
        let phrase = Words::new(&pattern.phrase);
        let found_here = match pattern.phrase.ends_with('*') {
            true => words.contains_prefix(&phrase),
            false => words.contains(&phrase),
        };
        if found_here {
            found.push(pattern.score);
        }
    }
    found
}

/// Best signal plus the agreement bonus, capped at 1 and rounded to two decimals; `None` without signal.
fn combine(mut signals: Vec<f64>) -> Option<f64> {
    signals.sort_by(|a, b| b.total_cmp(a));
    let best = *signals.first()?;
    let bonus = (AGREEMENT_BONUS * (signals.len() - 1) as f64).min(MAX_BONUS);
    Some(((best + bonus).min(1.0) * 100.0).round() / 100.0)
}
