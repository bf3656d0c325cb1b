//! The OpenAPI explorer in a real headless Chromium: it renders the API and fetches nothing
//! from outside the service's origin.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::helpers::TestApp;

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Loads `url` headless; returns the rendered DOM and the browser's network log.
fn load_in_chromium(url: &str) -> (String, Value) {
    let profile = tempfile::tempdir().unwrap();
    let net_log = profile.path().join("netlog.json");
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--virtual-time-budget=15000",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ))
        .arg(format!("--log-net-log={}", net_log.display()))
        .arg(url)
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "chromium ({}) runs: {error}; .ci/run installs it",
                chromium().display()
            )
        });
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log = std::fs::read_to_string(&net_log).expect("chromium wrote its network log");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        serde_json::from_str(&log).expect("the network log is JSON"),
    )
}

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
