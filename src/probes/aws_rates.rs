//! The request rates AWS allows per account and region, API by API, and the share of them that
//! connector-doctor takes: every call of a diagnosis waits for a turn of its account's budget, so
//! that many diagnoses of one account (a portal re-testing a large organization, on any number of
//! replicas) leave the rest of the rate to the customer's own tools.
//!
//! The rates themselves are facts of each service, in [`AwsService`].

use std::time::Duration;

use super::budget::Rate;
use crate::aws::AwsService;

/// Every rate's period: a second and 10 %, so that two calls granted a period apart still
/// arrive more than a second apart when the first one's request leaves a little later.
const PERIOD: Duration = Duration::from_millis(1100);

/// A bucket of an account's rate: the APIs that AWS counts together, and how many calls a second
/// AWS allows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// `service:group`, part of the budget's key and the metric's label.
    pub name: &'static str,
    /// Calls a second AWS allows the account in one region.
    pub aws_per_second: u32,
}

/// The bucket `operation` of `service` counts against.
pub fn bucket(service: AwsService, operation: &str) -> Bucket {
    let (name, aws_per_second) = service.rate_bucket(operation);
    Bucket {
        name,
        aws_per_second,
    }
}

/// The share of AWS's rates that diagnoses take, in percent (1 to 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateShare(u32);

impl RateShare {
    /// `percent` of each rate, clamped to 1..=100.
    pub fn percent(percent: u32) -> Self {
        Self(percent.clamp(1, 100))
    }

    /// This share of `bucket`'s rate: AWS's calls of one second spread over a longer period, so
    /// that a diagnosis may still make them at once (a burst no second of AWS's count exceeds)
    /// while over time the account sees only the share.
    pub fn of(self, bucket: Bucket) -> Rate {
        Rate {
            calls: bucket.aws_per_second,
            per: PERIOD * 100 / self.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::aws::AwsService::{CloudTrail, SecurityHub};

    #[test]
    fn apis_that_aws_counts_apart_have_their_own_bucket() {
        assert_eq!(
            bucket(CloudTrail, "LookupEvents").name,
            "cloudtrail:LookupEvents"
        );
        assert_eq!(bucket(CloudTrail, "DescribeTrails").name, "cloudtrail:read");
        assert_eq!(bucket(CloudTrail, "GetTrailStatus").name, "cloudtrail:read");
        assert_eq!(
            bucket(SecurityHub, "GetFindings").name,
            "securityhub:GetFindings"
        );
        assert_eq!(bucket(SecurityHub, "DescribeHub").name, "securityhub:read");
    }

    #[test]
    fn a_share_spreads_a_second_of_aws_calls_over_a_longer_period() {
        let lookups = bucket(CloudTrail, "LookupEvents");
        let whole = RateShare::percent(100).of(lookups);
        assert_eq!((whole.calls, whole.per), (2, Duration::from_millis(1100)));
        let half = RateShare::percent(50).of(lookups);
        assert_eq!((half.calls, half.per), (2, Duration::from_millis(2200)));
        let tenth = RateShare::percent(10).of(bucket(SecurityHub, "DescribeHub"));
        assert_eq!(
            (tenth.calls, tenth.per),
            (10, Duration::from_millis(11_000))
        );
        assert_eq!(RateShare::percent(0), RateShare::percent(1));
        assert_eq!(RateShare::percent(500), RateShare::percent(100));
    }
}
