//! Method `local_evaluation`, first half: the identity's own policies, read with `iam:Get*` and
//! `iam:List*` (which the seed's auditing policy grants, unlike the simulator).
//!
//! A user's permissions come from its inline and attached policies and those of its groups, capped
//! by its permissions boundary; a role's from its inline and attached policies and its boundary.
//! Independent reads run concurrently (bounded), managed policies are fetched once each, and AWS
//! managed policies are read like customer managed ones. Any failed read fails the whole
//! collection: a policy left unread could hold the Deny that decides.

use std::collections::BTreeSet;

use futures::stream::{self, StreamExt, TryStreamExt};

use super::calls::{self, CONCURRENT_READS};
use super::principal::Principal;
use crate::aws::{AwsError, AwsErrorKind, AwsService};
use crate::policy::{NamedPolicy, PolicyParseError, PolicySet};
use crate::probes::context::ProbeContext;

/// The principal's policies, parsed, and the managed policies attached to it.
#[derive(Debug, Clone)]
pub struct CollectedPolicies {
    /// Identity policies and the boundary, for the evaluator.
    pub set: PolicySet,
    /// ARNs of the managed policies attached to the principal or (for a user) its groups.
    pub attached: BTreeSet<String>,
}

/// Why the policies could not be collected.
#[derive(Debug, Clone)]
pub enum CollectError {
    /// A read failed.
    Aws(AwsError),
    /// A policy was read but the evaluator cannot read it.
    Parse {
        /// The policy's name in explanations.
        policy: String,
        /// Where and why.
        error: PolicyParseError,
    },
}

impl From<AwsError> for CollectError {
    fn from(error: AwsError) -> Self {
        CollectError::Aws(error)
    }
}

/// An inline or managed policy document as IAM returned it (percent-encoded JSON).
struct Document {
    name: String,
    text: String,
}

/// What the reads found, before the managed policy documents are fetched.
#[derive(Default)]
struct Found {
    inline: Vec<Document>,
    attached: BTreeSet<String>,
    boundary: Option<String>,
}

/// Reads and parses every policy of `principal` (a user or a role).
pub async fn collect(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    principal: &Principal,
) -> Result<CollectedPolicies, CollectError> {
    let found = match principal {
        Principal::User { name, .. } => user(ctx, iam, name).await?,
        Principal::Role { name, .. } => role(ctx, iam, name).await?,
        Principal::Root | Principal::Unsupported(_) => Found::default(),
    };
    let managed_arns: BTreeSet<String> = found
        .attached
        .iter()
        .chain(&found.boundary)
        .cloned()
        .collect();
    // Owned arguments: a closure over borrowed items would make the future not `Send` for
    // every lifetime, which spawning the diagnosis requires.
    let managed = bounded(
        managed_arns
            .into_iter()
            .map(|arn| async move { managed_document(ctx, iam, &arn).await }),
    )
    .await?;

    let mut identity = Vec::new();
    for document in &found.inline {
        identity.push(parse(document)?);
    }
    let mut boundary = None;
    for document in &managed {
        if found.attached.contains(&document.name) {
            identity.push(parse(document)?);
        }
        if found.boundary.as_ref() == Some(&document.name) {
            boundary = Some(parse(document)?);
        }
    }
    let mut set = PolicySet::new(identity);
    if let Some(boundary) = boundary {
        set = set.with_boundary(boundary);
    }
    Ok(CollectedPolicies {
        set,
        attached: found.attached,
    })
}

/// Only the managed policies attached to `principal` (and to a user's groups), for the
/// managed-policy check when the simulator already gave the verdicts.
pub async fn attachments(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    principal: &Principal,
) -> Result<BTreeSet<String>, AwsError> {
    match principal {
        Principal::User { name, .. } => Ok(user_attachments(ctx, iam, name).await?.all()),
        Principal::Role { name, .. } => role_attached(ctx, iam, name).await,
        Principal::Root | Principal::Unsupported(_) => Ok(BTreeSet::new()),
    }
}

/// The managed policies attached to a user, directly and through each of its groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserAttachments {
    /// ARNs of the policies attached to the user itself.
    pub direct: BTreeSet<String>,
    /// Each group of the user, with the ARNs of the policies attached to it.
    pub groups: Vec<(String, BTreeSet<String>)>,
}

impl UserAttachments {
    /// Every attached policy's ARN, wherever it is attached.
    pub fn all(self) -> BTreeSet<String> {
        let mut all = self.direct;
        all.extend(self.groups.into_iter().flat_map(|(_, attached)| attached));
        all
    }
}

/// The managed policies attached to user `name` and to each of its groups.
pub async fn user_attachments(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    name: &str,
) -> Result<UserAttachments, AwsError> {
    let groups_attached = async {
        let groups = groups_of(ctx, iam, name).await?;
        bounded(groups.into_iter().map(|group| async move {
            let attached = group_attached(ctx, iam, &group).await?;
            Ok::<_, AwsError>((group, attached))
        }))
        .await
    };
    let (direct, groups) = tokio::try_join!(user_attached(ctx, iam, name), groups_attached)?;
    Ok(UserAttachments { direct, groups })
}

fn parse(document: &Document) -> Result<NamedPolicy, CollectError> {
    NamedPolicy::parse(document.name.clone(), &document.text).map_err(|error| CollectError::Parse {
        policy: document.name.clone(),
        error,
    })
}

/// Runs `reads` a few at a time, in order, stopping at the first failure.
async fn bounded<T, E>(
    reads: impl IntoIterator<Item = impl Future<Output = Result<T, E>>>,
) -> Result<Vec<T>, E> {
    stream::iter(reads)
        .buffered(CONCURRENT_READS)
        .try_collect()
        .await
}

async fn user(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    name: &str,
) -> Result<Found, AwsError> {
    let groups = async {
        let groups = groups_of(ctx, iam, name).await?;
        bounded(
            groups
                .into_iter()
                .map(|group| async move { group_policies(ctx, iam, &group).await }),
        )
        .await
    };
    let (mut inline, mut attached, groups, boundary) = tokio::try_join!(
        user_inline(ctx, iam, name),
        user_attached(ctx, iam, name),
        groups,
        user_boundary(ctx, iam, name),
    )?;
    for (group_inline, group_attached) in groups {
        inline.extend(group_inline);
        attached.extend(group_attached);
    }
    Ok(Found {
        inline,
        attached,
        boundary,
    })
}

async fn role(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    name: &str,
) -> Result<Found, AwsError> {
    let (inline, attached, boundary) = tokio::try_join!(
        role_inline(ctx, iam, name),
        role_attached(ctx, iam, name),
        role_boundary(ctx, iam, name),
    )?;
    Ok(Found {
        inline,
        attached,
        boundary,
    })
}

async fn user_inline(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    user: &str,
) -> Result<Vec<Document>, AwsError> {
    let pages = iam
        .list_user_policies()
        .user_name(user)
        .into_paginator()
        .items()
        .send();
    let names = calls::iam(ctx, "ListUserPolicies", || pages.try_collect()).await?;
    bounded(names.into_iter().map(|policy| async move {
        let request = iam.get_user_policy().user_name(user).policy_name(&policy);
        let output = calls::iam(ctx, "GetUserPolicy", || request.send()).await?;
        Ok(Document {
            name: format!("user {user} inline policy {policy}"),
            text: output.policy_document().to_owned(),
        })
    }))
    .await
}

async fn user_attached(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    user: &str,
) -> Result<BTreeSet<String>, AwsError> {
    let pages = iam
        .list_attached_user_policies()
        .user_name(user)
        .into_paginator()
        .items()
        .send();
    let policies = calls::iam(ctx, "ListAttachedUserPolicies", || pages.try_collect()).await?;
    Ok(policies.into_iter().filter_map(|p| p.policy_arn).collect())
}

async fn user_boundary(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    user: &str,
) -> Result<Option<String>, AwsError> {
    let output = calls::iam(ctx, "GetUser", || iam.get_user().user_name(user).send()).await?;
    Ok(output
        .user()
        .and_then(|user| user.permissions_boundary())
        .and_then(|boundary| boundary.permissions_boundary_arn())
        .map(str::to_owned))
}

async fn groups_of(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    user: &str,
) -> Result<Vec<String>, AwsError> {
    let pages = iam
        .list_groups_for_user()
        .user_name(user)
        .into_paginator()
        .items()
        .send();
    let groups = calls::iam(ctx, "ListGroupsForUser", || pages.try_collect()).await?;
    Ok(groups.into_iter().map(|group| group.group_name).collect())
}

/// A group's inline documents and attached managed policy ARNs.
async fn group_policies(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    group: &str,
) -> Result<(Vec<Document>, BTreeSet<String>), AwsError> {
    tokio::try_join!(
        group_inline(ctx, iam, group),
        group_attached(ctx, iam, group)
    )
}

async fn group_inline(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    group: &str,
) -> Result<Vec<Document>, AwsError> {
    let pages = iam
        .list_group_policies()
        .group_name(group)
        .into_paginator()
        .items()
        .send();
    let names = calls::iam(ctx, "ListGroupPolicies", || pages.try_collect()).await?;
    bounded(names.into_iter().map(|policy| async move {
        let request = iam
            .get_group_policy()
            .group_name(group)
            .policy_name(&policy);
        let output = calls::iam(ctx, "GetGroupPolicy", || request.send()).await?;
        Ok(Document {
            name: format!("group {group} inline policy {policy}"),
            text: output.policy_document().to_owned(),
        })
    }))
    .await
}

async fn group_attached(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    group: &str,
) -> Result<BTreeSet<String>, AwsError> {
    let pages = iam
        .list_attached_group_policies()
        .group_name(group)
        .into_paginator()
        .items()
        .send();
    let policies = calls::iam(ctx, "ListAttachedGroupPolicies", || pages.try_collect()).await?;
    Ok(policies.into_iter().filter_map(|p| p.policy_arn).collect())
}

async fn role_inline(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    role: &str,
) -> Result<Vec<Document>, AwsError> {
    let pages = iam
        .list_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send();
    let names = calls::iam(ctx, "ListRolePolicies", || pages.try_collect()).await?;
    bounded(names.into_iter().map(|policy| async move {
        let request = iam.get_role_policy().role_name(role).policy_name(&policy);
        let output = calls::iam(ctx, "GetRolePolicy", || request.send()).await?;
        Ok(Document {
            name: format!("role {role} inline policy {policy}"),
            text: output.policy_document().to_owned(),
        })
    }))
    .await
}

async fn role_attached(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    role: &str,
) -> Result<BTreeSet<String>, AwsError> {
    let pages = iam
        .list_attached_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send();
    let policies = calls::iam(ctx, "ListAttachedRolePolicies", || pages.try_collect()).await?;
    Ok(policies.into_iter().filter_map(|p| p.policy_arn).collect())
}

async fn role_boundary(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    role: &str,
) -> Result<Option<String>, AwsError> {
    let output = calls::iam(ctx, "GetRole", || iam.get_role().role_name(role).send()).await?;
    Ok(output
        .role()
        .and_then(|role| role.permissions_boundary())
        .and_then(|boundary| boundary.permissions_boundary_arn())
        .map(str::to_owned))
}

/// The default version's document of a managed policy, named by its ARN.
async fn managed_document(
    ctx: &ProbeContext<'_>,
    iam: &aws_sdk_iam::Client,
    arn: &str,
) -> Result<Document, AwsError> {
    let policy = calls::iam(ctx, "GetPolicy", || iam.get_policy().policy_arn(arn).send()).await?;
    let Some(version) = policy.policy().and_then(|p| p.default_version_id()) else {
        return Err(malformed(
            "GetPolicy",
            "the policy has no default version id",
        ));
    };
    let request = iam.get_policy_version().policy_arn(arn).version_id(version);
    let output = calls::iam(ctx, "GetPolicyVersion", || request.send()).await?;
    let Some(text) = output.policy_version().and_then(|v| v.document()) else {
        return Err(malformed("GetPolicyVersion", "the version has no document"));
    };
    Ok(Document {
        name: arn.to_owned(),
        text: text.to_owned(),
    })
}

fn malformed(operation: &'static str, message: &str) -> AwsError {
    AwsError::without_response(
        AwsService::Iam.name(),
        operation,
        AwsErrorKind::MalformedResponse,
        message,
    )
}
