//! What every handler shares: the diagnoser and the readiness flag.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::cache::CachedDiagnoser;
use crate::metrics::Metrics;

/// Whether the service takes new work; cleared while draining on shutdown.
#[derive(Debug, Default)]
pub struct Readiness {
    draining: AtomicBool,
}

impl Readiness {
    /// Marks the service as draining: `/readyz` answers 503 from now on.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Whether the service is draining.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

/// Shared state of the application, cloned into every worker.
#[derive(Clone)]
pub struct AppState {
    /// Runs diagnoses through the cache.
    pub diagnoses: CachedDiagnoser,
    /// Readiness for `/readyz`.
    pub readiness: Arc<Readiness>,
    /// The service's metrics.
    pub metrics: Arc<Metrics>,
    /// Whether `/metrics` is served on the API port (no separate metrics listener).
    pub metrics_here: bool,
    /// How long a request body may take to arrive.
    pub body_timeout: Duration,
}
