//! One run per key in this process: concurrent identical requests share the first one's result.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

/// Runs in flight, by key.
pub struct SingleFlight<T> {
    runs: Mutex<HashMap<String, Arc<OnceCell<T>>>>,
}

impl<T> Default for SingleFlight<T> {
    fn default() -> Self {
        Self {
            runs: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone> SingleFlight<T> {
    /// Runs `work` for `key`, or joins the run already in flight; `joined` says which.
    /// If the running caller goes away, a waiting one takes the run over.
    pub async fn run<F>(&self, key: &str, work: impl FnOnce() -> F) -> (T, bool)
    where
        F: Future<Output = T>,
    {
        let (cell, joined) = {
            let mut runs = self
                .runs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match runs.get(key) {
                Some(cell) => (cell.clone(), true),
                None => {
                    let cell = Arc::new(OnceCell::new());
                    runs.insert(key.to_owned(), cell.clone());
                    (cell, false)
                }
            }
        };
        let value = cell.get_or_init(work).await.clone();
        let mut runs = self
            .runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if runs
            .get(key)
            .is_some_and(|current| Arc::ptr_eq(current, &cell))
        {
            runs.remove(key);
        }
        (value, joined)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::SingleFlight;

    #[tokio::test]
    async fn concurrent_callers_share_one_run() {
        let flights = SingleFlight::<u32>::default();
        let runs = AtomicUsize::new(0);
        let work = || async {
            runs.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            7
        };
        let results = futures::future::join_all((0..10).map(|_| flights.run("k", work))).await;
        assert!(results.iter().all(|(value, _)| *value == 7));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(results.iter().filter(|(_, joined)| *joined).count(), 9);
        // Finished runs are forgotten: the next call runs again.
        flights.run("k", work).await;
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }
}
