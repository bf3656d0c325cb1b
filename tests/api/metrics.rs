//! `/metrics` on the API port, or on its own listener: always its own with caller tokens, where
//! the API port answers 404, and behind `--metrics-token` when one is set.

use std::net::{SocketAddr, TcpListener};

use connector_doctor::api::DEFAULT_METRICS_LISTEN;
use connector_doctor::config::Settings;
use connector_doctor::domain::Secret;
use connector_doctor::startup::{Application, StartupError};

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

/// The settings of an app with caller tokens on port 0, metrics where the defaults put them.
fn with_tokens(aws: &str) -> Settings {
    let mut settings = Settings::default();
    settings.server.listen = "127.0.0.1:0".parse().unwrap();
    settings.aws.aws_endpoint_url = Some(aws.to_owned());
    settings.security.api_tokens = Some(Secret::new("acme:acme-token"));
    settings
}

/// With caller tokens and no `--metrics-listen`, metrics go to 127.0.0.1:9464, and start-up
/// fails, naming the flag, when that address is taken. The test holds the port itself first (or
/// finds it held by another process: the same failure), then frees it.
#[tokio::test]
async fn with_tokens_metrics_leave_the_api_port_for_loopback_9464_or_start_up_fails() {
    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    let blocker = TcpListener::bind(DEFAULT_METRICS_LISTEN);
    match Application::build(with_tokens(&fake.url())) {
        Err(error @ StartupError::MetricsBind { .. }) => {
            let text = error.to_string();
            assert!(
                text.contains("--metrics-listen") && text.contains("127.0.0.1:9464"),
                "{text}"
            );
        }
        Err(other) => panic!("refused for the wrong reason: {other}"),
        Ok(_) => panic!("started with the default metrics address taken"),
    }
    let Ok(blocker) = blocker else {
        // Another process holds the port: the failure above is all this machine allows.
        return;
    };
    drop(blocker);

    let application = Application::build(with_tokens(&fake.url())).expect("the port is free");
    assert_eq!(application.metrics_address(), Some(DEFAULT_METRICS_LISTEN));
    let api = application.address();
    let handle = application.handle();
    tokio::spawn(application.run_until_stopped());
    let client = reqwest::Client::new();
    let diagnosed = client
        .post(format!("http://{api}/v1/diagnoses"))
        .bearer_auth("acme-token")
        .json(&RequestBody::new().build())
        .send()
        .await
        .unwrap();
    assert_eq!(diagnosed.status(), 200);

    for token in [None, Some("acme-token")] {
        let mut request = client.get(format!("http://{api}/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), 404, "token {token:?}");
        assert!(!answer.text().await.unwrap().contains("contoso-prod"));
    }
    let metrics = reqwest::get(format!("http://{DEFAULT_METRICS_LISTEN}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "connector_doctor_connector_status{connector_id=\"contoso-prod\",tenant=\"acme\"}"
        ),
        "{metrics}"
    );
    handle.stop(false).await;
}

#[tokio::test]
async fn a_metrics_token_is_required_where_one_is_set() {
    let mut settings = Settings::default();
    settings.server.listen = "127.0.0.1:0".parse().unwrap();
    settings.server.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    settings.server.metrics_token = Some(Secret::new("scrape-token"));
    let application = Application::build(settings).unwrap();
    let metrics: SocketAddr = application.metrics_address().expect("a metrics listener");
    let handle = application.handle();
    tokio::spawn(application.run_until_stopped());

    let client = reqwest::Client::new();
    let url = format!("http://{metrics}/metrics");
    assert_eq!(client.get(&url).send().await.unwrap().status(), 401);
    let wrong = client.get(&url).bearer_auth("scrape-tokens").send().await;
    assert_eq!(wrong.unwrap().status(), 401);
    let right = client
        .get(&url)
        .bearer_auth("scrape-token")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("connector_doctor_build_info")
    );
    handle.stop(false).await;
}
