//! One diagnosis run here and now and kept nowhere: the command line's way through the service.
//!
//! A process that runs one diagnosis and exits has no cache to look in, no other run or replica
//! to share with, no line of cold diagnoses to shed from and no report page to link to. So the
//! engine runs once, on AWS budgets of this process, and its examination becomes a diagnosis
//! with no lifetime, as the service would make it without a cache.

use std::sync::Arc;

use super::{DiagnosisFailed, StoreBudget};
use crate::aws::{AwsClientFactory, AwsSettings};
use crate::domain::{Diagnosis, DiagnosisRequest};
use crate::metrics::Metrics;
use crate::probes::{Executor, NoConfirmations, ProbeEngine, ProbeSettings, Progress};

/// What an uncached diagnosis is built from: the AWS clients and the probe engine.
#[derive(Debug, clap::Args)]
pub struct UncachedSettings {
    /// The AWS clients.
    #[command(flatten)]
    pub aws: AwsSettings,

    /// The probe engine.
    #[command(flatten)]
    pub probes: ProbeSettings,
}

/// The threads the probes run on could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the diagnosis threads")]
pub struct NoThreads(#[source] std::io::Error);

/// Diagnoses run by the probe engine alone: nothing cached, locked, admitted or stored.
pub struct UncachedService {
    engine: ProbeEngine,
}

impl UncachedService {
    /// The service for `settings`, telling `on_step` each step of a diagnosis as it begins.
    pub fn new(
        settings: &UncachedSettings,
        on_step: impl Fn(&str) + Send + Sync + 'static,
    ) -> Result<Self, NoThreads> {
        let executor = Executor::new().map_err(NoThreads)?;
        let engine = ProbeEngine::new(
            AwsClientFactory::new(&settings.aws),
            &settings.probes,
            // There is no store to share the per-account budget with: it is this process's.
            Arc::new(StoreBudget::local()),
            executor,
            // The engine counts its calls; nobody scrapes a process that exits after one run.
            Arc::new(Metrics::new(1)),
        )
        .watched_by(Arc::new(StepWatcher(on_step)));
        Ok(Self { engine })
    }

    /// Runs one diagnosis: fresh, with no lifetime, report link or changes (nothing is kept to
    /// link to or compare with).
    pub async fn diagnose(&self, request: &DiagnosisRequest) -> Result<Diagnosis, DiagnosisFailed> {
        let examination = self
            .engine
            .run(request, None, Arc::new(NoConfirmations))
            .await
            .map_err(|failed| DiagnosisFailed::Panicked(failed.0))?;
        Ok(Diagnosis::fresh(examination, None))
    }
}

/// A caller's step function as the engine's watcher, so callers need not know the engine.
struct StepWatcher<F>(F);

impl<F: Fn(&str) + Send + Sync> Progress for StepWatcher<F> {
    fn step(&self, what: &str) {
        (self.0)(what);
    }
}
