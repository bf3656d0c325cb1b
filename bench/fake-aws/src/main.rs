//! A fake AWS for connector-doctor's benchmarks, on loopback.
//!
//! Answers every call a diagnosis makes (STS and IAM query/XML, CloudTrail and Config awsJson1.1,
//! Security Hub restJson) with a valid body of a healthy account, after a latency `L` (plus a
//! uniform jitter in `[0, J]`), and records each call's dependency depth per diagnosis.
//!
//! A diagnosis is identified by its SigV4 access key id (`Credential=AKID/...` of the
//! `Authorization` header); each benchmark diagnosis uses a distinct key. A call's depth is
//! 1 + the highest depth among the calls of the same key that had ended before it started: the
//! number of sequential waves up to it. Calls a concurrency limit made wait count as a wave too.
//!
//! Usage: `fake-aws [--listen 127.0.0.1:0] [--latency-ms 50] [--jitter-ms 0] [--lookup-pages 1] [--one-account] [--port-file F]`
//!
//! Each access key is its own account (a connector is an account; the account id is derived from
//! the key), unless `--one-account`: every key then belongs to account 123456789012, as the keys of
//! one organization's connectors share its per-account throttles.
//!
//! CloudTrail LookupEvents by access key id (the record of a connector's own calls) answers
//! `--lookup-pages` pages per read, each of 50 successful calls, the last without a `NextToken`:
//! a busy key.
//!
//! - `GET /__stats`: `{"keys":N,"calls":N,"max_depth":N,"lookup_pages":N,"per_key":{"AKID":{"calls":N,"max_depth":N,"span_ms":F}}}`
//! - `GET /__arrivals`: `{"arrivals":[["ACCOUNT","service","Operation","region",MS],...]}`, when each
//!   call arrived (milliseconds since the fake started), its account, its SigV4 scope's service and
//!   region, and its operation: what a per-account budget must bound.
//! - `POST /__reset`: forgets every recorded call.
//!
//! With `--organization-accounts N` the caller administers an organization (see [`organizations`]);
//! `GET /__findings` lists its `GetFindings` calls.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

mod organizations;

const ACCOUNT: &str = "123456789012";

#[derive(Default)]
struct KeyCalls {
    /// (end, depth) of every finished call.
    finished: Vec<(Instant, u32)>,
    calls: u32,
    max_depth: u32,
    first_start: Option<Instant>,
    last_end: Option<Instant>,
}

/// (account, service, operation, region, ms since start) of one call.
type Arrival = (String, String, String, String, f64);

struct State {
    started: Instant,
    one_account: bool,
    /// (account, service, operation, region, ms since start) of every call.
    arrivals: Mutex<Vec<Arrival>>,
    latency: Duration,
    jitter: Duration,
    /// Pages of each LookupEvents read by access key id.
    lookup_pages: u32,
    /// Such pages served.
    lookups: Mutex<u64>,
    keys: Mutex<HashMap<String, KeyCalls>>,
    seed: Mutex<u64>,
    /// `--organization-accounts`: the caller administers an organization.
    organization: Option<organizations::Organization>,
}

impl State {
    fn start(&self, key: &str) -> (Instant, u32) {
        let now = Instant::now();
        let mut keys = self.keys.lock().unwrap();
        let entry = keys.entry(key.to_owned()).or_default();
        let depth = 1 + entry
            .finished
            .iter()
            .filter(|(end, _)| *end <= now)
            .map(|(_, depth)| *depth)
            .max()
            .unwrap_or(0);
        entry.calls += 1;
        entry.first_start.get_or_insert(now);
        (now, depth)
    }

    fn end(&self, key: &str, depth: u32) {
        let now = Instant::now();
        let mut keys = self.keys.lock().unwrap();
        let entry = keys.entry(key.to_owned()).or_default();
        entry.finished.push((now, depth));
        entry.max_depth = entry.max_depth.max(depth);
        entry.last_end = Some(now);
    }

    fn delay(&self) -> Duration {
        if self.jitter.is_zero() {
            return self.latency;
        }
        // xorshift: no dependency for a uniform jitter.
        let mut seed = self.seed.lock().unwrap();
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let nanos = self.jitter.as_nanos() as u64;
        self.latency + Duration::from_nanos(*seed % (nanos + 1))
    }

    /// The account of access key `key`: its own, unless every key is one account's.
    fn account_of(&self, key: &str) -> String {
        if self.one_account {
            return ACCOUNT.to_owned();
        }
        // FNV-1a: a stable 12-digit account per key, no dependency.
        let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("{:012}", hash % 1_000_000_000_000)
    }

    fn arrivals(&self) -> String {
        let arrivals = self.arrivals.lock().unwrap();
        let items: Vec<String> = arrivals
            .iter()
            .map(|(account, service, operation, region, at)| {
                format!("[\"{account}\",\"{service}\",\"{operation}\",\"{region}\",{at:.1}]")
            })
            .collect();
        format!("{{\"arrivals\":[{}]}}\n", items.join(","))
    }

    fn stats(&self) -> String {
        let keys = self.keys.lock().unwrap();
        let mut calls = 0;
        let mut max_depth = 0;
        let mut per_key = Vec::new();
        for (key, entry) in keys.iter() {
            calls += entry.calls;
            max_depth = max_depth.max(entry.max_depth);
            let span = match (entry.first_start, entry.last_end) {
                (Some(start), Some(end)) => end.duration_since(start).as_secs_f64() * 1000.0,
                _ => 0.0,
            };
            per_key.push(format!(
                "\"{}\":{{\"calls\":{},\"max_depth\":{},\"span_ms\":{:.1}}}",
                key, entry.calls, entry.max_depth, span
            ));
        }
        format!(
            "{{\"keys\":{},\"calls\":{},\"max_depth\":{},\"lookup_pages\":{},\"latency_ms\":{},\"jitter_ms\":{},\"per_key\":{{{}}}}}\n",
            keys.len(),
            calls,
            max_depth,
            self.lookups.lock().unwrap(),
            self.latency.as_millis(),
            self.jitter.as_millis(),
            per_key.join(",")
        )
    }
}

/// The access key id, region and service of a SigV4 `Authorization` header's credential scope
/// (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`).
fn credential_scope(request: &Request<Incoming>) -> (String, String, String) {
    let scope: Vec<&str> = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split("Credential=").nth(1))
        .and_then(|rest| rest.split(',').next())
        .map(|scope| scope.split('/').collect())
        .unwrap_or_default();
    let part = |i: usize| scope.get(i).copied().unwrap_or("unsigned").to_owned();
    (part(0), part(2), part(3))
}

/// The operation a call asks for: its `X-Amz-Target` or query `Action`, else its REST path.
fn operation_of(amz_target: Option<&str>, body: &str, path: &str) -> String {
    if let Some(target) = amz_target {
        return target.rsplit('.').next().unwrap_or(target).to_owned();
    }
    if let Some(action) = form(body).into_iter().find(|(key, _)| key == "Action") {
        return action.1;
    }
    match path {
        "/findings" => "GetFindings".to_owned(),
        other => other.trim_matches('/').replace('/', "_"),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => out.push(byte),
                    Err(_) => out.extend_from_slice(&bytes[i..i + 3]),
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The form fields of a query-protocol body.
fn form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (percent_decode(key), percent_decode(value)))
        .collect()
}

fn response(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("x-amzn-requestid", "b3c4e000-0000-4000-8000-000000000001")
        .body(Full::new(Bytes::from(body)))
        .expect("a valid response")
}

fn json(body: &str) -> Response<Full<Bytes>> {
    response(
        StatusCode::OK,
        "application/x-amz-json-1.1",
        body.to_owned(),
    )
}

fn json_error(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    let mut response = response(
        status,
        "application/x-amz-json-1.1",
        format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}"),
    );
    response
        .headers_mut()
        .insert("x-amzn-errortype", code.parse().expect("a header value"));
    response
}

fn xml(body: String) -> Response<Full<Bytes>> {
    response(StatusCode::OK, "text/xml", body)
}

fn iam_response(operation: &str, result: &str) -> Response<Full<Bytes>> {
    xml(format!(
        "<{operation}Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
         <{operation}Result>{result}</{operation}Result>\
         <ResponseMetadata><RequestId>9f1e0000-0000-4000-8000-000000000001</RequestId></ResponseMetadata>\
         </{operation}Response>"
    ))
}

/// A query-protocol (STS, IAM) call of `account`.
fn query(body: &str, account: &str) -> Response<Full<Bytes>> {
    let fields = form(body);
    let action = fields
        .iter()
        .find(|(key, _)| key == "Action")
        .map(|(_, value)| value.as_str())
        .unwrap_or("");
    match action {
        "GetCallerIdentity" => xml(format!(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <GetCallerIdentityResult><Arn>arn:aws:iam::{account}:user/mdca</Arn>\
             <UserId>AIDAEXAMPLE</UserId><Account>{account}</Account></GetCallerIdentityResult>\
             <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>\
             </GetCallerIdentityResponse>"
        )),
        "SimulatePrincipalPolicy" => {
            // Every action asked about is allowed: echo them back, in one page.
            let members: String = fields
                .iter()
                .filter(|(key, _)| key.starts_with("ActionNames.member."))
                .map(|(_, action)| {
                    format!(
                        "<member><EvalActionName>{action}</EvalActionName>\
                         <EvalResourceName>*</EvalResourceName><EvalDecision>allowed</EvalDecision>\
                         <MatchedStatements/><MissingContextValues/>\
                         <OrganizationsDecisionDetail><AllowedByOrganizations>true</AllowedByOrganizations>\
                         </OrganizationsDecisionDetail></member>"
                    )
                })
                .collect();
            iam_response(
                "SimulatePrincipalPolicy",
                &format!(
                    "<EvaluationResults>{members}</EvaluationResults><IsTruncated>false</IsTruncated>"
                ),
            )
        }
        "ListAttachedUserPolicies" => iam_response(
            "ListAttachedUserPolicies",
            "<AttachedPolicies>\
             <member><PolicyName>SecurityAudit</PolicyName><PolicyArn>arn:aws:iam::aws:policy/SecurityAudit</PolicyArn></member>\
             <member><PolicyName>AWSSecurityHubReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/AWSSecurityHubReadOnlyAccess</PolicyArn></member>\
             </AttachedPolicies><IsTruncated>false</IsTruncated>",
        ),
        "ListGroupsForUser" => iam_response(
            "ListGroupsForUser",
            "<Groups/><IsTruncated>false</IsTruncated>",
        ),
        other => response(
            StatusCode::BAD_REQUEST,
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code>\
                 <Message>fake-aws does not implement {other}</Message></Error>\
                 <RequestId>9f1e0000-0000-4000-8000-000000000002</RequestId></ErrorResponse>"
            ),
        ),
    }
}

/// An awsJson1.1 call by its `X-Amz-Target`.
fn target(target: &str) -> Response<Full<Bytes>> {
    match target {
        "CloudTrail_20131101.DescribeTrails" => json(
            "{\"trailList\":[{\"Name\":\"main\",\
             \"TrailARN\":\"arn:aws:cloudtrail:us-east-1:123456789012:trail/main\",\
             \"HomeRegion\":\"us-east-1\",\"IsMultiRegionTrail\":true,\"IsOrganizationTrail\":false}]}",
        ),
        "CloudTrail_20131101.GetTrailStatus" => json("{\"IsLogging\":true}"),
        "CloudTrail_20131101.GetEventSelectors" => json(
            "{\"EventSelectors\":[{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true}]}",
        ),
        "CloudTrail_20131101.LookupEvents" => {
            json("{\"Events\":[{\"EventId\":\"e-1\",\"EventName\":\"ConsoleLogin\"}]}")
        }
        "StarlingDoveService.DescribeConfigurationRecorderStatus" => json(
            "{\"ConfigurationRecordersStatus\":[{\"name\":\"default\",\"recording\":true,\"lastStatus\":\"SUCCESS\"}]}",
        ),
        "StarlingDoveService.DescribeConfigurationRecorders" => json(
            "{\"ConfigurationRecorders\":[{\"name\":\"default\",\
             \"roleARN\":\"arn:aws:iam::123456789012:role/config\",\
             \"recordingGroup\":{\"allSupported\":true,\"includeGlobalResourceTypes\":true}}]}",
        ),
        "StarlingDoveService.DescribeDeliveryChannelStatus" => json(
            "{\"DeliveryChannelsStatus\":[{\"name\":\"default\",\
             \"configHistoryDeliveryInfo\":{\"lastStatus\":\"Success\"},\
             \"configSnapshotDeliveryInfo\":{\"lastStatus\":\"Success\"}}]}",
        ),
        other => json_error(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            &format!("fake-aws does not implement {other}"),
        ),
    }
}

/// The commercial partition's regions enabled by default.
const DEFAULT_REGIONS: [&str; 17] = [
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// A REST call: Security Hub (restJson), S3 (restXml), CloudWatch (RPC v2 CBOR).
fn rest(method: &Method, path: &str, query: &str) -> Response<Full<Bytes>> {
    match (method.as_str(), path) {
        ("GET", "/accounts") => json(
            "{\"HubArn\":\"arn:aws:securityhub:us-east-1:123456789012:hub/default\",\
             \"SubscribedAt\":\"2026-01-01T00:00:00.000Z\"}",
        ),
        ("POST", "/standards/get") => json(
            "{\"StandardsSubscriptions\":[{\
             \"StandardsSubscriptionArn\":\"arn:aws:securityhub:us-east-1:123456789012:subscription/x\",\
             \"StandardsArn\":\"arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0\",\
             \"StandardsInput\":{},\"StandardsStatus\":\"READY\"}]}",
        ),
        ("POST", "/findings") => json(
            "{\"Findings\":[{\"SchemaVersion\":\"2018-10-08\",\"Id\":\"f-1\",\
             \"ProductArn\":\"arn:aws:securityhub:us-east-1::product/aws/securityhub\",\
             \"GeneratorId\":\"cis\",\"AwsAccountId\":\"123456789012\",\
             \"CreatedAt\":\"2026-11-01T00:00:00.000Z\",\"UpdatedAt\":\"2026-11-01T00:00:00.000Z\",\
             \"Title\":\"t\",\"Description\":\"d\",\
             \"Resources\":[{\"Type\":\"AwsAccount\",\"Id\":\"AWS::::Account:123456789012\"}]}]}",
        ),
        ("GET", "/administrator") => json("{}"),
        // AWS Account Management: the 17 default regions, no opt-in region enabled.
        ("POST", "/listRegions") => json(&format!(
            "{{\"Regions\":[{}]}}",
            DEFAULT_REGIONS
                .iter()
                .map(|name| format!(
                    "{{\"RegionName\":\"{name}\",\"RegionOptStatus\":\"ENABLED_BY_DEFAULT\"}}"
                ))
                .collect::<Vec<_>>()
                .join(",")
        )),
        ("GET", "/members") => json("{\"Members\":[]}"),
        // S3, path-style: the bucket listing, and one bucket's location and ACL.
        ("GET", "/") => xml(
            "<ListAllMyBucketsResult><Buckets><Bucket><Name>contoso-logs</Name>\
             <CreationDate>2026-01-01T00:00:00.000Z</CreationDate>\
             <BucketRegion>us-east-1</BucketRegion></Bucket></Buckets>\
             <Owner><ID>owner</ID></Owner></ListAllMyBucketsResult>"
                .to_owned(),
        ),
        ("GET", "/contoso-logs/") if query.contains("location") => {
            xml("<LocationConstraint>us-east-1</LocationConstraint>".to_owned())
        }
        ("GET", "/contoso-logs/") => xml(
            "<AccessControlPolicy><Owner><ID>owner</ID></Owner><AccessControlList/>\
             </AccessControlPolicy>"
                .to_owned(),
        ),
        // CloudWatch speaks Smithy RPC v2 CBOR: an empty map (0xA0) is "no alarms".
        ("POST", "/service/GraniteServiceVersion20100801/operation/DescribeAlarms") => {
            let mut response = Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/cbor")
                .header("smithy-protocol", "rpc-v2-cbor")
                .body(Full::new(Bytes::from_static(&[0xA0])))
                .expect("a valid response");
            response.headers_mut().insert(
                "x-amzn-requestid",
                "b3c4e000-0000-4000-8000-000000000002".parse().unwrap(),
            );
            response
        }
        _ => json_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            &format!("fake-aws does not implement {method} {path}"),
        ),
    }
}

async fn handle(
    state: Arc<State>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let uri_query = request.uri().query().unwrap_or_default().to_owned();
    match (method.as_str(), path.as_str()) {
        ("GET", "/__stats") => {
            return Ok(response(StatusCode::OK, "application/json", state.stats()));
        }
        ("GET", "/__arrivals") => {
            return Ok(response(
                StatusCode::OK,
                "application/json",
                state.arrivals(),
            ));
        }
        ("GET", "/__findings") => {
            let calls = state.organization.as_ref().map(|o| o.findings_calls());
            let calls = calls.unwrap_or_else(|| "{\"calls\":[]}\n".to_owned());
            return Ok(response(StatusCode::OK, "application/json", calls));
        }
        ("POST", "/__reset") => {
            state.organization.iter().for_each(|o| o.reset());
            state.keys.lock().unwrap().clear();
            state.arrivals.lock().unwrap().clear();
            return Ok(response(
                StatusCode::OK,
                "application/json",
                "{}".to_owned(),
            ));
        }
        _ => {}
    }
    let (key, region, service) = credential_scope(&request);
    let arrived = state.started.elapsed().as_secs_f64() * 1000.0;
    let amz_target = request
        .headers()
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let (_, depth) = state.start(&key);
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let body = String::from_utf8_lossy(&body);
    let account = state.account_of(&key);
    let operation = operation_of(amz_target.as_deref(), &body, &path);
    let signed_region = region.clone();
    state
        .arrivals
        .lock()
        .unwrap()
        .push((account.clone(), service, operation, region, arrived));
    tokio::time::sleep(state.delay()).await;
    let organization = state.organization.as_ref().and_then(|organization| {
        organization.answer(&organizations::Call {
            account: &account,
            target: amz_target.as_deref(),
            method: &method,
            path: &path,
            query: &uri_query,
            region: &signed_region,
            body: &body,
            arrived_ms: arrived,
        })
    });
    let answer = if let Some(answer) = organization {
        answer
    } else if amz_target.as_deref() == Some("CloudTrail_20131101.LookupEvents")
        && body.contains("LookupAttributes")
    {
        *state.lookups.lock().unwrap() += 1;
        lookup_page(&body, state.lookup_pages)
    } else if let Some(amz_target) = amz_target {
        target(&amz_target)
    } else if method == Method::POST && path == "/" && body.contains("Action=") {
        query(&body, &account)
    } else {
        rest(&method, &path, &uri_query)
    };
    state.end(&key, depth);
    Ok(answer)
}

/// One page of a busy key's record: 50 successful calls, and a `NextToken` until the last page.
fn lookup_page(body: &str, pages: u32) -> Response<Full<Bytes>> {
    let page: u32 = body
        .split("\"NextToken\":\"page-")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let events: Vec<String> = (0..50)
        .map(|i| {
            format!(
                "{{\"EventId\":\"ev-{page}-{i}\",\"EventName\":\"DescribeTrails\",\
                 \"EventTime\":1700000000,\"EventSource\":\"cloudtrail.amazonaws.com\"}}"
            )
        })
        .collect();
    let next = if page + 1 < pages {
        format!(",\"NextToken\":\"page-{}\"", page + 1)
    } else {
        String::new()
    };
    json(&format!("{{\"Events\":[{}]{next}}}", events.join(",")))
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|arg| arg == name)
        .and_then(|index| args.get(index + 1).cloned())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let listen: SocketAddr = arg(&args, "--listen")
        .unwrap_or_else(|| "127.0.0.1:0".to_owned())
        .parse()
        .expect("--listen is an address");
    let ms = |name: &str, default: u64| {
        arg(&args, name)
            .map(|value| value.parse().expect("a number of milliseconds"))
            .unwrap_or(default)
    };
    let state = Arc::new(State {
        started: Instant::now(),
        one_account: args.iter().any(|arg| arg == "--one-account"),
        arrivals: Mutex::default(),
        latency: Duration::from_millis(ms("--latency-ms", 50)),
        jitter: Duration::from_millis(ms("--jitter-ms", 0)),
        lookup_pages: u32::try_from(ms("--lookup-pages", 1)).unwrap_or(1).max(1),
        lookups: Mutex::default(),
        keys: Mutex::default(),
        seed: Mutex::new(0x9E37_79B9_7F4A_7C15),
        organization: organizations::Organization::from_args(&args),
    });
    let listener = TcpListener::bind(listen).await?;
    let local = listener.local_addr()?;
    if let Some(file) = arg(&args, "--port-file") {
        std::fs::write(file, local.port().to_string())?;
    }
    eprintln!(
        "fake-aws listening on {local}, latency {:?} + jitter up to {:?}",
        state.latency, state.jitter
    );
    if let Some(organization) = &state.organization {
        eprintln!("fake-aws: {}", organization.describe());
    }
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(state.clone(), request));
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
