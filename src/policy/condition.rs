//! The `Condition` element: parsing and three-valued evaluation.
//!
//! Follows the IAM User Guide ("Condition operators", "Conditions with
//! multiple context keys or values", "Single-valued vs. multivalued context
//! keys"):
//!
//! * operators in a block, and keys under one operator, are ANDed;
//! * several policy values for one key are ORed, and for negated operators
//!   (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`, ...) NORed, i.e. the
//!   negated operator is the negation of its positive counterpart;
//! * `ForAnyValue:` needs one request value to satisfy the test,
//!   `ForAllValues:` needs every request value to (true for an empty set or an
//!   absent key, where `ForAnyValue:` is false, for every operator);
//! * a multivalued key (see [`Context`]) tested without a qualifier is
//!   undecidable: AWS documents no outcome for it, and IAM Access Analyzer
//!   warns about it;
//! * `...IfExists` is true when the key is absent (with `ForAnyValue:`, which
//!   says false there, undecidable); `Null` tests absence.
//!
//! A key missing from the [`Context`] is unknown, so apart from `Null` and
//! `IfExists` the clause is undecidable ([`Truth::Unknown`]) rather than
//! false. Operators this module does not know are undecidable too, so a
//! future IAM operator can never produce a guessed verdict.

use serde_json::Value;

use super::cidr::Cidr;
use super::context::Context;
use super::datetime::{Timestamp, parse_timestamp};
use super::pattern::{ArnPattern, Case, Glob};
use super::truth::{Gap, Truth};
use super::variables::Template;

/// The parsed `Condition` element of one statement (empty when absent).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConditionBlock {
    clauses: Vec<Clause>,
}

/// One operator applied to one condition key.
#[derive(Debug, Clone, PartialEq)]
struct Clause {
    /// Operator as written, e.g. `ForAnyValue:StringLikeIfExists`.
    operator: String,
    /// Key as written, e.g. `aws:SourceIp`.
    key: String,
    /// Lower-cased key, looked up without allocating.
    key_lower: String,
    set: SetQualifier,
    if_exists: bool,
    test: Test,
}

/// `ForAnyValue:` / `ForAllValues:` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetQualifier {
    None,
    AnyValue,
    AllValues,
}

/// A numeric or date comparison, read as `request <cmp> policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Cmp::Eq => request == policy,
            Cmp::Lt => request < policy,
            Cmp::Le => request <= policy,
            Cmp::Gt => request > policy,
            Cmp::Ge => request >= policy,
        }
    }
}

/// Which string comparison a `String*` operator does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StringMode {
    Equals,
    EqualsIgnoreCase,
    Like,
}

/// A policy value of a `String*` operator, precompiled for its mode.
#[derive(Debug, Clone, PartialEq, Eq)]
enum StringValue {
    /// Exact text (`Equals`) or case-folded text (`EqualsIgnoreCase`).
    Text(String),
    /// `StringLike` pattern.
    Pattern(Glob),
    /// Contains policy variables; resolved per request.
    Template(Template),
}

/// A policy value of an `Arn*` operator.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ArnValue {
    Pattern(ArnPattern),
    Template(Template),
}

/// The comparison a clause performs, with its policy values parsed once.
/// Unparsable numeric/date/IP policy values are kept as `None` and never
/// match: IAM accepted the document, so rejecting it here would only hide
/// the rest of the policy.
#[derive(Debug, Clone, PartialEq)]
enum Test {
    String {
        mode: StringMode,
        negated: bool,
        values: Vec<StringValue>,
    },
    Arn {
        negated: bool,
        values: Vec<ArnValue>,
    },
    Numeric {
        cmp: Cmp,
        negated: bool,
        values: Vec<Option<f64>>,
    },
    Date {
        cmp: Cmp,
        negated: bool,
        values: Vec<Option<Timestamp>>,
    },
    Bool {
        /// Lower-cased `true` / `false`.
        values: Vec<String>,
    },
    Binary {
        values: Vec<String>,
    },
    Ip {
        negated: bool,
        values: Vec<Option<Cidr>>,
    },
    Null {
        /// `Some(true)`: the key must be absent; `Some(false)`: present.
        values: Vec<Option<bool>>,
    },
    Unsupported,
}

/// The operator family with its fixed parameters, before values are known.
#[derive(Debug, Clone, Copy)]
enum Family {
    String(StringMode, bool),
    Arn(bool),
    Numeric(Cmp, bool),
    Date(Cmp, bool),
    Bool,
    Binary,
    Ip(bool),
    Null,
    Unsupported,
}

/// Parses an operator name into qualifier, `IfExists` flag and family.
/// Names are matched case-insensitively: IAM validated the document, so
/// being lenient here cannot turn an invalid policy into a verdict.
fn parse_operator(name: &str) -> (SetQualifier, bool, Family) {
    let lower = name.to_ascii_lowercase();
    let (set, rest) = if let Some(rest) = lower.strip_prefix("foranyvalue:") {
        (SetQualifier::AnyValue, rest)
    } else if let Some(rest) = lower.strip_prefix("forallvalues:") {
        (SetQualifier::AllValues, rest)
    } else {
        (SetQualifier::None, lower.as_str())
    };
    let (if_exists, base) = match rest.strip_suffix("ifexists") {
        Some(base) => (true, base),
        None => (false, rest),
    };
    let family = match base {
        "stringequals" => Family::String(StringMode::Equals, false),
        "stringnotequals" => Family::String(StringMode::Equals, true),
        "stringequalsignorecase" => Family::String(StringMode::EqualsIgnoreCase, false),
        "stringnotequalsignorecase" => Family::String(StringMode::EqualsIgnoreCase, true),
        "stringlike" => Family::String(StringMode::Like, false),
        "stringnotlike" => Family::String(StringMode::Like, true),
        // IAM documents ArnEquals and ArnLike as the same segment-wise match.
        "arnequals" | "arnlike" => Family::Arn(false),
        "arnnotequals" | "arnnotlike" => Family::Arn(true),
        "numericequals" => Family::Numeric(Cmp::Eq, false),
        "numericnotequals" => Family::Numeric(Cmp::Eq, true),
        "numericlessthan" => Family::Numeric(Cmp::Lt, false),
        "numericlessthanequals" => Family::Numeric(Cmp::Le, false),
        "numericgreaterthan" => Family::Numeric(Cmp::Gt, false),
        "numericgreaterthanequals" => Family::Numeric(Cmp::Ge, false),
        "dateequals" => Family::Date(Cmp::Eq, false),
        "datenotequals" => Family::Date(Cmp::Eq, true),
        "datelessthan" => Family::Date(Cmp::Lt, false),
        "datelessthanequals" => Family::Date(Cmp::Le, false),
        "dategreaterthan" => Family::Date(Cmp::Gt, false),
        "dategreaterthanequals" => Family::Date(Cmp::Ge, false),
        "bool" => Family::Bool,
        "binaryequals" => Family::Binary,
        "ipaddress" => Family::Ip(false),
        "notipaddress" => Family::Ip(true),
        // IAM has no `NullIfExists` and no set-qualified `Null`.
        "null" if !if_exists && set == SetQualifier::None => Family::Null,
        _ => Family::Unsupported,
    };
    (set, if_exists, family)
}

/// Case folding used by the `IgnoreCase` operators, applied identically to
/// policy and request values (char-wise, so it can run without allocating).
fn fold(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().flat_map(char::to_lowercase)
}

/// Parses a number the way a policy means it; infinities and NaN are not numbers.
fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

impl Family {
    /// Builds the clause's test from its policy values.
    fn build(self, values: Vec<String>, variables: bool) -> Test {
        let template = |v: &str| if variables { Template::parse(v) } else { None };
        match self {
            Family::String(mode, negated) => Test::String {
                mode,
                negated,
                values: values
                    .into_iter()
                    .map(|v| match (template(&v), mode) {
                        (Some(t), _) => StringValue::Template(t),
                        (None, StringMode::Equals) => StringValue::Text(v),
                        (None, StringMode::EqualsIgnoreCase) => {
                            StringValue::Text(fold(&v).collect())
                        }
                        (None, StringMode::Like) => {
                            StringValue::Pattern(Glob::new(&v, Case::Sensitive))
                        }
                    })
                    .collect(),
            },
            Family::Arn(negated) => Test::Arn {
                negated,
                values: values
                    .iter()
                    .map(|v| match template(v) {
                        Some(t) => ArnValue::Template(t),
                        None => ArnValue::Pattern(ArnPattern::new(v)),
                    })
                    .collect(),
            },
            Family::Numeric(cmp, negated) => Test::Numeric {
                cmp,
                negated,
                values: values.iter().map(|v| parse_number(v)).collect(),
            },
            Family::Date(cmp, negated) => Test::Date {
                cmp,
                negated,
                values: values.iter().map(|v| parse_timestamp(v)).collect(),
            },
            Family::Bool => Test::Bool {
                values: values
                    .iter()
                    .map(|v| v.trim().to_ascii_lowercase())
                    .collect(),
            },
            Family::Binary => Test::Binary { values },
            Family::Ip(negated) => Test::Ip {
                negated,
                values: values.iter().map(|v| Cidr::parse(v)).collect(),
            },
            Family::Null => Test::Null {
                values: values
                    .iter()
                    .map(|v| match v.trim().to_ascii_lowercase().as_str() {
                        "true" => Some(true),
                        "false" => Some(false),
                        _ => None,
                    })
                    .collect(),
            },
            Family::Unsupported => Test::Unsupported,
        }
    }
}

/// A malformed `Condition` element: the operator (or `Condition` itself)
/// and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConditionSyntax {
    pub(crate) operator: String,
    pub(crate) reason: String,
}

/// Flattens a JSON condition value (scalar or list of scalars) into strings.
/// IAM accepts booleans and numbers unquoted and compares their text.
fn scalar_texts(value: &Value) -> Result<Vec<String>, &'static str> {
    fn scalar(value: &Value) -> Result<String, &'static str> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Null => Err("values must be strings, booleans or numbers, not null"),
            Value::Array(_) | Value::Object(_) => {
                Err("values must be a string, boolean, number or a list of them")
            }
        }
    }
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}

impl ConditionBlock {
    /// Parses a `Condition` element; `variables` enables `${...}` in values.
    pub(crate) fn parse(value: &Value, variables: bool) -> Result<Self, ConditionSyntax> {
        let Value::Object(operators) = value else {
            return Err(ConditionSyntax {
                operator: "Condition".to_owned(),
                reason: "must be an object mapping operators to keys".to_owned(),
            });
        };
        let mut clauses = Vec::new();
        for (operator, keys) in operators {
            let Value::Object(keys) = keys else {
                return Err(ConditionSyntax {
                    operator: operator.clone(),
                    reason: "must be an object mapping condition keys to values".to_owned(),
                });
            };
            let (set, if_exists, family) = parse_operator(operator);
            for (key, values) in keys {
                let values = scalar_texts(values).map_err(|reason| ConditionSyntax {
                    operator: operator.clone(),
                    reason: format!("key {key:?}: {reason}"),
                })?;
                clauses.push(Clause {
                    operator: operator.clone(),
                    key: key.clone(),
                    key_lower: key.to_lowercase(),
                    set,
                    if_exists,
                    test: family.build(values, variables),
                });
            }
        }
        Ok(ConditionBlock { clauses })
    }

    /// True when the statement has no condition.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// Number of operator/key pairs.
    pub fn len(&self) -> usize {
        self.clauses.len()
    }

    /// `(operator, key)` pairs as written in the policy.
    pub fn clauses(&self) -> impl Iterator<Item = (&str, &str)> {
        self.clauses
            .iter()
            .map(|c| (c.operator.as_str(), c.key.as_str()))
    }

    /// Evaluates every clause against the context (AND).
    pub(crate) fn evaluate<'p>(&'p self, context: &Context) -> Truth<'p> {
        Truth::all(self.clauses.iter().map(|c| c.evaluate(context)))
    }
}

impl Clause {
    fn evaluate<'p>(&'p self, context: &Context) -> Truth<'p> {
        let found = context.get_lowercase(&self.key_lower);
        match &self.test {
            Test::Null { values } => {
                let absent = found.is_none_or(<[String]>::is_empty);
                return Truth::from_bool(values.contains(&Some(absent)));
            }
            Test::Unsupported => {
                return Truth::Unknown(Gap::UnsupportedOperator {
                    operator: &self.operator,
                    key: &self.key,
                });
            }
            _ => {}
        }
        let request_values = match found {
            None => return self.missing(context),
            // AWS defines no outcome for a multivalued key without a set operator.
            Some(values)
                if self.set == SetQualifier::None
                    && context.is_multivalued(&self.key_lower, values) =>
            {
                return Truth::Unknown(Gap::MultiValuedKeyWithoutSetOperator {
                    operator: &self.operator,
                    key: &self.key,
                });
            }
            Some([]) => match self.set {
                // An empty set: every (no) value satisfies ForAllValues, and
                // no value satisfies ForAnyValue.
                SetQualifier::AllValues => return Truth::True,
                SetQualifier::AnyValue => return Truth::False,
                SetQualifier::None => return self.missing(context),
            },
            Some(values) => values,
        };
        let each = request_values.iter().map(|v| self.test_one(v, context));
        match self.set {
            SetQualifier::AllValues => Truth::all(each),
            // ForAnyValue, or the one value of a single-valued key.
            SetQualifier::AnyValue | SetQualifier::None => Truth::any(each),
        }
    }

    /// Outcome when the key is not in the context. Known to be absent, it is decided as IAM
    /// decides a missing key: `ForAllValues` holds and `ForAnyValue` does not, whatever the
    /// operator; without them a negated operator holds and a positive one does not; `IfExists`
    /// holds, except with `ForAnyValue`, where the documentation says both. A key the context
    /// does not know is undecidable, except for `IfExists`, which treats it as absent.
    fn missing<'p>(&'p self, context: &Context) -> Truth<'p> {
        let absent = context.is_absent_lowercase(&self.key_lower);
        let (operator, key) = (self.operator.as_str(), self.key.as_str());
        match (self.set, self.if_exists, absent) {
            (SetQualifier::AnyValue, true, true) => {
                Truth::Unknown(Gap::AnyValueIfExistsOnAbsentKey { operator, key })
            }
            (SetQualifier::AnyValue, true, false) | (_, false, false) => {
                Truth::Unknown(Gap::MissingKey { operator, key })
            }
            (_, true, _) => Truth::True,
            (SetQualifier::AllValues, false, true) => Truth::True,
            (SetQualifier::AnyValue, false, true) => Truth::False,
            (SetQualifier::None, false, true) => Truth::from_bool(self.test.is_negated()),
        }
    }

    /// Tests one request value, including the operator's negation.
    fn test_one<'p>(&'p self, request: &str, context: &Context) -> Truth<'p> {
        let (negated, positive) = match &self.test {
            Test::String {
                mode,
                negated,
                values,
            } => (
                *negated,
                Truth::any(
                    values
                        .iter()
                        .map(|v| string_matches(*mode, v, request, context)),
                ),
            ),
            Test::Arn { negated, values } => (
                *negated,
                Truth::any(values.iter().map(|v| arn_matches(v, request, context))),
            ),
            Test::Numeric {
                cmp,
                negated,
                values,
            } => {
                let request = parse_number(request);
                let hit = values.iter().any(|policy| match (request, *policy) {
                    (Some(r), Some(p)) => cmp.holds(r, p),
                    _ => false,
                });
                (*negated, Truth::from_bool(hit))
            }
            Test::Date {
                cmp,
                negated,
                values,
            } => {
                let request = parse_timestamp(request);
                let hit = values.iter().any(|policy| match (request, *policy) {
                    (Some(r), Some(p)) => cmp.holds(r, p),
                    _ => false,
                });
                (*negated, Truth::from_bool(hit))
            }
            Test::Bool { values } => {
                let request = request.trim();
                let hit = values.iter().any(|v| request.eq_ignore_ascii_case(v));
                (false, Truth::from_bool(hit))
            }
            Test::Binary { values } => {
                (false, Truth::from_bool(values.iter().any(|v| v == request)))
            }
            Test::Ip { negated, values } => {
                let hit = values.iter().flatten().any(|cidr| cidr.contains(request));
                (*negated, Truth::from_bool(hit))
            }
            // Handled before any request value is looked at.
            Test::Null { .. } | Test::Unsupported => (false, Truth::False),
        };
        if negated { positive.not() } else { positive }
    }
}

impl Test {
    fn is_negated(&self) -> bool {
        match self {
            Test::String { negated, .. }
            | Test::Arn { negated, .. }
            | Test::Numeric { negated, .. }
            | Test::Date { negated, .. }
            | Test::Ip { negated, .. } => *negated,
            Test::Bool { .. } | Test::Binary { .. } | Test::Null { .. } | Test::Unsupported => {
                false
            }
        }
    }
}

/// One policy value of a `String*` operator against one request value.
fn string_matches<'p>(
    mode: StringMode,
    value: &'p StringValue,
    request: &str,
    context: &Context,
) -> Truth<'p> {
    match value {
        StringValue::Text(text) => Truth::from_bool(match mode {
            StringMode::EqualsIgnoreCase => fold(request).eq(text.chars()),
            StringMode::Equals | StringMode::Like => request == text,
        }),
        StringValue::Pattern(glob) => Truth::from_bool(glob.matches(request)),
        StringValue::Template(template) => match mode {
            StringMode::Like => {
                let mut elems = Vec::new();
                match template.resolve_elems(context, &mut elems) {
                    Ok(()) => {
                        Truth::from_bool(Glob::from_elems(elems, Case::Sensitive).matches(request))
                    }
                    Err(unfilled) => unfilled.truth(),
                }
            }
            StringMode::Equals | StringMode::EqualsIgnoreCase => {
                let mut text = String::new();
                match template.resolve_string(context, &mut text) {
                    Ok(()) if mode == StringMode::Equals => Truth::from_bool(request == text),
                    Ok(()) => Truth::from_bool(fold(request).eq(fold(&text))),
                    Err(unfilled) => unfilled.truth(),
                }
            }
        },
    }
}

/// One policy value of an `Arn*` operator against one request value.
fn arn_matches<'p>(value: &'p ArnValue, request: &str, context: &Context) -> Truth<'p> {
    match value {
        ArnValue::Pattern(pattern) => Truth::from_bool(pattern.matches(request)),
        ArnValue::Template(template) => {
            let mut elems = Vec::new();
            match template.resolve_elems(context, &mut elems) {
                Ok(()) => Truth::from_bool(ArnPattern::from_elems(elems).matches(request)),
                Err(unfilled) => unfilled.truth(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(condition: Value, context: &Context) -> Truth<'static> {
        let block = ConditionBlock::parse(&condition, true).expect("valid condition");
        // Leak to get 'static so the result can outlive the block in tests.
        let block: &'static ConditionBlock = Box::leak(Box::new(block));
        block.evaluate(context)
    }

    fn is_unknown(t: Truth<'_>) -> bool {
        matches!(t, Truth::Unknown(_))
    }

    #[test]
    fn string_equals_and_negation_with_multiple_values() {
        let ctx = Context::new().with("aws:RequestedRegion", "eu-west-1");
        let c = json!({"StringEquals": {"aws:requestedregion": ["us-east-1", "eu-west-1"]}});
        assert_eq!(eval(c, &ctx), Truth::True);
        // NOR: not equal to any of the listed values.
        let c = json!({"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}});
        assert_eq!(eval(c, &ctx), Truth::False);
        let c = json!({"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}});
        assert_eq!(eval(c, &ctx), Truth::True);
    }

    #[test]
    fn ignore_case_and_like() {
        let ctx = Context::new().with("aws:username", "Bob");
        assert_eq!(
            eval(
                json!({"StringEqualsIgnoreCase": {"aws:username": "BOB"}}),
                &ctx
            ),
            Truth::True
        );
        assert_eq!(
            eval(json!({"StringEquals": {"aws:username": "bob"}}), &ctx),
            Truth::False
        );
        assert_eq!(
            eval(json!({"StringLike": {"aws:username": "B?b*"}}), &ctx),
            Truth::True
        );
        assert_eq!(
            eval(json!({"StringNotLike": {"aws:username": "B*"}}), &ctx),
            Truth::False
        );
    }

    #[test]
    fn missing_key_is_unknown_unless_if_exists_or_null() {
        let ctx = Context::new();
        assert!(is_unknown(eval(
            json!({"StringEquals": {"aws:SourceVpc": "vpc-1"}}),
            &ctx
        )));
        assert!(is_unknown(eval(
            json!({"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}),
            &ctx
        )));
        assert_eq!(
            eval(
                json!({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}),
                &ctx
            ),
            Truth::True
        );
        assert_eq!(
            eval(json!({"Null": {"aws:SourceVpc": "true"}}), &ctx),
            Truth::True
        );
        assert_eq!(
            eval(json!({"Null": {"aws:SourceVpc": false}}), &ctx),
            Truth::False
        );
        let ctx = ctx.with("aws:SourceVpc", "vpc-2");
        assert_eq!(
            eval(
                json!({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}),
                &ctx
            ),
            Truth::False
        );
        assert_eq!(
            eval(json!({"Null": {"aws:SourceVpc": "true"}}), &ctx),
            Truth::False
        );
    }

    #[test]
    fn a_key_known_absent_is_decided_as_iam_decides_a_missing_key() {
        let ctx = Context::new().absent("aws:MultiFactorAuthPresent");
        let bool_false = json!({"Bool": {"aws:MultiFactorAuthPresent": "false"}});
        assert_eq!(eval(bool_false, &ctx), Truth::False);
        let if_exists = json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}});
        assert_eq!(eval(if_exists, &ctx), Truth::True);
        let null = json!({"Null": {"aws:MultiFactorAuthPresent": "true"}});
        assert_eq!(eval(null, &ctx), Truth::True);
        let negated = json!({"StringNotEquals": {"aws:MultiFactorAuthPresent": "true"}});
        assert_eq!(eval(negated, &ctx), Truth::True);
        // Unknown, not absent, without the mark.
        let unknown = json!({"Bool": {"aws:MultiFactorAuthPresent": "false"}});
        assert!(is_unknown(eval(unknown, &Context::new())));
    }

    /// Every operator family, with a policy value that fits it, positive and negated.
    const OPERATORS: &[(&str, &str)] = &[
        ("StringEquals", "x"),
        ("StringNotEquals", "x"),
        ("StringEqualsIgnoreCase", "x"),
        ("StringNotEqualsIgnoreCase", "x"),
        ("StringLike", "x*"),
        ("StringNotLike", "x*"),
        ("ArnEquals", "arn:aws:iam::123456789012:role/x"),
        ("ArnLike", "arn:aws:iam::*:role/*"),
        ("ArnNotEquals", "arn:aws:iam::123456789012:role/x"),
        ("ArnNotLike", "arn:aws:iam::*:role/*"),
        ("NumericEquals", "1"),
        ("NumericNotEquals", "1"),
        ("NumericLessThan", "1"),
        ("NumericGreaterThanEquals", "1"),
        ("DateEquals", "2024-01-01T00:00:00Z"),
        ("DateNotEquals", "2024-01-01T00:00:00Z"),
        ("DateLessThan", "2024-01-01T00:00:00Z"),
        ("Bool", "true"),
        ("BinaryEquals", "QmluYXJ5"),
        ("IpAddress", "203.0.113.0/24"),
        ("NotIpAddress", "203.0.113.0/24"),
    ];

    #[test]
    fn set_operators_on_a_known_absent_key_for_every_operator() {
        // IAM User Guide, "Single-valued vs. multivalued context keys": ForAllValues is true
        // when the key is not in the request, ForAnyValue false, whatever the operator.
        let ctx = Context::new().absent("aws:TagKeys");
        for (operator, value) in OPERATORS {
            let all = json!({format!("ForAllValues:{operator}"): {"aws:TagKeys": value}});
            assert_eq!(eval(all, &ctx), Truth::True, "ForAllValues:{operator}");
            let any = json!({format!("ForAnyValue:{operator}"): {"aws:TagKeys": value}});
            assert_eq!(eval(any, &ctx), Truth::False, "ForAnyValue:{operator}");
            // IfExists agrees with ForAllValues...
            let all = json!({format!("ForAllValues:{operator}IfExists"): {"aws:TagKeys": value}});
            assert_eq!(
                eval(all, &ctx),
                Truth::True,
                "ForAllValues:{operator}IfExists"
            );
            // ...and not with ForAnyValue: the documentation leaves that combination open.
            let any = json!({format!("ForAnyValue:{operator}IfExists"): {"aws:TagKeys": value}});
            assert!(
                matches!(
                    eval(any, &ctx),
                    Truth::Unknown(Gap::AnyValueIfExistsOnAbsentKey { .. })
                ),
                "ForAnyValue:{operator}IfExists"
            );
        }
    }

    #[test]
    fn a_multivalued_key_without_set_operator_is_unknown() {
        let multivalued = |ctx: &Context, condition: Value| {
            matches!(
                eval(condition, ctx),
                Truth::Unknown(Gap::MultiValuedKeyWithoutSetOperator { .. })
            )
        };
        // A key AWS documents as multivalued, even with one value in the request.
        let ctx = Context::new().with("aws:TagKeys", "x");
        for (operator, value) in OPERATORS {
            let condition = json!({*operator: {"aws:TagKeys": value}});
            assert!(multivalued(&ctx, condition), "{operator}");
        }
        // A key the request gives as a list, and a key given twice.
        let mut ctx = Context::new();
        ctx.set("ec2:ResourceTag/team", vec!["a".to_owned()]);
        let ctx = ctx.with("s3:prefix", "a").with("s3:prefix", "b");
        assert!(multivalued(
            &ctx,
            json!({"StringEquals": {"ec2:ResourceTag/team": "a"}})
        ));
        assert!(multivalued(
            &ctx,
            json!({"StringNotLikeIfExists": {"s3:prefix": "c*"}})
        ));
        // Null and the set operators are defined on them.
        let ctx = ctx.with("aws:CalledVia", "athena.amazonaws.com");
        assert_eq!(
            eval(json!({"Null": {"aws:CalledVia": "false"}}), &ctx),
            Truth::True
        );
        assert_eq!(
            eval(
                json!({"ForAnyValue:StringEquals": {"aws:CalledVia": "athena.amazonaws.com"}}),
                &ctx
            ),
            Truth::True
        );
        // A single value given once is single-valued.
        let ctx = Context::new().with("aws:username", "bob");
        assert_eq!(
            eval(json!({"StringEquals": {"aws:username": "bob"}}), &ctx),
            Truth::True
        );
    }

    #[test]
    fn a_variable_whose_key_is_known_absent_has_no_value() {
        // IAM User Guide, "Policy variables with no value": nothing equals or is like the
        // value, so positive operators are false and negated ones true.
        let ctx = Context::new()
            .with("aws:ResourceTag/team", "red")
            .with("aws:PrincipalArn", "arn:aws:iam::123456789012:role/x")
            .absent("aws:PrincipalTag/team");
        for (operator, key, expected) in [
            ("StringEquals", "aws:ResourceTag/team", Truth::False),
            ("StringLike", "aws:ResourceTag/team", Truth::False),
            (
                "StringEqualsIgnoreCase",
                "aws:ResourceTag/team",
                Truth::False,
            ),
            ("StringNotEquals", "aws:ResourceTag/team", Truth::True),
            ("StringNotLike", "aws:ResourceTag/team", Truth::True),
            (
                "StringNotEqualsIgnoreCase",
                "aws:ResourceTag/team",
                Truth::True,
            ),
            ("ArnLike", "aws:PrincipalArn", Truth::False),
            ("ArnNotLike", "aws:PrincipalArn", Truth::True),
        ] {
            let condition = json!({operator: {key: "${aws:PrincipalTag/team}"}});
            assert_eq!(eval(condition, &ctx), expected, "{operator}");
        }
        // A default still applies; an unknown key stays unknown.
        let condition =
            json!({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team, 'red'}"}});
        assert_eq!(eval(condition, &ctx), Truth::True);
        let condition =
            json!({"StringNotEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/other}"}});
        assert!(is_unknown(eval(condition, &ctx)));
    }

    #[test]
    fn bool_and_numeric() {
        let ctx = Context::new()
            .with("aws:MultiFactorAuthPresent", "true")
            .with("aws:MultiFactorAuthAge", "600");
        assert_eq!(
            eval(json!({"Bool": {"aws:MultiFactorAuthPresent": true}}), &ctx),
            Truth::True
        );
        assert_eq!(
            eval(
                json!({"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
                &ctx
            ),
            Truth::False
        );
        assert_eq!(
            eval(
                json!({"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}}),
                &ctx
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                json!({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}),
                &ctx
            ),
            Truth::False
        );
        assert_eq!(
            eval(
                json!({"NumericNotEquals": {"aws:MultiFactorAuthAge": [600, 700]}}),
                &ctx
            ),
            Truth::False
        );
        assert_eq!(
            eval(
                json!({"NumericLessThanEquals": {"aws:MultiFactorAuthAge": 600}}),
                &ctx
            ),
            Truth::True
        );
    }

    #[test]
    fn dates_and_ips() {
        let ctx = Context::new()
            .with("aws:CurrentTime", "2024-06-30T12:00:00Z")
            .with("aws:SourceIp", "203.0.113.7");
        assert_eq!(
            eval(
                json!({"DateLessThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}}),
                &ctx
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                json!({"DateGreaterThan": {"aws:CurrentTime": "2025-01-01"}}),
                &ctx
            ),
            Truth::False
        );
        assert_eq!(
            eval(
                json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}}),
                &ctx
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                json!({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
                &ctx
            ),
            Truth::False
        );
    }

    #[test]
    fn arn_operators_match_segment_wise() {
        let ctx = Context::new().with("aws:PrincipalArn", "arn:aws:iam::123456789012:role/Admin");
        assert_eq!(
            eval(
                json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Ad*"}}),
                &ctx
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                json!({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/admin"}}),
                &ctx
            ),
            Truth::False
        );
        assert_eq!(
            eval(
                json!({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Ad*"}}),
                &ctx
            ),
            Truth::False
        );
    }

    #[test]
    fn set_qualifiers() {
        let ctx = Context::new()
            .with("aws:TagKeys", "key1:legal")
            .with("aws:TagKeys", "key2:audit");
        assert_eq!(
            eval(
                json!({"ForAllValues:StringLike": {"aws:TagKeys": "key1*"}}),
                &ctx
            ),
            Truth::False
        );
        assert_eq!(
            eval(
                json!({"ForAnyValue:StringLike": {"aws:TagKeys": "key1*"}}),
                &ctx
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                json!({"ForAllValues:StringLike": {"aws:TagKeys": ["key1*", "key2*"]}}),
                &ctx
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                json!({"ForAllValues:StringNotLike": {"aws:TagKeys": "key3*"}}),
                &ctx
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                json!({"ForAnyValue:StringNotLike": {"aws:TagKeys": "key1*"}}),
                &ctx
            ),
            Truth::True
        );
        let mut empty = Context::new();
        empty.set("aws:TagKeys", Vec::new());
        assert_eq!(
            eval(
                json!({"ForAllValues:StringEquals": {"aws:TagKeys": "x"}}),
                &empty
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                json!({"ForAnyValue:StringEquals": {"aws:TagKeys": "x"}}),
                &empty
            ),
            Truth::False
        );
    }

    #[test]
    fn multiple_keys_and_operators_are_anded() {
        let ctx = Context::new()
            .with("aws:username", "bob")
            .with("aws:RequestedRegion", "eu-west-1");
        let c =
            json!({"StringEquals": {"aws:username": "bob", "aws:RequestedRegion": "us-east-1"}});
        assert_eq!(eval(c, &ctx), Truth::False);
        // A decided false wins over an undecidable clause.
        let c = json!({"StringEquals": {"aws:username": "eve"}, "Bool": {"aws:SecureTransport": "true"}});
        assert_eq!(eval(c, &ctx), Truth::False);
        let c = json!({"StringEquals": {"aws:username": "bob"}, "Bool": {"aws:SecureTransport": "true"}});
        assert!(is_unknown(eval(c, &ctx)));
    }

    #[test]
    fn unknown_operator_is_undecidable() {
        let ctx = Context::new().with("aws:username", "bob");
        assert!(matches!(
            eval(json!({"StringSoundsLike": {"aws:username": "bob"}}), &ctx),
            Truth::Unknown(Gap::UnsupportedOperator { .. })
        ));
    }

    #[test]
    fn variables_in_condition_values() {
        let ctx = Context::new()
            .with("aws:username", "bob")
            .with("aws:ResourceTag/owner", "bob");
        let c = json!({"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}});
        assert_eq!(eval(c, &ctx), Truth::True);
        let ctx = Context::new().with("aws:ResourceTag/owner", "bob");
        let c = json!({"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}});
        assert!(matches!(
            eval(c, &ctx),
            Truth::Unknown(Gap::MissingVariable { .. })
        ));
    }

    #[test]
    fn malformed_conditions_are_errors() {
        assert!(ConditionBlock::parse(&json!("x"), true).is_err());
        assert!(ConditionBlock::parse(&json!({"StringEquals": "x"}), true).is_err());
        assert!(ConditionBlock::parse(&json!({"StringEquals": {"k": null}}), true).is_err());
        assert!(ConditionBlock::parse(&json!({"StringEquals": {"k": [["x"]]}}), true).is_err());
    }
}
