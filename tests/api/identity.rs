//! The identity check against moto, and against an endpoint where nothing listens. What STS
//! answers (an unknown key, the root user) is a scenario file under `tests/scenarios/`.

use connector_doctor::domain::{
    CheckId, CheckStatus, Code, Connection, Decision, HealthStatus, Partition, PrincipalType,
    RegionsSource, Severity,
};

use crate::helpers::app::{check, finding, finding_codes, verdict};
use crate::helpers::iam_setup::{quarantine_v2, seed_policy};
use crate::helpers::{Moto, RequestBody, TestApp};

#[tokio::test]
async fn a_moto_users_keys_pass_identity_with_account_and_user_arn() {
    let moto = Moto::start().await;
    let key = moto.create_user_with_key("mdca").await;
    let app = TestApp::with_aws(&moto.url).await;

    let body = RequestBody::new().credentials(&key.id, &key.secret);
    let diagnosis = app.diagnosis(&body.build()).await;

    assert_eq!(
        check(&diagnosis, CheckId::Identity).status,
        CheckStatus::Pass
    );
    let identity = diagnosis.identity.as_ref().expect("an identity");
    assert_eq!(identity.account_id, "123456789012");
    assert_eq!(identity.arn, "arn:aws:iam::123456789012:user/mdca");
    assert_eq!(identity.principal_type, PrincipalType::User);
    assert_eq!(identity.partition, Partition::Aws);
    assert_eq!(diagnosis.regions_source, Some(RegionsSource::Request));
    assert_eq!(diagnosis.connector_id.as_deref(), Some("contoso-prod"));
    assert!(!diagnosis.cached);
    assert!(diagnosis.id.starts_with("dgn_"), "{}", diagnosis.id);
}

#[tokio::test]
async fn without_regions_moto_cannot_list_them_so_the_default_regions_are_checked_and_that_is_said()
{
    // moto 5.2.5 implements neither account:ListRegions nor account:GetRegionOptStatus.
    let moto = Moto::start().await;
    let key = moto.create_user_with_key("mdca").await;
    let app = TestApp::with_aws(&moto.url).await;
    let mut body = RequestBody::new()
        .credentials(&key.id, &key.secret)
        .connections(&[Connection::SecurityAuditing])
        .build();
    body.as_object_mut().expect("an object").remove("regions");

    let diagnosis = app.diagnosis(&body).await;

    assert_eq!(diagnosis.regions_source, Some(RegionsSource::Default));
    assert_eq!(
        diagnosis.regions_checked.len(),
        Partition::Aws.default_regions().len()
    );
    let unavailable = finding(&diagnosis, Code::RegionDiscoveryUnavailable);
    let aws_error = unavailable.aws_error.as_ref().expect("the AWS error");
    assert_eq!(aws_error.service, "account");
    assert!(
        unavailable.detail.contains("account:ListRegions"),
        "{}",
        unavailable.detail
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_gives_a_200_with_an_errored_identity_check() {
    // A port that was free a moment ago: nothing listens there.
    let port = crate::helpers::process::free_port();
    let app = TestApp::with_aws(&format!("http://127.0.0.1:{port}")).await;

    let diagnosis = app.diagnosis(&RequestBody::new().build()).await;

    assert_eq!(
        check(&diagnosis, CheckId::Identity).status,
        CheckStatus::Error
    );
    assert_eq!(finding_codes(&diagnosis), [Code::AwsUnreachable]);
    assert_eq!(diagnosis.status, HealthStatus::Degraded);
    assert_eq!(diagnosis.identity, None);
    assert_eq!(
        check(&diagnosis, CheckId::Permissions).status,
        CheckStatus::Skipped
    );
}

#[tokio::test]
async fn assuming_a_moto_role_diagnoses_the_role_session() {
    let moto = Moto::start().await;
    let key = moto.create_user_with_key("mdca").await;
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/mdca"}, "Action": "sts:AssumeRole"}]
    });
    moto.iam()
        .create_role()
        .role_name("portal-audit")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .expect("moto creates the role");
    let app = TestApp::with_aws(&moto.url).await;

    let body = RequestBody::new()
        .credentials(&key.id, &key.secret)
        .assume_role(
            "arn:aws:iam::123456789012:role/portal-audit",
            Some("portal-42"),
        );
    let diagnosis = app.diagnosis(&body.build()).await;

    assert_eq!(
        check(&diagnosis, CheckId::AssumeRole).status,
        CheckStatus::Pass,
        "{diagnosis:#?}"
    );
    let identity = diagnosis.identity.as_ref().expect("an identity");
    assert_eq!(identity.principal_type, PrincipalType::AssumedRole);
    assert!(
        identity
            .arn
            .starts_with("arn:aws:sts::123456789012:assumed-role/portal-audit/"),
        "{}",
        identity.arn
    );
    // A role session's calls are recorded under its temporary keys: not read, and said so.
    assert_eq!(diagnosis.observed_denials, None);
    assert!(
        finding(&diagnosis, Code::ObservedDenialsUnavailable)
            .detail
            .contains("assumes a role"),
        "{diagnosis:#?}"
    );
}

#[tokio::test]
async fn a_moto_user_quarantined_with_aws_s_policy_is_told_to_rotate_the_key_not_to_lift_the_deny()
{
    let moto = Moto::start().await;
    let key = moto.user_with_inline_policy("mdca", &seed_policy()).await;
    moto.attach_new_managed_policy("mdca", "AWSCompromisedKeyQuarantineV2", &quarantine_v2())
        .await;
    moto.enforce_iam().await;
    let app = TestApp::with_aws(&moto.url).await;

    let body = RequestBody::new()
        .credentials(&key.id, &key.secret)
        .connections(&[Connection::SecurityAuditing])
        .regions(&["us-east-1"]);
    let diagnosis = app.diagnosis(&body.build()).await;

    // The policy was read from moto's IAM (its attachment, and its document by local
    // evaluation, the guide's policy not granting the simulator).
    let quarantined = finding(&diagnosis, Code::CredentialsQuarantined);
    assert_eq!(quarantined.severity, Severity::Error);
    assert_eq!(quarantined.check, CheckId::Identity);
    assert!(
        quarantined
            .detail
            .contains("AWSCompromisedKeyQuarantineV2 to user mdca")
            && quarantined.detail.contains("cloudtrail:LookupEvents"),
        "{}",
        quarantined.detail
    );
    assert_eq!(
        check(&diagnosis, CheckId::Identity).status,
        CheckStatus::Fail
    );
    assert_eq!(
        verdict(&diagnosis, "cloudtrail:LookupEvents").decision,
        Decision::ExplicitDeny
    );
    let codes = finding_codes(&diagnosis);
    assert!(
        !codes.contains(&Code::PermissionExplicitDeny) && !codes.contains(&Code::PermissionMissing),
        "{codes:?}"
    );
    assert_eq!(diagnosis.remediation_policy, None);
    assert_eq!(diagnosis.status, HealthStatus::Unhealthy);
}

#[tokio::test]
async fn a_fresh_moto_key_of_an_unquarantined_user_has_no_credential_finding() {
    let moto = Moto::start().await;
    let key = moto.user_with_inline_policy("mdca", &seed_policy()).await;
    moto.enforce_iam().await;
    let app = TestApp::with_aws(&moto.url).await;

    let body = RequestBody::new()
        .credentials(&key.id, &key.secret)
        .connections(&[Connection::SecurityAuditing])
        .regions(&["us-east-1"]);
    let diagnosis = app.diagnosis(&body.build()).await;

    // moto dates the key it just created today, and the user has no policy but its inline one:
    // both were read (the guide's policy grants iam:List*), and neither is a finding.
    let identity = check(&diagnosis, CheckId::Identity);
    assert_eq!(identity.status, CheckStatus::Pass, "{identity:?}");
    assert!(
        !identity.summary.contains("could not be read"),
        "{}",
        identity.summary
    );
    let codes = finding_codes(&diagnosis);
    assert!(
        !codes
            .iter()
            .any(|code| code.as_str().starts_with("CREDENTIALS_")),
        "{codes:?}"
    );
}

#[tokio::test]
async fn behind_a_moto_role_the_quarantine_of_the_base_key_s_user_is_read_with_that_key() {
    let moto = Moto::start().await;
    let key = moto.create_user_with_key("mdca").await;
    moto.attach_new_managed_policy("mdca", "AWSCompromisedKeyQuarantineV2", &quarantine_v2())
        .await;
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/mdca"}, "Action": "sts:AssumeRole"}]
    });
    moto.iam()
        .create_role()
        .role_name("portal-audit")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .expect("moto creates the role");
    let app = TestApp::with_aws(&moto.url).await;

    let body = RequestBody::new()
        .credentials(&key.id, &key.secret)
        .connections(&[Connection::SecurityAuditing])
        .regions(&["us-east-1"])
        .assume_role("arn:aws:iam::123456789012:role/portal-audit", None);
    let diagnosis = app.diagnosis(&body.build()).await;

    assert_eq!(
        check(&diagnosis, CheckId::AssumeRole).status,
        CheckStatus::Pass,
        "{diagnosis:#?}"
    );
    // The role has no quarantine policy: only the base key's user does.
    let quarantined = finding(&diagnosis, Code::CredentialsQuarantined);
    assert!(
        quarantined
            .detail
            .contains("AWSCompromisedKeyQuarantineV2 to user mdca"),
        "{}",
        quarantined.detail
    );
    assert!(
        quarantined.detail.contains("assumes its role with"),
        "{}",
        quarantined.detail
    );
}
