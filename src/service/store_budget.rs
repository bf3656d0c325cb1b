//! The per-account AWS budget of the probes, kept in the store: in Redis it is shared by every
//! replica; in memory, by the diagnoses of this process. While Redis does not answer, turns are
//! counted in this process, so the bound still holds per replica.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::cache::{Backend, DiagnosisStore, MemoryBackend};
use crate::probes::{CallBudget, Rate};

/// Budgets of the store, with a local stand-in for when it fails (or when there is no store:
/// the command line).
pub struct StoreBudget {
    store: Option<Arc<DiagnosisStore>>,
    fallback: Backend,
}

impl StoreBudget {
    /// Budgets kept in `store`.
    pub fn new(store: Arc<DiagnosisStore>) -> Self {
        Self {
            store: Some(store),
            ..Self::local()
        }
    }

    /// Budgets kept in this process only.
    pub fn local() -> Self {
        Self {
            store: None,
            // It keeps turns only, never entries.
            fallback: Backend::Memory(MemoryBackend::new(1)),
        }
    }
}

impl CallBudget for StoreBudget {
    fn take<'a>(&'a self, key: &'a str, rate: Rate) -> BoxFuture<'a, Option<Duration>> {
        Box::pin(async move {
            let shared = match &self.store {
                Some(store) => store.take_turn(key, rate.calls, rate.per).await,
                None => None,
            };
            match shared {
                Some(turn) => turn,
                // Memory never fails.
                None => self
                    .fallback
                    .take_turn(key, rate.calls, rate.per)
                    .await
                    .unwrap_or(None),
            }
        })
    }
}
