//! Fault injection through the fake AWS, each with its documented outcome: slow calls past the
//! per-call timeout, a hang past the deadline, connections dropped mid-body, malformed XML and
//! JSON, throttling storms, 5xx bursts, and Redis killed and restarted under load. Every request
//! is answered, AWS failures are findings (never a 500 of ours), and nothing panics.

use std::time::{Duration, Instant};

use connector_doctor::domain::{
    CheckId, CheckStatus, CloudTrailState, Code, ConfigState, Diagnosis, HealthStatus, RegionState,
    SecurityHubState, SecurityHubWord,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{body_string_contains, header_exists, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::app::{check, finding_codes, has_finding, parse_diagnosis, region};
use crate::helpers::binary::Binary;
use crate::helpers::fake_aws::sts_error_body;
use crate::helpers::fake_regions::{
    CLOUDTRAIL, CONFIG, healthy_account, json_error, json_response, target,
};
use crate::helpers::redis::RedisServer;
use crate::helpers::{EXAMPLE_SECRET, FakeAws, RequestBody, TestApp, generated};

fn request(connector: &str) -> Value {
    RequestBody::new().connector(connector).build()
}

/// No finding blames the credentials: an AWS fault is never a credential failure.
fn assert_no_credential_finding(diagnosis: &Diagnosis) {
    let codes = finding_codes(diagnosis);
    assert!(
        codes
            .iter()
            .all(|code| !code.as_str().starts_with("CREDENTIALS_")),
        "{codes:?}"
    );
}

async fn app_with(fake_url: String, call_timeout: Duration, deadline: Duration) -> TestApp {
    TestApp::spawn(move |settings| {
        settings.aws.aws_endpoint_url = Some(fake_url);
        settings.aws.aws_call_timeout = call_timeout;
        settings.probes.diagnosis_deadline = deadline;
    })
    .await
}

#[tokio::test]
async fn a_call_slower_than_the_per_call_timeout_is_aws_timeout_and_answered() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    target(&format!("{CONFIG}DescribeConfigurationRecorderStatus"))
        .respond_with(
            json_response(200, json!({"ConfigurationRecordersStatus": []}))
                .set_delay(Duration::from_secs(30)),
        )
        .with_priority(1)
        .mount(&fake.server)
        .await;
    let app = app_with(fake.url(), Duration::from_secs(1), Duration::from_secs(20)).await;

    let started = Instant::now();
    let diagnosis = app.diagnosis(&request("slow")).await;

    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the call timeout cut it"
    );
    assert!(has_finding(&diagnosis, Code::AwsTimeout));
    assert_eq!(region(&diagnosis, "eu-west-1").config, ConfigState::Error);
    assert_eq!(
        check(&diagnosis, CheckId::Config).status,
        CheckStatus::Error
    );
    assert_eq!(
        region(&diagnosis, "eu-west-1").security_hub,
        RegionState::Is(SecurityHubWord::Enabled)
    );
    assert_eq!(diagnosis.status, HealthStatus::Degraded);
}

#[tokio::test]
async fn an_identity_call_hanging_past_the_deadline_is_answered_by_the_deadline() {
    let fake = FakeAws::start().await;
    fake.on_action_delayed(
        "GetCallerIdentity",
        200,
        "<never/>".to_owned(),
        Duration::from_secs(120),
    )
    .await;
    let app = app_with(fake.url(), Duration::from_secs(120), Duration::from_secs(2)).await;

    let started = Instant::now();
    let diagnosis = app.diagnosis(&request("hang")).await;

    assert!(
        started.elapsed() < Duration::from_secs(12),
        "answered by the 2 s deadline plus a margin, took {:?}",
        started.elapsed()
    );
    assert_eq!(
        check(&diagnosis, CheckId::Identity).status,
        CheckStatus::Error
    );
    assert!(has_finding(&diagnosis, Code::AwsTimeout));
    assert_eq!(diagnosis.status, HealthStatus::Degraded);
    assert_no_credential_finding(&diagnosis);
}

/// What a broken peer does with each connection.
#[derive(Clone, Copy)]
enum Breakage {
    /// Accepts and closes at once, without reading or answering.
    CloseAtOnce,
    /// Reads the request, then sends a 200 whose body is cut short of its Content-Length.
    TruncatedBody,
}

/// A TCP server on a free port that breaks every connection the same way.
async fn broken_peer(breakage: Breakage) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                match breakage {
                    Breakage::CloseAtOnce => drop(stream),
                    Breakage::TruncatedBody => {
                        let mut buffer = [0_u8; 16 * 1024];
                        let _ = stream.read(&mut buffer).await;
                        let _ = stream
                            .write_all(
                                b"HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\n\
                                  content-length: 4096\r\n\r\n<GetCallerIdentityResponse><GetCaller",
                            )
                            .await;
                        let _ = stream.shutdown().await;
                    }
                }
            });
        }
    });
    url
}

#[tokio::test]
async fn connections_dropped_before_or_mid_body_are_findings_not_failures() {
    for breakage in [Breakage::CloseAtOnce, Breakage::TruncatedBody] {
        let url = broken_peer(breakage).await;
        let app = app_with(url, Duration::from_secs(3), Duration::from_secs(8)).await;

        let diagnosis = app.diagnosis(&request("dropped")).await;

        assert_eq!(
            check(&diagnosis, CheckId::Identity).status,
            CheckStatus::Error
        );
        let codes = finding_codes(&diagnosis);
        assert!(
            codes.iter().any(|code| [
                Code::AwsUnreachable,
                Code::AwsServiceError,
                Code::AwsTimeout
            ]
            .contains(code)),
            "{codes:?}"
        );
        assert_eq!(diagnosis.status, HealthStatus::Degraded, "{diagnosis:#?}");
        assert_no_credential_finding(&diagnosis);
    }
}

#[tokio::test]
async fn malformed_xml_from_sts_is_an_aws_service_error() {
    let fake = FakeAws::start().await;
    fake.on_action(
        "GetCallerIdentity",
        200,
        "<GetCallerIdentityResponse><<<&not xml".to_owned(),
    )
    .await;
    let app = app_with(fake.url(), Duration::from_secs(3), Duration::from_secs(8)).await;

    let diagnosis = app.diagnosis(&request("garbage-xml")).await;

    assert_eq!(
        check(&diagnosis, CheckId::Identity).status,
        CheckStatus::Error
    );
    assert!(
        has_finding(&diagnosis, Code::AwsServiceError),
        "{diagnosis:#?}"
    );
    assert_no_credential_finding(&diagnosis);
}

#[tokio::test]
async fn malformed_json_from_the_regional_services_is_an_aws_service_error() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    for operation in [
        format!("{CLOUDTRAIL}DescribeTrails"),
        format!("{CONFIG}DescribeConfigurationRecorderStatus"),
    ] {
        target(&operation)
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "application/x-amz-json-1.1")
                    .set_body_string("{\"trailList\": [ {\"Name\": tru"),
            )
            .with_priority(1)
            .mount(&fake.server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/accounts"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string("]]not json at all{{"),
        )
        .with_priority(1)
        .mount(&fake.server)
        .await;
    let app = app_with(fake.url(), Duration::from_secs(3), Duration::from_secs(8)).await;

    let diagnosis = app.diagnosis(&request("garbage-json")).await;

    assert_eq!(
        check(&diagnosis, CheckId::Identity).status,
        CheckStatus::Pass
    );
    let codes = finding_codes(&diagnosis);
    assert!(codes.contains(&Code::AwsServiceError), "{codes:?}");
    assert_eq!(region(&diagnosis, "eu-west-1").config, ConfigState::Error);
    assert_eq!(
        region(&diagnosis, "eu-west-1").security_hub,
        SecurityHubState::Error
    );
    assert_eq!(diagnosis.status, HealthStatus::Degraded, "{diagnosis:#?}");
    assert_no_credential_finding(&diagnosis);
}

#[tokio::test]
async fn a_throttling_storm_is_degraded_aws_throttled_and_answered() {
    // Identity throttled: the diagnosis stops there, degraded (unknown), not unhealthy.
    let fake = FakeAws::start().await;
    fake.on_action(
        "GetCallerIdentity",
        400,
        sts_error_body("Throttling", "Rate exceeded"),
    )
    .await;
    let app = app_with(fake.url(), Duration::from_secs(10), Duration::from_secs(12)).await;
    let diagnosis = app.diagnosis(&request("storm-identity")).await;
    assert_eq!(
        check(&diagnosis, CheckId::Identity).status,
        CheckStatus::Error
    );
    assert!(has_finding(&diagnosis, Code::AwsThrottled));
    assert_eq!(diagnosis.status, HealthStatus::Degraded);
    assert_no_credential_finding(&diagnosis);
    assert!(
        fake.calls_of("GetCallerIdentity").await >= 2,
        "the SDK retried"
    );

    // Identity passes, every later call of every service is throttled.
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    Mock::given(method("POST"))
        .and(header_exists("x-amz-target"))
        .respond_with(json_error(400, "ThrottlingException", "Rate exceeded"))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    for verb in ["GET", "POST"] {
        Mock::given(method(verb))
            .and(wiremock::matchers::path_regex(
                "^/(accounts|standards|findings|administrator|members)",
            ))
            .respond_with(json_error(429, "TooManyRequestsException", "Rate exceeded"))
            .with_priority(1)
            .mount(&fake.server)
            .await;
    }
    Mock::given(method("POST"))
        .and(body_string_contains("Version=2010-05-08"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("content-type", "text/xml")
                .set_body_string(
                    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>\
                     <Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>",
                ),
        )
        .with_priority(1)
        .mount(&fake.server)
        .await;
    let app = app_with(fake.url(), Duration::from_secs(10), Duration::from_secs(12)).await;

    let diagnosis = app.diagnosis(&request("storm")).await;

    assert_eq!(
        check(&diagnosis, CheckId::Identity).status,
        CheckStatus::Pass
    );
    assert!(has_finding(&diagnosis, Code::AwsThrottled));
    let states = region(&diagnosis, "eu-west-1");
    assert_eq!(
        (states.security_hub, states.config, states.cloudtrail),
        (
            SecurityHubState::Error,
            ConfigState::Error,
            CloudTrailState::Error
        ),
        "{diagnosis:#?}"
    );
    assert_eq!(diagnosis.status, HealthStatus::Degraded, "{diagnosis:#?}");
}

#[tokio::test]
async fn a_5xx_burst_is_retried_and_a_5xx_outage_is_an_aws_service_error() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    // Two 503s, then the healthy answer: the SDK's retry absorbs the burst.
    Mock::given(method("POST"))
        .and(body_string_contains("Action=GetCallerIdentity"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("content-type", "text/xml")
                .set_body_string(sts_error_body("ServiceUnavailable", "Service unavailable")),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&fake.server)
        .await;
    // Config is down for good.
    target(&format!("{CONFIG}DescribeConfigurationRecorderStatus"))
        .respond_with(json_error(503, "ServiceUnavailable", "Service unavailable"))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    let app = app_with(fake.url(), Duration::from_secs(10), Duration::from_secs(15)).await;

    let diagnosis = app.diagnosis(&request("burst")).await;

    assert_eq!(
        check(&diagnosis, CheckId::Identity).status,
        CheckStatus::Pass,
        "{diagnosis:#?}"
    );
    assert_eq!(fake.calls_of("GetCallerIdentity").await, 3);
    assert_eq!(region(&diagnosis, "eu-west-1").config, ConfigState::Error);
    assert!(has_finding(&diagnosis, Code::AwsServiceError));
    assert_eq!(diagnosis.status, HealthStatus::Degraded);
}

#[tokio::test]
async fn redis_killed_and_restarted_under_load_loses_no_answer_and_nothing_panics() {
    let fake = FakeAws::start().await;
    // Each request its own key and account: many connectors of one account would wait for its
    // AWS budget, which is not what this test is about.
    fake.identifies_each_key_as_its_own_account().await;
    healthy_account(&fake).await;
    let mut redis = RedisServer::start().await;
    let mut service = Binary::start(
        &[
            "--aws-endpoint-url",
            &fake.url(),
            "--redis-url",
            &redis.url(),
            "--cache-key-secret",
            "faults-cache-key-secret",
            "--rate-limit-per-minute",
            "100000",
            "--rate-limit-burst",
            "100000",
            "--max-cold-diagnoses",
            "256",
        ],
        "info",
    )
    .await;
    let base = service.base_url.clone();
    let client = reqwest::Client::new();
    let wave = async |label: &str, count: usize| -> Vec<String> {
        let requests = (0..count).map(|i| {
            let client = client.clone();
            let base = base.clone();
            let body = RequestBody::new()
                .connector(&format!("{label}-{i}"))
                .credentials(&generated("AKIA", 20), EXAMPLE_SECRET)
                .build();
            async move {
                let response = client
                    .post(format!("{base}/v1/diagnoses"))
                    .json(&body)
                    .send()
                    .await
                    .expect("answered");
                let status = response.status();
                let text = response.text().await.unwrap();
                assert_eq!(status, 200, "{text}");
                parse_diagnosis(&text).id
            }
        });
        futures::future::join_all(requests).await
    };

    let before = wave("before", 10).await;
    // Kill Redis while a wave runs.
    let during = {
        let running = wave("during", 20);
        let kill = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            redis.stop();
        };
        let (ids, ()) = tokio::join!(running, kill);
        ids
    };
    let outage = wave("outage", 10).await;
    redis.restart().await;
    // The connection manager reconnects by itself; give it a moment, then check readiness.
    let started = Instant::now();
    loop {
        let ready: Value = client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if ready["cache"] == "ok" {
            break;
        }
        // Requests drive reconnection too.
        wave("probe", 1).await;
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "caching resumed: {ready}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let after = wave("after", 10).await;

    // Every answer of every wave was a 200 with its own diagnosis (the wave asserts the 200s).
    let ids: std::collections::BTreeSet<&String> = before
        .iter()
        .chain(&during)
        .chain(&outage)
        .chain(&after)
        .collect();
    assert_eq!(ids.len(), 10 + 20 + 10 + 10, "one diagnosis per connector");
    for (i, id) in after.iter().enumerate() {
        let report = client
            .get(format!("{base}/v1/diagnoses/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(report.status(), 200, "report {id} stored after the restart");
        let history: Value = client
            .get(format!("{base}/v1/connectors/after-{i}/history"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(history["items"][0]["id"], id.as_str(), "{history}");
    }
    let logs = service.stop().await;
    assert!(logs.contains("request served"), "the logs were captured");
    assert!(!logs.contains("panicked"), "{logs}");
}

#[tokio::test]
async fn a_non_ascii_access_key_id_of_twenty_bytes_is_a_422_not_a_panic() {
    // Found by schemathesis: `AccessKeyId::parse` sliced `text[4..]` inside a multi-byte character.
    let app = TestApp::spawn(|_| {}).await;
    let key_id = format!("AKI\u{106cb7}{}", "A".repeat(13));
    assert_eq!(key_id.len(), 20);
    let response = app
        .diagnose(
            &RequestBody::new()
                .credentials(&key_id, EXAMPLE_SECRET)
                .build(),
        )
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(app.get("/healthz").await.status(), 200);
}
