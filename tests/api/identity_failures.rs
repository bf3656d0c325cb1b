//! The identity failures that AWS's load or the transport cause, against the scripted fake:
//! throttling past the SDK's retries, a 500, an answer slower than the call timeout. Each is a 200
//! Diagnosis with the right catalogue code, check status and overall status. What STS answers
//! about the key itself (a wrong secret, an expired token, a skewed clock, a denied role) is a
//! scenario file under `tests/scenarios/`.

use std::time::Duration;

use connector_doctor::domain::{CheckId, CheckStatus, Code, Connection, Diagnosis, HealthStatus};

use crate::helpers::app::{check, connection, finding_codes};
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
