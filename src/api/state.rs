//! What every handler shares: the diagnosis service, the drain flag, the metrics, and who the
//! client is behind trusted proxies.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::refusals::Refusals;
use crate::metrics::Metrics;
use crate::security::{MetricsToken, TrustedProxies};
use crate::service::DiagnosisService;

/// Whether the service takes new work; set while draining on shutdown.
#[derive(Debug, Default)]
pub struct DrainFlag {
    draining: AtomicBool,
}

impl DrainFlag {
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
    /// Answers diagnosis requests, reports and history.
    pub service: DiagnosisService,
    /// Set while draining, for `/readyz`.
    pub drain: Arc<DrainFlag>,
    /// The service's metrics.
    pub metrics: Arc<Metrics>,
    /// Counts and logs refused requests.
    pub refusals: Arc<Refusals>,
    /// Whether `/metrics` is served on the API port (no separate metrics listener).
    pub metrics_here: bool,
    /// The token a scrape of `/metrics` must present, if any.
    pub metrics_token: MetricsToken,
    /// The proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// How long a request body may take to arrive.
    pub body_timeout: Duration,
}
