//! Typed IAM policy documents and their parser.
//!
//! IAM's `GetPolicyVersion`, `GetUserPolicy`, `GetRolePolicy` and
//! `GetGroupPolicy` return documents percent-encoded (RFC 3986); users paste
//! plain JSON. [`PolicyDocument::parse`] accepts both: text that does not
//! start with `{` is percent-decoded first.
//!
//! The JSON is read into a `serde_json::Value` and converted by hand rather
//! than derived, because IAM's grammar has shapes serde derives handle badly
//! (string-or-list elements, mutually exclusive `Action`/`NotAction`) and
//! because each error should name the statement it is in.
//!
//! Everything needed for evaluation is compiled here, once: action patterns,
//! resource patterns and condition values. `Principal`/`NotPrincipal` are
//! accepted and ignored (they only matter in resource-based policies), as
//! are elements this parser does not know.

use std::fmt;
use std::str::FromStr;

use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::{Map, Value};

use super::condition::ConditionBlock;
use super::context::Context;
use super::matcher::{ActionMatcher, ActionSyntax, ResourceMatcher, SplitAction};
use super::parse_error::PolicyParseError;
use super::truth::Truth;

/// The only policy language version in which `${...}` policy variables are
/// substituted; in `2008-10-17` (or no version) they are literal text.
pub const VARIABLES_VERSION: &str = "2012-10-17";

/// A parsed, precompiled IAM policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    /// The `Version` element, if present.
    pub version: Option<String>,
    /// The statements, in document order (indexes match `Statement[i]`).
    pub statements: Vec<Statement>,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Effect {
    /// The statement grants the actions it covers.
    Allow,
    /// The statement forbids the actions it covers; always wins.
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// One statement of a policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The optional statement id.
    pub sid: Option<String>,
    /// Allow or Deny.
    pub effect: Effect,
    /// The `Action` or `NotAction` element.
    pub action: ActionMatcher,
    /// The `Resource` or `NotResource` element.
    pub resource: ResourceMatcher,
    /// The `Condition` element (empty when absent).
    pub condition: ConditionBlock,
}

impl Statement {
    /// Whether this statement applies to the request: action, resource and
    /// condition all match. Cheapest checks first, so most statements are
    /// rejected by the action test alone.
    pub(crate) fn applies<'p>(
        &'p self,
        action: &SplitAction<'_>,
        resource: &str,
        context: &Context,
    ) -> Truth<'p> {
        if !self.action.covers_split(action) {
            return Truth::False;
        }
        let resource = self.resource.covers(resource, context);
        if resource == Truth::False {
            return Truth::False;
        }
        resource.and(self.condition.evaluate(context))
    }
}

impl PolicyDocument {
    /// Parses a policy from plain or percent-encoded JSON text.
    pub fn parse(text: &str) -> Result<Self, PolicyParseError> {
        let text = text.trim_start_matches('\u{feff}').trim();
        let decoded;
        let json = if text.starts_with('{') {
            text
        } else {
            decoded = percent_decode_str(text)
                .decode_utf8()
                .map_err(|_| PolicyParseError::InvalidEncoding)?;
            decoded.as_ref()
        };
        let value: Value = serde_json::from_str(json).map_err(|e| {
            // serde_json appends the position, which is reported separately.
            let full = e.to_string();
            let message = match full.rfind(" at line ") {
                Some(at) => full[..at].to_owned(),
                None => full,
            };
            PolicyParseError::InvalidJson {
                line: e.line(),
                column: e.column(),
                message,
            }
        })?;
        Self::from_json(&value)
    }

    /// Converts an already-parsed JSON value.
    pub fn from_json(value: &Value) -> Result<Self, PolicyParseError> {
        let Value::Object(root) = value else {
            return Err(PolicyParseError::NotAnObject);
        };
        let version = match root.get("Version") {
            None => None,
            Some(Value::String(v)) => Some(v.clone()),
            Some(_) => {
                return Err(PolicyParseError::InvalidTopLevelElement {
                    element: "Version",
                    expected: "a string",
                });
            }
        };
        let variables = version.as_deref() == Some(VARIABLES_VERSION);
        let raw_statements: Vec<&Value> = match root.get("Statement") {
            None => return Err(PolicyParseError::MissingStatement),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(single @ Value::Object(_)) => vec![single],
            Some(_) => {
                return Err(PolicyParseError::InvalidTopLevelElement {
                    element: "Statement",
                    expected: "an object or a list of objects",
                });
            }
        };
        let statements = raw_statements
            .into_iter()
            .enumerate()
            .map(|(index, raw)| match raw {
                Value::Object(fields) => parse_statement(index, fields, variables),
                _ => Err(PolicyParseError::StatementNotAnObject { statement: index }),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PolicyDocument {
            version,
            statements,
        })
    }

    /// True when `${...}` policy variables are substituted in this document.
    pub fn supports_variables(&self) -> bool {
        self.version.as_deref() == Some(VARIABLES_VERSION)
    }
}

impl FromStr for PolicyDocument {
    type Err = PolicyParseError;

    /// Same as [`PolicyDocument::parse`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// Reads a string-or-list-of-strings element.
fn string_list<'v>(
    value: &'v Value,
    statement: usize,
    element: &'static str,
) -> Result<Vec<&'v str>, PolicyParseError> {
    let wrong = || PolicyParseError::InvalidElementType {
        statement,
        element,
        expected: "a string or a list of strings",
    };
    match value {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().ok_or_else(wrong))
            .collect(),
        _ => Err(wrong()),
    }
}

/// Picks exactly one of two mutually exclusive elements.
fn exclusive<'v>(
    fields: &'v Map<String, Value>,
    positive: &'static str,
    negative: &'static str,
) -> Result<Option<(bool, &'v Value, &'static str)>, ()> {
    match (fields.get(positive), fields.get(negative)) {
        (Some(_), Some(_)) => Err(()),
        (Some(v), None) => Ok(Some((false, v, positive))),
        (None, Some(v)) => Ok(Some((true, v, negative))),
        (None, None) => Ok(None),
    }
}

fn parse_statement(
    statement: usize,
    fields: &Map<String, Value>,
    variables: bool,
) -> Result<Statement, PolicyParseError> {
    let sid = match fields.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(PolicyParseError::InvalidElementType {
                statement,
                element: "Sid",
                expected: "a string",
            });
        }
    };

    let effect = match fields.get("Effect") {
        None => return Err(PolicyParseError::MissingEffect { statement }),
        // Case-insensitive: IAM validated the document; being stricter here
        // could only refuse a policy that IAM enforces.
        Some(Value::String(s)) if s.eq_ignore_ascii_case("Allow") => Effect::Allow,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("Deny") => Effect::Deny,
        Some(other) => {
            return Err(PolicyParseError::InvalidEffect {
                statement,
                value: other.to_string(),
            });
        }
    };

    let (negated, value, element) = exclusive(fields, "Action", "NotAction")
        .map_err(|()| PolicyParseError::BothActionAndNotAction { statement })?
        .ok_or(PolicyParseError::MissingAction { statement })?;
    let patterns = string_list(value, statement, element)?;
    let action = ActionMatcher::compile(negated, patterns).map_err(|(action, syntax)| {
        PolicyParseError::InvalidAction {
            statement,
            action,
            reason: match syntax {
                ActionSyntax::MissingColon => "expected \"service:ActionName\" or \"*\"",
                ActionSyntax::EmptyService => "the service prefix before the colon is empty",
                ActionSyntax::EmptyName => "the action name after the colon is empty",
            },
        }
    })?;

    let (negated, value, element) = exclusive(fields, "Resource", "NotResource")
        .map_err(|()| PolicyParseError::BothResourceAndNotResource { statement })?
        .ok_or(PolicyParseError::MissingResource { statement })?;
    let resource =
        ResourceMatcher::compile(negated, variables, string_list(value, statement, element)?);

    let condition = match fields.get("Condition") {
        None => ConditionBlock::default(),
        Some(value) => ConditionBlock::parse(value, variables).map_err(|syntax| {
            PolicyParseError::InvalidCondition {
                statement,
                operator: syntax.operator,
                reason: syntax.reason,
            }
        })?,
    };

    Ok(Statement {
        sid,
        effect,
        action,
        resource,
        condition,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_string_and_list_forms() {
        let doc = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"s3:Get*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}}"#,
        )
        .expect("valid");
        assert_eq!(doc.statements.len(), 1);
        let s = &doc.statements[0];
        assert_eq!(s.sid.as_deref(), Some("A"));
        assert_eq!(s.effect, Effect::Allow);
        assert_eq!(s.action.patterns().collect::<Vec<_>>(), ["s3:Get*"]);
        assert_eq!(s.resource.patterns().count(), 2);
        assert!(doc.supports_variables());
    }

    #[test]
    fn decodes_percent_encoding() {
        let encoded = "%7B%22Statement%22%3A%5B%5D%7D";
        let doc = PolicyDocument::parse(encoded).expect("valid");
        assert!(doc.statements.is_empty());
        assert_eq!(
            PolicyDocument::parse("%FF"),
            Err(PolicyParseError::InvalidEncoding)
        );
    }

    #[test]
    fn json_errors_carry_position() {
        let err = PolicyDocument::parse("{\n  \"Statement\": [,]\n}").expect_err("invalid");
        assert!(
            matches!(&err, PolicyParseError::InvalidJson { line: 2, column: 17, message } if message == "expected value"),
            "{err:?}"
        );
    }
}
