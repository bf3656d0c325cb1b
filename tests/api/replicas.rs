//! Three service processes sharing one redis-server behind HAProxy, as the Helm chart runs them
//! behind one Service: one cold diagnosis per connector across the replicas (counted at the fake
//! AWS by each connector's own key), the same answer from every replica; a replica killed with
//! SIGKILL in the middle of its diagnoses loses no request sent through the balancer; Redis
//! restarted under load gives no error answer, and caching resumes.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use connector_doctor::domain::{Diagnosis, HealthStatus};

use crate::helpers::app::parse_diagnosis;
use crate::helpers::binary::Binary;
use crate::helpers::fake_regions::healthy_account;
use crate::helpers::haproxy::Haproxy;
use crate::helpers::redis::RedisServer;
use crate::helpers::{EXAMPLE_SECRET, FakeAws, FakeIdentity, RequestBody, generated};

/// A connector of its own key, checked in one region (the diagnoses are the same work in each).
struct Connector {
    name: String,
    key_id: String,
}

impl Connector {
    fn new(i: usize) -> Self {
        Self {
            name: format!("replica-{i}"),
            key_id: generated("AKIA", 20),
        }
    }

    fn request(&self) -> serde_json::Value {
        RequestBody::new()
            .connector(&self.name)
            .credentials(&self.key_id, EXAMPLE_SECRET)
            .regions(&["us-east-1"])
            .build()
    }
}

/// The fake AWS, Redis, three replicas sharing them, and HAProxy in front.
struct Cluster {
    fake: FakeAws,
    redis: RedisServer,
    replicas: Vec<Binary>,
    _balancer: Haproxy,
    front: Front,
}

/// Requests through the balancer.
struct Front {
    base_url: String,
    client: reqwest::Client,
}

impl Cluster {
    /// GetCallerIdentity answers after `identity_delay`: the diagnoses stay in flight that long.
    async fn start(identity_delay: Duration) -> Self {
        let fake = FakeAws::start().await;
        // Mounted first, so it answers before the healthy account's own identity.
        fake.identifies(FakeIdentity::user().after(identity_delay))
            .await;
        healthy_account(&fake).await;
        let redis = RedisServer::start().await;
        let (aws, store) = (fake.url(), redis.url());
        let args = [
            "--aws-endpoint-url",
            &aws,
            "--redis-url",
            &store,
            "--cache-key-secret",
            "replicas-cache-key-secret",
            "--report-link-secret",
            "replicas-report-link-secret",
            // The lock a replica holds while it diagnoses expires 5 s after this.
            "--diagnosis-deadline",
            "6s",
            "--rate-limit-per-minute",
            "100000",
            "--rate-limit-burst",
            "10000",
            // Metrics on a port of each replica's own, as the chart runs them.
            "--metrics-listen",
            "127.0.0.1:0",
        ];
        let mut replicas = Vec::new();
        for _ in 0..3 {
            replicas.push(Binary::start(&args, "info").await);
        }
        let urls: Vec<&str> = replicas.iter().map(|r| r.base_url.as_str()).collect();
        let balancer = Haproxy::start(&urls).await;
        let front = Front {
            base_url: balancer.base_url.clone(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(90))
                .build()
                .unwrap(),
        };
        Self {
            fake,
            redis,
            replicas,
            _balancer: balancer,
            front,
        }
    }

    /// Requests of `POST /v1/diagnoses` each replica served.
    async fn served_by_each(&self) -> Vec<u64> {
        let mut served = Vec::new();
        for replica in &self.replicas {
            let metrics_url = replica.metrics_url.as_ref().expect("a metrics listener");
            let text = self
                .front
                .client
                .get(format!("{metrics_url}/metrics"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            served.push(
                text.lines()
                    .filter(|l| l.starts_with("connector_doctor_http_requests_total{"))
                    .filter(|l| l.contains("route=\"/v1/diagnoses\""))
                    .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
                    .sum(),
            );
        }
        served
    }

    async fn stop(mut self) {
        for replica in &mut self.replicas {
            replica.stop().await;
        }
    }
}

impl Front {
    /// Posts `connector`'s request through the balancer: the status and the diagnosis.
    async fn diagnose(&self, connector: &Connector) -> (u16, Option<Diagnosis>) {
        let response = self
            .client
            .post(format!("{}/v1/diagnoses", self.base_url))
            .json(&connector.request())
            .send()
            .await
            .expect("the balancer answers");
        let status = response.status().as_u16();
        let body = response.text().await.expect("a body");
        (status, (status == 200).then(|| parse_diagnosis(&body)))
    }

    /// Every connector requested `times` times at once; the answers by connector.
    async fn diagnose_all(
        &self,
        connectors: &[Connector],
        times: usize,
    ) -> BTreeMap<String, Vec<(u16, Option<Diagnosis>)>> {
        let requests = connectors
            .iter()
            .flat_map(|c| std::iter::repeat_n(c, times))
            .map(|c| async move { (c.name.clone(), self.diagnose(c).await) });
        let mut answers: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for (name, answer) in futures::future::join_all(requests).await {
            answers.entry(name).or_default().push(answer);
        }
        answers
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_behind_haproxy_run_one_diagnosis_per_connector_and_give_one_answer() {
    let cluster = Cluster::start(Duration::from_millis(500)).await;
    let connectors: Vec<Connector> = (0..8).map(Connector::new).collect();

    let answers = cluster.front.diagnose_all(&connectors, 6).await;

    for connector in &connectors {
        let answers = &answers[&connector.name];
        assert_eq!(answers.len(), 6);
        assert!(
            answers.iter().all(|(status, _)| *status == 200),
            "{answers:?}"
        );
        let ids: BTreeSet<&str> = answers
            .iter()
            .filter_map(|(_, d)| d.as_ref().map(|d| d.id.as_str()))
            .collect();
        assert_eq!(
            ids.len(),
            1,
            "{}: one diagnosis, one id: {ids:?}",
            connector.name
        );
        assert_eq!(
            cluster
                .fake
                .calls_signed_by("GetCallerIdentity", &connector.key_id)
                .await,
            1,
            "{}: one cold diagnosis across the replicas",
            connector.name
        );
    }
    let served = cluster.served_by_each().await;
    assert!(
        served.iter().all(|n| *n > 0),
        "every replica served: {served:?}"
    );
    assert_eq!(served.iter().sum::<u64>(), 48);
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_mid_diagnosis_loses_no_request_sent_through_the_balancer() {
    let mut cluster = Cluster::start(Duration::from_secs(2)).await;
    let connectors: Vec<Connector> = (0..6).map(Connector::new).collect();

    let answers = {
        let all = cluster.front.diagnose_all(&connectors, 3);
        tokio::pin!(all);
        // Kill the first replica once every replica is in the middle of its diagnoses: each
        // connector's first request went to some replica, whose STS call is still waiting.
        let started = async {
            while cluster.fake.calls_of("GetCallerIdentity").await < 6 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::select! {
            answers = &mut all => panic!("answered before the kill: {answers:?}"),
            () = started => {}
        }
        let killed = cluster.replicas[0].base_url.clone();
        cluster.replicas[0].kill();
        let answers = all.await;
        assert!(
            reqwest::get(format!("{killed}/healthz")).await.is_err(),
            "the killed replica is gone"
        );
        answers
    };

    // Every request is answered with a diagnosis of the account. (The six connectors share one
    // account, whose LookupEvents budget cannot serve them all within the 6-s deadline: those
    // diagnoses say so with AWS_TIMEOUT, "no turn", and are degraded, never unhealthy.)
    for connector in &connectors {
        let answers = &answers[&connector.name];
        for (status, diagnosis) in answers {
            assert_eq!(*status, 200, "{}: {answers:?}", connector.name);
            let diagnosis = diagnosis.as_ref().unwrap();
            assert_eq!(
                diagnosis.identity.as_ref().unwrap().account_id,
                "123456789012"
            );
            assert_ne!(diagnosis.status, HealthStatus::Unhealthy, "{diagnosis:?}");
        }
    }
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_under_load_gives_no_error_answer_and_caching_resumes() {
    let mut cluster = Cluster::start(Duration::from_millis(200)).await;
    let connectors: Vec<Connector> = (0..24).map(Connector::new).collect();

    // Three waves of eight connectors, each requested twice at once; Redis goes down after the
    // first wave and comes back during the second.
    let mut answers = cluster.front.diagnose_all(&connectors[..8], 2).await;
    cluster.redis.stop();
    let during = {
        let wave = cluster.front.diagnose_all(&connectors[8..16], 2);
        tokio::pin!(wave);
        tokio::select! {
            wave = &mut wave => wave,
            () = tokio::time::sleep(Duration::from_millis(300)) => {
                cluster.redis.restart().await;
                wave.await
            }
        }
    };
    answers.extend(during);
    answers.extend(cluster.front.diagnose_all(&connectors[16..], 2).await);

    assert_eq!(answers.len(), 24);
    for (name, answers) in &answers {
        assert!(
            answers.iter().all(|(status, _)| *status == 200),
            "{name}: {answers:?}"
        );
    }
    // Caching resumes: a connector diagnosed now is served from Redis on its next request, by
    // whichever replica the balancer picks.
    let again = Connector::new(99);
    let (status, first) = cluster.front.diagnose(&again).await;
    assert_eq!(status, 200);
    let mut cached = false;
    for _ in 0..6 {
        let (status, next) = cluster.front.diagnose(&again).await;
        assert_eq!(status, 200);
        let next = next.unwrap();
        assert_eq!(next.id, first.as_ref().unwrap().id);
        cached |= next.cached;
    }
    assert!(
        cached,
        "no answer came from the cache after Redis came back"
    );
    assert_eq!(
        cluster
            .fake
            .calls_signed_by("GetCallerIdentity", &again.key_id)
            .await,
        1
    );
    cluster.stop().await;
}
