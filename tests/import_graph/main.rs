//! No import loops, neither between files nor between top-level modules; and (`layers.rs`)
//! imports that run down the layers of `docs/architecture.md`.
//!
//! The crate is layered and its imports are meant to run one way only, down the layer table of
//! `docs/architecture.md`. The compiler accepts a loop between two files of one crate (`a.rs`
//! uses `b.rs`, which uses `a.rs`), but such a loop means neither file can be read, tested or
//! moved without the other, and it is how layering quietly erodes: one import "back up" the
//! stack at a time. This test makes every such loop visible.
//!
//! How: every `.rs` file under `src/` is read; comments, string and char literals and
//! `#[cfg(test)]` items are blanked out; every path that names something of this crate is
//! collected — `use crate::…`, `use super::…`, `use self::…`, `use child::…` (grouped,
//! multi-line, `pub`, `pub(crate)`) and qualified paths in code such as
//! `crate::cache::TtlPolicy::default()` — and resolved to the file that *defines* the item,
//! following re-exports (`pub use child::{Name}`, `pub use child::Name as Alias`,
//! `pub use child::*`) out of `mod.rs` and `lib.rs`, so a re-export hides no import (`service`
//! re-exporting a type of `cache` still leaves its users importing `cache`). Those are the
//! edges of the file graph (`mod x;` declarations are not edges, nor is a file's use of itself).
//! Merging files by their first segment under `src/` gives the module graph (`lib.rs` and
//! `main.rs` left out). A strongly connected component of more than one node is a loop; the
//! failure lists every component, cycles through it that cover all of its edges, and the line
//! behind every step.
//!
//! The graph builder works on an in-memory list of `(path, text)`, so the sanity tests at the
//! bottom feed it small fake trees; the real tests feed it the files on disk.
//!
//! Known limitations of this deliberately small scanner (std only, not a Rust parser):
//! - modules are found by file layout (`src/a/b.rs`, `src/a/b/mod.rs`); `#[path]` is ignored;
//! - only the exact attribute `#[cfg(test)]` is skipped, not `#[cfg(any(test, …))]`;
//! - a path built by a macro or written in a string (`#[serde(with = "crate::x")]`) is not seen;
//! - a bare name brought in by a glob `use a::*` (not a re-export) is not traced; the edge goes
//!   to `a`'s file only;
//! - `crate::` in `src/main.rs` is read as a path of the library;
//! - importing a module by name (`use super::permissions;`) is an edge to its `mod.rs` even if
//!   only items of its children are then used (`permissions::x` paths are traced as well);
//! - any module-level `use` in a `mod.rs` counts as a re-export (children see private imports).

mod layers;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Lexing: keep code, blank out everything else, keep every character on its line.
// ---------------------------------------------------------------------------------------------

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// Replaces `code[from..to]` by spaces, keeping newlines so that line numbers stay right.
fn blank(code: &mut [char], from: usize, to: usize) {
    let to = to.min(code.len());
    for c in &mut code[from..to] {
        if *c != '\n' {
            *c = ' ';
        }
    }
}

/// `text` with comments, string literals and char literals blanked out, so that `crate::x` in a
/// doc comment or an error message is not read as a path.
fn strip_comments_and_strings(text: &str) -> Vec<char> {
    let src: Vec<char> = text.chars().collect();
    let mut code = src.clone();
    let mut i = 0;
    while i < src.len() {
        let end = if src[i] == '/' && src.get(i + 1) == Some(&'/') {
            Some(line_comment_end(&src, i))
        } else if src[i] == '/' && src.get(i + 1) == Some(&'*') {
            Some(block_comment_end(&src, i))
        } else if src[i] == '"' {
            Some(string_end(&src, i))
        } else if src[i] == 'r' {
            raw_string_end(&src, i)
        } else if src[i] == '\'' {
            char_literal_end(&src, i)
        } else {
            None
        };
        match end {
            Some(end) => {
                blank(&mut code, i, end);
                i = end;
            }
            None => i += 1,
        }
    }
    code
}

fn line_comment_end(src: &[char], start: usize) -> usize {
    (start..src.len())
        .find(|&j| src[j] == '\n')
        .unwrap_or(src.len())
}

/// Block comments nest in Rust.
fn block_comment_end(src: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut j = start;
    while j + 1 < src.len() {
        if src[j] == '/' && src[j + 1] == '*' {
            depth += 1;
            j += 2;
        } else if src[j] == '*' && src[j + 1] == '/' {
            depth -= 1;
            j += 2;
            if depth == 0 {
                return j;
            }
        } else {
            j += 1;
        }
    }
    src.len()
}

/// End of `"…"` (also `b"…"`: the `b` stays, harmlessly), honouring backslash escapes.
fn string_end(src: &[char], start: usize) -> usize {
    let mut j = start + 1;
    while j < src.len() {
        match src[j] {
            '\\' => j += 2,
            '"' => return j + 1,
            _ => j += 1,
        }
    }
    src.len()
}

/// End of `r"…"`, `r#"…"#`, `br##"…"##`, or `None` when the `r` at `start` begins no raw string
/// (an identifier such as `for`, or a raw identifier `r#type`).
fn raw_string_end(src: &[char], start: usize) -> Option<usize> {
    let starts_token = match start {
        0 => true,
        1 => !is_ident_char(src[0]) || src[0] == 'b',
        _ => {
            !is_ident_char(src[start - 1])
                || (src[start - 1] == 'b' && !is_ident_char(src[start - 2]))
        }
    };
    if !starts_token {
        return None;
    }
    let mut j = start + 1;
    let mut hashes = 0;
    while src.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if src.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < src.len() {
        if src[j] == '"' && (1..=hashes).all(|k| src.get(j + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(src.len())
}

/// End of a char literal (`'x'`, `'"'`, `'\''`, `'\u{1F600}'`), or `None` for a lifetime (`'a`).
fn char_literal_end(src: &[char], start: usize) -> Option<usize> {
    if src.get(start + 1) == Some(&'\\') {
        // Skip the escaped character itself, which may be a quote.
        return (start + 3..src.len())
            .find(|&j| src[j] == '\'')
            .map(|j| j + 1);
    }
    (src.get(start + 2) == Some(&'\'')).then_some(start + 3)
}

/// Blanks every item marked `#[cfg(test)]` — typically `mod tests { use super::*; … }` — up to its
/// `;` or its matching `}`: test code may import anything and does not make a production loop.
fn blank_cfg_test_items(code: &mut [char]) {
    let attribute: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while i + attribute.len() <= code.len() {
        if code[i..i + attribute.len()] == attribute[..] {
            let end = item_end(code, i + attribute.len());
            blank(code, i, end);
            i = end;
        } else {
            i += 1;
        }
    }
}

/// Where the item starting at `from` ends: after its first `;` or the `}` matching its first `{`,
/// whichever comes first outside brackets and parentheses (so `[u8; 4]` does not end it).
fn item_end(code: &[char], from: usize) -> usize {
    let mut nesting = 0i32;
    for j in from..code.len() {
        match code[j] {
            '[' | '(' => nesting += 1,
            ']' | ')' => nesting -= 1,
            ';' if nesting == 0 => return j + 1,
            '{' if nesting == 0 => return matching_brace(code, j) + 1,
            _ => {}
        }
    }
    code.len()
}

fn matching_brace(code: &[char], open: usize) -> usize {
    let mut depth = 0;
    for (j, &c) in code.iter().enumerate().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    code.len() - 1
}

/// The brace depth before each character.
fn brace_depths(code: &[char]) -> Vec<i32> {
    let mut depth = 0;
    code.iter()
        .map(|&c| {
            let before = depth;
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            before
        })
        .collect()
}

/// The 1-based line of each character.
fn line_numbers(code: &[char]) -> Vec<usize> {
    let mut line = 1;
    code.iter()
        .map(|&c| {
            let this = line;
            if c == '\n' {
                line += 1;
            }
            this
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tokens, `use` trees and qualified paths.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Star,
    Other(char),
}

/// Tokens with the index of their first character.
fn tokenize(code: &[char]) -> Vec<(usize, Token)> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let c = code[i];
        let start = i;
        let token = if c.is_whitespace() {
            i += 1;
            continue;
        } else if is_ident_start(c) {
            while i < code.len() && is_ident_char(code[i]) {
                i += 1;
            }
            Token::Ident(code[start..i].iter().collect())
        } else if c == ':' && code.get(i + 1) == Some(&':') {
            i += 2;
            Token::PathSep
        } else {
            i += 1;
            match c {
                '{' => Token::Open,
                '}' => Token::Close,
                ',' => Token::Comma,
                '*' => Token::Star,
                other => Token::Other(other),
            }
        };
        tokens.push((start, token));
    }
    tokens
}

/// One leaf of a `use` tree: `use a::{b::C as D, e::*}` has two, `[a, b, C] as D` and `[a, e] *`.
#[derive(Debug, Clone, PartialEq)]
struct UseItem {
    segments: Vec<String>,
    glob: bool,
    alias: Option<String>,
}

impl UseItem {
    /// The name this import binds in its module, if any.
    fn binding(&self) -> Option<&str> {
        if self.glob {
            return None;
        }
        let name = self
            .alias
            .as_deref()
            .or(self.segments.last().map(String::as_str))?;
        (name != "_").then_some(name)
    }
}

/// Marks a path with a leading `::`, which always names another crate.
const EXTERN_ROOT: &str = "::";

/// The leaves of the `use` tree in `tokens` (the text between `use` and `;`).
fn parse_use_tree(tokens: &[Token]) -> Vec<UseItem> {
    let mut items = Vec::new();
    let mut pos = 0;
    parse_subtree(tokens, &mut pos, &[], &mut items);
    items
}

fn parse_subtree(tokens: &[Token], pos: &mut usize, prefix: &[String], items: &mut Vec<UseItem>) {
    let mut segments = prefix.to_vec();
    if tokens.get(*pos) == Some(&Token::PathSep) {
        *pos += 1;
        if prefix.is_empty() {
            segments.push(EXTERN_ROOT.to_string());
        }
    }
    let mut named_something = false;
    loop {
        match tokens.get(*pos) {
            Some(Token::Ident(name)) => {
                segments.push(name.clone());
                named_something = true;
                *pos += 1;
                if tokens.get(*pos) != Some(&Token::PathSep) {
                    break;
                }
                *pos += 1;
            }
            Some(Token::Open) => {
                *pos += 1;
                parse_group(tokens, pos, &segments, items);
                return;
            }
            Some(Token::Star) => {
                *pos += 1;
                items.push(UseItem {
                    segments,
                    glob: true,
                    alias: None,
                });
                return;
            }
            _ => break,
        }
    }
    if !named_something {
        return;
    }
    // `use a::{self, B}` imports the module `a` itself.
    if segments.len() > 1 && segments.last().map(String::as_str) == Some("self") {
        segments.pop();
    }
    let mut alias = None;
    if tokens.get(*pos) == Some(&Token::Ident("as".to_string())) {
        if let Some(Token::Ident(name)) = tokens.get(*pos + 1) {
            alias = Some(name.clone());
        }
        *pos += 2;
    }
    items.push(UseItem {
        segments,
        glob: false,
        alias,
    });
}

/// `{ tree, tree, … }`, the `{` already consumed.
fn parse_group(tokens: &[Token], pos: &mut usize, prefix: &[String], items: &mut Vec<UseItem>) {
    while let Some(token) = tokens.get(*pos) {
        match token {
            Token::Close => {
                *pos += 1;
                return;
            }
            Token::Comma => *pos += 1,
            _ => {
                let before = *pos;
                parse_subtree(tokens, pos, prefix, items);
                if *pos == before {
                    *pos += 1; // Something unexpected: skip it rather than loop.
                }
            }
        }
    }
}

/// Character ranges of every `use …;` declaration (`pub use`, `pub(crate) use` included).
fn use_declarations(code: &[char]) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut i = 0;
    while i + 3 < code.len() {
        let is_use = code[i..i + 3] == ['u', 's', 'e']
            && (i == 0
                || !(is_ident_char(code[i - 1]) || code[i - 1] == ':' || code[i - 1] == '$'))
            && code[i + 3].is_whitespace();
        if is_use {
            let end = (i..code.len())
                .find(|&j| code[j] == ';')
                .unwrap_or(code.len());
            ranges.push((i, end));
            i = end;
        } else {
            i += 1;
        }
    }
    ranges
}

/// Every qualified path `a::b::c` in `code` with the index of its first character. Paths that
/// continue another one (`x::crate`), and `$crate::` in macros, are not paths of their own.
fn qualified_paths(code: &[char]) -> Vec<(usize, Vec<String>)> {
    let tokens = tokenize(code);
    let mut paths = Vec::new();
    let mut t = 0;
    while t < tokens.len() {
        let (start, Token::Ident(head)) = &tokens[t] else {
            t += 1;
            continue;
        };
        let continues_another = t > 0
            && matches!(
                tokens[t - 1].1,
                Token::PathSep | Token::Other('$') | Token::Other('\'')
            );
        let mut segments = vec![head.clone()];
        let mut next = t + 1;
        while let (Some((_, Token::PathSep)), Some((_, Token::Ident(name)))) =
            (tokens.get(next), tokens.get(next + 1))
        {
            segments.push(name.clone());
            next += 2;
        }
        if segments.len() > 1 && !continues_another {
            paths.push((*start, segments));
        }
        t = next;
    }
    paths
}

// ---------------------------------------------------------------------------------------------
// One source file, parsed.
// ---------------------------------------------------------------------------------------------

/// A module written inline, `mod name { … }`, whose `super` is the file's own module.
struct InlineModule {
    name: String,
    open: usize,
    close: usize,
}

struct UseDecl {
    /// The module the declaration sits in (differs from the file's inside an inline module).
    module: Vec<String>,
    /// Directly in that module, so the names it binds are visible as `module::Name`.
    at_module_scope: bool,
    line: usize,
    items: Vec<UseItem>,
}

struct CodePath {
    module: Vec<String>,
    line: usize,
    segments: Vec<String>,
}

struct SourceFile {
    path: String,
    uses: Vec<UseDecl>,
    paths: Vec<CodePath>,
    /// Items defined at the top level of the file: `struct`, `fn`, `mod`, `macro_rules!`, …
    defined: BTreeSet<String>,
}

/// `src/a/b.rs` is `a::b`, `src/a/mod.rs` is `a`, `src/lib.rs` the crate root. `src/main.rs` is
/// another crate; its paths are resolved from the library's root since it only uses the library.
fn module_of_file(path: &str) -> Vec<String> {
    let inner = path.strip_prefix("src/").unwrap_or(path);
    let inner = inner.strip_suffix(".rs").unwrap_or(inner);
    let mut segments: Vec<String> = inner.split('/').map(str::to_string).collect();
    if matches!(
        segments.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        segments.pop();
    }
    segments
}

fn inline_modules(code: &[char]) -> Vec<InlineModule> {
    let tokens = tokenize(code);
    tokens
        .windows(3)
        .filter_map(|window| match window {
            [
                (_, Token::Ident(keyword)),
                (_, Token::Ident(name)),
                (open, Token::Open),
            ] if keyword == "mod" => Some(InlineModule {
                name: name.clone(),
                open: *open,
                close: matching_brace(code, *open),
            }),
            _ => None,
        })
        .collect()
}

/// Names defined at brace depth 0 (methods in `impl` blocks are not module items).
fn defined_items(code: &[char], depths: &[i32]) -> BTreeSet<String> {
    const KEYWORDS: &[&str] = &[
        "struct", "enum", "union", "trait", "type", "fn", "const", "static", "mod",
    ];
    let tokens = tokenize(code);
    let mut defined = BTreeSet::new();
    for (i, (start, token)) in tokens.iter().enumerate() {
        let Token::Ident(keyword) = token else {
            continue;
        };
        if depths[*start] != 0 {
            continue;
        }
        let name = if keyword == "macro_rules" {
            tokens.get(i + 2)
        } else if KEYWORDS.contains(&keyword.as_str()) {
            tokens.get(i + 1)
        } else {
            None
        };
        if let Some((_, Token::Ident(name))) = name {
            defined.insert(name.clone());
        }
    }
    defined
}

fn parse_file(path: &str, text: &str) -> SourceFile {
    let mut code = strip_comments_and_strings(text);
    blank_cfg_test_items(&mut code);
    let depths = brace_depths(&code);
    let lines = line_numbers(&code);
    let inline = inline_modules(&code);
    let file_module = module_of_file(path);
    // The module at a position, and how many inline modules enclose it.
    let module_at = |pos: usize| {
        let mut module = file_module.clone();
        let mut enclosing: Vec<&InlineModule> = inline
            .iter()
            .filter(|m| m.open < pos && pos < m.close)
            .collect();
        enclosing.sort_by_key(|m| m.open);
        module.extend(enclosing.iter().map(|m| m.name.clone()));
        (module, enclosing.len() as i32)
    };

    let mut uses = Vec::new();
    for (start, end) in use_declarations(&code) {
        let tokens: Vec<Token> = tokenize(&code[start + 3..end])
            .into_iter()
            .map(|(_, token)| token)
            .collect();
        let (module, nesting) = module_at(start);
        uses.push(UseDecl {
            module,
            at_module_scope: depths[start] == nesting,
            line: lines[start],
            items: parse_use_tree(&tokens),
        });
    }
    let defined = defined_items(&code, &depths);
    // Blank the `use` declarations so that the scan for paths in code does not see them twice.
    for (start, end) in use_declarations(&code) {
        blank(&mut code, start, end);
    }
    let paths = qualified_paths(&code)
        .into_iter()
        .map(|(start, segments)| CodePath {
            module: module_at(start).0,
            line: lines[start],
            segments,
        })
        .collect();
    SourceFile {
        path: path.to_string(),
        uses,
        paths,
        defined,
    }
}

// ---------------------------------------------------------------------------------------------
// Resolution: from a path to the file that defines what it names.
// ---------------------------------------------------------------------------------------------

/// How the library is named from outside, e.g. from `src/main.rs`.
const LIBRARY_NAME: &str = "connector_doctor";

/// Re-exports may chain; a bound keeps a re-export loop (`pub use a::*` both ways) finite.
const MAX_REEXPORT_DEPTH: usize = 16;

/// A path walked as far as modules go: the deepest module it reaches, and the first segment
/// past it (the item), if any.
struct Resolved {
    module: Vec<String>,
    item: Option<String>,
}

struct CrateIndex {
    files: BTreeMap<String, SourceFile>,
    /// Module path to its file; `src/main.rs` is no module of the library.
    module_files: BTreeMap<Vec<String>, String>,
}

impl CrateIndex {
    fn new(sources: &[(String, String)]) -> CrateIndex {
        let files: BTreeMap<String, SourceFile> = sources
            .iter()
            .map(|(path, text)| (path.clone(), parse_file(path, text)))
            .collect();
        let module_files = files
            .keys()
            .filter(|path| path.as_str() != "src/main.rs")
            .map(|path| (module_of_file(path), path.clone()))
            .collect();
        CrateIndex {
            files,
            module_files,
        }
    }

    fn is_module(&self, module: &[String]) -> bool {
        self.module_files.contains_key(module)
    }

    fn child(module: &[String], name: &str) -> Vec<String> {
        let mut child = module.to_vec();
        child.push(name.to_string());
        child
    }

    /// Walks `segments`, written in module `from`, or `None` if they name no part of this crate
    /// (`std::…`, `serde::…`, a local enum's `Kind::Variant`).
    fn resolve(&self, segments: &[String], from: &[String]) -> Option<Resolved> {
        let head = segments.first()?.as_str();
        let (mut module, rest) = match head {
            "crate" | LIBRARY_NAME => (Vec::new(), &segments[1..]),
            "self" => (from.to_vec(), &segments[1..]),
            "super" => {
                let supers = segments.iter().take_while(|s| *s == "super").count();
                if supers > from.len() {
                    return None;
                }
                (from[..from.len() - supers].to_vec(), &segments[supers..])
            }
            // A bare path starting with a child module (`use outcome::RegionOutcome;` in mod.rs).
            _ if self.is_module(&Self::child(from, head)) => (from.to_vec(), segments),
            _ => return None,
        };
        let mut item = None;
        for segment in rest {
            let child = Self::child(&module, segment);
            if self.is_module(&child) {
                module = child;
            } else {
                item = Some(segment.clone());
                break;
            }
        }
        self.is_module(&module).then_some(Resolved { module, item })
    }

    /// The file that defines what `resolved` names: the module's own file for a module, else the
    /// file the item is defined in, following re-exports.
    fn defining_file(&self, resolved: &Resolved, depth: usize) -> String {
        let module_file = self.module_files[&resolved.module].clone();
        match &resolved.item {
            None => module_file,
            Some(name) => self
                .item_file(&resolved.module, name, depth)
                .unwrap_or(module_file),
        }
    }

    /// Where `name`, seen as `module::name`, is defined, or `None` if the module has no such name
    /// in sight (a macro, a name this scanner missed: the caller falls back to the module's file).
    fn item_file(&self, module: &[String], name: &str, depth: usize) -> Option<String> {
        if depth > MAX_REEXPORT_DEPTH {
            return None;
        }
        let file_path = self.module_files.get(module)?;
        let file = &self.files[file_path];
        let module_uses = || {
            file.uses
                .iter()
                .filter(|decl| decl.at_module_scope && decl.module == module)
                .flat_map(|decl| &decl.items)
        };
        // Imported into the module (`pub use child::Name as name`; a private `use` counts too,
        // because child modules see it as `super::name`): follow the import.
        if let Some(import) = module_uses().find(|item| item.binding() == Some(name)) {
            return Some(match self.resolve(&import.segments, module) {
                Some(target) => self.defining_file(&target, depth + 1),
                None => file_path.clone(), // Another crate's item, re-exported here.
            });
        }
        if file.defined.contains(name) {
            return Some(file_path.clone());
        }
        // Re-exported by a glob (`pub use diagnosis::*;`): look in each globbed module.
        module_uses()
            .filter(|item| item.glob)
            .filter_map(|item| self.resolve(&item.segments, module))
            .filter(|target| target.item.is_none())
            .find_map(|target| self.item_file(&target.module, name, depth + 1))
    }
}

// ---------------------------------------------------------------------------------------------
// Graphs.
// ---------------------------------------------------------------------------------------------

/// Why an edge exists: where, and the path written there. Ordered so the first line wins.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Evidence {
    file: String,
    line: usize,
    path: String,
    target: String,
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} `{}`", self.file, self.line, self.path)
    }
}

#[derive(Default)]
struct Graph {
    nodes: BTreeSet<String>,
    edges: BTreeMap<String, BTreeMap<String, Evidence>>,
}

impl Graph {
    fn add_edge(&mut self, from: &str, to: &str, evidence: Evidence) {
        if from == to {
            return; // A file's (or a module's) use of itself is no loop worth reporting.
        }
        let slot = self
            .edges
            .entry(from.to_string())
            .or_default()
            .entry(to.to_string())
            .or_insert_with(|| evidence.clone());
        if evidence < *slot {
            *slot = evidence;
        }
    }

    fn successors(&self, node: &str) -> impl Iterator<Item = &String> {
        self.edges
            .get(node)
            .into_iter()
            .flat_map(|targets| targets.keys())
    }

    fn has_edge(&self, from: &str, to: &str) -> bool {
        self.edges
            .get(from)
            .is_some_and(|targets| targets.contains_key(to))
    }

    fn edge_count(&self) -> usize {
        self.edges.values().map(BTreeMap::len).sum()
    }
}

/// The file-level import graph of the crate whose files are given as `(src/…, text)`.
fn file_graph(sources: &[(String, String)]) -> Graph {
    let index = CrateIndex::new(sources);
    let mut graph = Graph::default();
    for file in index.files.values() {
        graph.nodes.insert(file.path.clone());
        let from_uses = file.uses.iter().flat_map(|decl| {
            decl.items.iter().map(move |item| {
                let written = item.segments.join("::") + if item.glob { "::*" } else { "" };
                (&decl.module, decl.line, written, item.segments.clone())
            })
        });
        // A module imported by name (`use super::calls;`) makes `calls::f()` a path of the crate.
        let module_aliases: BTreeMap<&str, Vec<String>> = file
            .uses
            .iter()
            .flat_map(|decl| decl.items.iter().map(move |item| (decl, item)))
            .filter_map(|(decl, item)| {
                let target = index.resolve(&item.segments, &decl.module)?;
                let name = item.binding()?;
                target.item.is_none().then_some((name, target.module))
            })
            .collect();
        let from_code = file.paths.iter().map(|path| {
            let segments = match module_aliases.get(path.segments[0].as_str()) {
                Some(module) => ["crate".to_string()]
                    .into_iter()
                    .chain(module.iter().cloned())
                    .chain(path.segments[1..].iter().cloned())
                    .collect(),
                None => path.segments.clone(),
            };
            (&path.module, path.line, path.segments.join("::"), segments)
        });
        for (module, line, written, segments) in from_uses.chain(from_code) {
            let Some(target) = index.resolve(&segments, module) else {
                continue;
            };
            let to = index.defining_file(&target, 0);
            let evidence = Evidence {
                file: file.path.clone(),
                line,
                path: written,
                target: to.clone(),
            };
            graph.add_edge(&file.path, &to, evidence);
        }
    }
    graph
}

/// `src/cache/store.rs` and `src/cache/mod.rs` are in `cache`, `src/config.rs` is `config`;
/// the crate roots `src/lib.rs` and `src/main.rs` belong to no module.
fn top_level_module(path: &str) -> Option<String> {
    let inner = path.strip_prefix("src/")?;
    let first = inner.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// The file graph with files merged into their top-level modules.
fn module_graph(files: &Graph) -> Graph {
    let mut graph = Graph::default();
    graph
        .nodes
        .extend(files.nodes.iter().filter_map(|f| top_level_module(f)));
    for (from, targets) in &files.edges {
        for (to, evidence) in targets {
            if let (Some(a), Some(b)) = (top_level_module(from), top_level_module(to)) {
                graph.add_edge(&a, &b, evidence.clone());
            }
        }
    }
    graph
}

// ---------------------------------------------------------------------------------------------
// Loops: strongly connected components (Tarjan) and cycles through them.
// ---------------------------------------------------------------------------------------------

struct Tarjan<'g> {
    graph: &'g Graph,
    index: BTreeMap<&'g str, usize>,
    low: BTreeMap<&'g str, usize>,
    stack: Vec<&'g str>,
    on_stack: BTreeSet<&'g str>,
    components: Vec<Vec<String>>,
}

impl<'g> Tarjan<'g> {
    fn visit(&mut self, node: &'g str) {
        let number = self.index.len();
        self.index.insert(node, number);
        self.low.insert(node, number);
        self.stack.push(node);
        self.on_stack.insert(node);
        // Copied out so the iterator borrows the graph, not `self`, across the recursion.
        let graph = self.graph;
        for next in graph.successors(node) {
            let next = next.as_str();
            if !self.index.contains_key(next) {
                self.visit(next);
                let low = self.low[node].min(self.low[next]);
                self.low.insert(node, low);
            } else if self.on_stack.contains(next) {
                let low = self.low[node].min(self.index[next]);
                self.low.insert(node, low);
            }
        }
        if self.low[node] == self.index[node] {
            let mut component = Vec::new();
            while let Some(member) = self.stack.pop() {
                self.on_stack.remove(member);
                component.push(member.to_string());
                if member == node {
                    break;
                }
            }
            component.sort();
            self.components.push(component);
        }
    }
}

/// The strongly connected components with more than one node, each sorted, in order.
fn loops(graph: &Graph) -> Vec<Vec<String>> {
    let mut tarjan = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    let all_nodes = graph.nodes.iter().chain(graph.edges.keys());
    for node in all_nodes {
        if !tarjan.index.contains_key(node.as_str()) {
            tarjan.visit(node);
        }
    }
    let mut components: Vec<Vec<String>> = tarjan
        .components
        .into_iter()
        .filter(|component| component.len() > 1)
        .collect();
    components.sort();
    components
}

/// The shortest path from `from` to `to` inside `component`, both ends included.
fn shortest_path(graph: &Graph, component: &BTreeSet<&str>, from: &str, to: &str) -> Vec<String> {
    let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(node) = queue.pop_front() {
        if node == to {
            break;
        }
        for next in graph.successors(node) {
            let next = next.as_str();
            if component.contains(next) && next != from && !previous.contains_key(next) {
                previous.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    let mut path = vec![to.to_string()];
    let mut node = to;
    while node != from {
        node = previous[node];
        path.push(node.to_string());
    }
    path.reverse();
    path
}

/// Cycles inside `component` that together use every one of its edges: cutting the loop means
/// breaking each of them, so each is worth showing. Each cycle starts and ends at the same node.
fn covering_cycles(graph: &Graph, component: &[String]) -> Vec<Vec<String>> {
    let members: BTreeSet<&str> = component.iter().map(String::as_str).collect();
    let mut covered: BTreeSet<(String, String)> = BTreeSet::new();
    let mut cycles = Vec::new();
    for from in component {
        for to in graph
            .successors(from)
            .filter(|to| members.contains(to.as_str()))
        {
            if covered.contains(&(from.clone(), to.clone())) {
                continue;
            }
            let mut cycle = vec![from.clone()];
            cycle.extend(shortest_path(graph, &members, to, from));
            for step in cycle.windows(2) {
                covered.insert((step[0].clone(), step[1].clone()));
            }
            cycles.push(cycle);
        }
    }
    cycles
}

/// A readable account of every loop in `graph`, or `None` if it has none.
fn describe_loops(graph: &Graph, kind: &str) -> Option<String> {
    let components = loops(graph);
    if components.is_empty() {
        return None;
    }
    let mut report = format!(
        "{} import loop(s) between {kind}s; imports must run one way \
         (down the layers of docs/architecture.md).\n",
        components.len()
    );
    for (number, component) in components.iter().enumerate() {
        report += &format!(
            "\nloop {}: {} {kind}s import each other: {}\n",
            number + 1,
            component.len(),
            component.join(", ")
        );
        for cycle in covering_cycles(graph, component) {
            report += &format!("  {}\n", cycle.join(" -> "));
            for step in cycle.windows(2) {
                let evidence = &graph.edges[&step[0]][&step[1]];
                report += &format!("      {evidence}");
                if kind != "file" {
                    report += &format!(" (-> {})", evidence.target);
                }
                report += "\n";
            }
        }
    }
    Some(report)
}

// ---------------------------------------------------------------------------------------------
// The real tree.
// ---------------------------------------------------------------------------------------------

/// Every `.rs` file under `src/`, as `("src/a/b.rs", text)`, sorted by path.
fn read_crate_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pending = vec![root.join("src")];
    let mut sources = Vec::new();
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path.strip_prefix(root).expect("under the crate root");
                let name = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                sources.push((name, text));
            }
        }
    }
    sources.sort();
    sources
}

/// Guards against a checker that passes because it read nothing.
fn assert_parsed(graph: &Graph) {
    assert!(
        graph.nodes.len() > 10 && graph.edge_count() > 10,
        "the import scanner found {} files and {} imports under src/: it is broken",
        graph.nodes.len(),
        graph.edge_count()
    );
}

#[test]
fn no_file_level_import_loop() {
    let graph = file_graph(&read_crate_sources());
    assert_parsed(&graph);
    if let Some(report) = describe_loops(&graph, "file") {
        panic!("{report}");
    }
}

#[test]
fn no_module_level_import_loop() {
    let files = file_graph(&read_crate_sources());
    assert_parsed(&files);
    if let Some(report) = describe_loops(&module_graph(&files), "module") {
        panic!("{report}");
    }
}

// ---------------------------------------------------------------------------------------------
// Sanity tests of the checker itself, on small in-memory trees.
// ---------------------------------------------------------------------------------------------

fn tree(files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(path, text)| (path.to_string(), text.to_string()))
        .collect()
}

/// The edges of a graph as `from -> to` strings, for readable assertions.
fn edge_list(graph: &Graph) -> Vec<String> {
    graph
        .edges
        .iter()
        .flat_map(|(from, targets)| targets.keys().map(move |to| format!("{from} -> {to}")))
        .collect()
}

#[test]
fn detects_a_loop_between_two_files() {
    let graph = file_graph(&tree(&[
        ("src/lib.rs", "pub mod a;\npub mod b;\n"),
        ("src/a.rs", "use crate::b::B;\npub struct A(B);\n"),
        (
            "src/b.rs",
            "pub struct B;\npub fn f() -> crate::a::A { todo!() }\n",
        ),
    ]));
    assert_eq!(
        edge_list(&graph),
        ["src/a.rs -> src/b.rs", "src/b.rs -> src/a.rs"]
    );
    let report = describe_loops(&graph, "file").expect("a loop");
    assert!(
        report.contains("src/a.rs -> src/b.rs -> src/a.rs"),
        "{report}"
    );
    assert!(report.contains("src/b.rs:2 `crate::a::A`"), "{report}");
}

#[test]
fn a_one_way_tree_has_no_loop() {
    let graph = file_graph(&tree(&[
        ("src/lib.rs", "pub mod a;\npub mod b;\n"),
        (
            "src/a.rs",
            "use crate::b::B;\nuse self::Local as L;\npub struct Local;\n",
        ),
        ("src/b.rs", "pub struct B;\n"),
    ]));
    assert_eq!(edge_list(&graph), ["src/a.rs -> src/b.rs"]);
    assert!(describe_loops(&graph, "file").is_none());
    assert!(describe_loops(&module_graph(&graph), "module").is_none());
}

#[test]
fn follows_re_exports_to_the_defining_file() {
    let graph = file_graph(&tree(&[
        ("src/lib.rs", "pub mod cache;\npub mod config;\n"),
        (
            "src/cache/mod.rs",
            "mod store;\nmod ttl;\npub use store::{Store};\npub use ttl::TtlPolicy as Policy;\n\
             pub struct Defined;\n",
        ),
        (
            "src/cache/store.rs",
            "use super::Policy;\npub struct Store(Policy);\n",
        ),
        ("src/cache/ttl.rs", "pub struct TtlPolicy;\n"),
        (
            "src/config.rs",
            "fn f() { let _ = crate::cache::Policy::default(); }\n\
             fn g(_: crate::cache::Defined) {}\n",
        ),
    ]));
    assert_eq!(
        edge_list(&graph),
        [
            "src/cache/mod.rs -> src/cache/store.rs",
            "src/cache/mod.rs -> src/cache/ttl.rs",
            "src/cache/store.rs -> src/cache/ttl.rs",
            "src/config.rs -> src/cache/mod.rs",
            "src/config.rs -> src/cache/ttl.rs",
        ]
    );
    assert!(describe_loops(&graph, "file").is_none());
}

#[test]
fn follows_glob_and_chained_re_exports() {
    let graph = file_graph(&tree(&[
        (
            "src/lib.rs",
            "pub mod domain;\npub mod api;\npub use domain::Check as Top;\n",
        ),
        (
            "src/domain/mod.rs",
            "mod diagnosis;\npub use diagnosis::*;\n",
        ),
        ("src/domain/diagnosis.rs", "pub enum Check { A }\n"),
        (
            "src/api/mod.rs",
            "use crate::Top;\nfn f() -> crate::domain::Check { crate::domain::Check::A }\n",
        ),
    ]));
    assert!(graph.has_edge("src/api/mod.rs", "src/domain/diagnosis.rs"));
    assert!(!graph.has_edge("src/api/mod.rs", "src/domain/mod.rs"));
    assert!(!graph.has_edge("src/api/mod.rs", "src/lib.rs"));
}

#[test]
fn reads_grouped_multi_line_and_restricted_uses() {
    let graph = file_graph(&tree(&[
        (
            "src/lib.rs",
            "pub mod a;\npub mod b;\npub mod c;\npub mod d;\n",
        ),
        (
            "src/a.rs",
            "pub(crate) use crate::{\n    b::X,\n    c::{Y, Z as W},\n};\npub use crate::d;\n",
        ),
        ("src/b.rs", "pub struct X;\n"),
        ("src/c.rs", "pub struct Y;\npub struct Z;\n"),
        (
            "src/d.rs",
            "use std::{collections::BTreeMap, fmt};\nuse ::serde::Serialize;\n",
        ),
    ]));
    assert_eq!(
        edge_list(&graph),
        [
            "src/a.rs -> src/b.rs",
            "src/a.rs -> src/c.rs",
            "src/a.rs -> src/d.rs"
        ]
    );
}

#[test]
fn resolves_super_and_self_relative_to_the_file() {
    let graph = file_graph(&tree(&[
        ("src/lib.rs", "pub mod a;\npub mod top;\n"),
        ("src/top.rs", "pub struct T;\n"),
        // In a mod.rs the module is `a`, so `super` is the crate root.
        (
            "src/a/mod.rs",
            "mod b;\nmod c;\nuse super::top::T;\nuse self::b::B;\nuse c::C;\n",
        ),
        // In src/a/b.rs the module is `a::b`, so `super` is `a`.
        (
            "src/a/b.rs",
            "pub struct B;\nuse super::c;\nfn f() { c::helper(); }\n",
        ),
        ("src/a/c.rs", "pub struct C;\npub fn helper() {}\n"),
    ]));
    assert_eq!(
        edge_list(&graph),
        [
            "src/a/b.rs -> src/a/c.rs",
            "src/a/mod.rs -> src/a/b.rs",
            "src/a/mod.rs -> src/a/c.rs",
            "src/a/mod.rs -> src/top.rs",
        ]
    );
}

#[test]
fn ignores_comments_strings_tests_and_mod_declarations() {
    let graph = file_graph(&tree(&[
        ("src/lib.rs", "pub mod a;\npub mod b;\n"),
        ("src/b.rs", "pub struct B;\n"),
        (
            "src/a.rs",
            r##"//! Uses `crate::b::B`.
mod inner;
/// See crate::b::B.
// use crate::b::B;
/* use crate::b::B; /* nested */ crate::b::B */
fn f<'a>(s: &'a str) -> char {
    let _ = "use crate::b::B;";
    let _ = r#"crate::b::B "quoted""#;
    let _ = '"';
    let _ = '\'';
    '{'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::b::B;
}
"##,
        ),
    ]));
    assert_eq!(edge_list(&graph), Vec::<String>::new());
}

#[test]
fn a_module_loop_needs_no_file_loop() {
    let graph = file_graph(&tree(&[
        ("src/lib.rs", "pub mod a;\npub mod b;\n"),
        (
            "src/a/mod.rs",
            "mod x;\nmod y;\npub use x::X;\npub use y::Y;\n",
        ),
        ("src/a/x.rs", "pub struct X;\n"),
        ("src/a/y.rs", "pub struct Y(crate::b::Q);\n"),
        ("src/b/mod.rs", "mod p;\nmod q;\npub use q::Q;\n"),
        ("src/b/p.rs", "use crate::a::X;\n"),
        ("src/b/q.rs", "pub struct Q;\n"),
    ]));
    assert!(describe_loops(&graph, "file").is_none());
    let report = describe_loops(&module_graph(&graph), "module").expect("a module loop");
    assert!(report.contains("a -> b -> a"), "{report}");
    assert!(
        report.contains("src/a/y.rs:1 `crate::b::Q` (-> src/b/q.rs)"),
        "{report}"
    );
}

#[test]
fn lists_every_edge_of_a_bigger_loop() {
    let graph = file_graph(&tree(&[
        ("src/lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
        ("src/a.rs", "use crate::b::B;\npub struct A;\n"),
        (
            "src/b.rs",
            "use crate::c::C;\nuse crate::a::A;\npub struct B;\n",
        ),
        ("src/c.rs", "use crate::a::A;\npub struct C;\n"),
    ]));
    let report = describe_loops(&graph, "file").expect("a loop");
    assert!(report.contains("3 files import each other"), "{report}");
    assert!(
        report.contains("src/a.rs -> src/b.rs -> src/a.rs"),
        "{report}"
    );
    assert!(
        report.contains("src/b.rs -> src/c.rs -> src/a.rs -> src/b.rs"),
        "{report}"
    );
}

#[test]
fn super_inside_an_inline_module_is_the_file_module() {
    let graph = file_graph(&tree(&[
        ("src/lib.rs", "pub mod a;\npub struct Root;\n"),
        (
            "src/a.rs",
            "pub struct Local;\npub mod inner {\n    use super::Local;\n    \
             pub fn f() -> super::super::Root { todo!() }\n}\n",
        ),
    ]));
    // `super::Local` is `a::Local` (no edge: same file); `super::super::Root` is the crate root's.
    assert_eq!(edge_list(&graph), ["src/a.rs -> src/lib.rs"]);
}
