//! `connector-doctor evaluate`: the service's IAM policy evaluator as a support tool. One
//! request from flags and policy files, printed for a person (the decision, then why: which
//! statement of which policy decided, which condition could not be decided); or, with
//! `--jsonl`, one request per line of standard input (`evaluate_lines`).

use std::io::{self, Write};

use serde_json::{Map, Value};

use super::args::EvaluateArgs;
use super::evaluate_lines;
use super::exit::Exit;
use super::text_report::badge;
use crate::policy::{self, NamedPolicy, PolicySet, Request};

/// Evaluates the request the flags describe, or every line of standard input with `--jsonl`.
pub fn run(args: &EvaluateArgs) -> Exit {
    if args.jsonl {
        return match evaluate_lines::run(io::stdin().lock(), io::stdout().lock()) {
            Ok(true) => Exit::Healthy,
            Ok(false) => Exit::DataError,
            Err(error) => {
                eprintln!("connector-doctor: {error}");
                Exit::Internal
            }
        };
    }
    match evaluate_one(args) {
        Ok(()) => Exit::Healthy,
        Err((exit, message)) => {
            eprintln!("connector-doctor: {message}");
            exit
        }
    }
}

/// Reads the policies, decides, prints.
fn evaluate_one(args: &EvaluateArgs) -> Result<(), (Exit, String)> {
    let identity = args
        .policies
        .iter()
        .map(|path| read_policy(path))
        .collect::<Result<Vec<_>, _>>()?;
    let mut set = PolicySet::new(identity);
    if let Some(path) = &args.boundary {
        set = set.with_boundary(read_policy(path)?);
    }
    // A key given once has one value, a key given several times is multivalued.
    let mut values = Map::new();
    for (key, value) in &args.context {
        match values.get_mut(key) {
            None => {
                values.insert(key.clone(), Value::String(value.clone()));
            }
            Some(Value::Array(list)) => list.push(Value::String(value.clone())),
            Some(first) => *first = Value::Array(vec![first.take(), Value::String(value.clone())]),
        }
    }
    let context =
        evaluate_lines::context(&values, &args.absent).map_err(|error| (Exit::Usage, error))?;
    let (action, resource) = (
        args.action.as_deref().unwrap_or_default(),
        args.resource.as_deref().unwrap_or_default(),
    );
    let verdict = policy::evaluate(&set, &Request::new(action, resource, &context));
    let mut out = anstream::stdout();
    writeln!(
        out,
        "{} {action} on {resource}",
        badge(verdict.decision.as_str())
    )
    .and_then(|()| writeln!(out, "{verdict}"))
    .map_err(|error| (Exit::Internal, error.to_string()))
}

/// A policy file, named by its path in explanations.
fn read_policy(path: &std::path::Path) -> Result<NamedPolicy, (Exit, String)> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|error| (Exit::Usage, format!("cannot read {name}: {error}")))?;
    NamedPolicy::parse(name.clone(), &text)
        .map_err(|error| (Exit::DataError, format!("{name}: {error}")))
}
