//! The identity check against moto and the scripted fake.

use crate::helpers::app::{check, finding_codes};
use crate::helpers::fake_aws::{caller_identity_body, sts_error_body};
use crate::helpers::{FakeAws, Moto, TestApp, example_request};

#[tokio::test]
async fn a_moto_users_keys_pass_identity_with_account_and_user_arn() {
    let moto = Moto::start().await;
    let key = moto.create_user_with_key("mdca").await;
    let app = TestApp::with_aws(&moto.url).await;

    let mut body = example_request();
    body["credentials"]["access_key_id"] = key.id.into();
    body["credentials"]["secret_access_key"] = key.secret.into();
    let diagnosis = app.diagnosis(&body).await;

    assert_eq!(check(&diagnosis, "identity")["status"], "pass");
    assert_eq!(diagnosis["identity"]["account_id"], "123456789012");
    assert_eq!(
        diagnosis["identity"]["arn"],
        "arn:aws:iam::123456789012:user/mdca"
    );
    assert_eq!(diagnosis["identity"]["principal_type"], "user");
    assert_eq!(diagnosis["connector_id"], "contoso-prod");
    assert_eq!(diagnosis["cached"], false);
    assert!(diagnosis["id"].as_str().unwrap().starts_with("dgn_"));
}

#[tokio::test]
async fn a_root_arn_is_reported_as_root_with_a_warning() {
    let fake = FakeAws::start().await;
    fake.on_action(
        "GetCallerIdentity",
        200,
        caller_identity_body("123456789012", "arn:aws:iam::123456789012:root"),
    )
    .await;
    let app = TestApp::with_aws(&fake.url()).await;

    let diagnosis = app.diagnosis(&example_request()).await;

    assert_eq!(diagnosis["identity"]["principal_type"], "root");
    assert_eq!(check(&diagnosis, "identity")["status"], "warn");
    assert!(finding_codes(&diagnosis).contains(&"ROOT_CREDENTIALS_USED".to_owned()));
}

#[tokio::test]
async fn an_unreachable_endpoint_gives_a_200_with_an_errored_identity_check() {
    // A port that was free a moment ago: nothing listens there.
    let port = crate::helpers::process::free_port();
    let app = TestApp::with_aws(&format!("http://127.0.0.1:{port}")).await;

    let diagnosis = app.diagnosis(&example_request()).await;

    assert_eq!(check(&diagnosis, "identity")["status"], "error");
    assert_eq!(finding_codes(&diagnosis), vec!["AWS_UNREACHABLE"]);
    assert_eq!(diagnosis["status"], "degraded");
    assert!(diagnosis["identity"].is_null());
    assert_eq!(check(&diagnosis, "permissions")["status"], "skipped");
}

#[tokio::test]
async fn an_unknown_key_id_fails_identity_and_blocks_the_rest() {
    let fake = FakeAws::start().await;
    fake.on_action(
        "GetCallerIdentity",
        403,
        sts_error_body(
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ),
    )
    .await;
    let app = TestApp::with_aws(&fake.url()).await;

    let diagnosis = app.diagnosis(&example_request()).await;

    assert_eq!(check(&diagnosis, "identity")["status"], "fail");
    assert_eq!(
        finding_codes(&diagnosis),
        vec!["CREDENTIALS_INVALID_KEY_ID"]
    );
    assert_eq!(diagnosis["status"], "unhealthy");
    let finding = &diagnosis["findings"][0];
    assert_eq!(finding["aws_error"]["code"], "InvalidClientTokenId");
    assert_eq!(finding["aws_error"]["http_status"], 403);
    assert_eq!(finding["aws_error"]["operation"], "GetCallerIdentity");
    assert!(!finding["resolution"].as_array().unwrap().is_empty());
    // An unknown key is not retried: retrying cannot fix it.
    assert_eq!(fake.calls_of("GetCallerIdentity").await, 1);
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

    let mut body = example_request();
    body["credentials"]["access_key_id"] = key.id.into();
    body["credentials"]["secret_access_key"] = key.secret.into();
    body["assume_role"] = serde_json::json!({
        "role_arn": "arn:aws:iam::123456789012:role/portal-audit",
        "external_id": "portal-42"
    });
    let diagnosis = app.diagnosis(&body).await;

    assert_eq!(
        check(&diagnosis, "assume_role")["status"],
        "pass",
        "{diagnosis:#}"
    );
    assert_eq!(diagnosis["identity"]["principal_type"], "assumed_role");
    let arn = diagnosis["identity"]["arn"].as_str().unwrap();
    assert!(
        arn.starts_with("arn:aws:sts::123456789012:assumed-role/portal-audit/"),
        "{arn}"
    );
}
