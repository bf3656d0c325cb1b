//! The flow of one diagnosis request through the cache: hit, refresh floor, single flight in
//! this process and across replicas, then the probes, then keeping the result.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::Semaphore;

use super::key::{CacheKey, KeySecret};
use super::single_flight::SingleFlight;
use super::store::DiagnosisStore;
use crate::domain::{Diagnosis, DiagnosisRequest};
use crate::metrics::Metrics;
use crate::probes::{Diagnoser, DiagnosisFailed};

/// How often a replica waiting on another's run looks for its result.
const POLL: Duration = Duration::from_millis(100);

/// A diagnosis as answered: fresh, or the cache's stored JSON served as it is.
#[derive(Debug)]
pub enum Answer {
    /// Run now (or joined a run in flight); boxed, as it is much larger than a string.
    Fresh(Box<Diagnosis>),
    /// From the cache: the stored Diagnosis JSON, with `cached: true`.
    Cached(Bytes),
}

/// Diagnoses through the cache.
#[derive(Clone)]
pub struct CachedDiagnoser {
    diagnoser: Diagnoser,
    store: Arc<DiagnosisStore>,
    secret: KeySecret,
    flights: Arc<SingleFlight<Result<Diagnosis, DiagnosisFailed>>>,
    refresh_floor: Duration,
    /// How long a run may hold the cross-replica lock: the deadline and a margin, so a
    /// crashed holder frees it.
    lock_ttl: Duration,
    /// Places for cold diagnoses; none left means shed (cache hits never need one).
    cold: Arc<Semaphore>,
    metrics: Arc<Metrics>,
}

impl CachedDiagnoser {
    /// Wires the diagnoser to the store.
    pub fn new(
        diagnoser: Diagnoser,
        store: Arc<DiagnosisStore>,
        secret: KeySecret,
        refresh_floor: Duration,
        deadline: Duration,
        max_cold: usize,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            diagnoser,
            store,
            secret,
            flights: Arc::default(),
            refresh_floor,
            lock_ttl: deadline + Duration::from_secs(5),
            cold: Arc::new(Semaphore::new(max_cold.max(1))),
            metrics,
        }
    }

    /// The store, for reports, history and readiness.
    pub fn store(&self) -> &DiagnosisStore {
        &self.store
    }

    /// The connector key of `connector_id` for `tenant`, for history look-ups.
    pub fn connector_key(&self, tenant: &str, connector_id: &str) -> String {
        CacheKey::connector_key(&self.secret, tenant, connector_id)
    }

    /// Answers a diagnosis request for `tenant`, from the cache when it may.
    pub async fn diagnose(
        &self,
        tenant: &str,
        request: &DiagnosisRequest,
    ) -> Result<Answer, DiagnosisFailed> {
        let key = CacheKey::new(&self.secret, tenant, request);
        // `refresh` bypasses the cache, but at most once per floor: a caller cannot turn the
        // service into a flood against a customer's account.
        let bypass = request.refresh && self.store.claim_refresh(&key, self.refresh_floor).await;
        if !bypass {
            let cached = self.store.cached_json(&key).await;
            self.metrics
                .cache_lookup(self.store.backend_name(), cached.is_some());
            if let Some(json) = cached {
                return Ok(Answer::Cached(json));
            }
        }
        let (result, joined) = self
            .flights
            .run(&key.request, || {
                self.run_cold(tenant, &key, request, bypass)
            })
            .await;
        if joined {
            self.metrics.single_flight_join();
        }
        result.map(|diagnosis| Answer::Fresh(Box::new(diagnosis)))
    }

    async fn run_cold(
        &self,
        tenant: &str,
        key: &CacheKey,
        request: &DiagnosisRequest,
        bypass: bool,
    ) -> Result<Diagnosis, DiagnosisFailed> {
        // Shed at once rather than queue without bound: the caller retries after a second.
        let Ok(_place) = self.cold.try_acquire() else {
            self.metrics.rejected("overloaded");
            return Err(DiagnosisFailed::Overloaded);
        };
        let _running = self.metrics.diagnosis_started();
        let locked = self.store.lock(key, self.lock_ttl).await;
        if locked == Some(false)
            && !bypass
            && let Some(diagnosis) = self.wait_for_other_replica(key).await
        {
            return Ok(diagnosis);
        }
        let diagnosis = self.diagnoser.run(request).await?;
        self.metrics.diagnosis(tenant, &diagnosis);
        self.store.keep(tenant, key, &diagnosis).await;
        if locked == Some(true) {
            self.store.unlock(key).await;
        }
        Ok(diagnosis)
    }

    /// Another replica runs this request: its result, if it comes within the lock's lifetime.
    async fn wait_for_other_replica(&self, key: &CacheKey) -> Option<Diagnosis> {
        let give_up = tokio::time::Instant::now() + self.lock_ttl;
        while tokio::time::Instant::now() < give_up {
            tokio::time::sleep(POLL).await;
            if let Some(diagnosis) = self.store.cached(key).await {
                return Some(diagnosis);
            }
        }
        None
    }
}
