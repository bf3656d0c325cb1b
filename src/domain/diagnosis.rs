//! The Diagnosis returned by `POST /v1/diagnoses`: field names and words are fixed by the contract.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    Changes, CheckId, Code, Connection, Decision, DenialLedger, DeniedBy, HealthStatus,
    ObservedDenial, ObservedWindow, Organization, Partition, PolicyDocument, RegionStatus,
    Severity,
};

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// The check passed.
    Pass,
    /// Passed with warnings.
    Warn,
    /// Failed: the connector is misconfigured.
    Fail,
    /// Could not be completed (timeout, throttling, AWS 5xx, unreachable).
    Error,
    /// Not needed for the requested connections, or blocked by an earlier failure.
    Skipped,
}

impl CheckStatus {
    /// Every outcome.
    pub const ALL: [CheckStatus; 5] = [
        CheckStatus::Pass,
        CheckStatus::Warn,
        CheckStatus::Fail,
        CheckStatus::Error,
        CheckStatus::Skipped,
    ];
}

/// What kind of principal the credentials belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalType {
    /// An IAM user.
    User,
    /// A role session.
    AssumedRole,
    /// The account's root user.
    Root,
    /// A federated user session (`sts:GetFederationToken`).
    FederatedUser,
}

/// Who the credentials are, as STS says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IdentityInfo {
    /// The 12-digit account id.
    #[schema(example = "123456789012")]
    pub account_id: String,
    /// The caller's ARN.
    #[schema(example = "arn:aws:iam::123456789012:user/mdca")]
    pub arn: String,
    /// The kind of principal.
    pub principal_type: PrincipalType,
    /// The partition whose STS accepted the key: the whole diagnosis runs there.
    pub partition: Partition,
}

/// Where the checked regions came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegionsSource {
    /// The caller named them.
    Request,
    /// The account's enabled regions, read from AWS.
    Discovered,
    /// The partition's default regions, because discovery was not possible
    /// (`REGION_DISCOVERY_UNAVAILABLE` says why).
    Default,
}

/// Health of one requested connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectionReport {
    /// Derived from the findings and checks that apply to this connection.
    pub status: HealthStatus,
    /// Codes of the findings that apply to this connection.
    pub finding_codes: Vec<Code>,
}

/// One check of the diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Check {
    /// Which check.
    pub id: CheckId,
    /// Its outcome.
    pub status: CheckStatus,
    /// The region, for per-region checks.
    pub region: Option<String>,
    /// How long it took.
    pub duration_ms: u64,
    /// One sentence for a person.
    pub summary: String,
}

/// How a permission verdict was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerdictMethod {
    /// `iam:SimulatePrincipalPolicy`.
    Simulation,
    /// The identity's own policies read and evaluated by the service.
    LocalEvaluation,
    /// A read-only call made and its result seen.
    Observed,
    /// Root credentials: identity policies cannot restrict the root user.
    Root,
    /// CloudTrail's record of the connector's own calls: evidence only, never a verdict's
    /// method.
    Cloudtrail,
    /// No method could run: the decision is `unknown`.
    None,
}

/// What one source said about one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Evidence {
    /// The source.
    pub method: VerdictMethod,
    /// What it decided.
    pub decision: Decision,
    /// The region it spoke for; `null` for a global action or a source without regions.
    pub region: Option<String>,
    /// The policy type it named as denying, when it named one.
    pub denied_by: Option<DeniedBy>,
    /// What it saw, for a person.
    pub detail: String,
}

/// One entry per required action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PermissionVerdict {
    /// The IAM action, e.g. `s3:PutBucketAcl`.
    pub action: String,
    /// The verdict.
    pub decision: Decision,
    /// How it was reached.
    pub method: VerdictMethod,
    /// The connections that need this action.
    pub required_by: Vec<Connection>,
    /// The policy type that denied it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied_by: Option<DeniedBy>,
    /// Every source that spoke, strongest first (observed, simulation, local evaluation);
    /// `[]` only with `method: none`.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// The regions where the action was seen denied (empty when none, or not regional).
    #[serde(default)]
    pub regions_denied: Vec<String>,
    /// The context keys the decision depends on that this service cannot reproduce from where
    /// it runs (`aws:SourceIp`, `aws:SourceVpc`, `aws:SourceVpce`, ...).
    #[serde(default)]
    pub condition_keys: Vec<String>,
    /// Whether a source that sees organization policies (a simulation, or an observed call)
    /// covered this action in every checked region where it applies (a global action: once).
    /// Information for people: it never changes a status by itself.
    #[serde(default)]
    pub scp_visible: bool,
}

impl PermissionVerdict {
    /// A verdict of `action` by `method`, required by no connection, with no denying policy type,
    /// evidence, denied region or condition key, its organization policies not seen: the rest is
    /// set with the `with_` methods.
    pub fn new(action: &str, decision: Decision, method: VerdictMethod) -> Self {
        Self {
            action: action.to_owned(),
            decision,
            method,
            required_by: Vec::new(),
            denied_by: None,
            evidence: Vec::new(),
            regions_denied: Vec::new(),
            condition_keys: Vec::new(),
            scp_visible: false,
        }
    }

    /// The same verdict, denied by `by`.
    pub fn with_denied_by(self, by: Option<DeniedBy>) -> Self {
        Self {
            denied_by: by,
            ..self
        }
    }

    /// The same verdict, required by `connections`.
    pub fn with_required_by(self, connections: &[Connection]) -> Self {
        Self {
            required_by: connections.to_vec(),
            ..self
        }
    }

    /// The same verdict, its organization policies seen (or not) wherever it applies.
    pub fn with_scp_visible(self, visible: bool) -> Self {
        Self {
            scp_visible: visible,
            ..self
        }
    }
}

/// The AWS error behind a finding, as AWS returned it (secrets scrubbed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AwsErrorReport {
    /// The service, e.g. `sts`.
    pub service: String,
    /// The operation, e.g. `GetCallerIdentity`.
    pub operation: String,
    /// The AWS error code, when AWS sent one.
    pub code: Option<String>,
    /// The message, when there was one.
    pub message: Option<String>,
    /// The HTTP status, when a response arrived.
    pub http_status: Option<u16>,
    /// AWS's request id, for AWS support.
    pub request_id: Option<String>,
}

/// A problem found, explained by its catalogue entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Finding {
    /// The catalogue code.
    pub code: Code,
    /// Severity in this context.
    pub severity: Severity,
    /// The check that found it.
    pub check: CheckId,
    /// The region, for per-region findings.
    pub region: Option<String>,
    /// The catalogue title.
    pub title: String,
    /// What exactly was seen.
    pub detail: String,
    /// Steps to fix it.
    pub resolution: Vec<String>,
    /// Documentation links.
    pub docs: Vec<String>,
    /// The AWS error behind it, if any.
    pub aws_error: Option<AwsErrorReport>,
    /// The connections it concerns, when narrower than its check's (a missing action
    /// concerns only the connections that need it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<Vec<Connection>>,
}

/// Health per requested connection, keyed by connection: only the requested ones are present
/// (the schema of `Diagnosis.connections`).
#[derive(Serialize, ToSchema)]
pub struct ConnectionReports {
    /// Present when `security_auditing` was requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub security_auditing: Option<ConnectionReport>,
    /// Present when `security_configuration` was requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub security_configuration: Option<ConnectionReport>,
}

/// The full report on one connector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Diagnosis {
    /// Id of this diagnosis, for `GET /v1/diagnoses/{id}`.
    #[schema(example = "dgn_0193b2a4c5d67e8f9a0b1c2d3e4f5a6b")]
    pub id: String,
    /// The caller's connector id, if given.
    pub connector_id: Option<String>,
    /// The worst status of the requested connections.
    pub status: HealthStatus,
    /// When the probes ran.
    pub checked_at: DateTime<Utc>,
    /// How long the probes took.
    pub duration_ms: u64,
    /// Whether this answer came from the cache.
    pub cached: bool,
    /// Until when this result may be served from the cache; null only from the command line,
    /// which caches nothing.
    #[schema(required = true)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Who the credentials are; null when identity failed.
    pub identity: Option<IdentityInfo>,
    /// The regions the regional checks covered.
    pub regions_checked: Vec<String>,
    /// Where `regions_checked` came from; null when identity failed and no region was checked.
    #[schema(required = true)]
    pub regions_source: Option<RegionsSource>,
    /// Health per requested connection.
    #[schema(value_type = ConnectionReports)]
    pub connections: BTreeMap<Connection, ConnectionReport>,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// One verdict per required action.
    pub permissions: Vec<PermissionVerdict>,
    /// State of each service per region.
    pub regions: BTreeMap<String, RegionStatus>,
    /// What is wrong and how to fix it.
    pub findings: Vec<Finding>,
    /// A policy granting exactly the missing actions; null when nothing is missing.
    #[schema(value_type = Option<PolicyDocument>, required = true)]
    pub remediation_policy: Option<serde_json::Value>,
    /// What CloudTrail recorded of the connector's own calls failing (this service's calls
    /// left out), per action and error code; `[]` when none; null when it was not read (a
    /// finding says why).
    #[serde(default)]
    #[schema(required = true)]
    pub observed_denials: Option<Vec<ObservedDenial>>,
    /// The time `observed_denials` covers; null when it was not read.
    #[serde(default)]
    #[schema(required = true)]
    pub observed_window: Option<ObservedWindow>,
    /// The account's place among its Security Hub administrator, members and AWS
    /// Organization, and for an administrator the coverage of every account and checked
    /// region; null for a standalone account or when the security configuration connection
    /// was not requested.
    #[serde(default)]
    #[schema(required = true)]
    pub organization: Option<Organization>,
    /// What changed since the connector's previous fresh diagnosis; null when there is none
    /// (or no `connector_id`). Stored with the diagnosis: a cache hit returns it unchanged.
    #[serde(default)]
    #[schema(required = true)]
    pub changes: Option<Changes>,
    /// A signed link to this diagnosis as a page for people, valid while the report is kept:
    /// `/reports/{id}?exp=<unix seconds>&sig=<hex>`; null from the command line.
    #[serde(default)]
    #[schema(
        required = true,
        example = "/reports/dgn_0193b2a4c5d67e8f9a0b1c2d3e4f5a6b?exp=1764700000&sig=9f2c..."
    )]
    pub report_url: Option<String>,
}

/// What the probes found about one connector: a [`Diagnosis`] before the service decides how
/// long it may be served from the cache.
#[derive(Debug, Clone, PartialEq)]
pub struct Examination {
    /// Id of the diagnosis it becomes.
    pub id: String,
    /// The caller's connector id, if given.
    pub connector_id: Option<String>,
    /// The worst status of the requested connections.
    pub status: HealthStatus,
    /// When the probes ran.
    pub checked_at: DateTime<Utc>,
    /// How long the probes took.
    pub duration_ms: u64,
    /// Who the credentials are; `None` when identity failed.
    pub identity: Option<IdentityInfo>,
    /// The regions the regional checks covered.
    pub regions_checked: Vec<String>,
    /// Where `regions_checked` came from; null when identity failed and no region was checked.
    pub regions_source: Option<RegionsSource>,
    /// Health per requested connection.
    pub connections: BTreeMap<Connection, ConnectionReport>,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// One verdict per required action.
    pub permissions: Vec<PermissionVerdict>,
    /// State of each service per region.
    pub regions: BTreeMap<String, RegionStatus>,
    /// What is wrong and how to fix it.
    pub findings: Vec<Finding>,
    /// A policy granting exactly the missing actions, if any are missing.
    pub remediation_policy: Option<serde_json::Value>,
    /// What CloudTrail recorded of the connector's own calls failing; `None` when not read.
    pub observed_denials: Option<Vec<ObservedDenial>>,
    /// The time `observed_denials` covers.
    pub observed_window: Option<ObservedWindow>,
    /// The organization check's account place and coverage; `None` for a standalone account.
    pub organization: Option<Organization>,
    /// What was read of CloudTrail's record, for the connector's next diagnosis to go on from;
    /// `None` when nothing was read (the one kept stays as it is).
    pub ledger: Option<DenialLedger>,
}

impl Examination {
    /// Whether a check could not be completed (so the answer should be short-lived).
    pub fn has_incomplete_check(&self) -> bool {
        self.checks
            .iter()
            .any(|check| check.status == CheckStatus::Error)
    }
}

impl Diagnosis {
    /// A fresh answer from an examination, servable from the cache until `expires_at` (`None`:
    /// never cached); `changes` and `report_url` are the service's to add.
    pub fn fresh(examination: Examination, expires_at: Option<DateTime<Utc>>) -> Self {
        let Examination {
            id,
            connector_id,
            status,
            checked_at,
            duration_ms,
            identity,
            regions_checked,
            regions_source,
            connections,
            checks,
            permissions,
            regions,
            findings,
            remediation_policy,
            observed_denials,
            observed_window,
            organization,
            ledger: _,
        } = examination;
        Self {
            id,
            connector_id,
            status,
            checked_at,
            duration_ms,
            cached: false,
            expires_at,
            identity,
            regions_checked,
            regions_source,
            connections,
            checks,
            permissions,
            regions,
            findings,
            remediation_policy,
            observed_denials,
            observed_window,
            organization,
            changes: None,
            report_url: None,
        }
    }
}
