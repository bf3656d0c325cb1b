//! The OpenAPI explorer in a real headless Chromium: it renders the API and fetches nothing
//! from outside the service's origin.

use serde_json::Value;

use crate::helpers::TestApp;
use crate::helpers::chromium::load_in_chromium;

/// URLs the page itself requested: requests whose initiator is the page's origin.
/// (Requests of the browser's own, such as update checks, have no origin as initiator.)
fn page_requests(log: &Value, origin: &str) -> Vec<String> {
    let start_job = &log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"];
    log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| &event["type"] == start_job)
        .filter(|event| event["params"]["initiator"] == origin)
        .filter_map(|event| event["params"]["url"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_explorer_lists_the_diagnoses_operation_and_stays_on_its_origin() {
    let app = TestApp::spawn(|_| {}).await;
    let url = format!("{}/docs/", app.base_url);

    let (dom, log) = tokio::task::spawn_blocking(move || load_in_chromium(&url))
        .await
        .unwrap();

    assert!(dom.contains("swagger-ui"), "Swagger UI rendered");
    assert!(
        dom.contains("/v1/diagnoses"),
        "the diagnoses operation is listed"
    );
    assert!(dom.contains("Run a diagnosis of one AWS connector"));
    let requests = page_requests(&log, &app.base_url);
    assert!(
        requests.iter().any(|url| url.ends_with("/openapi.json")),
        "the page fetched the document: {requests:?}"
    );
    assert!(
        requests.iter().any(|url| url.ends_with(".js")),
        "the page fetched its scripts: {requests:?}"
    );
    let foreign: Vec<_> = requests
        .iter()
        .filter(|url| !url.starts_with(&format!("{}/", app.base_url)))
        .collect();
    assert!(foreign.is_empty(), "requests left the origin: {foreign:?}");
}
