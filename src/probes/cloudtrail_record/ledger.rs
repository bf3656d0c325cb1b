//! The window of CloudTrail's record a diagnosis covers, and the arithmetic of the ledger kept
//! between diagnoses: trimming what slid out of the window, counting new failed calls, and
//! adding it all up per action and error code.

use std::collections::BTreeMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use super::event::FailedCall;
use crate::domain::{DenialLedger, DenialTally, ObservedDenial, RegionLedger};

/// How long CloudTrail may take to deliver an event to LookupEvents (typically about five
/// minutes, not guaranteed): later events are counted in the answer but read again next time.
pub const SETTLE: TimeDelta = TimeDelta::minutes(15);

/// The span of time a diagnosis reads: from the start of the bucket that holds `now - hours`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Events before this are out of the window.
    pub start: DateTime<Utc>,
    /// Tallies are kept per bucket of this many hours (the window over 24, at least one).
    pub bucket_hours: u32,
}

impl Window {
    /// The window of `hours` ending at `now`.
    pub fn new(now: DateTime<Utc>, hours: u32) -> Self {
        let bucket_hours = hours.div_ceil(24).max(1);
        let start = bucket_start(now - TimeDelta::hours(i64::from(hours)), bucket_hours);
        Self {
            start,
            bucket_hours,
        }
    }

    /// The start of the bucket that holds `time`.
    pub fn bucket_of(&self, time: DateTime<Utc>) -> DateTime<Utc> {
        bucket_start(time, self.bucket_hours)
    }
}

fn bucket_start(time: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
    time.duration_trunc(TimeDelta::hours(i64::from(hours)))
        .unwrap_or(time)
}

/// The ledger kept before, with what slid out of `window` removed; a ledger kept under another
/// bucket length starts afresh.
pub fn trimmed(prior: Option<DenialLedger>, window: &Window) -> DenialLedger {
    let mut ledger = match prior {
        Some(ledger) if ledger.bucket_hours == window.bucket_hours => ledger,
        _ => DenialLedger {
            bucket_hours: window.bucket_hours,
            regions: BTreeMap::new(),
            recent_events: None,
        },
    };
    ledger
        .regions
        .retain(|_, region| region.settled_to > window.start);
    for region in ledger.regions.values_mut() {
        region.from = region.from.max(window.start);
        region.tallies.retain(|tally| tally.bucket >= window.start);
        region.fresh.retain(|tally| tally.bucket >= window.start);
    }
    ledger
}

/// Counts `call` in `region`'s tallies.
pub fn count(region: &mut RegionLedger, call: &FailedCall, window: &Window) {
    let bucket = window.bucket_of(call.time);
    let found = region.tallies.iter_mut().find(|tally| {
        tally.bucket == bucket && tally.action == call.action && tally.error_code == call.error_code
    });
    match found {
        Some(tally) => {
            tally.count += 1;
            tally.first_seen = tally.first_seen.min(call.time);
            if call.time >= tally.last_seen {
                tally.last_seen = call.time;
                tally.example_resource.clone_from(&call.resource);
                tally.denied_by = call.denied_by;
                tally.message.clone_from(&call.message);
            }
        }
        None => region.tallies.push(tally_of(call, bucket)),
    }
}

/// A tally of a call too recent to be counted for good, alone in a bucket of its own time.
pub fn fresh_tally(call: &FailedCall) -> DenialTally {
    tally_of(call, call.time)
}

/// A tally of `call` alone, in `bucket`.
fn tally_of(call: &FailedCall, bucket: DateTime<Utc>) -> DenialTally {
    DenialTally {
        bucket,
        action: call.action.clone(),
        error_code: call.error_code.clone(),
        count: 1,
        first_seen: call.time,
        last_seen: call.time,
        example_resource: call.resource.clone(),
        denied_by: call.denied_by,
        message: call.message.clone(),
    }
}

/// The denials per action and error code: the tallies of each region read, and its calls too
/// recent to be counted for good (`fresh`).
pub fn add_up<'a>(
    regions: impl IntoIterator<Item = (&'a str, &'a RegionLedger)>,
) -> Vec<ObservedDenial> {
    let mut denials: BTreeMap<(String, String), ObservedDenial> = BTreeMap::new();
    let mut add = |region: &str, tally: DenialTally| {
        let denial = denials
            .entry((tally.action.clone(), tally.error_code.clone()))
            .or_insert_with(|| ObservedDenial {
                action: tally.action.clone(),
                error_code: tally.error_code.clone(),
                count: 0,
                first_seen: tally.first_seen,
                last_seen: tally.last_seen,
                regions: Vec::new(),
                example_resource: tally.example_resource.clone(),
                denied_by: tally.denied_by,
                message: tally.message.clone(),
            });
        denial.count += tally.count;
        denial.first_seen = denial.first_seen.min(tally.first_seen);
        if tally.last_seen >= denial.last_seen {
            denial.last_seen = tally.last_seen;
            denial.example_resource = tally.example_resource;
            denial.denied_by = tally.denied_by;
            denial.message = tally.message;
        }
        if !denial.regions.iter().any(|r| r == region) {
            denial.regions.push(region.to_owned());
            denial.regions.sort();
        }
    };
    for (region, ledger) in regions {
        for tally in ledger.tallies.iter().chain(&ledger.fresh) {
            add(region, tally.clone());
        }
    }
    denials.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn call(action: &str, time: &str, resource: &str) -> FailedCall {
        FailedCall {
            action: action.to_owned(),
            error_code: "AccessDenied".to_owned(),
            time: at(time),
            region: "us-east-1".to_owned(),
            resource: Some(resource.to_owned()),
            denied_by: None,
            message: None,
        }
    }

    #[test]
    fn the_window_starts_at_a_bucket_boundary_and_buckets_grow_with_it() {
        let now = at("2026-12-01T10:42:17Z");
        let day = Window::new(now, 24);
        assert_eq!(day.start, at("2026-11-30T10:00:00Z"));
        assert_eq!(day.bucket_hours, 1);
        let week = Window::new(now, 168);
        assert_eq!(week.bucket_hours, 7);
        assert!(week.start <= now - TimeDelta::hours(168));
        assert_eq!(week.bucket_of(week.start), week.start);
    }

    #[test]
    fn tallies_slide_out_of_the_window_and_add_up_per_action_and_code() {
        let window = Window::new(at("2026-12-01T10:42:17Z"), 24);
        let mut region = RegionLedger {
            from: at("2026-11-30T09:00:00Z"),
            settled_to: at("2026-12-01T10:27:17Z"),
            tallies: Vec::new(),
            read_to: None,
            fresh: Vec::new(),
        };
        count(
            &mut region,
            &call(
                "s3:GetBucketAcl",
                "2026-11-30T09:30:00Z",
                "arn:aws:s3:::old",
            ),
            &window,
        );
        count(
            &mut region,
            &call("s3:GetBucketAcl", "2026-12-01T08:00:00Z", "arn:aws:s3:::a"),
            &window,
        );
        count(
            &mut region,
            &call("s3:GetBucketAcl", "2026-12-01T09:00:00Z", "arn:aws:s3:::b"),
            &window,
        );
        let prior = DenialLedger {
            bucket_hours: 1,
            regions: BTreeMap::from([("us-east-1".to_owned(), region)]),
            recent_events: None,
        };
        let ledger = trimmed(Some(prior), &window);
        let region = &ledger.regions["us-east-1"];
        assert_eq!(region.from, window.start);
        let recent = RegionLedger {
            from: window.start,
            settled_to: at("2026-12-01T10:27:17Z"),
            tallies: Vec::new(),
            read_to: None,
            fresh: vec![fresh_tally(&call(
                "s3:GetBucketAcl",
                "2026-12-01T10:40:00Z",
                "arn:aws:s3:::c",
            ))],
        };
        let denials = add_up([("us-east-1", region), ("eu-west-1", &recent)]);
        assert_eq!(denials.len(), 1);
        let denial = &denials[0];
        assert_eq!(denial.count, 3, "the 09:30 call of yesterday slid out");
        assert_eq!(denial.first_seen, at("2026-12-01T08:00:00Z"));
        assert_eq!(denial.last_seen, at("2026-12-01T10:40:00Z"));
        assert_eq!(denial.example_resource.as_deref(), Some("arn:aws:s3:::c"));
        assert_eq!(denial.regions, vec!["eu-west-1", "us-east-1"]);
    }

    #[test]
    fn a_ledger_of_another_bucket_length_starts_afresh() {
        let window = Window::new(at("2026-12-01T10:42:17Z"), 48);
        let prior = DenialLedger {
            bucket_hours: 1,
            regions: BTreeMap::from([(
                "us-east-1".to_owned(),
                RegionLedger {
                    from: window.start,
                    settled_to: at("2026-12-01T10:00:00Z"),
                    tallies: Vec::new(),
                    read_to: None,
                    fresh: Vec::new(),
                },
            )]),
            recent_events: None,
        };
        assert!(trimmed(Some(prior), &window).regions.is_empty());
    }
}
