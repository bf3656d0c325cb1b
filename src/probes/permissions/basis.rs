//! What the verdicts rest on before the other probes' observations: one method's answer per
//! action, or the reason no method could answer.

use std::collections::HashMap;

use crate::aws::AwsError;
use crate::domain::{Decision, DeniedBy, VerdictMethod};

/// One method's verdict on one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodVerdict {
    /// The decision.
    pub decision: Decision,
    /// The policy type that denied it, when known; `None` for a plain missing allow.
    pub denied_by: Option<DeniedBy>,
    /// Why, when the decision alone does not tell a person enough (explicit denies, unknowns).
    pub note: Option<String>,
    /// The network context keys (`aws:SourceIp`, ...) that left the decision open.
    pub condition_keys: Vec<String>,
    /// The AWS quarantine policy (`AWSCompromisedKeyQuarantineV2`) whose Deny decided it, when
    /// one did: AWS's answer to an exposed key, not a Deny of the account's to narrow.
    pub quarantine: Option<String>,
}

impl MethodVerdict {
    /// An allow.
    pub fn allowed() -> Self {
        Self {
            decision: Decision::Allowed,
            denied_by: None,
            note: None,
            condition_keys: Vec::new(),
            quarantine: None,
        }
    }
}

/// Whether the decision is a deny of either kind.
pub fn is_denied(decision: Decision) -> bool {
    matches!(decision, Decision::ImplicitDeny | Decision::ExplicitDeny)
}

/// Verdicts keyed by lower-cased action: IAM action names are case-insensitive, and the
/// simulator need not echo the case it was sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionVerdicts(HashMap<String, MethodVerdict>);

impl ActionVerdicts {
    /// Records the verdict on `action`.
    pub fn insert(&mut self, action: &str, verdict: MethodVerdict) {
        self.0.insert(action.to_ascii_lowercase(), verdict);
    }

    /// The verdict on `action`, if the method gave one.
    pub fn get(&self, action: &str) -> Option<&MethodVerdict> {
        self.0.get(&action.to_ascii_lowercase())
    }
}

/// The method that decided the verdicts, or why none could.
#[derive(Debug, Clone)]
pub enum Basis {
    /// `method` gave these verdicts.
    Decided {
        /// `simulation` or `local_evaluation`.
        method: VerdictMethod,
        /// Its verdict per action.
        verdicts: ActionVerdicts,
        /// How it came to be used, for the summary (a simulator failure, root credentials).
        note: Option<String>,
    },
    /// Neither the simulator nor the policy reads were possible.
    Unavailable {
        /// Why, for the finding and summary.
        reason: String,
        /// The AWS error that ended the last attempt, if one did.
        error: Option<AwsError>,
    },
}
