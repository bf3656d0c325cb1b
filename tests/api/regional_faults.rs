//! Region-wide probes against the scripted fake: disabled regions, throttling, hangs past the
//! deadline, 5xx, sub-calls with and without data, and the bound on calls in flight.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::Mock;
use wiremock::matchers::{method, path};

use crate::helpers::app::{check, finding_codes, findings_of};
use crate::helpers::fake_regions::{
    CLOUDTRAIL, CONFIG, InFlightRecorder, events, healthy_account, json_error, json_response,
    signed_for, standards, target,
};
use crate::helpers::{EXAMPLE_KEY_ID, EXAMPLE_SECRET, FakeAws, TestApp};

fn request(regions: Value) -> Value {
    json!({
        "credentials": {"access_key_id": EXAMPLE_KEY_ID, "secret_access_key": EXAMPLE_SECRET},
        "connections": ["security_auditing", "security_configuration"],
        "regions": regions,
    })
}

#[tokio::test]
async fn a_healthy_account_is_healthy_everywhere() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    let app = TestApp::with_aws(&fake.url()).await;

    let diagnosis = app
        .diagnosis(&request(json!(["us-east-1", "eu-west-1"])))
        .await;

    for region in ["us-east-1", "eu-west-1"] {
        assert_eq!(
            diagnosis["regions"][region],
            json!({"security_hub": "enabled", "config": "recording", "cloudtrail": "logging"}),
            "{:#}",
            diagnosis["findings"]
        );
        assert_eq!(
            diagnosis["regions"][region],
            json!({"security_hub": "enabled", "config": "recording", "cloudtrail": "logging"})
        );
    }
    assert_eq!(
        check(&diagnosis, "cloudtrail")["status"],
        "pass",
        "{diagnosis:#}"
    );
    assert!(
        finding_codes(&diagnosis)
            .iter()
            .all(|c| !c.starts_with("CLOUDTRAIL"))
    );
    assert!(findings_of(&diagnosis, "SECURITY_HUB_CIS_STANDARD_DISABLED").is_empty());
}

#[tokio::test]
async fn a_disabled_opt_in_region_is_region_disabled_not_a_credential_failure() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    for service in ["securityhub", "config", "cloudtrail"] {
        Mock::given(method("POST"))
            .and(signed_for("af-south-1", service))
            .respond_with(json_error(
                400,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ))
            .with_priority(1)
            .mount(&fake.server)
            .await;
        Mock::given(method("GET"))
            .and(signed_for("af-south-1", service))
            .respond_with(json_error(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ))
            .with_priority(1)
            .mount(&fake.server)
            .await;
    }
    let app = TestApp::with_aws(&fake.url()).await;

    let diagnosis = app
        .diagnosis(&request(json!(["us-east-1", "af-south-1"])))
        .await;

    assert_eq!(check(&diagnosis, "identity")["status"], "pass");
    assert_eq!(
        diagnosis["regions"]["af-south-1"]["security_hub"],
        "region_disabled"
    );
    assert_eq!(
        diagnosis["regions"]["af-south-1"]["config"],
        "region_disabled"
    );
    assert_eq!(diagnosis["regions"]["us-east-1"]["security_hub"], "enabled");
    let disabled = findings_of(&diagnosis, "REGION_DISABLED");
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0]["region"], "af-south-1");
    assert_eq!(disabled[0]["severity"], "warning", "the caller named it");
    assert!(findings_of(&diagnosis, "CREDENTIALS_INVALID_KEY_ID").is_empty());
    assert!(
        check(&diagnosis, "regions")["summary"]
            .as_str()
            .unwrap()
            .contains("af-south-1")
    );
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

    let diagnosis = app
        .diagnosis(&request(json!(["us-east-1", "eu-west-1"])))
        .await;

    assert_eq!(diagnosis["regions"]["eu-west-1"]["security_hub"], "error");
    assert_eq!(diagnosis["regions"]["us-east-1"]["security_hub"], "enabled");
    assert_eq!(diagnosis["regions"]["eu-west-1"]["config"], "recording");
    let throttled = findings_of(&diagnosis, "AWS_THROTTLED");
    assert_eq!(throttled.len(), 1);
    assert_eq!(throttled[0]["region"], "eu-west-1");
    assert_eq!(
        diagnosis["connections"]["security_configuration"]["status"],
        "degraded"
    );
    assert_eq!(
        diagnosis["connections"]["security_auditing"]["status"],
        "healthy"
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
    let diagnosis = app
        .diagnosis(&request(json!(["us-east-1", "eu-west-1"])))
        .await;

    // Generous margin over the 3 s deadline; the hang itself lasts 60 s.
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(diagnosis["regions"]["eu-west-1"]["security_hub"], "error");
    assert_eq!(diagnosis["regions"]["us-east-1"]["security_hub"], "enabled");
    assert_eq!(diagnosis["regions"]["eu-west-1"]["config"], "recording");
    let timeouts = findings_of(&diagnosis, "AWS_TIMEOUT");
    assert_eq!(timeouts.len(), 1, "{diagnosis:#}");
    assert_eq!(timeouts[0]["region"], "eu-west-1");
    let hub_check = diagnosis["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "security_hub" && c["region"] == "eu-west-1")
        .unwrap();
    assert_eq!(hub_check["status"], "error");
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

    let diagnosis = app.diagnosis(&request(json!(["us-east-1"]))).await;

    assert_eq!(diagnosis["regions"]["us-east-1"]["config"], "error");
    assert_eq!(diagnosis["regions"]["us-east-1"]["security_hub"], "enabled");
    assert_eq!(findings_of(&diagnosis, "AWS_SERVICE_ERROR").len(), 1);
    assert_eq!(
        diagnosis["connections"]["security_configuration"]["status"],
        "degraded"
    );
}

#[tokio::test]
async fn no_recent_events_and_no_cis_standard_are_their_own_findings() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    target(&format!("{CLOUDTRAIL}LookupEvents"))
        .respond_with(json_response(200, events(false)))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/standards/get"))
        .respond_with(json_response(200, standards(false)))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    let app = TestApp::with_aws(&fake.url()).await;

    let diagnosis = app.diagnosis(&request(json!(["us-east-1"]))).await;

    assert_eq!(
        findings_of(&diagnosis, "CLOUDTRAIL_NO_RECENT_EVENTS").len(),
        1
    );
    assert_eq!(
        findings_of(&diagnosis, "SECURITY_HUB_CIS_STANDARD_DISABLED").len(),
        1
    );
    // The sub-calls' findings leave the states as they are.
    assert_eq!(diagnosis["regions"]["us-east-1"]["cloudtrail"], "logging");
    assert_eq!(diagnosis["regions"]["us-east-1"]["security_hub"], "enabled");
    assert_eq!(check(&diagnosis, "cloudtrail")["status"], "warn");
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
    let regions = json!(["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"]);
    let mut body = request(regions);
    body["connections"] = json!(["security_configuration"]);

    let diagnosis = app.diagnosis(&body).await;

    assert_eq!(recorder.count(), 8, "two reads per region");
    let per_region = recorder.max_in_flight_per_region();
    assert_eq!(per_region, 1, "one Security Hub call at a time per region");
    let across = recorder.max_in_flight();
    assert!(across >= 2, "regions do run at once, saw {across}");
    assert_eq!(diagnosis["regions"]["eu-west-1"]["security_hub"], "enabled");
}
