//! Admission of cold diagnoses, fair between tenants within this replica. A few run at once
//! (enough to keep the process's bound on AWS calls in flight busy); the others wait in line.
//! Each tenant has a line of its own, and a freed place goes to the tenant served least recently
//! that has a diagnosis waiting, so one tenant's burst never queues ahead of another tenant's
//! request. A tenant runs at most its share of the places at once, so a place is free for the
//! others however many diagnoses it sends.
//!
//! A request joins its tenant's line only if its answer can come in time: served in turn, the
//! diagnoses ahead of it are its tenant's own and, from every other tenant, as many as it has
//! ahead plus one; they keep the in-flight bound busy for their calls times the calls' observed
//! latency, over the bound. When that is too long, or its tenant already holds its share of the
//! line while the line is full, it is shed at once with the time after which the line will have
//! drained enough (`Retry-After`): a tenant's excess is refused before any other tenant waits.
//!
//! Not the diagnoses' own run time: a diagnosis that waits for its account's AWS budget (many
//! connectors of one account at once) runs long without using the bound, and must not make every
//! other account's diagnoses be shed. Fairness is per replica: the per-account AWS budget is what
//! replicas share.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;
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

/// How many diagnoses admission lets in and runs.
#[derive(Debug, Clone, Copy)]
pub struct AdmissionLimits {
    /// Most admitted at once (running or waiting), whatever the estimate says; shared fairly.
    pub line: usize,
    /// The process-wide bound on AWS calls in flight; one place to run per eight of it.
    pub in_flight_bound: usize,
    /// Most places one tenant holds at once; `None`: half of them, or all when only one tenant
    /// can call.
    pub tenant_places: Option<usize>,
    /// How many tenants can call (1 without caller tokens).
    pub tenants: usize,
    /// The diagnosis deadline; answers should come within half of it.
    pub deadline: Duration,
}

/// The lines of cold diagnoses, one per tenant, and the places to run them.
pub struct Admission {
    shared: Arc<Shared>,
}

struct Shared {
    lines: Mutex<Lines>,
    /// Most admitted at once in all lines, before fair shares apply.
    line_cap: usize,
    /// Places to run.
    places: usize,
    /// Most places one tenant holds.
    tenant_places: usize,
    /// The answer should come within this of the request's arrival: half the diagnosis deadline,
    /// the other half a margin for the estimate's error.
    answer_within: Duration,
}

#[derive(Default)]
struct Lines {
    admitted: usize,
    running: usize,
    tenants: HashMap<String, TenantLine>,
    /// Every tenant with a diagnosis admitted, the one served least recently first.
    turns: VecDeque<String>,
    next_waiter: u64,
}

#[derive(Default)]
struct TenantLine {
    admitted: usize,
    running: usize,
    /// Waiting for a place, first come first.
    waiting: VecDeque<(u64, oneshot::Sender<()>)>,
}

/// An admitted diagnosis; leaves its line when dropped.
pub struct Ticket {
    shared: Arc<Shared>,
    tenant: String,
}

/// A place to run, held by one diagnosis; given to the next in turn when dropped.
pub struct Place {
    shared: Arc<Shared>,
    tenant: String,
}

impl Admission {
    /// Lines and places within `limits`.
    pub fn new(limits: AdmissionLimits) -> Self {
        let places = (limits.in_flight_bound / PLACES_PER_RUNNING).max(1);
        let default_share = match limits.tenants {
            0 | 1 => places,
            _ => places.div_ceil(2),
        };
        Self {
            shared: Arc::new(Shared {
                lines: Mutex::default(),
                line_cap: limits.line.max(1),
                places,
                tenant_places: limits
                    .tenant_places
                    .unwrap_or(default_share)
                    .clamp(1, places),
                answer_within: limits.deadline / 2,
            }),
        }
    }

    /// Admits a diagnosis of `tenant` if its answer can come in time, served in turn with the
    /// other tenants' lines, under `load`.
    pub fn admit(&self, tenant: &str, load: CallLoad) -> Result<Ticket, Shed> {
        let shared = &self.shared;
        let mut lines = shared.lock();
        let own = lines.tenants.get(tenant).map_or(0, |line| line.admitted);
        let others: usize = lines
            .tenants
            .iter()
            .filter(|(name, _)| name.as_str() != tenant)
            .map(|(_, line)| line.admitted.min(own + 1))
            .sum();
        let expected = shared.expected_answer(own + others, own, load);
        // The line's fair share: its size over the tenants in it, this one counted.
        let tenants_in_line =
            lines.tenants.len() + usize::from(!lines.tenants.contains_key(tenant));
        let share = (shared.line_cap / tenants_in_line).max(1);
        let full = lines.admitted >= shared.line_cap && own >= share;
        // A tenant under its share still gets in when the line is full; never past twice its size.
        let overflowing = lines.admitted >= 2 * shared.line_cap;
        if full || overflowing || expected > shared.answer_within {
            return Err(shed_for(expected.saturating_sub(shared.answer_within)));
        }
        lines.admitted += 1;
        if !lines.turns.iter().any(|name| name == tenant) {
            // Not served yet: first in turn.
            lines.turns.push_front(tenant.to_owned());
        }
        lines.tenants.entry(tenant.to_owned()).or_default().admitted += 1;
        Ok(Ticket {
            shared: shared.clone(),
            tenant: tenant.to_owned(),
        })
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Lines> {
        // Counters and queues updated under the lock in one step each: a panic elsewhere cannot
        // leave them half-written.
        self.lines.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// When the answer of a diagnosis with `ahead` others served before it, `own` of them its
    /// tenant's, would come: the bound's time of every one of them and its own, or, when longer,
    /// its tenant's own line run at most `tenant_places` at a time; then its last wave's calls.
    fn expected_answer(&self, ahead: usize, own: usize, load: CallLoad) -> Duration {
        let queue = u32::try_from(ahead + 1).unwrap_or(u32::MAX);
        let own_rounds = u32::try_from(own / self.tenant_places).unwrap_or(u32::MAX);
        let diagnosis = load.call_latency * WAVES;
        (load.bound_time_per_diagnosis() * queue).max(diagnosis.saturating_mul(own_rounds))
            + diagnosis
    }

    /// Gives free places to the waiting diagnoses, each to the tenant served least recently that
    /// has one waiting and is under its share of places.
    fn hand_out(&self, lines: &mut Lines) {
        let mut tried = 0;
        while lines.running < self.places && tried < lines.turns.len() {
            let Some(tenant) = lines.turns.pop_front() else {
                break;
            };
            let Some(line) = lines.tenants.get_mut(&tenant) else {
                // Its line is gone; its turn with it.
                continue;
            };
            let granted = line.running < self.tenant_places
                && std::iter::from_fn(|| line.waiting.pop_front())
                    .any(|(_, waiter)| waiter.send(()).is_ok());
            if granted {
                line.running += 1;
                lines.running += 1;
                tried = 0;
            } else {
                tried += 1;
            }
            // Served or not, its turn comes again after the others'.
            lines.turns.push_back(tenant);
        }
    }

    /// A place of `tenant` is free again.
    fn release(&self, tenant: &str) {
        let mut lines = self.lock();
        lines.running -= 1;
        if let Some(line) = lines.tenants.get_mut(tenant) {
            line.running -= 1;
        }
        lines.forget_if_idle(tenant);
        self.hand_out(&mut lines);
    }
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticket")
            .field("tenant", &self.tenant)
            .finish()
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut lines = self.shared.lock();
        lines.admitted -= 1;
        if let Some(line) = lines.tenants.get_mut(&self.tenant) {
            line.admitted -= 1;
        }
        lines.forget_if_idle(&self.tenant);
    }
}

impl Lines {
    /// Drops `tenant`'s line, and its turn, once it has nothing admitted and no place.
    fn forget_if_idle(&mut self, tenant: &str) {
        let idle = self
            .tenants
            .get(tenant)
            .is_some_and(|line| line.admitted == 0 && line.running == 0);
        if idle {
            self.tenants.remove(tenant);
            self.turns.retain(|name| name != tenant);
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        self.shared.release(&self.tenant);
    }
}

/// A diagnosis waiting in its tenant's line; leaves it when dropped before its turn came (the
/// request was cancelled), and gives back a place that was handed to it but not yet taken.
struct Waiting {
    shared: Arc<Shared>,
    tenant: String,
    id: u64,
    turn: Option<oneshot::Receiver<()>>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let Some(mut turn) = self.turn.take() else {
            return;
        };
        let mut lines = self.shared.lock();
        // Places are handed out under the lock: either it is still in line, or it has one.
        if turn.try_recv().is_ok() {
            drop(lines);
            self.shared.release(&self.tenant);
        } else if let Some(line) = lines.tenants.get_mut(&self.tenant) {
            line.waiting.retain(|(id, _)| *id != self.id);
        }
    }
}

impl Ticket {
    /// Waits for a place to run: at once if one is free and the tenant is under its share of
    /// them, else in its tenant's line until its turn. Shed if the wait took so long that the
    /// diagnosis could no longer answer in time (the estimate was wrong: calls grew slower while
    /// it waited). A wait before this, for another replica's run of the same request, is not the
    /// line's.
    pub async fn place(&self, load: impl Fn() -> CallLoad) -> Result<Place, Shed> {
        let queued = Instant::now();
        let shared = &self.shared;
        let waiting = {
            let mut lines = shared.lock();
            let lines = &mut *lines;
            let free = lines.running < shared.places;
            let line = lines.tenants.entry(self.tenant.clone()).or_default();
            if free && line.running < shared.tenant_places && line.waiting.is_empty() {
                line.running += 1;
                lines.running += 1;
                served(&mut lines.turns, &self.tenant);
                None
            } else {
                let (sender, receiver) = oneshot::channel();
                let id = lines.next_waiter;
                lines.next_waiter += 1;
                line.waiting.push_back((id, sender));
                Some(Waiting {
                    shared: shared.clone(),
                    tenant: self.tenant.clone(),
                    id,
                    turn: Some(receiver),
                })
            }
        };
        if let Some(mut waiting) = waiting {
            let turn = waiting.turn.as_mut().expect("set until dropped");
            turn.await.map_err(|_| shed_for(Duration::ZERO))?;
            // Taken: nothing to give back.
            waiting.turn = None;
        }
        let place = Place {
            shared: shared.clone(),
            tenant: self.tenant.clone(),
        };
        let late = queued.elapsed() + shared.expected_answer(0, 0, load());
        let deadline = shared.answer_within * 2;
        if late > deadline {
            return Err(shed_for(late - deadline));
        }
        Ok(place)
    }
}

/// Moves `tenant` to the end of the turns: it was just served.
fn served(turns: &mut VecDeque<String>, tenant: &str) {
    if let Some(at) = turns.iter().position(|name| name == tenant)
        && let Some(name) = turns.remove(at)
    {
        turns.push_back(name);
    }
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

    fn limits(line: usize, in_flight_bound: usize, tenants: usize) -> AdmissionLimits {
        AdmissionLimits {
            line,
            in_flight_bound,
            tenant_places: None,
            tenants,
            deadline: Duration::from_secs(25),
        }
    }

    fn admitted(admission: &Admission) -> usize {
        admission.shared.lock().admitted
    }

    /// Whether `ticket` gets a place within a short while (it never will unless one is free or
    /// handed to it: no timing decides the answer).
    async fn gets_place(ticket: &Ticket) -> Option<Place> {
        tokio::time::timeout(Duration::from_millis(200), ticket.place(load))
            .await
            .ok()
            .map(|place| place.expect("not shed"))
    }

    #[test]
    fn admits_while_the_line_drains_within_half_the_deadline_then_sheds_with_the_wait() {
        let admission = Admission::new(limits(10_000, 256, 1));
        let tickets: Vec<Ticket> =
            std::iter::from_fn(|| admission.admit("acme", load()).ok()).collect();
        // (n × 39 ms + 300 ms) ≤ 12.5 s: n ≤ 312.
        assert_eq!(tickets.len(), 312);
        let shed = admission.admit("acme", load()).expect_err("shed");
        assert_eq!(shed.retry_after, Duration::from_secs(1));
        assert_eq!(admitted(&admission), 312, "a shed request leaves the line");
        drop(tickets);
        assert_eq!(admitted(&admission), 0);
        assert!(admission.shared.lock().tenants.is_empty());
        assert!(admission.admit("acme", load()).is_ok());
    }

    #[test]
    fn the_cap_holds_whatever_the_estimate_and_the_retry_after_grows_with_the_line() {
        let admission = Admission::new(limits(3, 256, 1));
        let _kept: Vec<Ticket> = (0..3)
            .map(|_| admission.admit("acme", load()).unwrap())
            .collect();
        assert!(admission.admit("acme", load()).is_err());

        let slow = CallLoad {
            call_latency: Duration::from_secs(1),
            ..load()
        };
        let open = Admission::new(limits(10_000, 256, 1));
        let _line: Vec<Ticket> = std::iter::from_fn(|| open.admit("acme", slow).ok()).collect();
        let first = open.admit("acme", slow).unwrap_err().retry_after;
        assert!(first >= Duration::from_secs(1));
    }

    #[test]
    fn a_tenant_holding_its_share_of_a_full_line_is_shed_and_the_others_still_get_in() {
        let admission = Admission::new(limits(4, 256, 2));
        let _acme: Vec<Ticket> = (0..4)
            .map(|_| admission.admit("acme", load()).unwrap())
            .collect();
        assert!(
            admission.admit("acme", load()).is_err(),
            "the line is full and acme holds it all"
        );
        let bravo = admission.admit("bravo", load());
        assert!(bravo.is_ok(), "bravo holds less than its share: admitted");
        assert!(admission.admit("acme", load()).is_err());
    }

    #[test]
    fn one_tenants_long_line_does_not_count_in_full_ahead_of_another() {
        let slow = CallLoad {
            call_latency: Duration::from_millis(500),
            ..load()
        };
        // 200 × 0.5 s / 256 = 390 ms of the bound per diagnosis: 12.5 s hold 29 in line.
        let admission = Admission::new(limits(10_000, 256, 2));
        let acme: Vec<Ticket> = std::iter::from_fn(|| admission.admit("acme", slow).ok()).collect();
        assert!(acme.len() < 30, "{}", acme.len());
        // Served in turn, bravo's request has one of acme's ahead, not the whole line.
        assert!(admission.admit("bravo", slow).is_ok());
    }

    #[tokio::test]
    async fn places_go_in_turn_between_tenants_and_in_arrival_order_within_one() {
        // 8 calls in flight: one place, each tenant's share of it whole.
        let admission = Admission::new(limits(10, 8, 2));
        let acme: Vec<Ticket> = (0..3)
            .map(|_| admission.admit("acme", load()).unwrap())
            .collect();
        let first = gets_place(&acme[0]).await.expect("the free place");
        let (second, third) = (acme[1].place(load), acme[2].place(load));
        tokio::pin!(second, third);
        let bravo = admission.admit("bravo", load()).unwrap();
        let bravos = bravo.place(load);
        tokio::pin!(bravos);
        // Everyone registers in line, in this order: acme, acme, bravo.
        for _ in 0..2 {
            tokio::select! {
                biased;
                _ = &mut second => panic!("no place is free"),
                _ = &mut third => panic!("no place is free"),
                _ = &mut bravos => panic!("no place is free"),
                () = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
        drop(first);
        // acme was served last: bravo's turn, although acme's two came first.
        let bravo_place = tokio::select! {
            place = &mut bravos => place.unwrap(),
            _ = &mut second => panic!("acme served twice before bravo once"),
            _ = &mut third => panic!("acme served twice before bravo once"),
        };
        drop(bravo_place);
        let second_place = tokio::select! {
            place = &mut second => place.unwrap(),
            _ = &mut third => panic!("acme's own line is first come first served"),
        };
        drop(second_place);
        assert!(third.await.is_ok());
    }

    #[tokio::test]
    async fn a_tenant_runs_at_most_its_share_while_places_stay_free_for_others() {
        // 32 calls in flight: 4 places, 2 per tenant.
        let admission = Admission::new(limits(10, 32, 2));
        let acme: Vec<Ticket> = (0..3)
            .map(|_| admission.admit("acme", load()).unwrap())
            .collect();
        let _one = gets_place(&acme[0]).await.expect("free");
        let _two = gets_place(&acme[1]).await.expect("free");
        assert!(gets_place(&acme[2]).await.is_none(), "acme holds its share");
        let bravo = admission.admit("bravo", load()).unwrap();
        assert!(
            gets_place(&bravo).await.is_some(),
            "a place is free for bravo"
        );

        // One tenant alone can call: the places are all its own.
        let alone = Admission::new(limits(10, 32, 1));
        let tickets: Vec<Ticket> = (0..4)
            .map(|_| alone.admit("default", load()).unwrap())
            .collect();
        let mut places = Vec::new();
        for ticket in &tickets {
            places.push(gets_place(ticket).await.expect("all four places"));
        }
    }

    #[tokio::test]
    async fn a_cancelled_wait_leaves_the_line_and_gives_back_a_place_handed_to_it() {
        let admission = Admission::new(limits(10, 8, 1));
        let first = admission.admit("acme", load()).unwrap();
        let second = admission.admit("acme", load()).unwrap();
        let third = admission.admit("acme", load()).unwrap();
        let place = gets_place(&first).await.expect("free");
        // The second gives up waiting: it leaves the line.
        assert!(gets_place(&second).await.is_none());
        assert!(admission.shared.lock().tenants["acme"].waiting.is_empty());
        drop(place);
        assert!(gets_place(&third).await.is_some(), "the place went on");

        // A place handed to a wait that is dropped before it takes it comes back.
        let admission = Admission::new(limits(10, 8, 1));
        let holder = admission.admit("acme", load()).unwrap();
        let waiter = admission.admit("acme", load()).unwrap();
        let held = gets_place(&holder).await.expect("free");
        {
            let wait = waiter.place(load);
            tokio::pin!(wait);
            assert!(futures::poll!(&mut wait).is_pending());
            drop(held);
            // Handed over, not yet taken; dropped here.
        }
        assert_eq!(admission.shared.lock().running, 0, "given back");
        let last = admission.admit("acme", load()).unwrap();
        assert!(gets_place(&last).await.is_some());
    }

    #[tokio::test]
    async fn a_place_is_refused_when_the_answer_could_no_longer_come_in_time() {
        let admission = Admission::new(limits(10, 8, 1));
        let hopeless = CallLoad {
            call_latency: Duration::from_secs(60),
            ..load()
        };
        let ticket = admission.admit("acme", load()).unwrap();
        assert!(ticket.place(|| hopeless).await.is_err());
        assert_eq!(
            admission.shared.lock().running,
            0,
            "the place was given back"
        );
    }
}
