//! The front door: tokens and tenants, secure defaults, rate limits, shedding, strict input, TLS;
//! and the front door as an attacker on loopback meets it: every `/v1` route of the served
//! OpenAPI document in every spelling of its path, bodies that never finish, connection floods,
//! duplicated credentials, oversized headers, bodies that quote secrets back.
//!
//! The attacker's requests are written as raw bytes over TCP: an HTTP client would normalise the
//! paths whose spellings are the point of those tests.

use std::time::Duration;

use connector_doctor::config::Settings;
use connector_doctor::domain::{Diagnosis, Secret};
use connector_doctor::startup::{Application, StartupError};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::app::parse_diagnosis;
use crate::helpers::fake_aws::{GatedAws, sts_error_body};
use crate::helpers::{EXAMPLE_KEY_ID, EXAMPLE_SECRET, FakeAws, FakeIdentity, RequestBody, TestApp};

/// Caller tokens as the settings take them.
fn tokens(text: &str) -> Option<Secret> {
    Some(Secret::new(text))
}

async fn post(app: &TestApp, token: Option<&str>, body: &Value) -> reqwest::Response {
    app.diagnose_as(token, body).await
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

    let long_token = RequestBody::new()
        .session_token(&"x".repeat(16 * 1024 + 1))
        .build();
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

// The attacker's side: raw requests over TCP.

/// Generous bound for answers that should come at once.
const PROMPT: Duration = Duration::from_secs(10);

/// A raw HTTP/1.1 answer: status and the whole text.
struct Raw {
    status: u16,
    text: String,
}

/// Writes `head` and `body` on `stream` and reads the answer until the server closes.
async fn exchange(stream: &mut TcpStream, head: &str, body: &[u8]) -> Raw {
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut bytes = Vec::new();
    tokio::time::timeout(PROMPT, stream.read_to_end(&mut bytes))
        .await
        .expect("the server answers and closes in time")
        .unwrap();
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Raw {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    Raw { status, text }
}

/// Sends one request on a new connection (`Connection: close`) with the target as written.
async fn send(
    app: &TestApp,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Raw {
    let address = app.base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    exchange(&mut stream, &head, body).await
}

/// Every spelling of `path` that a router could take for it: each character percent-encoded
/// in turn (upper- and lower-case hex), all of it encoded in mixed case, doubled slashes, dot
/// segments, a trailing slash, and the absolute form of the request target.
fn spellings(path: &str, authority: &str) -> Vec<String> {
    let encode = |c: char, upper: bool| {
        let hex = format!("{:02X}", c as u32);
        format!("%{}", if upper { hex } else { hex.to_lowercase() })
    };
    let chars: Vec<char> = path.chars().collect();
    let mut variants = Vec::new();
    for index in 1..chars.len() {
        for upper in [true, false] {
            let spelled: String = chars
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    if i == index {
                        encode(c, upper)
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            variants.push(spelled);
        }
    }
    let all_but_slashes: String = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if c == '/' {
                c.to_string()
            } else {
                encode(c, i % 2 == 0)
            }
        })
        .collect();
    variants.push(all_but_slashes);
    let rest = &path["/v1".len()..];
    variants.extend([
        format!("/{path}"),
        format!("/v1/{rest}"),
        path.replacen('/', "//", 2).replacen("//", "/", 1),
        format!("/v1/.{rest}"),
        format!("/x/..{path}"),
        format!("/v1/x/..{rest}"),
        format!("{path}/"),
        format!("{path}/."),
        format!("{path}?x=1"),
        format!("http://{authority}{path}"),
        format!("http://{authority}/%761{rest}"),
    ]);
    variants.sort();
    variants.dedup();
    variants
}

/// The `/v1` operations of the served document, with their path parameters filled in.
async fn v1_operations(app: &TestApp, fill: &dyn Fn(&str) -> String) -> Vec<(String, String)> {
    let document: Value = app.get("/openapi.json").await.json().await.unwrap();
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        if !path.starts_with("/v1/") {
            continue;
        }
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                operations.push((method.to_uppercase(), fill(path)));
            }
        }
    }
    operations
}

#[tokio::test]
async fn no_spelling_of_a_v1_path_reaches_a_handler_without_a_token() {
    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    let url = fake.url();
    // A tenant really named `default`: the name the service once gave to callers without a token.
    let app = TestApp::spawn(move |settings| {
        settings.aws.aws_endpoint_url = Some(url);
        settings.security.api_tokens = tokens("default:default-token");
    })
    .await;
    let stored: Diagnosis = app
        .client
        .post(format!("{}/v1/diagnoses", app.base_url))
        .bearer_auth("default-token")
        .json(&RequestBody::new().build())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = stored.id;
    let connector = stored
        .connector_id
        .expect("the example names its connector");
    let fill = |path: &str| {
        path.replace("{id}", &id)
            .replace("{connector_id}", &connector)
            .replace("{code}", "CREDENTIALS_INVALID_KEY_ID")
    };
    let operations = v1_operations(&app, &fill).await;
    assert!(
        operations.len() >= 7,
        "the document lists the /v1 routes: {operations:?}"
    );

    let authority = app.base_url.trim_start_matches("http://").to_owned();
    let json = [("Content-Type", "application/json")];
    let mut tried = 0;
    for (method, path) in &operations {
        let body = body_for(method, path);
        // The canonical spelling with the token is served: the table is right.
        let token = [
            ("Content-Type", "application/json"),
            ("Authorization", "Bearer default-token"),
        ];
        let served = send(&app, method, path, &token, &body).await;
        assert!(
            (200..300).contains(&served.status),
            "{method} {path} with the token: {}",
            served.text
        );
        for target in spellings(path, &authority) {
            let answer = send(&app, method, &target, &json, &body).await;
            assert!(
                !(200..300).contains(&answer.status),
                "{method} {target} without a token answered {}: {}",
                answer.status,
                answer.text
            );
            tried += 1;
        }
    }
    assert!(tried > 100, "only {tried} spellings were tried");
}

/// A body the route accepts, so that only the guard can stand between a request and a 2xx.
fn body_for(method: &str, path: &str) -> Vec<u8> {
    match (method, path.ends_with("/match")) {
        ("POST", true) => br#"{"message": "AccessDenied"}"#.to_vec(),
        ("POST", false) => serde_json::to_vec(&RequestBody::new().build()).unwrap(),
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn a_body_that_never_finishes_gets_408_and_its_connection_closes() {
    let app =
        TestApp::spawn(|settings| settings.server.body_timeout = Duration::from_secs(1)).await;
    let address = app.base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /v1/diagnoses HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    );
    // Ten bytes of a thousand, then silence; `exchange` reads until the server closes.
    let answer = exchange(&mut stream, &head, b"{\"connecto").await;
    assert_eq!(answer.status, 408, "{}", answer.text);
    assert!(answer.text.contains("body-timeout"), "{}", answer.text);
}

/// Opens a connection and has one request answered on it, so the server has accepted it.
async fn open_connection(app: &TestApp) -> (TcpStream, u16) {
    let address = app.base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buffer = vec![0; 4096];
    let read = tokio::time::timeout(PROMPT, stream.read(&mut buffer))
        .await
        .expect("an answer in time")
        .unwrap();
    (stream, parse(&buffer[..read]).status)
}

#[tokio::test]
async fn connections_over_the_total_cap_are_answered_503_and_closed() {
    let app = TestApp::spawn(|settings| settings.server.max_connections = 3).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let (stream, status) = open_connection(&app).await;
        assert_eq!(status, 200);
        held.push(stream);
    }
    let over = send(&app, "GET", "/healthz", &[], b"").await;
    assert_eq!(over.status, 503, "{}", over.text);
    assert!(
        over.text.to_ascii_lowercase().contains("retry-after"),
        "{}",
        over.text
    );
    // A closed connection gives its place back (the server notices the close soon, not at once).
    drop(held.pop());
    let deadline = tokio::time::Instant::now() + PROMPT;
    loop {
        let answer = send(&app, "GET", "/healthz", &[], b"").await;
        if answer.status == 200 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the place never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_per_address_cap_is_off_by_default_and_holds_when_set() {
    let open = TestApp::spawn(|_| {}).await;
    let mut held = Vec::new();
    for _ in 0..20 {
        let (stream, status) = open_connection(&open).await;
        assert_eq!(status, 200, "no per-address cap by default");
        held.push(stream);
    }
    let capped =
        TestApp::spawn(|settings| settings.server.max_connections_per_address = Some(2)).await;
    let _first = open_connection(&capped).await;
    let _second = open_connection(&capped).await;
    let third = send(&capped, "GET", "/healthz", &[], b"").await;
    assert_eq!(third.status, 503, "{}", third.text);
    assert!(third.text.contains("client address"), "{}", third.text);
}

#[tokio::test]
async fn validation_errors_name_the_field_and_never_quote_the_value() {
    let app = TestApp::spawn(|_| {}).await;
    let secret = EXAMPLE_SECRET;
    // Malformed on purpose, so written by hand.
    let bodies = [
        // `credentials` as a JSON string: a common client bug.
        json!({"credentials": format!("{{\"access_key_id\": \"{EXAMPLE_KEY_ID}\", \"secret_access_key\": \"{secret}\"}}")}),
        json!({"credentials": {"access_key_id": EXAMPLE_KEY_ID, "secret_access_key": secret}, "connections": [secret]}),
        json!({"credentials": {"access_key_id": EXAMPLE_KEY_ID, "secret_access_key": secret, secret: 1}}),
        json!({"credentials": {"access_key_id": EXAMPLE_KEY_ID, "secret_access_key": secret}, "refresh": secret}),
    ];
    for body in bodies {
        let response = app.diagnose(&body).await;
        assert_eq!(response.status(), 422);
        let problem: Value = response.json().await.unwrap();
        let text = problem.to_string();
        assert!(!text.contains("wJalr"), "the secret is quoted back: {text}");
        let field = problem["errors"][0]["field"].as_str().expect("a field");
        assert!(
            ["credentials", "connections[0]", "refresh"].contains(&field),
            "{field}: {text}"
        );
        assert!(text.contains("expected"), "says what was expected: {text}");
    }
}

#[tokio::test]
async fn two_authorization_headers_are_a_400() {
    let app =
        TestApp::spawn(|settings| settings.security.api_tokens = tokens("acme:acme-token")).await;
    let both = [
        ("Authorization", "Bearer acme-token"),
        ("Authorization", "Bearer other-token"),
    ];
    let answer = send(&app, "GET", "/v1/catalogue", &both, b"").await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    let twice = [
        ("Authorization", "Bearer acme-token"),
        ("Authorization", "Bearer acme-token"),
    ];
    assert_eq!(
        send(&app, "GET", "/v1/catalogue", &twice, b"").await.status,
        400
    );
    let once = [("Authorization", "Bearer acme-token")];
    assert_eq!(
        send(&app, "GET", "/v1/catalogue", &once, b"").await.status,
        200
    );
}

#[tokio::test]
async fn a_header_section_over_16_kib_is_a_431() {
    let app = TestApp::spawn(|_| {}).await;
    let filler = "a".repeat(2000);
    let small: Vec<(String, &str)> = (0..7)
        .map(|i| (format!("X-Filler-{i}"), filler.as_str()))
        .collect();
    let large: Vec<(String, &str)> = (0..9)
        .map(|i| (format!("X-Filler-{i}"), filler.as_str()))
        .collect();
    let as_refs = |headers: &[(String, &str)]| -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| (n.clone(), (*v).to_owned()))
            .collect()
    };
    for (headers, expected) in [(as_refs(&small), 200), (as_refs(&large), 431)] {
        let refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let answer = send(&app, "GET", "/healthz", &refs, b"").await;
        assert_eq!(answer.status, expected, "{}", answer.text);
    }
}

#[tokio::test]
async fn other_charsets_and_any_content_encoding_are_a_415() {
    let app = TestApp::spawn(|_| {}).await;
    let body = serde_json::to_vec(&RequestBody::new().build()).unwrap();
    for headers in [
        vec![("Content-Type", "application/json; charset=iso-8859-1")],
        vec![("Content-Type", "application/json; charset=utf-16")],
        vec![
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
        vec![
            ("Content-Type", "application/json"),
            ("Content-Encoding", "identity"),
        ],
    ] {
        let answer = send(&app, "POST", "/v1/diagnoses", &headers, &body).await;
        assert_eq!(answer.status, 415, "{headers:?}: {}", answer.text);
    }
    let utf8 = [("Content-Type", "application/json; charset=\"UTF-8\"")];
    let answer = send(
        &app,
        "POST",
        "/v1/catalogue/match",
        &utf8,
        br#"{"message": "AccessDenied"}"#,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

/// Reads one HTTP/1.1 answer with a `Content-Length` body from a kept-alive connection.
async fn read_answer(stream: &mut TcpStream) -> (u16, String) {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if bytes.len() >= end + 4 + length {
                return (parse(&bytes).status, text[..end].to_owned());
            }
        }
        let read = tokio::time::timeout(PROMPT, stream.read(&mut buffer))
            .await
            .expect("an answer in time")
            .unwrap();
        assert!(read > 0, "the server closed the connection after: {text}");
        bytes.extend_from_slice(&buffer[..read]);
    }
}

#[tokio::test]
async fn refused_requests_keep_their_connection_for_the_next_request() {
    // A refused POST whose body was not read used to close the connection, so every refusal
    // cost the caller a reconnection, and refusing cost the service more than answering.
    let app =
        TestApp::spawn(|settings| settings.security.api_tokens = tokens("acme:acme-token")).await;
    let address = app.base_url.trim_start_matches("http://").to_owned();
    let body = serde_json::to_string(&RequestBody::new().build()).unwrap();
    let mut stream = TcpStream::connect(&address).await.unwrap();
    for _ in 0..5 {
        let request = format!(
            "POST /v1/diagnoses HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let (status, head) = read_answer(&mut stream).await;
        assert_eq!(status, 401, "{head}");
        assert!(
            !head.to_ascii_lowercase().contains("connection: close"),
            "{head}"
        );
    }
}
