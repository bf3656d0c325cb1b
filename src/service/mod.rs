//! The diagnosis service: the one path of a diagnosis request, in order. The cache look-up,
//! admission (a line of cold diagnoses per tenant, served in turn, that sheds what could not
//! answer in time), single flight in this process and across replicas, the probe engine, the
//! lifetime by outcome, storing, history and the diagnosis metrics.
//! Handlers call [`DiagnosisService::diagnose`], [`DiagnosisService::report`] and
//! [`DiagnosisService::history`], and nothing below them; the command line, which caches
//! nothing, calls [`UncachedService::diagnose`].

mod admission;
mod changes;
mod failed;
mod replica_lock;
mod settings;
mod single_flight;
mod store_budget;
mod store_confirmations;
mod ttl;
mod uncached;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;

use crate::cache::{CacheKey, DiagnosisStore, KeySecret, LockOutcome};
use crate::domain::{CacheStatus, Changes, Diagnosis, DiagnosisRequest, HistoryItem};
use crate::metrics::Metrics;
use crate::probes::ProbeEngine;
use crate::security::ReportLinks;
use admission::{Admission, AdmissionLimits};
pub use failed::DiagnosisFailed;
use replica_lock::ReplicaLock;
pub use settings::ServiceSettings;
use single_flight::SingleFlight;
pub use store_budget::StoreBudget;
use store_confirmations::StoreConfirmations;
use ttl::TtlPolicy;
pub use uncached::{NoThreads, UncachedService, UncachedSettings};

/// How often a replica waiting on another's run looks for its result.
const POLL: Duration = Duration::from_millis(100);

/// Margin of the cross-replica lock over the engine's deadline, so a crashed holder frees it.
const LOCK_MARGIN: Duration = Duration::from_secs(5);

/// A diagnosis as answered: fresh, or the cache's stored JSON served as it is.
#[derive(Debug)]
pub enum Answer {
    /// Run now (or joined a run in flight); boxed, as it is much larger than a string.
    Fresh(Box<Diagnosis>),
    /// From the cache: the stored Diagnosis JSON, with `cached: true`.
    Cached(Bytes),
}

/// Diagnoses through the cache; cloned into every worker (it holds `Arc`s).
#[derive(Clone)]
pub struct DiagnosisService {
    engine: ProbeEngine,
    store: Arc<DiagnosisStore>,
    secret: KeySecret,
    ttl: TtlPolicy,
    flights: Arc<SingleFlight<Result<Diagnosis, DiagnosisFailed>>>,
    refresh_floor: Duration,
    /// How long a run may hold the cross-replica lock.
    lock_ttl: Duration,
    /// The line of cold diagnoses (cache hits never join it).
    admission: Arc<Admission>,
    /// Signs each diagnosis's `report_url`.
    links: ReportLinks,
    metrics: Arc<Metrics>,
}

impl DiagnosisService {
    /// The service running `engine`, keeping results in `store` under keys derived with `secret`,
    /// each with a report link signed by `links`, for `tenants` tenants (1 without caller tokens).
    pub fn new(
        engine: ProbeEngine,
        store: Arc<DiagnosisStore>,
        secret: KeySecret,
        links: ReportLinks,
        settings: &ServiceSettings,
        tenants: usize,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            lock_ttl: engine.deadline() + LOCK_MARGIN,
            admission: Arc::new(Admission::new(AdmissionLimits {
                line: settings.max_cold_diagnoses,
                in_flight_bound: engine.load().in_flight_bound,
                tenant_places: settings.max_cold_diagnoses_per_tenant,
                tenants,
                deadline: engine.deadline(),
            })),
            engine,
            store,
            secret,
            ttl: TtlPolicy::new(settings),
            flights: Arc::default(),
            refresh_floor: settings.refresh_floor,
            links,
            metrics,
        }
    }

    /// `ok`, or `degraded` while the store's backend does not answer.
    pub fn cache_status(&self) -> CacheStatus {
        self.store.status()
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

    /// A stored diagnosis by id, if `tenant` made it and it is within retention.
    pub async fn report(&self, tenant: &str, id: &str) -> Option<Diagnosis> {
        self.store.report(tenant, id).await
    }

    /// The diagnosis a report link opens, with its connector's history: `None` for a missing,
    /// bad or expired signature and for an unknown id alike. The link is the capability: its
    /// signature is checked before the id is looked up.
    pub async fn report_for_link(
        &self,
        id: &str,
        exp: &str,
        sig: &str,
    ) -> Option<(Diagnosis, Vec<HistoryItem>)> {
        if !self.links.verify(id, exp, sig, Utc::now()) {
            return None;
        }
        let stored = self.store.stored(id).await?;
        let history = match &stored.diagnosis.connector_id {
            Some(connector_id) => self.history(&stored.tenant, connector_id).await,
            None => Vec::new(),
        };
        Some((stored.diagnosis, history))
    }

    /// The last diagnoses of `tenant`'s connector, newest first.
    pub async fn history(&self, tenant: &str, connector_id: &str) -> Vec<HistoryItem> {
        let connector = CacheKey::connector_key(&self.secret, tenant, connector_id);
        self.store.history(&connector).await
    }

    async fn run_cold(
        &self,
        tenant: &str,
        key: &CacheKey,
        request: &DiagnosisRequest,
        bypass: bool,
    ) -> Result<Diagnosis, DiagnosisFailed> {
        // Shed at once what could not answer in time, rather than queue without bound.
        let ticket = self
            .admission
            .admit(tenant, self.engine.load())
            .map_err(|shed| DiagnosisFailed::Overloaded {
                retry_after: shed.retry_after,
            })?;
        // Released on every way out of this function, a panic or an early return included.
        let lock = ReplicaLock::take(self.store.clone(), key.clone(), self.lock_ttl).await;
        if lock.outcome() == LockOutcome::HeldElsewhere
            && !bypass
            && let Some(diagnosis) = self.wait_for_other_replica(key).await
        {
            return Ok(diagnosis);
        }
        let _place = {
            let _waiting = self.metrics.diagnosis_waiting();
            ticket.place(|| self.engine.load()).await.map_err(|shed| {
                DiagnosisFailed::Overloaded {
                    retry_after: shed.retry_after,
                }
            })?
        };
        let _running = self.metrics.diagnosis_started();
        let ledger = self.store.ledger(key).await;
        let book = Arc::new(StoreConfirmations::new(self.store.clone(), tenant));
        let mut examination = self
            .engine
            .run(request, ledger, book)
            .await
            .map_err(|failed| DiagnosisFailed::Panicked(failed.0))?;
        if let Some(ledger) = examination.ledger.take() {
            let ttl = self.engine.ledger_lifetime();
            self.store.keep_ledger(key, &ledger, ttl).await;
        }
        let lifetime = self.ttl.for_examination(&examination);
        let expires_at = examination.checked_at + lifetime;
        let mut diagnosis = Diagnosis::fresh(examination, Some(expires_at));
        let kept_until = diagnosis.checked_at + self.store.retention().reports;
        diagnosis.report_url = Some(self.links.link(&diagnosis.id, kept_until));
        diagnosis.changes = self.changes_since_previous(tenant, key, &diagnosis).await;
        self.metrics.diagnosis(tenant, &diagnosis);
        let remaining = (expires_at - Utc::now()).to_std().unwrap_or_default();
        self.store.keep(tenant, key, &diagnosis, remaining).await;
        lock.release().await;
        Ok(diagnosis)
    }

    /// What changed since the connector's previous fresh diagnosis, if it has one still kept.
    async fn changes_since_previous(
        &self,
        tenant: &str,
        key: &CacheKey,
        diagnosis: &Diagnosis,
    ) -> Option<Changes> {
        diagnosis.connector_id.as_ref()?;
        let previous = self
            .store
            .history(&key.connector)
            .await
            .into_iter()
            .next()?;
        let previous = self.store.report(tenant, &previous.id).await?;
        Some(changes::between(&previous, diagnosis))
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
