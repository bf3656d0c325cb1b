//! Every link of the documentation leads somewhere.
//!
//! The README is the front door and `docs/` the manual; they link into each other, and the alert
//! rules, the dashboards and the chart link into them by the public URL of the repository. A page
//! renamed or a heading reworded would break those links silently, and an SRE following a runbook
//! link from a firing alert would land on nothing. So this test follows them all:
//! - every relative link of README.md and `docs/*.md` names a file or folder of the repository,
//!   and a `#fragment` into a Markdown file names one of its headings;
//! - every public URL into the repository (`PUBLIC` followed by a path), written anywhere in the
//!   documents, the dashboards and alert rules, the chart, the sources or the OpenAPI document,
//!   does the same.
//!
//! Headings become anchors by GitHub's rule: lower case, spaces to `-`, punctuation dropped, and
//! a repeated heading gets `-1`, `-2`, ... Std only; reads files, starts nothing.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// How the repository's files are linked from outside it (runbooks, dashboards, the chart).
const PUBLIC: &str = "https://github.com/connector-doctor/connector-doctor/blob/main/";

/// The folders, besides the documents, whose files may hold public URLs into the repository.
const PUBLIC_URL_FOLDERS: [&str; 4] = ["dashboards", "helm", "src", "openapi"];

/// The longest the README may grow: it is the front door, and the reference lives in `docs/`.
const README_MAX_LINES: usize = 250;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every Markdown file of `docs/`, in a stable order.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut documents = vec![root.join("README.md")];
    let mut pages: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|entry| entry.expect("a readable entry of docs/").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    pages.sort();
    documents.extend(pages);
    documents
}

/// Every file under `folder`, recursively, in a stable order.
fn files_under(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = fs::read_dir(folder) else {
        return files;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok())
        .map(|e| e.path())
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The lines of `markdown` that are prose, numbered from 1: fenced code blocks left out, and
/// inline code spans blanked, since neither holds links (`# comment` in a shell block is no
/// heading, and `[resources]` in backticks is no link).
fn prose(markdown: &str) -> Vec<(usize, String)> {
    outside_fences(markdown)
        .map(|(number, line)| {
            let text: String = line
                .split('`')
                .enumerate()
                .map(|(i, part)| if i % 2 == 0 { part } else { "" })
                .collect();
            (number, text)
        })
        .collect()
}

/// The lines of `markdown` outside fenced code blocks, with their 1-based numbers.
fn outside_fences(markdown: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut fence: Option<&str> = None;
    markdown
        .lines()
        .enumerate()
        .filter_map(move |(index, line)| {
            let trimmed = line.trim_start();
            if let Some(open) = fence {
                if trimmed.starts_with(open) {
                    fence = None;
                }
                return None;
            }
            if let Some(open) = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f)) {
                fence = Some(open);
                return None;
            }
            Some((index + 1, line))
        })
}

/// The anchor GitHub gives a heading: lower case, spaces to `-`, everything but letters,
/// digits, `-` and `_` dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of every heading of `markdown` (in code spans too: GitHub keeps their text).
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (_, line) in outside_fences(markdown) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        let Some(text) = line.get(hashes..).and_then(|rest| rest.strip_prefix(' ')) else {
            continue;
        };
        if hashes == 0 || hashes > 6 {
            continue;
        }
        let base = anchor(text.trim_end_matches('#'));
        // A repeated heading: GitHub appends -1, -2, ... in order.
        let mut candidate = base.clone();
        let mut n = 0;
        while found.contains(&candidate) {
            n += 1;
            candidate = format!("{base}-{n}");
        }
        found.insert(candidate);
    }
    found
}

/// The targets of the inline links and images of `markdown` (`[text](target)`), with their
/// line numbers.
fn links(markdown: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in prose(markdown) {
        let mut rest = line.as_str();
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            // `(target "title")`: the target is the first word.
            let target = after[..end].split_whitespace().next().unwrap_or("");
            found.push((number, target.to_string()));
            rest = &after[end..];
        }
    }
    found
}

/// Every public URL into the repository written in `text`: the part after `PUBLIC`, with the
/// line number.
fn public_urls(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find(PUBLIC) {
            let after = &rest[start + PUBLIC.len()..];
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || "-_./#~%".contains(c)))
                .unwrap_or(after.len());
            // A sentence may end right after the link.
            let target = after[..end].trim_end_matches('.');
            found.push((index + 1, target.to_string()));
            rest = &after[end..];
        }
    }
    found
}

/// Why `target`, a link written in `from`, leads nowhere; `None` when it leads to an existing
/// file or folder inside `root` and, for a fragment into a Markdown file, to one of its headings.
/// A relative target is taken from `from`'s folder; `from_root` takes it from `root` (a public
/// URL's path).
fn broken(root: &Path, from: &Path, target: &str, from_root: bool) -> Option<String> {
    let (path, fragment) = match target.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (target, None),
    };
    let file = if path.is_empty() {
        from.to_path_buf()
    } else if from_root {
        root.join(path)
    } else {
        from.parent().unwrap_or(root).join(path)
    };
    let Ok(file) = file.canonicalize() else {
        return Some(format!("{target}: no such file or folder"));
    };
    let Ok(inside) = root.canonicalize() else {
        return Some(format!("{target}: the repository's root cannot be read"));
    };
    if !file.starts_with(&inside) {
        return Some(format!("{target}: outside the repository"));
    }
    let fragment = fragment?;
    if file.extension().is_some_and(|ext| ext == "md") {
        let text = fs::read_to_string(&file).unwrap_or_default();
        if !anchors(&text).contains(fragment) {
            return Some(format!(
                "{target}: {} has no heading whose anchor is #{fragment}",
                file.strip_prefix(&inside).unwrap_or(&file).display()
            ));
        }
        return None;
    }
    // GitHub's line anchors (`#L10`, `#L10-L20`) are the only fragments other files have.
    let is_line = fragment.split('-').all(|part| {
        part.strip_prefix('L')
            .is_some_and(|n| n.parse::<u32>().is_ok())
    });
    (!is_line).then(|| format!("{target}: a fragment into a file that is not Markdown"))
}

/// The broken relative links of the documents of `root`, as `file:line: why`.
fn broken_relative_links(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for document in documents(root) {
        let text = fs::read_to_string(&document).expect("a readable document");
        for (line, target) in links(&text) {
            let absolute = target.contains("://") || target.starts_with("mailto:");
            if absolute {
                continue;
            }
            if let Some(why) = broken(root, &document, &target, false) {
                problems.push(format!("{}:{line}: {why}", shown(root, &document)));
            }
        }
    }
    problems
}

/// The broken public URLs into the repository, in the documents and in `PUBLIC_URL_FOLDERS`.
fn broken_public_urls(root: &Path) -> Vec<String> {
    let mut files = documents(root);
    for folder in PUBLIC_URL_FOLDERS {
        files.extend(files_under(&root.join(folder)));
    }
    let mut problems = Vec::new();
    for file in files {
        // Binary files (the report page's screenshot) hold no links.
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        for (line, target) in public_urls(&text) {
            if let Some(why) = broken(root, &file, &target, true) {
                problems.push(format!("{}:{line}: {PUBLIC}{why}", shown(root, &file)));
            }
        }
    }
    problems
}

fn shown(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

#[test]
fn every_relative_link_of_the_readme_and_docs_leads_to_a_file_and_a_heading() {
    let problems = broken_relative_links(&root());
    assert!(problems.is_empty(), "broken links: {problems:#?}");
}

#[test]
fn every_public_link_into_the_repository_leads_to_a_file_and_a_heading() {
    let problems = broken_public_urls(&root());
    assert!(problems.is_empty(), "broken public links: {problems:#?}");
}

#[test]
fn the_runbook_of_every_alert_is_a_section_of_observability() {
    let root = root();
    let rules = fs::read_to_string(root.join("dashboards/alerts.yaml")).expect("the alert rules");
    let page = fs::read_to_string(root.join("docs/observability.md")).expect("the page");
    let sections = anchors(&page);
    let mut problems = Vec::new();
    for line in rules.lines() {
        let Some(alert) = line.trim_start().strip_prefix("- alert:") else {
            continue;
        };
        let alert = alert.trim();
        if !sections.contains(&anchor(alert)) {
            problems.push(format!("{alert}: no section of docs/observability.md"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_readme_stays_a_front_door() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines: the reference belongs in docs/ (at most {README_MAX_LINES})"
    );
}

#[test]
fn anchors_follow_githubs_rule() {
    let page = "# Title\n\n## The cache, stored reports and history\n\
                ## What CloudTrail recorded of the connector's own calls\n\
                ## 2. Secrets\n### `connector-doctor diagnose`\n## Notes\n## Notes\n\
                ```sh\n# a shell comment, no heading\n```\n";
    let found = anchors(page);
    for expected in [
        "title",
        "the-cache-stored-reports-and-history",
        "what-cloudtrail-recorded-of-the-connectors-own-calls",
        "2-secrets",
        "connector-doctor-diagnose",
        "notes",
        "notes-1",
    ] {
        assert!(found.contains(expected), "{expected} not in {found:?}");
    }
    assert!(!found.contains("a-shell-comment-no-heading"), "{found:?}");
}

#[test]
fn a_broken_link_a_missing_heading_and_a_link_out_of_the_repository_are_found() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path();
    fs::create_dir(root.join("docs")).expect("docs/");
    fs::write(
        root.join("README.md"),
        "# Front\n\nSee [the page](docs/page.md#a-section), [gone](docs/gone.md), \
         [no such heading](docs/page.md#nowhere), [here](#front), [out](../../etc/passwd), \
         `[in code](docs/gone.md)` and <https://example.com/>.\n\n\
         ```\n[in a block](docs/gone.md)\n```\n",
    )
    .expect("README.md");
    fs::write(
        root.join("docs/page.md"),
        format!(
            "# Page\n\n## A section\n\n[Back](../README.md#front), \
             [{PUBLIC}docs/page.md#a-section]({PUBLIC}docs/page.md#a-section) and \
             {PUBLIC}docs/page.md#missing.\n"
        ),
    )
    .expect("docs/page.md");

    let relative = broken_relative_links(root);
    assert_eq!(relative.len(), 3, "{relative:#?}");
    assert!(
        relative[0].starts_with("README.md:3: docs/gone.md: no such"),
        "{relative:#?}"
    );
    assert!(relative[1].contains("docs/page.md has no heading whose anchor is #nowhere"));
    assert!(
        relative[2].contains("outside the repository"),
        "{relative:#?}"
    );

    let public = broken_public_urls(root);
    assert_eq!(public.len(), 1, "{public:#?}");
    assert!(public[0].contains("docs/page.md#missing"), "{public:#?}");
}
