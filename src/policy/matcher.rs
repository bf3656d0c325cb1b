//! Precompiled `Action`/`NotAction` and `Resource`/`NotResource` elements.
//!
//! Both are compiled once at parse time so that evaluating the full set of
//! required actions only compares bytes. Action patterns are split into
//! service prefix and action name: most statements name a handful of
//! services, so comparing the (usually exact) prefix first rejects most
//! patterns in a few byte comparisons.

use super::context::Context;
use super::pattern::{ArnPattern, Case, Glob, wildcard_elems};
use super::truth::Truth;
use super::variables::Template;

/// A request action pre-split into service prefix and action name.
///
/// Built once per evaluation; a string without a colon is not a valid IAM
/// action and is only matched by the `*` pattern.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SplitAction<'a> {
    parts: Option<(&'a str, &'a str)>,
}

impl<'a> SplitAction<'a> {
    /// Splits `action` at its first colon.
    pub(crate) fn new(action: &'a str) -> Self {
        SplitAction {
            parts: action.split_once(':'),
        }
    }
}

/// One compiled action pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ActionPattern {
    /// As written in the policy, for display.
    raw: String,
    /// `None` for `*`, which matches every action.
    split: Option<(Glob, Glob)>,
}

impl ActionPattern {
    fn matches(&self, action: &SplitAction<'_>) -> bool {
        match (&self.split, action.parts) {
            (None, _) => true,
            (Some((service, name)), Some((req_service, req_name))) => {
                service.matches(req_service) && name.matches(req_name)
            }
            (Some(_), None) => false,
        }
    }
}

/// Why an action string was rejected at parse time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActionSyntax {
    /// Not `*` and no colon.
    MissingColon,
    /// Nothing before the colon.
    EmptyService,
    /// Nothing after the colon.
    EmptyName,
}

/// The compiled `Action` or `NotAction` element of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionMatcher {
    negated: bool,
    patterns: Vec<ActionPattern>,
}

impl ActionMatcher {
    /// Compiles the patterns of an `Action` (`negated = false`) or
    /// `NotAction` (`negated = true`) element.
    pub(crate) fn compile<'s, I>(negated: bool, patterns: I) -> Result<Self, (String, ActionSyntax)>
    where
        I: IntoIterator<Item = &'s str>,
    {
        let patterns = patterns
            .into_iter()
            .map(|raw| {
                let split = if raw == "*" {
                    None
                } else {
                    let Some((service, name)) = raw.split_once(':') else {
                        return Err((raw.to_owned(), ActionSyntax::MissingColon));
                    };
                    if service.is_empty() {
                        return Err((raw.to_owned(), ActionSyntax::EmptyService));
                    }
                    if name.is_empty() {
                        return Err((raw.to_owned(), ActionSyntax::EmptyName));
                    }
                    Some((
                        Glob::new(service, Case::Insensitive),
                        Glob::new(name, Case::Insensitive),
                    ))
                };
                Ok(ActionPattern {
                    raw: raw.to_owned(),
                    split,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ActionMatcher { negated, patterns })
    }

    /// The patterns as written in the policy.
    pub fn patterns(&self) -> impl Iterator<Item = &str> {
        self.patterns.iter().map(|p| p.raw.as_str())
    }

    /// Whether the statement covers `action` (case-insensitive): some
    /// pattern matches for `Action`, no pattern matches for `NotAction`.
    pub fn covers(&self, action: &str) -> bool {
        self.covers_split(&SplitAction::new(action))
    }

    /// [`ActionMatcher::covers`] for an action split once per evaluation.
    pub(crate) fn covers_split(&self, action: &SplitAction<'_>) -> bool {
        self.patterns.iter().any(|p| p.matches(action)) != self.negated
    }
}

/// One compiled resource pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ResourcePattern {
    /// As written in the policy, for display.
    raw: String,
    compiled: ResourceForm,
}

/// Static patterns are compiled at parse time; patterns with policy
/// variables can only be compiled once the context is known.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ResourceForm {
    Static(ArnPattern),
    /// Variables are substituted in the resource part of the ARN only (after
    /// the fifth colon): the prefix before it is plain pattern text, where
    /// `${...}` is literal (IAM User Guide, "Where you can use policy variables").
    Templated {
        prefix: String,
        resource_part: Template,
    },
}

/// Splits `pattern` after its fifth colon: the ARN's prefix and its resource part.
fn split_resource_part(pattern: &str) -> Option<(&str, &str)> {
    let (end, _) = pattern.match_indices(':').nth(4)?;
    Some(pattern.split_at(end + 1))
}

impl ResourcePattern {
    fn matches<'p>(&'p self, resource: &str, context: &Context) -> Truth<'p> {
        match &self.compiled {
            ResourceForm::Static(pattern) => Truth::from_bool(pattern.matches(resource)),
            ResourceForm::Templated {
                prefix,
                resource_part,
            } => {
                // Allocates, but only for statements that use variables.
                let mut elems: Vec<_> = wildcard_elems(prefix).collect();
                match resource_part.resolve_elems(context, &mut elems) {
                    Ok(()) => Truth::from_bool(ArnPattern::from_elems(elems).matches(resource)),
                    Err(unfilled) => unfilled.truth(),
                }
            }
        }
    }
}

/// The compiled `Resource` or `NotResource` element of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMatcher {
    negated: bool,
    patterns: Vec<ResourcePattern>,
}

impl ResourceMatcher {
    /// Compiles a `Resource` (`negated = false`) or `NotResource` element;
    /// `variables` is false for pre-2012 documents, where `${...}` is literal.
    pub(crate) fn compile<'s, I>(negated: bool, variables: bool, patterns: I) -> Self
    where
        I: IntoIterator<Item = &'s str>,
    {
        let patterns = patterns
            .into_iter()
            .map(|raw| {
                let templated = split_resource_part(raw)
                    .filter(|_| variables)
                    .and_then(|(prefix, rest)| Some((prefix, Template::parse(rest)?)));
                let compiled = match templated {
                    Some((prefix, resource_part)) => ResourceForm::Templated {
                        prefix: prefix.to_owned(),
                        resource_part,
                    },
                    None => ResourceForm::Static(ArnPattern::new(raw)),
                };
                ResourcePattern {
                    raw: raw.to_owned(),
                    compiled,
                }
            })
            .collect();
        ResourceMatcher { negated, patterns }
    }

    /// The patterns as written in the policy.
    pub fn patterns(&self) -> impl Iterator<Item = &str> {
        self.patterns.iter().map(|p| p.raw.as_str())
    }

    /// Whether the statement covers `resource` (case-sensitive ARN match),
    /// undecidable when a needed policy variable is missing.
    pub(crate) fn covers<'p>(&'p self, resource: &str, context: &Context) -> Truth<'p> {
        let matched = Truth::any(self.patterns.iter().map(|p| p.matches(resource, context)));
        if self.negated { matched.not() } else { matched }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actions(negated: bool, patterns: &[&str]) -> ActionMatcher {
        ActionMatcher::compile(negated, patterns.iter().copied()).expect("valid")
    }

    #[test]
    fn action_patterns_split_service_and_name() {
        let m = actions(false, &["cloud*:Describe?rails", "iam:*Policy", "s3:Get*"]);
        assert!(m.covers("cloudtrail:DescribeTrails"));
        assert!(m.covers("CLOUDWATCH:describeXrails"));
        assert!(m.covers("iam:GetRolePolicy"));
        assert!(m.covers("S3:GETOBJECT"));
        assert!(!m.covers("s3:PutObject"));
        assert!(!m.covers("s3GetObject"));
        // A wildcard in the service prefix does not reach into the name.
        assert!(!actions(false, &["s*:Get"]).covers("s3:Put:Get"));
    }

    #[test]
    fn not_action_inverts() {
        let m = actions(true, &["iam:*"]);
        assert!(m.covers("s3:GetObject"));
        assert!(!m.covers("IAM:ListUsers"));
    }

    #[test]
    fn star_action_matches_even_malformed_actions() {
        assert!(actions(false, &["*"]).covers("nonsense"));
        assert!(!actions(false, &["s3:*"]).covers("nonsense"));
    }

    #[test]
    fn invalid_actions_are_rejected() {
        let err = |p: &str| ActionMatcher::compile(false, [p]).err().map(|e| e.1);
        assert_eq!(err("s3GetObject"), Some(ActionSyntax::MissingColon));
        assert_eq!(err(":Get"), Some(ActionSyntax::EmptyService));
        assert_eq!(err("s3:"), Some(ActionSyntax::EmptyName));
        assert_eq!(err("s3:*"), None);
    }

    #[test]
    fn variables_are_substituted_only_in_the_resource_part() {
        // IAM User Guide, "Where you can use policy variables": only after the fifth colon.
        let ctx = Context::new()
            .with("aws:RequestedRegion", "us-east-1")
            .with("aws:PrincipalAccount", "123456789012")
            .with("aws:username", "bob");
        let table = "arn:aws:dynamodb:us-east-1:123456789012:table/bob";
        for pattern in [
            "arn:aws:dynamodb:${aws:RequestedRegion}:123456789012:table/bob",
            "arn:aws:dynamodb:us-east-1:${aws:PrincipalAccount}:table/bob",
        ] {
            let allow = ResourceMatcher::compile(false, true, [pattern]);
            assert_eq!(allow.covers(table, &ctx), Truth::False, "{pattern}");
            let not = ResourceMatcher::compile(true, true, [pattern]);
            assert_eq!(
                not.covers(table, &ctx),
                Truth::True,
                "NotResource {pattern}"
            );
        }
        let resource_part = ResourceMatcher::compile(
            false,
            true,
            ["arn:aws:dynamodb:us-east-1:123456789012:table/${aws:username}"],
        );
        assert_eq!(resource_part.covers(table, &ctx), Truth::True);
    }

    #[test]
    fn a_variable_whose_key_is_known_absent_matches_nothing() {
        // IAM User Guide, "Policy variables with no value".
        let ctx = Context::new().absent("aws:username");
        let object = "arn:aws:s3:::home/bob/x";
        let allow = ResourceMatcher::compile(false, true, ["arn:aws:s3:::home/${aws:username}/*"]);
        assert_eq!(allow.covers(object, &ctx), Truth::False);
        let not = ResourceMatcher::compile(true, true, ["arn:aws:s3:::home/${aws:username}/*"]);
        assert_eq!(not.covers(object, &ctx), Truth::True);
        // The other entries of the element still count.
        let both = ResourceMatcher::compile(
            false,
            true,
            ["arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/*"],
        );
        assert_eq!(both.covers(object, &ctx), Truth::True);
    }

    #[test]
    fn resources_with_variables() {
        let m = ResourceMatcher::compile(true, true, ["arn:aws:s3:::home/${aws:username}/*"]);
        let ctx = Context::new().with("aws:username", "bob");
        assert_eq!(m.covers("arn:aws:s3:::home/bob/x", &ctx), Truth::False);
        assert_eq!(m.covers("arn:aws:s3:::home/eve/x", &ctx), Truth::True);
        assert!(matches!(
            m.covers("arn:aws:s3:::home/bob/x", &Context::new()),
            Truth::Unknown(_)
        ));
        // Old documents treat the variable as literal text.
        let old = ResourceMatcher::compile(false, false, ["arn:aws:s3:::${aws:username}"]);
        assert_eq!(
            old.covers("arn:aws:s3:::${aws:username}", &Context::new()),
            Truth::True
        );
    }
}
