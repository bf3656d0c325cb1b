//! One diagnosis's use of the administrator's book of confirmations (see
//! [`crate::probes::Confirmations`]): the order in which a region's accounts are read (never
//! confirmed first, then the oldest confirmations), a claim on each account-region before it is
//! read, each read written back, and, for what this diagnosis did not read, what the book can
//! still say: a confirmation within the contract's 48 hours is `flowing`; a read another
//! diagnosis made meanwhile stands; anything else stays `not_checked`.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::seen::{Cell, DataSeen};
use crate::domain::{DataFlow, Region};
use crate::probes::confirmations::{CellRead, Confirmations, Recalled, cell_name};

/// A stored confirmation counts as `flowing` this long after the update it saw (the contract's
/// third-wave section).
pub const CONFIRMATION_HOLDS: TimeDelta = TimeDelta::hours(48);

/// The order of reads: whether confirmed, when, and when last read (see [`Book::priority`]).
pub type Priority = (bool, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Why a cell another diagnosis holds was not read by this one.
const HELD_ELSEWHERE: &str =
    "being read by another diagnosis of this administrator; a later diagnosis shows it";

/// The book of one administrator, as this diagnosis uses it.
pub struct Book<'a> {
    store: &'a dyn Confirmations,
    administrator: String,
    recalled: Recalled,
    since: DateTime<Utc>,
    lease: Duration,
}

impl<'a> Book<'a> {
    /// The book of `administrator` (partition and account id), claims held for `lease`.
    pub async fn open(
        store: &'a dyn Confirmations,
        administrator: String,
        lease: Duration,
    ) -> Self {
        let recalled = store.recall(&administrator).await;
        Self {
            since: recalled.now.unwrap_or_else(Utc::now),
            store,
            administrator,
            recalled,
            lease,
        }
    }

    fn read_of(&self, account: &str, origin: Region) -> Option<&CellRead> {
        self.recalled.reads.get(&cell_name(account, origin.name()))
    }

    /// Where `account` of `origin` stands in the order of reads (lowest first): never read,
    /// then read without a confirmation (oldest read first), then the oldest confirmations.
    pub fn priority(&self, account: &str, origin: Region) -> Priority {
        let read = self.read_of(account, origin);
        let confirmed = read.and_then(|read| read.confirmed_at);
        (
            confirmed.is_some(),
            confirmed,
            read.map(|read| read.read_at),
        )
    }

    /// Claims `accounts` of `origin`: each with whether it is this diagnosis's to read.
    pub async fn claim(&self, accounts: &[String], origin: Region) -> Vec<bool> {
        let cells: Vec<String> = accounts
            .iter()
            .map(|account| cell_name(account, origin.name()))
            .collect();
        self.store
            .claim(&self.administrator, &cells, self.since, self.lease)
            .await
    }

    /// Writes what was read of `origin` (an account and the latest update seen) and gives up
    /// the claims of `released`.
    pub async fn record(
        &self,
        origin: Region,
        read: &[(String, Option<DateTime<Utc>>)],
        released: &[String],
    ) {
        if read.is_empty() && released.is_empty() {
            return;
        }
        let read: Vec<(String, Option<DateTime<Utc>>)> = read
            .iter()
            .map(|(account, at)| (cell_name(account, origin.name()), *at))
            .collect();
        let released: Vec<String> = released
            .iter()
            .map(|account| cell_name(account, origin.name()))
            .collect();
        self.store
            .record(&self.administrator, &read, &released)
            .await;
    }

    /// What the book says, after this diagnosis's reads, of the cells it did not read (each with
    /// the reason it was not read, or `None` when another diagnosis held it).
    pub async fn fill_in(
        &self,
        unread: Vec<(Cell, Option<String>)>,
        now: DateTime<Utc>,
    ) -> Vec<(Cell, DataSeen)> {
        if unread.is_empty() {
            return Vec::new();
        }
        // Read again: other diagnoses may have read cells since this one began.
        let book = self.store.recall(&self.administrator).await;
        unread
            .into_iter()
            .map(|((account, origin), reason)| {
                let read = book.reads.get(&cell_name(&account, origin.name()));
                let seen = kept(read, self.since, now).unwrap_or_else(|| DataSeen {
                    data: DataFlow::NotChecked,
                    confirmed_at: None,
                    reason: Some(reason.unwrap_or_else(|| HELD_ELSEWHERE.to_owned())),
                });
                ((account, origin), seen)
            })
            .collect()
    }
}

/// What a kept read says now: `flowing` while its confirmation holds; `none` when another
/// diagnosis read it since `since` and saw nothing; else nothing.
fn kept(read: Option<&CellRead>, since: DateTime<Utc>, now: DateTime<Utc>) -> Option<DataSeen> {
    let read = read?;
    match read.confirmed_at {
        Some(at) if now - at <= CONFIRMATION_HOLDS => Some(DataSeen {
            data: DataFlow::Flowing,
            confirmed_at: Some(at),
            reason: None,
        }),
        None if read.read_at >= since => Some(DataSeen {
            data: DataFlow::None,
            confirmed_at: None,
            reason: None,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours_ago: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() - TimeDelta::hours(hours_ago)
    }

    fn read(read_hours_ago: i64, confirmed_hours_ago: Option<i64>) -> CellRead {
        CellRead {
            read_at: at(read_hours_ago),
            confirmed_at: confirmed_hours_ago.map(at),
        }
    }

    #[test]
    fn a_confirmation_within_48_hours_is_flowing_an_older_one_is_not() {
        let now = at(0);
        let since = at(0);
        let fresh = kept(Some(&read(3, Some(47))), since, now).unwrap();
        assert_eq!(fresh.data, DataFlow::Flowing);
        assert_eq!(fresh.confirmed_at, Some(at(47)));
        assert_eq!(kept(Some(&read(1, Some(49))), since, now), None);
    }

    #[test]
    fn a_read_without_findings_stands_only_when_made_during_this_diagnosis() {
        let now = at(0);
        let during = kept(Some(&read(0, None)), at(0), now).unwrap();
        assert_eq!(during.data, DataFlow::None);
        assert_eq!(kept(Some(&read(2, None)), at(1), now), None);
        assert_eq!(kept(None, at(1), now), None);
    }

    #[test]
    fn never_read_comes_first_then_unconfirmed_then_oldest_confirmation() {
        let origin = Region::parse("us-east-1").unwrap();
        let name = |account| cell_name(account, "us-east-1");
        let recalled = Recalled {
            now: Some(at(0)),
            reads: [
                (name("new-conf"), read(1, Some(1))),
                (name("old-conf"), read(1, Some(40))),
                (name("none-recent"), read(1, None)),
                (name("none-old"), read(20, None)),
            ]
            .into_iter()
            .collect(),
        };
        let store = crate::probes::confirmations::NoConfirmations;
        let book = Book {
            store: &store,
            administrator: "aws:123456789012".to_owned(),
            recalled,
            since: at(0),
            lease: Duration::from_secs(1),
        };
        let mut accounts: Vec<String> =
            ["new-conf", "old-conf", "none-recent", "never", "none-old"]
                .map(str::to_owned)
                .to_vec();
        accounts.sort_by_key(|account| book.priority(account, origin));
        assert_eq!(
            accounts,
            ["never", "none-old", "none-recent", "old-conf", "new-conf"]
        );
    }
}
