//! Which kind of problem a denied verdict is, and so which finding reports it and whether an
//! added Allow would fix it.

use crate::domain::{Decision, DeniedBy, PermissionVerdict};

/// A denied action's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Denial {
    /// No identity policy allows it: an added Allow fixes it (`PERMISSION_MISSING`).
    Missing,
    /// A service control policy denies it.
    Scp,
    /// A resource control policy denies it.
    Rcp,
    /// The permissions boundary does not allow it.
    Boundary,
    /// A Deny statement (identity, session or resource policy) matches it.
    Explicit,
    /// AWS's quarantine policy denies it: the exposed key's finding (`CREDENTIALS_QUARANTINED`,
    /// the identity check's) reports it, never a Deny to narrow. Known from the judgement, not
    /// from the verdict's words alone.
    Quarantine,
}

/// The kind of denial, or `None` for allowed and unknown verdicts.
pub fn denial_of(verdict: &PermissionVerdict) -> Option<Denial> {
    match (verdict.decision, verdict.denied_by) {
        (Decision::Allowed | Decision::Unknown, _) => None,
        (_, Some(DeniedBy::Scp)) => Some(Denial::Scp),
        (_, Some(DeniedBy::Rcp)) => Some(Denial::Rcp),
        (_, Some(DeniedBy::PermissionsBoundary)) => Some(Denial::Boundary),
        (Decision::ExplicitDeny, _) => Some(Denial::Explicit),
        // A session policy or resource policy that fails to allow is not fixed on the identity
        // either; the catalogue's explicit-deny entry is the one that points at those policies.
        (Decision::ImplicitDeny, Some(DeniedBy::SessionPolicy | DeniedBy::ResourcePolicy)) => {
            Some(Denial::Explicit)
        }
        (Decision::ImplicitDeny, Some(DeniedBy::IdentityPolicy) | None) => Some(Denial::Missing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::VerdictMethod;

    fn verdict(decision: Decision, denied_by: Option<DeniedBy>) -> PermissionVerdict {
        PermissionVerdict::new("s3:PutBucketAcl", decision, VerdictMethod::Simulation)
            .with_denied_by(denied_by)
    }

    #[test]
    fn each_denial_has_one_kind() {
        use Decision::*;
        let cases = [
            (Allowed, None, None),
            (Unknown, None, None),
            (ImplicitDeny, None, Some(Denial::Missing)),
            (
                ImplicitDeny,
                Some(DeniedBy::IdentityPolicy),
                Some(Denial::Missing),
            ),
            (ImplicitDeny, Some(DeniedBy::Scp), Some(Denial::Scp)),
            (ExplicitDeny, Some(DeniedBy::Scp), Some(Denial::Scp)),
            (
                ImplicitDeny,
                Some(DeniedBy::PermissionsBoundary),
                Some(Denial::Boundary),
            ),
            (
                ExplicitDeny,
                Some(DeniedBy::IdentityPolicy),
                Some(Denial::Explicit),
            ),
            (ExplicitDeny, None, Some(Denial::Explicit)),
            (
                ImplicitDeny,
                Some(DeniedBy::SessionPolicy),
                Some(Denial::Explicit),
            ),
        ];
        for (decision, denied_by, expected) in cases {
            assert_eq!(
                denial_of(&verdict(decision, denied_by)),
                expected,
                "{decision:?} {denied_by:?}"
            );
        }
    }
}
