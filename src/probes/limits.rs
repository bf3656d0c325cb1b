//! Bounds on AWS calls in flight: per diagnosis, and across all diagnoses of the process.
//!
//! Seventeen regions times several services would otherwise open dozens of calls at once
//! per diagnosis, and a burst of diagnoses would multiply that against AWS's rate limits.

use std::sync::Arc;

use tokio::sync::Semaphore;

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
    local: Semaphore,
}

impl CallLimits {
    /// At most `per_diagnosis` calls in flight for this diagnosis, and the global bound.
    pub fn new(global: &GlobalCallLimit, per_diagnosis: usize) -> Self {
        Self {
            global: global.clone(),
            local: Semaphore::new(per_diagnosis.max(1)),
        }
    }

    /// Runs `call` once both bounds admit it.
    pub async fn run<T>(&self, call: impl Future<Output = T>) -> T {
        // Local first: a diagnosis waiting on its own bound holds no global permit.
        let _local = self.local.acquire().await;
        let _global = self.global.0.acquire().await;
        call.await
    }
}
