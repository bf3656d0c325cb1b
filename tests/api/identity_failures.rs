//! Every identity and assume-role failure path against the scripted fake: each is a 200 Diagnosis
//! with the right catalogue code, check status and overall status.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::app::{check, finding_codes};
use crate::helpers::fake_aws::sts_error_body;
use crate::helpers::{FakeAws, TestApp, example_request};

/// Diagnoses the example request against a fake whose GetCallerIdentity answers `status`/`body`.
async fn diagnose_identity_error(status: u16, code: &str, message: &str) -> (Value, FakeAws) {
    let fake = FakeAws::start().await;
    fake.on_action("GetCallerIdentity", status, sts_error_body(code, message))
        .await;
    let app = TestApp::with_aws(&fake.url()).await;
    (app.diagnosis(&example_request()).await, fake)
}

fn assert_outcome(diagnosis: &Value, code: &str, check_status: &str, status: &str) {
    assert_eq!(finding_codes(diagnosis), vec![code], "{diagnosis:#}");
    assert_eq!(check(diagnosis, "identity")["status"], check_status);
    assert_eq!(diagnosis["status"], status);
    for connection in ["security_auditing", "security_configuration"] {
        assert_eq!(diagnosis["connections"][connection]["status"], status);
        assert_eq!(
            diagnosis["connections"][connection]["finding_codes"],
            json!([code])
        );
    }
}

#[tokio::test]
async fn a_wrong_secret_is_a_signature_mismatch() {
    let (diagnosis, _) = diagnose_identity_error(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
    )
    .await;
    assert_outcome(
        &diagnosis,
        "CREDENTIALS_SIGNATURE_MISMATCH",
        "fail",
        "unhealthy",
    );
}

#[tokio::test]
async fn an_expired_session_token_is_reported_as_expired() {
    let (diagnosis, _) = diagnose_identity_error(
        403,
        "ExpiredToken",
        "The security token included in the request is expired",
    )
    .await;
    assert_outcome(&diagnosis, "CREDENTIALS_EXPIRED", "fail", "unhealthy");
}

#[tokio::test]
async fn a_skewed_clock_is_reported_from_the_code_and_from_the_date_header() {
    let (diagnosis, _) =
        diagnose_identity_error(403, "RequestTimeTooSkewed", "Request time too skewed").await;
    assert_outcome(&diagnosis, "CLOCK_SKEW", "fail", "unhealthy");

    let fake = FakeAws::start().await;
    let skewed = (chrono::Utc::now() + chrono::TimeDelta::minutes(30)).to_rfc2822();
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(
            wiremock::ResponseTemplate::new(400)
                .insert_header("content-type", "text/xml")
                .insert_header("date", skewed.as_str())
                .set_body_string(sts_error_body("RequestExpired", "Request has expired.")),
        )
        .mount(&fake.server)
        .await;
    let app = TestApp::with_aws(&fake.url()).await;
    let diagnosis = app.diagnosis(&example_request()).await;
    assert_outcome(&diagnosis, "CLOCK_SKEW", "fail", "unhealthy");
}

#[tokio::test]
async fn throttling_that_outlasts_the_sdk_retries_is_aws_throttled() {
    let (diagnosis, fake) = diagnose_identity_error(400, "Throttling", "Rate exceeded").await;
    assert_outcome(&diagnosis, "AWS_THROTTLED", "error", "degraded");
    assert_eq!(
        fake.calls_of("GetCallerIdentity").await,
        3,
        "retried up to the limit"
    );
}

#[tokio::test]
async fn an_aws_500_is_a_service_error_after_retries() {
    let (diagnosis, fake) =
        diagnose_identity_error(500, "InternalFailure", "An internal error occurred.").await;
    assert_outcome(&diagnosis, "AWS_SERVICE_ERROR", "error", "degraded");
    assert!(
        fake.calls_of("GetCallerIdentity").await > 1,
        "5xx is retried"
    );
}

#[tokio::test]
async fn a_response_slower_than_the_call_timeout_is_aws_timeout() {
    let fake = FakeAws::start().await;
    fake.identifies_user(Duration::from_secs(10)).await;
    let app = TestApp::spawn(|settings| {
        settings.aws.aws_endpoint_url = Some(fake.url());
        settings.aws.aws_call_timeout = Duration::from_secs(1);
    })
    .await;

    let diagnosis = app.diagnosis(&example_request()).await;

    assert_outcome(&diagnosis, "AWS_TIMEOUT", "error", "degraded");
    // Generous margin: the answer comes long before the fake's 10 s reply would.
    assert!(diagnosis["duration_ms"].as_u64().unwrap() < 9_000);
}

#[tokio::test]
async fn a_denied_assume_role_names_trust_policy_and_external_id() {
    let fake = FakeAws::start().await;
    fake.identifies_user(Duration::ZERO).await;
    fake.on_action(
        "AssumeRole",
        403,
        sts_error_body(
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/mdca is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/mdca",
        ),
    )
    .await;
    let app = TestApp::with_aws(&fake.url()).await;
    let mut body = example_request();
    body["assume_role"] =
        json!({"role_arn": "arn:aws:iam::123456789012:role/mdca", "external_id": "portal-42"});

    let diagnosis = app.diagnosis(&body).await;

    assert_eq!(check(&diagnosis, "identity")["status"], "pass");
    assert_eq!(check(&diagnosis, "assume_role")["status"], "fail");
    assert_eq!(finding_codes(&diagnosis), vec!["ASSUME_ROLE_DENIED"]);
    assert_eq!(diagnosis["status"], "unhealthy");
    let detail = diagnosis["findings"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("trust policy") && detail.contains("external id"),
        "{detail}"
    );
    assert!(
        !detail.contains("portal-42"),
        "the external id is not echoed"
    );
    assert_eq!(
        diagnosis["findings"][0]["aws_error"]["code"],
        "AccessDenied"
    );
}
