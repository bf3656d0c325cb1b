//! A private moto server (the AWS emulator) per test, on a free loopback port.

use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};

use super::process::{ChildGuard, find_tool, free_port, wait_for_port};
use super::{EXAMPLE_KEY_ID, EXAMPLE_SECRET};

/// A running moto server; stopped on drop.
pub struct Moto {
    _child: ChildGuard,
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

impl Moto {
    /// Starts moto on a free port and waits until it answers.
    pub fn start() -> Self {
        Self::start_with_env(&[])
    }

    /// Starts moto with extra environment (e.g. `MOTO_IAM_LOAD_MANAGED_POLICIES`).
    pub fn start_with_env(env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let child = Command::new(find_tool("MOTO_SERVER", "moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let child = ChildGuard(child);
        wait_for_port(port, Duration::from_secs(30), "moto_server");
        Self {
            _child: child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// An SDK config that sends to this moto with the example (set-up) credentials.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
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
