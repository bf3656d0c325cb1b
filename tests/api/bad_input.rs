//! Bad input is never a 500: 400, 413, 415 and 422 problems with precise fields.

use serde_json::{Value, json};

use crate::helpers::{EXAMPLE_KEY_ID, EXAMPLE_SECRET, RequestBody, TestApp};

async fn post_raw(app: &TestApp, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(format!("{}/v1/diagnoses", app.base_url))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert_eq!(body["request_id"], id.as_str());
    body
}

/// Posts `body` and returns the fields named by the 422's errors.
async fn invalid_fields(app: &TestApp, body: Value) -> Vec<String> {
    let body = problem(app.diagnose(&body).await, 422).await;
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| {
            assert!(!error["message"].as_str().unwrap().is_empty());
            error["field"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn(|_| {}).await;
    let body = problem(
        post_raw(&app, "application/json", b"{\"credentials\": ".to_vec()).await,
        400,
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("Invalid JSON"));
    // A complete request followed by anything else is not one JSON document either.
    let mut trailing = serde_json::to_vec(&RequestBody::new().build()).unwrap();
    trailing.extend_from_slice(b" {}");
    problem(post_raw(&app, "application/json", trailing).await, 400).await;
}

#[tokio::test]
async fn a_repeated_field_is_422_on_that_field() {
    let app = TestApp::spawn(|_| {}).await;
    // A JSON object may not name a field twice here: which of the two would count is ambiguous.
    let text = serde_json::to_string(&RequestBody::new().build()).unwrap();
    let repeated = text.replacen('{', r#"{"regions": ["us-east-1"], "#, 1);
    assert_eq!(repeated.matches("\"regions\"").count(), 2, "{repeated}");
    let body = problem(
        post_raw(&app, "application/json", repeated.into_bytes()).await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "regions");
}

#[tokio::test]
async fn a_body_over_64_kib_is_413() {
    let app = TestApp::spawn(|_| {}).await;
    let big = RequestBody::new().connector(&"x".repeat(70 * 1024)).build();
    problem(
        post_raw(&app, "application/json", serde_json::to_vec(&big).unwrap()).await,
        413,
    )
    .await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::spawn(|_| {}).await;
    let body = serde_json::to_vec(&RequestBody::new().build()).unwrap();
    problem(post_raw(&app, "text/plain", body).await, 415).await;
}

#[tokio::test]
async fn a_malformed_key_id_is_422_on_that_field() {
    let app = TestApp::spawn(|_| {}).await;
    let body = RequestBody::new()
        .credentials("AKIA-not-a-key", EXAMPLE_SECRET)
        .build();
    assert_eq!(
        invalid_fields(&app, body).await,
        ["credentials.access_key_id"]
    );
}

#[tokio::test]
async fn a_missing_secret_is_422_on_that_field() {
    let app = TestApp::spawn(|_| {}).await;
    let mut body = RequestBody::new().build();
    body["credentials"]
        .as_object_mut()
        .unwrap()
        .remove("secret_access_key");
    assert_eq!(
        invalid_fields(&app, body).await,
        ["credentials.secret_access_key"]
    );
    let empty = RequestBody::new().credentials(EXAMPLE_KEY_ID, "").build();
    assert_eq!(
        invalid_fields(&app, empty).await,
        ["credentials.secret_access_key"]
    );
}

#[tokio::test]
async fn a_temporary_key_without_session_token_is_422() {
    let app = TestApp::spawn(|_| {}).await;
    let body = RequestBody::new()
        .credentials("ASIAIOSFODNN7EXAMPLE", EXAMPLE_SECRET)
        .build();
    assert_eq!(
        invalid_fields(&app, body).await,
        ["credentials.session_token"]
    );
}

#[tokio::test]
async fn unknown_and_malformed_regions_are_422_on_their_index() {
    let app = TestApp::spawn(|_| {}).await;
    let body = RequestBody::new()
        .regions(&["eu-west-1", "us-east-1.attacker.example", "mars-north-1"])
        .build();
    assert_eq!(
        invalid_fields(&app, body).await,
        ["regions[1]", "regions[2]"]
    );
}

#[tokio::test]
async fn a_bad_connector_id_is_422() {
    let app = TestApp::spawn(|_| {}).await;
    let body = RequestBody::new().connector("contoso prod/1").build();
    assert_eq!(invalid_fields(&app, body).await, ["connector_id"]);
}

#[tokio::test]
async fn an_expected_account_id_that_is_not_12_digits_is_422() {
    let app = TestApp::spawn(|_| {}).await;
    for bad in [
        json!("12345678901"),
        json!("1234-5678-9012"),
        json!(123456789012_u64),
    ] {
        let mut body = RequestBody::new().build();
        body["expected_account_id"] = bad.clone();
        assert_eq!(
            invalid_fields(&app, body).await,
            ["expected_account_id"],
            "{bad}"
        );
    }
}

#[tokio::test]
async fn an_unknown_connection_is_422() {
    let app = TestApp::spawn(|_| {}).await;
    let mut body = RequestBody::new().build();
    body["connections"] = json!(["security_auditing", "billing"]);
    assert_eq!(invalid_fields(&app, body).await, ["connections[1]"]);
}

#[tokio::test]
async fn unknown_fields_are_422_naming_the_object_that_has_them() {
    // The caller's unknown name is not echoed (a client bug can put a secret there); the
    // error names the object that has it, and the message lists the fields it takes.
    let app = TestApp::spawn(|_| {}).await;
    let mut body = RequestBody::new().build();
    body["credentials"]["region"] = "eu-west-1".into();
    assert_eq!(invalid_fields(&app, body).await, ["credentials"]);
    let mut top = RequestBody::new().build();
    top["endpoint_url"] = "http://attacker.example".into();
    assert_eq!(invalid_fields(&app, top).await, [""]);
}

#[tokio::test]
async fn several_invalid_fields_are_reported_together() {
    let app = TestApp::spawn(|_| {}).await;
    let body = RequestBody::new()
        .connector("")
        .credentials("nope", EXAMPLE_SECRET)
        .regions(&["nowhere-1"])
        .build();
    assert_eq!(
        invalid_fields(&app, body).await,
        ["connector_id", "credentials.access_key_id", "regions[0]"]
    );
}
