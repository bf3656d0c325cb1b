//! What every probe needs: the door of its AWS calls (the session, bounds, budget, deadline),
//! and after identity who the session is, the request and the regions.

use tokio::time::Instant;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::aws_rates::{self, RateShare};
use super::budget::{self, CallBudget};
use super::limits::CallLimits;
use super::observation::CallLog;
use super::region_plan::RegionPlan;
use super::retest::Retest;
use crate::aws::{AwsError, AwsService, AwsSession};
use crate::domain::{DiagnosisRequest, IdentityInfo, Region};
use crate::metrics::Metrics;

/// The one door every AWS call of a diagnosis goes through, identity's included: the session
/// it signs with, the bounds, the budget, the deadline and the records.
#[derive(Clone, Copy)]
pub struct AwsDoor<'a> {
    /// Signs as the diagnosed principal (the role session once a role was assumed).
    pub session: &'a AwsSession,
    /// Every secret of the diagnosis, to scrub from kept messages.
    pub secrets: &'a [&'a str],
    /// When the diagnosis must be answered.
    pub deadline: Instant,
    /// No call waits for a turn of the budget past this (at most the deadline): a probe with a
    /// time limit of its own sets it in a copy of the door.
    pub turns_until: Instant,
    /// Bounds on calls in flight.
    pub limits: &'a CallLimits,
    /// The per-account budget of AWS calls, per API bucket and region.
    pub budget: &'a dyn CallBudget,
    /// The share of AWS's rates the budget allows.
    pub rate_share: RateShare,
    /// Whose budget the calls take their turns of: the account id, or the access key id while
    /// identity has not yet said which account the key is of.
    pub budget_owner: &'a str,
    /// Where calls are counted.
    pub metrics: &'a Metrics,
    /// Where every call's outcome is recorded for the permission verdicts.
    pub calls: &'a CallLog,
}

impl AwsDoor<'_> {
    /// Runs the AWS call that `call` starts, of `service` in `region`: within the call
    /// bounds and at a turn of the account's budget, cut off at the diagnosis deadline (waiting
    /// for a place or a turn counts against it too), its SDK error kept structured without
    /// secrets, its outcome and duration counted, and what it proves about its action's
    /// permission recorded. No turn before `turns_until`: an error of kind `NoTurn`, no call.
    pub async fn aws<T, E, F>(
        &self,
        region: Region,
        service: AwsService,
        operation: &'static str,
        call: impl FnOnce() -> F,
    ) -> Result<T, AwsError>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let name = service.name();
        let secrets = self.secrets;
        let metrics = self.metrics;
        let calls = self.calls;
        let limits = self.limits;
        let bucket = aws_rates::bucket(service, operation);
        let turn = (self.budget_owner, bucket.name, region);
        let rate = self.rate_share.of(bucket);
        let until = self.turns_until.min(self.deadline);
        let timed = async move {
            let _local = limits.local(name, region).await;
            // The turn before the process's place: a call waiting for its account's turn must
            // not hold a place other accounts' calls could use.
            budget::wait_turn(self.budget, metrics, turn, rate, until)
                .await
                .map_err(|_| AwsError::no_turn(name, operation))?;
            let _global = limits.global().await;
            let started = std::time::Instant::now();
            // An SDK call's future is tens of KiB. Built only once admitted, and on the heap,
            // so the calls that wait for a place (hundreds under load) cost almost nothing.
            let result = Box::pin(call())
                .await
                .map_err(|error| AwsError::from_sdk(name, operation, &error, secrets));
            let took = started.elapsed();
            limits.made(took);
            metrics.aws_call(name, operation, region, &result, took);
            calls.record(service, operation, region, &result);
            result
        };
        within(self.deadline, name, operation, timed).await
    }
}

/// Shared, read-only inputs of the probes of one diagnosis after identity: the door of its
/// AWS calls (which it dereferences to), who the session is, the request and the regions.
#[derive(Clone, Copy)]
pub struct ProbeContext<'a> {
    /// Where the probes' AWS calls go through.
    pub door: AwsDoor<'a>,
    /// Who the session is.
    pub identity: &'a IdentityInfo,
    /// The validated request.
    pub request: &'a DiagnosisRequest,
    /// The role ARN when a role was assumed (the simulator needs the role, not the session).
    pub assumed_role_arn: Option<&'a str>,
    /// The regions of the diagnosis (empty while they are being decided).
    pub regions: &'a RegionPlan,
    /// The re-test window and the LookupEvents reads kept from the connector's last diagnosis.
    pub retest: &'a Retest,
}

impl<'a> std::ops::Deref for ProbeContext<'a> {
    type Target = AwsDoor<'a>;

    fn deref(&self) -> &AwsDoor<'a> {
        &self.door
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
