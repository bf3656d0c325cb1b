//! A load run: 200 concurrent cold diagnoses (distinct connector ids) against the scripted fake,
//! with the cold-diagnosis bound and the rate limits raised for it: every one answered, none 5xx.
//! No timing is asserted.

use connector_doctor::domain::HealthStatus;

use crate::helpers::app::parse_diagnosis;
use crate::helpers::fake_regions::healthy_account;
use crate::helpers::{FakeAws, RequestBody, TestApp};

const DIAGNOSES: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_cold_diagnoses_are_all_answered() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    let url = fake.url();
    let app = TestApp::spawn(move |settings| {
        settings.aws.aws_endpoint_url = Some(url);
        settings.service.max_cold_diagnoses = 256;
        settings.security.rate_limit_per_minute = 100_000;
        settings.security.rate_limit_burst = 100_000;
    })
    .await;

    let requests = (0..DIAGNOSES).map(|i| {
        let client = app.client.clone();
        let url = format!("{}/v1/diagnoses", app.base_url);
        let body = RequestBody::new().connector(&format!("load-{i}")).build();
        async move {
            let response = client.post(url).json(&body).send().await;
            match response {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let text = response.text().await.unwrap_or_default();
                    (i, status, text)
                }
                Err(error) => (i, 0, error.to_string()),
            }
        }
    });
    let answers = futures::future::join_all(requests).await;

    let failures: Vec<String> = answers
        .iter()
        .filter(|(_, status, _)| *status != 200)
        .map(|(i, status, text)| format!("load-{i}: {status} {text}"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {DIAGNOSES} not answered 200:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let mut ids = std::collections::HashSet::new();
    for (i, _, text) in &answers {
        let diagnosis = parse_diagnosis(text);
        assert_eq!(
            diagnosis.connector_id.as_deref(),
            Some(format!("load-{i}").as_str())
        );
        assert!(!diagnosis.cached, "cold");
        // Not asserted "healthy": a check may hit the deadline on a loaded machine.
        assert!(
            [HealthStatus::Healthy, HealthStatus::Degraded].contains(&diagnosis.status),
            "{diagnosis:#?}"
        );
        ids.insert(diagnosis.id);
    }
    assert_eq!(ids.len(), DIAGNOSES, "each its own diagnosis");
}
