//! The front door: tokens and tenants, secure defaults, rate limits, shedding, strict input, TLS.

use std::time::Duration;

use connector_doctor::config::Settings;
use connector_doctor::domain::{Diagnosis, Secret};
use connector_doctor::startup::{Application, StartupError};
use serde_json::{Value, json};

use crate::helpers::app::parse_diagnosis;
use crate::helpers::fake_aws::{GatedAws, sts_error_body};
use crate::helpers::{FakeAws, FakeIdentity, RequestBody, TestApp};

/// Caller tokens as the settings take them.
fn tokens(text: &str) -> Option<Secret> {
    Some(Secret::new(text))
}

async fn post(app: &TestApp, token: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/v1/diagnoses", app.base_url))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base_url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn v1_routes_need_a_known_token_and_open_routes_do_not() {
    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    let url = fake.url();
    let hashed = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"bravo-token"));
    let app = TestApp::spawn(move |s| {
        s.aws.aws_endpoint_url = Some(url);
        s.security.api_tokens = tokens(&format!("acme:acme-token,bravo:sha256:{hashed}"));
    })
    .await;

    let missing = post(&app, None, &RequestBody::new().build()).await;
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(
        post(&app, Some("wrong"), &RequestBody::new().build())
            .await
            .status(),
        401
    );
    assert_eq!(get(&app, "wrong", "/v1/catalogue").await.status(), 401);
    assert_eq!(
        post(&app, Some("acme-token"), &RequestBody::new().build())
            .await
            .status(),
        200
    );
    assert_eq!(
        post(&app, Some("bravo-token"), &RequestBody::new().build())
            .await
            .status(),
        200,
        "hashed tokens work"
    );
    for open in ["/healthz", "/readyz", "/openapi.json", "/docs/"] {
        assert_eq!(app.get(open).await.status(), 200, "{open} stays open");
    }
}

#[tokio::test]
async fn one_tenant_cannot_read_anothers_diagnosis_or_history() {
    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    let url = fake.url();
    let app = TestApp::spawn(move |s| {
        s.aws.aws_endpoint_url = Some(url);
        s.security.api_tokens = tokens("acme:acme-token,bravo:bravo-token");
    })
    .await;

    let diagnosis: Diagnosis = post(&app, Some("acme-token"), &RequestBody::new().build())
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/v1/diagnoses/{}", diagnosis.id);

    assert_eq!(get(&app, "acme-token", &path).await.status(), 200);
    assert_eq!(get(&app, "bravo-token", &path).await.status(), 404);
    let own: Value = get(&app, "acme-token", "/v1/connectors/contoso-prod/history")
        .await
        .json()
        .await
        .unwrap();
    let other: Value = get(&app, "bravo-token", "/v1/connectors/contoso-prod/history")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    assert_eq!(other["items"], json!([]));
    // Nor does bravo's identical request hit acme's cache entry.
    let bravo: Diagnosis = post(&app, Some("bravo-token"), &RequestBody::new().build())
        .await
        .json()
        .await
        .unwrap();
    assert!(!bravo.cached);
}

#[tokio::test]
async fn a_public_address_without_tokens_is_refused_unless_explicitly_allowed() {
    let mut public = Settings::default();
    public.server.listen = "0.0.0.0:0".parse().unwrap();
    match Application::build(public.clone()) {
        Err(StartupError::Unauthenticated(address)) => assert_eq!(address, public.server.listen),
        Err(other) => panic!("refused for the wrong reason: {other}"),
        Ok(_) => panic!("started on 0.0.0.0 without tokens"),
    }
    let mut allowed = public.clone();
    allowed.security.allow_unauthenticated = true;
    assert!(Application::build(allowed).is_ok());
    let mut with_tokens = public;
    with_tokens.security.api_tokens = tokens("acme:t");
    assert!(Application::build(with_tokens).is_ok());
}

#[tokio::test]
async fn a_spent_bucket_is_429_with_retry_after() {
    let app = TestApp::spawn(|s| {
        s.security.api_tokens = tokens("acme:acme-token");
        s.security.rate_limit_burst = 3;
        s.security.rate_limit_per_minute = 1;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(get(&app, "acme-token", "/v1/catalogue").await.status(), 200);
    }
    let limited = get(&app, "acme-token", "/v1/catalogue").await;
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let problem: Value = limited.json().await.unwrap();
    assert_eq!(problem["status"], 429);
    assert!(problem["request_id"].is_string());
    // Health stays outside the limit.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn cold_diagnoses_beyond_the_cap_are_shed_while_hits_are_still_served() {
    // AWS holds every call until the test lets it go, so the two admitted diagnoses keep their
    // places for as long as the test needs, however slow the machine: no timing is involved.
    // Each diagnosis ends at its identity check (an unknown key), so one call each.
    // A wrong secret: one STS call per diagnosis (an unknown key id would ask every partition).
    let aws = GatedAws::start(
        403,
        sts_error_body(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ),
    )
    .await;
    let url = aws.url();
    let app = TestApp::spawn(move |s| {
        s.aws.aws_endpoint_url = Some(url);
        s.service.max_cold_diagnoses = 2;
        // Only the gate ends a held call: no timeout or deadline may free a place first,
        // and the warm entry outlives the test.
        s.aws.aws_call_timeout = Duration::from_secs(600);
        s.probes.diagnosis_deadline = Duration::from_secs(600);
        s.service.cache_ttl_unhealthy = Duration::from_secs(600);
    })
    .await;
    let request = |connector: &str| RequestBody::new().connector(connector).build();
    // A cached diagnosis to serve during the burst.
    let cached = app.diagnosis(&request("warm")).await;
    assert_eq!(aws.arrivals(), 1);

    aws.close();
    let (answers, mut answered) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..6 {
        let (client, url) = (app.client.clone(), format!("{}/v1/diagnoses", app.base_url));
        let (body, answers) = (request(&format!("cold-{i}")), answers.clone());
        tokio::spawn(async move {
            let response = client.post(url).json(&body).send().await.unwrap();
            let status = response.status().as_u16();
            let retry_after = response.headers().contains_key("retry-after");
            let text = response.text().await.unwrap();
            answers.send((status, retry_after, text)).unwrap();
        });
    }
    drop(answers);
    // Two places, both taken and held at AWS: the four others are shed at once.
    aws.wait_for_arrivals(1 + 2, Duration::from_secs(60)).await;
    let mut shed = Vec::new();
    for _ in 0..4 {
        let answer = tokio::time::timeout(Duration::from_secs(60), answered.recv())
            .await
            .expect("the requests beyond the places are answered while the two are held");
        shed.push(answer.expect("an answer"));
    }
    assert_eq!(aws.arrivals(), 1 + 2, "only the admitted reach AWS");
    for (status, retry_after, text) in &shed {
        assert_eq!(*status, 503, "{text}");
        assert!(retry_after, "a shed request says when to retry");
    }
    let hit = app.diagnosis(&request("warm")).await;
    assert!(hit.cached, "a hit needs no place");
    assert_eq!(hit.id, cached.id);

    aws.open();
    let mut admitted = Vec::new();
    while let Some(answer) = answered.recv().await {
        admitted.push(answer);
    }
    assert_eq!(admitted.len(), 2, "{admitted:?}");
    for (status, _, text) in &admitted {
        assert_eq!(*status, 200, "{text}");
        assert!(!parse_diagnosis(text).cached);
    }
    assert_eq!(
        aws.arrivals(),
        3,
        "shed requests never reach AWS, not even later"
    );
}

async fn field_error(app: &TestApp, body: &Value) -> Vec<String> {
    let response = app.diagnose(body).await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn hostile_input_is_422_with_a_precise_field() {
    let app = TestApp::spawn(|_| {}).await;

    let injected = RequestBody::new()
        .regions(&["us-east-1.attacker.example"])
        .build();
    assert_eq!(field_error(&app, &injected).await, ["regions[0]"]);

    let long_token = RequestBody::new().session_token(&"x".repeat(9000)).build();
    assert_eq!(
        field_error(&app, &long_token).await,
        ["credentials.session_token"]
    );

    let long_external_id = RequestBody::new()
        .assume_role("arn:aws:iam::123456789012:role/x", Some(&"e".repeat(1300)))
        .build();
    assert_eq!(
        field_error(&app, &long_external_id).await,
        ["assume_role.external_id"]
    );

    let bad_role = RequestBody::new()
        .assume_role("arn:aws:iam::123456789012:role/../../x y", None)
        .build();
    assert_eq!(field_error(&app, &bad_role).await, ["assume_role.role_arn"]);

    let mut deep = json!(1);
    for _ in 0..40 {
        deep = json!([deep]);
    }
    let mut nested = RequestBody::new().build();
    nested["connector_id"] = deep;
    let response = app.diagnose(&nested).await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested deeper")
    );

    let mut unknown = RequestBody::new().build();
    unknown["aws_endpoint_url"] = "http://attacker.example".into();
    // The top-level object has the unknown field; its name is not echoed.
    assert_eq!(field_error(&app, &unknown).await, [""]);
}

#[tokio::test]
async fn the_service_terminates_tls_with_its_certificate() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, certified.cert.pem()).unwrap();
    std::fs::write(&key_path, certified.signing_key.serialize_pem()).unwrap();
    let mut settings = Settings::default();
    settings.server.listen = "127.0.0.1:0".parse().unwrap();
    settings.server.tls_cert = Some(cert_path);
    settings.server.tls_key = Some(key_path);
    settings.log.log_filter = "warn".to_owned();
    let application = Application::build(settings).unwrap();
    let port = application.address().port();
    let handle = application.handle();
    tokio::spawn(application.run_until_stopped());

    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap(),
        )
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .build()
        .unwrap();
    let response = client
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
    assert!(
        plain.is_err() || plain.unwrap().status() != 200,
        "plain HTTP is not served"
    );
    handle.stop(false).await;
}

#[tokio::test]
async fn the_explorer_page_carries_security_headers() {
    let app = TestApp::spawn(|_| {}).await;
    let page = app.get("/docs/").await;
    let headers = page.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'"));
}
