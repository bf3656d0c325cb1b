//! The real application on port 0, driven over HTTP.

use connector_doctor::config::Settings;
use connector_doctor::startup::Application;
use serde_json::Value;

/// A running app and an HTTP client for it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// A plain HTTP client.
    pub client: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    /// Starts the app with the defaults changed by `adjust`.
    pub async fn spawn(adjust: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = Settings::default();
        settings.server.listen = "127.0.0.1:0".parse().expect("address");
        adjust(&mut settings);
        let application = Application::build(settings).expect("the app builds");
        let base_url = format!("http://{}", application.address());
        let handle = application.handle();
        tokio::spawn(application.run_until_stopped());
        Self {
            base_url,
            client: reqwest::Client::new(),
            handle,
        }
    }

    /// Starts the app sending every AWS call to `endpoint`.
    pub async fn with_aws(endpoint: &str) -> Self {
        let endpoint = endpoint.to_owned();
        Self::spawn(|settings| settings.aws.aws_endpoint_url = Some(endpoint)).await
    }

    /// `POST /v1/diagnoses` with a JSON body.
    pub async fn diagnose(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(format!("{}/v1/diagnoses", self.base_url))
            .json(body)
            .send()
            .await
            .expect("the request is answered")
    }

    /// `POST /v1/diagnoses` expecting 200, returning the Diagnosis.
    pub async fn diagnosis(&self, body: &Value) -> Value {
        let response = self.diagnose(body).await;
        let status = response.status();
        let text = response.text().await.expect("a body");
        assert_eq!(status, 200, "diagnosis failed: {text}");
        serde_json::from_str(&text).expect("a JSON diagnosis")
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

/// The check with this id in a Diagnosis.
pub fn check<'a>(diagnosis: &'a Value, id: &str) -> &'a Value {
    diagnosis["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|check| check["id"] == id))
        .unwrap_or_else(|| panic!("no check {id} in {diagnosis:#}"))
}

/// The finding codes of a Diagnosis.
pub fn finding_codes(diagnosis: &Value) -> Vec<String> {
    diagnosis["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .filter_map(|finding| finding["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The findings of a Diagnosis with this code.
pub fn findings_of<'a>(diagnosis: &'a Value, code: &str) -> Vec<&'a Value> {
    diagnosis["findings"]
        .as_array()
        .map(|findings| findings.iter().filter(|f| f["code"] == code).collect())
        .unwrap_or_default()
}
