//! Token buckets per caller (tenant, or client IP when authentication is off).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most callers tracked; past it, idle buckets (full again) are dropped first.
const MAX_CALLERS: usize = 100_000;

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// A token bucket per caller: `burst` requests at once, refilled at `per_minute`.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// `per_minute` sustained, `burst` at once.
    pub fn new(per_minute: usize, burst: usize) -> Self {
        Self {
            per_second: per_minute.max(1) as f64 / 60.0,
            burst: burst.max(1) as f64,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `caller`; when none is left, how long until one is.
    pub fn check(&self, caller: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Looked up first: the caller's key is copied when it is new, not on every request.
        if let Some(bucket) = buckets.get_mut(caller) {
            return self.take(bucket, now);
        }
        if buckets.len() >= MAX_CALLERS {
            let (per_second, burst) = (self.per_second, self.burst);
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.updated).as_secs_f64() * per_second < burst
            });
        }
        let mut bucket = Bucket {
            tokens: self.burst,
            updated: now,
        };
        let taken = self.take(&mut bucket, now);
        buckets.insert(caller.to_owned(), bucket);
        taken
    }

    /// Refills `bucket` up to `now` and takes one token from it.
    fn take(&self, bucket: &mut Bucket, now: Instant) -> Result<(), Duration> {
        let refill = now.duration_since(bucket.updated).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimiter;

    #[test]
    fn a_burst_is_allowed_then_refused_with_a_wait() {
        let limiter = RateLimiter::new(60, 3);
        for _ in 0..3 {
            assert!(limiter.check("acme").is_ok());
        }
        let wait = limiter.check("acme").unwrap_err();
        assert!(
            wait.as_secs_f64() > 0.0 && wait.as_secs_f64() <= 1.0,
            "{wait:?}"
        );
        assert!(limiter.check("bravo").is_ok(), "buckets are per caller");
    }
}
