//! IAM's evaluation logic for identity policies and a permissions boundary.
//!
//! From the IAM User Guide, "Policy evaluation logic", restricted to what a
//! principal's own policies decide (same account, no SCPs, resource policies
//! or session policies):
//!
//! 1. An applying Deny in any identity policy or in the boundary denies
//!    (explicit deny), whatever else applies.
//! 2. Otherwise an applying Allow is needed in the identity policies and,
//!    when there is a boundary, also in the boundary (the effective
//!    permissions are the intersection).
//! 3. Otherwise the request is implicitly denied.
//!
//! Statements that cannot be decided from the context are tracked
//! separately: an undecidable Allow that is still needed, or an undecidable
//! Deny in front of an otherwise allowed request, makes the result
//! [`Decision::Unknown`] instead of a guess. A decided Deny still wins.
//!
//! The scan borrows from the policies and only allocates to build the
//! [`Verdict`] (and to record undecidable statements, which is rare).

use super::context::Context;
use super::document::{Effect, PolicyDocument, Statement};
use super::matcher::SplitAction;
use super::parse_error::PolicyParseError;
use super::truth::{Gap, Truth};
use super::verdict::{
    Decision, Explanation, Layer, StatementRef, UndecidedReason, UndecidedStatement, Verdict,
};

/// A policy document with the name used for it in explanations.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPolicy {
    /// E.g. a managed policy ARN or "user inline policy X".
    pub name: String,
    /// The parsed document.
    pub document: PolicyDocument,
}

impl NamedPolicy {
    /// Pairs a name with a parsed document.
    pub fn new(name: impl Into<String>, document: PolicyDocument) -> Self {
        NamedPolicy {
            name: name.into(),
            document,
        }
    }

    /// Parses `text` (plain or percent-encoded JSON) and names it.
    pub fn parse(name: impl Into<String>, text: &str) -> Result<Self, PolicyParseError> {
        Ok(Self::new(name, PolicyDocument::parse(text)?))
    }
}

/// Everything that governs a principal's own permissions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicySet {
    /// Identity policies: inline, attached managed, and group policies.
    pub identity: Vec<NamedPolicy>,
    /// The permissions boundary, if one is set.
    pub boundary: Option<NamedPolicy>,
}

impl PolicySet {
    /// A set of identity policies without a boundary.
    pub fn new(identity: Vec<NamedPolicy>) -> Self {
        PolicySet {
            identity,
            boundary: None,
        }
    }

    /// Builder: sets the permissions boundary.
    #[must_use]
    pub fn with_boundary(mut self, boundary: NamedPolicy) -> Self {
        self.boundary = Some(boundary);
        self
    }
}

/// One request to evaluate.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The action, e.g. `iam:ListUsers` (matched case-insensitively).
    pub action: &'a str,
    /// The resource ARN, or `*` (matched case-sensitively).
    pub resource: &'a str,
    /// Known condition key values.
    pub context: &'a Context,
}

impl<'a> Request<'a> {
    /// Builds a request.
    pub fn new(action: &'a str, resource: &'a str, context: &'a Context) -> Self {
        Request {
            action,
            resource,
            context,
        }
    }
}

/// A statement found during the scan, borrowed from the policy set.
#[derive(Clone, Copy)]
struct Hit<'p> {
    layer: Layer,
    policy: &'p NamedPolicy,
    index: usize,
    statement: &'p Statement,
}

impl Hit<'_> {
    fn to_ref(self) -> StatementRef {
        StatementRef {
            layer: self.layer,
            policy: self.policy.name.clone(),
            index: self.index,
            sid: self.statement.sid.clone(),
            effect: self.statement.effect,
        }
    }
}

/// What one layer's statements say about the request.
#[derive(Default)]
struct LayerScan<'p> {
    deny: Option<Hit<'p>>,
    allow: Option<Hit<'p>>,
    undecided_allows: Vec<(Hit<'p>, Gap<'p>)>,
    undecided_denies: Vec<(Hit<'p>, Gap<'p>)>,
}

impl<'p> LayerScan<'p> {
    /// Scans the policies of one layer; stops at the first decided Deny,
    /// since nothing after it can change the outcome.
    fn run<'r>(
        layer: Layer,
        policies: impl IntoIterator<Item = &'p NamedPolicy>,
        action: &SplitAction<'r>,
        request: &Request<'r>,
    ) -> Self {
        let mut scan = LayerScan::default();
        for policy in policies {
            for (index, statement) in policy.document.statements.iter().enumerate() {
                // Once an Allow is known, further Allows add nothing.
                if statement.effect == Effect::Allow && scan.allow.is_some() {
                    continue;
                }
                let hit = Hit {
                    layer,
                    policy,
                    index,
                    statement,
                };
                match (
                    statement.effect,
                    statement.applies(action, request.resource, request.context),
                ) {
                    (_, Truth::False) => {}
                    (Effect::Deny, Truth::True) => {
                        scan.deny = Some(hit);
                        return scan;
                    }
                    (Effect::Allow, Truth::True) => scan.allow = Some(hit),
                    (Effect::Deny, Truth::Unknown(gap)) => scan.undecided_denies.push((hit, gap)),
                    (Effect::Allow, Truth::Unknown(gap)) => scan.undecided_allows.push((hit, gap)),
                }
            }
        }
        scan
    }

    /// Whether this layer allows: decided, undecidable, or not at all.
    fn allows(&self) -> Allows {
        if self.allow.is_some() {
            Allows::Yes
        } else if self.undecided_allows.is_empty() {
            Allows::No
        } else {
            Allows::Maybe
        }
    }
}

/// A layer's answer to "is there an applying Allow?".
#[derive(Clone, Copy, PartialEq, Eq)]
enum Allows {
    Yes,
    Maybe,
    No,
}

/// Converts a borrowed gap into the owned, serializable reason.
fn reason(gap: Gap<'_>) -> UndecidedReason {
    match gap {
        Gap::MissingKey { operator, key } => UndecidedReason::MissingContextKey {
            operator: operator.to_owned(),
            key: key.to_owned(),
        },
        Gap::UnsupportedOperator { operator, key } => UndecidedReason::UnsupportedOperator {
            operator: operator.to_owned(),
            key: key.to_owned(),
        },
        Gap::MissingVariable { variable } => UndecidedReason::MissingPolicyVariable {
            variable: variable.to_owned(),
        },
        Gap::MultiValuedVariable { variable } => UndecidedReason::MultiValuedPolicyVariable {
            variable: variable.to_owned(),
        },
        Gap::MultiValuedKeyWithoutSetOperator { operator, key } => {
            UndecidedReason::MultiValuedKeyWithoutSetOperator {
                operator: operator.to_owned(),
                key: key.to_owned(),
            }
        }
        Gap::AnyValueIfExistsOnAbsentKey { operator, key } => {
            UndecidedReason::AnyValueIfExistsOnAbsentKey {
                operator: operator.to_owned(),
                key: key.to_owned(),
            }
        }
    }
}

fn undecided<'a>(list: &'a [(Hit<'_>, Gap<'_>)]) -> impl Iterator<Item = UndecidedStatement> + 'a {
    list.iter().map(|(hit, gap)| UndecidedStatement {
        statement: hit.to_ref(),
        reason: reason(*gap),
    })
}

/// Decides `request` against `set` following IAM's evaluation logic.
pub fn evaluate(set: &PolicySet, request: &Request<'_>) -> Verdict {
    // Split the action once; every pattern then compares slices in place.
    let action = SplitAction::new(request.action);
    let identity = LayerScan::run(Layer::IdentityPolicy, &set.identity, &action, request);
    // A decided identity Deny already settles it: skip the boundary.
    let boundary = match (&set.boundary, identity.deny) {
        (Some(policy), None) => Some(LayerScan::run(
            Layer::PermissionsBoundary,
            std::iter::once(policy),
            &action,
            request,
        )),
        _ => None,
    };

    let mut explanation = Explanation {
        decision: Decision::ImplicitDeny,
        denied_by: None,
        explicit_deny: None,
        identity_allow: identity.allow.map(Hit::to_ref),
        boundary_allow: boundary.as_ref().and_then(|b| b.allow).map(Hit::to_ref),
        boundary: set.boundary.as_ref().map(|b| b.name.clone()),
        undecided: Vec::new(),
    };

    let deny = identity
        .deny
        .or_else(|| boundary.as_ref().and_then(|b| b.deny));
    if let Some(deny) = deny {
        explanation.decision = Decision::ExplicitDeny;
        explanation.denied_by = Some(deny.layer);
        explanation.explicit_deny = Some(deny.to_ref());
        return finish(explanation);
    }

    let identity_allows = identity.allows();
    // Without a boundary, only the identity policies need to allow.
    let boundary_allows = boundary.as_ref().map_or(Allows::Yes, LayerScan::allows);
    let undecided_denies = || {
        let boundary_denies = boundary.iter().flat_map(|b| undecided(&b.undecided_denies));
        undecided(&identity.undecided_denies).chain(boundary_denies)
    };
    if identity_allows == Allows::No || boundary_allows == Allows::No {
        // Denied either way; an undecidable Deny only leaves open whether explicitly.
        explanation.denied_by = Some(if identity_allows == Allows::No {
            Layer::IdentityPolicy
        } else {
            Layer::PermissionsBoundary
        });
        explanation.undecided.extend(undecided_denies());
        return finish(explanation);
    }

    let possible_denies = !identity.undecided_denies.is_empty()
        || boundary
            .as_ref()
            .is_some_and(|b| !b.undecided_denies.is_empty());
    if identity_allows == Allows::Yes && boundary_allows == Allows::Yes && !possible_denies {
        explanation.decision = Decision::Allowed;
        return finish(explanation);
    }

    // Unknown: name every undecidable statement that could change the result.
    explanation.decision = Decision::Unknown;
    if identity_allows == Allows::Maybe {
        explanation
            .undecided
            .extend(undecided(&identity.undecided_allows));
    }
    if let Some(b) = &boundary
        && boundary_allows == Allows::Maybe
    {
        explanation.undecided.extend(undecided(&b.undecided_allows));
    }
    explanation.undecided.extend(undecided_denies());
    finish(explanation)
}

fn finish(explanation: Explanation) -> Verdict {
    Verdict {
        decision: explanation.decision,
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(name: &str, text: &str) -> NamedPolicy {
        NamedPolicy::parse(name, text).expect("valid policy")
    }

    #[test]
    fn an_implicit_deny_names_the_deny_it_could_not_decide() {
        // Nothing allows, and a Deny's condition cannot be decided: denied either way, but
        // whether explicitly is open, so the explanation must not say that nothing applies.
        let set = PolicySet::new(vec![policy(
            "guard",
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"OffVpc","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}}]}"#,
        )]);
        let context = Context::new();
        let verdict = evaluate(&set, &Request::new("s3:GetObject", "*", &context));
        assert_eq!(verdict.decision, Decision::ImplicitDeny);
        assert_eq!(verdict.denied_by(), Some(Layer::IdentityPolicy));
        assert_eq!(verdict.explanation.undecided.len(), 1);
        assert_eq!(
            verdict.explanation.undecided[0].statement.effect,
            Effect::Deny
        );
        let text = verdict.to_string();
        assert!(
            text.contains("no identity policy statement allows it"),
            "{text}"
        );
        assert!(
            text.contains(
                r#"Statement[0] (Sid "OffVpc") of identity policy "guard" may deny it explicitly"#
            ),
            "{text}"
        );
        assert!(text.contains("aws:SourceVpc"), "{text}");
    }
}
