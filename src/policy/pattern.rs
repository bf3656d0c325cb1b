//! Wildcard matching for IAM patterns (`*` and `?`).
//!
//! IAM uses the same two wildcards everywhere (`*` = any run of characters,
//! `?` = exactly one character), but with different case rules: action names
//! are case-insensitive, ARNs and condition strings are case-sensitive. A
//! pattern is compiled once into a [`Glob`], which picks the cheapest matching
//! strategy (everything, exact, prefix, or general wildcard) so that matching
//! a request allocates nothing.
//!
//! [`ArnPattern`] adds IAM's ARN rule on top: the colon-separated segments of
//! an ARN are matched one by one, so a wildcard inside one segment does not
//! swallow the colons of the next, except that a trailing `*` on the last
//! segment written in the pattern matches the rest of the ARN.

/// One element of a compiled wildcard pattern.
///
/// Kept separate from the source text because a policy variable escape such
/// as `${*}` is a literal `*` that must not act as a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Elem {
    /// A literal byte (already lower-cased for case-insensitive globs).
    Lit(u8),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
}

/// Turns pattern text into elements, treating `*` and `?` as wildcards.
pub(crate) fn wildcard_elems(text: &str) -> impl Iterator<Item = Elem> + '_ {
    text.bytes().map(|b| match b {
        b'*' => Elem::Star,
        b'?' => Elem::One,
        other => Elem::Lit(other),
    })
}

/// Turns text into elements that only match themselves (no wildcards).
pub(crate) fn literal_elems(text: &str) -> impl Iterator<Item = Elem> + '_ {
    text.bytes().map(Elem::Lit)
}

/// Whether letters must match in case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// ARNs and condition strings.
    Sensitive,
    /// Action names: ASCII case folding is enough because IAM action names
    /// are ASCII; non-ASCII bytes still have to match exactly.
    Insensitive,
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    kind: GlobKind,
    case: Case,
}

/// The matching strategy chosen at compile time.
#[derive(Debug, Clone, PartialEq, Eq)]
enum GlobKind {
    /// `*` alone: matches everything without looking at the value.
    Any,
    /// No wildcard at all.
    Exact(Box<[u8]>),
    /// Literal text followed by one trailing `*` (`s3:Get*`), the most
    /// common shape in real policies.
    Prefix(Box<[u8]>),
    /// Anything else; matched with the backtracking algorithm below.
    Wild(Box<[Elem]>),
}

impl Glob {
    /// Compiles pattern text in which `*` and `?` are wildcards.
    pub(crate) fn new(pattern: &str, case: Case) -> Self {
        Self::from_elems(wildcard_elems(pattern), case)
    }

    /// Compiles already-tokenised elements (used when policy variables have
    /// been substituted, or escapes like `${*}` must stay literal).
    pub(crate) fn from_elems(elems: impl IntoIterator<Item = Elem>, case: Case) -> Self {
        let mut compiled: Vec<Elem> = Vec::new();
        for elem in elems {
            let elem = match (elem, case) {
                (Elem::Lit(b), Case::Insensitive) => Elem::Lit(b.to_ascii_lowercase()),
                (other, _) => other,
            };
            // `**` means the same as `*`; collapsing keeps backtracking linear.
            if elem == Elem::Star && compiled.last() == Some(&Elem::Star) {
                continue;
            }
            compiled.push(elem);
        }
        let literal_len = compiled
            .iter()
            .take_while(|e| matches!(e, Elem::Lit(_)))
            .count();
        let literal: Vec<u8> = compiled[..literal_len]
            .iter()
            .filter_map(|e| match e {
                Elem::Lit(b) => Some(*b),
                _ => None,
            })
            .collect();
        let kind = if compiled == [Elem::Star] {
            GlobKind::Any
        } else if literal_len == compiled.len() {
            GlobKind::Exact(literal.into_boxed_slice())
        } else if literal_len + 1 == compiled.len() && compiled.last() == Some(&Elem::Star) {
            GlobKind::Prefix(literal.into_boxed_slice())
        } else {
            GlobKind::Wild(compiled.into_boxed_slice())
        };
        Glob { kind, case }
    }

    /// True when the pattern's last element is `*`.
    fn ends_with_star(&self) -> bool {
        match &self.kind {
            GlobKind::Any | GlobKind::Prefix(_) => true,
            GlobKind::Exact(_) => false,
            GlobKind::Wild(elems) => elems.last() == Some(&Elem::Star),
        }
    }

    /// Whether `value` matches the whole pattern.
    pub(crate) fn matches(&self, value: &str) -> bool {
        let value = value.as_bytes();
        match &self.kind {
            GlobKind::Any => true,
            GlobKind::Exact(lit) => value.len() == lit.len() && bytes_eq(lit, value, self.case),
            GlobKind::Prefix(lit) => {
                value.len() >= lit.len() && bytes_eq(lit, &value[..lit.len()], self.case)
            }
            GlobKind::Wild(elems) => wild_match(elems, value, self.case),
        }
    }
}

/// Compares pattern bytes (pre-folded when case-insensitive) with value bytes.
fn bytes_eq(pattern: &[u8], value: &[u8], case: Case) -> bool {
    match case {
        Case::Sensitive => pattern == value,
        Case::Insensitive => pattern
            .iter()
            .zip(value)
            .all(|(p, v)| *p == v.to_ascii_lowercase()),
    }
}

/// Length of the UTF-8 character starting with `lead`, so that `?` consumes
/// one character rather than one byte.
fn char_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xFF => 4,
        // A continuation byte never starts a character in valid UTF-8; step
        // one byte so the loop still makes progress.
        _ => 1,
    }
}

/// Classic iterative wildcard matching with single-star backtracking:
/// O(pattern × value) in the worst case, no allocation, no recursion (so no
/// stack overflow on hostile patterns).
fn wild_match(pattern: &[Elem], value: &[u8], case: Case) -> bool {
    let (mut p, mut v) = (0usize, 0usize);
    // Position just after the most recent `*`, and where in the value that
    // star's match currently ends. Only the latest star needs remembering:
    // extending an earlier star can never succeed where extending the latest
    // one fails.
    let mut backtrack: Option<(usize, usize)> = None;
    while v < value.len() {
        if let Some(elem) = pattern.get(p) {
            match *elem {
                Elem::Star => {
                    p += 1;
                    backtrack = Some((p, v));
                    continue;
                }
                Elem::One => {
                    p += 1;
                    v = (v + char_len(value[v])).min(value.len());
                    continue;
                }
                Elem::Lit(b) => {
                    let got = match case {
                        Case::Sensitive => value[v],
                        Case::Insensitive => value[v].to_ascii_lowercase(),
                    };
                    if b == got {
                        p += 1;
                        v += 1;
                        continue;
                    }
                }
            }
        }
        match backtrack {
            Some((star_p, star_v)) if star_v < value.len() => {
                let next_v = (star_v + char_len(value[star_v])).min(value.len());
                backtrack = Some((star_p, next_v));
                p = star_p;
                v = next_v;
            }
            _ => return false,
        }
    }
    pattern[p.min(pattern.len())..]
        .iter()
        .all(|e| *e == Elem::Star)
}

/// An IAM ARN pattern, matched segment by segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArnPattern {
    /// At most six globs: `arn`, partition, service, region, account, and
    /// the resource part (which may itself contain colons).
    segments: Vec<Glob>,
    /// The pattern has fewer than six segments and its last one ends in `*`,
    /// so that segment may match across the remaining colons
    /// (`arn:aws:s3:*` covers every S3 ARN).
    open_ended: bool,
}

/// Number of colon-separated parts of an ARN; the last keeps its colons.
const ARN_SEGMENTS: usize = 6;

impl ArnPattern {
    /// Compiles pattern text in which `*` and `?` are wildcards.
    pub(crate) fn new(pattern: &str) -> Self {
        Self::from_elems(wildcard_elems(pattern))
    }

    /// Compiles already-tokenised elements (after policy variable substitution).
    pub(crate) fn from_elems(elems: impl IntoIterator<Item = Elem>) -> Self {
        let mut segments = Vec::new();
        let mut current = Vec::new();
        for elem in elems {
            if elem == Elem::Lit(b':') && segments.len() + 1 < ARN_SEGMENTS {
                segments.push(Glob::from_elems(current.drain(..), Case::Sensitive));
            } else {
                current.push(elem);
            }
        }
        segments.push(Glob::from_elems(current, Case::Sensitive));
        let open_ended =
            segments.len() < ARN_SEGMENTS && segments.last().is_some_and(Glob::ends_with_star);
        ArnPattern {
            segments,
            open_ended,
        }
    }

    /// Whether `value` (an ARN, or any string) matches.
    pub(crate) fn matches(&self, value: &str) -> bool {
        let mut rest = value;
        let count = self.segments.len();
        for (i, segment) in self.segments.iter().enumerate() {
            if i + 1 == count {
                // The last pattern segment takes the rest of the value if it is
                // the resource part or ends in `*`; otherwise the value must
                // have no further segments.
                let takes_rest = i + 1 == ARN_SEGMENTS || self.open_ended;
                return (takes_rest || !rest.contains(':')) && segment.matches(rest);
            }
            let Some(colon) = rest.find(':') else {
                return false;
            };
            if !segment.matches(&rest[..colon]) {
                return false;
            }
            rest = &rest[colon + 1..];
        }
        // Unreachable in practice: there is always at least one segment.
        false
    }
}

/// True when the IAM action `pattern` (e.g. `iam:List*`) matches the concrete `action`
/// (e.g. `iam:ListUsers`), case-insensitively: the one wildcard matcher of the crate.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    Glob::new(pattern, Case::Insensitive).matches(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str, v: &str) -> bool {
        Glob::new(p, Case::Sensitive).matches(v)
    }

    fn iglob(p: &str, v: &str) -> bool {
        Glob::new(p, Case::Insensitive).matches(v)
    }

    fn arn(p: &str, v: &str) -> bool {
        ArnPattern::new(p).matches(v)
    }

    #[test]
    fn star_alone_matches_everything_including_empty() {
        assert!(glob("*", ""));
        assert!(glob("*", "anything:at/all"));
        assert!(glob("**", "x"));
        assert_eq!(Glob::new("**", Case::Sensitive).kind, GlobKind::Any);
    }

    #[test]
    fn empty_pattern_matches_only_empty() {
        assert!(glob("", ""));
        assert!(!glob("", "a"));
    }

    #[test]
    fn exact_and_prefix() {
        assert!(glob("abc", "abc"));
        assert!(!glob("abc", "abcd"));
        assert!(!glob("abc", "ab"));
        assert!(glob("Get*", "Get"));
        assert!(glob("Get*", "GetObject"));
        assert!(!glob("Get*", "getObject"));
        assert!(!glob("Get*", "Ge"));
    }

    #[test]
    fn star_in_middle_and_start() {
        assert!(glob("*Policy", "GetPolicy"));
        assert!(glob("*Policy", "Policy"));
        assert!(!glob("*Policy", "PolicyVersion"));
        assert!(glob("Get*Policy", "GetRolePolicy"));
        assert!(glob("Get*Policy", "GetPolicy"));
        assert!(!glob("Get*Policy", "GetPolicyVersion"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(glob("a*b*c", "abbbc"));
        assert!(!glob("a*b*c", "acb"));
    }

    #[test]
    fn backtracking_needs_to_retry_the_star() {
        // The first "ab" after the star is a false start.
        assert!(glob("*abc", "ababc"));
        assert!(glob("a*aab", "aaaab"));
        assert!(!glob("a*aab", "aaaa"));
    }

    #[test]
    fn question_mark_is_exactly_one_character() {
        assert!(glob("Describe?rails", "DescribeTrails"));
        assert!(!glob("Describe?rails", "Describerails"));
        assert!(!glob("Describe?rails", "DescribeXXrails"));
        assert!(glob("??", "ab"));
        assert!(!glob("??", "a"));
        assert!(!glob("?", ""));
        assert!(glob("*?", "a"));
        assert!(!glob("*?", ""));
    }

    #[test]
    fn question_mark_consumes_a_whole_utf8_character() {
        assert!(glob("caf?", "café"));
        assert!(glob("?x", "€x"));
        assert!(!glob("??x", "€x"));
        assert!(glob("*é", "caféé"));
        assert!(glob("*?é", "€é"));
    }

    #[test]
    fn case_insensitive_folds_ascii_on_both_sides() {
        assert!(iglob("s3:Get*", "S3:getobject"));
        assert!(iglob("IAM:*policy", "iam:GetRolePolicy"));
        assert!(iglob("cloud*:Describe?rails", "CloudTrail:DESCRIBETRAILS"));
        assert!(!iglob("s3:get*", "s3:put"));
        // Non-ASCII is compared byte-exact even when case-insensitive.
        assert!(iglob("É", "É"));
    }

    #[test]
    fn wildcards_in_value_are_plain_characters() {
        assert!(!glob("abc", "a*c"));
        assert!(glob("a*c", "a*c"));
        assert!(glob("a?c", "a?c"));
    }

    #[test]
    fn literal_elems_keep_wildcards_literal() {
        let g = Glob::from_elems(literal_elems("a*"), Case::Sensitive);
        assert!(g.matches("a*"));
        assert!(!g.matches("ab"));
    }

    #[test]
    fn hostile_pattern_is_fast() {
        let pattern = "*a".repeat(50) + "b";
        let value = "a".repeat(5000);
        assert!(!glob(&pattern, &value));
    }

    #[test]
    fn arn_segments_do_not_cross_colons() {
        assert!(arn("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c"));
        assert!(!arn("arn:aws:s3:::bucket/*", "arn:aws:s3:::other/a"));
        // A wildcard region segment matches one segment only.
        assert!(arn(
            "arn:aws:ec2:*:123456789012:instance/*",
            "arn:aws:ec2:eu-west-1:123456789012:instance/i-1"
        ));
        assert!(!arn(
            "arn:aws:ec2:*:123456789012:instance/*",
            "arn:aws:ec2:eu-west-1:999:123456789012:instance/i-1"
        ));
    }

    #[test]
    fn arn_trailing_star_expands_over_colons() {
        assert!(arn("*", "arn:aws:iam::123:user/bob"));
        assert!(arn("arn:aws:*", "arn:aws:iam::123:user/bob"));
        assert!(arn("arn:aws:s3*", "arn:aws:s3:::bucket"));
        assert!(arn(
            "arn:aws:logs:us-east-1:123:log-group:*",
            "arn:aws:logs:us-east-1:123:log-group:g:log-stream:s"
        ));
        assert!(!arn("arn:aws:*", "arn:aws"));
    }

    #[test]
    fn arn_without_trailing_star_needs_same_segment_count() {
        assert!(arn(
            "arn:aws:iam::123:user/bob",
            "arn:aws:iam::123:user/bob"
        ));
        assert!(!arn("a:b", "a:b:c"));
        assert!(!arn("a:b:c", "a:b"));
        assert!(arn("a:?", "a:b"));
        assert!(!arn("a:?", "a:b:c"));
    }

    #[test]
    fn arn_matching_is_case_sensitive() {
        assert!(!arn("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket"));
        assert!(!arn("arn:aws:S3:::bucket", "arn:aws:s3:::bucket"));
    }

    #[test]
    fn arn_question_mark_within_segment() {
        assert!(arn(
            "arn:aws:iam::12345678901?:root",
            "arn:aws:iam::123456789012:root"
        ));
        assert!(!arn("arn:aws:iam::?:root", "arn:aws:iam:::root"));
    }
}
