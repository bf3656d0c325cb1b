//! A fake AWS account for the regional probes: a healthy answer for every call in every region,
//! and region- or service-specific faults mounted over it with a higher priority.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::{header, header_regex, method, path};
use wiremock::{Mock, MockBuilder, Request, Respond, ResponseTemplate};

use connector_doctor::domain::{Partition, Region};

use super::fake_aws::signing_scope;
use super::{FakeAws, FakeIdentity};

/// Matches requests signed for `service` in `region` (the SigV4 credential scope).
pub fn signed_for(region: &str, service: &str) -> wiremock::matchers::HeaderRegexMatcher {
    header_regex(
        "authorization",
        &format!("/{region}/{service}/aws4_request"),
    )
}

/// A JSON-protocol operation by its `X-Amz-Target`.
pub fn target(target: &str) -> MockBuilder {
    Mock::given(method("POST")).and(header("x-amz-target", target))
}

/// CloudTrail's target prefix.
pub const CLOUDTRAIL: &str = "CloudTrail_20131101.";
/// AWS Config's target prefix.
pub const CONFIG: &str = "StarlingDoveService.";

/// A JSON body with the content type AWS sends.
pub fn json_response(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/x-amz-json-1.1")
        .insert_header("x-amzn-requestid", "7c1f0000-0000-4000-8000-000000000003")
        .set_body_string(body.to_string())
}

/// A JSON-protocol error: restJson services read `x-amzn-ErrorType`, awsJson ones `__type`.
pub fn json_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    json_response(status, json!({"__type": code, "message": message}))
        .insert_header("x-amzn-errortype", code)
}

/// CloudWatch's operations are posted to this path prefix (Smithy RPC v2 CBOR).
pub const CLOUDWATCH: &str = "/service/GraniteServiceVersion20100801/operation/";

/// The one bucket of the fake account.
pub const BUCKET: &str = "contoso-logs";

/// A Smithy RPC v2 CBOR body: a map of text keys to text values (`{}` when empty).
pub fn cbor_response(status: u16, entries: &[(&str, &str)]) -> ResponseTemplate {
    let mut encoder = aws_smithy_cbor::Encoder::new(Vec::new());
    encoder.map(entries.len());
    for (key, value) in entries {
        encoder.str(key).str(value);
    }
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/cbor")
        .insert_header("smithy-protocol", "rpc-v2-cbor")
        .insert_header("x-amzn-requestid", "7c1f0000-0000-4000-8000-000000000004")
        .set_body_bytes(encoder.into_writer())
}

/// A Smithy RPC v2 CBOR error, as CloudWatch sends it.
pub fn cbor_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    cbor_response(status, &[("__type", code), ("message", message)])
}

/// An S3 (restXml) body.
pub fn s3_response(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/xml")
        .insert_header("x-amz-request-id", "7C1F000000000005")
        .set_body_string(body)
}

/// An S3 error: `<Error>` at the root, unlike the query protocol's `<ErrorResponse>`.
pub fn s3_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    s3_response(
        status,
        &format!("<Error><Code>{code}</Code><Message>{message}</Message></Error>"),
    )
}

/// Requests for the bucket's `sub` resource (`?location`, `?acl`), path-style (the SDK writes
/// `/contoso-logs/?acl`).
fn bucket_call(sub: &'static str) -> MockBuilder {
    Mock::given(method("GET"))
        .and(path(format!("/{BUCKET}/")))
        .and(move |request: &Request| request.url.query_pairs().any(|(name, _)| name == sub))
}

/// A complete Security Hub finding (the SDK insists on the required fields).
fn security_finding() -> Value {
    json!({
        "SchemaVersion": "2018-10-08", "Id": "f-1",
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "GeneratorId": "cis", "AwsAccountId": "123456789012",
        "CreatedAt": "2026-11-01T00:00:00.000Z", "UpdatedAt": "2026-11-01T00:00:00.000Z",
        "Title": "t", "Description": "d",
        "Resources": [{"Type": "AwsAccount", "Id": "AWS::::Account:123456789012"}]
    })
}

/// Standards answer, with or without the CIS benchmark.
pub fn standards(cis: bool) -> Value {
    let arn = if cis {
        "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"
    } else {
        "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0"
    };
    json!({"StandardsSubscriptions": [{
        "StandardsSubscriptionArn": "arn:aws:securityhub:us-east-1:123456789012:subscription/x",
        "StandardsArn": arn, "StandardsInput": {}, "StandardsStatus": "READY"
    }]})
}

/// LookupEvents answer, with or without an event.
pub fn events(any: bool) -> Value {
    if any {
        json!({"Events": [{"EventId": "e-1", "EventName": "ConsoleLogin"}]})
    } else {
        json!({"Events": []})
    }
}

/// Mounts a healthy account: identity, a logging multi-region trail with recent events,
/// Security Hub on with CIS and findings, and a recording Config recorder everywhere; a
/// standalone account (no organization, no administrator, no members).
pub async fn healthy_account(fake: &FakeAws) {
    fake.identifies(FakeIdentity::user()).await;
    let trail = json!({"trailList": [{
        "Name": "main", "TrailARN": "arn:aws:cloudtrail:us-east-1:123456789012:trail/main",
        "HomeRegion": "us-east-1", "IsMultiRegionTrail": true, "IsOrganizationTrail": false
    }]});
    let mocks = [
        target(&format!("{CLOUDTRAIL}DescribeTrails")).respond_with(json_response(200, trail)),
        target(&format!("{CLOUDTRAIL}GetTrailStatus"))
            .respond_with(json_response(200, json!({"IsLogging": true}))),
        target(&format!("{CLOUDTRAIL}LookupEvents")).respond_with(json_response(200, events(true))),
        target(&format!("{CLOUDTRAIL}GetEventSelectors")).respond_with(json_response(
            200,
            json!({"TrailARN": "arn:aws:cloudtrail:us-east-1:123456789012:trail/main",
                "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true}]}),
        )),
        target(&format!("{CONFIG}DescribeConfigurationRecorderStatus")).respond_with(json_response(
            200,
            json!({"ConfigurationRecordersStatus": [{"name": "default", "recording": true, "lastStatus": "SUCCESS"}]}),
        )),
        target(&format!("{CONFIG}DescribeConfigurationRecorders")).respond_with(json_response(
            200,
            json!({"ConfigurationRecorders": [{"name": "default", "roleARN": "arn:aws:iam::123456789012:role/config",
                "recordingGroup": {"allSupported": true, "includeGlobalResourceTypes": true}}]}),
        )),
        target(&format!("{CONFIG}DescribeDeliveryChannelStatus")).respond_with(json_response(
            200,
            json!({"DeliveryChannelsStatus": [{"name": "default",
                "configHistoryDeliveryInfo": {"lastStatus": "SUCCESS"},
                "configSnapshotDeliveryInfo": {"lastStatus": "SUCCESS"}}]}),
        )),
        Mock::given(method("GET")).and(path("/accounts")).respond_with(json_response(
            200,
            json!({"HubArn": "arn:aws:securityhub:us-east-1:123456789012:hub/default", "SubscribedAt": "2026-01-01T00:00:00.000Z"}),
        )),
        Mock::given(method("POST"))
            .and(path("/standards/get"))
            .respond_with(json_response(200, standards(true))),
        Mock::given(method("POST"))
            .and(path("/findings"))
            .respond_with(json_response(200, json!({"Findings": [security_finding()]}))),
        Mock::given(method("GET"))
            .and(path("/administrator"))
            .respond_with(json_response(200, json!({}))),
        Mock::given(method("GET"))
            .and(path("/members"))
            .respond_with(json_response(200, json!({"Members": []}))),
        // A standalone account: no organization, not an administrator of one, no aggregator.
        target("AWSOrganizationsV20161128.DescribeOrganization").respond_with(json_error(
            400,
            "AWSOrganizationsNotInUseException",
            "Your account is not a member of an organization.",
        )),
        target("AWSOrganizationsV20161128.ListAccounts").respond_with(json_error(
            400,
            "AWSOrganizationsNotInUseException",
            "Your account is not a member of an organization.",
        )),
        Mock::given(method("GET"))
            .and(path("/organization/admin"))
            .respond_with(json_error(403, "AccessDeniedException", "Not the management account.")),
        Mock::given(method("GET"))
            .and(path("/organization/configuration"))
            .respond_with(json_error(403, "AccessDeniedException", "Not the administrator.")),
        Mock::given(method("GET"))
            .and(path("/findingAggregator/list"))
            .respond_with(json_response(200, json!({"FindingAggregators": []}))),
        Mock::given(method("GET")).and(path("/")).respond_with(s3_response(
            200,
            &format!(
                "<ListAllMyBucketsResult><Buckets><Bucket><Name>{BUCKET}</Name>\
                 <CreationDate>2026-01-01T00:00:00.000Z</CreationDate>\
                 <BucketRegion>eu-west-1</BucketRegion></Bucket></Buckets>\
                 <Owner><ID>owner</ID></Owner></ListAllMyBucketsResult>"
            ),
        )),
        bucket_call("location").respond_with(s3_response(
            200,
            "<LocationConstraint>eu-west-1</LocationConstraint>",
        )),
        bucket_call("acl").respond_with(s3_response(
            200,
            "<AccessControlPolicy><Owner><ID>owner</ID></Owner><AccessControlList/></AccessControlPolicy>",
        )),
        Mock::given(method("POST"))
            .and(path(format!("{CLOUDWATCH}DescribeAlarms")))
            .respond_with(cbor_response(200, &[])),
        Mock::given(method("POST"))
            .and(path("/listRegions"))
            .respond_with(json_response(200, commercial_regions())),
        Mock::given(method("POST"))
            .and(path("/getRegionOptStatus"))
            .respond_with(json_response(200, json!({"RegionOptStatus": "DISABLED"}))),
    ];
    for mock in mocks {
        // The healthy answers yield to any fault mounted with a higher priority (lower number).
        mock.with_priority(10).mount(&fake.server).await;
    }
    fake.iam_allows_everything().await;
}

/// Account Management's `ListRegions` for an account that enabled none of the opt-in regions of
/// the commercial partition.
pub fn commercial_regions() -> Value {
    let regions: Vec<Value> = Region::table()
        .filter(|region| region.partition() == Partition::Aws)
        .map(|region| {
            let status = match region.is_opt_in() {
                true => "DISABLED",
                false => "ENABLED_BY_DEFAULT",
            };
            json!({"RegionName": region.name(), "RegionOptStatus": status})
        })
        .collect();
    json!({"Regions": regions})
}

/// A responder that remembers when (and for which region) each request arrived and answers
/// after a fixed delay, so the number of calls in flight at any moment can be computed afterwards.
#[derive(Clone)]
pub struct InFlightRecorder {
    arrivals: Arc<Mutex<Vec<(String, Instant)>>>,
    delay: Duration,
    response: ResponseTemplate,
}

impl InFlightRecorder {
    /// Answers `response` after `delay`.
    pub fn new(response: ResponseTemplate, delay: Duration) -> Self {
        Self {
            arrivals: Arc::default(),
            delay,
            response,
        }
    }

    /// The most requests that were ever in flight together.
    pub fn max_in_flight(&self) -> usize {
        let arrivals = self.arrivals.lock().unwrap().clone();
        self.max_overlap(arrivals.iter().map(|(_, at)| *at).collect())
    }

    /// The most requests of one region that were ever in flight together.
    pub fn max_in_flight_per_region(&self) -> usize {
        let arrivals = self.arrivals.lock().unwrap().clone();
        let mut regions: Vec<&str> = arrivals.iter().map(|(region, _)| region.as_str()).collect();
        regions.sort_unstable();
        regions.dedup();
        regions
            .iter()
            .map(|&region| {
                let times = arrivals
                    .iter()
                    .filter(|(r, _)| r == region)
                    .map(|(_, at)| *at);
                self.max_overlap(times.collect())
            })
            .max()
            .unwrap_or(0)
    }

    fn max_overlap(&self, arrivals: Vec<Instant>) -> usize {
        arrivals
            .iter()
            .map(|&start| {
                arrivals
                    .iter()
                    .filter(|&&other| other <= start && start < other + self.delay)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.arrivals.lock().unwrap().len()
    }
}

impl Respond for InFlightRecorder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let (_, region) = signing_scope(request);
        self.arrivals.lock().unwrap().push((region, Instant::now()));
        self.response.clone().set_delay(self.delay)
    }
}
