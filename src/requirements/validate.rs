//! The rules every requirements file must satisfy; the built-in one is checked by the tests.

use std::collections::BTreeSet;

use super::connection_requirements::ConnectionRequirements;
use crate::domain::Connection;
use crate::policy::action_matches;

/// IAM service prefixes that required actions may use.
pub const KNOWN_SERVICE_PREFIXES: &[&str] = &[
    "cloudtrail",
    "cloudwatch",
    "config",
    "ec2",
    "iam",
    "kms",
    "s3",
    "securityhub",
    "sts",
];

/// Prefix of an AWS managed policy ARN (commercial partition).
const MANAGED_POLICY_ARN_PREFIX: &str = "arn:aws:iam::aws:policy/";

/// Why requirements could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RequirementsError {
    /// The text is not TOML of the expected shape.
    #[error("requirements are not valid TOML: {0}")]
    Parse(#[from] toml::de::Error),
    /// A connection's `seed_policy` is not JSON.
    #[error("seed_policy of {} is not valid JSON: {source}", connection.as_str())]
    PolicyJson {
        /// The connection whose policy is broken.
        connection: Connection,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// The file parsed but breaks content rules; one message per problem.
    #[error("requirements have {} problem(s): {}", .0.len(), .0.join("; "))]
    Invalid(Vec<String>),
}

/// True for `service:Action` with a known service prefix and a concrete (wildcard-free) action name.
pub(super) fn is_concrete_action(action: &str) -> bool {
    let Some((service, name)) = action.split_once(':') else {
        return false;
    };
    KNOWN_SERVICE_PREFIXES.contains(&service)
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The `Action` entries of every statement of an IAM policy document.
pub(super) fn policy_actions(policy: &serde_json::Value) -> Vec<String> {
    let statements = match policy.get("Statement") {
        Some(serde_json::Value::Array(list)) => list.iter().collect(),
        Some(single) => vec![single],
        None => Vec::new(),
    };
    statements
        .into_iter()
        .filter_map(|statement| statement.get("Action"))
        .flat_map(|action| match action {
            serde_json::Value::String(one) => vec![one.clone()],
            serde_json::Value::Array(many) => many
                .iter()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// Content rules of one connection; appends a message per problem.
pub(super) fn check_connection(
    connection: Connection,
    body: &ConnectionRequirements,
    sources: &[String],
    problems: &mut Vec<String>,
) {
    let mut problem =
        |message: String| problems.push(format!("{}: {message}", connection.as_str()));
    if body.actions.is_empty() {
        problem("no action".to_owned());
    }
    let mut seen = BTreeSet::new();
    for action in &body.actions {
        if !is_concrete_action(action) {
            problem(format!(
                "`{action}` is not a concrete `service:Action` with a known service prefix"
            ));
        }
        if !seen.insert(action.as_str()) {
            problem(format!("`{action}` listed twice"));
        }
    }
    if body.services.is_empty()
        || body
            .services
            .iter()
            .any(|s| !KNOWN_SERVICE_PREFIXES.contains(&s.as_str()))
    {
        problem(format!(
            "services {:?} must be non-empty known service prefixes",
            body.services
        ));
    }
    for arn in &body.managed_policies {
        if arn
            .strip_prefix(MANAGED_POLICY_ARN_PREFIX)
            .is_none_or(|name| name.is_empty())
        {
            problem(format!("`{arn}` is not an AWS managed policy ARN"));
        }
    }
    match &body.policy_document {
        Some(policy) => check_policy_sources(body, policy, sources, &mut problem),
        None => check_managed_sources(body, sources, &mut problem),
    }
}

/// With a policy document: each source is one of its entries and grants its action; each entry is used.
fn check_policy_sources(
    body: &ConnectionRequirements,
    policy: &serde_json::Value,
    sources: &[String],
    problem: &mut impl FnMut(String),
) {
    let entries = policy_actions(policy);
    if entries.is_empty() {
        problem("policy_document has no Action".to_owned());
    }
    for (action, source) in body.actions.iter().zip(sources) {
        if !entries.contains(source) {
            problem(format!(
                "source `{source}` of `{action}` is not in the policy document"
            ));
        } else if !action_matches(source, action) {
            problem(format!("source `{source}` does not grant `{action}`"));
        }
    }
    for entry in &entries {
        if !body
            .actions
            .iter()
            .any(|action| action_matches(entry, action))
        {
            problem(format!("policy entry `{entry}` has no required action"));
        }
        if !body
            .services
            .iter()
            .any(|service| entry.starts_with(&format!("{service}:")))
        {
            problem(format!(
                "policy entry `{entry}` uses a service missing from services"
            ));
        }
    }
}

/// Without a policy document: each source names one of the managed policies.
fn check_managed_sources(
    body: &ConnectionRequirements,
    sources: &[String],
    problem: &mut impl FnMut(String),
) {
    let names: Vec<&str> = body
        .managed_policies
        .iter()
        .filter_map(|arn| arn.strip_prefix(MANAGED_POLICY_ARN_PREFIX))
        .collect();
    for (action, source) in body.actions.iter().zip(sources) {
        if !names.contains(&source.as_str()) {
            problem(format!(
                "source `{source}` of `{action}` is not one of the managed policies"
            ));
        }
    }
}

/// The placeholders a resource pattern may use.
const RESOURCE_PLACEHOLDERS: &[&str] = &["${Partition}", "${Region}", "${Account}"];

/// Every resource pattern belongs to a required action, is an ARN of its service in the
/// partition of the diagnosis, and uses only the known placeholders.
pub(super) fn check_resources(
    resources: &std::collections::BTreeMap<String, String>,
    required: &[String],
    problems: &mut Vec<String>,
) {
    for (action, pattern) in resources {
        if !required.contains(action) {
            problems.push(format!("resources: {action} is not a required action"));
            continue;
        }
        let service = action.split(':').next().unwrap_or_default();
        if !pattern.starts_with(&format!("arn:${{Partition}}:{service}:")) {
            problems.push(format!(
                "resources: {action}: {pattern} is not an arn:${{Partition}}:{service}: pattern"
            ));
        }
        let mut rest = pattern.clone();
        for placeholder in RESOURCE_PLACEHOLDERS {
            rest = rest.replace(placeholder, "");
        }
        if rest.contains("${") {
            problems.push(format!(
                "resources: {action}: unknown placeholder in {pattern}"
            ));
        }
    }
}
