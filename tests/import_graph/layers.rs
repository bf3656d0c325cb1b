//! Imports run down the layers: the layer table of `docs/architecture.md`, read and enforced.
//!
//! No loop is not enough: `metrics` importing `catalogue` makes no loop, yet it quietly turns a
//! module the others count into one that depends on them, and the next import back finds the
//! loop already half made. So each top-level module of `src/` has a layer, and imports run down.
//!
//! The layers are written once, as a table in the document people read; this test parses that
//! table rather than keeping a copy, so the two cannot disagree. Each row is one layer: its
//! number first (higher is nearer the user), the modules in it (in backticks), the imports
//! within the layer it allows and the imports into lower layers it forbids. A rule is written
//! `` `from -> to`: why ``; several rules may share a reason (`` `a -> b`, `a -> c`: why ``) and
//! clauses are separated by `;`. A cell without a rule (`none`, or prose) allows or forbids
//! nothing. On the module graph of `src/` (built by the loop test's scanner):
//! - a module may import any module of a lower layer, unless its row forbids that import;
//! - within its own layer, only what its row allows;
//! - nothing of a higher layer.
//!
//! The table must match the tree: every top-level module of `src/` in exactly one row, no row
//! naming a module that does not exist, and no allowed same-layer import that the code no
//! longer makes (an exception nobody uses is a door left open for the next one).

use std::collections::BTreeSet;
use std::path::Path;

use super::{Graph, assert_parsed, file_graph, module_graph, read_crate_sources};

/// The document that holds the table, relative to the crate root.
const DOCUMENT: &str = "docs/architecture.md";

/// An import from one top-level module to another, as the table writes it: `from -> to`.
type Rule = (String, String);

/// One row of the layer table.
#[derive(Debug)]
struct Layer {
    /// Higher is nearer the user; imports run from higher to lower.
    rank: u32,
    /// The first cell as written, e.g. `5 engine and storage`, for messages.
    label: String,
    modules: BTreeSet<String>,
    /// Imports within this layer that are allowed.
    allowed: BTreeSet<Rule>,
    /// Imports from this layer into lower ones that are not.
    forbidden: BTreeSet<Rule>,
}

/// The rows of the layer table, as written.
#[derive(Debug)]
struct Layers {
    rows: Vec<Layer>,
}

impl Layers {
    /// The first row naming `module` (a module in two rows is a problem of the table).
    fn layer_of(&self, module: &str) -> Option<&Layer> {
        self.rows
            .iter()
            .find(|layer| layer.modules.contains(module))
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the table.
// ---------------------------------------------------------------------------------------------

/// The trimmed cells of a table line `| a | b |`.
fn cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let inner = line.strip_prefix('|').unwrap_or(line);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    inner
        .split('|')
        .map(|cell| cell.trim().to_string())
        .collect()
}

/// The texts between pairs of backticks.
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// A clause split at its first colon outside backticks: the rules, then the reason.
fn split_at_colon(clause: &str) -> (&str, &str) {
    let mut in_code = false;
    for (i, c) in clause.char_indices() {
        match c {
            '`' => in_code = !in_code,
            ':' if !in_code => return (&clause[..i], &clause[i + 1..]),
            _ => {}
        }
    }
    (clause, "")
}

/// The rules of one cell, each with its reason, or why the cell cannot be read.
fn rules(cell: &str, label: &str) -> Result<BTreeSet<Rule>, String> {
    let mut rules = BTreeSet::new();
    for clause in cell.split(';') {
        let (head, reason) = split_at_colon(clause);
        let spans = code_spans(head);
        for span in &spans {
            let Some((from, to)) = span.split_once("->") else {
                return Err(format!(
                    "layer `{label}`: `{span}` is no rule; write a rule as `from -> to`: why"
                ));
            };
            rules.insert((from.trim().to_string(), to.trim().to_string()));
        }
        if !spans.is_empty() && reason.trim().is_empty() {
            return Err(format!(
                "layer `{label}`: `{}` needs its reason, after a colon",
                spans.join("`, `")
            ));
        }
    }
    Ok(rules)
}

/// The layer table of `markdown`: the table whose first column is `layer`.
fn parse_layers(markdown: &str) -> Result<Layers, String> {
    let lines: Vec<&str> = markdown.lines().collect();
    let is_row = |line: &str| line.trim_start().starts_with('|');
    let header_at = lines
        .iter()
        .position(|line| {
            is_row(line)
                && cells(line)
                    .first()
                    .is_some_and(|c| c.eq_ignore_ascii_case("layer"))
        })
        .ok_or("no table whose first column is `layer`")?;
    let header = cells(lines[header_at]);
    let column = |word: &str| {
        header
            .iter()
            .position(|title| title.to_lowercase().contains(word))
            .ok_or_else(|| format!("the layer table has no column that says `{word}`"))
    };
    let modules_at = column("modules")?;
    let allowed_at = column("same-layer")?;
    let forbidden_at = column("forbidden")?;
    let mut rows = Vec::new();
    // The line after the header is the `| --- |` separator.
    for line in lines[header_at + 1..]
        .iter()
        .skip(1)
        .take_while(|line| is_row(line))
    {
        let row = cells(line);
        if row.len() != header.len() {
            return Err(format!(
                "the layer row `{line}` has {} cells, the header {}",
                row.len(),
                header.len()
            ));
        }
        let label = row[0].clone();
        let digits: String = label.chars().take_while(char::is_ascii_digit).collect();
        let rank = digits
            .parse()
            .map_err(|_| format!("the layer row `{label}` does not begin with its number"))?;
        rows.push(Layer {
            rank,
            modules: code_spans(&row[modules_at])
                .into_iter()
                .map(str::to_string)
                .collect(),
            allowed: rules(&row[allowed_at], &label)?,
            forbidden: rules(&row[forbidden_at], &label)?,
            label,
        });
    }
    if rows.is_empty() {
        return Err("the layer table has no rows".to_string());
    }
    Ok(Layers { rows })
}

// ---------------------------------------------------------------------------------------------
// Checking the table against the tree, and the imports against the table.
// ---------------------------------------------------------------------------------------------

/// What is wrong with the table for the tree whose module graph is `modules`.
fn table_problems(layers: &Layers, modules: &Graph) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ranks = BTreeSet::new();
    for layer in &layers.rows {
        if !ranks.insert(layer.rank) {
            problems.push(format!("two layers have the number {}", layer.rank));
        }
    }
    for module in &modules.nodes {
        let rows: Vec<&str> = layers
            .rows
            .iter()
            .filter(|layer| layer.modules.contains(module))
            .map(|layer| layer.label.as_str())
            .collect();
        match rows.as_slice() {
            [] => problems.push(format!(
                "`{module}` (src/{module}) is in no layer: add it to a row of the table"
            )),
            [_] => {}
            _ => problems.push(format!(
                "`{module}` is in more than one layer: {}",
                rows.join(", ")
            )),
        }
    }
    for layer in &layers.rows {
        let label = &layer.label;
        for module in &layer.modules {
            if !modules.nodes.contains(module) {
                problems.push(format!(
                    "layer `{label}` names `{module}`, which is no module of src/"
                ));
            }
        }
        for (from, to) in &layer.allowed {
            if !(layer.modules.contains(from) && layer.modules.contains(to)) {
                problems.push(format!(
                    "layer `{label}` allows `{from} -> {to}`, but only imports within the layer \
                     need allowing"
                ));
            } else if !modules.has_edge(from, to) {
                problems.push(format!(
                    "layer `{label}` allows `{from} -> {to}`, which src/ no longer does: remove it"
                ));
            }
        }
        for (from, to) in &layer.forbidden {
            let below = layers
                .layer_of(to)
                .is_some_and(|lower| lower.rank < layer.rank);
            if !layer.modules.contains(from) || !below {
                problems.push(format!(
                    "layer `{label}` forbids `{from} -> {to}`, but only an import from this \
                     layer into a lower one needs forbidding"
                ));
            }
        }
    }
    problems
}

/// Every import of the module graph that runs against the layers, with the line behind it.
/// Modules in no layer are the table's problem, reported by [`table_problems`].
fn wrong_way_imports(layers: &Layers, modules: &Graph) -> Vec<String> {
    let mut wrong = Vec::new();
    for (from, targets) in &modules.edges {
        for (to, evidence) in targets {
            let (Some(upper), Some(lower)) = (layers.layer_of(from), layers.layer_of(to)) else {
                continue;
            };
            let rule = (from.clone(), to.clone());
            let why = if upper.rank < lower.rank {
                format!(
                    "upward, from layer `{}` to layer `{}`",
                    upper.label, lower.label
                )
            } else if upper.rank == lower.rank && !upper.allowed.contains(&rule) {
                format!("within layer `{}`, which does not allow it", upper.label)
            } else if upper.forbidden.contains(&rule) {
                format!("forbidden by layer `{}`", upper.label)
            } else {
                continue;
            };
            wrong.push(format!(
                "{from} -> {to}: {why}\n      {evidence} (-> {})",
                evidence.target
            ));
        }
    }
    wrong
}

/// `problems` as one failure message, or `None` if there are none.
fn describe(problems: &[String], what: &str) -> Option<String> {
    (!problems.is_empty()).then(|| {
        format!(
            "{} {what} (the layer table is in {DOCUMENT}):\n  {}\n",
            problems.len(),
            problems.join("\n  ")
        )
    })
}

// ---------------------------------------------------------------------------------------------
// The real tree and the real document.
// ---------------------------------------------------------------------------------------------

fn real_layers() -> Layers {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DOCUMENT);
    let markdown =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_layers(&markdown).unwrap_or_else(|e| panic!("{DOCUMENT}: {e}"))
}

fn real_module_graph() -> Graph {
    let files = file_graph(&read_crate_sources());
    assert_parsed(&files);
    module_graph(&files)
}

#[test]
fn the_layer_table_places_every_module_of_src() {
    let problems = table_problems(&real_layers(), &real_module_graph());
    if let Some(report) = describe(&problems, "problem(s) of the layer table") {
        panic!("{report}");
    }
}

#[test]
fn imports_run_down_the_layers() {
    let wrong = wrong_way_imports(&real_layers(), &real_module_graph());
    if let Some(report) = describe(
        &wrong,
        "import(s) against the layers: import from a lower layer, or change the table and say why",
    ) {
        panic!("{report}");
    }
}

// ---------------------------------------------------------------------------------------------
// Sanity tests, on a small table and small in-memory trees.
// ---------------------------------------------------------------------------------------------

/// Three layers: `app` on top, forbidden to reach `store` but through `logic`; `logic` may use
/// `store` beside it; `words` at the bottom.
const TABLE: &str = "\
# Layers

Prose before the table is not read.

| layer | modules | what they are | same-layer imports allowed (why) | lower imports forbidden (why) |
| --- | --- | --- | --- | --- |
| 3 top | `app` | the way in | none | `app -> store`: through `logic` only |
| 2 middle | `logic`, `store` | rules and keeping | `logic -> store`: logic keeps what it finds | none |
| 1 bottom | `words` | the vocabulary | none: it stands alone | none |

| layer | of another table | is not read |
";

/// A tree of `words`, `store`, `logic` (its text given) and `app`, with `changed` files in place
/// of these or added to them.
fn fake_modules(logic: &str, changed: &[(&str, &str)]) -> Graph {
    let mut files = vec![
        (
            "src/lib.rs",
            "pub mod app;\npub mod logic;\npub mod store;\npub mod words;\n",
        ),
        ("src/words.rs", "pub struct Word;\n"),
        (
            "src/store.rs",
            "use crate::words::Word;\npub struct Store(Word);\n",
        ),
        ("src/logic.rs", logic),
        (
            "src/app.rs",
            "use crate::logic::Logic;\npub struct App(Logic);\n",
        ),
    ];
    for (path, text) in changed {
        files.retain(|(kept, _)| kept != path);
        files.push((path, text));
    }
    module_graph(&file_graph(&super::tree(&files)))
}

/// `logic` as the table means it: it uses `store` beside it and `words` below.
const LOGIC: &str =
    "use crate::store::Store;\nuse crate::words::Word;\npub struct Logic(Store, Word);\n";

fn table() -> Layers {
    parse_layers(TABLE).expect("the sample table parses")
}

#[test]
fn reads_the_table_of_layers() {
    let layers = table();
    let ranks: Vec<u32> = layers.rows.iter().map(|layer| layer.rank).collect();
    assert_eq!(ranks, [3, 2, 1]);
    let middle = &layers.rows[1];
    assert_eq!(middle.label, "2 middle");
    assert_eq!(
        middle.modules,
        BTreeSet::from(["logic".into(), "store".into()])
    );
    assert_eq!(
        middle.allowed,
        BTreeSet::from([("logic".into(), "store".into())])
    );
    assert_eq!(
        layers.rows[0].forbidden,
        BTreeSet::from([("app".into(), "store".into())])
    );
    assert!(layers.rows[2].allowed.is_empty());
}

#[test]
fn an_allowed_same_layer_import_passes() {
    let modules = fake_modules(LOGIC, &[]);
    assert!(modules.has_edge("logic", "store"));
    assert_eq!(table_problems(&table(), &modules), Vec::<String>::new());
    assert_eq!(wrong_way_imports(&table(), &modules), Vec::<String>::new());
}

#[test]
fn an_upward_import_fails() {
    let modules = fake_modules(
        LOGIC,
        &[("src/words.rs", "pub struct Word(crate::logic::Logic);\n")],
    );
    let wrong = wrong_way_imports(&table(), &modules);
    assert_eq!(wrong.len(), 1, "{wrong:?}");
    assert!(
        wrong[0].starts_with("words -> logic: upward, from layer `1 bottom` to layer `2 middle`"),
        "{wrong:?}"
    );
    assert!(
        wrong[0].contains("src/words.rs:1 `crate::logic::Logic` (-> src/logic.rs)"),
        "{wrong:?}"
    );
}

#[test]
fn a_same_layer_import_the_table_does_not_list_fails() {
    let modules = fake_modules(
        LOGIC,
        &[(
            "src/store.rs",
            "use crate::logic::Logic;\npub struct Store;\n",
        )],
    );
    let wrong = wrong_way_imports(&table(), &modules);
    assert_eq!(
        wrong,
        [
            "store -> logic: within layer `2 middle`, which does not allow it\n      \
          src/store.rs:1 `crate::logic::Logic` (-> src/logic.rs)"
        ]
    );
}

#[test]
fn a_forbidden_import_into_a_lower_layer_fails() {
    let modules = fake_modules(
        LOGIC,
        &[(
            "src/app.rs",
            "use crate::store::Store;\npub struct App(Store);\n",
        )],
    );
    let wrong = wrong_way_imports(&table(), &modules);
    assert_eq!(wrong.len(), 1, "{wrong:?}");
    assert!(
        wrong[0].starts_with("app -> store: forbidden by layer `3 top`"),
        "{wrong:?}"
    );
}

#[test]
fn a_module_missing_from_the_table_fails() {
    let modules = fake_modules(LOGIC, &[("src/extra/mod.rs", "pub struct Extra;\n")]);
    assert_eq!(
        table_problems(&table(), &modules),
        ["`extra` (src/extra) is in no layer: add it to a row of the table"]
    );
}

#[test]
fn a_table_naming_no_module_of_src_fails() {
    let layers = parse_layers(&TABLE.replace("`words`", "`words`, `ghost`")).expect("parses");
    assert_eq!(
        table_problems(&layers, &fake_modules(LOGIC, &[])),
        ["layer `1 bottom` names `ghost`, which is no module of src/"]
    );
}

#[test]
fn an_allowance_the_code_no_longer_uses_fails() {
    let logic = "use crate::words::Word;\npub struct Logic(Word);\n";
    assert_eq!(
        table_problems(&table(), &fake_modules(logic, &[])),
        ["layer `2 middle` allows `logic -> store`, which src/ no longer does: remove it"]
    );
}

#[test]
fn rules_that_cannot_hold_are_problems_of_the_table() {
    let layers = parse_layers(
        &TABLE
            .replace(
                "| none | `app -> store`",
                "| `app -> words`: across | `app -> store`",
            )
            .replace("| none |\n| 1", "| `logic -> app`: upward |\n| 1")
            .replace("`logic`, `store`", "`logic`, `store`, `words`"),
    )
    .expect("parses");
    assert_eq!(
        table_problems(&layers, &fake_modules(LOGIC, &[])),
        [
            "`words` is in more than one layer: 2 middle, 1 bottom",
            "layer `3 top` allows `app -> words`, but only imports within the layer need allowing",
            "layer `2 middle` forbids `logic -> app`, but only an import from this layer into a \
             lower one needs forbidding",
        ]
    );
}

#[test]
fn a_rule_needs_its_reason() {
    let error = parse_layers(&TABLE.replace(": logic keeps what it finds", ""))
        .expect_err("a rule without a reason");
    assert_eq!(
        error,
        "layer `2 middle`: `logic -> store` needs its reason, after a colon"
    );
    let error = parse_layers(&TABLE.replace("`app -> store`", "`store`"))
        .expect_err("a module where a rule belongs");
    assert!(error.contains("`store` is no rule"), "{error}");
}
