//! One factory for every AWS client: a single shared HTTP client, per-diagnosis credentials.
//!
//! Clients are built from a shared base config, so they cost no new connection pool, and
//! nothing re-reads the environment or profile files.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region as SdkRegion, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

use super::settings::AwsSettings;
use crate::domain::{AwsCredentials, Region};

/// Builds AWS sessions; cloned freely (it holds `Arc`s).
#[derive(Clone)]
pub struct AwsClientFactory {
    inner: Arc<FactoryInner>,
}

struct FactoryInner {
    http_client: SharedHttpClient,
    endpoint_url: Option<String>,
    call_timeout: Duration,
    connect_timeout: Duration,
}

impl AwsClientFactory {
    /// The factory for these settings, with its one HTTP client.
    pub fn new(settings: &AwsSettings) -> Self {
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .build_https();
        Self {
            inner: Arc::new(FactoryInner {
                http_client,
                endpoint_url: settings.aws_endpoint_url.clone(),
                call_timeout: settings.aws_call_timeout,
                connect_timeout: settings.aws_connect_timeout,
            }),
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
        let inner = &self.inner;
        let mut builder = SdkConfig::builder()
            // Pinned so an SDK upgrade cannot silently change retries, timeouts or endpoints.
            .behavior_version(BehaviorVersion::v2026_01_12())
            .http_client(inner.http_client.clone())
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
            .time_source(aws_smithy_async::time::SystemTimeSource::new())
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(inner.connect_timeout)
                    .operation_timeout(inner.call_timeout)
                    .build(),
            );
        if let Some(url) = &inner.endpoint_url {
            builder = builder.endpoint_url(url.clone());
        }
        AwsSession::new(builder.build())
    }
}

/// Clients of one diagnosis, all signing with the same credentials.
///
/// Each session has its own retry partition (token bucket), so one throttled customer
/// cannot drain the retry budget of every other diagnosis.
///
/// The regional services have one client per session, built on first use, and each call names
/// its region with an [`in_region`] override: an SDK client costs about 13 KiB and a diagnosis
/// calls 17 regions, so a client per region multiplied a diagnosis's memory.
#[derive(Clone)]
pub struct AwsSession {
    base: SdkConfig,
    retry_partition: RetryPartition,
    clients: Arc<RegionalClients>,
}

#[derive(Default)]
struct RegionalClients {
    cloudtrail: OnceLock<aws_sdk_cloudtrail::Client>,
    securityhub: OnceLock<aws_sdk_securityhub::Client>,
    config: OnceLock<aws_sdk_config::Client>,
    cloudwatch: OnceLock<aws_sdk_cloudwatch::Client>,
    s3: OnceLock<aws_sdk_s3::Client>,
}

/// Builds a service client from `config` with the session's retry partition.
macro_rules! client {
    ($session:expr, $config:expr, $service:ident) => {
        $service::Client::from_conf(
            $service::config::Builder::from($config)
                .retry_partition($session.retry_partition.clone())
                .build(),
        )
    };
}

impl AwsSession {
    fn new(base: SdkConfig) -> Self {
        let name = format!("diagnosis-{}", uuid::Uuid::now_v7().simple());
        Self {
            base,
            // `custom` with its own bucket: a plain named partition would be kept in a
            // process-wide map forever, one entry per diagnosis.
            retry_partition: RetryPartition::custom(name)
                .token_bucket(TokenBucket::default())
                .build(),
            clients: Arc::default(),
        }
    }

    fn config_for(&self, region: Region) -> SdkConfig {
        self.base
            .to_builder()
            .region(SdkRegion::new(region.name()))
            .build()
    }

    /// An STS client; callers pass the partition's STS region, never one a request chose.
    pub fn sts(&self, region: Region) -> aws_sdk_sts::Client {
        client!(self, &self.config_for(region), aws_sdk_sts)
    }

    /// An IAM client (IAM is global: pass the partition's home region).
    pub fn iam(&self, region: Region) -> aws_sdk_iam::Client {
        client!(self, &self.config_for(region), aws_sdk_iam)
    }

    /// The session's CloudTrail client; every call needs [`in_region::cloudtrail`].
    pub fn cloudtrail(&self) -> &aws_sdk_cloudtrail::Client {
        self.clients
            .cloudtrail
            .get_or_init(|| client!(self, &self.base, aws_sdk_cloudtrail))
    }

    /// The session's Security Hub client; every call needs [`in_region::securityhub`].
    pub fn securityhub(&self) -> &aws_sdk_securityhub::Client {
        self.clients
            .securityhub
            .get_or_init(|| client!(self, &self.base, aws_sdk_securityhub))
    }

    /// The session's S3 client; every call needs [`in_region::s3`]. With an endpoint override (an
    /// emulator), the bucket goes in the path, since no emulator serves bucket host names.
    pub fn s3(&self) -> &aws_sdk_s3::Client {
        self.clients.s3.get_or_init(|| {
            aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&self.base)
                    .retry_partition(self.retry_partition.clone())
                    .force_path_style(self.base.endpoint_url().is_some())
                    .build(),
            )
        })
    }

    /// The session's CloudWatch client; every call needs [`in_region::cloudwatch`].
    pub fn cloudwatch(&self) -> &aws_sdk_cloudwatch::Client {
        self.clients
            .cloudwatch
            .get_or_init(|| client!(self, &self.base, aws_sdk_cloudwatch))
    }

    /// The session's AWS Config client; every call needs [`in_region::config`].
    pub fn config(&self) -> &aws_sdk_config::Client {
        self.clients
            .config
            .get_or_init(|| client!(self, &self.base, aws_sdk_config))
    }

    /// A session signing with other credentials (a role session), sharing everything else.
    pub fn with_credentials(&self, credentials: Credentials) -> AwsSession {
        AwsSession {
            base: self
                .base
                .to_builder()
                .credentials_provider(SharedCredentialsProvider::new(credentials))
                .build(),
            retry_partition: self.retry_partition.clone(),
            clients: Arc::default(),
        }
    }
}

/// Per-call overrides that send one call of a session's regional client to a region:
/// `client.describe_hub().customize().config_override(in_region::securityhub(region))`.
pub mod in_region {
    use aws_config::Region as SdkRegion;

    use crate::domain::Region;

    /// For a CloudTrail call.
    pub fn cloudtrail(region: Region) -> aws_sdk_cloudtrail::config::Builder {
        aws_sdk_cloudtrail::config::Builder::default().region(SdkRegion::new(region.name()))
    }

    /// For a Security Hub call.
    pub fn securityhub(region: Region) -> aws_sdk_securityhub::config::Builder {
        aws_sdk_securityhub::config::Builder::default().region(SdkRegion::new(region.name()))
    }

    /// For an S3 call (a bucket's calls go to the bucket's region).
    pub fn s3(region: Region) -> aws_sdk_s3::config::Builder {
        aws_sdk_s3::config::Builder::default().region(SdkRegion::new(region.name()))
    }

    /// For a CloudWatch call.
    pub fn cloudwatch(region: Region) -> aws_sdk_cloudwatch::config::Builder {
        aws_sdk_cloudwatch::config::Builder::default().region(SdkRegion::new(region.name()))
    }

    /// For an AWS Config call.
    pub fn config(region: Region) -> aws_sdk_config::config::Builder {
        aws_sdk_config::config::Builder::default().region(SdkRegion::new(region.name()))
    }
}
