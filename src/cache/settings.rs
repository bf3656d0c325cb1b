//! Settings of the store: which backend, its keys, and how long things are kept.

use std::time::Duration;

use crate::domain::Secret;
use crate::setting_values::{positive, positive_duration, redis_url};

/// Where diagnoses, reports and history are kept, and for how long.
#[derive(Debug, Clone, clap::Args)]
pub struct CacheSettings {
    /// Redis URL of the shared cache (`redis://` or `rediss://`, AUTH in the URL). [default: unset, in-memory cache]
    #[arg(long, value_parser = redis_url)]
    pub redis_url: Option<Secret>,

    /// Prefix of every Redis key.
    #[arg(long, default_value = "connector-doctor:")]
    pub redis_key_prefix: String,

    /// Secret the cache keys are derived with (HMAC-SHA256); the same on every replica. [default: unset, a random one per process]
    #[arg(long)]
    pub cache_key_secret: Option<Secret>,

    /// How long diagnoses stay readable by id, and history is kept.
    #[arg(long, default_value = "24h", value_parser = positive_duration)]
    pub report_retention: Duration,

    /// History items kept per connector.
    #[arg(long, default_value = "50", value_parser = positive)]
    pub history_size: usize,

    /// Entries of the in-memory cache (used when no Redis is configured).
    #[arg(long, default_value = "10000", value_parser = positive)]
    pub memory_cache_entries: usize,
}
