//! Settings of the probe engine: its deadline, its bounds on AWS calls, and how much of
//! CloudTrail's record of the connector's calls it reads.

use std::time::Duration;

use crate::setting_values::{duration, positive, positive_duration};

/// How long a diagnosis may take and how many AWS calls it may have in flight.
#[derive(Debug, Clone, clap::Args)]
pub struct ProbeSettings {
    /// Overall deadline of one diagnosis; what has not finished by then is reported as timed out.
    #[arg(long, default_value = "25s", value_parser = positive_duration)]
    pub diagnosis_deadline: Duration,

    /// Most AWS calls in flight for one service in one region within a diagnosis (AWS throttles per account, region and API).
    #[arg(long, default_value = "4", value_parser = positive)]
    pub max_aws_calls_per_service_region: usize,

    /// Most AWS calls in flight across all diagnoses of the process.
    #[arg(long, default_value = "256", value_parser = positive)]
    pub max_aws_calls_in_flight: usize,

    /// Percent of AWS's published request rates (per account, region and API) that diagnoses take, across every replica sharing the Redis (1 to 100); the rest is left to the account's own tools.
    #[arg(long, default_value = "50", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub aws_rate_share_percent: u32,

    /// Hours of CloudTrail's record of the connector's own calls that a diagnosis covers (1 to 168).
    #[arg(long, default_value = "24", value_parser = clap::value_parser!(u32).range(1..=168))]
    pub observed_window_hours: u32,

    /// Most LookupEvents pages (50 events each) read per region in one diagnosis; later diagnoses go on from there.
    #[arg(long, default_value = "5", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub observed_pages_per_region: u32,

    /// Within this time of a diagnosis's LookupEvents reads, a re-test of the same connector key reuses them (CloudTrail shows events minutes late) and makes no LookupEvents call; 0s: always read.
    #[arg(long, default_value = "60s", value_parser = duration)]
    pub retest_window: Duration,
}
