//! The corpus of account states: one TOML file per scenario under `tests/scenarios/`, each saying
//! what the scripted fake AWS answers, the request, and what the diagnosis must (and must not)
//! say. A new account state to diagnose is a new file, not new Rust.
//!
//! A scenario file:
//!
//! ```toml
//! description = "what account state this is, and what must not be concluded from it"
//! base = "healthy"          # "healthy": every call answers as a healthy account; "identity": only STS
//! principal = "root"        # optional: who STS says the key belongs to ("user", the default, or "root")
//! partition = "aws-us-gov"  # optional: the key's partition ("aws" by default); the STS endpoints of
//!                           # the other partitions answer InvalidClientTokenId
//!
//! [request]                 # over the builder's defaults (both connections, the example key)
//! connections = ["security_auditing"]
//! regions = ["us-east-1"]   # [] names none: the account's regions are discovered
//! session_token = "..."     # optional: temporary credentials
//!
//! [settings]                # optional: the service's settings that the state needs
//! diagnosis_deadline_ms = 3000
//! aws_call_timeout_ms = 1000
//! observed_pages_per_region = 2
//!
//! [iam]                     # optional: the identity's policies instead of a simulator that allows all
//! simulator = "denied"      # IAM's simulator refuses (the guide's policy does not grant it)
//! inline_policy = "guide"   # user mdca's one inline policy: "guide" (the seed guide's JSON) or JSON text
//!
//! [cloudtrail]              # optional: CloudTrail's record of the key's calls (LookupEvents by key)
//! page_size = 50            # events per LookupEvents page
//! [[cloudtrail.event]]      # one event (or `repeat` alike, a minute apart going back)
//! time = "now-30m"          # now, or now-<n><s|m|h>
//! source = "s3.amazonaws.com"
//! name = "GetBucketAcl"
//! region = "us-east-1"      # the default
//! error = "AccessDenied"    # optional: a failed call
//! message = "..."
//! resource = "arn:aws:s3:::contoso-logs"
//! key = "other"             # optional: another key's call ("connector", the default, is the request's)
//! agent = "own"             # optional: this service's own call ("portal", the default)
//! repeat = 3
//!
//! [[answer]]                # a fault over the base; the first matching answer wins
//! target = "CloudTrail_20131101.GetTrailStatus"  # X-Amz-Target, or action = "GetCallerIdentity",
//!                                                # or method = "GET" with path = "/accounts"
//! region = "eu-west-1"      # optional: only calls signed for this region
//! query = "NextToken=page-2" # optional: only calls with this query parameter
//! body = "ap-east-2"        # optional: only calls whose body contains this text
//! status = 400
//! error = "AccessDeniedException"   # a JSON (or, with action, XML) error with `message`
//! message = "..."
//! json = '{"trailList": []}'       # or a JSON body; xml = "..." for query-protocol answers
//! format = "s3"             # how `error` is written: "query" (with action), "json" (with target or a
//!                           # REST path), "cbor" (CloudWatch's /service/... paths), "s3" (S3's <Error>)
//! delay_ms = 0
//!
//! [expect]                  # every key optional
//! status = "degraded"
//! connections = { security_auditing = "degraded" }
//! checks = { cloudtrail = "error" }
//! regions = { "us-east-1" = { cloudtrail = "access_denied" } }
//! codes = ["CLOUDTRAIL_STATUS_UNKNOWN"]          # present
//! absent = ["CLOUDTRAIL_NO_TRAIL"]               # causes the state does not have
//! severities = { CLOUDTRAIL_STATUS_UNKNOWN = "warning" }
//! count = { AWS_TIMEOUT = 1 }                     # exactly this many findings of a code
//! summaries = { security_hub = "of 3 member" }   # a check's summary contains this text
//! remediation_actions = ["s3:PutBucketAcl"]       # every Action of the remediation policy ([] = none)
//! details = { PERMISSION_EXPLICIT_DENY = "MultiFactorAuthPresent" }  # a finding's detail says this
//! partition = "aws-cn"                            # identity.partition
//! regions_source = "discovered"
//! regions_checked = ["cn-north-1", "cn-northwest-1"]  # exactly these, in order
//! observed = true                                 # whether observed_denials was read (not null)
//! observed_actions = ["s3:GetBucketAcl AccessDenied"]  # exactly these entries ("action code")
//! observed_complete = false                       # whether every region's read was complete
//!
//! [expect.observed_denials."s3:GetBucketAcl"]     # fields of one observed_denials entry
//! count = 3
//! denied_by = "resource_policy"
//!
//! [expect.permissions."s3:GetBucketAcl"]          # fields of one verdict, as the API writes them
//! decision = "allowed"
//! method = "observed"
//! regions_denied = ["eu-west-1"]
//! scp_visible = true
//! evidence_methods = ["observed", "simulation"]   # the methods of its evidence, in order
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::stream::{self, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockBuilder, ResponseTemplate};

use connector_doctor::domain::PARTITIONS;

use crate::helpers::fake_aws::{sts_error, unknown_key};
use crate::helpers::fake_cloudtrail::{CloudTrailRecord, OWN_AGENT, RecordedEvent, relative_time};
use crate::helpers::fake_regions::{
    CLOUDWATCH, cbor_error, healthy_account, json_error, json_response, s3_error,
};
use crate::helpers::iam_setup::seed_policy;
use crate::helpers::{EXAMPLE_KEY_ID, FakeAws, FakeIdentity, RequestBody, TestApp};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    description: String,
    base: Base,
    #[serde(default)]
    principal: Principal,
    #[serde(default = "commercial")]
    partition: String,
    #[serde(default)]
    request: RequestPart,
    #[serde(default)]
    settings: SettingsPart,
    #[serde(default)]
    iam: IamPart,
    #[serde(default)]
    answer: Vec<Answer>,
    cloudtrail: Option<CloudTrailPart>,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CloudTrailPart {
    #[serde(default = "page_size")]
    page_size: usize,
    #[serde(default)]
    event: Vec<EventPart>,
}

fn page_size() -> usize {
    50
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventPart {
    time: String,
    source: String,
    name: String,
    region: Option<String>,
    error: Option<String>,
    message: Option<String>,
    resource: Option<String>,
    #[serde(default)]
    key: KeyPart,
    #[serde(default)]
    agent: AgentPart,
    #[serde(default = "one")]
    repeat: usize,
}

fn one() -> usize {
    1
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KeyPart {
    /// The request's key.
    #[default]
    Connector,
    /// Another key of the account.
    Other,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum AgentPart {
    /// The portal's SDK.
    #[default]
    Portal,
    /// This service's own calls.
    Own,
}

impl CloudTrailPart {
    /// The record the part describes.
    fn record(&self) -> CloudTrailRecord {
        let record = CloudTrailRecord::new(self.page_size);
        for part in &self.event {
            let first = relative_time(&part.time);
            for n in 0..part.repeat {
                let key = match part.key {
                    KeyPart::Connector => EXAMPLE_KEY_ID,
                    KeyPart::Other => "AKIAI44QH8DHBEXAMPLE",
                };
                let time = first - chrono::TimeDelta::minutes(n as i64);
                let mut event = RecordedEvent::new(key, time, &part.source, &part.name);
                if let Some(code) = &part.error {
                    event = event.failed(code, part.message.as_deref().unwrap_or_default());
                }
                if let Some(region) = &part.region {
                    event.region.clone_from(region);
                }
                event.resource.clone_from(&part.resource);
                if let AgentPart::Own = part.agent {
                    OWN_AGENT.clone_into(&mut event.agent);
                }
                record.add(event);
            }
        }
        record
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Principal {
    /// IAM user `mdca`.
    #[default]
    User,
    /// The account's root user.
    Root,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IamPart {
    simulator: Option<Simulator>,
    inline_policy: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Simulator {
    Allowed,
    Denied,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ErrorFormat {
    Query,
    Json,
    Cbor,
    S3,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Base {
    /// Every call answers as a healthy account.
    Healthy,
    /// Only STS answers (the identity of an IAM user); any other call gets the fake's 404.
    Identity,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestPart {
    connections: Option<Vec<String>>,
    regions: Option<Vec<String>>,
    session_token: Option<String>,
}

fn commercial() -> String {
    "aws".to_owned()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsPart {
    diagnosis_deadline_ms: Option<u64>,
    aws_call_timeout_ms: Option<u64>,
    observed_pages_per_region: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    target: Option<String>,
    action: Option<String>,
    method: Option<String>,
    path: Option<String>,
    region: Option<String>,
    query: Option<String>,
    body: Option<String>,
    status: u16,
    error: Option<String>,
    message: Option<String>,
    json: Option<String>,
    xml: Option<String>,
    format: Option<ErrorFormat>,
    #[serde(default)]
    delay_ms: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    status: Option<String>,
    #[serde(default)]
    connections: BTreeMap<String, String>,
    #[serde(default)]
    checks: BTreeMap<String, String>,
    #[serde(default)]
    regions: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    codes: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    severities: BTreeMap<String, String>,
    #[serde(default)]
    count: BTreeMap<String, usize>,
    #[serde(default)]
    summaries: BTreeMap<String, String>,
    remediation_actions: Option<Vec<String>>,
    #[serde(default)]
    details: BTreeMap<String, String>,
    #[serde(default)]
    permissions: BTreeMap<String, BTreeMap<String, toml::Value>>,
    partition: Option<String>,
    regions_source: Option<String>,
    regions_checked: Option<Vec<String>>,
    observed: Option<bool>,
    observed_actions: Option<Vec<String>>,
    observed_complete: Option<bool>,
    #[serde(default)]
    observed_denials: BTreeMap<String, BTreeMap<String, toml::Value>>,
}

/// Every scenario file, sorted.
fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        // SCENARIO=name runs the files whose name contains it (while working on one state).
        .filter(|path| {
            std::env::var("SCENARIO").map_or(true, |only| path.to_string_lossy().contains(&only))
        })
        .collect();
    files.sort();
    files
}

impl Answer {
    /// The wiremock matcher the answer's keys describe.
    fn matcher(&self) -> MockBuilder {
        let mock = match (&self.target, &self.action, &self.method, &self.path) {
            (Some(target), None, None, None) => {
                Mock::given(method("POST")).and(header("x-amz-target", target.as_str()))
            }
            (None, Some(action), None, None) => {
                Mock::given(method("POST")).and(body_string_contains(format!("Action={action}&")))
            }
            (None, None, Some(verb), Some(route)) => {
                Mock::given(method(verb.as_str())).and(path(route.as_str()))
            }
            _ => panic!("an answer names one of: target, action, or method with path: {self:?}"),
        };
        let mock = match &self.body {
            Some(text) => mock.and(body_string_contains(text.as_str())),
            None => mock,
        };
        let mock = match &self.query {
            Some(pair) => {
                let (name, value) = pair.split_once('=').expect("query is name=value");
                mock.and(wiremock::matchers::query_param(name, value))
            }
            None => mock,
        };
        match &self.region {
            Some(region) => {
                // The service is read from the signing scope, which names it for every protocol.
                mock.and(wiremock::matchers::header_regex(
                    "authorization",
                    &format!("/{region}/[a-z-]+/aws4_request"),
                ))
            }
            None => mock,
        }
    }

    /// How an error is written: as asked, else as the answered protocol writes it.
    fn error_format(&self) -> ErrorFormat {
        match (self.format, &self.action, &self.path) {
            (Some(format), _, _) => format,
            (None, Some(_), _) => ErrorFormat::Query,
            (None, None, Some(route)) if route.starts_with(CLOUDWATCH) => ErrorFormat::Cbor,
            _ => ErrorFormat::Json,
        }
    }

    /// The response the answer describes.
    fn response(&self) -> ResponseTemplate {
        let message = self.message.clone().unwrap_or_default();
        let response = match (&self.error, &self.json, &self.xml) {
            (Some(code), None, None) => match self.error_format() {
                ErrorFormat::Query => sts_error(self.status, code, &message),
                ErrorFormat::Json => json_error(self.status, code, &message),
                ErrorFormat::Cbor => cbor_error(self.status, code, &message),
                ErrorFormat::S3 => s3_error(self.status, code, &message),
            },
            (None, Some(body), None) => {
                let body: Value = serde_json::from_str(body).expect("`json` is JSON");
                json_response(self.status, body)
            }
            (None, None, Some(body)) => ResponseTemplate::new(self.status)
                .insert_header("content-type", "text/xml")
                .set_body_string(body.clone()),
            _ => panic!("an answer has one of: error, json, xml: {self:?}"),
        };
        response
            .insert_header("x-amzn-requestid", "5ce0a210-0000-4000-8000-000000000009")
            .set_delay(Duration::from_millis(self.delay_ms))
    }
}

/// What the diagnosis says that the scenario does not expect, one line each.
fn mismatches(expect: &Expect, diagnosis: &Value) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut expect_word = |what: String, actual: &Value, expected: &str| {
        if actual.as_str() != Some(expected) {
            wrong.push(format!("{what}: expected {expected}, got {actual}"));
        }
    };
    if let Some(status) = &expect.status {
        expect_word("status".into(), &diagnosis["status"], status);
    }
    if let Some(partition) = &expect.partition {
        expect_word(
            "partition".into(),
            &diagnosis["identity"]["partition"],
            partition,
        );
    }
    if let Some(source) = &expect.regions_source {
        expect_word(
            "regions_source".into(),
            &diagnosis["regions_source"],
            source,
        );
    }
    for (connection, status) in &expect.connections {
        let actual = &diagnosis["connections"][connection]["status"];
        expect_word(format!("connection {connection}"), actual, status);
    }
    let checks = diagnosis["checks"].as_array().cloned().unwrap_or_default();
    for (id, status) in &expect.checks {
        let actual = checks
            .iter()
            .find(|check| check["id"] == id.as_str() && check["region"].is_null())
            .or_else(|| checks.iter().find(|check| check["id"] == id.as_str()))
            .map(|check| check["status"].clone())
            .unwrap_or(Value::Null);
        expect_word(format!("check {id}"), &actual, status);
    }
    for (region, services) in &expect.regions {
        for (service, state) in services {
            let actual = &diagnosis["regions"][region][service];
            expect_word(format!("region {region} {service}"), actual, state);
        }
    }
    for (id, text) in &expect.summaries {
        let said: Vec<&str> = checks
            .iter()
            .filter(|check| check["id"] == id.as_str())
            .filter_map(|check| check["summary"].as_str())
            .collect();
        if !said.iter().any(|summary| summary.contains(text.as_str())) {
            wrong.push(format!("check {id}: no summary says {text:?}: {said:?}"));
        }
    }
    let findings = diagnosis["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let of =
        |code: &str| -> Vec<&Value> { findings.iter().filter(|f| f["code"] == code).collect() };
    for code in &expect.codes {
        if of(code).is_empty() {
            wrong.push(format!("no {code} finding"));
        }
    }
    for code in &expect.absent {
        if !of(code).is_empty() {
            wrong.push(format!(
                "a {code} finding, which this account state does not have"
            ));
        }
    }
    for (code, severity) in &expect.severities {
        let found = of(code);
        if found.is_empty() || found.iter().any(|f| f["severity"] != severity.as_str()) {
            let actual: Vec<&Value> = found.iter().map(|f| &f["severity"]).collect();
            wrong.push(format!(
                "{code} severity: expected {severity}, got {actual:?}"
            ));
        }
    }
    for (code, count) in &expect.count {
        let actual = of(code).len();
        if actual != *count {
            wrong.push(format!("{code} findings: expected {count}, got {actual}"));
        }
    }
    for (code, text) in &expect.details {
        let said: Vec<&str> = of(code)
            .iter()
            .filter_map(|f| f["detail"].as_str())
            .collect();
        if !said.iter().any(|detail| detail.contains(text.as_str())) {
            wrong.push(format!("no {code} finding says {text:?}: {said:?}"));
        }
    }
    if let Some(expected) = &expect.remediation_actions {
        let mut granted: Vec<String> = diagnosis["remediation_policy"]["Statement"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|statement| statement["Action"].as_array().cloned().unwrap_or_default())
            .filter_map(|action| action.as_str().map(str::to_owned))
            .collect();
        granted.sort();
        let mut expected = expected.clone();
        expected.sort();
        if granted != expected {
            wrong.push(format!(
                "remediation policy: expected the actions {expected:?}, got {}",
                diagnosis["remediation_policy"]
            ));
        }
    }
    let verdicts = diagnosis["permissions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (action, fields) in &expect.permissions {
        let Some(verdict) = verdicts.iter().find(|v| v["action"] == action.as_str()) else {
            wrong.push(format!("no verdict on {action}"));
            continue;
        };
        for (field, expected) in fields {
            let actual = match field.as_str() {
                "evidence_methods" => Value::Array(
                    verdict["evidence"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|e| e["method"].clone())
                        .collect(),
                ),
                _ => verdict[field].clone(),
            };
            let expected = serde_json::to_value(expected).expect("TOML values are JSON");
            if actual != expected {
                wrong.push(format!(
                    "{action} {field}: expected {expected}, got {actual} (verdict {verdict})"
                ));
            }
        }
    }
    wrong.extend(observed_mismatches(expect, diagnosis));
    if let Some(regions) = &expect.regions_checked
        && diagnosis["regions_checked"] != serde_json::json!(regions)
    {
        wrong.push(format!(
            "regions_checked: expected {regions:?}, got {}",
            diagnosis["regions_checked"]
        ));
    }
    wrong
}

/// What `observed_denials` and `observed_window` say that the scenario does not expect.
fn observed_mismatches(expect: &Expect, diagnosis: &Value) -> Vec<String> {
    let mut wrong = Vec::new();
    let denials = &diagnosis["observed_denials"];
    if let Some(read) = expect.observed
        && denials.is_null() == read
    {
        wrong.push(format!(
            "observed_denials read: expected {read}, got {denials}"
        ));
    }
    let entries = denials.as_array().cloned().unwrap_or_default();
    if let Some(expected) = &expect.observed_actions {
        let actual: Vec<String> = entries
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d["action"].as_str().unwrap_or_default(),
                    d["error_code"].as_str().unwrap_or_default()
                )
            })
            .collect();
        if &actual != expected {
            wrong.push(format!(
                "observed_denials: expected {expected:?}, got {actual:?}"
            ));
        }
    }
    if let Some(complete) = expect.observed_complete {
        let regions = diagnosis["observed_window"]["regions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let all = !regions.is_empty() && regions.iter().all(|r| r["complete"] == true);
        if all != complete {
            wrong.push(format!(
                "observed_window complete: expected {complete}, got {}",
                diagnosis["observed_window"]
            ));
        }
    }
    for (action, fields) in &expect.observed_denials {
        let Some(entry) = entries.iter().find(|d| d["action"] == action.as_str()) else {
            wrong.push(format!("no observed_denials entry of {action}"));
            continue;
        };
        for (field, expected) in fields {
            let expected = serde_json::to_value(expected).expect("TOML values are JSON");
            if entry[field] != expected {
                wrong.push(format!(
                    "observed {action} {field}: expected {expected}, got {}",
                    entry[field]
                ));
            }
        }
    }
    wrong
}

/// The STS endpoints of the partitions other than `partition` do not know the key.
async fn key_unknown_outside(fake: &FakeAws, partition: &str) {
    let others: Vec<&str> = PARTITIONS
        .iter()
        .filter(|p| p.arn_name() != partition)
        .map(|p| p.sts_region().name())
        .collect();
    assert_eq!(others.len(), 2, "partition {partition} is not a partition");
    Mock::given(method("POST"))
        .and(body_string_contains("Action=GetCallerIdentity"))
        .and(wiremock::matchers::header_regex(
            "authorization",
            &format!("/({})/sts/aws4_request", others.join("|")),
        ))
        .respond_with(unknown_key())
        .with_priority(2)
        .mount(&fake.server)
        .await;
}

/// Runs one scenario against a fake AWS of its own, returned with the outcome: a fake is
/// dropped only once every scenario is done, since a wiremock server dropped while the test
/// thread still drives other scenarios was seen to hang the run.
async fn run_on_own_fake(file: &Path) -> (Result<(), String>, FakeAws) {
    let fake = FakeAws::start().await;
    let outcome = run(file, &fake).await;
    (outcome, fake)
}

/// Runs one scenario; the problems found, with the diagnosis for context.
async fn run(file: &Path, fake: &FakeAws) -> Result<(), String> {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(file).unwrap();
    let scenario: Scenario =
        toml::from_str(&text).map_err(|error| format!("{name}: not a scenario: {error}"))?;
    // Faults first: wiremock answers with the matching mock of the lowest priority number.
    for answer in &scenario.answer {
        answer
            .matcher()
            .respond_with(answer.response())
            .with_priority(1)
            .mount(&fake.server)
            .await;
    }
    if let Some(cloudtrail) = &scenario.cloudtrail {
        cloudtrail.record().mount(fake).await;
    }
    key_unknown_outside(fake, &scenario.partition).await;
    // Mounted before the base: of two answers of the same priority, the first mounted wins.
    let identity = match scenario.principal {
        Principal::Root => FakeIdentity::root(),
        Principal::User => FakeIdentity::user(),
    };
    fake.identifies(identity.in_partition(&scenario.partition))
        .await;
    match scenario.base {
        Base::Healthy => healthy_account(fake).await,
        Base::Identity => fake.identifies(FakeIdentity::user()).await,
    }
    if let Some(Simulator::Denied) = scenario.iam.simulator {
        fake.simulator_denied().await;
    }
    if let Some(policy) = &scenario.iam.inline_policy {
        let policy = match policy.as_str() {
            "guide" => seed_policy(),
            text => serde_json::from_str(text)
                .map_err(|error| format!("{name}: inline_policy is not JSON: {error}"))?,
        };
        fake.user_with_inline_policy(&policy).await;
    }
    let url = fake.url();
    let settings = &scenario.settings;
    let (deadline, call_timeout) = (settings.diagnosis_deadline_ms, settings.aws_call_timeout_ms);
    let pages = settings.observed_pages_per_region;
    let app = TestApp::spawn(move |s| {
        s.aws.aws_endpoint_url = Some(url);
        if let Some(ms) = deadline {
            s.probes.diagnosis_deadline = Duration::from_millis(ms);
        }
        if let Some(ms) = call_timeout {
            s.aws.aws_call_timeout = Duration::from_millis(ms);
        }
        if let Some(pages) = pages {
            s.probes.observed_pages_per_region = pages;
        }
    })
    .await;
    let mut body = RequestBody::new().build();
    if let Some(connections) = &scenario.request.connections {
        body["connections"] = serde_json::json!(connections);
    }
    match &scenario.request.regions {
        // None named: the service checks the partition's default regions.
        Some(regions) if regions.is_empty() => {
            body.as_object_mut().expect("an object").remove("regions");
        }
        Some(regions) => body["regions"] = serde_json::json!(regions),
        None => {}
    }
    if let Some(token) = &scenario.request.session_token {
        body["credentials"]["session_token"] = serde_json::json!(token);
    }
    let response = app.diagnose(&body).await;
    let status = response.status();
    let diagnosis: Value = response.json().await.map_err(|e| format!("{name}: {e}"))?;
    if status != 200 {
        return Err(format!("{name}: HTTP {status}: {diagnosis}"));
    }
    let wrong = mismatches(&scenario.expect, &diagnosis);
    if wrong.is_empty() {
        return Ok(());
    }
    let codes: Vec<String> = diagnosis["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| format!("{} ({}, {})", f["code"], f["severity"], f["region"]))
        .collect();
    Err(format!(
        "{name} ({}):\n  - {}\n  findings: {codes:?}\n  checks: {}\n  regions: {}",
        scenario.description,
        wrong.join("\n  - "),
        diagnosis["checks"],
        diagnosis["regions"],
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_account_state_of_the_corpus_is_diagnosed_as_it_is() {
    let files = scenario_files();
    assert!(
        files.len() >= 40 || std::env::var("SCENARIO").is_ok(),
        "the corpus has {} scenarios",
        files.len()
    );
    let (outcomes, fakes): (Vec<_>, Vec<FakeAws>) = stream::iter(files.iter())
        .map(|file| run_on_own_fake(file))
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .unzip();
    // A fake's drop verifies its mocks by blocking on wiremock's state lock, which spends this
    // task's cooperative budget: dropping them all in one poll spins for good once the budget is
    // spent (past some 60 scenarios), so each is dropped in a turn of its own.
    for fake in fakes {
        drop(fake);
        tokio::task::yield_now().await;
    }
    let failures: Vec<String> = outcomes.into_iter().filter_map(Result::err).collect();
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_runner_reports_what_a_diagnosis_wrongly_says() {
    let expect = Expect {
        status: Some("healthy".into()),
        absent: vec!["CLOUDTRAIL_NO_TRAIL".into()],
        ..Expect::default()
    };
    let said = serde_json::json!({
        "status": "unhealthy",
        "findings": [{"code": "CLOUDTRAIL_NO_TRAIL", "severity": "error"}]
    });
    let wrong = mismatches(&expect, &said);
    assert_eq!(wrong.len(), 2, "{wrong:?}");
}
