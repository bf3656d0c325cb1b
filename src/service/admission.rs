//! Admission of cold diagnoses. A few run at once (enough to keep the process's bound on AWS
//! calls in flight busy); the others wait in line, first come first served. A request joins the
//! line only if its answer can come in time: the diagnoses ahead of it keep the in-flight bound
//! busy for their calls times the calls' observed latency, over the bound. When that is too long,
//! it is shed at once with the time after which the line will have drained enough
//! (`Retry-After`), instead of starting a diagnosis that would answer with timeouts.
//!
//! Not the diagnoses' own run time: a diagnosis that waits for its account's AWS budget (many
//! connectors of one account at once) runs long without using the bound, and must not make every
//! other account's diagnoses be shed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::probes::CallLoad;

/// The sequential waves of one diagnosis's calls (identity, regions and permissions, the
/// regional probes, their follow-up reads and a margin): its least duration is this many calls'
/// latency, however idle the process.
const WAVES: u32 = 6;

/// Diagnoses running at once per place of the in-flight bound: a diagnosis keeps several calls in
/// flight in its wide waves (every region at once), so one diagnosis per eight places keeps the
/// bound busy without holding many diagnoses' memory at once.
const PLACES_PER_RUNNING: usize = 8;

/// Shed: no diagnosis is started; ask again after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shed {
    /// Whole seconds, at least one.
    pub retry_after: Duration,
}

/// The line of cold diagnoses and the places to run them.
pub struct Admission {
    /// Admitted and not finished: running, or waiting for a place.
    admitted: Arc<AtomicUsize>,
    /// Most admitted at once, whatever the estimate says.
    cap: usize,
    /// Places to run.
    running: Arc<Semaphore>,
    /// The answer should come within this of the request's arrival: half the diagnosis deadline,
    /// the other half a margin for the estimate's error.
    answer_within: Duration,
}

/// An admitted diagnosis; leaves the line when dropped.
#[derive(Debug)]
pub struct Ticket {
    admitted: Arc<AtomicUsize>,
    running: Arc<Semaphore>,
    answer_within: Duration,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Admission {
    /// At most `cap` cold diagnoses admitted, a few of them running at once for `in_flight_bound`
    /// AWS calls in flight, each answered within half of `deadline`.
    pub fn new(cap: usize, in_flight_bound: usize, deadline: Duration) -> Self {
        Self {
            admitted: Arc::default(),
            cap: cap.max(1),
            running: Arc::new(Semaphore::new(
                (in_flight_bound / PLACES_PER_RUNNING).max(1),
            )),
            answer_within: deadline / 2,
        }
    }

    /// Admits a diagnosis if its answer can come in time behind the ones admitted, under `load`.
    pub fn admit(&self, load: CallLoad) -> Result<Ticket, Shed> {
        let ahead = self.admitted.fetch_add(1, Ordering::AcqRel);
        let ticket = Ticket {
            admitted: self.admitted.clone(),
            running: self.running.clone(),
            answer_within: self.answer_within,
        };
        let expected = expected_answer(ahead, load);
        if ahead >= self.cap || expected > self.answer_within {
            // Dropping the ticket leaves the line again.
            return Err(shed_for(expected.saturating_sub(self.answer_within)));
        }
        Ok(ticket)
    }
}

impl Ticket {
    /// Waits for a place to run. Shed if the wait in line took so long that the diagnosis could
    /// no longer answer in time (the estimate was wrong: calls grew slower while it waited). A
    /// wait before this, for another replica's run of the same request, is not the line's.
    pub async fn place(&self, load: impl Fn() -> CallLoad) -> Result<OwnedSemaphorePermit, Shed> {
        let queued = Instant::now();
        let place = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| shed_for(Duration::ZERO))?;
        let late = queued.elapsed() + expected_answer(0, load());
        let deadline = self.answer_within * 2;
        if late > deadline {
            return Err(shed_for(late - deadline));
        }
        Ok(place)
    }
}

/// When the answer of a diagnosis with `ahead` others before it would come: the bound's time of
/// every one of them and its own, then its last wave's calls.
fn expected_answer(ahead: usize, load: CallLoad) -> Duration {
    let queue = u32::try_from(ahead + 1).unwrap_or(u32::MAX);
    load.bound_time_per_diagnosis() * queue + load.call_latency * WAVES
}

fn shed_for(over: Duration) -> Shed {
    Shed {
        retry_after: Duration::from_secs(over.as_secs_f64().ceil().max(1.0) as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 200 calls of 50 ms over 256 places: 39 ms of the bound per diagnosis.
    fn load() -> CallLoad {
        CallLoad {
            in_flight_bound: 256,
            call_latency: Duration::from_millis(50),
            calls_per_diagnosis: 200.0,
        }
    }

    #[test]
    fn admits_while_the_line_drains_within_half_the_deadline_then_sheds_with_the_wait() {
        let admission = Admission::new(10_000, 256, Duration::from_secs(25));
        let tickets: Vec<Ticket> = std::iter::from_fn(|| admission.admit(load()).ok()).collect();
        // (n × 39 ms + 300 ms) ≤ 12.5 s: n ≤ 312.
        assert_eq!(tickets.len(), 312);
        let shed = admission.admit(load()).expect_err("shed");
        assert_eq!(shed.retry_after, Duration::from_secs(1));
        assert_eq!(
            admission.admitted.load(Ordering::Acquire),
            312,
            "a shed request leaves the line"
        );
        drop(tickets);
        assert_eq!(admission.admitted.load(Ordering::Acquire), 0);
        assert!(admission.admit(load()).is_ok());
    }

    #[test]
    fn the_cap_holds_whatever_the_estimate_and_the_retry_after_grows_with_the_line() {
        let admission = Admission::new(3, 256, Duration::from_secs(25));
        let _kept: Vec<Ticket> = (0..3).map(|_| admission.admit(load()).unwrap()).collect();
        assert!(admission.admit(load()).is_err());

        let slow = CallLoad {
            call_latency: Duration::from_secs(1),
            ..load()
        };
        let open = Admission::new(10_000, 256, Duration::from_secs(25));
        let _line: Vec<Ticket> = std::iter::from_fn(|| open.admit(slow).ok()).collect();
        let first = open.admit(slow).unwrap_err().retry_after;
        assert!(first >= Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_place_is_given_in_arrival_order_and_only_while_the_answer_can_come_in_time() {
        let admission = Admission::new(10, 8, Duration::from_secs(25));
        let first = admission.admit(load()).unwrap();
        let second = admission.admit(load()).unwrap();
        let place = first.place(load).await.expect("a place");
        let waiting = tokio::time::timeout(Duration::from_millis(100), second.place(load)).await;
        assert!(waiting.is_err(), "one place for an in-flight bound of 8");
        drop(place);
        assert!(second.place(load).await.is_ok());

        let hopeless = CallLoad {
            call_latency: Duration::from_secs(60),
            ..load()
        };
        let third = admission.admit(load()).unwrap();
        assert!(third.place(|| hopeless).await.is_err());
    }
}
