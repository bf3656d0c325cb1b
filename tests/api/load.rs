//! A load run: 200 concurrent cold diagnoses (distinct connector ids) against the scripted fake,
//! with the cold-diagnosis bound and the rate limits raised for it: every one answered, none 5xx.
//! No timing is asserted.

use serde_json::{Value, json};

use crate::helpers::fake_regions::healthy_account;
use crate::helpers::{EXAMPLE_KEY_ID, EXAMPLE_SECRET, FakeAws, TestApp};

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
        let body = json!({
            "connector_id": format!("load-{i}"),
            "credentials": {"access_key_id": EXAMPLE_KEY_ID, "secret_access_key": EXAMPLE_SECRET},
            "regions": ["eu-west-1"],
        });
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
        let diagnosis: Value = serde_json::from_str(text).unwrap();
        assert_eq!(diagnosis["connector_id"], format!("load-{i}"));
        assert_eq!(diagnosis["cached"], false, "cold");
        // Not asserted "healthy": a check may hit the deadline on a loaded machine.
        assert!(
            ["healthy", "degraded"].contains(&diagnosis["status"].as_str().unwrap()),
            "{diagnosis:#}"
        );
        ids.insert(diagnosis["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), DIAGNOSES, "each its own diagnosis");
}
