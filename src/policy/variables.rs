//! Policy variables (`${aws:username}`) in resources and condition values.
//!
//! IAM replaces `${key}` with the request's value for that condition key
//! before matching, supports a default (`${aws:username, 'nobody'}`), and has
//! three escapes for characters that are otherwise special: `${*}`, `${?}`
//! and `${$}` stand for a literal `*`, `?` and `$`. Variables only work in
//! documents with `"Version": "2012-10-17"`; in older documents the text is
//! literal, so the parser only builds a [`Template`] for current documents.
//!
//! A variable the context cannot fill makes the element undecidable (see
//! [`Gap`]) instead of being guessed. A variable whose key is known to have no
//! value (absent from the request, or an empty list) and no default has, in the
//! IAM User Guide's words ("Policy variables with no value"), an effectively
//! null value: the element equals and is like nothing ([`Unfilled::NoValue`]).

use super::context::Context;
use super::pattern::{Elem, literal_elems, wildcard_elems};
use super::truth::{Gap, Truth};

/// Why a [`Template`] could not be filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unfilled<'p> {
    /// A variable's key has no value, known: the text matches nothing.
    NoValue,
    /// The context cannot tell.
    Gap(Gap<'p>),
}

impl<'p> Unfilled<'p> {
    /// The outcome of matching the unfilled text against anything: false, or
    /// undecidable.
    pub(crate) fn truth(self) -> Truth<'p> {
        match self {
            Unfilled::NoValue => Truth::False,
            Unfilled::Gap(gap) => Truth::Unknown(gap),
        }
    }
}

/// Text with at least one policy variable or escape in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

/// A piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Plain text; `*` and `?` in it are wildcards where the element has them.
    Text(String),
    /// `${*}`, `${?}` or `${$}`: always the literal character.
    Escaped(u8),
    /// `${name}` or `${name, 'default'}`.
    Variable {
        /// The key as written, for explanations.
        name: String,
        /// Lower-cased key for the context lookup.
        key: String,
        /// Used when the context has no value for the key.
        default: Option<String>,
    },
}

impl Template {
    /// Parses `text`; `None` when it has no variable or escape, so callers can
    /// keep a precompiled static form for the common case.
    pub(crate) fn parse(text: &str) -> Option<Template> {
        let mut parts = Vec::new();
        let mut pending = String::new();
        let mut rest = text;
        let mut found = false;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                break;
            };
            match parse_inner(&after[..end]) {
                Some(part) => {
                    pending.push_str(&rest[..start]);
                    if !pending.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut pending)));
                    }
                    parts.push(part);
                    found = true;
                    rest = &after[end + 1..];
                }
                None => {
                    // Not a variable (e.g. `${}`): keep `${` as text and go on.
                    pending.push_str(&rest[..start + 2]);
                    rest = after;
                }
            }
        }
        pending.push_str(rest);
        if !pending.is_empty() {
            parts.push(Part::Text(pending));
        }
        found.then_some(Template { parts })
    }

    /// Substitutes variables into a plain string (for equality comparisons).
    pub(crate) fn resolve_string<'p>(
        &'p self,
        context: &Context,
        out: &mut String,
    ) -> Result<(), Unfilled<'p>> {
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Escaped(byte) => out.push(char::from(*byte)),
                Part::Variable { .. } => out.push_str(lookup(part, context)?),
            }
        }
        Ok(())
    }

    /// Substitutes variables into pattern elements: wildcards in the policy
    /// text stay wildcards, while escapes and substituted values are literal
    /// (a `*` inside a user name must not widen the pattern).
    pub(crate) fn resolve_elems<'p>(
        &'p self,
        context: &Context,
        out: &mut Vec<Elem>,
    ) -> Result<(), Unfilled<'p>> {
        for part in &self.parts {
            match part {
                Part::Text(text) => out.extend(wildcard_elems(text)),
                Part::Escaped(byte) => out.push(Elem::Lit(*byte)),
                Part::Variable { .. } => out.extend(literal_elems(lookup(part, context)?)),
            }
        }
        Ok(())
    }
}

/// The value of a variable part, or why there is none.
fn lookup<'p, 'c>(part: &'p Part, context: &'c Context) -> Result<&'c str, Unfilled<'p>>
where
    'p: 'c,
{
    let Part::Variable { name, key, default } = part else {
        return Ok("");
    };
    let values = context.get_lowercase(key);
    match values {
        // IAM substitutes single-valued keys only.
        Some(list) if !list.is_empty() && context.is_multivalued(key, list) => {
            Err(Unfilled::Gap(Gap::MultiValuedVariable { variable: name }))
        }
        Some([value]) => Ok(value.as_str()),
        // No value: the default if written, else null when that is known.
        _ => match default {
            Some(value) => Ok(value.as_str()),
            None if values.is_some() || context.is_absent_lowercase(key) => Err(Unfilled::NoValue),
            None => Err(Unfilled::Gap(Gap::MissingVariable { variable: name })),
        },
    }
}

/// Parses what is between `${` and `}`; `None` if it is not a variable.
fn parse_inner(inner: &str) -> Option<Part> {
    match inner.trim() {
        "*" => return Some(Part::Escaped(b'*')),
        "?" => return Some(Part::Escaped(b'?')),
        "$" => return Some(Part::Escaped(b'$')),
        _ => {}
    }
    let (name, default) = match inner.split_once(',') {
        Some((name, default)) => {
            let default = default.trim();
            let quoted = default
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))?;
            (name.trim(), Some(quoted.to_owned()))
        }
        None => (inner.trim(), None),
    };
    let valid = !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '$' | '{' | '\''));
    valid.then(|| Part::Variable {
        name: name.to_owned(),
        key: name.to_lowercase(),
        default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(text: &str, context: &Context) -> Result<String, String> {
        let template = Template::parse(text).ok_or("no template")?;
        let mut out = String::new();
        template
            .resolve_string(context, &mut out)
            .map_err(|gap| format!("{gap:?}"))?;
        Ok(out)
    }

    #[test]
    fn plain_text_is_not_a_template() {
        assert!(Template::parse("arn:aws:s3:::bucket/*").is_none());
        assert!(Template::parse("${}").is_none());
        assert!(Template::parse("${unterminated").is_none());
    }

    #[test]
    fn substitutes_case_insensitively() {
        let ctx = Context::new().with("aws:username", "bob");
        assert_eq!(
            resolve("home/${AWS:UserName}/*", &ctx).as_deref(),
            Ok("home/bob/*")
        );
    }

    #[test]
    fn default_and_missing() {
        let ctx = Context::new();
        assert_eq!(
            resolve("${aws:username, 'none'}", &ctx).as_deref(),
            Ok("none")
        );
        assert!(resolve("${aws:username}", &ctx).is_err());
    }

    #[test]
    fn escapes_are_literal_in_patterns() {
        let template = Template::parse("a${*}b*").expect("template");
        let mut elems = Vec::new();
        template
            .resolve_elems(&Context::new(), &mut elems)
            .expect("no variables");
        assert_eq!(
            elems,
            vec![
                Elem::Lit(b'a'),
                Elem::Lit(b'*'),
                Elem::Lit(b'b'),
                Elem::Star
            ]
        );
    }

    #[test]
    fn multi_valued_variable_is_a_gap() {
        let ctx = Context::new()
            .with("aws:TagKeys", "a")
            .with("aws:TagKeys", "b");
        assert!(resolve("${aws:TagKeys}", &ctx).is_err());
    }
}
