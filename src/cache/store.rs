//! Diagnoses, reports and history on top of a backend: the key layout and the health flag.
//!
//! Key layout (`P` is the configured prefix, `C` the connector key, `R` the request key):
//! `P{C}:cache:R` (the diagnosis for an identical request, until its `expires_at`),
//! `P{C}:refresh:R` (the refresh floor), `P{C}:lock:R` (single flight across replicas),
//! `P{C}:history` (newest first, capped), `Preport:ID` (any diagnosis by id, for the retention),
//! `P{C}:observed:K` (what was read of CloudTrail's record for the connector's key `K`),
//! `Pbudget:NAME` (the turns taken of one per-account AWS budget),
//! `P{book:T:A}:reads` and `P{book:T:A}:claims` (what tenant `T`'s diagnoses of administrator
//! `A`, its partition and account id, read of its members' findings, and who reads what now).
//! The `{C}` hash tag puts every key of one connector in one Redis Cluster slot.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;

use super::backend::{Backend, MemoryBackend, RedisBackend, StoreError};
use super::cell_book::{BookKeys, BookState};
use super::entry::StoredDiagnosis;
use super::key::CacheKey;
use super::settings::CacheSettings;
use crate::domain::{CacheStatus, DenialLedger, Diagnosis, HistoryItem};
use crate::metrics::Metrics;

/// The answer to a request for the cross-replica lock of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockOutcome {
    /// This replica holds it now.
    Acquired,
    /// Another replica holds it: its result will come to the cache.
    HeldElsewhere,
    /// The backend did not answer: nobody can tell, so run without it.
    Unavailable,
}

/// How long things are kept.
#[derive(Debug, Clone)]
pub struct Retention {
    /// Reports by id.
    pub reports: Duration,
    /// History items per connector.
    pub history_items: usize,
}

/// Stored diagnoses, with a flag that says whether the backend answers.
pub struct DiagnosisStore {
    backend: Backend,
    prefix: String,
    retention: Retention,
    degraded: AtomicBool,
    metrics: Arc<Metrics>,
}

/// Longest wait for one Redis operation before serving uncached.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

impl DiagnosisStore {
    /// The store these settings describe: Redis when a URL is given, else memory.
    pub fn open(settings: &CacheSettings, metrics: Arc<Metrics>) -> Result<Self, StoreError> {
        let backend = match &settings.redis_url {
            Some(url) => Backend::Redis(Box::new(RedisBackend::new(url, REDIS_TIMEOUT)?)),
            None => Backend::Memory(MemoryBackend::new(settings.memory_cache_entries)),
        };
        let retention = Retention {
            reports: settings.report_retention,
            history_items: settings.history_size,
        };
        Ok(Self::new(
            backend,
            settings.redis_key_prefix.clone(),
            retention,
            metrics,
        ))
    }

    /// A store on `backend` with keys under `prefix`.
    pub fn new(
        backend: Backend,
        prefix: String,
        retention: Retention,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            backend,
            prefix,
            retention,
            degraded: AtomicBool::new(false),
            metrics,
        }
    }

    /// `degraded` since the last backend failure until the next success, else `ok`.
    pub fn status(&self) -> CacheStatus {
        if self.degraded.load(Ordering::Relaxed) {
            CacheStatus::Degraded
        } else {
            CacheStatus::Ok
        }
    }

    /// How long things are kept.
    pub fn retention(&self) -> &Retention {
        &self.retention
    }

    /// The backend's name.
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    fn connector_key(&self, connector: &str, part: &str) -> String {
        format!("{}{{{connector}}}:{part}", self.prefix)
    }

    /// Notes the outcome of a backend call; failures are logged (without details that could
    /// hold secrets) and leave the caller to carry on uncached.
    fn observe<T>(&self, result: Result<T, StoreError>) -> Option<T> {
        match result {
            Ok(value) => {
                if self.degraded.swap(false, Ordering::Relaxed) {
                    tracing::info!(backend = self.backend.name(), "cache backend answers again");
                }
                Some(value)
            }
            Err(error) => {
                self.metrics.cache_error(self.backend.name());
                if !self.degraded.swap(true, Ordering::Relaxed) {
                    tracing::warn!(%error, backend = self.backend.name(), "cache backend failing; serving uncached");
                }
                None
            }
        }
    }

    /// The diagnosis cached for an identical request, marked `cached`.
    pub async fn cached(&self, key: &CacheKey) -> Option<Diagnosis> {
        serde_json::from_slice(&self.cached_json(key).await?).ok()
    }

    /// The cached diagnosis as stored: JSON with `cached: true`, served as it is (a hit then
    /// costs no decoding and re-encoding of the whole report).
    pub async fn cached_json(&self, key: &CacheKey) -> Option<Bytes> {
        let name = self.connector_key(&key.connector, &format!("cache:{}", key.request));
        self.observe(self.backend.get(&name).await)?
    }

    /// Keeps a fresh diagnosis: in the cache for `ttl`, as a report, and in history.
    pub async fn keep(&self, tenant: &str, key: &CacheKey, diagnosis: &Diagnosis, ttl: Duration) {
        // Stored as every later read will answer it: from the cache.
        let as_cached = Diagnosis {
            cached: true,
            ..diagnosis.clone()
        };
        let Ok(text) = serde_json::to_string(&as_cached) else {
            return;
        };
        if !ttl.is_zero() {
            let name = self.connector_key(&key.connector, &format!("cache:{}", key.request));
            self.observe(self.backend.set(&name, &text, ttl).await);
        }
        let stored = StoredDiagnosis {
            tenant: tenant.to_owned(),
            diagnosis: diagnosis.clone(),
        };
        if let Ok(report) = serde_json::to_string(&stored) {
            let name = format!("{}report:{}", self.prefix, diagnosis.id);
            self.observe(
                self.backend
                    .set(&name, &report, self.retention.reports)
                    .await,
            );
        }
        if diagnosis.connector_id.is_some()
            && let Ok(item) = serde_json::to_string(&HistoryItem::from(diagnosis))
        {
            let name = self.connector_key(&key.connector, "history");
            let cap = self.retention.history_items;
            self.observe(
                self.backend
                    .push_capped(&name, &item, cap, self.retention.reports)
                    .await,
            );
        }
    }

    /// A stored diagnosis by id, if `tenant` made it and it is within retention.
    pub async fn report(&self, tenant: &str, id: &str) -> Option<Diagnosis> {
        let stored = self.stored(id).await?;
        (stored.tenant == tenant).then_some(stored.diagnosis)
    }

    /// A stored diagnosis by id with the tenant that made it (for a signed report link, which
    /// names no tenant).
    pub async fn stored(&self, id: &str) -> Option<StoredDiagnosis> {
        let name = format!("{}report:{id}", self.prefix);
        let text = self.observe(self.backend.get(&name).await)??;
        serde_json::from_slice(&text).ok()
    }

    /// A connector's history, newest first.
    pub async fn history(&self, connector: &str) -> Vec<HistoryItem> {
        let name = self.connector_key(connector, "history");
        let items = self
            .observe(self.backend.list(&name, self.retention.history_items).await)
            .unwrap_or_default();
        items
            .iter()
            .filter_map(|item| serde_json::from_str(item).ok())
            .collect()
    }

    /// What earlier diagnoses of this connector's key read of CloudTrail's record.
    pub async fn ledger(&self, key: &CacheKey) -> Option<DenialLedger> {
        let name = self.connector_key(&key.connector, &format!("observed:{}", key.observed));
        let text = self.observe(self.backend.get(&name).await)??;
        serde_json::from_slice(&text).ok()
    }

    /// Keeps what was read of CloudTrail's record for `ttl` (the window it may still serve).
    pub async fn keep_ledger(&self, key: &CacheKey, ledger: &DenialLedger, ttl: Duration) {
        let name = self.connector_key(&key.connector, &format!("observed:{}", key.observed));
        if let Ok(text) = serde_json::to_string(ledger) {
            self.observe(self.backend.set(&name, &text, ttl).await);
        }
    }

    /// Takes a turn of the budget `name`: `Some(None)` taken, `Some(Some(wait))` none free
    /// for `wait`, `None` when the backend did not answer.
    pub async fn take_turn(
        &self,
        name: &str,
        calls: u32,
        per: Duration,
    ) -> Option<Option<Duration>> {
        let name = format!("{}budget:{name}", self.prefix);
        self.observe(self.backend.take_turn(&name, calls, per).await)
    }

    /// The book of `tenant`'s administrator `administrator`; `None` when the backend did not
    /// answer.
    pub async fn book(&self, tenant: &str, administrator: &str) -> Option<BookState> {
        let keys = self.book_keys(tenant, administrator);
        self.observe(self.backend.book_recall(&keys).await)
    }

    /// Claims account-regions of a book for `lease` (see [`Backend::book_claim`]); `None`
    /// when the backend did not answer.
    pub async fn claim_cells(
        &self,
        (tenant, administrator): (&str, &str),
        cells: &[String],
        since_ms: i64,
        lease: Duration,
    ) -> Option<Vec<bool>> {
        let keys = self.book_keys(tenant, administrator);
        self.observe(self.backend.book_claim(&keys, cells, since_ms, lease).await)
    }

    /// Writes reads into a book and releases their claims and those of `unread`; the book is
    /// kept `keep` after its last write.
    pub async fn record_cells(
        &self,
        (tenant, administrator): (&str, &str),
        read: &[(String, Option<i64>)],
        unread: &[String],
        keep: Duration,
    ) {
        let keys = self.book_keys(tenant, administrator);
        self.observe(self.backend.book_record(&keys, read, unread, keep).await);
    }

    fn book_keys(&self, tenant: &str, administrator: &str) -> BookKeys {
        let tag = format!("{}{{book:{tenant}:{administrator}}}", self.prefix);
        BookKeys {
            reads: format!("{tag}:reads"),
            claims: format!("{tag}:claims"),
        }
    }

    /// Claims the right to bypass the cache for this request; at most once per `floor`.
    /// When the backend fails the refresh is allowed (the cache is not serving anyway).
    pub async fn claim_refresh(&self, key: &CacheKey, floor: Duration) -> bool {
        let name = self.connector_key(&key.connector, &format!("refresh:{}", key.request));
        self.observe(self.backend.set_if_absent(&name, "1", floor).await)
            .unwrap_or(true)
    }

    /// Takes the cross-replica lock of this request for `ttl`.
    pub async fn lock(&self, key: &CacheKey, ttl: Duration) -> LockOutcome {
        let name = self.connector_key(&key.connector, &format!("lock:{}", key.request));
        match self.observe(self.backend.set_if_absent(&name, "1", ttl).await) {
            Some(true) => LockOutcome::Acquired,
            Some(false) => LockOutcome::HeldElsewhere,
            None => LockOutcome::Unavailable,
        }
    }

    /// Releases the lock of this request.
    pub async fn unlock(&self, key: &CacheKey) {
        let name = self.connector_key(&key.connector, &format!("lock:{}", key.request));
        self.observe(self.backend.delete(&name).await);
    }
}
