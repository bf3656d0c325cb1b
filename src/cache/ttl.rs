//! Time to live of a diagnosis by outcome: failures short, so a fixed connector shows fixed soon.

use chrono::TimeDelta;

use crate::domain::HealthStatus;

/// How long a diagnosis may be served from the cache.
#[derive(Debug, Clone, Copy)]
pub struct TtlPolicy {
    /// For a healthy diagnosis.
    pub healthy: TimeDelta,
    /// For a degraded or unhealthy one.
    pub unhealthy: TimeDelta,
    /// For one with a check that could not be completed.
    pub errored: TimeDelta,
}

impl Default for TtlPolicy {
    fn default() -> Self {
        Self {
            healthy: TimeDelta::minutes(5),
            unhealthy: TimeDelta::seconds(60),
            errored: TimeDelta::seconds(15),
        }
    }
}

impl TtlPolicy {
    /// The lifetimes configured in `settings`.
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        let delta = |d: std::time::Duration| TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
        Self {
            healthy: delta(settings.cache_ttl_healthy),
            unhealthy: delta(settings.cache_ttl_unhealthy),
            errored: delta(settings.cache_ttl_error),
        }
    }

    /// The time to live of a diagnosis with this status; `any_error` when a check could not complete.
    pub fn for_outcome(&self, status: HealthStatus, any_error: bool) -> TimeDelta {
        if any_error {
            self.errored
        } else if status == HealthStatus::Healthy {
            self.healthy
        } else {
            self.unhealthy
        }
    }
}
