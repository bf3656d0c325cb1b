//! The peer's known errors, as rewrites of a request. Each rewrite keeps the request's meaning
//! by the page of the IAM User Guide that `peer-errors.txt` cites (our evaluator must answer the
//! rewritten request as it answered the original) while removing what the peer gets wrong. A
//! disagreement is excused only when the peer, given the rewritten request, answers what we
//! answered: the rewrite then names the one thing the two read differently.

use chrono::DateTime;
use connector_doctor::policy::{
    Context, Decision, NamedPolicy, PolicySet, Request as Call, evaluate,
};
use serde_json::{Map, Value};

use crate::generator::{ACCOUNT, Request};

/// A rewrite: the request without the construct the peer misreads, or `None` when it has none.
pub type Rewrite = fn(&Request) -> Option<Request>;

/// The rewrites by the names `peer-errors.txt` gives them.
pub const REWRITES: &[(&str, Rewrite)] = &[
    ("variables-in-old-versions", variables_in_old_versions),
    ("epoch-seconds-dates", epoch_seconds_dates),
    ("resource-type-wildcards", resource_type_wildcards),
    ("variables-without-value", variables_without_value),
    (
        "variables-in-untyped-resource-parts",
        variables_in_untyped_resource_parts,
    ),
    (
        "not-ip-address-across-ip-versions",
        single_addresses_as_ranges,
    ),
];

/// Applies `edit` to every policy document of the request; `None` when nothing changed.
fn edit_documents(request: &Request, edit: impl Fn(&mut Value)) -> Option<Request> {
    let mut rewritten = request.clone();
    rewritten
        .identity_policies
        .iter_mut()
        .chain(rewritten.boundary.as_mut())
        .for_each(&edit);
    (rewritten.identity_policies != request.identity_policies
        || rewritten.boundary != request.boundary)
        .then_some(rewritten)
}

/// The statements of a document.
fn statements(document: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    let list = match document.get_mut("Statement") {
        Some(Value::Array(list)) => list.iter_mut().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    };
    list.into_iter().filter_map(Value::as_object_mut)
}

/// Every string of a JSON value (a string, or a list of strings), rewritten.
fn each_string(value: &mut Value, rewrite: &impl Fn(&str) -> String) {
    match value {
        Value::String(text) => *text = rewrite(text),
        Value::Array(items) => items.iter_mut().for_each(|v| each_string(v, rewrite)),
        _ => {}
    }
}

/// `(operator, key, values)` of every condition clause of a statement.
fn clauses(
    statement: &mut Map<String, Value>,
) -> impl Iterator<Item = (&String, &String, &mut Value)> {
    statement
        .get_mut("Condition")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|operators| operators.iter_mut())
        .filter_map(|(operator, keys)| Some((operator, keys.as_object_mut()?)))
        .flat_map(|(operator, keys)| {
            keys.iter_mut()
                .map(move |(key, values)| (operator, key, values))
        })
}

/// `${...}` made into text no variable syntax reads: `~...~` (colons kept, so ARN segments stay
/// where they were). Still literal, and no request value holds either, so it matches what the
/// literal `${...}` matches: nothing.
fn defuse(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push('~');
        out.push_str(&rest[start + 2..start + end]);
        out.push('~');
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// The peer substitutes variables in documents of version 2008-10-17 or without a version,
/// where they are literal text.
fn variables_in_old_versions(request: &Request) -> Option<Request> {
    edit_documents(request, |document| {
        if document.get("Version").and_then(Value::as_str) == Some("2012-10-17") {
            return;
        }
        for statement in statements(document) {
            for element in ["Resource", "NotResource"] {
                if let Some(value) = statement.get_mut(element) {
                    each_string(value, &|text| defuse(text));
                }
            }
            for (_, _, values) in clauses(statement) {
                each_string(values, &|text| defuse(text));
            }
        }
    })
}

/// Epoch seconds as ISO 8601 in UTC, the same instant; other text unchanged.
fn iso(text: &str) -> String {
    let seconds = text
        .parse::<i64>()
        .ok()
        .filter(|_| text.bytes().all(|b| b.is_ascii_digit()));
    match seconds.and_then(|s| DateTime::from_timestamp(s, 0)) {
        Some(instant) => instant.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => text.to_owned(),
    }
}

/// The peer misreads dates written as epoch seconds: the same instants in ISO 8601.
fn epoch_seconds_dates(request: &Request) -> Option<Request> {
    let mut rewritten = edit_documents(request, |document| {
        for statement in statements(document) {
            for (operator, _, values) in clauses(statement) {
                if operator.to_ascii_lowercase().contains("date") {
                    each_string(values, &iso);
                }
            }
        }
    })
    .unwrap_or_else(|| request.clone());
    for key in ["aws:EpochTime", "aws:CurrentTime"] {
        if let Some(value) = rewritten.context.get_mut(key) {
            each_string(value, &iso);
        }
    }
    (rewritten.identity_policies != request.identity_policies
        || rewritten.boundary != request.boundary
        || rewritten.context != request.context)
        .then_some(rewritten)
}

/// Whether a `Resource` entry has `*` or `?` in the segment of its resource part before the
/// first `/` (the resource type: `user`, `table`, `instance`), in a service whose resource part
/// starts with one (not S3's bucket names), and no variable.
fn has_type_wildcard(entry: &str) -> bool {
    let segments: Vec<&str> = entry.splitn(6, ':').collect();
    let [_, _, service, _, _, part] = segments[..] else {
        return false;
    };
    let kind = part.split('/').next().unwrap_or_default();
    service != "s3" && part != "*" && !entry.contains("${") && kind.contains(['*', '?'])
}

/// Whether `entry` covers `resource`, by our evaluator (the entry has no variable, so no context).
fn covers(entry: &str, resource: &str) -> bool {
    let document = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "*", "Resource": entry}
    });
    let policy = NamedPolicy::parse("entry", &document.to_string()).expect("a valid entry");
    let context = Context::new();
    let verdict = evaluate(
        &PolicySet::new(vec![policy]),
        &Call::new("x:Y", resource, &context),
    );
    verdict.decision == Decision::Allowed
}

/// The peer does not match `*` and `?` in the resource-type segment of an ARN. Each such entry
/// becomes what it matches here: the request's resource itself, or an ARN of no resource.
fn resource_type_wildcards(request: &Request) -> Option<Request> {
    let resource = request.resource.clone();
    let nothing = format!("arn:aws:none::{ACCOUNT}:no-resource");
    edit_documents(request, |document| {
        for statement in statements(document) {
            for element in ["Resource", "NotResource"] {
                if let Some(value) = statement.get_mut(element) {
                    each_string(value, &|entry| match has_type_wildcard(entry) {
                        true if covers(entry, &resource) => resource.clone(),
                        true => nothing.clone(),
                        false => entry.to_owned(),
                    });
                }
            }
        }
    })
}

/// Where a policy variable has no value (its key is absent and it has no default), the peer
/// makes negated string and ARN operators false and lets a `NotResource` entry match; the User
/// Guide makes the value effectively null: negated operators match it, and the entry matches no
/// resource. Such a variable becomes text no request value holds (`#no-value#`), in conditions;
/// such an entry becomes an ARN of no resource.
fn variables_without_value(request: &Request) -> Option<Request> {
    let absent: Vec<String> = request
        .absent
        .iter()
        .map(|key| format!("${{{}}}", key.to_lowercase()))
        .collect();
    let without_value = |text: &str| {
        let lower = text.to_lowercase();
        absent
            .iter()
            .find(|variable| lower.contains(variable.as_str()))
            .is_some()
    };
    let replace = |text: &str| {
        let mut out = text.to_owned();
        for variable in &absent {
            // Keys are case-insensitive; the text is ASCII, so positions carry over.
            while let Some(at) = out.to_lowercase().find(variable.as_str()) {
                out.replace_range(at..at + variable.len(), "#no-value#");
            }
        }
        out
    };
    let nothing = format!("arn:aws:none::{ACCOUNT}:no-resource");
    edit_documents(request, |document| {
        if document.get("Version").and_then(Value::as_str) != Some("2012-10-17") {
            return;
        }
        for statement in statements(document) {
            for element in ["Resource", "NotResource"] {
                if let Some(value) = statement.get_mut(element) {
                    each_string(value, &|entry| match without_value(entry) {
                        true => nothing.clone(),
                        false => entry.to_owned(),
                    });
                }
            }
            for (operator, _, values) in clauses(statement) {
                let lower = operator.to_ascii_lowercase();
                if lower.contains("string") || lower.contains("arn") {
                    each_string(values, &replace);
                }
            }
        }
    })
}

/// The value a request gives `${key}` or `${key, 'default'}` (`inner` is what the braces hold):
/// the key's one value, else the default when the key is absent.
fn value_of(request: &Request, inner: &str) -> Option<String> {
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => (key.trim(), Some(default.trim().trim_matches('\''))),
        None => (inner.trim(), None),
    };
    let given = request
        .context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key));
    match given {
        Some((_, Value::String(value))) => Some(value.clone()),
        Some(_) => None,
        None => default.map(str::to_owned),
    }
}

/// The peer does not substitute variables in a resource part without a resource type, such as an
/// SQS queue's name (the User Guide's own example is `arn:aws:sqs:us-east-2:*:${aws:username}-queue`).
/// Each such variable with a value becomes that value, as IAM substitutes it.
fn variables_in_untyped_resource_parts(request: &Request) -> Option<Request> {
    let substitute = |entry: &str| {
        let Some(part) = entry.splitn(6, ':').nth(5) else {
            return entry.to_owned();
        };
        let prefix = &entry[..entry.len() - part.len()];
        let mut out = String::new();
        let mut rest = part;
        let mut typed = false;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let (before, variable) = (&rest[..start], &rest[start..=start + len]);
            typed |= before.contains('/');
            out.push_str(before);
            match value_of(request, &variable[2..variable.len() - 1]) {
                Some(value) => out.push_str(&value),
                None => out.push_str(variable),
            }
            rest = &rest[start + len + 1..];
        }
        typed |= rest.contains('/');
        out.push_str(rest);
        if typed {
            entry.to_owned()
        } else {
            format!("{prefix}{out}")
        }
    };
    edit_documents(request, |document| {
        if document.get("Version").and_then(Value::as_str) != Some("2012-10-17") {
            return;
        }
        for statement in statements(document) {
            for element in ["Resource", "NotResource"] {
                if let Some(value) = statement.get_mut(element) {
                    each_string(value, &|entry| substitute(entry));
                }
            }
        }
    })
}

/// The peer makes `NotIpAddress` false when the request's address is of the other IP version
/// than a single address the policy names (an IPv6 request against `198.51.100.20`), though the
/// address is not that one. Such a single address becomes the range of that one address
/// (`/32`, `/128`), which the peer reads right.
fn single_addresses_as_ranges(request: &Request) -> Option<Request> {
    let v6 = |text: &str| text.contains(':');
    let source = request
        .context
        .get("aws:SourceIp")
        .and_then(Value::as_str)?;
    let request_v6 = v6(source);
    edit_documents(request, |document| {
        for statement in statements(document) {
            for (operator, _, values) in clauses(statement) {
                if operator.to_ascii_lowercase().contains("ipaddress") {
                    each_string(values, &|value| match (value.contains('/'), v6(value)) {
                        (false, true) if !request_v6 => format!("{value}/128"),
                        (false, false) if request_v6 => format!("{value}/32"),
                        _ => value.to_owned(),
                    });
                }
            }
        }
    })
}
