//! The cross-replica lock of one request, held by a guard: released when the run ends, and
//! also when it ends early or unwinds, so other replicas do not wait out its whole lifetime.

use std::sync::Arc;
use std::time::Duration;

use crate::cache::{CacheKey, DiagnosisStore, LockOutcome};

/// The lock of one request while this replica runs it.
pub struct ReplicaLock {
    store: Arc<DiagnosisStore>,
    key: CacheKey,
    outcome: LockOutcome,
}

impl ReplicaLock {
    /// Asks for the lock of `key`, for at most `ttl`.
    pub async fn take(store: Arc<DiagnosisStore>, key: CacheKey, ttl: Duration) -> Self {
        let outcome = store.lock(&key, ttl).await;
        Self {
            store,
            key,
            outcome,
        }
    }

    /// What the store answered.
    pub fn outcome(&self) -> LockOutcome {
        self.outcome
    }

    /// Releases the lock now, if this replica holds it.
    pub async fn release(mut self) {
        if self.outcome == LockOutcome::Acquired {
            self.outcome = LockOutcome::Unavailable;
            self.store.unlock(&self.key).await;
        }
    }
}

impl Drop for ReplicaLock {
    /// A lock still held here was not released by [`ReplicaLock::release`]: the run ended
    /// early. The release is sent from a task of its own, as `drop` cannot wait.
    fn drop(&mut self) {
        if self.outcome != LockOutcome::Acquired {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (store, key) = (self.store.clone(), self.key.clone());
        runtime.spawn(async move { store.unlock(&key).await });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{Backend, MemoryBackend, Retention};
    use crate::metrics::Metrics;

    fn store() -> Arc<DiagnosisStore> {
        let retention = Retention {
            reports: Duration::from_secs(60),
            history_items: 5,
        };
        Arc::new(DiagnosisStore::new(
            Backend::Memory(MemoryBackend::new(100)),
            "test:".to_owned(),
            retention,
            Arc::new(Metrics::new(10)),
        ))
    }

    fn key() -> CacheKey {
        CacheKey {
            request: "request".to_owned(),
            connector: "connector".to_owned(),
            observed: "observed".to_owned(),
        }
    }

    /// Takes the lock again until the store grants it, as another replica polling would.
    async fn taken_again(store: &Arc<DiagnosisStore>) -> LockOutcome {
        for _ in 0..100 {
            let again = ReplicaLock::take(store.clone(), key(), Duration::from_secs(60)).await;
            if again.outcome() == LockOutcome::Acquired {
                return LockOutcome::Acquired;
            }
            drop(again);
            tokio::task::yield_now().await;
        }
        LockOutcome::HeldElsewhere
    }

    #[tokio::test]
    async fn a_second_taker_waits_while_the_first_holds_it() {
        let store = store();
        let first = ReplicaLock::take(store.clone(), key(), Duration::from_secs(60)).await;
        assert_eq!(first.outcome(), LockOutcome::Acquired);
        let second = ReplicaLock::take(store.clone(), key(), Duration::from_secs(60)).await;
        assert_eq!(second.outcome(), LockOutcome::HeldElsewhere);
        first.release().await;
        let third = ReplicaLock::take(store, key(), Duration::from_secs(60)).await;
        assert_eq!(third.outcome(), LockOutcome::Acquired);
    }

    #[tokio::test]
    async fn a_run_that_ends_early_or_panics_frees_the_lock() {
        let store = store();
        let held = store.clone();
        // A run that panics while holding the lock: the guard unwinds with it.
        let run = tokio::spawn(async move {
            let _lock = ReplicaLock::take(held, key(), Duration::from_secs(60)).await;
            panic!("a diagnosis bug");
        });
        assert!(run.await.is_err(), "the run panicked");
        assert_eq!(taken_again(&store).await, LockOutcome::Acquired);
    }
}
