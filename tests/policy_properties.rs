//! Property tests for the policy evaluator.
//!
//! Policies are generated from small alphabets of actions, resources and
//! conditions so that patterns actually match the generated requests. The
//! checks are the invariants of IAM's evaluation logic (a Deny can only take
//! permissions away; without an Allow nothing is allowed) plus agreement
//! with a deliberately naive reference evaluator on unconditional policies.

use connector_doctor::policy::{
    Context, Decision, Effect, NamedPolicy, PolicyDocument, PolicySet, Request, evaluate,
};
use proptest::prelude::*;
use serde_json::{Value, json};

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "iam:ListUsers",
    "iam:GetUser",
    "iam:DeleteUser",
    "ec2:DescribeInstances",
    "cloudtrail:DescribeTrails",
];

const ACTION_PATTERNS: &[&str] = &[
    "*",
    "s3:*",
    "s3:Get*",
    "S3:getobject",
    "iam:List*",
    "iam:*User*",
    "i?m:GetUser",
    "*:Describe*",
    "cloud*:Describe?rails",
    "ec2:DescribeInstances",
    "s3:*Object",
];

const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::b1",
    "arn:aws:s3:::b1/k",
    "arn:aws:s3:::b2/k",
    "arn:aws:s3:::bob/notes",
    "arn:aws:iam::1:user/bob",
];

/// Patterns whose meaning is the same under IAM's segment-wise ARN matching
/// and under plain whole-string globbing for the resources above, so the
/// reference evaluator can use the latter.
const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::b1",
    "arn:aws:s3:::b1/*",
    "arn:aws:s3:::b?",
    "arn:aws:s3:::*",
    "arn:aws:*",
    "arn:aws:iam::*:user/*",
    "arn:aws:iam::1:user/Bob",
];

const VARIABLE_RESOURCE: &str = "arn:aws:s3:::${aws:username}/*";

fn conditions() -> Vec<Value> {
    vec![
        json!({"StringEquals": {"aws:username": "bob"}}),
        json!({"StringNotEquals": {"aws:username": ["bob", "eve"]}}),
        json!({"StringLike": {"aws:username": "b*"}}),
        json!({"Bool": {"aws:MultiFactorAuthPresent": true}}),
        json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
        json!({"Null": {"aws:MultiFactorAuthPresent": "true"}}),
        json!({"StringEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"}}),
        json!({"ForAnyValue:StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}),
        json!({"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}}),
        json!({"StringEquals": {"aws:username": "bob"}, "Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        json!({"SomeFutureOperator": {"aws:username": "bob"}}),
    ]
}

/// A JSON element that is a string when there is one entry and `as_string`.
fn element(items: Vec<&str>, as_string: bool) -> Value {
    if items.len() == 1 && as_string {
        json!(items[0])
    } else {
        json!(items)
    }
}

/// Generates one statement; `conditional` allows conditions and variables.
fn statement(conditional: bool) -> impl Strategy<Value = Value> {
    let condition = if conditional {
        prop_oneof![
            2 => Just(None),
            1 => prop::sample::select(conditions()).prop_map(Some),
        ]
        .boxed()
    } else {
        Just(None).boxed()
    };
    let mut resource_patterns = RESOURCE_PATTERNS.to_vec();
    if conditional {
        resource_patterns.push(VARIABLE_RESOURCE);
    }
    (
        any::<bool>(),
        prop::bool::weighted(0.2),
        prop::collection::vec(prop::sample::select(ACTION_PATTERNS), 1..3),
        prop::bool::weighted(0.2),
        prop::collection::vec(prop::sample::select(resource_patterns), 1..3),
        condition,
        any::<bool>(),
        prop::option::of("[A-Za-z0-9]{1,6}"),
    )
        .prop_map(
            |(deny, not_action, actions, not_resource, resources, condition, strings, sid)| {
                let mut s = serde_json::Map::new();
                s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
                let action_key = if not_action { "NotAction" } else { "Action" };
                s.insert(action_key.into(), element(actions, strings));
                let resource_key = if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                };
                s.insert(resource_key.into(), element(resources, strings));
                if let Some(condition) = condition {
                    s.insert("Condition".into(), condition);
                }
                if let Some(sid) = sid {
                    s.insert("Sid".into(), json!(sid));
                }
                Value::Object(s)
            },
        )
}

/// Statements of one policy.
fn statements(conditional: bool) -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(statement(conditional), 0..5)
}

/// Identity policies and an optional boundary, as statement lists.
#[derive(Debug, Clone)]
struct RawSet {
    identity: Vec<Vec<Value>>,
    boundary: Option<Vec<Value>>,
}

fn raw_set(conditional: bool) -> impl Strategy<Value = RawSet> {
    (
        prop::collection::vec(statements(conditional), 0..4),
        prop::option::weighted(0.3, statements(conditional)),
    )
        .prop_map(|(identity, boundary)| RawSet { identity, boundary })
}

fn document_text(statements: &[Value]) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn build(raw: &RawSet) -> PolicySet {
    let parse = |name: String, statements: &[Value]| {
        NamedPolicy::parse(name, &document_text(statements))
            .unwrap_or_else(|e| panic!("generated policy must parse: {e}"))
    };
    let identity = raw
        .identity
        .iter()
        .enumerate()
        .map(|(i, s)| parse(format!("p{i}"), s))
        .collect();
    PolicySet {
        identity,
        boundary: raw.boundary.as_deref().map(|s| parse("boundary".into(), s)),
    }
}

fn context() -> impl Strategy<Value = Context> {
    (
        prop::option::of(prop::sample::select(vec!["bob", "eve", "Bob"])),
        prop::option::of(prop::sample::select(vec!["true", "false"])),
        prop::option::of(prop::sample::select(vec!["eu-west-1", "us-east-1"])),
        prop::option::of(prop::sample::select(vec!["60", "7200"])),
    )
        .prop_map(|(user, mfa, region, age)| {
            let mut ctx = Context::new();
            for (key, value) in [
                ("aws:username", user),
                ("aws:MultiFactorAuthPresent", mfa),
                ("aws:RequestedRegion", region),
                ("aws:MultiFactorAuthAge", age),
            ] {
                if let Some(value) = value {
                    ctx.insert(key, value);
                }
            }
            ctx
        })
}

fn request_parts() -> impl Strategy<Value = (&'static str, &'static str)> {
    (
        prop::sample::select(ACTIONS),
        prop::sample::select(RESOURCES),
    )
}

// ---- a naive reference evaluator (whole-string glob, no conditions) ----

fn reference_glob(pattern: &[char], value: &[char]) -> bool {
    match pattern.split_first() {
        None => value.is_empty(),
        Some(('*', rest)) => (0..=value.len()).any(|i| reference_glob(rest, &value[i..])),
        Some(('?', rest)) => !value.is_empty() && reference_glob(rest, &value[1..]),
        Some((c, rest)) => value.first() == Some(c) && reference_glob(rest, &value[1..]),
    }
}

fn glob_str(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    reference_glob(&p, &v)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether the statement's action and resource cover the request, ignoring
/// conditions; `None` if a policy variable cannot be substituted.
fn reference_covers(
    statement: &Value,
    action: &str,
    resource: &str,
    ctx: &Context,
) -> Option<bool> {
    let action_match = |patterns: Vec<String>| {
        patterns
            .iter()
            .any(|p| glob_str(&p.to_lowercase(), &action.to_lowercase()))
    };
    let action_ok = match statement.get("Action") {
        Some(v) => action_match(strings(Some(v))),
        None => !action_match(strings(statement.get("NotAction"))),
    };
    if !action_ok {
        return Some(false);
    }
    let (negated, patterns) = match statement.get("Resource") {
        Some(v) => (false, strings(Some(v))),
        None => (true, strings(statement.get("NotResource"))),
    };
    // Three-valued OR: a match decides; an unsubstitutable variable only
    // matters when nothing else matches.
    let (mut any, mut unknown) = (false, false);
    for pattern in patterns {
        if pattern.contains("${aws:username}") {
            match ctx.get("aws:username") {
                Some([user]) => {
                    any |= glob_str(&pattern.replace("${aws:username}", user), resource)
                }
                _ => unknown = true,
            }
        } else {
            any |= glob_str(&pattern, resource);
        }
    }
    if !any && unknown {
        return None;
    }
    Some(any != negated)
}

fn effect_of(statement: &Value) -> Effect {
    if statement["Effect"] == "Deny" {
        Effect::Deny
    } else {
        Effect::Allow
    }
}

/// Full reference decision for sets without conditions or variables.
fn reference_decision(raw: &RawSet, action: &str, resource: &str) -> Decision {
    let ctx = Context::new();
    let covers = |s: &Value| reference_covers(s, action, resource, &ctx) == Some(true);
    let all_identity = raw.identity.iter().flatten();
    let boundary = raw.boundary.iter().flatten();
    if all_identity
        .clone()
        .chain(boundary.clone())
        .any(|s| effect_of(s) == Effect::Deny && covers(s))
    {
        return Decision::ExplicitDeny;
    }
    let allows = |mut it: Box<dyn Iterator<Item = &Value> + '_>| {
        it.any(|s| effect_of(s) == Effect::Allow && covers(s))
    };
    let identity_allows = allows(Box::new(all_identity));
    let boundary_allows = raw.boundary.is_none() || allows(Box::new(boundary));
    if identity_allows && boundary_allows {
        Decision::Allowed
    } else {
        Decision::ImplicitDeny
    }
}

/// 512 cases per property by default (about a second in debug); the
/// `PROPTEST_CASES` environment variable overrides it for longer runs.
fn config() -> ProptestConfig {
    let default = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            default.cases
        } else {
            512
        },
        // Failures are shrunk, but keep it bounded for CI.
        max_shrink_iters: 2_000,
        // The failing input is printed; no regression files in the repo.
        failure_persistence: None,
        ..default
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = PolicyDocument::parse(&text);
    }

    #[test]
    fn parse_never_panics_on_jsonish_text(text in r#"[{}\[\]":,%*?$ a-zA-Z0-9\-]{0,120}"#) {
        let _ = PolicyDocument::parse(&text);
        let _ = PolicyDocument::parse(&format!("{{\"Statement\":{text}}}"));
    }

    #[test]
    fn parse_and_evaluate_never_panic_on_mutated_policies(
        statements in statements(true),
        cut in any::<prop::sample::Index>(),
        insert in prop::sample::select(vec!["", "{", "}", "[", "]", "\"", ",", ":", "*", "%", "${"]),
        (action, resource) in request_parts(),
        ctx in context(),
    ) {
        let text = document_text(&statements);
        let at = cut.index(text.len() + 1);
        let at = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let mutated = format!("{}{}{}", &text[..at], insert, &text[at..]);
        if let Ok(document) = PolicyDocument::parse(&mutated) {
            let set = PolicySet::new(vec![NamedPolicy::new("mutated", document)]);
            let verdict = evaluate(&set, &Request::new(action, resource, &ctx));
            let _ = verdict.to_string();
        }
    }

    #[test]
    fn adding_a_deny_never_grants(
        raw in raw_set(true),
        deny in statement(true),
        target in any::<prop::sample::Index>(),
        (action, resource) in request_parts(),
        ctx in context(),
    ) {
        let request = Request::new(action, resource, &ctx);
        let before = evaluate(&build(&raw), &request);
        let mut deny = deny;
        deny["Effect"] = json!("Deny");
        let mut with_deny = raw.clone();
        let slots = with_deny.identity.len() + usize::from(with_deny.boundary.is_some()) + 1;
        match target.index(slots) {
            i if i < with_deny.identity.len() => with_deny.identity[i].push(deny),
            i if i == with_deny.identity.len() && with_deny.boundary.is_some() => {
                if let Some(b) = with_deny.boundary.as_mut() { b.push(deny) }
            }
            _ => with_deny.identity.push(vec![deny]),
        }
        let after = evaluate(&build(&with_deny), &request);
        if after.decision == Decision::Allowed {
            prop_assert_eq!(before.decision, Decision::Allowed);
        }
        if before.decision == Decision::ExplicitDeny {
            prop_assert_eq!(after.decision, Decision::ExplicitDeny);
        }
        if before.decision != Decision::Allowed {
            prop_assert_ne!(after.decision, Decision::Allowed);
        }
    }

    #[test]
    fn without_allow_statements_nothing_is_allowed(
        raw in raw_set(true),
        (action, resource) in request_parts(),
        ctx in context(),
    ) {
        let mut set = build(&raw);
        for policy in set.identity.iter_mut().chain(set.boundary.as_mut()) {
            policy.document.statements.retain(|s| s.effect == Effect::Deny);
        }
        let verdict = evaluate(&set, &Request::new(action, resource, &ctx));
        prop_assert_ne!(verdict.decision, Decision::Allowed);
        prop_assert!(verdict.explanation.identity_allow.is_none());
    }

    #[test]
    fn allowed_only_if_an_allow_statement_matches(
        raw in raw_set(true),
        (action, resource) in request_parts(),
        ctx in context(),
    ) {
        let verdict = evaluate(&build(&raw), &Request::new(action, resource, &ctx));
        let covers = |s: &&Value| {
            effect_of(s) == Effect::Allow && reference_covers(s, action, resource, &ctx) == Some(true)
        };
        if verdict.decision == Decision::Allowed {
            prop_assert!(raw.identity.iter().flatten().any(|s| covers(&s)), "{}", verdict);
            if let Some(boundary) = &raw.boundary {
                prop_assert!(boundary.iter().any(|s| covers(&s)), "{}", verdict);
            }
            // The explanation points at a statement that really matches.
            let allow = verdict.explanation.identity_allow.as_ref();
            prop_assert!(allow.is_some());
            if let Some(allow) = allow {
                let policy: usize = allow.policy.trim_start_matches('p').parse().unwrap_or(usize::MAX);
                let statement = raw.identity.get(policy).and_then(|p| p.get(allow.index));
                prop_assert!(statement.is_some_and(|s| covers(&s)));
            }
        }
        // An unconditional Deny that covers the request always decides.
        let unconditional_deny = raw.identity.iter().flatten().chain(raw.boundary.iter().flatten()).any(|s| {
            effect_of(s) == Effect::Deny
                && s.get("Condition").is_none()
                && reference_covers(s, action, resource, &ctx) == Some(true)
        });
        if unconditional_deny {
            prop_assert_eq!(verdict.decision, Decision::ExplicitDeny);
        }
    }

    #[test]
    fn unconditional_policies_agree_with_reference(
        raw in raw_set(false),
        (action, resource) in request_parts(),
    ) {
        let ctx = Context::new();
        let verdict = evaluate(&build(&raw), &Request::new(action, resource, &ctx));
        prop_assert_eq!(verdict.decision, reference_decision(&raw, action, resource), "{}", verdict);
        prop_assert!(verdict.explanation.undecided.is_empty());
    }
}
