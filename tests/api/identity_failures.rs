//! Every identity and assume-role failure path against the scripted fake: each is a 200 Diagnosis
//! with the right catalogue code, check status and overall status.

use std::time::Duration;

use connector_doctor::domain::{CheckId, CheckStatus, Code, Connection, Diagnosis, HealthStatus};

use crate::helpers::app::{check, connection, finding, finding_codes};
use crate::helpers::fake_aws::sts_error_body;
use crate::helpers::{FakeAws, FakeIdentity, RequestBody, TestApp};

/// Diagnoses the example request against a fake whose GetCallerIdentity answers `status`/`body`.
async fn diagnose_identity_error(status: u16, code: &str, message: &str) -> (Diagnosis, FakeAws) {
    let fake = FakeAws::start().await;
    fake.on_action("GetCallerIdentity", status, sts_error_body(code, message))
        .await;
    let app = TestApp::with_aws(&fake.url()).await;
    (app.diagnosis(&RequestBody::new().build()).await, fake)
}

fn assert_outcome(
    diagnosis: &Diagnosis,
    code: Code,
    check_status: CheckStatus,
    status: HealthStatus,
) {
    assert_eq!(finding_codes(diagnosis), [code], "{diagnosis:#?}");
    assert_eq!(check(diagnosis, CheckId::Identity).status, check_status);
    assert_eq!(diagnosis.status, status);
    for requested in Connection::ALL {
        let report = connection(diagnosis, requested);
        assert_eq!(report.status, status, "{requested:?}");
        assert_eq!(report.finding_codes, [code], "{requested:?}");
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
        Code::CredentialsSignatureMismatch,
        CheckStatus::Fail,
        HealthStatus::Unhealthy,
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
    assert_outcome(
        &diagnosis,
        Code::CredentialsExpired,
        CheckStatus::Fail,
        HealthStatus::Unhealthy,
    );
}

#[tokio::test]
async fn a_skewed_clock_is_reported_from_the_code_and_from_the_date_header() {
    let (diagnosis, _) =
        diagnose_identity_error(403, "RequestTimeTooSkewed", "Request time too skewed").await;
    assert_outcome(
        &diagnosis,
        Code::ClockSkew,
        CheckStatus::Fail,
        HealthStatus::Unhealthy,
    );

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
    let diagnosis = app.diagnosis(&RequestBody::new().build()).await;
    assert_outcome(
        &diagnosis,
        Code::ClockSkew,
        CheckStatus::Fail,
        HealthStatus::Unhealthy,
    );
}

#[tokio::test]
async fn throttling_that_outlasts_the_sdk_retries_is_aws_throttled() {
    let (diagnosis, fake) = diagnose_identity_error(400, "Throttling", "Rate exceeded").await;
    assert_outcome(
        &diagnosis,
        Code::AwsThrottled,
        CheckStatus::Error,
        HealthStatus::Degraded,
    );
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
    assert_outcome(
        &diagnosis,
        Code::AwsServiceError,
        CheckStatus::Error,
        HealthStatus::Degraded,
    );
    assert!(
        fake.calls_of("GetCallerIdentity").await > 1,
        "5xx is retried"
    );
}

#[tokio::test]
async fn a_response_slower_than_the_call_timeout_is_aws_timeout() {
    let fake = FakeAws::identifying(FakeIdentity::user().after(Duration::from_secs(10))).await;
    let app = TestApp::spawn(|settings| {
        settings.aws.aws_endpoint_url = Some(fake.url());
        settings.aws.aws_call_timeout = Duration::from_secs(1);
    })
    .await;

    let diagnosis = app.diagnosis(&RequestBody::new().build()).await;

    assert_outcome(
        &diagnosis,
        Code::AwsTimeout,
        CheckStatus::Error,
        HealthStatus::Degraded,
    );
    // Generous margin: the answer comes long before the fake's 10 s reply would.
    assert!(diagnosis.duration_ms < 9_000, "{}", diagnosis.duration_ms);
}

#[tokio::test]
async fn a_denied_assume_role_names_trust_policy_and_external_id() {
    let fake = FakeAws::identifying(FakeIdentity::user()).await;
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
    let body =
        RequestBody::new().assume_role("arn:aws:iam::123456789012:role/mdca", Some("portal-42"));

    let diagnosis = app.diagnosis(&body.build()).await;

    assert_eq!(
        check(&diagnosis, CheckId::Identity).status,
        CheckStatus::Pass
    );
    assert_eq!(
        check(&diagnosis, CheckId::AssumeRole).status,
        CheckStatus::Fail
    );
    assert_eq!(finding_codes(&diagnosis), [Code::AssumeRoleDenied]);
    assert_eq!(diagnosis.status, HealthStatus::Unhealthy);
    let denied = finding(&diagnosis, Code::AssumeRoleDenied);
    assert!(
        denied.detail.contains("trust policy") && denied.detail.contains("external id"),
        "{}",
        denied.detail
    );
    assert!(
        !denied.detail.contains("portal-42"),
        "the external id is not echoed"
    );
    assert_eq!(
        denied
            .aws_error
            .as_ref()
            .and_then(|error| error.code.as_deref()),
        Some("AccessDenied")
    );
}
