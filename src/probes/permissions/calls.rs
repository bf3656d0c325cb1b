//! One IAM call of this probe: cut off at the diagnosis deadline, its SDK error kept structured.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::{AwsError, AwsService};
use crate::probes::context::ProbeContext;

/// How many independent IAM reads run at once: IAM's request rate is low and shared by the
/// whole account, so a user with many groups and policies must not burst.
pub const CONCURRENT_READS: usize = 4;

/// Runs the IAM `operation` that `call` starts, turning an SDK error into an [`AwsError`]
/// without secrets.
pub async fn iam<T, E, F>(
    ctx: &ProbeContext<'_>,
    operation: &'static str,
    call: impl FnOnce() -> F,
) -> Result<T, AwsError>
where
    F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    // IAM is global: its calls go to the partition's home region.
    ctx.aws(
        ctx.identity.partition.sts_region(),
        AwsService::Iam,
        operation,
        call,
    )
    .await
}
