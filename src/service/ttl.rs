//! Time to live of a diagnosis by outcome: failures short, so a fixed connector shows fixed soon.

use chrono::TimeDelta;

use super::settings::ServiceSettings;
use crate::domain::{Examination, HealthStatus};

/// How long a diagnosis may be served from the cache.
#[derive(Debug, Clone, Copy)]
pub struct TtlPolicy {
    healthy: TimeDelta,
    unhealthy: TimeDelta,
    errored: TimeDelta,
}

impl TtlPolicy {
    /// The lifetimes of these settings.
    pub fn new(settings: &ServiceSettings) -> Self {
        let delta = |d: std::time::Duration| TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
        Self {
            healthy: delta(settings.cache_ttl_healthy),
            unhealthy: delta(settings.cache_ttl_unhealthy),
            errored: delta(settings.cache_ttl_error),
        }
    }

    /// The time to live of this examination: short when a check could not complete, longer
    /// when all is healthy.
    pub fn for_examination(&self, examination: &Examination) -> TimeDelta {
        if examination.has_incomplete_check() {
            self.errored
        } else if examination.status == HealthStatus::Healthy {
            self.healthy
        } else {
            self.unhealthy
        }
    }
}
