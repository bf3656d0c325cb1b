//! The organization check's book of confirmations, kept in the store and scoped to one tenant:
//! in Redis it is shared by every replica; in memory, by the diagnoses of this process. While
//! the store does not answer, the diagnosis reads as if nothing were kept: every cell is its own
//! to read, nothing is written (two replicas may then read a cell twice, never claim what they
//! cannot read).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use crate::cache::DiagnosisStore;
use crate::probes::{CellRead, Confirmations, Recalled};

/// A book unwritten this long is dropped: its confirmations are all past the contract's 48
/// hours by then, and it only kept the order in which cells are read again.
const KEEP: Duration = Duration::from_secs(7 * 24 * 3600);

/// The books of one tenant's administrators in the store.
pub struct StoreConfirmations {
    store: Arc<DiagnosisStore>,
    tenant: String,
}

impl StoreConfirmations {
    /// `tenant`'s books in `store`.
    pub fn new(store: Arc<DiagnosisStore>, tenant: &str) -> Self {
        Self {
            store,
            tenant: tenant.to_owned(),
        }
    }
}

fn time(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

impl Confirmations for StoreConfirmations {
    fn recall<'a>(&'a self, administrator: &'a str) -> BoxFuture<'a, Recalled> {
        Box::pin(async move {
            let Some(book) = self.store.book(&self.tenant, administrator).await else {
                return Recalled::default();
            };
            Recalled {
                now: time(book.now_ms),
                reads: book
                    .reads
                    .into_iter()
                    .filter_map(|(cell, read)| {
                        let read = CellRead {
                            read_at: time(read.read_ms)?,
                            confirmed_at: read.confirmed_ms.and_then(time),
                        };
                        Some((cell, read))
                    })
                    .collect(),
            }
        })
    }

    fn claim<'a>(
        &'a self,
        administrator: &'a str,
        cells: &'a [String],
        since: DateTime<Utc>,
        lease: Duration,
    ) -> BoxFuture<'a, Vec<bool>> {
        Box::pin(async move {
            let book = (self.tenant.as_str(), administrator);
            let since = since.timestamp_millis();
            self.store
                .claim_cells(book, cells, since, lease)
                .await
                .unwrap_or_else(|| vec![true; cells.len()])
        })
    }

    fn record<'a>(
        &'a self,
        administrator: &'a str,
        read: &'a [(String, Option<DateTime<Utc>>)],
        unread: &'a [String],
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let read: Vec<(String, Option<i64>)> = read
                .iter()
                .map(|(cell, at)| (cell.clone(), at.map(|at| at.timestamp_millis())))
                .collect();
            let book = (self.tenant.as_str(), administrator);
            self.store.record_cells(book, &read, unread, KEEP).await;
        })
    }
}
