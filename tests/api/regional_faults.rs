//! Region-wide probes against the scripted fake, where the transport or AWS's load is the point:
//! throttling, hangs past the deadline, 5xx, and the bound on calls in flight. What an account's
//! regions answer (disabled regions, sub-calls without data, a healthy account) is a scenario
//! file under `tests/scenarios/`.

use std::time::{Duration, Instant};

use connector_doctor::domain::{
    CheckId, CheckStatus, Code, ConfigState, ConfigWord, Connection, HealthStatus, RegionState,
    SecurityHubState, SecurityHubWord,
};
use serde_json::{Value, json};
use wiremock::Mock;
use wiremock::matchers::{method, path};

use crate::helpers::app::{connection, findings_of, region, regional_check};
use crate::helpers::fake_regions::{
    CONFIG, InFlightRecorder, healthy_account, json_error, json_response, signed_for, target,
};
use crate::helpers::{FakeAws, RequestBody, TestApp};

fn request(regions: &[&str]) -> Value {
    RequestBody::new()
        .without_connector()
        .connections(&Connection::ALL)
        .regions(regions)
        .build()
}

#[tokio::test]
async fn throttling_in_one_region_leaves_the_others_alone() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    Mock::given(method("GET"))
        .and(path("/accounts"))
        .and(signed_for("eu-west-1", "securityhub"))
        .respond_with(json_error(429, "TooManyRequestsException", "Rate exceeded"))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    let app = TestApp::with_aws(&fake.url()).await;

    let diagnosis = app.diagnosis(&request(&["us-east-1", "eu-west-1"])).await;

    assert_eq!(
        region(&diagnosis, "eu-west-1").security_hub,
        SecurityHubState::Error
    );
    assert_eq!(
        region(&diagnosis, "us-east-1").security_hub,
        RegionState::Is(SecurityHubWord::Enabled)
    );
    assert_eq!(
        region(&diagnosis, "eu-west-1").config,
        RegionState::Is(ConfigWord::Recording)
    );
    let throttled = findings_of(&diagnosis, Code::AwsThrottled);
    assert_eq!(throttled.len(), 1, "{throttled:#?}");
    assert_eq!(throttled[0].region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        connection(&diagnosis, Connection::SecurityConfiguration).status,
        HealthStatus::Degraded
    );
    assert_eq!(
        connection(&diagnosis, Connection::SecurityAuditing).status,
        HealthStatus::Healthy
    );
}

#[tokio::test]
async fn a_region_hanging_past_the_deadline_times_out_alone() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    Mock::given(method("GET"))
        .and(path("/accounts"))
        .and(signed_for("eu-west-1", "securityhub"))
        .respond_with(json_response(200, json!({"HubArn": "x"})).set_delay(Duration::from_secs(60)))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    let app = TestApp::spawn(|settings| {
        settings.aws.aws_endpoint_url = Some(fake.url());
        settings.probes.diagnosis_deadline = Duration::from_secs(3);
        settings.aws.aws_call_timeout = Duration::from_secs(60);
    })
    .await;

    let started = Instant::now();
    let diagnosis = app.diagnosis(&request(&["us-east-1", "eu-west-1"])).await;

    // Generous margin over the 3 s deadline; the hang itself lasts 60 s.
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(
        region(&diagnosis, "eu-west-1").security_hub,
        SecurityHubState::Error
    );
    assert_eq!(
        region(&diagnosis, "us-east-1").security_hub,
        RegionState::Is(SecurityHubWord::Enabled)
    );
    assert_eq!(
        region(&diagnosis, "eu-west-1").config,
        RegionState::Is(ConfigWord::Recording)
    );
    let timeouts = findings_of(&diagnosis, Code::AwsTimeout);
    assert_eq!(timeouts.len(), 1, "{diagnosis:#?}");
    assert_eq!(timeouts[0].region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        regional_check(&diagnosis, CheckId::SecurityHub, "eu-west-1").status,
        CheckStatus::Error
    );
}

#[tokio::test]
async fn an_aws_5xx_in_one_service_errors_that_service_only() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    target(&format!("{CONFIG}DescribeConfigurationRecorderStatus"))
        .respond_with(json_error(
            500,
            "InternalFailure",
            "An internal error occurred",
        ))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    let app = TestApp::with_aws(&fake.url()).await;

    let diagnosis = app.diagnosis(&request(&["us-east-1"])).await;

    assert_eq!(region(&diagnosis, "us-east-1").config, ConfigState::Error);
    assert_eq!(
        region(&diagnosis, "us-east-1").security_hub,
        RegionState::Is(SecurityHubWord::Enabled)
    );
    assert_eq!(findings_of(&diagnosis, Code::AwsServiceError).len(), 1);
    assert_eq!(
        connection(&diagnosis, Connection::SecurityConfiguration).status,
        HealthStatus::Degraded
    );
}

#[tokio::test]
async fn calls_in_flight_never_exceed_the_bound_per_service_and_region() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    // Security Hub's administrator and member reads run at once within a region once the hub
    // answers; a body both operations accept.
    let recorder = InFlightRecorder::new(
        json_response(200, json!({"Members": []})),
        Duration::from_millis(300),
    );
    for read in ["/administrator", "/members"] {
        Mock::given(method("GET"))
            .and(path(read))
            .respond_with(recorder.clone())
            .with_priority(1)
            .mount(&fake.server)
            .await;
    }
    let app = TestApp::spawn(|settings| {
        settings.aws.aws_endpoint_url = Some(fake.url());
        settings.probes.max_aws_calls_per_service_region = 1;
    })
    .await;
    let body = RequestBody::new()
        .without_connector()
        .connections(&[Connection::SecurityConfiguration])
        .regions(&["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"]);

    let diagnosis = app.diagnosis(&body.build()).await;

    assert_eq!(recorder.count(), 8, "two reads per region");
    let per_region = recorder.max_in_flight_per_region();
    assert_eq!(per_region, 1, "one Security Hub call at a time per region");
    let across = recorder.max_in_flight();
    assert!(across >= 2, "regions do run at once, saw {across}");
    assert_eq!(
        region(&diagnosis, "eu-west-1").security_hub,
        RegionState::Is(SecurityHubWord::Enabled)
    );
}
