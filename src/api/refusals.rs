//! Refused requests (401, 429, 503 and the front door's refusals): each is counted in the
//! metrics, but logged at most once per caller and reason per interval, with the count.
//!
//! A refusal must cost less than a cache hit, or refusing would not protect anything; anyone can
//! send refused requests at will, so one log line each (written, shipped, paged on) would let
//! them fill the logs. (The larger cost, a connection closed by an early answer, is the guard's.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::HttpMessage;
use actix_web::dev::ServiceRequest;

use crate::metrics::{Metrics, Rejection};

/// Least time between two log lines of one caller and reason.
const INTERVAL: Duration = Duration::from_secs(60);

/// Most callers tracked; past it the table starts over (the metric still counts every refusal).
const MAX_CALLERS: usize = 10_000;

/// Marks a request as refused, so that the access log leaves it to [`Refusals`].
#[derive(Debug, Clone, Copy)]
pub struct Refused;

struct Tally {
    /// Refusals since the last line.
    count: u64,
    /// When the last line was written.
    logged: Instant,
}

/// The refusal counter shared by the guard, the front door and the handlers.
pub struct Refusals {
    metrics: Arc<Metrics>,
    tallies: Mutex<HashMap<(String, Rejection), Tally>>,
}

impl Refusals {
    /// Refusals counted into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self {
            metrics,
            tallies: Mutex::default(),
        }
    }

    /// Counts a refusal of `request` made by `caller` (a tenant or a client address).
    pub fn refuse(&self, request: &ServiceRequest, caller: &str, reason: Rejection) {
        request.extensions_mut().insert(Refused);
        self.count(caller, reason);
    }

    /// Counts a request whose token was missing or unknown, whatever its answer.
    pub fn failed_authentication(&self) {
        self.metrics.failed_authentication();
    }

    /// Counts a refusal; writes a line when this caller's last one for `reason` is older than
    /// the interval (or there was none).
    pub fn count(&self, caller: &str, reason: Rejection) {
        self.metrics.rejected(reason);
        if let Some(count) = self.tally(caller, reason, Instant::now()) {
            tracing::warn!(
                caller,
                reason = reason.as_str(),
                count,
                "requests refused since the last report of this caller and reason"
            );
        }
    }

    /// Adds one refusal at `now`; the count to report when a line is due.
    fn tally(&self, caller: &str, reason: Rejection, now: Instant) -> Option<u64> {
        let mut tallies = self.tallies.lock().unwrap_or_else(PoisonError::into_inner);
        if tallies.len() >= MAX_CALLERS {
            tallies.clear();
        }
        match tallies.get_mut(&(caller.to_owned(), reason)) {
            Some(tally) => {
                tally.count += 1;
                (now.duration_since(tally.logged) >= INTERVAL).then(|| {
                    tally.logged = now;
                    std::mem::take(&mut tally.count)
                })
            }
            None => {
                let tally = Tally {
                    count: 0,
                    logged: now,
                };
                tallies.insert((caller.to_owned(), reason), tally);
                Some(1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_caller_and_reason_per_interval_with_the_count() {
        let refusals = Refusals::new(Arc::new(Metrics::new(10)));
        let start = Instant::now();
        let tally = |caller, reason, at| refusals.tally(caller, reason, start + at);
        assert_eq!(
            tally("acme", Rejection::RateLimited, Duration::ZERO),
            Some(1)
        );
        for second in 1..=10 {
            let at = Duration::from_secs(second);
            assert_eq!(tally("acme", Rejection::RateLimited, at), None);
        }
        // Another caller, or another reason, has its own line.
        assert_eq!(
            tally("bravo", Rejection::RateLimited, Duration::ZERO),
            Some(1)
        );
        assert_eq!(
            tally("acme", Rejection::Unauthorized, Duration::ZERO),
            Some(1)
        );
        // After the interval, one line counts everything since the last one.
        assert_eq!(tally("acme", Rejection::RateLimited, INTERVAL), Some(11));
        assert_eq!(tally("acme", Rejection::RateLimited, INTERVAL), None);
    }
}
