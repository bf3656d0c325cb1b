//! What every probe after identity needs: the (role) session, who it is, the request, the deadline.

use tokio::time::Instant;

use super::limits::CallLimits;
use crate::aws::{AwsError, AwsSession};
use crate::domain::{DiagnosisRequest, IdentityInfo};

/// Shared, read-only inputs of the probes of one diagnosis.
pub struct ProbeContext<'a> {
    /// Signs as the diagnosed principal (the role session when a role was assumed).
    pub session: &'a AwsSession,
    /// Who the session is.
    pub identity: &'a IdentityInfo,
    /// The validated request.
    pub request: &'a DiagnosisRequest,
    /// Every secret of the diagnosis, to scrub from kept messages.
    pub secrets: &'a [&'a str],
    /// The role ARN when a role was assumed (the simulator needs the role, not the session).
    pub assumed_role_arn: Option<&'a str>,
    /// When the diagnosis must be answered.
    pub deadline: Instant,
    /// Bounds on calls in flight.
    pub limits: &'a CallLimits,
}

impl ProbeContext<'_> {
    /// Runs one AWS call within the call bounds, cut off at the diagnosis deadline
    /// (waiting for a place counts against the deadline too).
    pub async fn call<T>(
        &self,
        service: &'static str,
        operation: &'static str,
        call: impl Future<Output = Result<T, AwsError>>,
    ) -> Result<T, AwsError> {
        within(self.deadline, service, operation, self.limits.run(call)).await
    }
}

/// Runs `call` until `deadline`; past it, a timeout error of `service`/`operation`.
pub async fn within<T>(
    deadline: Instant,
    service: &'static str,
    operation: &'static str,
    call: impl Future<Output = Result<T, AwsError>>,
) -> Result<T, AwsError> {
    tokio::time::timeout_at(deadline, call)
        .await
        .unwrap_or_else(|_| Err(AwsError::deadline(service, operation)))
}
