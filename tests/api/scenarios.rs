//! The corpus of account states: one TOML file per scenario under `tests/scenarios/`, each saying
//! what the scripted fake AWS answers, the request, and what the diagnosis must (and must not)
//! say. A new account state to diagnose is a new file, not new Rust.
//!
//! A scenario file:
//!
//! ```toml
//! description = "what account state this is, and what must not be concluded from it"
//! base = "healthy"          # "healthy": every call answers as a healthy account; "identity": only STS
//! principal = "root"        # optional: who STS says the key belongs to ("user", the default,
//!                           # "root", or "role_session": a session of role mdca)
//! partition = "aws-us-gov"  # optional: the key's partition ("aws" by default); the STS endpoints of
//!                           # the other partitions answer InvalidClientTokenId
//!
//! [request]                 # over the builder's defaults (both connections, the example key)
//! connections = ["security_auditing"]
//! regions = ["us-east-1"]   # [] names none: the account's regions are discovered
//! access_key_id = "ASIAIOSFODNN7EXAMPLE"  # optional: another key id than the example one
//! session_token = "..."     # optional: temporary credentials
//! assume_role = { role_arn = "arn:aws:iam::123456789012:role/mdca", external_id = "portal-42" }
//! expected_account_id = "111122223333"  # optional: the account the portal expects
//!
//! [settings]                # optional: the service's settings that the state needs
//! diagnosis_deadline_ms = 3000
//! aws_call_timeout_ms = 1000
//! observed_pages_per_region = 2
//! aws_rate_share_percent = 100
//!
//! [iam]                     # optional: the identity's policies instead of a simulator that allows all
//! simulator = "denied"      # IAM's simulator refuses (the guide's policy does not grant it)
//! inline_policy = "guide"   # user mdca's one inline policy: "guide" (the seed guide's JSON) or JSON text
//! simulator_pages = 2       # the simulator answers over this many pages (Marker=page-2, ...)
//! attached = ["arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2"]  # managed policies
//!                           # attached to user mdca (else: none, or the healthy account's two)
//! [iam.groups]              # optional: user mdca's groups, each with its attached policies
//! auditors = ["arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantine"]
//! [iam.documents]           # managed policies' documents (GetPolicy, GetPolicyVersion), by ARN
//! "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2" = '{"Version": "2012-10-17", ...}'
//! [[iam.access_key]]        # ListAccessKeys of user mdca (default: the request's key, Active,
//! key = "connector"         # a month old); "connector" or "other" (AKIAI44QH8DHBEXAMPLE)
//! created = "now-400d"      # now, or now-<n><s|m|h|d>
//! status = "Active"         # as AWS writes it
//! [iam.simulated."s3:PutBucketAcl"]  # the simulator's word on one action; every other required
//! decision = "implicitDeny"          # action of the request's connections is allowed
//! allowed_by_organizations = false   # optional: false when an SCP denied it
//! matched_policy = "AWSCompromisedKeyQuarantineV2"  # optional: its matched statement's policy
//!
//! [cloudtrail]              # optional: CloudTrail's record of the key's calls (LookupEvents by key)
//! page_size = 50            # events per LookupEvents page
//! [[cloudtrail.event]]      # one event (or `repeat` alike, a minute apart going back)
//! time = "now-30m"          # now, or now-<n><s|m|h|d>
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
//! [organization]            # optional: an AWS Organization and a Security Hub administrator or
//!                           # member (keys: tests/api/helpers/fake_organization.rs)
//! id = "o-a1b2c3d4e5"
//! members = "Enabled"
//!
//! [[answer]]                # a fault over the base; the first matching answer wins
//! target = "CloudTrail_20131101.GetTrailStatus"  # X-Amz-Target, or action = "GetCallerIdentity",
//!                                                # or method = "GET" with path = "/accounts",
//!                                                # or method = "POST" alone (every call of it)
//! region = "eu-west-1"      # optional: only calls signed for this region
//! service = "securityhub"   # optional: only calls signed for this service (its signing name)
//! query = "NextToken=page-2" # optional: only calls with this query parameter
//! body = "ap-east-2"        # optional: only calls whose body contains this text
//! key = "ASIAROLESESSION00001" # optional: only calls signed with this access key id
//! status = 400
//! error = "AccessDeniedException"   # a JSON (or, with action, XML) error with `message`
//! message = "..."
//! json = '{"trailList": []}'       # or a JSON body; xml = "..." for query-protocol answers
//! format = "s3"             # how `error` is written: "query" (with action), "json" (with target or a
//!                           # REST path), "cbor" (CloudWatch's /service/... paths), "s3" (S3's <Error>)
//! delay_ms = 0
//! date = "now+30m"          # optional: the answer's Date header (AWS's clock), now or now<+|-><n><s|m|h>
//!
//! [expect]                  # every key optional
//! status = "degraded"
//! connections = { security_auditing = "degraded" }
//! checks = { cloudtrail = "error" }
//! regions = { "us-east-1" = { cloudtrail = "access_denied" } }
//! codes = ["CLOUDTRAIL_STATUS_UNKNOWN"]          # present
//! absent = ["CLOUDTRAIL_NO_TRAIL"]               # causes the state does not have ("CLOUDTRAIL_*":
//!                                                 # every code that starts so)
//! severities = { CLOUDTRAIL_STATUS_UNKNOWN = "warning" }
//! count = { AWS_TIMEOUT = 1 }                     # exactly this many findings of a code
//! summaries = { security_hub = "of 3 member" }   # a check's summary contains this text (or each
//!                                                 # of a list of texts: ["a", "b"])
//! remediation_actions = ["s3:PutBucketAcl"]       # every Action of the remediation policy ([] = none)
//! remediation_grants = ["iam:"]                   # the remediation policy grants an Action that
//!                                                 # starts with each (when which one may vary)
//! details = { PERMISSION_EXPLICIT_DENY = "MultiFactorAuthPresent" }  # a finding's detail says this
//!                                                 # (or each of a list of texts)
//! all_codes = ["CREDENTIALS_EXPIRED"]             # every finding's code, exactly, in order
//! connection_codes = { security_auditing = ["CREDENTIALS_EXPIRED"] }  # a connection's finding_codes
//! identity = { principal_type = "root" }          # fields of `identity`, as the API writes them
//! never_says = ["portal-42"]                      # text found nowhere in the diagnosis
//! organization = { role = "administrator" }       # fields of `organization` (`{}`: it is null)
//! coverage = { "210000000001 us-east-1" = "enabled flowing" }  # a cell of `organization.accounts`:
//!                                                 # membership and data (and config, a third word)
//! calls = { GetCallerIdentity = 3 }               # requests the fake received of a query Action
//! every_required_action = true                    # one verdict per action the checked connections
//!                                                 # require, in order, with its required_by
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
//!
//! [[expect.every_permission]]                     # every verdict (there is one at least) ...
//! when = { method = "observed", action = "iam:*" }  # optional: ... whose fields are these (a text
//!                                                 # may end in *, a list is one of its values) ...
//! decision = ["implicit_deny"]                    # ... has each field one of the values listed
//! evidence_methods = [["observed"]]
//!
//! [expect.findings.REGION_DISABLED]               # fields of a finding of the code, as the API
//! region = "af-south-1"                           # writes them; a table compares only the keys
//! aws_error = { code = "AccessDenied" }           # it names
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::stream::{self, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockBuilder, ResponseTemplate};

use connector_doctor::domain::{Connection, PARTITIONS};
use connector_doctor::requirements::Requirements;

use crate::helpers::fake_aws::{sts_error, unknown_key};
use crate::helpers::fake_cloudtrail::{CloudTrailRecord, OWN_AGENT, RecordedEvent, relative_time};
use crate::helpers::fake_organization::OrganizationPart;
use crate::helpers::fake_regions::{
    CLOUDWATCH, cbor_error, healthy_account, json_error, json_response, s3_error,
};
use crate::helpers::iam_setup::{
    ListedKey, Simulated, required_actions, seed_policy, simulation_page,
};
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
    organization: Option<OrganizationPart>,
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

impl KeyPart {
    /// The key id.
    fn id(&self) -> &'static str {
        match self {
            KeyPart::Connector => EXAMPLE_KEY_ID,
            KeyPart::Other => "AKIAI44QH8DHBEXAMPLE",
        }
    }
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
                let key = part.key.id();
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
    /// A session of role `mdca` (session credentials given directly).
    RoleSession,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IamPart {
    simulator: Option<Simulator>,
    inline_policy: Option<String>,
    simulator_pages: Option<usize>,
    #[serde(default)]
    simulated: BTreeMap<String, SimulatedPart>,
    attached: Option<Vec<String>>,
    #[serde(default)]
    groups: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    documents: BTreeMap<String, String>,
    #[serde(default)]
    access_key: Vec<AccessKeyPart>,
}

/// The simulator's word on one action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SimulatedPart {
    /// `allowed`, `implicitDeny` or `explicitDeny`, as IAM writes it.
    decision: String,
    allowed_by_organizations: Option<bool>,
    matched_policy: Option<String>,
}

/// One access key of user mdca.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessKeyPart {
    key: KeyPart,
    created: String,
    status: String,
}

impl IamPart {
    /// Scripts the simulator's answer when the part says more than "allowed": every required
    /// action of `connections` allowed but the `simulated` ones, over `simulator_pages` pages.
    async fn mount_simulation(&self, connections: &[Connection], fake: &FakeAws) {
        if self.simulator_pages.is_none() && self.simulated.is_empty() {
            return;
        }
        let actions = required_actions(connections);
        let results: Vec<Simulated<'_>> = actions
            .iter()
            .map(|action| match self.simulated.get(action) {
                Some(part) => Simulated {
                    action,
                    decision: &part.decision,
                    allowed_by_organizations: part.allowed_by_organizations,
                    matched_policy: part.matched_policy.as_deref(),
                },
                None => Simulated {
                    action,
                    decision: "allowed",
                    allowed_by_organizations: Some(true),
                    matched_policy: None,
                },
            })
            .collect();
        let size = results
            .len()
            .div_ceil(self.simulator_pages.unwrap_or(1).max(1));
        let pages: Vec<&[Simulated<'_>]> = results.chunks(size.max(1)).collect();
        for (index, page) in pages.iter().enumerate() {
            // Page n (from 1) is asked for with the marker the page before it gave.
            let next = (index + 1 < pages.len()).then(|| format!("page-{}", index + 2));
            let asked_with = (index > 0).then(|| format!("Marker=page-{}", index + 1));
            fake.on_iam(
                "SimulatePrincipalPolicy",
                asked_with.as_deref(),
                200,
                simulation_page(page, next.as_deref()),
            )
            .await;
        }
    }
}

impl IamPart {
    /// Scripts user mdca's access keys and attached policies, when the part names them.
    async fn mount_user(&self, fake: &FakeAws) {
        if !self.access_key.is_empty() {
            let keys: Vec<ListedKey<'_>> = self
                .access_key
                .iter()
                .map(|part| ListedKey {
                    id: part.key.id(),
                    status: &part.status,
                    created: relative_time(&part.created),
                })
                .collect();
            fake.lists_access_keys(&keys).await;
        }
        if self.attached.is_some() || !self.groups.is_empty() {
            let direct = self.attached.clone().unwrap_or_default();
            fake.user_attachments(&direct, &self.groups, &self.documents)
                .await;
        }
    }
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
    access_key_id: Option<String>,
    session_token: Option<String>,
    assume_role: Option<AssumeRolePart>,
    expected_account_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssumeRolePart {
    role_arn: String,
    external_id: Option<String>,
}

impl RequestPart {
    /// The connections the request checks (both when it names none).
    fn checked(&self) -> Vec<Connection> {
        match &self.connections {
            Some(names) => names.iter().map(|name| connection_named(name)).collect(),
            None => Connection::ALL.to_vec(),
        }
    }
}

/// The connection of a wire name (`security_auditing`).
fn connection_named(name: &str) -> Connection {
    serde_json::from_value(Value::String(name.to_owned()))
        .unwrap_or_else(|error| panic!("{name} is not a connection: {error}"))
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
    aws_rate_share_percent: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    target: Option<String>,
    action: Option<String>,
    method: Option<String>,
    path: Option<String>,
    region: Option<String>,
    service: Option<String>,
    query: Option<String>,
    body: Option<String>,
    key: Option<String>,
    status: u16,
    error: Option<String>,
    message: Option<String>,
    json: Option<String>,
    xml: Option<String>,
    format: Option<ErrorFormat>,
    #[serde(default)]
    delay_ms: u64,
    date: Option<String>,
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
    summaries: BTreeMap<String, Texts>,
    remediation_actions: Option<Vec<String>>,
    #[serde(default)]
    remediation_grants: Vec<String>,
    #[serde(default)]
    details: BTreeMap<String, Texts>,
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
    all_codes: Option<Vec<String>>,
    #[serde(default)]
    connection_codes: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    identity: BTreeMap<String, toml::Value>,
    #[serde(default)]
    findings: BTreeMap<String, BTreeMap<String, toml::Value>>,
    #[serde(default)]
    every_permission: Vec<PermissionRule>,
    #[serde(default)]
    every_required_action: bool,
    #[serde(default)]
    never_says: Vec<String>,
    #[serde(default)]
    calls: BTreeMap<String, usize>,
    organization: Option<BTreeMap<String, toml::Value>>,
    #[serde(default)]
    coverage: BTreeMap<String, String>,
}

/// What every verdict (of those it applies to) says: each field one of the values listed.
#[derive(Debug, Deserialize)]
struct PermissionRule {
    /// The verdicts it applies to: all, or those whose fields are these.
    #[serde(default)]
    when: BTreeMap<String, toml::Value>,
    #[serde(flatten)]
    fields: BTreeMap<String, Vec<toml::Value>>,
}

impl PermissionRule {
    /// Whether the rule applies to `verdict`: a text ending in `*` is a prefix, a list is any
    /// one of its values.
    fn applies_to(&self, verdict: &Value) -> bool {
        let matches = |actual: &Value, expected: &toml::Value| match expected {
            toml::Value::String(text) => match text.strip_suffix('*') {
                Some(start) => actual.as_str().is_some_and(|said| said.starts_with(start)),
                None => actual.as_str() == Some(text.as_str()),
            },
            other => serde_json::to_value(other).ok().as_ref() == Some(actual),
        };
        self.when.iter().all(|(field, expected)| {
            let actual = verdict_field(verdict, field);
            match expected {
                toml::Value::Array(any) => any.iter().any(|one| matches(&actual, one)),
                one => matches(&actual, one),
            }
        })
    }
}

/// One text, or several: each must be said.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Texts {
    One(String),
    Many(Vec<String>),
}

impl Texts {
    fn each(&self) -> &[String] {
        match self {
            Texts::One(text) => std::slice::from_ref(text),
            Texts::Many(texts) => texts,
        }
    }
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
            (None, None, Some(verb), None) => Mock::given(method(verb.as_str())),
            _ => panic!("an answer names one of: target, action, or method (with path): {self:?}"),
        };
        let mock = match &self.body {
            Some(text) => mock.and(body_string_contains(text.as_str())),
            None => mock,
        };
        let mock = match &self.key {
            Some(key_id) => mock.and(wiremock::matchers::header_regex(
                "authorization",
                &format!("Credential={key_id}/"),
            )),
            None => mock,
        };
        let mock = match &self.query {
            Some(pair) => {
                let (name, value) = pair.split_once('=').expect("query is name=value");
                mock.and(wiremock::matchers::query_param(name, value))
            }
            None => mock,
        };
        match (&self.region, &self.service) {
            (None, None) => mock,
            // Region and service are read from the signing scope, which names both for every
            // protocol.
            (region, service) => mock.and(wiremock::matchers::header_regex(
                "authorization",
                &format!(
                    "/{}/{}/aws4_request",
                    region.as_deref().unwrap_or("[a-z0-9-]+"),
                    service.as_deref().unwrap_or("[a-z-]+")
                ),
            )),
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
        let response = match &self.date {
            Some(time) => response.insert_header("date", aws_clock(time).to_rfc2822().as_str()),
            None => response,
        };
        response
            .insert_header("x-amzn-requestid", "5ce0a210-0000-4000-8000-000000000009")
            .set_delay(Duration::from_millis(self.delay_ms))
    }
}

/// AWS's clock as an answer's `date` gives it: `now`, or `now+30m` / `now-2h` (s, m or h).
fn aws_clock(text: &str) -> chrono::DateTime<chrono::Utc> {
    let Some(ahead) = text.strip_prefix("now+") else {
        return relative_time(text);
    };
    let (number, unit) = ahead.split_at(ahead.len().saturating_sub(1));
    let number: i64 = number
        .parse()
        .unwrap_or_else(|_| panic!("not a time: {text}"));
    let span = match unit {
        "s" => chrono::TimeDelta::seconds(number),
        "m" => chrono::TimeDelta::minutes(number),
        "h" => chrono::TimeDelta::hours(number),
        _ => panic!("not a time unit: {text}"),
    };
    chrono::Utc::now() + span
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
    for (id, texts) in &expect.summaries {
        let said: Vec<&str> = checks
            .iter()
            .filter(|check| check["id"] == id.as_str())
            .filter_map(|check| check["summary"].as_str())
            .collect();
        for text in texts.each() {
            if !said.iter().any(|summary| summary.contains(text.as_str())) {
                wrong.push(format!("check {id}: no summary says {text:?}: {said:?}"));
            }
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
        let said: Vec<&str> = match code.strip_suffix('*') {
            Some(start) => findings
                .iter()
                .filter_map(|f| f["code"].as_str())
                .filter(|said| said.starts_with(start))
                .collect(),
            None => of(code).iter().map(|_| code.as_str()).collect(),
        };
        if let Some(said) = said.first() {
            wrong.push(format!(
                "a {said} finding, which this account state does not have"
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
    for (code, texts) in &expect.details {
        let said: Vec<&str> = of(code)
            .iter()
            .filter_map(|f| f["detail"].as_str())
            .collect();
        for text in texts.each() {
            if !said.iter().any(|detail| detail.contains(text.as_str())) {
                wrong.push(format!("no {code} finding says {text:?}: {said:?}"));
            }
        }
    }
    let mut granted: Vec<String> = diagnosis["remediation_policy"]["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|statement| statement["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|action| action.as_str().map(str::to_owned))
        .collect();
    granted.sort();
    for start in &expect.remediation_grants {
        if !granted
            .iter()
            .any(|action| action.starts_with(start.as_str()))
        {
            wrong.push(format!(
                "remediation policy: no action starts with {start:?}: {granted:?}"
            ));
        }
    }
    if let Some(expected) = &expect.remediation_actions {
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
            let actual = verdict_field(verdict, field);
            let expected = serde_json::to_value(expected).expect("TOML values are JSON");
            if actual != expected {
                wrong.push(format!(
                    "{action} {field}: expected {expected}, got {actual} (verdict {verdict})"
                ));
            }
        }
    }
    wrong.extend(observed_mismatches(expect, diagnosis));
    wrong.extend(finding_mismatches(expect, diagnosis));
    wrong.extend(verdict_mismatches(expect, diagnosis));
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

/// A verdict's field as the scenario names it: a field of the API, or `evidence_methods`, the
/// methods of its evidence in order.
fn verdict_field(verdict: &Value, field: &str) -> Value {
    match field {
        "evidence_methods" => Value::Array(
            verdict["evidence"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| e["method"].clone())
                .collect(),
        ),
        _ => verdict[field].clone(),
    }
}

/// Whether `actual` says what `expected` says: a table compares only the keys it names.
fn says(actual: &Value, expected: &Value) -> bool {
    match expected {
        Value::Object(fields) => fields
            .iter()
            .all(|(key, value)| says(&actual[key.as_str()], value)),
        _ => actual == expected,
    }
}

/// What the findings, the identity and the connections' codes say that the scenario does not
/// expect, and any text it must never say.
fn finding_mismatches(expect: &Expect, diagnosis: &Value) -> Vec<String> {
    let mut wrong = Vec::new();
    let findings = diagnosis["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap_or_default())
        .collect();
    if let Some(expected) = &expect.all_codes
        && &codes != expected
    {
        wrong.push(format!("findings: expected {expected:?}, got {codes:?}"));
    }
    for (connection, expected) in &expect.connection_codes {
        let actual = &diagnosis["connections"][connection]["finding_codes"];
        if actual != &serde_json::json!(expected) {
            wrong.push(format!(
                "connection {connection} finding_codes: expected {expected:?}, got {actual}"
            ));
        }
    }
    for (field, expected) in &expect.identity {
        let expected = serde_json::to_value(expected).expect("TOML values are JSON");
        let actual = &diagnosis["identity"][field];
        if actual != &expected {
            wrong.push(format!(
                "identity {field}: expected {expected}, got {actual}"
            ));
        }
    }
    for (code, fields) in &expect.findings {
        let expected = serde_json::to_value(fields).expect("TOML values are JSON");
        let of_code: Vec<&Value> = findings
            .iter()
            .filter(|f| f["code"] == code.as_str())
            .collect();
        if !of_code.iter().any(|finding| says(finding, &expected)) {
            wrong.push(format!("no {code} finding has {expected}: {of_code:?}"));
        }
    }
    wrong.extend(organization_mismatches(expect, &diagnosis["organization"]));
    let text = diagnosis.to_string();
    for unsaid in &expect.never_says {
        if text.contains(unsaid.as_str()) {
            wrong.push(format!("the diagnosis says {unsaid:?}, which it must not"));
        }
    }
    wrong
}

/// What the verdicts as a whole say that the scenario does not expect.
fn verdict_mismatches(expect: &Expect, diagnosis: &Value) -> Vec<String> {
    let mut wrong = Vec::new();
    let verdicts = diagnosis["permissions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if (expect.every_required_action || !expect.every_permission.is_empty()) && verdicts.is_empty()
    {
        // Every rule over the verdicts would hold of none.
        wrong.push("no verdicts".to_owned());
    }
    for rule in &expect.every_permission {
        for verdict in verdicts.iter().filter(|verdict| rule.applies_to(verdict)) {
            for (field, allowed) in &rule.fields {
                let allowed = serde_json::to_value(allowed).expect("TOML values are JSON");
                let actual = verdict_field(verdict, field);
                if !allowed
                    .as_array()
                    .is_some_and(|values| values.contains(&actual))
                {
                    wrong.push(format!(
                        "{} {field}: {actual} is none of {allowed}",
                        verdict["action"]
                    ));
                }
            }
        }
    }
    if expect.every_required_action {
        // The connections checked are the ones the diagnosis reports on.
        let checked: Vec<Connection> = diagnosis["connections"]
            .as_object()
            .into_iter()
            .flat_map(|connections| connections.keys())
            .map(|name| connection_named(name))
            .collect();
        let required: Vec<(String, Value)> = Requirements::builtin()
            .required_actions(&checked)
            .into_iter()
            .map(|required| (required.action, serde_json::json!(required.connections)))
            .collect();
        let listed: Vec<(String, Value)> = verdicts
            .iter()
            .map(|v| {
                let action = v["action"].as_str().unwrap_or_default().to_owned();
                (action, v["required_by"].clone())
            })
            .collect();
        if listed != required {
            wrong.push(format!(
                "verdicts: expected one per required action {required:?}, got {listed:?}"
            ));
        }
    }
    wrong
}

/// What the fake received that the scenario does not expect: `bodies` are the requests' bodies.
fn call_mismatches(expect: &Expect, bodies: &[String]) -> Vec<String> {
    let mut wrong = Vec::new();
    for (action, count) in &expect.calls {
        let asked = format!("Action={action}&");
        let actual = bodies.iter().filter(|body| body.contains(&asked)).count();
        if actual != *count {
            wrong.push(format!("{action} calls: expected {count}, got {actual}"));
        }
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

/// What `organization` says that the scenario does not expect: its fields (none: it is null),
/// and cells of its coverage map (`"account region" = "membership data [config]"`).
fn organization_mismatches(expect: &Expect, organization: &Value) -> Vec<String> {
    let mut wrong = Vec::new();
    if let Some(fields) = &expect.organization {
        if fields.is_empty() && !organization.is_null() {
            wrong.push(format!("organization: expected null, got {organization}"));
        }
        for (field, expected) in fields {
            let expected = serde_json::to_value(expected).expect("TOML values are JSON");
            if organization[field] != expected {
                wrong.push(format!(
                    "organization {field}: expected {expected}, got {}",
                    organization[field]
                ));
            }
        }
    }
    for (place, words) in &expect.coverage {
        let (account, region) = place.split_once(' ').expect("a cell is \"account region\"");
        let cell = organization["accounts"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|entry| entry["account_id"] == account)
            .map(|entry| entry["regions"][region].clone())
            .unwrap_or(Value::Null);
        let fields = ["membership", "data", "config"];
        for (field, word) in fields.iter().zip(words.split_whitespace()) {
            if cell[field] != word {
                wrong.push(format!(
                    "coverage {place} {field}: expected {word}, got {cell}"
                ));
            }
        }
    }
    wrong
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
        Principal::RoleSession => FakeIdentity::role_session(),
    };
    fake.identifies(identity.in_partition(&scenario.partition))
        .await;
    match scenario.base {
        Base::Healthy => healthy_account(fake).await,
        Base::Identity => fake.identifies(FakeIdentity::user()).await,
    }
    if let Some(organization) = &scenario.organization {
        organization.mount(fake).await;
    }
    if let Some(Simulator::Denied) = scenario.iam.simulator {
        fake.simulator_denied().await;
    }
    scenario
        .iam
        .mount_simulation(&scenario.request.checked(), fake)
        .await;
    scenario.iam.mount_user(fake).await;
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
    let share = settings.aws_rate_share_percent;
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
        if let Some(share) = share {
            s.probes.aws_rate_share_percent = share;
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
    if let Some(key_id) = &scenario.request.access_key_id {
        body["credentials"]["access_key_id"] = serde_json::json!(key_id);
    }
    if let Some(token) = &scenario.request.session_token {
        body["credentials"]["session_token"] = serde_json::json!(token);
    }
    if let Some(account) = &scenario.request.expected_account_id {
        body["expected_account_id"] = serde_json::json!(account);
    }
    if let Some(role) = &scenario.request.assume_role {
        body["assume_role"] = serde_json::json!({"role_arn": role.role_arn});
        if let Some(external_id) = &role.external_id {
            body["assume_role"]["external_id"] = serde_json::json!(external_id);
        }
    }
    let response = app.diagnose(&body).await;
    let status = response.status();
    let diagnosis: Value = response.json().await.map_err(|e| format!("{name}: {e}"))?;
    if status != 200 {
        return Err(format!("{name}: HTTP {status}: {diagnosis}"));
    }
    let mut wrong = mismatches(&scenario.expect, &diagnosis);
    let bodies: Vec<String> = fake
        .server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|request| String::from_utf8_lossy(&request.body).into_owned())
        .collect();
    wrong.extend(call_mismatches(&scenario.expect, &bodies));
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
        absent: vec!["CLOUDTRAIL_NO_TRAIL".into(), "SECURITY_HUB_*".into()],
        ..Expect::default()
    };
    let said = serde_json::json!({
        "status": "unhealthy",
        "findings": [
            {"code": "CLOUDTRAIL_NO_TRAIL", "severity": "error"},
            {"code": "SECURITY_HUB_NOT_ENABLED", "severity": "error"}
        ]
    });
    let wrong = mismatches(&expect, &said);
    assert_eq!(wrong.len(), 3, "{wrong:?}");

    // Exact codes, the identity, texts never said, several texts, a finding's fields, rules
    // over every verdict, and the calls the fake received.
    let expect: Expect = toml::from_str(
        r#"
        all_codes = ["CREDENTIALS_EXPIRED"]
        connection_codes = { security_auditing = ["CREDENTIALS_EXPIRED"] }
        identity = { principal_type = "root" }
        never_says = ["portal-42"]
        summaries = { identity = ["expired", "token"] }
        details = { CREDENTIALS_EXPIRED = ["expired", "renew"] }
        calls = { GetCallerIdentity = 1 }
        every_required_action = true
        remediation_grants = ["iam:"]
        [findings.CREDENTIALS_EXPIRED]
        aws_error = { code = "ExpiredToken" }
        [[every_permission]]
        decision = ["allowed"]
        [[every_permission]]
        when = { method = ["none", "simulation"], action = "iam:*" }
        evidence_methods = [[]]
        [[every_permission]]
        when = { action = "s3:*" }
        decision = ["implicit_deny"]
        "#,
    )
    .expect("an expectation");
    let said = serde_json::json!({
        "identity": {"principal_type": "user"},
        "connections": {"security_auditing": {"finding_codes": ["CREDENTIALS_EXPIRED", "CLOCK_SKEW"]}},
        "checks": [{"id": "identity", "summary": "the key expired"}],
        "findings": [
            {"code": "CREDENTIALS_EXPIRED", "detail": "expired, for external id portal-42",
             "aws_error": {"code": "InvalidClientTokenId", "http_status": 403}},
            {"code": "CLOCK_SKEW"}
        ],
        "permissions": [{"action": "iam:GetUser", "decision": "unknown", "method": "none",
            "evidence": [{"method": "cloudtrail"}], "required_by": ["security_auditing"]}]
    });
    let wrong = mismatches(&expect, &said);
    // all_codes, connection_codes, identity, never_says, the summary's "token", the detail's
    // "renew", remediation_grants, the finding's aws_error, the two rules that apply to
    // iam:GetUser (not the one of s3:*), every_required_action.
    assert_eq!(wrong.len(), 11, "{wrong:#?}");
    let asked = "Action=GetCallerIdentity&Version=2011-06-15".to_owned();
    let wrong = call_mismatches(&expect, &[asked.clone(), asked]);
    assert_eq!(wrong.len(), 1, "{wrong:?}");
}
