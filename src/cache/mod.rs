//! Caching of diagnoses: how long each outcome may be served again.

mod ttl;

pub use ttl::TtlPolicy;
