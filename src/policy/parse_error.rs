//! Why a policy document could not be parsed.
//!
//! Each variant names the place in the document (statement index, element)
//! so the doctor can tell a user exactly which part of their policy it could
//! not read. Statement indexes are 0-based, as in `Statement[0]`; a single
//! statement object (not in a list) is `Statement[0]`.

/// A policy document that is not a valid IAM policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyParseError {
    /// The text did not start with `{`, so it was taken as percent-encoded
    /// (as IAM's `GetPolicyVersion` returns it), but decoding gave no UTF-8.
    #[error("policy document is percent-encoded but does not decode to UTF-8 text")]
    InvalidEncoding,
    /// Not JSON; position is in the (decoded) document text.
    #[error("policy document is not valid JSON (line {line}, column {column}): {message}")]
    InvalidJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// Valid JSON, but not an object.
    #[error("policy document must be a JSON object")]
    NotAnObject,
    /// A top-level element has the wrong JSON type.
    #[error("policy element {element} must be {expected}")]
    InvalidTopLevelElement {
        /// `Version` or `Statement`.
        element: &'static str,
        /// What it should have been.
        expected: &'static str,
    },
    /// No `Statement` element.
    #[error("policy document has no Statement element")]
    MissingStatement,
    /// An entry of the `Statement` list is not an object.
    #[error("Statement[{statement}] must be a JSON object")]
    StatementNotAnObject {
        /// 0-based statement index.
        statement: usize,
    },
    /// A statement without `Effect`.
    #[error("Statement[{statement}] has no Effect")]
    MissingEffect {
        /// 0-based statement index.
        statement: usize,
    },
    /// `Effect` is neither `Allow` nor `Deny`.
    #[error("Statement[{statement}] has Effect {value}; expected \"Allow\" or \"Deny\"")]
    InvalidEffect {
        /// 0-based statement index.
        statement: usize,
        /// The value as JSON text.
        value: String,
    },
    /// Neither `Action` nor `NotAction`.
    #[error("Statement[{statement}] has neither Action nor NotAction")]
    MissingAction {
        /// 0-based statement index.
        statement: usize,
    },
    /// Both `Action` and `NotAction`.
    #[error("Statement[{statement}] has both Action and NotAction")]
    BothActionAndNotAction {
        /// 0-based statement index.
        statement: usize,
    },
    /// Neither `Resource` nor `NotResource` (required in identity policies).
    #[error("Statement[{statement}] has neither Resource nor NotResource")]
    MissingResource {
        /// 0-based statement index.
        statement: usize,
    },
    /// Both `Resource` and `NotResource`.
    #[error("Statement[{statement}] has both Resource and NotResource")]
    BothResourceAndNotResource {
        /// 0-based statement index.
        statement: usize,
    },
    /// An element has the wrong JSON type (e.g. `Action: 5`).
    #[error("Statement[{statement}] element {element} must be {expected}")]
    InvalidElementType {
        /// 0-based statement index.
        statement: usize,
        /// Element name, e.g. `Action`.
        element: &'static str,
        /// What it should have been.
        expected: &'static str,
    },
    /// An action that is not `*` and not `service:name`.
    #[error("Statement[{statement}] has invalid action {action:?}: {reason}")]
    InvalidAction {
        /// 0-based statement index.
        statement: usize,
        /// The action as written.
        action: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A malformed `Condition` element.
    #[error("Statement[{statement}] has an invalid Condition ({operator}): {reason}")]
    InvalidCondition {
        /// 0-based statement index.
        statement: usize,
        /// Operator concerned, or `Condition` for the element itself.
        operator: String,
        /// What is wrong with it.
        reason: String,
    },
}
