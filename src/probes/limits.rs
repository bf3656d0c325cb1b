//! Bounds on AWS calls in flight: per service and region within a diagnosis, and across all
//! diagnoses of the process.
//!
//! AWS throttles per account, region and API, so the bound that protects a customer's account
//! is per (service, region): a diagnosis may call 17 regions at once without one region seeing
//! more than a few calls of ours. A bound on the whole diagnosis would add waves of waiting
//! (and latency) without sparing any single throttle.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::call_load::{CallLoad, CallStats};
use crate::domain::Region;

/// A place for one call, given back when dropped.
pub type Place = Option<OwnedSemaphorePermit>;

/// The process-wide bound, shared by every diagnosis, and what its calls were observed to take.
#[derive(Clone)]
pub struct GlobalCallLimit {
    places: Arc<Semaphore>,
    bound: usize,
    stats: Arc<CallStats>,
}

impl GlobalCallLimit {
    /// At most `calls` AWS calls in flight across the process.
    pub fn new(calls: usize) -> Self {
        Self {
            places: Arc::new(Semaphore::new(calls.max(1))),
            bound: calls.max(1),
            stats: Arc::default(),
        }
    }

    /// The bound and the calls' observed latency and number per diagnosis.
    pub fn load(&self) -> CallLoad {
        self.stats.load(self.bound)
    }
}

/// The bounds one diagnosis runs under; its calls are counted into the process's averages when
/// it ends.
pub struct CallLimits {
    global: GlobalCallLimit,
    per_service_region: usize,
    local: Mutex<HashMap<(&'static str, Region), Arc<Semaphore>>>,
    made: AtomicUsize,
    /// Whether the calls feed the process's averages.
    observed: bool,
}

impl Drop for CallLimits {
    fn drop(&mut self) {
        let made = self.made.load(Ordering::Relaxed);
        if made > 0 && self.observed {
            self.global.stats.diagnosis(made);
        }
    }
}

impl CallLimits {
    /// At most `per_service_region` calls in flight for each (service, region) of this
    /// diagnosis, and the global bound.
    pub fn new(global: &GlobalCallLimit, per_service_region: usize) -> Self {
        Self {
            global: global.clone(),
            per_service_region: per_service_region.max(1),
            local: Mutex::default(),
            made: AtomicUsize::new(0),
            observed: true,
        }
    }

    /// The same bounds for calls that feed no average: the identity check's. Admission's
    /// estimate is made of the calls after identity; a key refused at identity makes one call,
    /// whose time (an unreachable or refusing endpoint, retried) says nothing of the diagnoses
    /// that run, and counting it shed requests whose answer was that very refusal.
    pub fn unobserved(global: &GlobalCallLimit, per_service_region: usize) -> Self {
        let mut limits = Self::new(global, per_service_region);
        limits.observed = false;
        limits
    }

    /// A call of this diagnosis was made and took `took`.
    pub fn made(&self, took: Duration) {
        self.made.fetch_add(1, Ordering::Relaxed);
        if self.observed {
            self.global.stats.call(took);
        }
    }

    /// A place for a call of `service` in `region` within this diagnosis. Taken first: a
    /// diagnosis waiting on its own bound holds no place of the process's.
    pub async fn local(&self, service: &'static str, region: Region) -> Place {
        // Never closed: the place is always given.
        self.semaphore(service, region).acquire_owned().await.ok()
    }

    /// A place among the process's calls in flight.
    pub async fn global(&self) -> Place {
        self.global.places.clone().acquire_owned().await.ok()
    }

    fn semaphore(&self, service: &'static str, region: Region) -> Arc<Semaphore> {
        // The lock is held for a map look-up only; a panic elsewhere cannot corrupt the map.
        let mut local = self.local.lock().unwrap_or_else(PoisonError::into_inner);
        local
            .entry((service, region))
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_service_region)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_checks_calls_take_places_but_feed_no_average() {
        let global = GlobalCallLimit::new(8);
        let before = global.load();
        {
            let identity = CallLimits::unobserved(&global, 2);
            identity.made(Duration::from_secs(3));
        }
        assert_eq!(global.load(), before);
        {
            let probes = CallLimits::new(&global, 2);
            probes.made(Duration::from_secs(3));
        }
        let after = global.load();
        assert!(after.call_latency > before.call_latency);
        assert!(after.calls_per_diagnosis < before.calls_per_diagnosis);
    }
}
