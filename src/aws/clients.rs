//! One factory for every AWS client: a single shared HTTP client, per-diagnosis credentials.
//!
//! Clients are built from a shared base config, so they cost no new connection pool, and
//! nothing re-reads the environment or profile files.

use std::sync::Arc;
use std::time::Duration;

use aws_config::{AppName, BehaviorVersion, Region as SdkRegion, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

use super::EndpointVariables;
use super::settings::AwsSettings;
use crate::domain::{AwsCredentials, Region};

/// The app name in every call's user agent.
const APP_NAME: &str = "connector-doctor";

/// Builds AWS sessions; cloned freely (it holds `Arc`s).
#[derive(Clone)]
pub struct AwsClientFactory {
    inner: Arc<FactoryInner>,
}

struct FactoryInner {
    base: ClientBase,
    /// The regional services' clients, one per process: every session's calls name their
    /// credentials, retry partition and region in a per-call override ([`in_region`]).
    shared: Arc<SharedClients>,
}

/// What every client is built on.
struct ClientBase {
    http_client: SharedHttpClient,
    endpoint_url: Option<String>,
    /// The SDKs' endpoint variables, when `endpoint_url` is unset (the command line's).
    endpoint_variables: Option<EndpointVariables>,
    call_timeout: Duration,
    connect_timeout: Duration,
}

impl AwsClientFactory {
    /// The factory for these settings, with its one HTTP client.
    pub fn new(settings: &AwsSettings) -> Self {
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .build_https();
        let endpoint_variables = (settings.aws_endpoint_url.is_none()
            && !settings.endpoint_variables.is_empty())
        .then(|| settings.endpoint_variables.clone());
        let base = ClientBase {
            http_client,
            endpoint_url: settings.aws_endpoint_url.clone(),
            endpoint_variables,
            call_timeout: settings.aws_call_timeout,
            connect_timeout: settings.aws_connect_timeout,
        };
        let shared = Arc::new(SharedClients::new(&base.config(), base.overrides_s3()));
        Self {
            inner: Arc::new(FactoryInner { base, shared }),
        }
    }

    /// A session that signs with `credentials`.
    pub fn session(&self, credentials: &AwsCredentials) -> AwsSession {
        let credentials = Credentials::new(
            credentials.access_key_id.expose(),
            credentials.secret_access_key.expose(),
            credentials
                .session_token
                .as_ref()
                .map(|token| token.expose().to_owned()),
            None,
            "connector-doctor-request",
        );
        AwsSession::new(
            self.inner.base.config(),
            SharedCredentialsProvider::new(credentials),
            self.inner.shared.clone(),
        )
    }
}

impl ClientBase {
    /// Everything of a client's configuration but the credentials.
    fn config(&self) -> SdkConfig {
        let mut builder = SdkConfig::builder()
            // Pinned so an SDK upgrade cannot silently change retries, timeouts or endpoints.
            .behavior_version(BehaviorVersion::v2026_01_12())
            // Sent in the user agent (`app/connector-doctor`), which CloudTrail records: the
            // diagnosis tells its own calls from the portal's, made with the same key.
            .app_name(AppName::new(APP_NAME).expect("a valid app name"))
            .http_client(self.http_client.clone())
            .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
            .time_source(aws_smithy_async::time::SystemTimeSource::new())
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(self.connect_timeout)
                    .operation_timeout(self.call_timeout)
                    .build(),
            );
        if let Some(url) = &self.endpoint_url {
            builder = builder.endpoint_url(url.clone());
        }
        if let Some(variables) = &self.endpoint_variables {
            // Each SDK client asks for its own service's variable by the service's id.
            builder = builder.service_config(variables.clone());
        }
        builder.build()
    }

    /// Whether S3's calls go elsewhere than to AWS.
    fn overrides_s3(&self) -> bool {
        self.endpoint_url.is_some()
            || self
                .endpoint_variables
                .as_ref()
                .is_some_and(|variables| variables.for_service("S3").is_some())
    }
}

/// The clients of the regional services, shared by every session: an SDK client costs 16 to
/// 25 KiB, and five of them per diagnosis were a fifth of the memory of 200 diagnoses at once.
struct SharedClients {
    cloudtrail: aws_sdk_cloudtrail::Client,
    securityhub: aws_sdk_securityhub::Client,
    config: aws_sdk_config::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
    s3: aws_sdk_s3::Client,
}

impl SharedClients {
    fn new(base: &SdkConfig, s3_elsewhere: bool) -> Self {
        Self {
            cloudtrail: aws_sdk_cloudtrail::Client::new(base),
            securityhub: aws_sdk_securityhub::Client::new(base),
            config: aws_sdk_config::Client::new(base),
            cloudwatch: aws_sdk_cloudwatch::Client::new(base),
            // With an endpoint override (an emulator), the bucket goes in the path, since no
            // emulator serves bucket host names.
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(base)
                    .force_path_style(s3_elsewhere)
                    .build(),
            ),
        }
    }
}

/// Clients of one diagnosis, all signing with the same credentials.
///
/// Each session has its own retry partition (token bucket), so one throttled customer
/// cannot drain the retry budget of every other diagnosis.
///
/// The regional services' clients are the process's ([`SharedClients`]); each call names the
/// session's credentials, retry partition and region with an [`in_region`] override.
#[derive(Clone)]
pub struct AwsSession {
    base: SdkConfig,
    credentials: SharedCredentialsProvider,
    retry_partition: RetryPartition,
    shared: Arc<SharedClients>,
}

/// Builds a service client for `region` that signs as the session, in its retry partition.
macro_rules! client {
    ($session:expr, $region:expr, $service:ident) => {
        $service::Client::from_conf(
            $service::config::Builder::from(&$session.sdk_config($region))
                .retry_partition($session.retry_partition())
                .build(),
        )
    };
}

impl AwsSession {
    fn new(
        base: SdkConfig,
        credentials: SharedCredentialsProvider,
        shared: Arc<SharedClients>,
    ) -> Self {
        let name = format!("diagnosis-{}", uuid::Uuid::now_v7().simple());
        Self {
            base: base
                .to_builder()
                .credentials_provider(credentials.clone())
                .build(),
            credentials,
            // `custom` with its own bucket: a plain named partition would be kept in a
            // process-wide map forever, one entry per diagnosis.
            retry_partition: RetryPartition::custom(name)
                .token_bucket(TokenBucket::default())
                .build(),
            shared,
        }
    }

    /// The configuration of a client that signs as this session in `region`. A check of a
    /// service that has no client here builds its own from it, with [`Self::retry_partition`]:
    /// `aws_sdk_x::Client::from_conf(aws_sdk_x::config::Builder::from(&session.sdk_config(region))
    /// .retry_partition(session.retry_partition()).build())`.
    pub fn sdk_config(&self, region: Region) -> SdkConfig {
        self.base
            .to_builder()
            .region(SdkRegion::new(region.name()))
            .build()
    }

    /// The session's own retry partition: one throttled diagnosis never drains another's retries.
    pub fn retry_partition(&self) -> RetryPartition {
        self.retry_partition.clone()
    }

    /// An STS client; callers pass the partition's STS region, never one a request chose.
    pub fn sts(&self, region: Region) -> aws_sdk_sts::Client {
        client!(self, region, aws_sdk_sts)
    }

    /// An AWS Account Management client (global per partition: pass the partition's home region).
    pub fn account(&self, region: Region) -> aws_sdk_account::Client {
        client!(self, region, aws_sdk_account)
    }

    /// An IAM client (IAM is global: pass the partition's home region).
    pub fn iam(&self, region: Region) -> aws_sdk_iam::Client {
        client!(self, region, aws_sdk_iam)
    }

    /// The CloudTrail client; every call needs [`in_region::cloudtrail`].
    pub fn cloudtrail(&self) -> &aws_sdk_cloudtrail::Client {
        &self.shared.cloudtrail
    }

    /// The Security Hub client; every call needs [`in_region::securityhub`].
    pub fn securityhub(&self) -> &aws_sdk_securityhub::Client {
        &self.shared.securityhub
    }

    /// The S3 client; every call needs [`in_region::s3`].
    pub fn s3(&self) -> &aws_sdk_s3::Client {
        &self.shared.s3
    }

    /// The CloudWatch client; every call needs [`in_region::cloudwatch`].
    pub fn cloudwatch(&self) -> &aws_sdk_cloudwatch::Client {
        &self.shared.cloudwatch
    }

    /// The AWS Config client; every call needs [`in_region::config`].
    pub fn config(&self) -> &aws_sdk_config::Client {
        &self.shared.config
    }

    /// A session signing with other credentials (a role session), sharing everything else.
    pub fn with_credentials(&self, credentials: Credentials) -> AwsSession {
        let credentials = SharedCredentialsProvider::new(credentials);
        AwsSession {
            base: self
                .base
                .to_builder()
                .credentials_provider(credentials.clone())
                .build(),
            credentials,
            retry_partition: self.retry_partition.clone(),
            shared: self.shared.clone(),
        }
    }
}

/// Per-call overrides that make one call of a shared regional client the session's, in a
/// region: `client.describe_hub().customize().config_override(in_region::securityhub(session,
/// region))`. Static credentials need no identity cache, and one kept per session in a shared
/// client would grow with every diagnosis.
pub mod in_region {
    use aws_config::Region as SdkRegion;
    use aws_smithy_runtime::client::identity::IdentityCache;

    use super::AwsSession;
    use crate::domain::Region;

    macro_rules! override_for {
        ($(#[$doc:meta])* $name:ident, $service:ident) => {
            $(#[$doc])*
            pub fn $name(session: &AwsSession, region: Region) -> $service::config::Builder {
                $service::config::Builder::default()
                    .region(SdkRegion::new(region.name()))
                    .credentials_provider(session.credentials.clone())
                    .identity_cache(IdentityCache::no_cache())
                    .retry_partition(session.retry_partition.clone())
            }
        };
    }

    override_for!(
        /// For a CloudTrail call.
        cloudtrail,
        aws_sdk_cloudtrail
    );
    override_for!(
        /// For a Security Hub call.
        securityhub,
        aws_sdk_securityhub
    );
    override_for!(
        /// For an S3 call (a bucket's calls go to the bucket's region).
        s3,
        aws_sdk_s3
    );
    override_for!(
        /// For a CloudWatch call.
        cloudwatch,
        aws_sdk_cloudwatch
    );
    override_for!(
        /// For an AWS Config call.
        config,
        aws_sdk_config
    );
}
