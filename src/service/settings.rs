//! Settings of the diagnosis service: lifetimes by outcome, the refresh floor, admission.

use std::time::Duration;

use crate::setting_values::{duration, positive};

/// How long answers are served from the cache, and how many cold diagnoses run at once.
#[derive(Debug, Clone, clap::Args)]
pub struct ServiceSettings {
    /// How long a healthy diagnosis is served from the cache.
    #[arg(long, default_value = "5m", value_parser = duration)]
    pub cache_ttl_healthy: Duration,

    /// How long a degraded or unhealthy diagnosis is served from the cache.
    #[arg(long, default_value = "60s", value_parser = duration)]
    pub cache_ttl_unhealthy: Duration,

    /// How long a diagnosis with a check that could not complete is served from the cache.
    #[arg(long, default_value = "15s", value_parser = duration)]
    pub cache_ttl_error: Duration,

    /// Least time between two cache-bypassing refreshes of one request.
    #[arg(long, default_value = "10s", value_parser = duration)]
    pub refresh_floor: Duration,

    /// Most cold (uncached) diagnoses admitted, running or waiting in line, shared fairly between tenants; beyond it (or when the line could not answer in time) requests get 503 with Retry-After at once.
    #[arg(long, default_value = "64", value_parser = positive)]
    pub max_cold_diagnoses: usize,

    /// Most cold diagnoses one tenant runs at once on this replica; its others wait their turn or are shed. [default: unset: half the places to run (one per 8 of --max-aws-calls-in-flight), all of them when only one tenant can call]
    #[arg(long, value_parser = positive)]
    pub max_cold_diagnoses_per_tenant: Option<usize>,
}
