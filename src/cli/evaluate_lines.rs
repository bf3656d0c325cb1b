//! `connector-doctor evaluate --jsonl`: one request a line in, one answer a line out, in the
//! shapes `api.md` fixes (third wave, "The command line"). A malformed line is answered with
//! `{"id", "error"}` and the run goes on.

use std::io::{self, BufRead, Write};

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::policy::{
    self, Context, Decision, Layer, NamedPolicy, PolicyDocument, PolicySet, Request,
    UndecidedStatement,
};

/// One request line. `id` is echoed as given (any JSON value); a key in `context` has that
/// value (a string, or a list of strings for a multivalued key), a key in `absent` is known not
/// to be in the request, any other key is unknown.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    /// Read from the raw value instead, so that a line refused here keeps its id.
    #[serde(rename = "id", default)]
    _id: IgnoredAny,
    identity_policies: Vec<Value>,
    #[serde(default)]
    boundary: Option<Value>,
    action: String,
    resource: String,
    #[serde(default)]
    context: Map<String, Value>,
    #[serde(default)]
    absent: Vec<String>,
}

/// The answer to an evaluated line.
#[derive(Serialize)]
struct Answer<'a> {
    id: &'a Value,
    decision: Decision,
    /// The layer that denied, for both kinds of deny.
    denied_by: Option<Layer>,
    explanation: String,
    /// The statements that could not be decided and could change the decision.
    undecided: &'a [UndecidedStatement],
}

/// The answer to a malformed line.
#[derive(Serialize)]
struct Refusal<'a> {
    id: &'a Value,
    error: String,
}

/// Answers every line of `input` on `output`; false when some line was malformed. Each answer is
/// written as soon as its line is read (standard output flushes at each line), so a caller can
/// feed one request and wait for its answer.
pub(super) fn run(mut input: impl BufRead, mut output: impl Write) -> io::Result<bool> {
    let mut all_evaluated = true;
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        if input.read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        let (answer, evaluated) = match std::str::from_utf8(&bytes) {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => answer(line),
            Err(_) => (
                refusal(&Value::Null, "the line is not UTF-8 text".to_owned()),
                false,
            ),
        };
        all_evaluated &= evaluated;
        output.write_all(answer.as_bytes())?;
        output.write_all(b"\n")?;
    }
    output.flush()?;
    Ok(all_evaluated)
}

/// The JSON answer to one line, and whether it was evaluated (rather than refused).
fn answer(line: &str) -> (String, bool) {
    let value: Value = match serde_json::from_str(line) {
        Ok(value) => value,
        Err(error) => return (refusal(&Value::Null, format!("not JSON: {error}")), false),
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    match evaluate(value) {
        Ok(verdict) => {
            let answer = Answer {
                id: &id,
                decision: verdict.decision,
                denied_by: verdict.denied_by(),
                explanation: verdict.to_string(),
                undecided: &verdict.explanation.undecided,
            };
            (to_json(&answer), true)
        }
        Err(error) => (refusal(&id, error), false),
    }
}

fn refusal(id: &Value, error: String) -> String {
    to_json(&Refusal { id, error })
}

fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("answers serialize: strings, numbers and JSON values")
}

/// Reads and decides one request.
fn evaluate(value: Value) -> Result<policy::Verdict, String> {
    let line: Line = serde_json::from_value(value).map_err(|error| error.to_string())?;
    let identity = line
        .identity_policies
        .iter()
        .enumerate()
        .map(|(i, document)| named(format!("identity_policies[{i}]"), document))
        .collect::<Result<Vec<_>, _>>()?;
    let mut set = PolicySet::new(identity);
    if let Some(boundary) = line.boundary.filter(|b| !b.is_null()) {
        set = set.with_boundary(named("boundary".to_owned(), &boundary)?);
    }
    let context = context(&line.context, &line.absent)?;
    Ok(policy::evaluate(
        &set,
        &Request::new(&line.action, &line.resource, &context),
    ))
}

/// A policy given as a JSON object, or as its text (plain or percent-encoded).
fn named(name: String, document: &Value) -> Result<NamedPolicy, String> {
    let parsed = match document {
        Value::String(text) => PolicyDocument::parse(text),
        other => PolicyDocument::from_json(other),
    };
    parsed
        .map(|document| NamedPolicy::new(name.clone(), document))
        .map_err(|error| format!("{name}: {error}"))
}

/// The request context: `values` (a string is one value, a list a multivalued key) and the keys
/// known to be absent. A key given twice (keys are case-insensitive) or both given and absent
/// is refused.
pub(super) fn context(values: &Map<String, Value>, absent: &[String]) -> Result<Context, String> {
    let mut context = Context::new();
    for (key, value) in values {
        if context.get(key).is_some() {
            return Err(format!("context key {key:?} is given twice"));
        }
        match value {
            Value::String(text) => context.insert(key, text.clone()),
            Value::Array(items) => {
                let items = items.iter().map(|item| item.as_str().map(str::to_owned));
                let list = items.collect::<Option<Vec<_>>>().ok_or_else(|| {
                    format!("context key {key:?}: expected a string or a list of strings")
                })?;
                context.set(key, list);
            }
            _ => {
                return Err(format!(
                    "context key {key:?}: expected a string or a list of strings"
                ));
            }
        }
    }
    for key in absent {
        if context.get(key).is_some() {
            return Err(format!("key {key:?} is both in context and absent"));
        }
        context = context.absent(key);
    }
    Ok(context)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALLOW_S3: &str =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;

    fn run_lines(input: &str) -> (Vec<Value>, bool) {
        let mut out = Vec::new();
        let ok = run(input.as_bytes(), &mut out).expect("in memory");
        let text = String::from_utf8(out).expect("UTF-8");
        let lines = text.lines().map(|l| serde_json::from_str(l).expect("JSON"));
        (lines.collect(), ok)
    }

    #[test]
    fn every_line_is_answered_and_malformed_ones_do_not_stop_the_run() {
        let input = format!(
            "{{\"id\":1,\"identity_policies\":[{ALLOW_S3}],\"action\":\"s3:GetObject\",\"resource\":\"*\"}}\n\
             not json\n\
             \n\
             {{\"id\":\"b\",\"identity_policies\":[{{\"Statement\":[]}}],\"action\":\"s3:GetObject\",\"resource\":\"*\",\"contxt\":{{}}}}\n\
             {{\"id\":[3],\"identity_policies\":[{{\"Statement\":[{{}}]}}],\"action\":\"s3:GetObject\",\"resource\":\"*\"}}\n\
             {{\"id\":4,\"identity_policies\":[],\"boundary\":null,\"action\":\"s3:GetObject\",\"resource\":\"*\"}}\n"
        );
        let (answers, ok) = run_lines(&input);
        assert!(!ok);
        assert_eq!(answers.len(), 5, "{answers:?}");
        assert_eq!(answers[0]["id"], 1);
        assert_eq!(answers[0]["decision"], "allowed");
        assert_eq!(answers[0]["denied_by"], Value::Null);
        assert!(
            answers[1]["error"]
                .as_str()
                .unwrap()
                .starts_with("not JSON")
        );
        assert_eq!(answers[1]["id"], Value::Null);
        assert_eq!(answers[2]["id"], "b");
        assert!(answers[2]["error"].as_str().unwrap().contains("contxt"));
        assert_eq!(answers[3]["id"], serde_json::json!([3]));
        assert!(
            answers[3]["error"]
                .as_str()
                .unwrap()
                .starts_with("identity_policies[0]: Statement[0] has no Effect")
        );
        assert_eq!(answers[4]["decision"], "implicit_deny");
        assert_eq!(answers[4]["denied_by"], "identity_policy");
    }

    #[test]
    fn context_lists_absent_keys_and_unknown_keys() {
        let line = |context: &str, absent: &str| {
            format!(
                "{{\"identity_policies\":[{{\"Version\":\"2012-10-17\",\"Statement\":{{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{{\"ForAllValues:StringEquals\":{{\"aws:TagKeys\":[\"a\",\"b\"]}},\"StringEquals\":{{\"s3:prefix\":\"p\"}}}}}}}}],\"action\":\"s3:ListBucket\",\"resource\":\"*\",\"context\":{context},\"absent\":{absent}}}\n"
            )
        };
        let (answers, ok) = run_lines(&line(r#"{"aws:TagKeys":["a"],"s3:prefix":"p"}"#, "[]"));
        assert!(ok);
        assert_eq!(answers[0]["decision"], "allowed", "{answers:?}");
        let (answers, _) = run_lines(&line(r#"{"s3:prefix":"p"}"#, r#"["aws:TagKeys"]"#));
        assert_eq!(answers[0]["decision"], "allowed", "{answers:?}");
        // A multivalued key without a set operator: unknown, with the reason.
        let (answers, _) = run_lines(&line(r#"{"aws:TagKeys":[],"s3:prefix":["p"]}"#, "[]"));
        assert_eq!(answers[0]["decision"], "unknown", "{answers:?}");
        assert_eq!(
            answers[0]["undecided"][0]["reason"]["kind"],
            "multi_valued_key_without_set_operator"
        );
        // An unknown key is unknown.
        let (answers, _) = run_lines(&line(r#"{"aws:TagKeys":["a"]}"#, "[]"));
        assert_eq!(answers[0]["decision"], "unknown", "{answers:?}");
        assert_eq!(
            answers[0]["undecided"][0]["reason"]["kind"],
            "missing_context_key"
        );
        // Contradictions and wrong types are refused.
        for (context, absent) in [
            (r#"{"s3:prefix":"p"}"#, r#"["S3:Prefix"]"#),
            (r#"{"s3:prefix":"p","S3:PREFIX":"q"}"#, "[]"),
            (r#"{"s3:prefix":1}"#, "[]"),
            (r#"{"s3:prefix":["p",1]}"#, "[]"),
        ] {
            let (answers, ok) = run_lines(&line(context, absent));
            assert!(!ok);
            assert!(
                answers[0]["error"].is_string(),
                "{context} {absent}: {answers:?}"
            );
        }
    }
}
