//! A scripted fake AWS (wiremock): documented AWS responses and error bodies, delays, call counts.

use std::time::Duration;

use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A scripted AWS endpoint.
pub struct FakeAws {
    /// The wiremock server.
    pub server: MockServer,
}

/// An STS (query protocol) error body, as AWS sends it.
pub fn sts_error_body(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
         <RequestId>4b1d0f6c-0000-4000-8000-{:012}</RequestId></ErrorResponse>",
        code.len()
    )
}

/// The IAM user most tests diagnose.
pub const USER_ARN: &str = "arn:aws:iam::123456789012:user/mdca";

/// An STS GetCallerIdentity success body.
pub fn caller_identity_body(account: &str, arn: &str) -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <GetCallerIdentityResult><Arn>{arn}</Arn><UserId>AIDAEXAMPLE</UserId>\
         <Account>{account}</Account></GetCallerIdentityResult>\
         <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>\
         </GetCallerIdentityResponse>"
    )
}

/// An STS AssumeRole success body with the given role credentials.
pub fn assume_role_body(key_id: &str, secret: &str, token: &str) -> String {
    format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
         <Credentials><AccessKeyId>{key_id}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>\
         <SessionToken>{token}</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>\
         <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/mdca/connector-doctor</Arn>\
         <AssumedRoleId>AROAEXAMPLE:connector-doctor</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>\
         <ResponseMetadata><RequestId>c6104cbe-0000-4000-8000-000000000002</RequestId></ResponseMetadata>\
         </AssumeRoleResponse>"
    )
}

impl FakeAws {
    /// Starts an empty fake on a free port.
    pub async fn start() -> Self {
        Self {
            server: MockServer::start().await,
        }
    }

    /// Its base URL, for `--aws-endpoint-url`.
    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// Answers GetCallerIdentity as [`USER_ARN`] of account 123456789012, after `delay`.
    pub async fn identifies_user(&self, delay: Duration) {
        self.on_action_delayed(
            "GetCallerIdentity",
            200,
            caller_identity_body("123456789012", USER_ARN),
            delay,
        )
        .await;
    }

    /// Answers a query-protocol `Action` with an XML body and status.
    pub async fn on_action(&self, action: &str, status: u16, body: String) {
        self.on_action_delayed(action, status, body, Duration::ZERO)
            .await;
    }

    /// Like [`FakeAws::on_action`], answering after `delay`.
    pub async fn on_action_delayed(
        &self,
        action: &str,
        status: u16,
        body: String,
        delay: Duration,
    ) {
        Mock::given(method("POST"))
            .and(body_string_contains(format!("Action={action}")))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("content-type", "text/xml")
                    // Real AWS sends the request id as a header too; the SDK reads it from there.
                    .insert_header("x-amzn-requestid", "4b1d0f6c-0000-4000-8000-000000000001")
                    .set_body_string(body)
                    .set_delay(delay),
            )
            .mount(&self.server)
            .await;
    }

    /// How many requests asked for `action`.
    pub async fn calls_of(&self, action: &str) -> usize {
        let needle = format!("Action={action}");
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|request| String::from_utf8_lossy(&request.body).contains(&needle))
            .count()
    }
}
