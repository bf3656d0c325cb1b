//! `/metrics` on the API port, or on its own listener.

use connector_doctor::config::Settings;
use connector_doctor::startup::Application;

use crate::helpers::{FakeAws, FakeIdentity, RequestBody, TestApp};

#[tokio::test]
async fn a_diagnosis_shows_in_the_metrics_by_route_template() {
    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    let app = TestApp::with_aws(&fake.url()).await;
    let diagnosis = app.diagnosis(&RequestBody::new().build()).await;
    let report = app.get(&format!("/v1/diagnoses/{}", diagnosis.id)).await;
    assert_eq!(report.status(), 200);
    let hit = app.diagnosis(&RequestBody::new().build()).await;
    assert!(hit.cached);

    let text = app.get("/metrics").await.text().await.unwrap();

    for expected in [
        "connector_doctor_http_requests_total{method=\"POST\",route=\"/v1/diagnoses\",status=\"200\"} 2",
        "connector_doctor_http_requests_total{method=\"GET\",route=\"/v1/diagnoses/{id}\",status=\"200\"} 1",
        "connector_doctor_aws_calls_total{operation=\"GetCallerIdentity\",outcome=\"ok\",region=\"us-east-1\",service=\"sts\"} 1",
        "connector_doctor_cache_requests_total{backend=\"memory\",result=\"hit\"} 1",
        "connector_doctor_check_results_total{check=\"identity\",status=\"pass\"} 1",
        "connector_doctor_connector_status{connector_id=\"contoso-prod\",tenant=\"default\"}",
        "connector_doctor_diagnoses_in_flight 0",
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
    assert!(!text.contains("dgn_"), "no raw path becomes a label");
}

#[tokio::test]
async fn a_metrics_listener_takes_metrics_off_the_api_port() {
    let mut settings = Settings::default();
    settings.server.listen = "127.0.0.1:0".parse().unwrap();
    settings.server.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    let application = Application::build(settings).unwrap();
    let api = application.address();
    let metrics = application.metrics_address().expect("a metrics listener");
    let handle = application.handle();
    tokio::spawn(application.run_until_stopped());

    let separate = reqwest::get(format!("http://{metrics}/metrics"))
        .await
        .unwrap();
    assert_eq!(separate.status(), 200);
    assert!(
        separate
            .text()
            .await
            .unwrap()
            .contains("connector_doctor_build_info")
    );
    assert_eq!(
        reqwest::get(format!("http://{api}/metrics"))
            .await
            .unwrap()
            .status(),
        404
    );
    handle.stop(false).await;
}
