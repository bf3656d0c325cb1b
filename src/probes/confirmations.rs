//! What earlier diagnoses of an administrator read of its members' findings, kept between
//! diagnoses and shared by the replicas: per account and region, when it was read and the
//! latest finding update it saw. The organization check reads first what was never confirmed,
//! then the oldest confirmations, and claims each account-region before it reads it, so that two
//! diagnoses of one administrator at once never read the same one. The book itself (in Redis,
//! or in memory) is given to the engine from above, scoped to one tenant; it holds account ids,
//! region names and times, no secret.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

/// One account in one region, as the book names it: `"210000000001/eu-west-1"`.
pub fn cell_name(account: &str, region: &str) -> String {
    format!("{account}/{region}")
}

/// What was read of one account-region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellRead {
    /// When it was read (the book's clock).
    pub read_at: DateTime<Utc>,
    /// The latest update of its findings that read saw; `None`: no finding within the window.
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// The book of one administrator as it stood when recalled.
#[derive(Debug, Clone, Default)]
pub struct Recalled {
    /// The book's clock when it was read: reads at or after it are another diagnosis's of
    /// the same time.
    pub now: Option<DateTime<Utc>>,
    /// The last read of each account-region, by [`cell_name`].
    pub reads: HashMap<String, CellRead>,
}

/// The kept reads of administrators, shared by whoever shares the book.
pub trait Confirmations: Send + Sync {
    /// The book of `administrator` (its partition and account id).
    fn recall<'a>(&'a self, administrator: &'a str) -> BoxFuture<'a, Recalled>;

    /// Claims `cells` for reading for `lease`: one answer per cell, `true` when it is this
    /// diagnosis's to read, `false` when another holds a live claim or read it at or after
    /// `since`.
    fn claim<'a>(
        &'a self,
        administrator: &'a str,
        cells: &'a [String],
        since: DateTime<Utc>,
        lease: Duration,
    ) -> BoxFuture<'a, Vec<bool>>;

    /// Writes what was read (each cell with the latest update seen, `None` for no finding) and
    /// gives up the claims of `read` and of `unread`.
    fn record<'a>(
        &'a self,
        administrator: &'a str,
        read: &'a [(String, Option<DateTime<Utc>>)],
        unread: &'a [String],
    ) -> BoxFuture<'a, ()>;
}

/// No book: every cell is this diagnosis's, nothing is kept (the command line, which stores
/// nothing).
pub struct NoConfirmations;

impl Confirmations for NoConfirmations {
    fn recall<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Recalled> {
        Box::pin(async { Recalled::default() })
    }

    fn claim<'a>(
        &'a self,
        _: &'a str,
        cells: &'a [String],
        _: DateTime<Utc>,
        _: Duration,
    ) -> BoxFuture<'a, Vec<bool>> {
        Box::pin(async move { vec![true; cells.len()] })
    }

    fn record<'a>(
        &'a self,
        _: &'a str,
        _: &'a [(String, Option<DateTime<Utc>>)],
        _: &'a [String],
    ) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}
