//! Bounds on AWS calls in flight: per service and region within a diagnosis, and across all
//! diagnoses of the process.
//!
//! AWS throttles per account, region and API, so the bound that protects a customer's account
//! is per (service, region): a diagnosis may call 17 regions at once without one region seeing
//! more than a few calls of ours. A bound on the whole diagnosis would add waves of waiting
//! (and latency) without sparing any single throttle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Semaphore;

use crate::domain::Region;

/// The process-wide bound, shared by every diagnosis.
#[derive(Clone)]
pub struct GlobalCallLimit(Arc<Semaphore>);

impl GlobalCallLimit {
    /// At most `calls` AWS calls in flight across the process.
    pub fn new(calls: usize) -> Self {
        Self(Arc::new(Semaphore::new(calls.max(1))))
    }
}

/// The bounds one diagnosis runs under.
pub struct CallLimits {
    global: GlobalCallLimit,
    per_service_region: usize,
    local: Mutex<HashMap<(&'static str, Region), Arc<Semaphore>>>,
}

impl CallLimits {
    /// At most `per_service_region` calls in flight for each (service, region) of this
    /// diagnosis, and the global bound.
    pub fn new(global: &GlobalCallLimit, per_service_region: usize) -> Self {
        Self {
            global: global.clone(),
            per_service_region: per_service_region.max(1),
            local: Mutex::default(),
        }
    }

    /// Runs `call` of `service` in `region` once both bounds admit it.
    pub async fn run<T>(
        &self,
        service: &'static str,
        region: Region,
        call: impl Future<Output = T>,
    ) -> T {
        let local = self.semaphore(service, region);
        // Local first: a diagnosis waiting on its own bound holds no global permit.
        let _local = local.acquire().await;
        let _global = self.global.0.acquire().await;
        call.await
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
