//! `connector-doctor explain "<error text>"`: the catalogue entries that explain it.

use std::io::Write;

use anstyle::{AnsiColor, Style};

use super::args::ExplainArgs;
use super::exit::Exit;
use crate::catalogue::{Catalogue, match_message};

const CODE: Style = Style::new().bold();
const DIM: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::BrightBlack)));

/// Prints the entries that explain the text, best first; `Degraded` (1) when none does.
pub fn run(args: &ExplainArgs) -> Exit {
    let text = args.text.join(" ");
    let catalogue = Catalogue::builtin();
    let matches = match_message(catalogue, &text);
    let mut out = anstream::stdout();
    if matches.is_empty() {
        let _ = writeln!(out, "No catalogue entry explains {text:?}.");
        return Exit::Degraded;
    }
    for found in matches {
        let entry = catalogue.get(found.code);
        let _ = writeln!(
            out,
            "{CODE}{}{CODE:#} {DIM}(fit {:.2}, {}){DIM:#}\n  {}\n  {}",
            entry.code,
            found.score,
            crate::domain::wire_word(&entry.severity),
            entry.title,
            entry.description
        );
        for (n, step) in entry.resolution.iter().enumerate() {
            let _ = writeln!(out, "  {}. {step}", n + 1);
        }
        for link in &entry.docs {
            let _ = writeln!(out, "  {DIM}{link}{DIM:#}");
        }
        let _ = writeln!(out);
    }
    Exit::Healthy
}
