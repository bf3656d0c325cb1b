//! Secret and log hygiene across every probe path: the binary at `RUST_LOG=trace` with API
//! tokens, Redis and the scripted fake AWS. Success, identity failures, assume-role success and
//! denial, throttling, a cache miss then a hit, rejected and invalid requests, Redis stopped: no
//! secret key, session token, external id, API token or access key id appears in the logs, any
//! response body or header, `/metrics`, or any Redis key or value. And malformed requests, which
//! anyone can send, write no `ERROR` line.

use std::time::Duration;

use connector_doctor::domain::{Code, Diagnosis, HealthStatus, PrincipalType};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::Mock;
use wiremock::matchers::{body_string_contains, header_regex, method};

use crate::helpers::app::{finding_codes, parse_diagnosis};
use crate::helpers::binary::Binary;
use crate::helpers::fake_aws::{assume_role_body, sts_error_body};
use crate::helpers::fake_regions::{CLOUDTRAIL, healthy_account, json_error};
use crate::helpers::redis::RedisServer;
use crate::helpers::{FakeAws, FakeIdentity, RequestBody, generated};

/// Requests signed with this access key id (the SigV4 credential scope names it).
fn signed_by(key_id: &str) -> wiremock::matchers::HeaderRegexMatcher {
    header_regex("authorization", &format!("Credential={key_id}/"))
}

/// One credential set of the run.
struct Keys {
    key_id: String,
    secret: String,
    token: Option<String>,
}

impl Keys {
    fn long_term() -> Self {
        Self {
            key_id: generated("AKIA", 20),
            secret: generated("s3cr3t", 40),
            token: None,
        }
    }

    fn temporary() -> Self {
        Self {
            key_id: generated("ASIA", 20),
            secret: generated("s3cr3t", 40),
            token: Some(generated("T0KEN", 320)),
        }
    }

    /// A request for `connector` signed with these keys.
    fn request(&self, connector: &str) -> RequestBody {
        let request = RequestBody::new()
            .connector(connector)
            .credentials(&self.key_id, &self.secret);
        match &self.token {
            Some(token) => request.session_token(token),
            None => request,
        }
    }

    fn secrets(&self, name: &str) -> Vec<(String, String)> {
        let mut all = vec![
            (format!("{name} access key id"), self.key_id.clone()),
            (format!("{name} secret key"), self.secret.clone()),
        ];
        if let Some(token) = &self.token {
            all.push((format!("{name} session token"), token.clone()));
        }
        all
    }
}

/// Everything the run produced that a secret could leak into, as text.
#[derive(Default)]
struct Transcript {
    texts: Vec<String>,
}

impl Transcript {
    /// Records a response: status, every header and the body; returns status and body.
    async fn record(&mut self, response: reqwest::Response) -> (u16, String) {
        let status = response.status().as_u16();
        let mut text = format!("HTTP {status}\n");
        for (name, value) in response.headers() {
            text.push_str(&format!(
                "{name}: {}\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        let body = response.text().await.unwrap();
        text.push_str(&body);
        self.texts.push(text);
        (status, body)
    }
}

#[tokio::test]
async fn no_secret_appears_in_logs_responses_metrics_or_redis_on_any_path() {
    let api_token = generated("tok", 48);
    let wrong_token = generated("wrongtok", 48);
    let external_id = generated("ext", 32);
    let cache_key_secret = generated("hmac", 40);

    let healthy = Keys::long_term();
    let invalid_id = Keys::long_term();
    let bad_signature = Keys::long_term();
    let expired = Keys::temporary();
    let assumer = Keys::temporary();
    let role = Keys::temporary();
    let denied = Keys::long_term();
    let throttled = Keys::long_term();
    let rejected = Keys::long_term();

    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    // Failures by the key that signed the request. Some messages echo the key id, as AWS's own
    // messages sometimes do: the service must scrub them.
    let identity_failures = [
        (
            &invalid_id,
            "InvalidClientTokenId",
            format!(
                "The security token included in the request is invalid: {}",
                invalid_id.key_id
            ),
        ),
        (
            &bad_signature,
            "SignatureDoesNotMatch",
            format!(
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key {} and signing method.",
                bad_signature.key_id
            ),
        ),
        (
            &expired,
            "ExpiredToken",
            "The security token included in the request is expired".to_owned(),
        ),
    ];
    for (keys, code, message) in &identity_failures {
        Mock::given(method("POST"))
            .and(body_string_contains("Action=GetCallerIdentity"))
            .and(signed_by(&keys.key_id))
            .respond_with(
                wiremock::ResponseTemplate::new(403)
                    .insert_header("content-type", "text/xml")
                    .set_body_string(sts_error_body(code, message)),
            )
            .with_priority(1)
            .mount(&fake.server)
            .await;
    }
    Mock::given(method("POST"))
        .and(body_string_contains("Action=AssumeRole"))
        .and(signed_by(&assumer.key_id))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .insert_header("content-type", "text/xml")
                .set_body_string(assume_role_body(
                    &role.key_id,
                    &role.secret,
                    role.token.as_deref().unwrap(),
                )),
        )
        .with_priority(1)
        .mount(&fake.server)
        .await;
    fake.identifies(FakeIdentity::role_session().signed_by(&role.key_id))
        .await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=AssumeRole"))
        .and(signed_by(&denied.key_id))
        .respond_with(
            wiremock::ResponseTemplate::new(403)
                .insert_header("content-type", "text/xml")
                .set_body_string(sts_error_body(
                    "AccessDenied",
                    &format!(
                        "User: arn:aws:iam::123456789012:user/mdca is not authorized to perform: \
                         sts:AssumeRole (key {}, external id {external_id})",
                        denied.key_id
                    ),
                )),
        )
        .with_priority(1)
        .mount(&fake.server)
        .await;
    Mock::given(method("POST"))
        .and(header_regex("x-amz-target", &format!("^{CLOUDTRAIL}")))
        .and(signed_by(&throttled.key_id))
        .respond_with(json_error(400, "ThrottlingException", "Rate exceeded"))
        .with_priority(1)
        .mount(&fake.server)
        .await;

    let mut redis = RedisServer::start().await;
    let mut service = Binary::start(
        &[
            "--aws-endpoint-url",
            &fake.url(),
            "--redis-url",
            &redis.url(),
            "--cache-key-secret",
            &cache_key_secret,
            "--api-tokens",
            &format!("acme:{api_token}"),
            "--metrics-listen",
            "127.0.0.1:0",
            "--aws-call-timeout",
            "3s",
            "--diagnosis-deadline",
            "10s",
        ],
        "trace",
    )
    .await;
    let client = reqwest::Client::new();
    let base = service.base_url.clone();
    let post = |body: Value, token: &str| {
        client
            .post(format!("{base}/v1/diagnoses"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let get = |path: &str, token: &str| {
        client
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
    };
    let request = |connector: &str, keys: &Keys| keys.request(connector).build();
    let mut transcript = Transcript::default();
    let diagnose = async |transcript: &mut Transcript, body: Value| -> Diagnosis {
        let (status, text) = transcript
            .record(post(body, &api_token).await.unwrap())
            .await;
        assert_eq!(status, 200, "{text}");
        parse_diagnosis(&text)
    };

    // Success, then the same request again: a miss, then a hit.
    let first = diagnose(&mut transcript, request("healthy", &healthy)).await;
    assert_eq!(first.status, HealthStatus::Healthy, "{first:#?}");
    assert!(!first.cached);
    let hit = diagnose(&mut transcript, request("healthy", &healthy)).await;
    assert!(hit.cached);
    assert_eq!(hit.id, first.id);

    // Identity failures.
    for ((keys, _, _), code) in identity_failures.iter().zip([
        Code::CredentialsInvalidKeyId,
        Code::CredentialsSignatureMismatch,
        Code::CredentialsExpired,
    ]) {
        let diagnosis = diagnose(&mut transcript, request("failing", keys)).await;
        assert_eq!(diagnosis.status, HealthStatus::Unhealthy);
        assert_eq!(finding_codes(&diagnosis), [code], "{diagnosis:#?}");
    }

    // Assume role: success (the rest runs as the role session), then a denial.
    let role_arn = "arn:aws:iam::123456789012:role/mdca";
    let body = assumer
        .request("assumer")
        .assume_role(role_arn, Some(&external_id));
    let assumed = diagnose(&mut transcript, body.build()).await;
    assert_eq!(
        assumed
            .identity
            .as_ref()
            .map(|identity| identity.principal_type),
        Some(PrincipalType::AssumedRole),
        "{assumed:#?}"
    );
    assert!(
        fake.server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .any(|r| r
                .headers
                .get("authorization")
                .is_some_and(|value| value.to_str().unwrap().contains(&role.key_id))),
        "the role session made calls"
    );
    let body = denied
        .request("denied")
        .assume_role(role_arn, Some(&external_id));
    let refused = diagnose(&mut transcript, body.build()).await;
    assert!(
        finding_codes(&refused).contains(&Code::AssumeRoleDenied),
        "{refused:#?}"
    );

    // Throttling: every CloudTrail call of this key.
    let slowed = diagnose(&mut transcript, request("throttled", &throttled)).await;
    assert!(
        finding_codes(&slowed).contains(&Code::AwsThrottled),
        "{slowed:#?}"
    );

    // Reports and history by id.
    for diagnosis in [&first, &assumed, &refused, &slowed] {
        let id = &diagnosis.id;
        let (status, _) = transcript
            .record(
                get(&format!("/v1/diagnoses/{id}"), &api_token)
                    .await
                    .unwrap(),
            )
            .await;
        assert_eq!(status, 200);
    }
    for connector in ["healthy", "failing", "assumer", "denied", "throttled"] {
        let (status, _) = transcript
            .record(
                get(&format!("/v1/connectors/{connector}/history"), &api_token)
                    .await
                    .unwrap(),
            )
            .await;
        assert_eq!(status, 200);
    }

    // Rejected and invalid requests must not echo what they were sent.
    let (status, _) = transcript
        .record(
            post(request("rejected", &rejected), &wrong_token)
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(status, 401);
    let mut invalid = request("rejected", &rejected);
    invalid["regions"] = json!(["mars-north-1"]);
    invalid["credentials"]["session_token"] = json!(42);
    let (status, _) = transcript
        .record(post(invalid, &api_token).await.unwrap())
        .await;
    assert!(status == 422 || status == 400, "{status}");
    let mut malformed_key = request("rejected", &rejected);
    malformed_key["credentials"]["access_key_id"] = json!(rejected.key_id.to_lowercase());
    let (status, _) = transcript
        .record(post(malformed_key, &api_token).await.unwrap())
        .await;
    assert_eq!(status, 422);

    // Everything stored in Redis, before stopping it.
    let dump = redis.dump().await;
    assert!(
        dump.iter().any(|(key, _)| key.contains("report")),
        "reports were stored: {dump:?}"
    );
    let stored: Vec<String> = dump
        .iter()
        .map(|(key, value)| format!("{key} = {value}"))
        .collect();

    // Redis stopped: still answered.
    redis.stop();
    let outage = diagnose(&mut transcript, request("outage", &healthy)).await;
    assert!(!outage.cached);
    redis.restart().await;

    // With caller tokens, on the metrics listener only.
    let (status, _) = transcript
        .record(client.get(format!("{base}/metrics")).send().await.unwrap())
        .await;
    assert_eq!(status, 404);
    let metrics_url = service.metrics_url.clone().expect("a metrics listener");
    let (status, metrics) = transcript
        .record(
            client
                .get(format!("{metrics_url}/metrics"))
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(status, 200);
    assert!(metrics.contains("connector_doctor_diagnoses_total"));
    let logs = service.stop().await;

    assert!(!logs.is_empty());
    assert!(logs.contains("TRACE"), "trace level was on");
    assert!(
        logs.contains("request served"),
        "the request logs were captured"
    );
    let responses = transcript.texts.join("\n");
    assert!(responses.contains("AWS_THROTTLED") && responses.contains("ASSUME_ROLE_DENIED"));
    assert!(responses.contains("x-request-id"), "headers were searched");

    let mut secrets = vec![
        ("API token".to_owned(), api_token.clone()),
        ("wrong API token".to_owned(), wrong_token.clone()),
        ("external id".to_owned(), external_id.clone()),
        ("cache key secret".to_owned(), cache_key_secret.clone()),
    ];
    for (name, keys) in [
        ("healthy", &healthy),
        ("invalid", &invalid_id),
        ("bad signature", &bad_signature),
        ("expired", &expired),
        ("assumer", &assumer),
        ("role", &role),
        ("denied", &denied),
        ("throttled", &throttled),
        ("rejected", &rejected),
    ] {
        secrets.extend(keys.secrets(name));
    }
    secrets.push((
        "lower-cased rejected key id".to_owned(),
        rejected.key_id.to_lowercase(),
    ));
    let leaked = leaks(
        &[
            ("the logs", &logs),
            ("a response", &responses),
            ("Redis", &stored.join("\n")),
        ],
        &secrets,
    );
    assert!(leaked.is_empty(), "{}", leaked.join("\n\n"));
}

/// Each named secret found in a named place, with the text that leads up to it.
fn leaks(places: &[(&str, &str)], secrets: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (place, text) in places {
        for (name, value) in secrets {
            if let Some(at) = text.find(value.as_str()) {
                let start = text[..at]
                    .char_indices()
                    .rev()
                    .nth(200)
                    .map_or(0, |(i, _)| i);
                found.push(format!(
                    "the {name} is in {place}: …{}",
                    &text[start..(at + value.len()).min(text.len())]
                ));
            }
        }
    }
    found
}

#[tokio::test]
async fn trace_logs_of_every_identity_path_hold_no_secret() {
    // Without API tokens or Redis: the service's whole output of a temporary key that assumes a
    // role, once succeeding and once failing its identity check.
    let caller = Keys::temporary();
    let role = Keys::temporary();

    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    fake.on_action(
        "AssumeRole",
        200,
        assume_role_body(&role.key_id, &role.secret, role.token.as_deref().unwrap()),
    )
    .await;
    let failing = FakeAws::start().await;
    failing
        .on_action(
            "GetCallerIdentity",
            403,
            sts_error_body(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match",
            ),
        )
        .await;

    let mut results = Vec::new();
    for endpoint in [fake.url(), failing.url()] {
        let mut service = Binary::start(&["--aws-endpoint-url", &endpoint], "trace").await;
        let body = RequestBody::new()
            .without_connector()
            .credentials(&caller.key_id, &caller.secret)
            .session_token(caller.token.as_deref().unwrap())
            .assume_role("arn:aws:iam::123456789012:role/mdca", Some("ext-id-1"));
        let response = reqwest::Client::new()
            .post(format!("{}/v1/diagnoses", service.base_url))
            .json(&body.build())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        results.push(response.text().await.unwrap());
        results.push(service.stop().await);
    }

    let everything = results.join("\n");
    assert!(
        everything.contains("request served"),
        "the logs were captured"
    );
    assert!(
        everything.contains("TRACE") || everything.contains("DEBUG"),
        "trace level was on"
    );
    assert!(everything.contains("ASSUME_ROLE") || everything.contains("assume_role"));
    let mut secrets = caller.secrets("caller");
    secrets.extend(role.secrets("role"));
    let leaked = leaks(&[("the output", &everything)], &secrets);
    assert!(leaked.is_empty(), "{}", leaked.join("\n\n"));
}

/// Malformed requests are the sender's fault and anyone can send them: they must not write
/// `ERROR` lines (a log alert would page an operator at an attacker's will).
#[tokio::test]
async fn malformed_requests_write_no_error_lines() {
    let mut service = Binary::start(&["--log-format", "json"], "info").await;
    let address = service.base_url.trim_start_matches("http://").to_owned();
    let garbage: [&[u8]; 4] = [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n",
    ];
    for _ in 0..5 {
        for bytes in garbage {
            let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
            stream.write_all(bytes).await.unwrap();
            let mut answer = Vec::new();
            // Whatever the answer, the server closes the connection; a bound keeps a test that
            // fails from hanging.
            let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
                .await;
        }
    }
    // The service still serves, then stops and writes out its queued lines.
    let healthy = reqwest::get(format!("{}/healthz", service.base_url))
        .await
        .unwrap();
    assert_eq!(healthy.status(), 200);
    let written = service.stop().await;
    assert!(
        written.contains("\"level\""),
        "the logs were captured: {written}"
    );
    let errors: Vec<&str> = written
        .lines()
        .filter(|line| line.contains("\"level\":\"ERROR\""))
        .collect();
    assert!(
        errors.is_empty(),
        "malformed requests wrote ERROR lines: {errors:#?}"
    );
}
