//! The committed OpenAPI document is the one the code generates and serves.
//!
//! After changing routes or schemas, regenerate it with
//! `UPDATE_OPENAPI=1 cargo test --test api openapi` and commit `openapi/openapi.json`.

use crate::helpers::TestApp;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");

fn generated() -> String {
    let document = connector_doctor::api::openapi_document();
    format!(
        "{}\n",
        document.to_pretty_json().expect("the document serializes")
    )
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = generated();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &generated).expect("openapi/openapi.json is writable");
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json differs from the code: run `UPDATE_OPENAPI=1 cargo test --test api openapi` and commit it"
    );
}

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let app = TestApp::spawn(|_| {}).await;
    let served: serde_json::Value = app.get("/openapi.json").await.json().await.unwrap();
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(COMMITTED).unwrap()).unwrap();
    assert!(
        served == committed,
        "the served document differs from openapi/openapi.json"
    );
    for path in ["/v1/diagnoses", "/healthz", "/readyz"] {
        assert!(served["paths"][path].is_object(), "{path} is documented");
    }
}
