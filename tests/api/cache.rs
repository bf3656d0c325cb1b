//! The diagnosis cache, reports and history: the same behaviour on the in-memory backend and on
//! a private redis-server; Redis-only: two replicas sharing one run, outages, and no secret stored.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use connector_doctor::config::Settings;
use connector_doctor::domain::{Code, Connection, Diagnosis, HealthStatus, Secret};
use serde_json::{Value, json};

use crate::helpers::fake_aws::sts_error_body;
use crate::helpers::redis::RedisServer;
use crate::helpers::{EXAMPLE_KEY_ID, EXAMPLE_SECRET, FakeAws, FakeIdentity, RequestBody, TestApp};

/// Where the app under test caches.
#[derive(Clone, Copy)]
enum Kind<'a> {
    Memory,
    Redis(&'a RedisServer),
}

async fn app(kind: Kind<'_>, fake: &FakeAws, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let url = fake.url();
    let redis = match kind {
        Kind::Memory => None,
        Kind::Redis(server) => Some(Secret::new(server.url())),
    };
    TestApp::spawn(move |settings| {
        settings.aws.aws_endpoint_url = Some(url);
        settings.cache.redis_url = redis;
        settings.cache.cache_key_secret = Some(Secret::new("test-cache-key-secret"));
        adjust(settings);
    })
    .await
}

/// The request of these tests: the regional probes are left out by asking for the auditing
/// connection in one region with no trail API scripted (their errors are findings like any other).
fn request(connector: &str, region: &str) -> RequestBody {
    RequestBody::new()
        .connector(connector)
        .connections(&[Connection::SecurityAuditing])
        .regions(&[region])
}

fn body(connector: &str, region: &str) -> Value {
    request(connector, region).build()
}

async fn miss_then_hit(kind: Kind<'_>) {
    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    let app = app(kind, &fake, |_| {}).await;

    let first = app.diagnosis(&body("contoso", "eu-west-1")).await;
    let second = app.diagnosis(&body("contoso", "eu-west-1")).await;

    assert!(!first.cached);
    assert!(second.cached);
    // The hit is the stored diagnosis itself, apart from `cached`.
    assert_eq!(
        Diagnosis {
            cached: false,
            ..second
        },
        first
    );
    assert_eq!(
        fake.calls_of("GetCallerIdentity").await,
        1,
        "the hit made no AWS call"
    );

    let stored: Diagnosis = app
        .get(&format!("/v1/diagnoses/{}", first.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored.id, first.id);
    assert_eq!(stored.checked_at, first.checked_at);
    let unknown = "/v1/diagnoses/dgn_00000000000000000000000000000000";
    assert_eq!(app.get(unknown).await.status(), 404);

    // Another account expected is another answer, never the one stored for the first.
    let mut expecting = body("contoso", "eu-west-1");
    expecting["expected_account_id"] = "111122223333".into();
    let other = app.diagnosis(&expecting).await;
    assert!(!other.cached);
    assert!(
        other
            .findings
            .iter()
            .any(|finding| finding.code == Code::CredentialsWrongAccount),
        "{other:#?}"
    );
}

/// The lifetime of an unhealthy diagnosis in [`ttl_follows_the_outcome`]: the margin a loaded
/// machine has to ask again before the entry expires.
const UNHEALTHY_TTL: Duration = Duration::from_secs(5);

async fn ttl_follows_the_outcome(kind: Kind<'_>) {
    let fake = FakeAws::start().await;
    fake.on_action(
        "GetCallerIdentity",
        403,
        sts_error_body("InvalidClientTokenId", "invalid"),
    )
    .await;
    let app = app(kind, &fake, |settings| {
        settings.service.cache_ttl_unhealthy = UNHEALTHY_TTL;
        settings.service.cache_ttl_healthy = Duration::from_secs(600);
    })
    .await;

    let unhealthy = app.diagnosis(&body("contoso", "eu-west-1")).await;
    assert_eq!(unhealthy.status, HealthStatus::Unhealthy);
    let expires_at = unhealthy.expires_at.expect("a served diagnosis expires");
    assert_eq!(
        expires_at - unhealthy.checked_at,
        TimeDelta::from_std(UNHEALTHY_TTL).unwrap(),
        "an unhealthy diagnosis lives for the unhealthy TTL, not the healthy one"
    );
    let again = app.diagnosis(&body("contoso", "eu-west-1")).await;
    assert!(
        again.cached,
        "within its TTL (asked {} before it expired)",
        expires_at - Utc::now()
    );
    assert_eq!(again.id, unhealthy.id);

    // Ask until the entry is gone rather than sleeping a fixed time: each hit must still be the
    // same diagnosis, and the first miss comes once the TTL has run out.
    let give_up = expires_at + TimeDelta::seconds(30);
    let expired = loop {
        let answer = app.diagnosis(&body("contoso", "eu-west-1")).await;
        if !answer.cached {
            break answer;
        }
        assert_eq!(answer.id, unhealthy.id);
        assert!(
            Utc::now() < give_up,
            "still served from the cache 30 s after it expired at {}",
            expires_at
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Redis keeps the lifetime in whole milliseconds: allow for the truncation.
    assert!(
        expired.checked_at >= expires_at - TimeDelta::milliseconds(5),
        "run again at {}, before the entry expired at {}",
        expired.checked_at,
        expires_at
    );
    assert_ne!(expired.id, unhealthy.id);
    // Two diagnoses of an unknown key, each asking the STS of all three partitions.
    assert_eq!(fake.calls_of("GetCallerIdentity").await, 2 * 3);
}

async fn refresh_bypasses_at_most_once_per_floor(kind: Kind<'_>) {
    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    let app = app(kind, &fake, |settings| {
        settings.service.refresh_floor = Duration::from_secs(60)
    })
    .await;

    let first = app.diagnosis(&body("contoso", "eu-west-1")).await;
    let refresh = request("contoso", "eu-west-1").refresh().build();
    let refreshed = app.diagnosis(&refresh).await;
    let floored = app.diagnosis(&refresh).await;

    assert!(!refreshed.cached);
    assert_ne!(refreshed.id, first.id);
    assert!(
        floored.cached,
        "a second refresh within the floor is served from the cache"
    );
    assert_eq!(floored.id, refreshed.id);
    assert_eq!(fake.calls_of("GetCallerIdentity").await, 2);
}

async fn history_is_newest_first_capped_and_without_hits(kind: Kind<'_>) {
    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    let app = app(kind, &fake, |settings| settings.cache.history_size = 3).await;

    let mut ids = Vec::new();
    for region in ["us-east-1", "us-east-2", "us-west-1", "us-west-2"] {
        let diagnosis = app.diagnosis(&body("contoso", region)).await;
        ids.push(diagnosis.id);
    }
    app.diagnosis(&body("contoso", "us-west-2")).await; // a hit: not added again
    app.diagnosis(&body("other", "us-east-1")).await; // another connector

    let history: Value = app
        .get("/v1/connectors/contoso/history")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["connector_id"], "contoso");
    let listed: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[3].as_str(), ids[2].as_str(), ids[1].as_str()]);
    // The history's own wire shape: every item lists its finding codes.
    assert!(history["items"][0]["finding_codes"].is_array());
    let empty: Value = app
        .get("/v1/connectors/nobody/history")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(empty["items"], json!([]));
}

#[tokio::test]
async fn memory_miss_then_hit() {
    miss_then_hit(Kind::Memory).await;
}

#[tokio::test]
async fn memory_ttl_follows_the_outcome() {
    ttl_follows_the_outcome(Kind::Memory).await;
}

#[tokio::test]
async fn memory_refresh_bypasses_at_most_once_per_floor() {
    refresh_bypasses_at_most_once_per_floor(Kind::Memory).await;
}

#[tokio::test]
async fn memory_history() {
    history_is_newest_first_capped_and_without_hits(Kind::Memory).await;
}

#[tokio::test]
async fn redis_miss_then_hit() {
    let redis = RedisServer::start().await;
    miss_then_hit(Kind::Redis(&redis)).await;
}

#[tokio::test]
async fn redis_ttl_follows_the_outcome() {
    let redis = RedisServer::start().await;
    ttl_follows_the_outcome(Kind::Redis(&redis)).await;
}

#[tokio::test]
async fn redis_refresh_bypasses_at_most_once_per_floor() {
    let redis = RedisServer::start().await;
    refresh_bypasses_at_most_once_per_floor(Kind::Redis(&redis)).await;
}

#[tokio::test]
async fn redis_history() {
    let redis = RedisServer::start().await;
    history_is_newest_first_capped_and_without_hits(Kind::Redis(&redis)).await;
}

#[tokio::test]
async fn two_replicas_sharing_redis_run_one_diagnosis_for_twenty_identical_requests() {
    let redis = RedisServer::start().await;
    let fake = FakeAws::identifying(FakeIdentity::user().after(Duration::from_millis(500))).await;
    let first = app(Kind::Redis(&redis), &fake, |_| {}).await;
    let second = app(Kind::Redis(&redis), &fake, |_| {}).await;

    let request = body("contoso", "eu-west-1");
    let answers = futures::future::join_all((0..20).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        app.diagnosis(&request)
    }))
    .await;

    assert_eq!(fake.calls_of("GetCallerIdentity").await, 1);
    let id = &answers[0].id;
    assert!(
        answers.iter().all(|answer| &answer.id == id),
        "all share one diagnosis"
    );
}

#[tokio::test]
async fn a_redis_outage_degrades_caching_without_failing_a_diagnosis() {
    let mut redis = RedisServer::start().await;
    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    let app = app(Kind::Redis(&redis), &fake, |_| {}).await;
    app.diagnosis(&body("contoso", "eu-west-1")).await;

    redis.stop();
    for _ in 0..3 {
        let diagnosis = app.diagnosis(&body("contoso", "eu-west-1")).await;
        assert!(!diagnosis.cached, "answered uncached");
    }
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<Value>().await.unwrap(),
        json!({"status": "ready", "cache": "degraded"})
    );

    redis.restart().await;
    let fresh = app.diagnosis(&body("contoso", "eu-west-1")).await;
    let hit = app.diagnosis(&body("contoso", "eu-west-1")).await;
    assert!(hit.cached, "caching resumed by itself");
    assert_eq!(hit.id, fresh.id);
    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["cache"], "ok");
}

#[tokio::test]
async fn nothing_in_redis_reveals_a_secret_or_key_id() {
    let redis = RedisServer::start().await;
    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    let app = app(Kind::Redis(&redis), &fake, |_| {}).await;
    let token = format!("T0KEN{}", uuid::Uuid::new_v4().simple());
    let temporary_key = "ASIAIOSFODNN7EXAMPLE";
    for (connector, region) in [("contoso", "eu-west-1"), ("fabrikam", "us-east-1")] {
        let temporary = request(connector, region)
            .credentials(temporary_key, EXAMPLE_SECRET)
            .session_token(&token);
        app.diagnosis(&temporary.build()).await;
        app.diagnosis(&body(connector, region)).await;
    }

    let dump = redis.dump().await;
    assert!(dump.len() >= 6, "entries were written: {dump:?}");
    for (key, value) in &dump {
        for secret in [
            EXAMPLE_SECRET,
            EXAMPLE_KEY_ID,
            temporary_key,
            token.as_str(),
        ] {
            assert!(
                !key.contains(secret) && !value.contains(secret),
                "{key} holds a secret"
            );
        }
        assert!(key.starts_with("connector-doctor:"), "{key}");
    }
}
