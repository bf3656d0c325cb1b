//! Why a diagnosis request got no diagnosis: the one error of both ways through the service,
//! cached and uncached.

use std::time::Duration;

/// Why a diagnosis request got no diagnosis (AWS failures are findings, never this).
#[derive(Debug, Clone, thiserror::Error)]
pub enum DiagnosisFailed {
    /// The probes' task panicked: a bug, reported as a 500 with the request id.
    #[error("the diagnosis task failed: {0}")]
    Panicked(String),
    /// Too many cold diagnoses ahead to answer in time: shed at once with a 503.
    #[error("too many diagnoses in flight")]
    Overloaded {
        /// When the line will have drained enough to try again.
        retry_after: Duration,
    },
}
