//! One line of finding reads per region the reads go to. The plans read in one region share its
//! budget (with an aggregator, every linked region's plan is read in the aggregation region), so
//! their accounts wait in one line, in the book's order across the plans: the next batch comes
//! from the plan whose first account comes first. Otherwise a region already confirmed would
//! take turns from one never read. Readers take batches from the line and give back what a full
//! page left unsettled; the first read that fails stops the line for everyone.

use std::collections::VecDeque;

use super::book::{Book, Priority};
use super::read_plan::ReadPlan;
use super::seen::Cell;
use crate::domain::Region;

/// The accounts of one plan still to read.
struct Queue {
    origin: Region,
    /// Not yet claimed, in the book's order.
    waiting: VecDeque<(Priority, String)>,
    /// Claimed by this diagnosis, not yet settled: read before anything else of the line.
    again: VecDeque<String>,
}

/// The accounts of every plan read in one region.
pub struct Line {
    queues: Vec<Queue>,
    stopped: Option<String>,
}

/// A batch to read: the accounts of `origin` already claimed, and those still to claim.
pub struct Pick {
    /// The region whose findings are sought.
    pub origin: Region,
    /// Claimed earlier, unsettled by a full page.
    pub claimed: Vec<String>,
    /// To claim before the read.
    pub wanted: Vec<String>,
}

/// What a stopped line leaves: claims to give up, per origin, and the cells nobody read.
pub struct Left {
    /// Claimed accounts whose claims must be released.
    pub claimed: Vec<(Region, Vec<String>)>,
    /// Every cell the line did not read.
    pub cells: Vec<Cell>,
}

impl Line {
    /// The line of `plans`, each plan's accounts in the book's order.
    pub fn new<'p>(plans: impl IntoIterator<Item = &'p ReadPlan>, book: &Book<'_>) -> Self {
        let queues = plans
            .into_iter()
            .map(|plan| {
                let mut waiting: Vec<(Priority, String)> = (plan.accounts.iter())
                    .map(|account| (book.priority(account, plan.origin), account.clone()))
                    .collect();
                waiting.sort_by_key(|(priority, _)| *priority);
                Queue {
                    origin: plan.origin,
                    waiting: waiting.into(),
                    again: VecDeque::new(),
                }
            })
            .collect();
        Self {
            queues,
            stopped: None,
        }
    }

    /// The next batch of at most `size` accounts: unsettled ones first, else from the plan whose
    /// first waiting account comes first; `None` when nothing is left or the line stopped.
    pub fn next(&mut self, size: usize) -> Option<Pick> {
        if self.stopped.is_some() {
            return None;
        }
        if let Some(queue) = self.queues.iter_mut().find(|q| !q.again.is_empty()) {
            let claimed: Vec<String> = queue.again.drain(..queue.again.len().min(size)).collect();
            let wanted = take(&mut queue.waiting, size - claimed.len());
            return Some(Pick {
                origin: queue.origin,
                claimed,
                wanted,
            });
        }
        let queue = self
            .queues
            .iter_mut()
            .filter(|queue| !queue.waiting.is_empty())
            .min_by(|a, b| a.waiting[0].0.cmp(&b.waiting[0].0))?;
        Some(Pick {
            origin: queue.origin,
            claimed: Vec::new(),
            wanted: take(&mut queue.waiting, size),
        })
    }

    /// Up to `size` more waiting accounts of `origin` (to fill a batch some claims of which
    /// failed).
    pub fn more(&mut self, origin: Region, size: usize) -> Vec<String> {
        match self.queues.iter_mut().find(|q| q.origin == origin) {
            Some(queue) if self.stopped.is_none() => take(&mut queue.waiting, size),
            _ => Vec::new(),
        }
    }

    /// Gives back claimed accounts a full page left unsettled; a stopped line takes none and
    /// answers why it stopped, with the accounts (the caller releases them).
    pub fn again(
        &mut self,
        origin: Region,
        accounts: Vec<String>,
    ) -> Result<(), (String, Vec<String>)> {
        if accounts.is_empty() {
            return Ok(());
        }
        if let Some(reason) = &self.stopped {
            return Err((reason.clone(), accounts));
        }
        if let Some(queue) = self.queues.iter_mut().find(|q| q.origin == origin) {
            queue.again.extend(accounts);
        }
        Ok(())
    }

    /// Stops the line for `reason` (the first reason stands); what it leaves.
    pub fn stop(&mut self, reason: &str) -> (String, Left) {
        let reason = self
            .stopped
            .get_or_insert_with(|| reason.to_owned())
            .clone();
        let mut left = Left {
            claimed: Vec::new(),
            cells: Vec::new(),
        };
        for queue in &mut self.queues {
            let again: Vec<String> = queue.again.drain(..).collect();
            let waiting = queue.waiting.drain(..).map(|(_, account)| account);
            left.cells.extend(
                again
                    .iter()
                    .cloned()
                    .chain(waiting)
                    .map(|account| (account, queue.origin)),
            );
            if !again.is_empty() {
                left.claimed.push((queue.origin, again));
            }
        }
        (reason, left)
    }
}

fn take(waiting: &mut VecDeque<(Priority, String)>, size: usize) -> Vec<String> {
    let count = waiting.len().min(size);
    waiting.drain(..count).map(|(_, account)| account).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(name: &str) -> Region {
        Region::parse(name).unwrap()
    }

    fn queue(origin: &str, waiting: &[(bool, &str)]) -> Queue {
        Queue {
            origin: region(origin),
            waiting: (waiting.iter())
                .map(|&(confirmed, account)| ((confirmed, None, None), account.to_owned()))
                .collect(),
            again: VecDeque::new(),
        }
    }

    #[test]
    fn the_next_batch_comes_from_the_plan_whose_first_account_comes_first() {
        let mut line = Line {
            queues: vec![
                queue("us-east-1", &[(true, "a1"), (true, "a2")]),
                queue("eu-west-1", &[(false, "b1"), (true, "b2")]),
            ],
            stopped: None,
        };
        let pick = line.next(1).unwrap();
        assert_eq!(
            (pick.origin, pick.wanted),
            (region("eu-west-1"), vec!["b1".to_owned()])
        );
        // Unsettled accounts go before anything waiting.
        assert!(
            line.again(region("us-east-1"), vec!["a0".to_owned()])
                .is_ok()
        );
        let pick = line.next(2).unwrap();
        assert_eq!(pick.origin, region("us-east-1"));
        assert_eq!(
            (pick.claimed, pick.wanted),
            (vec!["a0".to_owned()], vec!["a1".to_owned()])
        );
    }

    #[test]
    fn a_stopped_line_gives_nothing_and_leaves_every_cell_with_the_claims_to_release() {
        let mut line = Line {
            queues: vec![queue("us-east-1", &[(false, "a1")])],
            stopped: None,
        };
        assert!(
            line.again(region("us-east-1"), vec!["a0".to_owned()])
                .is_ok()
        );
        let (reason, left) = line.stop("throttled");
        assert_eq!(reason, "throttled");
        assert_eq!(left.cells.len(), 2);
        assert_eq!(
            left.claimed,
            vec![(region("us-east-1"), vec!["a0".to_owned()])]
        );
        assert!(line.next(20).is_none());
        assert_eq!(
            line.again(region("us-east-1"), vec!["a3".to_owned()]),
            Err(("throttled".to_owned(), vec!["a3".to_owned()]))
        );
        assert_eq!(line.stop("later").0, "throttled");
    }
}
