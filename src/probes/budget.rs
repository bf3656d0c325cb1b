//! The per-account budget of AWS calls: AWS throttles its APIs per account and region (CloudTrail's
//! LookupEvents: two requests per second), across every caller of the account, so the bound must
//! hold across every diagnosis of every replica. Every call asks for a turn (`ProbeContext::aws`);
//! the budget itself (shared through Redis, or in memory) is given to the engine from above, the
//! rates come from `aws_rates`.

use std::time::Duration;

use futures::future::BoxFuture;
use tokio::time::Instant;

use crate::domain::Region;
use crate::metrics::Metrics;

/// At most `calls` calls in any `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Calls in one period.
    pub calls: u32,
    /// The period.
    pub per: Duration,
}

/// Turns to call an API of an account in a region, shared by whoever shares the budget.
pub trait CallBudget: Send + Sync {
    /// Takes a turn under `key` if `rate` has one free now (`None`), else says how long to wait
    /// before asking again.
    fn take<'a>(&'a self, key: &'a str, rate: Rate) -> BoxFuture<'a, Option<Duration>>;
}

/// The call would start after its deadline: it is not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastDeadline;

/// Waits for a turn of `bucket` of `account` in `region`, counting the wait; gives up when the
/// turn would come after `until`.
pub async fn wait_turn(
    budget: &dyn CallBudget,
    metrics: &Metrics,
    (account, bucket, region): (&str, &'static str, Region),
    rate: Rate,
    until: Instant,
) -> Result<(), PastDeadline> {
    let key = format!("{account}:{bucket}:{}", region.name());
    let started = Instant::now();
    while let Some(wait) = budget.take(&key, rate).await {
        if Instant::now() + wait >= until {
            metrics.budget_wait(bucket, started.elapsed());
            return Err(PastDeadline);
        }
        tokio::time::sleep(wait).await;
    }
    metrics.budget_wait(bucket, started.elapsed());
    Ok(())
}
