//! A scripted fake AWS (wiremock): documented AWS responses and error bodies, delays, call counts;
//! the one way to script who the credentials are ([`FakeIdentity`]); and a fake that holds every
//! request until the test lets it go ([`GatedAws`]).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;
use wiremock::matchers::{body_string_contains, header_regex, method};
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

/// An STS (query protocol) error response, as AWS sends it.
pub fn sts_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "text/xml")
        .set_body_string(sts_error_body(code, message))
}

/// STS's answer to a key it does not know (what another partition's key gets too).
pub fn unknown_key() -> ResponseTemplate {
    sts_error(
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )
}

/// The account every fake identity belongs to.
pub const ACCOUNT_ID: &str = "123456789012";

/// The IAM user most tests diagnose.
pub const USER_ARN: &str = "arn:aws:iam::123456789012:user/mdca";

/// The account's root user.
pub const ROOT_ARN: &str = "arn:aws:iam::123456789012:root";

/// The session [`assume_role_body`] hands out.
pub const ROLE_SESSION_ARN: &str = "arn:aws:sts::123456789012:assumed-role/mdca/connector-doctor";

/// Who the fake STS says the caller is (its `GetCallerIdentity` answer): the one way tests script
/// an identity.
#[derive(Debug, Clone)]
pub struct FakeIdentity {
    arn: String,
    delay: Duration,
    signed_by: Option<String>,
}

impl FakeIdentity {
    /// IAM user `mdca` ([`USER_ARN`]), the identity most tests diagnose.
    pub fn user() -> Self {
        Self {
            arn: USER_ARN.to_owned(),
            delay: Duration::ZERO,
            signed_by: None,
        }
    }

    /// The account's root user ([`ROOT_ARN`]).
    pub fn root() -> Self {
        Self {
            arn: ROOT_ARN.to_owned(),
            ..Self::user()
        }
    }

    /// The role session an AssumeRole of role `mdca` gives ([`ROLE_SESSION_ARN`]).
    pub fn role_session() -> Self {
        Self {
            arn: ROLE_SESSION_ARN.to_owned(),
            ..Self::user()
        }
    }

    /// This identity with the ARN of another partition (`aws-us-gov`, `aws-cn`).
    pub fn in_partition(self, partition: &str) -> Self {
        Self {
            arn: self
                .arn
                .replacen("arn:aws:", &format!("arn:{partition}:"), 1),
            ..self
        }
    }

    /// Answers after `delay`.
    pub fn after(self, delay: Duration) -> Self {
        Self { delay, ..self }
    }

    /// Answers only requests signed with `key_id`, before any identity answered to all keys.
    pub fn signed_by(self, key_id: &str) -> Self {
        Self {
            signed_by: Some(key_id.to_owned()),
            ..self
        }
    }

    /// The STS success body.
    fn body(&self) -> String {
        caller_identity_body(ACCOUNT_ID, &self.arn)
    }
}

/// An STS GetCallerIdentity success body.
fn caller_identity_body(account: &str, arn: &str) -> String {
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
         <AssumedRoleUser><Arn>{ROLE_SESSION_ARN}</Arn>\
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

    /// Starts a fake whose STS answers GetCallerIdentity as `identity`; every other call is
    /// unscripted (wiremock's 404, which the service reports as a finding like any AWS error).
    pub async fn identifying(identity: FakeIdentity) -> Self {
        let fake = Self::start().await;
        fake.identifies(identity).await;
        fake
    }

    /// Answers GetCallerIdentity as `identity`.
    pub async fn identifies(&self, identity: FakeIdentity) {
        let mut mock =
            Mock::given(method("POST")).and(body_string_contains("Action=GetCallerIdentity"));
        if let Some(key_id) = &identity.signed_by {
            mock = mock.and(header_regex(
                "authorization",
                &format!("Credential={key_id}/"),
            ));
        }
        mock.respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/xml")
                .insert_header("x-amzn-requestid", "4b1d0f6c-0000-4000-8000-000000000001")
                .set_body_string(identity.body())
                .set_delay(identity.delay),
        )
        .with_priority(if identity.signed_by.is_some() { 1 } else { 5 })
        .mount(&self.server)
        .await;
    }

    /// Answers GetCallerIdentity as user `mdca` of an account of the signing key's own (a number
    /// derived from the key id), mounted before any other identity: connectors of distinct
    /// accounts, as connectors are, for tests whose subject is not the per-account AWS budget.
    pub async fn identifies_each_key_as_its_own_account(&self) {
        Mock::given(method("POST"))
            .and(body_string_contains("Action=GetCallerIdentity"))
            .respond_with(OwnAccount)
            .with_priority(4)
            .mount(&self.server)
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

    /// How many requests signed with `key_id` asked for `action`.
    pub async fn calls_signed_by(&self, action: &str, key_id: &str) -> usize {
        self.requests_asking(action)
            .await
            .iter()
            .filter(|request| signing_scope(request).0 == key_id)
            .count()
    }

    /// How many requests asked for `action`.
    pub async fn calls_of(&self, action: &str) -> usize {
        self.requests_asking(action).await.len()
    }

    /// The query-protocol requests that asked for `action`.
    async fn requests_asking(&self, action: &str) -> Vec<wiremock::Request> {
        let needle = format!("Action={action}");
        let mut requests = self.server.received_requests().await.unwrap_or_default();
        requests.retain(|request| String::from_utf8_lossy(&request.body).contains(&needle));
        requests
    }
}

/// The access key id and region of a SigV4 request's credential scope
/// (`Authorization: ... Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...`); empty when unsigned.
pub fn signing_scope(request: &wiremock::Request) -> (String, String) {
    let scope: Vec<&str> = request
        .headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split("Credential=").nth(1))
        .map(|rest| rest.split('/').collect())
        .unwrap_or_default();
    let part = |i: usize| scope.get(i).copied().unwrap_or_default().to_owned();
    (part(0), part(2))
}

/// GetCallerIdentity's answer for the account of the signing key.
struct OwnAccount;

impl wiremock::Respond for OwnAccount {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        use std::hash::{Hash, Hasher};
        let (key, _) = signing_scope(request);
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut hasher);
        let account = format!("{:012}", hasher.finish() % 1_000_000_000_000);
        let arn = format!("arn:aws:iam::{account}:user/mdca");
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/xml")
            .insert_header("x-amzn-requestid", "4b1d0f6c-0000-4000-8000-000000000001")
            .set_body_string(caller_identity_body(&account, &arn))
    }
}

/// A fake AWS endpoint that answers every request with one scripted response, but only while its
/// gate is open: a closed gate holds each request, for as long as the test wants, without a
/// timer. Tests wait for requests to arrive ([`GatedAws::wait_for_arrivals`]) instead of sleeping.
pub struct GatedAws {
    url: String,
    gate: watch::Sender<bool>,
    arrivals: watch::Receiver<usize>,
}

impl GatedAws {
    /// Starts with the gate open, answering `status` with the XML `body`.
    pub async fn start(status: u16, body: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (gate, opened) = watch::channel(true);
        let (arrived, arrivals) = watch::channel(0_usize);
        let response = format!(
            "HTTP/1.1 {status} Scripted\r\ncontent-type: text/xml\r\n\
             x-amzn-requestid: 4b1d0f6c-0000-4000-8000-000000000009\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        );
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (mut opened, arrived, response) =
                    (opened.clone(), arrived.clone(), response.clone());
                tokio::spawn(async move {
                    let mut stream = stream;
                    let mut buffer = Vec::new();
                    // One request after another on a kept-alive connection.
                    while read_request(&mut stream, &mut buffer).await {
                        arrived.send_modify(|count| *count += 1);
                        if opened.wait_for(|open| *open).await.is_err()
                            || stream.write_all(response.as_bytes()).await.is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
        Self {
            url,
            gate,
            arrivals,
        }
    }

    /// Its base URL, for `--aws-endpoint-url`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Holds every request from now on until [`GatedAws::open`].
    pub fn close(&self) {
        self.gate.send_replace(false);
    }

    /// Answers the held requests and every later one.
    pub fn open(&self) {
        self.gate.send_replace(true);
    }

    /// How many requests have arrived so far (held or answered).
    pub fn arrivals(&self) -> usize {
        *self.arrivals.borrow()
    }

    /// Waits until `count` requests have arrived in all; panics after `limit`.
    pub async fn wait_for_arrivals(&self, count: usize, limit: Duration) {
        let mut arrivals = self.arrivals.clone();
        let arrived = tokio::time::timeout(limit, arrivals.wait_for(|&n| n >= count)).await;
        assert!(
            matches!(arrived, Ok(Ok(_))),
            "{} of {count} requests reached the fake AWS within {limit:?}",
            self.arrivals()
        );
    }
}

/// Reads one HTTP/1.1 request (head and `content-length` body) from `stream`, keeping bytes of
/// the next one in `buffer`; false once the peer has closed the connection.
async fn read_request(stream: &mut tokio::net::TcpStream, buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0_u8; 16 * 1024];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0);
            let total = end + 4 + length;
            if buffer.len() >= total {
                buffer.drain(..total);
                return true;
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
        }
    }
}
