//! With `RUST_LOG=trace`, the service's whole output over success and failure paths contains
//! no secret key, session token or access key id.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::binary::Binary;
use crate::helpers::fake_aws::{assume_role_body, sts_error_body};
use crate::helpers::{FakeAws, FakeIdentity, RequestBody, generated};

#[tokio::test]
async fn trace_logs_of_every_identity_path_hold_no_secret() {
    let key_id = generated("ASIA", 20);
    let secret = generated("s3cr3t", 40);
    let token = generated("T0KEN", 300);
    let role_key_id = generated("ASIA", 20);
    let role_secret = generated("r0les3cr3t", 40);
    let role_token = generated("R0LET0KEN", 300);

    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    fake.on_action(
        "AssumeRole",
        200,
        assume_role_body(&role_key_id, &role_secret, &role_token),
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
            .credentials(&key_id, &secret)
            .session_token(&token)
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
    for (name, value) in [
        ("secret key", &secret),
        ("session token", &token),
        ("access key id", &key_id),
        ("role secret key", &role_secret),
        ("role session token", &role_token),
        ("role access key id", &role_key_id),
    ] {
        assert!(!everything.contains(value.as_str()), "the {name} leaked");
    }
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
