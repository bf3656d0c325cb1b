//! A load run: 200 concurrent cold diagnoses (distinct connectors, each of its own account, as a
//! connector is) against the scripted fake, with the cold-diagnosis bound and the rate limits raised
//! for it. Admission answers each with a
//! diagnosis or, when the line could not answer it in time, a 503 with `Retry-After`; a caller that
//! honours it gets every diagnosis. No timing is asserted.

use std::time::Duration;

use connector_doctor::domain::HealthStatus;

use crate::helpers::app::parse_diagnosis;
use crate::helpers::fake_regions::healthy_account;
use crate::helpers::{EXAMPLE_SECRET, FakeAws, RequestBody, TestApp, generated};

const DIAGNOSES: usize = 200;

/// Requests of one diagnosis at most, each after the Retry-After of the one before.
const ATTEMPTS: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_cold_diagnoses_are_all_answered() {
    let fake = FakeAws::start().await;
    // Each connector's key is an account of its own: the per-account AWS budget is not what this
    // load tests (tests/api/replicas.rs and bench/run section 5 do).
    fake.identifies_each_key_as_its_own_account().await;
    let keys: Vec<String> = (0..DIAGNOSES).map(|_| generated("AKIA", 20)).collect();
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
        let body = RequestBody::new()
            .connector(&format!("load-{i}"))
            .credentials(&keys[i], EXAMPLE_SECRET)
            .build();
        async move {
            // A portal that honours Retry-After, a few times at most.
            for _ in 0..ATTEMPTS {
                let response = match client.post(&url).json(&body).send().await {
                    Ok(response) => response,
                    Err(error) => return (i, 0, error.to_string()),
                };
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
                let text = response.text().await.unwrap_or_default();
                match (status, retry_after) {
                    (503, Some(seconds)) if seconds >= 1 => {
                        tokio::time::sleep(Duration::from_secs(seconds)).await;
                    }
                    _ => return (i, status, text),
                }
            }
            (i, 503, format!("still shed after {ATTEMPTS} attempts"))
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
