//! The real application on port 0, driven over HTTP.

use connector_doctor::config::Settings;
use connector_doctor::domain::{
    Check, CheckId, Code, Connection, ConnectionReport, Diagnosis, Finding, PermissionVerdict,
    RegionStatus,
};
use connector_doctor::startup::Application;
use serde_json::Value;

/// A running app and an HTTP client for it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// `http://127.0.0.1:<port>` of the metrics listener, when metrics have one.
    pub metrics_url: Option<String>,
    /// A plain HTTP client.
    pub client: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    /// Starts the app with the defaults changed by `adjust`. With caller tokens the metrics
    /// listener would default to 127.0.0.1:9464, which tests running at once would share: unless
    /// `adjust` names one, it gets a port of its own.
    pub async fn spawn(adjust: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = Settings::default();
        settings.server.listen = "127.0.0.1:0".parse().expect("address");
        adjust(&mut settings);
        let tokens =
            settings.security.api_tokens.is_some() || settings.security.api_tokens_file.is_some();
        if tokens && settings.server.metrics_listen.is_none() {
            settings.server.metrics_listen = Some("127.0.0.1:0".parse().expect("address"));
        }
        let application = Application::build(settings).expect("the app builds");
        let base_url = format!("http://{}", application.address());
        let metrics_url = application
            .metrics_address()
            .map(|address| format!("http://{address}"));
        let handle = application.handle();
        tokio::spawn(application.run_until_stopped());
        Self {
            base_url,
            metrics_url,
            client: reqwest::Client::new(),
            handle,
        }
    }

    /// The metrics exposition, from wherever the app serves it.
    pub async fn metrics(&self) -> String {
        let base = self.metrics_url.as_ref().unwrap_or(&self.base_url);
        let response = self
            .client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .expect("the metrics are answered");
        assert_eq!(response.status(), 200, "GET {base}/metrics");
        response.text().await.expect("a body")
    }

    /// Starts the app sending every AWS call to `endpoint`.
    pub async fn with_aws(endpoint: &str) -> Self {
        let endpoint = endpoint.to_owned();
        Self::spawn(|settings| settings.aws.aws_endpoint_url = Some(endpoint)).await
    }

    /// `POST /v1/diagnoses` with a JSON body.
    pub async fn diagnose(&self, body: &Value) -> reqwest::Response {
        self.diagnose_as(None, body).await
    }

    /// `POST /v1/diagnoses` with a JSON body and, when given, a bearer token.
    pub async fn diagnose_as(&self, token: Option<&str>, body: &Value) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}/v1/diagnoses", self.base_url))
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the request is answered")
    }

    /// `POST /v1/diagnoses` expecting 200, returning the Diagnosis.
    pub async fn diagnosis(&self, body: &Value) -> Diagnosis {
        let response = self.diagnose(body).await;
        let status = response.status();
        let text = response.text().await.expect("a body");
        assert_eq!(status, 200, "diagnosis failed: {text}");
        parse_diagnosis(&text)
    }

    /// `GET` a path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.base_url, path))
            .send()
            .await
            .expect("the request is answered")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop without waiting; the runtime of the test is going away anyway.
        drop(self.handle.stop(false));
    }
}

/// A Diagnosis from its JSON text; panics with the text if it is not one.
pub fn parse_diagnosis(text: &str) -> Diagnosis {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("not a Diagnosis ({error}): {text}"))
}

/// The check with this id (the first, for a per-region check).
pub fn check(diagnosis: &Diagnosis, id: CheckId) -> &Check {
    diagnosis
        .checks
        .iter()
        .find(|check| check.id == id)
        .unwrap_or_else(|| panic!("no check {id:?} in {diagnosis:#?}"))
}

/// The per-region check with this id in `region`.
pub fn regional_check<'a>(diagnosis: &'a Diagnosis, id: CheckId, region: &str) -> &'a Check {
    diagnosis
        .checks
        .iter()
        .find(|check| check.id == id && check.region.as_deref() == Some(region))
        .unwrap_or_else(|| panic!("no check {id:?} in {region} in {diagnosis:#?}"))
}

/// The finding codes of a Diagnosis, in order.
pub fn finding_codes(diagnosis: &Diagnosis) -> Vec<Code> {
    diagnosis
        .findings
        .iter()
        .map(|finding| finding.code)
        .collect()
}

/// Whether a Diagnosis has a finding with this code.
pub fn has_finding(diagnosis: &Diagnosis, code: Code) -> bool {
    diagnosis
        .findings
        .iter()
        .any(|finding| finding.code == code)
}

/// The findings of a Diagnosis with this code.
pub fn findings_of(diagnosis: &Diagnosis, code: Code) -> Vec<&Finding> {
    diagnosis
        .findings
        .iter()
        .filter(|finding| finding.code == code)
        .collect()
}

/// The finding with this code; panics unless there is exactly one.
pub fn finding(diagnosis: &Diagnosis, code: Code) -> &Finding {
    match findings_of(diagnosis, code).as_slice() {
        [one] => one,
        other => panic!(
            "{} findings {code} (one expected) in {diagnosis:#?}",
            other.len()
        ),
    }
}

/// The verdict on `action`.
pub fn verdict<'a>(diagnosis: &'a Diagnosis, action: &str) -> &'a PermissionVerdict {
    diagnosis
        .permissions
        .iter()
        .find(|verdict| verdict.action == action)
        .unwrap_or_else(|| panic!("no verdict on {action} in {diagnosis:#?}"))
}

/// The state of every service in `region`.
pub fn region<'a>(diagnosis: &'a Diagnosis, region: &str) -> &'a RegionStatus {
    diagnosis
        .regions
        .get(region)
        .unwrap_or_else(|| panic!("no region {region} in {diagnosis:#?}"))
}

/// The report on one requested connection.
pub fn connection(diagnosis: &Diagnosis, connection: Connection) -> &ConnectionReport {
    diagnosis
        .connections
        .get(&connection)
        .unwrap_or_else(|| panic!("no connection {connection:?} in {diagnosis:#?}"))
}
