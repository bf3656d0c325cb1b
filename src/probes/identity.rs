//! The identity probe: `sts:GetCallerIdentity`, and `sts:AssumeRole` when a role is requested.

use aws_credential_types::Credentials;

use crate::aws::{AwsError, AwsSession};
use crate::domain::{AssumeRole, IdentityInfo, PrincipalType, Region};

/// Asks STS who the session's credentials are.
pub async fn caller_identity(
    session: &AwsSession,
    sts_region: Region,
    secrets: &[&str],
) -> Result<IdentityInfo, AwsError> {
    let output = session
        .sts(sts_region)
        .get_caller_identity()
        .send()
        .await
        .map_err(|error| AwsError::from_sdk("sts", "GetCallerIdentity", &error, secrets))?;
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
    session: &AwsSession,
    sts_region: Region,
    role: &AssumeRole,
    secrets: &[&str],
) -> Result<Credentials, AwsError> {
    let output = session
        .sts(sts_region)
        .assume_role()
        .role_arn(&role.role_arn)
        .role_session_name("connector-doctor")
        .set_external_id(role.external_id.as_ref().map(|id| id.expose().to_owned()))
        .duration_seconds(900)
        .send()
        .await
        .map_err(|error| AwsError::from_sdk("sts", "AssumeRole", &error, secrets))?;
    let Some(credentials) = output.credentials else {
        return Err(AwsError::without_response(
            "sts",
            "AssumeRole",
            crate::aws::AwsErrorKind::MalformedResponse,
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
