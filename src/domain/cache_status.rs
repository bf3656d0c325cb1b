//! The cache's word in the readiness answer: a response type of the service, so that the HTTP
//! layer reports it without knowing the storage that decides it.

use serde::Serialize;
use utoipa::ToSchema;

/// Whether the store's backend answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CacheStatus {
    /// It answers.
    Ok,
    /// It failed last time: answers are served uncached until it answers again.
    Degraded,
}
