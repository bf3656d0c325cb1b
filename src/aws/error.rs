//! AWS errors kept structured (code, message, HTTP status, request id) until the catalogue maps them.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::DateTime;

use super::scrub::scrub;
use crate::domain::AwsErrorReport;

/// What kind of failure a call ended in, decided by the `SdkError` variant.
///
/// `code()` is `None` for everything but service errors, so these must be told apart
/// by the variant, never by parsing a display string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorKind {
    /// AWS answered with an error response (see `code`).
    Service,
    /// The call or one attempt ran out of time.
    Timeout,
    /// No response: connection refused, DNS, TLS, reset.
    Unreachable,
    /// A response arrived but could not be read (malformed body).
    MalformedResponse,
    /// The request could not be built (a bug or bad input).
    Construction,
    /// Not made: the account's budget of calls had no turn for it in time (other diagnoses of
    /// the same account were using the share of AWS's rate that connector-doctor takes).
    NoTurn,
}

impl AwsErrorKind {
    /// A few words for a person: `timed out`, `unreachable`, ...
    pub fn describe(self) -> &'static str {
        match self {
            AwsErrorKind::Service => "an AWS error",
            AwsErrorKind::Timeout => "timed out",
            AwsErrorKind::Unreachable => "unreachable",
            AwsErrorKind::MalformedResponse => "an unreadable answer",
            AwsErrorKind::Construction => "a request that could not be built",
            AwsErrorKind::NoTurn => "not made in time: the account's call budget was in use",
        }
    }
}

/// One failed AWS call, as much as AWS told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// Service name, e.g. `sts`.
    pub service: &'static str,
    /// Operation name, e.g. `GetCallerIdentity`.
    pub operation: &'static str,
    /// The failure kind.
    pub kind: AwsErrorKind,
    /// The wire error code (`InvalidClientTokenId`, `AccessDenied`, …).
    pub code: Option<String>,
    /// The error message, with the request's secrets scrubbed.
    pub message: Option<String>,
    /// HTTP status of the response, if one arrived.
    pub http_status: Option<u16>,
    /// AWS's request id.
    pub request_id: Option<String>,
    /// The response's `Date` header in seconds since the epoch: AWS's clock, to detect skew.
    /// (Seconds, not a `DateTime`, to keep the error small: it travels in every `Result`.)
    pub server_time: Option<i64>,
}

impl AwsError {
    /// Captures an SDK error of `service`/`operation`, scrubbing `secrets` from its texts.
    pub fn from_sdk<E>(
        service: &'static str,
        operation: &'static str,
        error: &SdkError<E, HttpResponse>,
        secrets: &[&str],
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let kind = match error {
            SdkError::ServiceError(_) => AwsErrorKind::Service,
            SdkError::TimeoutError(_) => AwsErrorKind::Timeout,
            SdkError::DispatchFailure(failure) if failure.is_timeout() => AwsErrorKind::Timeout,
            SdkError::DispatchFailure(_) => AwsErrorKind::Unreachable,
            SdkError::ResponseError(_) => AwsErrorKind::MalformedResponse,
            _ => AwsErrorKind::Construction,
        };
        let response = error.raw_response();
        let header = |name: &str| {
            response
                .and_then(|r| r.headers().get(name))
                .map(str::to_owned)
        };
        let request_id = error
            .meta()
            .extra("aws_request_id")
            .map(str::to_owned)
            .or_else(|| header("x-amzn-requestid"))
            .or_else(|| header("x-amz-request-id"));
        let message = match kind {
            AwsErrorKind::Service => error.message().map(str::to_owned),
            // Variants other than service errors carry their cause only in the source chain.
            _ => Some(describe_chain(error)),
        };
        Self {
            service,
            operation,
            kind,
            code: error.code().map(str::to_owned),
            message: message.map(|text| scrub(&text, secrets)),
            http_status: response.map(|r| r.status().as_u16()),
            request_id,
            server_time: header("date")
                .and_then(|date| DateTime::parse_from_rfc2822(&date).ok())
                .map(|date| date.timestamp()),
        }
    }

    /// The call was cut off by the diagnosis deadline.
    pub fn deadline(service: &'static str, operation: &'static str) -> Self {
        Self::without_response(
            service,
            operation,
            AwsErrorKind::Timeout,
            "the call did not finish before the diagnosis deadline",
        )
    }

    /// The call was not made: no turn of the account's budget came in time.
    pub fn no_turn(service: &'static str, operation: &'static str) -> Self {
        Self::without_response(
            service,
            operation,
            AwsErrorKind::NoTurn,
            "no turn of the account's AWS call budget came in time (other diagnoses of the \
             account were using it)",
        )
    }

    /// A failure with no AWS response behind it.
    pub fn without_response(
        service: &'static str,
        operation: &'static str,
        kind: AwsErrorKind,
        message: &str,
    ) -> Self {
        Self {
            service,
            operation,
            kind,
            code: None,
            message: Some(message.to_owned()),
            http_status: None,
            request_id: None,
            server_time: None,
        }
    }

    /// The error code, else the HTTP status, else the kind of failure: enough for a summary.
    pub fn brief(&self) -> String {
        match (&self.code, self.http_status) {
            (Some(code), _) => code.clone(),
            (None, Some(status)) => format!("HTTP {status}"),
            (None, None) => self.kind.describe().to_owned(),
        }
    }

    /// Whether the code is one of `codes`.
    pub fn code_is(&self, codes: &[&str]) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| codes.contains(&code))
    }

    /// The report placed in a finding.
    pub fn report(&self) -> AwsErrorReport {
        AwsErrorReport {
            service: self.service.to_owned(),
            operation: self.operation.to_owned(),
            code: self.code.clone(),
            message: self.message.clone(),
            http_status: self.http_status,
            request_id: self.request_id.clone(),
        }
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} failed", self.service, self.operation)?;
        if let Some(code) = &self.code {
            write!(f, " with {code}")?;
        }
        if let Some(status) = self.http_status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

/// The error and its sources in one line: `SdkError`'s own Display says only "dispatch failure".
fn describe_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
