//! The identity check's calls: `sts:GetCallerIdentity`, and `sts:AssumeRole` when a role is
//! requested, through the door every AWS call of a diagnosis takes.

use aws_credential_types::Credentials;

use crate::aws::{AwsError, AwsErrorKind, AwsService};
use crate::domain::{AssumeRole, IdentityInfo, PrincipalType, Region};
use crate::probes::context::AwsDoor;

/// Asks STS at `sts_region` who the door's session is.
pub async fn caller_identity(
    door: &AwsDoor<'_>,
    sts_region: Region,
) -> Result<IdentityInfo, AwsError> {
    let client = door.session.sts(sts_region);
    let output = door
        .aws(sts_region, AwsService::Sts, "GetCallerIdentity", || {
            client.get_caller_identity().send()
        })
        .await?;
    let arn = output.arn.unwrap_or_default();
    Ok(IdentityInfo {
        account_id: output.account.unwrap_or_default(),
        principal_type: principal_type(&arn),
        arn,
        partition: sts_region.partition(),
    })
}

/// Assumes `role` and returns the role session's credentials.
pub async fn assume_role(
    door: &AwsDoor<'_>,
    sts_region: Region,
    role: &AssumeRole,
) -> Result<Credentials, AwsError> {
    let request = door
        .session
        .sts(sts_region)
        .assume_role()
        .role_arn(&role.role_arn)
        .role_session_name("connector-doctor")
        .set_external_id(role.external_id.as_ref().map(|id| id.expose().to_owned()))
        .duration_seconds(900);
    let output = door
        .aws(sts_region, AwsService::Sts, "AssumeRole", || request.send())
        .await?;
    let Some(credentials) = output.credentials else {
        return Err(AwsError::without_response(
            AwsService::Sts.name(),
            "AssumeRole",
            AwsErrorKind::MalformedResponse,
            "the response carried no credentials",
        ));
    };
    Ok(Credentials::new(
        credentials.access_key_id,
        credentials.secret_access_key,
        Some(credentials.session_token),
        None,
        "connector-doctor-assumed-role",
    ))
}

/// The principal type named by an STS caller ARN.
pub fn principal_type(arn: &str) -> PrincipalType {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    if resource == "root" {
        PrincipalType::Root
    } else if resource.starts_with("assumed-role/") {
        PrincipalType::AssumedRole
    } else if resource.starts_with("federated-user/") {
        PrincipalType::FederatedUser
    } else {
        PrincipalType::User
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_types_come_from_the_arn() {
        assert_eq!(
            principal_type("arn:aws:iam::123456789012:root"),
            PrincipalType::Root
        );
        assert_eq!(
            principal_type("arn:aws:iam::123456789012:user/mdca"),
            PrincipalType::User
        );
        assert_eq!(
            principal_type("arn:aws:sts::123456789012:assumed-role/mdca/session"),
            PrincipalType::AssumedRole
        );
        assert_eq!(
            principal_type("arn:aws-cn:sts::123456789012:federated-user/bob"),
            PrincipalType::FederatedUser
        );
    }
}
