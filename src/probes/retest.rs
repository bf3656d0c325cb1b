//! The re-test window: a user who changes a policy and tests the connector again within it
//! should not wait for the account's LookupEvents budget (AWS allows two calls a second and
//! region, and the service takes a share of that), which the first diagnosis spent. CloudTrail
//! shows events minutes after they happen, so a read of the record seconds after the last one
//! learns nothing: within the window a diagnosis of the same connector key reuses the last read
//! of CloudTrail's record (`observed_window` then ends where that read ended) and the regional
//! CloudTrail check's last look for recent events, and calls LookupEvents only where no read of
//! its own is kept. After the window it reads as before. A reused read keeps its own time, so
//! re-tests every few seconds read again once the window since the actual read has passed.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::{RecentEventsLook, Region};

/// The window, and the look for recent events kept from the connector's last diagnosis; what
/// this diagnosis looked (or reused) is put here for the next one.
#[derive(Debug, Default)]
pub struct Retest {
    /// How long a read serves a re-test; zero: never.
    window: Duration,
    /// The regional CloudTrail check's look kept from the connector's last diagnosis.
    prior: Option<RecentEventsLook>,
    /// The look this diagnosis made or reused, to keep.
    look: Mutex<Option<RecentEventsLook>>,
}

impl Retest {
    /// Re-tests within `window` of a read reuse it; `prior` is the look kept.
    pub fn new(window: Duration, prior: Option<RecentEventsLook>) -> Self {
        Self {
            window,
            prior,
            look: Mutex::default(),
        }
    }

    /// How long a read serves a re-test; zero: never.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Whether a read that ended at `read_to` still serves a diagnosis at `now`.
    pub fn serves(&self, read_to: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        let Some(read_to) = read_to else {
            return false;
        };
        match (now - read_to).to_std() {
            _ if self.window.is_zero() => false,
            Ok(since) => since < self.window,
            // Stamped a little ahead (another replica's clock): as good as just read, unless
            // the clocks are a whole window apart.
            Err(_) => (read_to - now)
                .to_std()
                .is_ok_and(|ahead| ahead < self.window),
        }
    }

    /// The kept look for recent events in `region`, when it still serves at `now`; it is kept
    /// again, with its own time.
    pub fn recent_events(&self, region: Region, now: DateTime<Utc>) -> Option<bool> {
        let prior = self
            .prior
            .as_ref()
            .filter(|look| look.region == region.name() && self.serves(Some(look.at), now))?;
        self.keep(prior.clone());
        Some(prior.found)
    }

    /// Keeps `look` for the connector's next diagnosis.
    pub fn keep(&self, look: RecentEventsLook) {
        *self.look.lock().unwrap_or_else(|e| e.into_inner()) = Some(look);
    }

    /// The look to keep, if this diagnosis made or reused one.
    pub fn take_look(&self) -> Option<RecentEventsLook> {
        self.look.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_read_serves_within_the_window_only() {
        let retest = Retest::new(Duration::from_secs(60), None);
        let now = at("2026-12-07T10:00:00Z");
        assert!(retest.serves(Some(at("2026-12-07T09:59:01Z")), now));
        assert!(!retest.serves(Some(at("2026-12-07T09:59:00Z")), now));
        assert!(retest.serves(Some(at("2026-12-07T10:00:02Z")), now));
        assert!(!retest.serves(Some(at("2026-12-07T10:05:00Z")), now));
        assert!(!retest.serves(None, now));
        let never = Retest::new(Duration::ZERO, None);
        assert!(!never.serves(Some(now), now));
    }

    #[test]
    fn a_kept_look_serves_its_region_within_the_window_and_keeps_its_time() {
        let look = RecentEventsLook {
            region: "eu-west-1".to_owned(),
            at: at("2026-12-07T09:59:30Z"),
            found: true,
        };
        let retest = Retest::new(Duration::from_secs(60), Some(look.clone()));
        let now = at("2026-12-07T10:00:00Z");
        let us_east_1 = Region::find("us-east-1").unwrap();
        assert_eq!(retest.recent_events(us_east_1, now), None);
        assert_eq!(retest.take_look(), None);
        let eu_west_1 = Region::find("eu-west-1").unwrap();
        assert_eq!(retest.recent_events(eu_west_1, now), Some(true));
        assert_eq!(retest.take_look(), Some(look));
        let later = at("2026-12-07T10:00:31Z");
        assert_eq!(retest.recent_events(eu_west_1, later), None);
    }
}
