//! The table of AWS error codes: which catalogue entry each wire code means.
//!
//! Every wire code has exactly one default entry; rules, tried in order, pick another by the
//! message, the call (service, operation) or a Region the message names. The catalogue's
//! `[[aws_error]]` tables hold it, and everything that reads an AWS error code reads it here: the
//! probes through `aws_mapping`, the matcher, and the `aws_error_codes` each entry serves.

use std::collections::HashMap;

use serde::Deserialize;

use super::text::Words;
use crate::domain::Code;

/// One `[[aws_error]]` table as written, before the validator turns it into an [`AwsCodeGroup`].
/// The entry codes and the rules stay loose here so that the validator can name every unknown
/// code and rule key, not just the first that serde meets.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCodeGroup {
    pub codes: Vec<String>,
    pub entry: String,
    #[serde(default)]
    pub denial: bool,
    #[serde(default)]
    pub clock: bool,
    #[serde(default)]
    pub rules: Vec<toml::Table>,
    #[serde(default)]
    pub contextual: Vec<String>,
}

/// Wire codes that AWS uses for one failure and that resolve alike.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsCodeGroup {
    /// The wire codes, as AWS writes them (`AccessDenied`, `Client.UnauthorizedOperation`).
    pub codes: Vec<String>,
    /// The entry they mean when no rule picks another.
    pub entry: Code,
    /// Whether they mean "not allowed": a policy refused the call.
    pub denial: bool,
    /// Whether a wrong clock can cause them: the probes report `CLOCK_SKEW` instead when AWS's
    /// `Date` header is far from this host's clock (a check of the response, made in Rust).
    pub clock: bool,
    /// Tried in order; the first that holds picks its entry.
    pub rules: Vec<Rule>,
    /// Entries a probe picks instead from what it knows beyond the error (whether the Region is
    /// enabled, the key's partition, what other Regions answered, the permission verdicts).
    /// The table never picks them; they are served among the codes' entries and suggested by
    /// the matcher.
    pub contextual: Vec<Code>,
}

/// A rule of a code group: when every condition it sets holds, the codes mean `entry`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The message contains this text, ignoring case.
    pub message: Option<String>,
    /// The call was made to this service (`sts`, `ec2`); a pasted text names it as a word.
    pub service: Option<String>,
    /// The call was this operation (`AssumeRole`); a pasted text names it as a word.
    pub operation: Option<String>,
    /// The message names an AWS Region (`true`), or none (`false`).
    pub region_in_message: Option<bool>,
    /// The entry the codes mean when the rule holds.
    pub entry: Code,
}

/// What is known of a failure when its code is resolved.
#[derive(Debug, Clone, Copy)]
pub enum Seen<'a> {
    /// A call this service made: its service and operation are known exactly.
    Call {
        /// The service, as `AwsError` names it (`sts`).
        service: &'a str,
        /// The operation (`GetCallerIdentity`).
        operation: &'a str,
        /// AWS's message, empty when there was none.
        message: &'a str,
    },
    /// A text a person pasted: it is the message, and it names a service or operation as a
    /// word or it does not (botocore writes "when calling the AssumeRole operation").
    Text(&'a str),
}

impl Seen<'_> {
    fn message(&self) -> &str {
        match self {
            Seen::Call { message, .. } => message,
            Seen::Text(text) => text,
        }
    }

    fn names_service(&self, wanted: &str) -> bool {
        match self {
            Seen::Call { service, .. } => service.eq_ignore_ascii_case(wanted),
            Seen::Text(text) => Words::new(text).contains(&Words::new(wanted)),
        }
    }

    fn names_operation(&self, wanted: &str) -> bool {
        match self {
            Seen::Call { operation, .. } => operation.eq_ignore_ascii_case(wanted),
            Seen::Text(text) => Words::new(text).contains(&Words::new(wanted)),
        }
    }
}

impl Rule {
    /// Whether every condition the rule sets holds for `seen`.
    pub fn holds(&self, seen: &Seen<'_>) -> bool {
        let message = seen.message();
        self.message
            .as_deref()
            .is_none_or(|wanted| contains_ignoring_case(message, wanted))
            && self
                .service
                .as_deref()
                .is_none_or(|wanted| seen.names_service(wanted))
            && self
                .operation
                .as_deref()
                .is_none_or(|wanted| seen.names_operation(wanted))
            && self
                .region_in_message
                .is_none_or(|wanted| names_region(message) == wanted)
    }
}

impl AwsCodeGroup {
    /// The entry the group's codes mean for `seen`: the first rule that holds, else the default.
    pub fn resolve(&self, seen: &Seen<'_>) -> Code {
        self.rules
            .iter()
            .find(|rule| rule.holds(seen))
            .map_or(self.entry, |rule| rule.entry)
    }

    /// Every entry the codes can mean: the default, the rules' and the contextual ones, each once.
    pub fn entries(&self) -> Vec<Code> {
        let mut entries = vec![self.entry];
        for code in self
            .rules
            .iter()
            .map(|rule| rule.entry)
            .chain(self.contextual.iter().copied())
        {
            if !entries.contains(&code) {
                entries.push(code);
            }
        }
        entries
    }
}

/// The groups of the catalogue, indexed by lower-cased wire code.
#[derive(Debug, Clone, Default)]
pub struct AwsErrorTable {
    groups: Vec<AwsCodeGroup>,
    /// Lower-cased wire code to its group's index. A code in two groups (which the validator
    /// refuses) is found in the first.
    by_code: HashMap<String, usize>,
}

impl AwsErrorTable {
    /// Indexes `groups`, in their order.
    pub(super) fn new(groups: Vec<AwsCodeGroup>) -> AwsErrorTable {
        let mut by_code = HashMap::new();
        for (index, group) in groups.iter().enumerate() {
            for code in &group.codes {
                by_code.entry(code.to_ascii_lowercase()).or_insert(index);
            }
        }
        AwsErrorTable { groups, by_code }
    }

    /// Every group, in the catalogue's order.
    pub fn groups(&self) -> &[AwsCodeGroup] {
        &self.groups
    }

    /// The group of the wire code `code` (case-insensitive, surrounding whitespace ignored).
    pub fn get(&self, code: &str) -> Option<&AwsCodeGroup> {
        self.by_code
            .get(&code.trim().to_ascii_lowercase())
            .and_then(|&index| self.groups.get(index))
    }

    /// The wire codes that can mean `entry`: those that mean it by default, then those a rule
    /// points to it, then those a probe's context does, each in table order.
    pub fn codes_of(&self, entry: Code) -> Vec<String> {
        let by_default = |group: &AwsCodeGroup| group.entry == entry;
        let by_rule = |group: &AwsCodeGroup| group.rules.iter().any(|rule| rule.entry == entry);
        let in_context = |group: &AwsCodeGroup| group.contextual.contains(&entry);
        let mut codes: Vec<String> = Vec::new();
        for points_here in [
            &by_default as &dyn Fn(&AwsCodeGroup) -> bool,
            &by_rule,
            &in_context,
        ] {
            for group in self.groups.iter().filter(|group| points_here(group)) {
                for code in &group.codes {
                    if !codes.contains(code) {
                        codes.push(code.clone());
                    }
                }
            }
        }
        codes
    }

    /// The group of the code that `words` names first (as whole words), if it names any.
    pub(super) fn first_named(&self, words: &Words) -> Option<&AwsCodeGroup> {
        self.groups
            .iter()
            .flat_map(|group| group.codes.iter().map(move |code| (group, code)))
            .filter_map(|(group, code)| Some((words.position(&Words::new(code))?, group)))
            .min_by_key(|(position, _)| *position)
            .map(|(_, group)| group)
    }
}

fn contains_ignoring_case(text: &str, wanted: &str) -> bool {
    text.to_lowercase().contains(&wanted.to_lowercase())
}

/// Whether `message` names something shaped like an AWS Region (`eu-west-1`, `us-gov-west-1`),
/// quoted or not. By shape, not by the Regions table, so that a Region newer than the table counts.
fn names_region(message: &str) -> bool {
    message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .any(is_region_shaped)
}

/// Two or more lower-case words and a number of one or two digits, joined by hyphens.
fn is_region_shaped(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && (1..=2).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(entry: Code) -> Rule {
        Rule {
            message: None,
            service: None,
            operation: None,
            region_in_message: None,
            entry,
        }
    }

    fn call<'a>(service: &'a str, operation: &'a str, message: &'a str) -> Seen<'a> {
        Seen::Call {
            service,
            operation,
            message,
        }
    }

    #[test]
    fn regions_are_told_by_their_shape() {
        for named in [
            "the region 'us-east-1' is wrong; expecting 'eu-west-1'",
            "in us-gov-west-1",
            "cn-north-1.",
            "a new one: xx-newplace-12",
        ] {
            assert!(names_region(named), "{named}");
        }
        for unnamed in [
            "a non-empty region must be provided in the credential",
            "x-amz-date",
            "AKIAIOSFODNN7EXAMPLE",
            "us-east-123",
            "Us-East-1",
        ] {
            assert!(!names_region(unnamed), "{unnamed}");
        }
    }

    #[test]
    fn every_condition_of_a_rule_must_hold() {
        let both = Rule {
            message: Some("Service Control Policy".to_owned()),
            operation: Some("AssumeRole".to_owned()),
            ..rule(Code::AssumeRoleDenied)
        };
        let scp = "an explicit deny in a service control policy";
        assert!(both.holds(&call("sts", "AssumeRole", scp)));
        assert!(!both.holds(&call("sts", "GetCallerIdentity", scp)));
        assert!(!both.holds(&call("sts", "AssumeRole", "no policy")));
    }

    #[test]
    fn a_pasted_text_names_the_call_as_a_word() {
        let by_operation = Rule {
            operation: Some("AssumeRole".to_owned()),
            ..rule(Code::AssumeRoleDenied)
        };
        assert!(by_operation.holds(&Seen::Text(
            "User x is not authorized to perform: sts:AssumeRole on resource: y"
        )));
        assert!(!by_operation.holds(&Seen::Text("AssumeRoleWithSAML")));
        let by_service = Rule {
            service: Some("ec2".to_owned()),
            ..rule(Code::CredentialsExpired)
        };
        assert!(by_service.holds(&Seen::Text(
            "ec2.us-east-1.amazonaws.com said RequestExpired"
        )));
        assert!(by_service.holds(&call("EC2", "DescribeRegions", "")));
        assert!(!by_service.holds(&call("sts", "GetCallerIdentity", "ec2")));
    }

    #[test]
    fn the_first_rule_that_holds_wins_else_the_default() {
        let group = AwsCodeGroup {
            codes: vec!["AccessDenied".to_owned()],
            entry: Code::AccessDenied,
            denial: true,
            clock: false,
            rules: vec![
                Rule {
                    message: Some("service control policy".to_owned()),
                    ..rule(Code::PermissionDeniedByScp)
                },
                Rule {
                    message: Some("policy".to_owned()),
                    ..rule(Code::PermissionExplicitDeny)
                },
            ],
            contextual: vec![Code::PermissionMissing, Code::PermissionDeniedByScp],
        };
        let scp = "with an explicit deny in a service control policy";
        assert_eq!(
            group.resolve(&call("iam", "ListUsers", scp)),
            Code::PermissionDeniedByScp
        );
        assert_eq!(
            group.resolve(&call("iam", "ListUsers", "a session policy")),
            Code::PermissionExplicitDeny
        );
        assert_eq!(
            group.resolve(&call("iam", "ListUsers", "")),
            Code::AccessDenied
        );
        assert_eq!(
            group.entries(),
            vec![
                Code::AccessDenied,
                Code::PermissionDeniedByScp,
                Code::PermissionExplicitDeny,
                Code::PermissionMissing
            ]
        );
    }

    #[test]
    fn codes_are_found_case_insensitively_and_the_first_named_wins() {
        let group = |code: &str, entry| AwsCodeGroup {
            codes: vec![code.to_owned()],
            entry,
            denial: false,
            clock: false,
            rules: Vec::new(),
            contextual: Vec::new(),
        };
        let table = AwsErrorTable::new(vec![
            group("Throttling", Code::AwsThrottled),
            group("RequestTimeout", Code::AwsTimeout),
        ]);
        assert_eq!(
            table.get(" requesttimeout ").map(|g| g.entry),
            Some(Code::AwsTimeout)
        );
        assert!(table.get("RequestTimeoutX").is_none());
        let named = |text| table.first_named(&Words::new(text)).map(|g| g.entry);
        assert_eq!(
            named("RequestTimeout after Throttling"),
            Some(Code::AwsTimeout)
        );
        assert_eq!(
            named("Throttling, then RequestTimeout"),
            Some(Code::AwsThrottled)
        );
        assert_eq!(named("XThrottlingY"), None);
        assert_eq!(table.codes_of(Code::AwsTimeout), vec!["RequestTimeout"]);
    }
}
