//! Storage of diagnoses: cache entries, stored reports and connector history, in memory by
//! default and in Redis when configured, under keys that reveal no secret. Storage only: what
//! to store and when is the diagnosis service's.

mod backend;
mod cell_book;
mod cell_book_backend;
mod entry;
mod key;
mod settings;
mod store;

pub use backend::{Backend, MemoryBackend, RedisBackend, StoreError};
pub use cell_book::{BookRead, BookState};
pub use entry::StoredDiagnosis;
pub use key::{CacheKey, KeySecret};
pub use settings::CacheSettings;
pub use store::{DiagnosisStore, LockOutcome, Retention};
