//! Settings of the AWS clients.

use std::time::Duration;

use super::EndpointVariables;
use crate::setting_values::{http_url, positive_duration};

/// Where and how long AWS calls go.
#[derive(Debug, Clone, clap::Args)]
pub struct AwsSettings {
    /// Send every AWS call of every service to this URL (emulators, private endpoints). Never settable by a request. [default: unset, real AWS]
    #[arg(long, value_parser = http_url)]
    pub aws_endpoint_url: Option<String>,

    /// The AWS SDKs' endpoint variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`),
    /// used when `aws_endpoint_url` is unset: the command line's `diagnose` reads them from its
    /// environment; the service never does, so they stay empty there.
    #[arg(skip)]
    pub endpoint_variables: EndpointVariables,

    /// Timeout of one AWS call, retries included.
    #[arg(long, default_value = "5s", value_parser = positive_duration)]
    pub aws_call_timeout: Duration,

    /// Timeout for opening a connection to AWS.
    #[arg(long, default_value = "3s", value_parser = positive_duration)]
    pub aws_connect_timeout: Duration,
}
