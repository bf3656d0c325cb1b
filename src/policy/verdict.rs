//! The outcome of an evaluation and why.
//!
//! A [`Verdict`] pairs the [`Decision`] with an [`Explanation`] that names
//! the deciding statements by policy name, index and Sid, says which layer
//! (identity policies or permissions boundary) denied, and lists what could
//! not be decided. Both serialize for the REST API and display as a sentence
//! for humans.

use std::fmt;

use serde::Serialize;

use super::document::Effect;

/// What IAM would do with the request, as far as the context allows to tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Some identity statement allows it, the boundary (if any) allows it,
    /// and nothing denies it.
    Allowed,
    /// Nothing denies it, but the allow that is needed is missing.
    ImplicitDeny,
    /// A Deny statement applies.
    ExplicitDeny,
    /// Depends on condition keys or policy variables the context lacks.
    Unknown,
}

impl Decision {
    /// The serialized name (`allowed`, `implicit_deny`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::ImplicitDeny => "implicit_deny",
            Decision::ExplicitDeny => "explicit_deny",
            Decision::Unknown => "unknown",
        }
    }

    /// True for both kinds of deny.
    pub fn is_denied(self) -> bool {
        matches!(self, Decision::ImplicitDeny | Decision::ExplicitDeny)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The layer of the policy set a statement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// The principal's identity policies (inline and managed).
    IdentityPolicy,
    /// The principal's permissions boundary.
    PermissionsBoundary,
}

impl Layer {
    /// The serialized name (`identity_policy`, `permissions_boundary`).
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::IdentityPolicy => "identity_policy",
            Layer::PermissionsBoundary => "permissions_boundary",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::IdentityPolicy => "identity policy",
            Layer::PermissionsBoundary => "permissions boundary",
        })
    }
}

/// Identifies one statement of one policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    /// Which layer the policy is in.
    pub layer: Layer,
    /// The policy's name (e.g. an ARN or "user inline policy X").
    pub policy: String,
    /// 0-based index in the policy's `Statement` list.
    pub index: usize,
    /// The statement's `Sid`, if it has one.
    pub sid: Option<String>,
    /// The statement's effect.
    pub effect: Effect,
}

impl fmt::Display for StatementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Statement[{}]", self.index)?;
        if let Some(sid) = &self.sid {
            write!(f, " (Sid {sid:?})")?;
        }
        write!(f, " of {} {:?}", self.layer, self.policy)
    }
}

/// Why a statement could not be decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UndecidedReason {
    /// A condition needs a key the request context does not supply.
    MissingContextKey {
        /// Operator as written.
        operator: String,
        /// Condition key as written.
        key: String,
    },
    /// A condition uses an operator the evaluator cannot decide.
    UnsupportedOperator {
        /// Operator as written.
        operator: String,
        /// Condition key as written.
        key: String,
    },
    /// A policy variable has no value in the request context.
    MissingPolicyVariable {
        /// Variable key, e.g. `aws:username`.
        variable: String,
    },
    /// A policy variable names a key with several values in the context.
    MultiValuedPolicyVariable {
        /// Variable key.
        variable: String,
    },
    /// A condition tests a multivalued key without `ForAllValues:` or
    /// `ForAnyValue:`: AWS documents no outcome for that (IAM Access Analyzer
    /// warns about it).
    MultiValuedKeyWithoutSetOperator {
        /// Operator as written.
        operator: String,
        /// Condition key as written.
        key: String,
    },
    /// `ForAnyValue:...IfExists` on a key absent from the request, which the
    /// documentation leaves open (`IfExists` says true, `ForAnyValue` false).
    AnyValueIfExistsOnAbsentKey {
        /// Operator as written.
        operator: String,
        /// Condition key as written.
        key: String,
    },
}

impl fmt::Display for UndecidedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UndecidedReason::MissingContextKey { operator, key } => write!(
                f,
                "its condition {operator} on {key:?} needs a value the request context does not supply"
            ),
            UndecidedReason::UnsupportedOperator { operator, key } => write!(
                f,
                "its condition {operator} on {key:?} uses an operator this evaluator cannot decide"
            ),
            UndecidedReason::MissingPolicyVariable { variable } => write!(
                f,
                "it uses the policy variable ${{{variable}}}, which the request context does not supply"
            ),
            UndecidedReason::MultiValuedPolicyVariable { variable } => write!(
                f,
                "it uses the policy variable ${{{variable}}}, which has several values in the request context"
            ),
            UndecidedReason::MultiValuedKeyWithoutSetOperator { operator, key } => write!(
                f,
                "its condition {operator} tests {key:?}, a key with several values, without ForAllValues: or ForAnyValue:, which AWS leaves undefined"
            ),
            UndecidedReason::AnyValueIfExistsOnAbsentKey { operator, key } => write!(
                f,
                "its condition {operator} is on {key:?}, which the request lacks, and AWS does not say whether IfExists (true) or ForAnyValue (false) decides then"
            ),
        }
    }
}

/// A statement that would have mattered but could not be decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndecidedStatement {
    /// The statement.
    pub statement: StatementRef,
    /// The first thing that could not be decided in it.
    pub reason: UndecidedReason,
}

/// Why the decision was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The decision being explained (repeated so the explanation reads on its own).
    pub decision: Decision,
    /// For denies: the layer that denied (the one with the applying Deny, or
    /// the one without an applying Allow). `None` otherwise.
    pub denied_by: Option<Layer>,
    /// The Deny statement that applied, for `explicit_deny`.
    pub explicit_deny: Option<StatementRef>,
    /// The first identity-policy statement that allows the request.
    pub identity_allow: Option<StatementRef>,
    /// The first permissions-boundary statement that allows the request.
    pub boundary_allow: Option<StatementRef>,
    /// Name of the permissions boundary, when the set has one.
    pub boundary: Option<String>,
    /// For `unknown`: the statements whose outcome could not be decided and
    /// that could change the decision (Allows still needed, possible Denies).
    /// For `implicit_deny`: the Deny statements that could not be decided (the
    /// request is denied either way, perhaps explicitly). Empty otherwise.
    pub undecided: Vec<UndecidedStatement>,
}

impl Explanation {
    /// The layer that decided a deny (`identity_policy` or
    /// `permissions_boundary`), for a caller's `denied_by` field.
    pub fn denied_by(&self) -> Option<Layer> {
        self.denied_by
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.decision {
            Decision::Allowed => {
                f.write_str("Allowed")?;
                if let Some(allow) = &self.identity_allow {
                    write!(f, " by {allow}")?;
                }
                if let Some(allow) = &self.boundary_allow {
                    write!(f, " and by {allow}")?;
                }
                f.write_str(".")
            }
            Decision::ExplicitDeny => match &self.explicit_deny {
                Some(deny) => write!(f, "Explicitly denied by {deny}."),
                None => f.write_str("Explicitly denied."),
            },
            Decision::ImplicitDeny => {
                let boundary = self.boundary.as_deref().unwrap_or("");
                match (self.denied_by, &self.identity_allow) {
                    (Some(Layer::PermissionsBoundary), Some(allow)) => write!(
                        f,
                        "Implicitly denied: {allow} allows it, but no statement of the permissions boundary {boundary:?} does."
                    ),
                    (Some(Layer::PermissionsBoundary), None) => write!(
                        f,
                        "Implicitly denied: no statement of the permissions boundary {boundary:?} allows it."
                    ),
                    _ => f.write_str("Implicitly denied: no identity policy statement allows it."),
                }?;
                // Denied either way, but these could make it an explicit deny.
                for undecided in &self.undecided {
                    write!(
                        f,
                        " {} may deny it explicitly, but {}.",
                        undecided.statement, undecided.reason
                    )?;
                }
                Ok(())
            }
            Decision::Unknown => {
                f.write_str("Cannot be decided from the request context")?;
                for (i, undecided) in self.undecided.iter().enumerate() {
                    let verb = match undecided.statement.effect {
                        Effect::Allow => "may allow",
                        Effect::Deny => "may deny",
                    };
                    let sep = if i == 0 { ": " } else { "; " };
                    write!(
                        f,
                        "{sep}{} {verb} it, but {}",
                        undecided.statement, undecided.reason
                    )?;
                }
                f.write_str(".")
            }
        }
    }
}

/// The decision for one request, with its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// What IAM would do.
    pub decision: Decision,
    /// Why.
    pub explanation: Explanation,
}

impl Verdict {
    /// True only for a decided allow.
    pub fn is_allowed(&self) -> bool {
        self.decision == Decision::Allowed
    }

    /// The layer that denied, for denies; `None` for allowed or unknown.
    pub fn denied_by(&self) -> Option<Layer> {
        self.explanation.denied_by
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.explanation.fmt(f)
    }
}
