//! The IAM policy evaluator's throughput: every action both connections require, evaluated
//! against a realistic policy set (the seed auditing policy, a SecurityAudit-like wildcard
//! policy, AWSSecurityHubReadOnlyAccess, a deny statement with a decidable condition and a
//! permissions boundary), as `local_evaluation` does when the simulator is denied.
//!
//! `cargo bench --bench policy` (`-- --quick` for a short run); `bench/run` records the figure.

use std::hint::black_box;

use connector_doctor::domain::Connection;
use connector_doctor::policy::{Context, NamedPolicy, PolicySet, Request, evaluate};
use connector_doctor::requirements::Requirements;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;

/// A SecurityAudit-like managed policy: read-only wildcards over many services.
fn security_audit_like() -> serde_json::Value {
    let services = [
        "access-analyzer",
        "account",
        "acm",
        "apigateway",
        "application-autoscaling",
        "appstream",
        "appsync",
        "athena",
        "autoscaling",
        "backup",
        "batch",
        "cloudformation",
        "cloudfront",
        "cloudhsm",
        "cloudsearch",
        "cloudtrail",
        "cloudwatch",
        "codebuild",
        "codepipeline",
        "cognito-identity",
        "cognito-idp",
        "config",
        "datapipeline",
        "dax",
        "directconnect",
        "dms",
        "ds",
        "dynamodb",
        "ec2",
        "ecr",
        "ecs",
        "eks",
        "elasticache",
        "elasticbeanstalk",
        "elasticfilesystem",
        "elasticloadbalancing",
        "elasticmapreduce",
        "es",
        "events",
        "firehose",
        "fms",
        "glacier",
        "glue",
        "guardduty",
        "iam",
        "inspector",
        "iot",
        "kafka",
        "kinesis",
        "kms",
        "lambda",
        "lightsail",
        "logs",
        "macie2",
        "mq",
        "organizations",
        "rds",
        "redshift",
        "route53",
        "route53domains",
        "s3",
        "sagemaker",
        "secretsmanager",
        "securityhub",
        "ses",
        "shield",
        "sns",
        "sqs",
        "ssm",
        "states",
        "sts",
        "support",
        "tag",
        "waf",
        "waf-regional",
        "wafv2",
        "workspaces",
        "xray",
    ];
    let actions: Vec<String> = services
        .iter()
        .flat_map(|service| ["Describe*", "Get*", "List*"].map(|verb| format!("{service}:{verb}")))
        .chain(
            [
                "iam:GenerateCredentialReport",
                "iam:SimulatePrincipalPolicy",
                "s3:GetBucket*",
            ]
            .map(str::to_owned),
        )
        .collect();
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions, "Resource": "*"},
        {"Sid": "Lambda", "Effect": "Allow", "NotAction": ["lambda:Invoke*", "lambda:Update*"],
         "Resource": "arn:aws:lambda:*:123456789012:function:*"}
    ]})
}

fn security_hub_read_only() -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": ["securityhub:Get*", "securityhub:List*", "securityhub:BatchGet*",
                   "securityhub:Describe*"],
        "Resource": "*"
    }]})
}

fn deny() -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "NoAcls", "Effect": "Deny", "Action": ["s3:PutBucketAcl", "s3:PutObjectAcl"],
         "Resource": "*"},
        {"Sid": "OtherAccounts", "Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "123456789012"}}}
    ]})
}

fn boundary() -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow",
         "NotAction": ["iam:Create*", "iam:Delete*", "iam:Put*", "iam:Attach*", "organizations:*"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::*:user/${aws:username}"}
    ]})
}

fn policy_set() -> PolicySet {
    let seed = Requirements::builtin()
        .for_connection(Connection::SecurityAuditing)
        .policy_document
        .clone()
        .expect("security auditing has a policy document");
    let parse = |name: &str, document: serde_json::Value| {
        NamedPolicy::parse(name, &document.to_string()).expect("the benchmark policies parse")
    };
    PolicySet::new(vec![
        parse("user inline policy connector", seed),
        parse(
            "arn:aws:iam::aws:policy/SecurityAudit",
            security_audit_like(),
        ),
        parse(
            "arn:aws:iam::aws:policy/AWSSecurityHubReadOnlyAccess",
            security_hub_read_only(),
        ),
        parse("user inline policy deny", deny()),
    ])
    .with_boundary(parse(
        "arn:aws:iam::123456789012:policy/boundary",
        boundary(),
    ))
}

fn context() -> Context {
    Context::new()
        .with("aws:PrincipalAccount", "123456789012")
        .with("aws:PrincipalArn", "arn:aws:iam::123456789012:user/mdca")
        .with("aws:PrincipalType", "User")
        .with("aws:username", "mdca")
}

fn bench(c: &mut Criterion) {
    let actions: Vec<String> = Requirements::builtin()
        .required_actions(&Connection::ALL)
        .into_iter()
        .map(|required| required.action)
        .collect();
    let set = policy_set();
    let context = context();
    // bench/run reads this line.
    eprintln!("required actions: {}", actions.len());

    let mut group = c.benchmark_group("policy");
    group.throughput(Throughput::Elements(actions.len() as u64));
    group.bench_function("evaluate_required_actions", |b| {
        b.iter(|| {
            for action in &actions {
                black_box(evaluate(
                    black_box(&set),
                    &Request::new(black_box(action), "*", &context),
                ));
            }
        });
    });
    group.finish();

    let documents: Vec<(String, String)> = [
        (
            "seed",
            Requirements::builtin()
                .for_connection(Connection::SecurityAuditing)
                .policy_document
                .clone()
                .expect("a seed policy"),
        ),
        ("audit", security_audit_like()),
        ("hub", security_hub_read_only()),
        ("deny", deny()),
        ("boundary", boundary()),
    ]
    .into_iter()
    .map(|(name, document)| (name.to_owned(), document.to_string()))
    .collect();
    let mut group = c.benchmark_group("policy");
    group.throughput(Throughput::Elements(documents.len() as u64));
    group.bench_function("parse_policy_set", |b| {
        b.iter(|| {
            for (name, text) in &documents {
                black_box(NamedPolicy::parse(name.as_str(), black_box(text)).expect("parses"));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
