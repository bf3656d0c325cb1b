//! With `RUST_LOG=trace`, the service's whole output over success and failure paths contains
//! no secret key, session token or access key id.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::helpers::FakeAws;
use crate::helpers::fake_aws::{assume_role_body, sts_error_body};
use crate::helpers::process::{ChildGuard, free_port, wait_for_port};

/// A value that exists only in this test run.
fn generated(prefix: &str, len: usize) -> String {
    let mut value = prefix.to_owned();
    while value.len() < len {
        value.push_str(&uuid::Uuid::new_v4().simple().to_string().to_uppercase());
    }
    value.truncate(len);
    value
}

#[tokio::test]
async fn trace_logs_of_every_identity_path_hold_no_secret() {
    let key_id = generated("ASIA", 20);
    let secret = generated("s3cr3t", 40);
    let token = generated("T0KEN", 300);
    let role_key_id = generated("ASIA", 20);
    let role_secret = generated("r0les3cr3t", 40);
    let role_token = generated("R0LET0KEN", 300);

    let fake = FakeAws::start().await;
    fake.identifies_user(Duration::ZERO).await;
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

    let logs = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for endpoint in [fake.url(), failing.url()] {
        let port = free_port();
        let log_path = logs.path().join(format!("{port}.log"));
        let log = std::fs::File::create(&log_path).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_connector-doctor"))
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--aws-endpoint-url",
                &endpoint,
            ])
            .env("RUST_LOG", "trace")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let child = ChildGuard(child);
        wait_for_port(port, Duration::from_secs(20), "connector-doctor");
        let client = reqwest::Client::new();
        let body = json!({
            "credentials": {"access_key_id": key_id, "secret_access_key": secret, "session_token": token},
            "assume_role": {"role_arn": "arn:aws:iam::123456789012:role/mdca", "external_id": "ext-id-1"},
            "regions": ["eu-west-1"]
        });
        let response = client
            .post(format!("http://127.0.0.1:{port}/v1/diagnoses"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        results.push(response.text().await.unwrap());
        child.terminate(Duration::from_secs(10));
        results.push(std::fs::read_to_string(&log_path).unwrap());
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
    use std::io::{Read, Write};

    let port = free_port();
    let logs = tempfile::tempdir().unwrap();
    let log_path = logs.path().join("service.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_connector-doctor"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--log-format",
            "json",
        ])
        .env("RUST_LOG", "info")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let child = ChildGuard(child);
    wait_for_port(port, Duration::from_secs(20), "connector-doctor");
    let garbage: [&[u8]; 4] = [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n",
    ];
    for _ in 0..5 {
        for bytes in garbage {
            let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            stream.write_all(bytes).unwrap();
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
        }
    }
    // The service still serves, then stops and writes out its queued lines.
    let healthy = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    assert_eq!(healthy.status(), 200);
    child.terminate(Duration::from_secs(10));
    let written = std::fs::read_to_string(&log_path).unwrap();
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
