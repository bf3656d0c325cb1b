//! The AWS error mapper on real AWS error bodies, parsed by the real SDK: XML (query protocol,
//! STS) and JSON (awsJson 1.1, AWS Config), for every code of the troubleshooting facts, and for
//! every case of tests/fixtures/aws_error_codes.txt (which tests/catalogue.rs runs through
//! `explain`: the two must agree).

use aws_sdk_sts::config::{BehaviorVersion, Credentials, Region};
use chrono::Utc;
use connector_doctor::aws::{AwsError, AwsErrorKind};
use connector_doctor::catalogue::aws_mapping;
use connector_doctor::domain::Code;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::aws_error_fixture::{self, Case};
use crate::helpers::fake_aws::sts_error_body;
use crate::helpers::{EXAMPLE_KEY_ID, EXAMPLE_SECRET};

const SECRET_IN_MESSAGE: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        // One attempt: these tests are about parsing, not retrying.
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
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

async fn xml_error(status: u16, code: &str, message: &str, date: Option<&str>) -> AwsError {
    let server = MockServer::start().await;
    let mut response = ResponseTemplate::new(status)
        .insert_header("content-type", "text/xml")
        .insert_header("x-amzn-requestid", "4b1d0f6c-0000-4000-8000-000000000001")
        .set_body_string(sts_error_body(code, message));
    if let Some(date) = date {
        response = response.insert_header("date", date);
    }
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    let client = aws_sdk_sts::Client::new(&sdk_config(&server.uri()));
    let error = client.get_caller_identity().send().await.unwrap_err();
    AwsError::from_sdk("sts", "GetCallerIdentity", &error, &[SECRET_IN_MESSAGE])
}

async fn json_error(status: u16, code: &str, message: &str) -> AwsError {
    let server = MockServer::start().await;
    let body = serde_json::json!({"__type": code, "message": message}).to_string();
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .insert_header("x-amzn-requestid", "11111111-2222-3333-4444-555555555555")
                .set_body_string(body),
        )
        .mount(&server)
        .await;
    let client = aws_sdk_config::Client::new(&sdk_config(&server.uri()));
    let error = client
        .describe_configuration_recorder_status()
        .send()
        .await
        .unwrap_err();
    AwsError::from_sdk(
        "config",
        "DescribeConfigurationRecorderStatus",
        &error,
        &[SECRET_IN_MESSAGE],
    )
}

const DENY_PREFIX: &str = "User: arn:aws:iam::123456789012:user/mdca is not authorized to perform: iam:ListUsers on resource: *";

/// (code, message, status, expected catalogue code)
fn cases() -> Vec<(&'static str, String, u16, Code)> {
    vec![
        (
            "InvalidClientTokenId",
            "The security token included in the request is invalid.".into(),
            403,
            Code::CredentialsInvalidKeyId,
        ),
        (
            "UnrecognizedClientException",
            "The security token included in the request is invalid.".into(),
            400,
            Code::CredentialsInvalidKeyId,
        ),
        (
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.".into(),
            403,
            Code::CredentialsSignatureMismatch,
        ),
        (
            "IncompleteSignature",
            "Authorization header requires 'Credential' parameter.".into(),
            403,
            Code::CredentialsMalformed,
        ),
        (
            "MissingAuthenticationToken",
            "Request is missing Authentication Token".into(),
            403,
            Code::CredentialsMalformed,
        ),
        (
            "ExpiredToken",
            "The security token included in the request is expired".into(),
            403,
            Code::CredentialsExpired,
        ),
        (
            "ExpiredTokenException",
            "The security token included in the request is expired".into(),
            400,
            Code::CredentialsExpired,
        ),
        (
            // The request's signing time, not a token: a clock.
            "RequestExpired",
            "Request has expired.".into(),
            400,
            Code::ClockSkew,
        ),
        (
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.".into(),
            403,
            Code::ClockSkew,
        ),
        (
            "RequestInTheFuture",
            "Request is in the future.".into(),
            403,
            Code::ClockSkew,
        ),
        (
            "AccessDenied",
            format!("{DENY_PREFIX} with an explicit deny in a service control policy"),
            403,
            Code::PermissionDeniedByScp,
        ),
        (
            "AccessDenied",
            format!(
                "{DENY_PREFIX} because no permissions boundary allows the iam:ListUsers action"
            ),
            403,
            Code::PermissionDeniedByBoundary,
        ),
        (
            "AccessDenied",
            format!("{DENY_PREFIX} with an explicit deny in an identity-based policy"),
            403,
            Code::PermissionExplicitDeny,
        ),
        (
            "AccessDenied",
            format!(
                "{DENY_PREFIX} because no identity-based policy allows the iam:ListUsers action"
            ),
            403,
            Code::AccessDenied,
        ),
        (
            "AccessDeniedException",
            "User is not authorized to perform: config:DescribeConfigurationRecorderStatus".into(),
            400,
            Code::AccessDenied,
        ),
        (
            "UnauthorizedOperation",
            "You are not authorized to perform this operation.".into(),
            403,
            Code::AccessDenied,
        ),
        (
            "InvalidAccessException",
            "Account 123456789012 is not subscribed to AWS Security Hub".into(),
            401,
            Code::SecurityHubNotEnabled,
        ),
        (
            "TrailNotFoundException",
            "Unknown trail".into(),
            400,
            Code::CloudtrailNoTrail,
        ),
        (
            "InvalidTrailNameException",
            "Trail name is invalid".into(),
            400,
            Code::CloudtrailNoTrail,
        ),
        (
            "NoSuchConfigurationRecorderException",
            "Cannot find configuration recorder".into(),
            400,
            Code::ConfigNoRecorder,
        ),
        (
            "OptInRequired",
            "You are not subscribed to this service.".into(),
            403,
            Code::RegionDisabled,
        ),
        (
            "RegionDisabledException",
            "STS is not activated in this region for account:123456789012.".into(),
            403,
            Code::RegionDisabled,
        ),
        (
            "Throttling",
            "Rate exceeded".into(),
            400,
            Code::AwsThrottled,
        ),
        (
            "ThrottlingException",
            "Rate exceeded".into(),
            400,
            Code::AwsThrottled,
        ),
        (
            "RequestLimitExceeded",
            "Request limit exceeded.".into(),
            503,
            Code::AwsThrottled,
        ),
        (
            "TooManyRequestsException",
            "Too many requests".into(),
            429,
            Code::AwsThrottled,
        ),
        (
            "SlowDown",
            "Please reduce your request rate.".into(),
            503,
            Code::AwsThrottled,
        ),
        (
            "InternalFailure",
            "An internal error occurred.".into(),
            500,
            Code::AwsServiceError,
        ),
        (
            "ServiceUnavailable",
            "Service is unavailable.".into(),
            503,
            Code::AwsServiceError,
        ),
    ]
}

#[tokio::test]
async fn xml_error_bodies_map_to_their_catalogue_codes() {
    for (code, message, status, expected) in cases() {
        let error = xml_error(status, code, &message, None).await;
        assert_eq!(error.kind, AwsErrorKind::Service, "{code}");
        assert_eq!(error.code.as_deref(), Some(code));
        assert_eq!(error.message.as_deref(), Some(message.as_str()));
        assert_eq!(error.http_status, Some(status));
        assert!(error.request_id.is_some(), "{code}: request id kept");
        assert_eq!(
            aws_mapping::code_for(&error, Utc::now()),
            expected,
            "XML {code}: {message}"
        );
    }
}

#[tokio::test]
async fn json_error_bodies_map_to_their_catalogue_codes() {
    for (code, message, status, expected) in cases() {
        let error = json_error(status, code, &message).await;
        assert_eq!(error.code.as_deref(), Some(code));
        assert_eq!(error.http_status, Some(status));
        assert_eq!(
            error.request_id.as_deref(),
            Some("11111111-2222-3333-4444-555555555555")
        );
        assert_eq!(
            aws_mapping::code_for(&error, Utc::now()),
            expected,
            "JSON {code}: {message}"
        );
    }
}

#[tokio::test]
async fn a_skewed_date_header_turns_a_signature_failure_into_clock_skew() {
    // JSON services' InvalidSignatureException is the same failure, with the same clock check.
    for code in ["SignatureDoesNotMatch", "InvalidSignatureException"] {
        let skewed = (Utc::now() - chrono::TimeDelta::minutes(40)).to_rfc2822();
        let error = xml_error(403, code, "Signature mismatch", Some(&skewed)).await;
        assert!(error.server_time.is_some());
        assert_eq!(
            aws_mapping::code_for(&error, Utc::now()),
            Code::ClockSkew,
            "{code}"
        );

        let now = Utc::now().to_rfc2822();
        let error = xml_error(403, code, "Signature mismatch", Some(&now)).await;
        assert_eq!(
            aws_mapping::code_for(&error, Utc::now()),
            Code::CredentialsSignatureMismatch,
            "{code}"
        );
    }
}

#[tokio::test]
async fn secrets_in_a_message_are_scrubbed() {
    let message = format!("bad signature for secret {SECRET_IN_MESSAGE}");
    let error = xml_error(403, "SignatureDoesNotMatch", &message, None).await;
    let kept = error.message.unwrap();
    assert!(!kept.contains(SECRET_IN_MESSAGE), "{kept}");
    assert!(kept.contains("[redacted]"));
}

/// The two wire formats the SDK parses errors from.
#[derive(Debug, Clone, Copy)]
enum Protocol {
    /// Query protocol XML, as STS, IAM and EC2 write errors.
    Xml,
    /// awsJson 1.1, as AWS Config, CloudTrail and the other JSON services write them.
    Json,
}

/// `case` answered by `server` in `protocol`, as the SDK parses it, labelled with the case's call
/// (else the call the client made) as a probe labels its errors.
async fn parsed(server: &MockServer, protocol: Protocol, case: &Case) -> AwsError {
    server.reset().await;
    let message = case.message.as_deref().unwrap_or_default();
    let response = match protocol {
        Protocol::Xml => ResponseTemplate::new(400)
            .insert_header("content-type", "text/xml")
            .insert_header("x-amzn-requestid", "4b1d0f6c-0000-4000-8000-000000000002")
            .set_body_string(sts_error_body(&case.code, message)),
        Protocol::Json => {
            let body = match &case.message {
                Some(message) => serde_json::json!({"__type": case.code, "message": message}),
                None => serde_json::json!({"__type": case.code}),
            };
            ResponseTemplate::new(400)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .insert_header("x-amzn-requestid", "11111111-2222-3333-4444-555555555556")
                .set_body_string(body.to_string())
        }
    };
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(server)
        .await;
    // A probe's labels are `&'static`; a test's few leaked strings are no matter.
    let label = |made: (&'static str, &'static str)| match &case.call {
        Some((service, operation)) => (&*service.clone().leak(), &*operation.clone().leak()),
        None => made,
    };
    let config = sdk_config(&server.uri());
    match protocol {
        Protocol::Xml => {
            let (service, operation) = label(("sts", "GetCallerIdentity"));
            let client = aws_sdk_sts::Client::new(&config);
            let error = client.get_caller_identity().send().await.unwrap_err();
            AwsError::from_sdk(service, operation, &error, &[SECRET_IN_MESSAGE])
        }
        Protocol::Json => {
            let (service, operation) = label(("config", "DescribeConfigurationRecorderStatus"));
            let client = aws_sdk_config::Client::new(&config);
            let error = client
                .describe_configuration_recorder_status()
                .send()
                .await
                .unwrap_err();
            AwsError::from_sdk(service, operation, &error, &[SECRET_IN_MESSAGE])
        }
    }
}

#[tokio::test]
async fn every_fixture_case_means_its_entry_through_a_probe() {
    let cases = aws_error_fixture::cases();
    assert!(cases.len() > 50, "the fixture lost its cases");
    let server = MockServer::start().await;
    for case in &cases {
        for protocol in [Protocol::Xml, Protocol::Json] {
            let error = parsed(&server, protocol, case).await;
            assert_eq!(error.kind, AwsErrorKind::Service, "{protocol:?} {case:?}");
            assert_eq!(error.code.as_deref(), Some(case.code.as_str()));
            assert_eq!(
                aws_mapping::code_for(&error, Utc::now()),
                case.entry,
                "{protocol:?} {:?} (explain reads it as {:?})",
                error,
                case.text()
            );
        }
    }
}
