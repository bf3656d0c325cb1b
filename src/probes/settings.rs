//! Settings of the probe engine: its deadline and its bounds on AWS calls.

use std::time::Duration;

use crate::setting_values::{positive, positive_duration};

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
}
