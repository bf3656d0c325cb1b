//! Liveness, readiness, request ids and unknown routes.

use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_and_readyz_answer_while_serving() {
    let app = TestApp::spawn(|_| {}).await;

    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    assert_eq!(
        health.json::<serde_json::Value>().await.unwrap()["status"],
        "ok"
    );

    let ready: serde_json::Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready, serde_json::json!({"status": "ready", "cache": "ok"}));
}

#[tokio::test]
async fn a_callers_request_id_is_echoed_and_a_new_one_made_otherwise() {
    let app = TestApp::spawn(|_| {}).await;

    let echoed = app
        .client
        .get(format!("{}/healthz", app.base_url))
        .header("x-request-id", "portal-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "portal-1234");

    let made = app.get("/healthz").await;
    let id = made.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");

    let forged = app
        .client
        .get(format!("{}/healthz", app.base_url))
        .header("x-request-id", "evil\tline")
        .send()
        .await
        .unwrap();
    assert_ne!(forged.headers()["x-request-id"], "evil\tline");
}

#[tokio::test]
async fn unknown_routes_are_404_problems_with_the_request_id() {
    let app = TestApp::spawn(|_| {}).await;

    let response = app.get("/v1/nothing-here").await;

    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["request_id"], id.as_str());
}
