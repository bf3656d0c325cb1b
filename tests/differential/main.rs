//! The policy evaluator against a second implementation of AWS's evaluation logic,
//! `@cloud-copilot/iam-simulate` (pinned in `package-lock.json`, installed by
//! `scripts/setup-test-deps`): generated requests (`generator.rs`) go through
//! `connector-doctor evaluate --jsonl` and through `peer.mjs`, and every answer must agree,
//! except where
//! - we answer `unknown` because AWS leaves the answer open (a multivalued key without a set
//!   operator, `ForAnyValue:...IfExists` on an absent key, a multivalued key as a variable);
//! - we answer `implicit_deny` naming Denies we could not decide, and the peer `explicit_deny`
//!   (denied either way);
//! - the peer is wrong by the IAM User Guide, as a line of `peer-errors.txt` says and cites, and
//!   the line's rewrite of the request (`peer_errors.rs`) makes it answer what we answer.
//!
//! `DIFFERENTIAL_REQUESTS` (default 300) and `DIFFERENTIAL_SEED` (default 35) choose the
//! requests; `scripts/differential` runs the whole generator.

mod generator;
mod peer_errors;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

use generator::{Request, generate};
use peer_errors::REWRITES;

const BINARY: &str = env!("CARGO_BIN_EXE_connector-doctor");

/// The reasons for which AWS's documentation leaves a decision open.
const OPEN: &[&str] = &[
    "multi_valued_key_without_set_operator",
    "any_value_if_exists_on_absent_key",
    "multi_valued_policy_variable",
];

fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential")
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
        })
        .unwrap_or(default)
}

/// Runs `command` with one request a line on standard input; its answers, one a line.
fn answers(mut command: Command, requests: &[Request]) -> Vec<Value> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|error| panic!("{command:?} starts: {error}"));
    let mut stdin = child.stdin.take().expect("piped");
    let input: String = requests
        .iter()
        .map(|r| serde_json::to_string(r).expect("serializes") + "\n")
        .collect();
    // Written from another thread: the child answers while it reads.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("the child runs");
    writer
        .join()
        .expect("the writer")
        .expect("the child reads its input");
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let answers: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(
        answers.len(),
        requests.len(),
        "{command:?}: one answer a line"
    );
    answers
}

fn ours(requests: &[Request]) -> Vec<Value> {
    let mut command = Command::new(BINARY);
    command.args(["evaluate", "--jsonl"]);
    answers(command, requests)
}

fn peer(requests: &[Request]) -> Vec<Value> {
    assert!(
        peer_dir()
            .join("node_modules/@cloud-copilot/iam-simulate")
            .is_dir(),
        "the peer is not installed: scripts/setup-test-deps runs `npm ci` in tests/differential"
    );
    let mut command = Command::new("node");
    command.arg(peer_dir().join("peer.mjs"));
    answers(command, requests)
}

fn decision(answer: &Value) -> &str {
    answer["decision"].as_str().unwrap_or("(none)")
}

/// The kinds of reason our answer gives for what it could not decide.
fn open_reasons(answer: &Value) -> Vec<&str> {
    let undecided = answer["undecided"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    undecided
        .iter()
        .map(|u| u["reason"]["kind"].as_str().unwrap_or("(none)"))
        .collect()
}

/// How our answer and the peer's compare, before any rewrite.
enum Comparison {
    Agree,
    /// We answer `implicit_deny` naming Denies we could not decide, the peer `explicit_deny`.
    DeniedEitherWay,
    /// We answer `unknown`, as AWS leaves it open; the reasons.
    Open(Vec<String>),
    Disagree,
    /// Not comparable at all: a refused line, or `unknown` for a reason that is not open.
    Broken(String),
}

fn compare(ours: &Value, peer: &Value) -> Comparison {
    if let Some(error) = ours.get("error").or_else(|| peer.get("error")) {
        return Comparison::Broken(format!("a line was refused: {error}"));
    }
    let reasons = open_reasons(ours);
    if let Some(reason) = reasons.iter().find(|r| !OPEN.contains(r)) {
        return Comparison::Broken(format!(
            "we could not decide, for a reason AWS does not leave open: {reason}"
        ));
    }
    match (decision(ours), decision(peer)) {
        ("unknown", _) => Comparison::Open(reasons.iter().map(|r| (*r).to_owned()).collect()),
        (a, b) if a == b => Comparison::Agree,
        // Denied either way: our undecidable Denies may make it explicit.
        ("implicit_deny", "explicit_deny") if !reasons.is_empty() => Comparison::DeniedEitherWay,
        _ => Comparison::Disagree,
    }
}

/// The names of `peer-errors.txt`, each line checked for its citation.
fn allow_list() -> Vec<String> {
    let text =
        std::fs::read_to_string(peer_dir().join("peer-errors.txt")).expect("peer-errors.txt");
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let fields: Vec<&str> = line.split(" | ").collect();
            let [name, page, what] = fields[..] else {
                panic!("peer-errors.txt: {line:?} is not `name | page | what it says`");
            };
            assert!(
                page.starts_with("https://docs.aws.amazon.com/IAM/latest/UserGuide/")
                    && !what.is_empty(),
                "peer-errors.txt: {name} must cite the IAM User Guide page that decides"
            );
            name.to_owned()
        })
        .collect()
}

#[test]
fn the_evaluator_agrees_with_a_second_implementation_where_the_user_guide_decides() {
    let count = setting("DIFFERENTIAL_REQUESTS", 300) as usize;
    let seed = setting("DIFFERENTIAL_SEED", 35);
    let coded: Vec<&str> = REWRITES.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        allow_list(),
        coded,
        "peer-errors.txt and the rewrites of peer_errors.rs must name the same errors"
    );

    let requests = generate(seed, count);
    let started = Instant::now();
    let our_answers = ours(&requests);
    let ours_took = started.elapsed();
    let started = Instant::now();
    let peer_answers = peer(&requests);
    let peer_took = started.elapsed();

    let mut failures = Vec::new();
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    // (request, ours, peer) of each disagreement, and its rewritten variants.
    let mut disagreements: Vec<(Request, Value, Value)> = Vec::new();
    let mut variants: Vec<(usize, Vec<&str>, Request)> = Vec::new();
    for (request, (ours, peer)) in requests.iter().zip(our_answers.iter().zip(&peer_answers)) {
        match compare(ours, peer) {
            Comparison::Agree => *tally.entry("agree".into()).or_default() += 1,
            Comparison::DeniedEitherWay => {
                *tally
                    .entry("denied either way, perhaps explicitly".into())
                    .or_default() += 1;
            }
            Comparison::Open(reasons) => {
                *tally
                    .entry(format!("open: {}", reasons.join(", ")))
                    .or_default() += 1;
            }
            Comparison::Broken(why) => {
                failures.push((request.clone(), why, ours.clone(), peer.clone()))
            }
            Comparison::Disagree => {
                // Each rewrite that changes the request alone, then all of them together.
                let mut all = request.clone();
                let mut names = Vec::new();
                for (name, rewrite) in REWRITES {
                    if let Some(alone) = rewrite(request) {
                        variants.push((disagreements.len(), vec![*name], alone));
                        all = rewrite(&all).unwrap_or(all);
                        names.push(*name);
                    }
                }
                if names.len() > 1 {
                    variants.push((disagreements.len(), names.clone(), all));
                }
                if names.is_empty() {
                    failures.push((
                        request.clone(),
                        "disagree".into(),
                        ours.clone(),
                        peer.clone(),
                    ));
                } else {
                    disagreements.push((request.clone(), ours.clone(), peer.clone()));
                }
            }
        }
    }

    // The rewritten requests, once more through both. A disagreement is the peer's known error
    // when a rewrite keeps our answer and brings the peer's to it; the fewest rewrites name it.
    let rewritten: Vec<Request> = variants.iter().map(|(_, _, r)| r.clone()).collect();
    let (ours_again, peer_again) = if rewritten.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        (self::ours(&rewritten), self::peer(&rewritten))
    };
    let mut explained: Vec<Option<String>> = vec![None; disagreements.len()];
    let mut tried: Vec<Vec<String>> = vec![Vec::new(); disagreements.len()];
    for ((index, names, _), (ours_rw, peer_rw)) in
        variants.iter().zip(ours_again.iter().zip(&peer_again))
    {
        let ours = &disagreements[*index].1;
        let same_meaning = decision(ours_rw) == decision(ours);
        let resolved = same_meaning
            && matches!(
                compare(ours, peer_rw),
                Comparison::Agree | Comparison::DeniedEitherWay
            );
        tried[*index].push(format!(
            "{}: ours {}, the peer {}",
            names.join(" + "),
            decision(ours_rw),
            peer_rw
                .get("error")
                .map_or_else(|| decision(peer_rw).to_owned(), Value::to_string)
        ));
        if resolved && explained[*index].is_none() {
            explained[*index] = Some(names.join(" + "));
        }
    }
    for ((request, ours, peer), (explained, tried)) in disagreements
        .into_iter()
        .zip(explained.into_iter().zip(tried))
    {
        match explained {
            Some(names) => *tally.entry(format!("peer error: {names}")).or_default() += 1,
            None => failures.push((
                request,
                format!("disagree; rewritten: {}", tried.join("; ")),
                ours,
                peer,
            )),
        }
    }

    eprintln!(
        "differential: {count} requests (seed {seed}); ours {ours_took:.2?}, the peer {peer_took:.2?}"
    );
    for (outcome, n) in &tally {
        eprintln!("  {n:>6}  {outcome}");
    }
    for (request, why, ours, peer) in failures.iter().take(10) {
        eprintln!(
            "\n{why}\n  request: {}\n  ours:    {ours}\n  peer:    {peer}",
            serde_json::to_string(request).expect("serializes")
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {count} requests: the evaluator and the peer disagree beyond what AWS leaves open \
         and the peer's known errors (the first 10 above)",
        failures.len()
    );
}
