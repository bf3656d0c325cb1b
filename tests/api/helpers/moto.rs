//! A private moto server (the AWS emulator) per test, on the port it picks itself.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};

use super::process::{Announcement, ChildGuard, find_tool, without_ansi};
use super::{EXAMPLE_KEY_ID, EXAMPLE_SECRET};

/// A running moto server; stopped on drop.
pub struct Moto {
    _child: ChildGuard,
    _output: Announcement,
    _dir: tempfile::TempDir,
    /// Its base URL, for `--aws-endpoint-url`.
    pub url: String,
}

/// An IAM access key created in moto.
pub struct AccessKey {
    /// The key id moto issued.
    pub id: String,
    /// Its secret.
    pub secret: String,
}

/// The address in werkzeug's ` * Running on http://127.0.0.1:PORT` line.
fn running_on(line: &str) -> Option<SocketAddr> {
    let line = without_ansi(line);
    let (_, rest) = line.split_once("Running on http://")?;
    rest.split_whitespace()
        .next()?
        .trim_end_matches('/')
        .parse()
        .ok()
}

impl Moto {
    /// Starts moto on port 0 and returns once it has said which port it got.
    pub async fn start() -> Self {
        Self::start_with_env(&[]).await
    }

    /// Starts moto with extra environment (e.g. `MOTO_IAM_LOAD_MANAGED_POLICIES`).
    pub async fn start_with_env(env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log_path = dir.path().join("moto.log");
        let log = std::fs::File::create(&log_path).expect("a log file");
        let mut child = Command::new(find_tool("MOTO_SERVER", "moto_server"))
            .args(["-H", "127.0.0.1", "-p", "0"])
            .envs(env.iter().copied())
            .stdout(Stdio::from(log.try_clone().expect("a log handle")))
            .stderr(Stdio::piped())
            .spawn()
            .expect("moto_server starts");
        // werkzeug announces the port it bound on stderr, then logs every request there.
        let stderr = child.stderr.take().expect("a piped stderr");
        let child = ChildGuard(child);
        let mut output = Announcement::watch(stderr, log, running_on);
        let address = output
            .address(Duration::from_secs(30), "moto_server", &log_path)
            .await;
        Self {
            _child: child,
            _output: output,
            _dir: dir,
            url: format!("http://{address}"),
        }
    }

    /// An SDK config that sends to this moto with the example (set-up) credentials.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        self.sdk_config_in("us-east-1")
    }

    /// Like [`Moto::sdk_config`], for `region`.
    pub fn sdk_config_in(&self, region: &'static str) -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region))
            .endpoint_url(&self.url)
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                    EXAMPLE_KEY_ID,
                    EXAMPLE_SECRET,
                    None,
                    None,
                    "tests",
                )),
            )
            .build()
    }

    /// An IAM client for setting up users, roles and policies.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk_config())
    }

    /// A CloudTrail client in `region`.
    pub fn cloudtrail(&self, region: &'static str) -> aws_sdk_cloudtrail::Client {
        aws_sdk_cloudtrail::Client::new(&self.sdk_config_in(region))
    }

    /// A Security Hub client in `region`.
    pub fn securityhub(&self, region: &'static str) -> aws_sdk_securityhub::Client {
        aws_sdk_securityhub::Client::new(&self.sdk_config_in(region))
    }

    /// An AWS Config client in `region`.
    pub fn config(&self, region: &'static str) -> aws_sdk_config::Client {
        aws_sdk_config::Client::new(&self.sdk_config_in(region))
    }

    /// Creates an S3 bucket (moto takes an unsigned path-style PUT as S3).
    pub async fn create_bucket(&self, name: &str) {
        let status = reqwest::Client::new()
            .put(format!("{}/{name}", self.url))
            .send()
            .await
            .expect("moto answers")
            .status();
        assert!(status.is_success(), "bucket {name} created: {status}");
    }

    /// Creates a trail and starts or leaves it stopped.
    pub async fn create_trail(
        &self,
        region: &'static str,
        name: &str,
        multi_region: bool,
        logging: bool,
    ) {
        let bucket = format!("{name}-logs");
        self.create_bucket(&bucket).await;
        let cloudtrail = self.cloudtrail(region);
        cloudtrail
            .create_trail()
            .name(name)
            .s3_bucket_name(bucket)
            .is_multi_region_trail(multi_region)
            .send()
            .await
            .expect("moto creates the trail");
        if logging {
            cloudtrail
                .start_logging()
                .name(name)
                .send()
                .await
                .expect("moto starts the trail");
        }
    }

    /// Creates a configuration recorder in `region`, started or not.
    pub async fn create_recorder(&self, region: &'static str, started: bool) {
        use aws_sdk_config::types::{ConfigurationRecorder, DeliveryChannel};
        let config = self.config(region);
        let bucket = format!("config-{region}");
        self.create_bucket(&bucket).await;
        config
            .put_configuration_recorder()
            .configuration_recorder(
                ConfigurationRecorder::builder()
                    .name("default")
                    .role_arn("arn:aws:iam::123456789012:role/config")
                    .build(),
            )
            .send()
            .await
            .expect("moto creates the recorder");
        config
            .put_delivery_channel()
            .delivery_channel(
                DeliveryChannel::builder()
                    .name("default")
                    .s3_bucket_name(bucket)
                    .build(),
            )
            .send()
            .await
            .expect("moto creates the delivery channel");
        if started {
            config
                .start_configuration_recorder()
                .configuration_recorder_name("default")
                .send()
                .await
                .expect("moto starts the recorder");
        }
    }

    /// Enables Security Hub in `region`.
    pub async fn enable_security_hub(&self, region: &'static str) {
        self.securityhub(region)
            .enable_security_hub()
            .send()
            .await
            .expect("moto enables Security Hub");
    }

    /// Creates an IAM user and an access key for it.
    pub async fn create_user_with_key(&self, name: &str) -> AccessKey {
        let iam = self.iam();
        iam.create_user()
            .user_name(name)
            .send()
            .await
            .expect("moto creates the user");
        let key = iam
            .create_access_key()
            .user_name(name)
            .send()
            .await
            .expect("moto creates the key")
            .access_key
            .expect("an access key");
        AccessKey {
            id: key.access_key_id,
            secret: key.secret_access_key,
        }
    }
}
