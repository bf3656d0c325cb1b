//! The catalogue and requirements routes.

use connector_doctor::domain::Code;
use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn first_match(app: &TestApp, message: &str) -> Value {
    let response = app
        .client
        .post(format!("{}/v1/catalogue/match", app.base_url))
        .json(&json!({ "message": message }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["matches"][0].clone()
}

#[tokio::test]
async fn the_catalogue_lists_every_contract_code_with_a_resolution() {
    let app = TestApp::spawn(|_| {}).await;
    let body: Value = app.get("/v1/catalogue").await.json().await.unwrap();
    let entries = body["entries"].as_array().unwrap();
    // tests/catalogue.rs holds the contract's list; here, every code is served.
    assert_eq!(entries.len(), Code::ALL.len());
    for code in Code::ALL {
        let entry = entries
            .iter()
            .find(|entry| entry["code"] == code.as_str())
            .unwrap_or_else(|| panic!("{code} is in the catalogue"));
        assert!(!entry["resolution"].as_array().unwrap().is_empty());
        assert!(
            entry.get("message_patterns").is_none(),
            "internal hints stay internal"
        );
    }
}

#[tokio::test]
async fn one_entry_by_code_and_404_for_an_unknown_code() {
    let app = TestApp::spawn(|_| {}).await;
    let entry: Value = app
        .get("/v1/catalogue/SECURITY_HUB_NOT_ENABLED")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["code"], "SECURITY_HUB_NOT_ENABLED");
    assert_eq!(entry["connections"], json!(["security_configuration"]));
    assert!(
        entry["aws_error_codes"]
            .as_array()
            .unwrap()
            .contains(&json!("InvalidAccessException"))
    );

    let missing = app.get("/v1/catalogue/NO_SUCH_CODE").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
}

#[tokio::test]
async fn legacy_and_raw_messages_find_the_right_entry_first() {
    let app = TestApp::spawn(|_| {}).await;
    for (message, code) in [
        ("NullPointerException", "INTERNAL_ERROR"),
        ("Service timeout", "AWS_TIMEOUT"),
        (
            "HttpRequestFailure: Server returned: 500 Internal server error",
            "AWS_SERVICE_ERROR",
        ),
        (
            "botocore.exceptions.ClientError: An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.",
            "CREDENTIALS_INVALID_KEY_ID",
        ),
    ] {
        let best = first_match(&app, message).await;
        assert_eq!(best["code"], code, "{message}");
        assert_eq!(best["entry"]["code"], code);
        assert!(best["score"].as_f64().unwrap() > 0.5);
    }
}

#[tokio::test]
async fn an_opaque_null_pointer_also_lists_likely_causes() {
    let app = TestApp::spawn(|_| {}).await;
    let response = app
        .client
        .post(format!("{}/v1/catalogue/match", app.base_url))
        .json(&json!({"message": "NullPointerException"}))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    let matches = body["matches"].as_array().unwrap();
    assert!(matches.len() >= 2, "{body:#}");
    assert!(matches[1]["score"].as_f64() < matches[0]["score"].as_f64());
}

#[tokio::test]
async fn an_empty_message_is_422() {
    let app = TestApp::spawn(|_| {}).await;
    let response = app
        .client
        .post(format!("{}/v1/catalogue/match", app.base_url))
        .json(&json!({"message": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn requirements_give_actions_policies_and_the_policy_to_paste() {
    let app = TestApp::spawn(|_| {}).await;
    let body: Value = app.get("/v1/requirements").await.json().await.unwrap();
    let auditing = &body["connections"]["security_auditing"];
    let actions = auditing["actions"].as_array().unwrap();
    for action in [
        "cloudtrail:DescribeTrails",
        "s3:PutBucketAcl",
        "iam:ListUsers",
    ] {
        assert!(actions.contains(&json!(action)), "{action}");
    }
    assert_eq!(auditing["policy_document"]["Version"], "2012-10-17");
    assert_eq!(
        body["connections"]["security_configuration"]["managed_policies"],
        json!([
            "arn:aws:iam::aws:policy/SecurityAudit",
            "arn:aws:iam::aws:policy/AWSSecurityHubReadOnlyAccess"
        ])
    );
    assert!(body["connections"]["security_configuration"]["policy_document"].is_null());
}
