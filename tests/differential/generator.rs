//! Generated requests: a principal's identity policies and permissions boundary, an action on a
//! resource and a request context, from a seeded random generator (the same seed gives the same
//! requests). Policies use wildcards in actions and ARNs, `NotAction` and `NotResource`, every
//! family of condition operators, set operators, `IfExists`, policy variables (in the resource
//! part and before it), documents of every policy language version and boundaries; contexts give
//! each key a value, a list of values, or mark it absent.
//!
//! Every condition key a policy can name is in the context or absent, never unknown: our
//! evaluator then answers `unknown` only where AWS leaves the answer open.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The account of the principal and of every resource.
pub const ACCOUNT: &str = "123456789012";

/// One request, in the line shape of `connector-doctor evaluate --jsonl`.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub id: usize,
    pub identity_policies: Vec<Value>,
    pub boundary: Option<Value>,
    pub action: String,
    pub resource: String,
    pub context: Map<String, Value>,
    pub absent: Vec<String>,
}

/// The actions and the resources they are called on; `{user}`, `{team}`, `{region}` and
/// `{bucket}` are filled per request.
const TARGETS: &[(&str, &str)] = &[
    (
        "s3:GetObject",
        "arn:aws:s3:::{bucket}/home/{user}/report.csv",
    ),
    ("s3:PutObject", "arn:aws:s3:::{bucket}/shared/{team}.txt"),
    ("s3:ListBucket", "arn:aws:s3:::{bucket}"),
    (
        "dynamodb:GetItem",
        "arn:aws:dynamodb:{region}:123456789012:table/{team}-orders",
    ),
    (
        "dynamodb:Query",
        "arn:aws:dynamodb:{region}:123456789012:table/{team}-orders/index/by-date",
    ),
    ("iam:GetUser", "arn:aws:iam::123456789012:user/{user}"),
    (
        "iam:ListAccessKeys",
        "arn:aws:iam::123456789012:user/dev/{user}",
    ),
    (
        "ec2:StartInstances",
        "arn:aws:ec2:{region}:123456789012:instance/i-0{team}42",
    ),
    (
        "sqs:SendMessage",
        "arn:aws:sqs:{region}:123456789012:{team}-queue",
    ),
];

const USERS: &[&str] = &["alice", "bob", "Alice"];
const TEAMS: &[&str] = &["red", "blue"];
const REGIONS: &[&str] = &["us-east-1", "eu-west-1"];
const BUCKETS: &[&str] = &["reports", "archive"];

/// The kind of values a condition key holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Arn,
    Number,
    Date,
    Epoch,
    Bool,
    Binary,
    Ip,
    /// Multivalued strings.
    List,
}

/// The condition keys policies test, with the values a request may give them.
const KEYS: &[(&str, Kind, &[&str])] = &[
    ("aws:username", Kind::String, &["alice", "bob", "Alice"]),
    ("aws:PrincipalTag/team", Kind::String, &["red", "blue"]),
    (
        "aws:ResourceTag/team",
        Kind::String,
        &["red", "blue", "Red"],
    ),
    ("aws:RequestedRegion", Kind::String, REGIONS),
    (
        "s3:prefix",
        Kind::String,
        &["home/", "home/alice/", "shared/"],
    ),
    (
        "aws:PrincipalArn",
        Kind::Arn,
        &[
            "arn:aws:iam::123456789012:user/alice",
            "arn:aws:iam::123456789012:role/Admin",
            "arn:aws:iam::210987654321:role/Admin",
        ],
    ),
    (
        "aws:MultiFactorAuthAge",
        Kind::Number,
        &["0", "600", "7200"],
    ),
    (
        "aws:CurrentTime",
        Kind::Date,
        &["2024-06-30T12:00:00Z", "2025-01-15T08:30:00Z"],
    ),
    ("aws:EpochTime", Kind::Epoch, &["1719748800", "1736929800"]),
    ("aws:SecureTransport", Kind::Bool, &["true", "false"]),
    ("test:Blob", Kind::Binary, &["QmluYXJ5", "T3RoZXI="]),
    (
        "aws:SourceIp",
        Kind::Ip,
        &[
            "203.0.113.7",
            "198.51.100.20",
            "10.1.2.3",
            "2001:db8::7",
            "2001:db8:1::1",
        ],
    ),
    ("aws:TagKeys", Kind::List, &["team", "owner", "cost-center"]),
    (
        "aws:CalledVia",
        Kind::List,
        &["athena.amazonaws.com", "cloudformation.amazonaws.com"],
    ),
];

/// The policy values a condition on a key of `kind` may compare with.
fn policy_values(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::String => &[
            "alice",
            "Alice",
            "bob",
            "red",
            "blue",
            "us-east-1",
            "eu-west-1",
            "home/",
            "shared/",
        ],
        Kind::Arn => &[
            "arn:aws:iam::123456789012:user/alice",
            "arn:aws:iam::*:role/Admin",
            "arn:aws:iam::123456789012:*",
            "arn:aws:iam::*:role/Ad?in",
        ],
        Kind::Number => &["0", "300", "600", "3600", "600.5"],
        Kind::Date => &[
            "2024-06-30T12:00:00Z",
            "2024-12-31T23:59:59Z",
            "2025-01-01",
            "2025-01-15T09:30:00+01:00",
        ],
        Kind::Epoch => &["1719748800", "1735689600", "2025-01-01T00:00:00Z"],
        Kind::Bool => &["true", "false"],
        Kind::Binary => &["QmluYXJ5", "T3RoZXI="],
        Kind::Ip => &[
            "203.0.113.0/24",
            "10.0.0.0/8",
            "198.51.100.20",
            "2001:db8::/32",
            "2001:db8:1::/48",
        ],
        Kind::List => &[
            "team",
            "owner",
            "cost-center",
            "athena.amazonaws.com",
            "cloudformation.amazonaws.com",
        ],
    }
}

/// Wildcard patterns for `StringLike` and `ArnLike`.
const LIKE_VALUES: &[&str] = &["a*", "*e", "?ob", "home/*", "*-*", "*.amazonaws.com", "c*"];

/// Policy variables a string condition value may use.
const VARIABLES: &[&str] = &[
    "${aws:username}",
    "${aws:PrincipalTag/team}",
    "${aws:ResourceTag/team}",
    "${aws:username, 'alice'}",
    "home/${aws:username}/",
    "arn:aws:iam::123456789012:user/${aws:username}",
];

/// Policy variables an ARN condition value may use: ARNs.
const ARN_VARIABLES: &[&str] = &[
    "arn:aws:iam::123456789012:user/${aws:username}",
    "arn:aws:iam::*:role/${aws:PrincipalTag/team, 'Admin'}",
];

/// The operators of each family, without qualifiers.
const STRING_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
];
const ARN_OPERATORS: &[&str] = &["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"];
const NUMERIC_OPERATORS: &[&str] = &[
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
];
const DATE_OPERATORS: &[&str] = &[
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
];
const IP_OPERATORS: &[&str] = &["IpAddress", "NotIpAddress"];

/// `count` requests from `seed`.
pub fn generate(seed: u64, count: usize) -> Vec<Request> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count).map(|id| request(&mut rng, id)).collect()
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    *items.choose(rng).expect("non-empty")
}

fn request(rng: &mut StdRng, id: usize) -> Request {
    let (action, template) = pick(rng, TARGETS);
    let region = pick(rng, REGIONS);
    let resource = template
        .replace("{user}", pick(rng, USERS))
        .replace("{team}", pick(rng, TEAMS))
        .replace("{region}", region)
        .replace("{bucket}", pick(rng, BUCKETS));
    let (context, absent) = context(rng, region);
    let policies = rng.random_range(1..=3);
    let identity_policies = (0..policies)
        .map(|_| document(rng, action, &resource))
        .collect();
    let boundary = rng
        .random_bool(0.3)
        .then(|| document(rng, action, &resource));
    Request {
        id,
        identity_policies,
        boundary,
        action: action.to_owned(),
        resource,
        context,
        absent,
    }
}

/// Every key of [`KEYS`] gets a value, a list of values, or is absent.
fn context(rng: &mut StdRng, region: &str) -> (Map<String, Value>, Vec<String>) {
    let mut context = Map::new();
    let mut absent = Vec::new();
    for (key, kind, values) in KEYS {
        if rng.random_bool(0.25) {
            absent.push((*key).to_owned());
            continue;
        }
        let value = if *kind == Kind::List || rng.random_bool(0.04) {
            // A list: multivalued, even with one value.
            let mut list: Vec<&str> = values.to_vec();
            list.retain(|_| rng.random_bool(0.6));
            if list.is_empty() {
                list.push(pick(rng, values));
            }
            json!(list)
        } else if *key == "aws:RequestedRegion" && rng.random_bool(0.7) {
            json!(region)
        } else {
            json!(pick(rng, values))
        };
        context.insert((*key).to_owned(), value);
    }
    (context, absent)
}

fn document(rng: &mut StdRng, action: &str, resource: &str) -> Value {
    let statements: Vec<Value> = (0..rng.random_range(1..=3))
        .map(|_| statement(rng, action, resource))
        .collect();
    let mut document = Map::new();
    match rng.random_range(0..20) {
        0 | 1 => {
            document.insert("Version".into(), json!("2008-10-17"));
        }
        2 => {}
        _ => {
            document.insert("Version".into(), json!("2012-10-17"));
        }
    }
    document.insert("Statement".into(), json!(statements));
    Value::Object(document)
}

fn statement(rng: &mut StdRng, action: &str, resource: &str) -> Value {
    let mut statement = Map::new();
    if rng.random_bool(0.2) {
        statement.insert(
            "Sid".into(),
            json!(format!("S{}", rng.random_range(0..100))),
        );
    }
    let effect = if rng.random_bool(0.7) {
        "Allow"
    } else {
        "Deny"
    };
    statement.insert("Effect".into(), json!(effect));
    let actions: Vec<String> = (0..rng.random_range(1..=2))
        .map(|_| action_pattern(rng, action))
        .collect();
    let element = if rng.random_bool(0.2) {
        "NotAction"
    } else {
        "Action"
    };
    statement.insert(element.into(), one_or_list(rng, actions));
    let resources: Vec<String> = (0..rng.random_range(1..=2))
        .map(|_| resource_pattern(rng, resource))
        .collect();
    let element = if rng.random_bool(0.2) {
        "NotResource"
    } else {
        "Resource"
    };
    statement.insert(element.into(), one_or_list(rng, resources));
    if rng.random_bool(0.6) {
        statement.insert("Condition".into(), condition(rng));
    }
    Value::Object(statement)
}

fn one_or_list(rng: &mut StdRng, items: Vec<String>) -> Value {
    if items.len() == 1 && rng.random_bool(0.5) {
        json!(items[0])
    } else {
        json!(items)
    }
}

fn action_pattern(rng: &mut StdRng, action: &str) -> String {
    let (service, name) = action.split_once(':').expect("service:name");
    match rng.random_range(0..9) {
        0 => "*".to_owned(),
        1 => format!("{service}:*"),
        2 => format!("{service}:{}*", &name[..3]),
        3 => format!("{service}:{}?{}", &name[..2], &name[3..]),
        4 => action.to_uppercase(),
        5 => format!("{service}:Describe*"),
        6 => pick(rng, TARGETS).0.to_owned(),
        7 => format!("{service}:*{}", &name[name.len() - 3..]),
        _ => action.to_owned(),
    }
}

/// A resource pattern that may or may not match `resource`.
fn resource_pattern(rng: &mut StdRng, resource: &str) -> String {
    let segments: Vec<&str> = resource.splitn(6, ':').collect();
    let resource_part = segments[5];
    let with_part = |part: &str| format!("{}:{part}", segments[..5].join(":"));
    match rng.random_range(0..14) {
        0 => "*".to_owned(),
        // A prefix and a star, cut anywhere.
        1 => {
            let cut = rng.random_range(8..resource.len());
            format!("{}*", &resource[..cut])
        }
        // A star for the region or the account.
        2 => {
            let mut segments = segments.clone();
            segments[rng.random_range(3..=4)] = "*";
            segments.join(":")
        }
        // A `?` in the resource part.
        3 => {
            let at = rng.random_range(0..resource_part.len());
            let mut part = resource_part.to_owned();
            part.replace_range(at..=at, "?");
            with_part(&part)
        }
        // A wildcard in the resource-type segment (`user/...`, `table/...`).
        4 => match resource_part.split_once('/') {
            Some((kind, rest)) if rng.random_bool(0.5) => {
                with_part(&format!("{}*/{rest}", &kind[..2]))
            }
            Some((kind, rest)) => with_part(&format!("{}?{}/{rest}", &kind[..1], &kind[2..])),
            None => with_part("*"),
        },
        // Policy variables in the resource part.
        5 | 6 => {
            let mut part = resource_part.to_owned();
            for user in USERS {
                part = part.replace(&format!("/{user}"), "/${aws:username}");
            }
            for team in TEAMS {
                part = part.replace(team, "${aws:PrincipalTag/team}");
            }
            if part == resource_part {
                part.push_str("${aws:username, 'x'}");
            }
            with_part(&part)
        }
        // A policy variable before the resource part, where AWS does not substitute.
        7 => {
            let mut segments = segments.clone();
            segments[3] = "${aws:RequestedRegion}";
            segments.join(":")
        }
        // Another resource, or a case that differs.
        8 => {
            let (_, other) = pick(rng, TARGETS);
            other
                .replace("{user}", "alice")
                .replace("{team}", "red")
                .replace("{region}", "us-east-1")
                .replace("{bucket}", "reports")
        }
        9 => resource.to_uppercase(),
        10 => with_part("*"),
        _ => resource.to_owned(),
    }
}

fn condition(rng: &mut StdRng) -> Value {
    let mut condition = Map::new();
    for _ in 0..rng.random_range(1..=2) {
        let (operator, key, values) = clause(rng);
        let keys = condition
            .entry(operator)
            .or_insert_with(|| Value::Object(Map::new()));
        keys.as_object_mut()
            .expect("an object")
            .insert(key.to_owned(), values);
    }
    Value::Object(condition)
}

/// One operator on one key with one or more policy values.
fn clause(rng: &mut StdRng) -> (String, &'static str, Value) {
    let (key, kind, _) = pick(rng, KEYS);
    if rng.random_bool(0.08) {
        let value = pick(rng, &["true", "false"]);
        return ("Null".to_owned(), key, json!(value));
    }
    let family = match kind {
        Kind::String | Kind::List => STRING_OPERATORS,
        // ARNs are strings too.
        Kind::Arn if rng.random_bool(0.3) => STRING_OPERATORS,
        Kind::Arn => ARN_OPERATORS,
        Kind::Number => NUMERIC_OPERATORS,
        Kind::Date | Kind::Epoch => DATE_OPERATORS,
        Kind::Bool => &["Bool"],
        Kind::Binary => &["BinaryEquals"],
        Kind::Ip => IP_OPERATORS,
    };
    let operator = pick(rng, family);
    // ARN operators compare with ARNs, string operators with text.
    let arn_operator = operator.starts_with("Arn");
    let textual = matches!(kind, Kind::String | Kind::List | Kind::Arn) && !arn_operator;
    let values: Vec<String> = (0..rng.random_range(1..=3))
        .map(|_| {
            let value = if arn_operator && rng.random_bool(0.2) {
                pick(rng, ARN_VARIABLES)
            } else if textual && rng.random_bool(0.15) {
                pick(rng, VARIABLES)
            } else if textual && operator.contains("Like") && rng.random_bool(0.4) {
                pick(rng, LIKE_VALUES)
            } else {
                pick(rng, policy_values(kind))
            };
            value.to_owned()
        })
        .collect();
    let set = if kind == Kind::List { 0.85 } else { 0.08 };
    let mut operator = operator.to_owned();
    if rng.random_bool(set) {
        let qualifier = if rng.random_bool(0.5) {
            "ForAllValues"
        } else {
            "ForAnyValue"
        };
        operator = format!("{qualifier}:{operator}");
    }
    if rng.random_bool(0.25) {
        operator.push_str("IfExists");
    }
    let values = if values.len() == 1 {
        json!(values[0])
    } else {
        json!(values)
    };
    (operator, key, values)
}
