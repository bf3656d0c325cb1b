//! Whose permissions are checked: the IAM user or role behind the session, as IAM names it.
//!
//! The simulator and the policy reads need the IAM entity, not the STS session: a role session's
//! ARN (`arn:aws:sts::ACCT:assumed-role/NAME/SESSION`) is not accepted by
//! `iam:SimulatePrincipalPolicy`, and its policies are those of the role `NAME`.

use crate::domain::{IdentityInfo, PrincipalType};

/// The IAM entity whose policies decide the session's permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An IAM user.
    User {
        /// The user name (the last segment of the ARN's path).
        name: String,
        /// The user ARN.
        arn: String,
    },
    /// The role behind a role session.
    Role {
        /// The role name.
        name: String,
        /// The role ARN (without its path when only the session ARN was known).
        arn: String,
    },
    /// The account's root user: identity policies cannot restrict it.
    Root,
    /// A principal whose policies IAM cannot show; the reason, for the summary.
    Unsupported(String),
}

impl Principal {
    /// The principal of `identity`; `assumed_role_arn` is the role ARN when a role was assumed.
    pub fn of(identity: &IdentityInfo, assumed_role_arn: Option<&str>) -> Principal {
        match identity.principal_type {
            PrincipalType::Root => Principal::Root,
            PrincipalType::User => match last_segment(resource_of(&identity.arn)) {
                Some(name) => Principal::User {
                    name: name.to_owned(),
                    arn: identity.arn.clone(),
                },
                None => unreadable(&identity.arn),
            },
            PrincipalType::AssumedRole => role_of(identity, assumed_role_arn),
            PrincipalType::FederatedUser => Principal::Unsupported(
                "a federated user session has the permissions of the IAM user that created it \
                 intersected with the session policy passed to sts:GetFederationToken, and IAM \
                 shows neither for the session"
                    .to_owned(),
            ),
        }
    }

    /// "user NAME" or "role NAME", for details.
    pub fn describe(&self) -> String {
        match self {
            Principal::User { name, .. } => format!("user {name}"),
            Principal::Role { name, .. } => format!("role {name}"),
            Principal::Root => "the root user".to_owned(),
            Principal::Unsupported(_) => "the principal".to_owned(),
        }
    }
}

fn role_of(identity: &IdentityInfo, assumed_role_arn: Option<&str>) -> Principal {
    if let Some(role_arn) = assumed_role_arn
        && let Some(name) = last_segment(resource_of(role_arn))
    {
        return Principal::Role {
            name: name.to_owned(),
            arn: role_arn.to_owned(),
        };
    }
    // Session credentials given directly: the role name is the session ARN's second segment.
    let resource = resource_of(&identity.arn);
    let name = resource
        .strip_prefix("assumed-role/")
        .and_then(|rest| rest.split('/').next())
        .filter(|name| !name.is_empty());
    let partition = identity.partition.arn_name();
    match name {
        Some(name) => Principal::Role {
            name: name.to_owned(),
            arn: format!("arn:{partition}:iam::{}:role/{name}", identity.account_id),
        },
        None => unreadable(&identity.arn),
    }
}

fn unreadable(arn: &str) -> Principal {
    Principal::Unsupported(format!("the caller ARN {arn} names no IAM user or role"))
}

/// The resource part of an ARN (`user/path/name`), empty when it is not an ARN.
fn resource_of(arn: &str) -> &str {
    arn.splitn(6, ':').nth(5).unwrap_or_default()
}

/// The last `/`-separated segment of a resource with a type prefix (`role/path/NAME`).
fn last_segment(resource: &str) -> Option<&str> {
    let (_, path) = resource.split_once('/')?;
    path.rsplit('/').next().filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(arn: &str, principal_type: PrincipalType) -> IdentityInfo {
        IdentityInfo {
            account_id: "123456789012".to_owned(),
            arn: arn.to_owned(),
            principal_type,
            partition: crate::domain::Partition::Aws,
        }
    }

    #[test]
    fn a_user_is_named_by_the_last_segment_of_its_path() {
        let user = identity(
            "arn:aws:iam::123456789012:user/division/mdca",
            PrincipalType::User,
        );
        assert_eq!(
            Principal::of(&user, None),
            Principal::User {
                name: "mdca".to_owned(),
                arn: "arn:aws:iam::123456789012:user/division/mdca".to_owned()
            }
        );
    }

    #[test]
    fn a_role_session_is_the_assumed_role_or_the_role_named_by_the_session() {
        let session = identity(
            "arn:aws:sts::123456789012:assumed-role/audit/connector-doctor",
            PrincipalType::AssumedRole,
        );
        assert_eq!(
            Principal::of(&session, Some("arn:aws:iam::123456789012:role/team/audit")),
            Principal::Role {
                name: "audit".to_owned(),
                arn: "arn:aws:iam::123456789012:role/team/audit".to_owned()
            }
        );
        assert_eq!(
            Principal::of(&session, None),
            Principal::Role {
                name: "audit".to_owned(),
                arn: "arn:aws:iam::123456789012:role/audit".to_owned()
            }
        );
    }

    #[test]
    fn root_and_federated_users_have_no_policies_to_read() {
        let root = identity("arn:aws:iam::123456789012:root", PrincipalType::Root);
        assert_eq!(Principal::of(&root, None), Principal::Root);
        let federated = identity(
            "arn:aws:sts::123456789012:federated-user/bob",
            PrincipalType::FederatedUser,
        );
        assert!(matches!(
            Principal::of(&federated, None),
            Principal::Unsupported(_)
        ));
    }
}
