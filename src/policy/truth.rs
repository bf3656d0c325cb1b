//! Three-valued logic for statements whose outcome may not be decidable.
//!
//! The evaluator only sees the request context the caller supplies. When a
//! condition or policy variable needs a key the caller did not supply, the
//! honest answer is "unknown", not "false": treating it as false could hide
//! a deny or invent an allow. [`Truth`] carries that third value together
//! with the first [`Gap`] that caused it, borrowed from the parsed policy so
//! the hot path does not allocate.

/// Why a statement could not be decided; borrowed from the policy document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gap<'p> {
    /// A condition needs a context key the request context does not supply.
    MissingKey { operator: &'p str, key: &'p str },
    /// The condition operator is not one this evaluator can decide.
    UnsupportedOperator { operator: &'p str, key: &'p str },
    /// A policy variable (`${aws:username}`) has no value in the context.
    MissingVariable { variable: &'p str },
    /// A policy variable names a key with several values; IAM only allows
    /// single-valued keys as variables.
    MultiValuedVariable { variable: &'p str },
    /// A multivalued key tested without `ForAllValues:`/`ForAnyValue:`, which
    /// AWS leaves undefined.
    MultiValuedKeyWithoutSetOperator { operator: &'p str, key: &'p str },
    /// `ForAnyValue:...IfExists` on a key absent from the request: `IfExists`
    /// makes it true and `ForAnyValue` false, and AWS does not say which wins.
    AnyValueIfExistsOnAbsentKey { operator: &'p str, key: &'p str },
}

/// True, false, or undecidable (with the reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Truth<'p> {
    /// Decided true.
    True,
    /// Decided false.
    False,
    /// Cannot be decided from the request context.
    Unknown(Gap<'p>),
}

impl<'p> Truth<'p> {
    /// Lifts a decided boolean.
    pub(crate) fn from_bool(value: bool) -> Self {
        if value { Truth::True } else { Truth::False }
    }

    /// Kleene AND: false wins over unknown, unknown over true.
    pub(crate) fn and(self, other: Truth<'p>) -> Truth<'p> {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::Unknown(gap), _) | (_, Truth::Unknown(gap)) => Truth::Unknown(gap),
            (Truth::True, Truth::True) => Truth::True,
        }
    }

    /// Kleene OR: true wins over unknown, unknown over false.
    pub(crate) fn or(self, other: Truth<'p>) -> Truth<'p> {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::Unknown(gap), _) | (_, Truth::Unknown(gap)) => Truth::Unknown(gap),
            (Truth::False, Truth::False) => Truth::False,
        }
    }

    /// Kleene NOT: unknown stays unknown.
    pub(crate) fn not(self) -> Truth<'p> {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            unknown @ Truth::Unknown(_) => unknown,
        }
    }

    /// OR over an iterator, stopping at the first decided true.
    pub(crate) fn any<I: IntoIterator<Item = Truth<'p>>>(items: I) -> Truth<'p> {
        let mut acc = Truth::False;
        for item in items {
            acc = acc.or(item);
            if acc == Truth::True {
                break;
            }
        }
        acc
    }

    /// AND over an iterator, stopping at the first decided false.
    pub(crate) fn all<I: IntoIterator<Item = Truth<'p>>>(items: I) -> Truth<'p> {
        let mut acc = Truth::True;
        for item in items {
            acc = acc.and(item);
            if acc == Truth::False {
                break;
            }
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAP: Gap<'static> = Gap::MissingVariable { variable: "x" };

    #[test]
    fn kleene_tables() {
        let u = Truth::Unknown(GAP);
        assert_eq!(Truth::True.and(u), u);
        assert_eq!(Truth::False.and(u), Truth::False);
        assert_eq!(Truth::True.or(u), Truth::True);
        assert_eq!(Truth::False.or(u), u);
        assert_eq!(u.not(), u);
        assert_eq!(Truth::any([]), Truth::False);
        assert_eq!(Truth::all([]), Truth::True);
        assert_eq!(Truth::any([Truth::False, u]), u);
        assert_eq!(Truth::all([u, Truth::False]), Truth::False);
    }
}
