//! Path parameters are input like body fields: each route checks its parameters against the rule
//! its OpenAPI document states, and a value outside it is a `422` naming the parameter, quoting
//! nothing of it (a path can carry NUL, invalid UTF-8 or ten thousand characters). Nothing that
//! breaks the rule is looked up, stored or echoed.

use super::problem::Problem;
use crate::domain::{FieldError, is_connector_id};

/// A path parameter and the rule its values follow.
pub struct PathRule {
    /// The parameter's name in the route.
    pub name: &'static str,
    /// Whether a value follows the rule.
    pub valid: fn(&str) -> bool,
    /// The rule, for the problem's message.
    pub rule: &'static str,
}

/// `{connector_id}`: as `connector_id` in a diagnosis request.
pub const CONNECTOR_ID: PathRule = PathRule {
    name: "connector_id",
    valid: is_connector_id,
    rule: "must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' or '-'",
};

/// `{id}` of a diagnosis: `dgn_` and 32 lower-case hex digits.
pub const DIAGNOSIS_ID: PathRule = PathRule {
    name: "id",
    valid: is_diagnosis_id,
    rule: "must be a diagnosis id: dgn_ and 32 lower-case hex digits",
};

/// `{code}` of a catalogue entry: letters, digits and `_` (any case).
pub const CATALOGUE_CODE: PathRule = PathRule {
    name: "code",
    valid: is_code_shape,
    rule: "must be a catalogue code: 1 to 64 letters, digits or '_'",
};

impl PathRule {
    /// `value` if it follows the rule, else the 422 naming the parameter.
    pub fn check(&self, value: String) -> Result<String, Problem> {
        if (self.valid)(&value) {
            Ok(value)
        } else {
            Err(Problem::validation(vec![FieldError::new(
                self.name, self.rule,
            )]))
        }
    }
}

fn is_diagnosis_id(id: &str) -> bool {
    id.strip_prefix("dgn_").is_some_and(|hex| {
        hex.len() == 32
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn is_code_shape(code: &str) -> bool {
    (1..=64).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_takes_its_values_and_no_other() {
        assert!(is_diagnosis_id("dgn_0193b2a4c5d67e8f9a0b1c2d3e4f5a6b"));
        assert!(!is_diagnosis_id("dgn_0193B2A4C5D67E8F9A0B1C2D3E4F5A6B"));
        assert!(!is_diagnosis_id("dgn_0193b2a4"));
        assert!(!is_diagnosis_id("0193b2a4c5d67e8f9a0b1c2d3e4f5a6b0193"));
        assert!(is_code_shape("security_hub_not_enabled"));
        assert!(!is_code_shape("SECURITY HUB"));
        assert!(!is_code_shape(&"A".repeat(65)));
        for bad in ["a\0b", "a\u{fffd}", "", &"a".repeat(10_000)] {
            let problem = CONNECTOR_ID.check(bad.to_owned()).unwrap_err();
            assert_eq!(problem.status, 422);
            assert_eq!(problem.errors[0].field, "connector_id");
        }
    }
}
