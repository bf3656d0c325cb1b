//! The book of an administrator's account-regions: for each, when it was last read and the
//! latest finding update that read saw, and who holds a claim to read it now. Its types, and
//! the book kept in process memory; in Redis, see `cell_book_backend`.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One account-region's last read, in milliseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookRead {
    /// When it was read.
    pub read_ms: i64,
    /// The latest finding update that read saw, if any.
    pub confirmed_ms: Option<i64>,
}

/// A book as it stood when read.
#[derive(Debug, Clone, Default)]
pub struct BookState {
    /// The backend's clock then.
    pub now_ms: i64,
    /// The last read of each account-region.
    pub reads: HashMap<String, BookRead>,
}

/// The names of one book's two parts.
pub struct BookKeys {
    /// Reads by cell.
    pub reads: String,
    /// Live claims by cell.
    pub claims: String,
}

/// A stored read: `read_ms` or `read_ms:confirmed_ms`.
pub fn parse_read(value: &str) -> Option<BookRead> {
    let (read, confirmed) = match value.split_once(':') {
        Some((read, confirmed)) => (read, Some(confirmed.parse().ok()?)),
        None => (value, None),
    };
    Some(BookRead {
        read_ms: read.parse().ok()?,
        confirmed_ms: confirmed,
    })
}

/// Books kept in process memory: the administrators most recently written, at most
/// [`MEMORY_BOOKS`] (a forgotten book only means its cells are read again).
#[derive(Default)]
pub struct MemoryBooks {
    books: Mutex<HashMap<String, MemoryBook>>,
}

const MEMORY_BOOKS: usize = 1_000;

#[derive(Default)]
struct MemoryBook {
    reads: HashMap<String, BookRead>,
    claims: HashMap<String, i64>,
    written_ms: i64,
}

fn now_ms() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

impl MemoryBooks {
    fn with<T>(&self, name: &str, act: impl FnOnce(&mut MemoryBook, i64) -> T) -> T {
        let mut books = self.books.lock().unwrap_or_else(PoisonError::into_inner);
        if books.len() >= MEMORY_BOOKS
            && !books.contains_key(name)
            && let Some(oldest) = books
                .iter()
                .min_by_key(|(_, book)| book.written_ms)
                .map(|(name, _)| name.clone())
        {
            books.remove(&oldest);
        }
        act(books.entry(name.to_owned()).or_default(), now_ms())
    }

    /// The reads of the book `reads`, and this process's clock.
    pub fn recall(&self, reads: &str) -> BookState {
        self.with(reads, |book, now_ms| BookState {
            now_ms,
            reads: book.reads.clone(),
        })
    }

    /// Claims each of `cells` (see `Backend::book_claim`).
    pub fn claim(
        &self,
        keys: &BookKeys,
        cells: &[String],
        since_ms: i64,
        lease: Duration,
    ) -> Vec<bool> {
        self.with(&keys.reads, |book, now| {
            let until = now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
            cells
                .iter()
                .map(|cell| {
                    let held = book.claims.get(cell).is_some_and(|&end| end > now);
                    let read = book
                        .reads
                        .get(cell)
                        .is_some_and(|read| read.read_ms >= since_ms);
                    if held || read {
                        return false;
                    }
                    book.claims.insert(cell.clone(), until);
                    true
                })
                .collect()
        })
    }

    /// Writes reads and releases claims (see `Backend::book_record`).
    pub fn record(&self, keys: &BookKeys, read: &[(String, Option<i64>)], unread: &[String]) {
        self.with(&keys.reads, |book, now| {
            for (cell, confirmed) in read {
                book.reads.insert(
                    cell.clone(),
                    BookRead {
                        read_ms: now,
                        confirmed_ms: *confirmed,
                    },
                );
                book.claims.remove(cell);
            }
            for cell in unread {
                book.claims.remove(cell);
            }
            book.claims.retain(|_, end| *end > now);
            book.written_ms = now;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> BookKeys {
        BookKeys {
            reads: "book:reads".to_owned(),
            claims: "book:claims".to_owned(),
        }
    }

    fn cells(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn a_claimed_cell_is_not_claimed_again_until_released() {
        let books = MemoryBooks::default();
        let lease = Duration::from_secs(60);
        let since = now_ms();
        assert_eq!(
            books.claim(&keys(), &cells(&["a", "b"]), since, lease),
            [true, true]
        );
        assert_eq!(
            books.claim(&keys(), &cells(&["b", "c"]), since, lease),
            [false, true]
        );
        books.record(&keys(), &[], &cells(&["b"]));
        assert_eq!(books.claim(&keys(), &cells(&["b"]), since, lease), [true]);
    }

    #[test]
    fn a_cell_read_since_the_diagnosis_began_is_not_claimed_an_earlier_read_is() {
        let books = MemoryBooks::default();
        let lease = Duration::from_secs(60);
        let before = now_ms() - 1;
        books.record(&keys(), &[("a".to_owned(), Some(5))], &[]);
        assert_eq!(books.claim(&keys(), &cells(&["a"]), before, lease), [false]);
        assert_eq!(
            books.claim(&keys(), &cells(&["a"]), now_ms() + 1, lease),
            [true]
        );
        let state = books.recall(&keys().reads);
        assert_eq!(state.reads["a"].confirmed_ms, Some(5));
    }

    #[test]
    fn stored_values_parse_with_and_without_a_confirmation() {
        assert_eq!(
            parse_read("1000:900"),
            Some(BookRead {
                read_ms: 1000,
                confirmed_ms: Some(900)
            })
        );
        assert_eq!(parse_read("1000").map(|r| r.confirmed_ms), Some(None));
        assert_eq!(parse_read("x"), None);
    }
}
