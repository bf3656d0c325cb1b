//! What the engine observes of its AWS calls, for admission: how long a call takes and how many
//! calls a diagnosis makes. With the process-wide bound on calls in flight, they say how long
//! the diagnoses already admitted will keep the bound busy.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Before any call is observed: a regional AWS API answers in tens of milliseconds from within
/// AWS and in a few hundred from afar; this is between.
const PRIOR_LATENCY: Duration = Duration::from_millis(100);

/// Before any diagnosis is observed: a cold diagnosis of both connections over the 17 default
/// regions makes about 200 calls (bench/RESULTS.md).
const PRIOR_CALLS: f64 = 200.0;

/// Weight of each new call's duration in the moving average (a diagnosis makes ~200).
const LATENCY_WEIGHT: f64 = 0.02;

/// Weight of each new diagnosis's call count.
const CALLS_WEIGHT: f64 = 0.1;

/// The engine's load: what admission needs to know.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallLoad {
    /// The process-wide bound on AWS calls in flight.
    pub in_flight_bound: usize,
    /// The moving average of one call's duration (the call itself, not its wait for a place).
    pub call_latency: Duration,
    /// The moving average of the calls one diagnosis makes.
    pub calls_per_diagnosis: f64,
}

impl CallLoad {
    /// How long one diagnosis keeps the whole in-flight bound busy: its calls times their
    /// latency, over the bound. `n` diagnoses take at least `n` times this.
    pub fn bound_time_per_diagnosis(&self) -> Duration {
        self.call_latency
            .mul_f64(self.calls_per_diagnosis / self.in_flight_bound.max(1) as f64)
    }
}

/// The moving averages, shared by every diagnosis of the process.
#[derive(Debug)]
pub struct CallStats {
    averages: Mutex<(f64, f64)>,
}

impl Default for CallStats {
    fn default() -> Self {
        Self {
            averages: Mutex::new((PRIOR_LATENCY.as_secs_f64(), PRIOR_CALLS)),
        }
    }
}

impl CallStats {
    /// A call took `took`.
    pub fn call(&self, took: Duration) {
        let mut averages = self.lock();
        averages.0 += LATENCY_WEIGHT * (took.as_secs_f64() - averages.0);
    }

    /// A diagnosis made `calls` calls.
    pub fn diagnosis(&self, calls: usize) {
        let mut averages = self.lock();
        averages.1 += CALLS_WEIGHT * (calls as f64 - averages.1);
    }

    /// The averages, with the bound they share.
    pub fn load(&self, in_flight_bound: usize) -> CallLoad {
        let (latency, calls) = *self.lock();
        CallLoad {
            in_flight_bound,
            call_latency: Duration::from_secs_f64(latency.max(0.0)),
            calls_per_diagnosis: calls.max(1.0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (f64, f64)> {
        // Two numbers; a panic elsewhere cannot leave them half-written.
        self.averages.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_averages_start_from_the_priors_and_move_towards_what_is_observed() {
        let stats = CallStats::default();
        assert_eq!(stats.load(256).call_latency, PRIOR_LATENCY);
        for _ in 0..500 {
            stats.call(Duration::from_millis(50));
            stats.diagnosis(100);
        }
        let load = stats.load(256);
        assert!((load.call_latency.as_secs_f64() - 0.05).abs() < 0.001);
        assert!((load.calls_per_diagnosis - 100.0).abs() < 0.1);
        // 100 calls of 50 ms over 256 places: 19.5 ms of the whole bound.
        let per = load.bound_time_per_diagnosis().as_secs_f64();
        assert!((per - 0.0195).abs() < 0.001, "{per}");
    }
}
