//! Fair admission between tenants within one replica: one tenant floods the service with cold
//! diagnoses that each hold a place for seconds (its AWS answers slowly); another tenant's single
//! diagnosis meanwhile is answered within half the deadline, as the README promises, because the
//! flooding tenant runs at most its share of the places and its excess is shed with
//! `Retry-After`, not queued ahead of the other tenant.

use std::time::{Duration, Instant};

use connector_doctor::domain::Secret;
use wiremock::matchers::{body_string_contains, header_regex, method};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::fake_aws::sts_error_body;
use crate::helpers::{EXAMPLE_SECRET, FakeAws, RequestBody, TestApp, generated};

/// Every key of the flooding tenant starts with this: the fake's STS answers them slowly.
const SLOW_PREFIX: &str = "AKIASLOW";

/// How long the fake's STS takes to answer the flooding tenant's keys.
const SLOW_IDENTITY: Duration = Duration::from_secs(5);

const DEADLINE: Duration = Duration::from_secs(16);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_tenants_flood_neither_delays_nor_sheds_another_tenants_diagnosis() {
    let fake = FakeAws::start().await;
    // Each key an account of its own (the per-account AWS budget is shared by design, and not
    // what this tests); the flooding tenant's keys are answered slowly.
    fake.identifies_each_key_as_its_own_account().await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=GetCallerIdentity"))
        .and(header_regex("authorization", &format!("Credential={SLOW_PREFIX}")))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("content-type", "text/xml")
                // A wrong secret: one STS call ends the diagnosis (an unknown key id would ask
                // every partition).
                .set_body_string(sts_error_body(
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided.",
                ))
                .set_delay(SLOW_IDENTITY),
        )
        .with_priority(1)
        .mount(&fake.server)
        .await;
    let url = fake.url();
    let app = TestApp::spawn(move |settings| {
        settings.aws.aws_endpoint_url = Some(url);
        settings.security.api_tokens = Some(Secret::new("flood:flood-token,quiet:quiet-token"));
        settings.security.rate_limit_per_minute = 100_000;
        settings.security.rate_limit_burst = 100_000;
        // Two places to run (one per 8 calls in flight): one per tenant by default.
        settings.probes.max_aws_calls_in_flight = 16;
        settings.probes.diagnosis_deadline = DEADLINE;
        // The slow identity is answered, not timed out, while it holds its place.
        settings.aws.aws_call_timeout = DEADLINE;
    })
    .await;

    let flood: Vec<_> = (0..30)
        .map(|i| {
            let (client, url) = (app.client.clone(), format!("{}/v1/diagnoses", app.base_url));
            let body = RequestBody::new()
                .connector(&format!("flood-{i}"))
                .credentials(&generated(SLOW_PREFIX, 20), EXAMPLE_SECRET)
                .regions(&["us-east-1"])
                .build();
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .bearer_auth("flood-token")
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let retry_after = response.headers().contains_key("retry-after");
                (response.status().as_u16(), retry_after)
            })
        })
        .collect();
    // The flood holds its place at the slow STS before the other tenant asks.
    let deadline = Instant::now() + Duration::from_secs(30);
    while fake.calls_of("GetCallerIdentity").await == 0 {
        assert!(Instant::now() < deadline, "the flood never reached AWS");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let asked = Instant::now();
    let quiet = app
        .diagnose_as(
            Some("quiet-token"),
            &RequestBody::new()
                .connector("quiet")
                .credentials(&generated("AKIAQUIET", 20), EXAMPLE_SECRET)
                .regions(&["us-east-1"])
                .build(),
        )
        .await;
    let waited = asked.elapsed();
    let status = quiet.status();
    assert_eq!(status, 200, "{}", quiet.text().await.unwrap());
    // The README's promise, with the whole other half of the deadline as margin: the flood's
    // diagnoses hold their places for 5 s each, and a line shared in arrival order would have
    // queued this one behind them (or shed it).
    assert!(
        waited < DEADLINE / 2,
        "the other tenant's diagnosis took {waited:?} during the flood"
    );

    let mut shed = 0;
    for answer in flood {
        let (status, retry_after) = answer.await.unwrap();
        match status {
            200 => {}
            503 => {
                assert!(retry_after, "a shed request says when to retry");
                shed += 1;
            }
            other => panic!("the flood got {other}"),
        }
    }
    assert!(shed > 0, "the flooding tenant's excess is shed");
}
