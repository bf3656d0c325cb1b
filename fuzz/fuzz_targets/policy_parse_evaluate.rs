//! Fuzzes the policy parser with arbitrary bytes and evaluates whatever
//! parses against a few requests, so both the parser and the matchers see
//! hostile input. Any panic is a bug: parsing returns errors, evaluation
//! always returns a verdict.

#![no_main]

use connector_doctor::policy::{
    Context, NamedPolicy, PolicyDocument, PolicySet, Request, evaluate,
};
use libfuzzer_sys::fuzz_target;

/// Actions and resources with wildcard-like characters, colons and
/// multi-byte text, to exercise every matching path.
const REQUESTS: &[(&str, &str)] = &[
    ("iam:ListUsers", "*"),
    ("s3:GetObject", "arn:aws:s3:::bucket/key:with:colons"),
    (
        "cloudtrail:DescribeTrails",
        "arn:aws:cloudtrail:eu-west-1:123456789012:trail/t",
    ),
    ("S3:PUTOBJECT", "arn:aws:s3:::bücket/ключ"),
    ("nocolon", ""),
    ("*:*", "arn:*:?"),
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(document) = PolicyDocument::parse(&text) else {
        return;
    };
    // The same document as identity policy and as boundary covers both layers.
    let set = PolicySet::new(vec![NamedPolicy::new("fuzz", document.clone())])
        .with_boundary(NamedPolicy::new("fuzz-boundary", document));
    let context = Context::new()
        .with("aws:username", "bob")
        .with("aws:SourceIp", "203.0.113.7")
        .with("aws:CurrentTime", "2024-06-30T12:00:00Z")
        .with("aws:MultiFactorAuthAge", "300")
        .with("aws:TagKeys", "a")
        .with("aws:TagKeys", "b");
    let empty = Context::new();
    for (action, resource) in REQUESTS {
        for ctx in [&context, &empty] {
            let verdict = evaluate(&set, &Request::new(action, resource, ctx));
            // Rendering exercises the explanation code too.
            let _ = verdict.to_string();
        }
    }
});
