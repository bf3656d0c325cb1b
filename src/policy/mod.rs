//! An IAM policy evaluator of our own.
//!
//! Answers "would IAM allow this principal to call this action on this
//! resource?" from the principal's identity policies and permissions
//! boundary, without calling AWS: [`PolicyDocument::parse`] reads policies
//! (plain or percent-encoded JSON, as IAM returns them) into precompiled
//! matchers, and [`evaluate()`] applies IAM's published evaluation logic.
//!
//! Where the answer depends on request context the caller did not supply
//! (a condition key, a policy variable), the decision is
//! [`Decision::Unknown`] and the [`Explanation`] names the statement, rather
//! than guessing.
//!
//! ```
//! use connector_doctor::policy::{evaluate, Context, Decision, NamedPolicy, PolicySet, Request};
//!
//! let policy = NamedPolicy::parse(
//!     "audit",
//!     r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:List*","Resource":"*"}}"#,
//! )?;
//! let set = PolicySet::new(vec![policy]);
//! let context = Context::new();
//! let verdict = evaluate(&set, &Request::new("iam:ListUsers", "*", &context));
//! assert_eq!(verdict.decision, Decision::Allowed);
//! # Ok::<(), connector_doctor::policy::PolicyParseError>(())
//! ```

mod cidr;
mod condition;
mod context;
mod datetime;
mod document;
mod evaluate;
mod matcher;
mod parse_error;
mod pattern;
mod truth;
mod variables;
mod verdict;

pub use condition::ConditionBlock;
pub use context::Context;
pub use document::{Effect, PolicyDocument, Statement, VARIABLES_VERSION};
pub use evaluate::{NamedPolicy, PolicySet, Request, evaluate};
pub use matcher::{ActionMatcher, ResourceMatcher};
pub use parse_error::PolicyParseError;
pub use pattern::action_matches;
pub use verdict::{
    Decision, Explanation, Layer, StatementRef, UndecidedReason, UndecidedStatement, Verdict,
};
