//! Caching of diagnoses, stored reports and connector history: in memory by default, Redis
//! when configured; one probe run per identical request across replicas; no secret stored.

mod backend;
mod cached_diagnoser;
mod entry;
mod key;
mod single_flight;
mod store;
mod ttl;

pub use backend::{Backend, MemoryBackend, RedisBackend, StoreError};
pub use cached_diagnoser::{Answer, CachedDiagnoser};
pub use entry::{HistoryItem, StoredDiagnosis};
pub use key::{CacheKey, KeySecret};
pub use single_flight::SingleFlight;
pub use store::{DiagnosisStore, Retention};
pub use ttl::TtlPolicy;
