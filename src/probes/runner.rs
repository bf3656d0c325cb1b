//! The probe engine: runs the probes of one diagnosis within its deadline and assembles what
//! they found into an [`Examination`]. It knows nothing of caching, lifetimes or settings
//! beyond its own.
//!
//! Identity (and assume-role) first: nothing else can run without it. Then the permission
//! and regional probes run concurrently; every AWS call is cut off at the diagnosis deadline,
//! so what finished is reported and what did not becomes an `error` check.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::future::join_all;

use super::aws_rates::RateShare;
use super::budget::CallBudget;
use super::call_load::CallLoad;
use super::cloudtrail_record::{self, RecordSettings};
use super::context::{ProbeContext, within};
use super::executor::Executor;
use super::explain::{FindingExt, finding};
use super::limits::{CallLimits, GlobalCallLimit};
use super::observation::CallLog;
use super::progress::{Progress, Unwatched};
use super::region_plan::RegionPlan;
use super::regions;
use super::report::{NOT_NEEDED, Report, elapsed_ms};
use super::settings::ProbeSettings;
use super::{identity, permissions, regional, service_reads};
use crate::aws::{AwsClientFactory, AwsError, AwsSession};
use crate::catalogue::aws_mapping;
use crate::domain::{
    CheckId, CheckStatus, Code, Connection, DenialLedger, DiagnosisRequest, Examination, Finding,
    HealthStatus, IdentityInfo, ObservedDenial, ObservedWindow, PARTITIONS, Partition,
    PrincipalType, Region, RegionsSource, connection_report,
};
use crate::metrics::Metrics;

/// Checks that run after identity.
const LATER_CHECKS: [CheckId; 5] = [
    CheckId::Permissions,
    CheckId::Cloudtrail,
    CheckId::SecurityHub,
    CheckId::Config,
    CheckId::Regions,
];

/// Runs the probes of diagnoses; one per service, shared by all requests.
#[derive(Clone)]
pub struct ProbeEngine {
    factory: AwsClientFactory,
    deadline: Duration,
    global_calls: GlobalCallLimit,
    calls_per_service_region: usize,
    record: RecordSettings,
    budget: Arc<dyn CallBudget>,
    rate_share: RateShare,
    progress: Arc<dyn Progress>,
    executor: Executor,
    metrics: Arc<Metrics>,
}

/// The probes gave no examination: their task panicked, a bug (AWS failures are findings,
/// never this).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the diagnosis task failed: {0}")]
pub struct EngineFailed(pub String);

/// STS's error code for a key it does not know: also what another partition's key gets.
const KEY_UNKNOWN: &str = "InvalidClientTokenId";

/// What the STS endpoints of the partitions said of the key.
enum KeyIdentity {
    /// The partition asked first, or (no region named) the one that knows the key.
    Accepted(IdentityInfo),
    /// Regions of `asked` were named, and only another partition's STS knows the key.
    OtherPartition {
        identity: IdentityInfo,
        asked: Partition,
        refusal: AwsError,
    },
    /// STS refused the key (an unknown key: in every partition, which `note` says).
    Refused {
        error: AwsError,
        note: Option<&'static str>,
    },
}

/// The identity phase's result: the session to probe with and who it is.
struct Authenticated {
    session: AwsSession,
    identity: IdentityInfo,
    role_secrets: Vec<String>,
}

impl ProbeEngine {
    /// An engine with these settings, calling AWS through `factory`, within the per-account
    /// `budget` of AWS calls.
    pub fn new(
        factory: AwsClientFactory,
        settings: &ProbeSettings,
        budget: Arc<dyn CallBudget>,
        executor: Executor,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            factory,
            deadline: settings.diagnosis_deadline,
            global_calls: GlobalCallLimit::new(settings.max_aws_calls_in_flight),
            calls_per_service_region: settings.max_aws_calls_per_service_region,
            record: RecordSettings {
                window_hours: settings.observed_window_hours,
                pages_per_region: settings.observed_pages_per_region,
            },
            budget,
            rate_share: RateShare::percent(settings.aws_rate_share_percent),
            progress: Arc::new(Unwatched),
            executor,
            metrics,
        }
    }

    /// The same engine, telling `progress` each step as it begins.
    pub fn watched_by(self, progress: Arc<dyn Progress>) -> Self {
        Self { progress, ..self }
    }

    /// The overall deadline of one examination.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The AWS calls' bound in flight and what the calls were observed to take, for admission.
    pub fn load(&self) -> CallLoad {
        self.global_calls.load()
    }

    /// How long a ledger of CloudTrail's record that an examination returns may serve the
    /// connector's next one: while any of it can be in the window (a bucket more, to be sure).
    pub fn ledger_lifetime(&self) -> Duration {
        cloudtrail_record::ledger_lifetime(self.record)
    }

    /// Examines one connector on the diagnosis runtime, reading CloudTrail's record of its
    /// calls on from `ledger` (what its earlier diagnoses read). Every AWS problem becomes a
    /// finding; only a bug (a panic) is an error.
    pub async fn run(
        &self,
        request: &DiagnosisRequest,
        ledger: Option<DenialLedger>,
    ) -> Result<Examination, EngineFailed> {
        let engine = self.clone();
        let request = request.clone();
        self.executor
            .handle()
            .spawn(async move { engine.examine(&request, ledger).await })
            .await
            .map_err(|error| EngineFailed(error.to_string()))
    }

    async fn examine(
        &self,
        request: &DiagnosisRequest,
        ledger: Option<DenialLedger>,
    ) -> Examination {
        let started = Instant::now();
        let checked_at = Utc::now();
        let deadline = tokio::time::Instant::now() + self.deadline;
        let mut report = Report::default();
        let mut probed = Probed::default();
        self.progress.step("Verifying the credentials with STS");
        let identity = match self.authenticate(request, deadline, &mut report).await {
            Ok(authenticated) => {
                probed = self
                    .probe(request, &authenticated, ledger, deadline, &mut report)
                    .await;
                Some(authenticated.identity)
            }
            Err(identity) => identity,
        };
        self.assemble(request, report, identity, probed, checked_at, started)
    }

    /// Every probe after identity, in the regions of the plan.
    async fn probe(
        &self,
        request: &DiagnosisRequest,
        authenticated: &Authenticated,
        ledger: Option<DenialLedger>,
        deadline: tokio::time::Instant,
        report: &mut Report,
    ) -> Probed {
        let role_secrets: Vec<&str> = authenticated
            .role_secrets
            .iter()
            .map(String::as_str)
            .collect();
        let mut secrets = request.secret_values();
        secrets.extend(role_secrets);
        let limits = CallLimits::new(&self.global_calls, self.calls_per_service_region);
        let calls = CallLog::default();
        let undecided = RegionPlan::default();
        // The context while the regions are being decided; the regional probes get the plan.
        let deciding = ProbeContext {
            session: &authenticated.session,
            identity: &authenticated.identity,
            request,
            secrets: &secrets,
            assumed_role_arn: request.assume_role.as_ref().map(|r| r.role_arn.as_str()),
            deadline,
            limits: &limits,
            budget: self.budget.as_ref(),
            rate_share: self.rate_share,
            turns_until: deadline,
            metrics: &self.metrics,
            calls: &calls,
            regions: &undecided,
        };
        // The permission evidence needs no regions: it is gathered while they are decided.
        self.progress
            .step("Deciding the regions; reading the permissions (simulation or policies)");
        let (evidence, (plan, regional, record)) =
            tokio::join!(permissions::collect(&deciding), async {
                let plan = regions::plan(&deciding).await;
                self.progress.step(&format!(
                    "Checking CloudTrail, Security Hub and Config in {} region(s); reading \
                     CloudTrail's record of the key's calls",
                    plan.probed().len()
                ));
                let context = ProbeContext {
                    regions: &plan,
                    ..deciding
                };
                let (regional, (), record) = tokio::join!(
                    regional::probe(&context),
                    service_reads::observe(&context),
                    cloudtrail_record::read(&context, ledger, self.record),
                );
                (plan, regional, record)
            });
        let context = ProbeContext {
            regions: &plan,
            ..deciding
        };
        self.progress.step("Concluding the verdicts");
        report.merge(permissions::conclude(
            evidence,
            &calls.take(),
            &regional.usable_regions,
            record.denials.as_deref(),
            &context,
        ));
        report.merge(regional.report);
        report.findings.extend(plan.findings);
        report.findings.extend(record.findings);
        Probed {
            regions_source: plan.source,
            denials: record.denials,
            window: record.window,
            ledger: record.ledger,
        }
    }

    /// Verifies the credentials in the key's partition and assumes the role, if any. `Err`
    /// when the rest cannot run, with the identity when STS knew the key all the same (a key of
    /// another partition than the regions named).
    async fn authenticate(
        &self,
        request: &DiagnosisRequest,
        deadline: tokio::time::Instant,
        report: &mut Report,
    ) -> Result<Authenticated, Option<IdentityInfo>> {
        let secrets = request.secret_values();
        let session = self.factory.session(&request.credentials);

        let started = Instant::now();
        let identity = match self.identify(&session, request, deadline, &secrets).await {
            KeyIdentity::Accepted(identity) => identity,
            KeyIdentity::OtherPartition {
                identity,
                asked,
                refusal,
            } => {
                wrong_partition(report, started, &identity, asked, request, &refusal);
                skip_after_failure(report, request, "the key belongs to another partition");
                return Err(Some(identity));
            }
            KeyIdentity::Refused { error, note } => {
                fail_check(report, CheckId::Identity, started, &error, note);
                skip_after_failure(report, request, "the credentials could not be verified");
                return Err(None);
            }
        };
        record_identity(report, &identity, started);
        let sts_region = identity.partition.sts_region();

        let Some(role) = &request.assume_role else {
            report.skip(CheckId::AssumeRole, "No role to assume was requested.");
            return Ok(Authenticated {
                session,
                identity,
                role_secrets: Vec::new(),
            });
        };
        let started = Instant::now();
        self.progress.step(&format!("Assuming {}", role.role_arn));
        let assumed = within(
            deadline,
            "sts",
            "AssumeRole",
            identity::assume_role(&session, sts_region, role, &secrets),
        )
        .await;
        self.count("AssumeRole", sts_region, &assumed, started);
        let credentials = match assumed {
            Ok(credentials) => credentials,
            Err(error) => {
                assume_role_failed(report, started, &error, &role.role_arn);
                skip_after_failure(report, request, "the role could not be assumed");
                return Err(Some(identity));
            }
        };
        let role_secrets = vec![
            credentials.access_key_id().to_owned(),
            credentials.secret_access_key().to_owned(),
            credentials.session_token().unwrap_or_default().to_owned(),
        ];
        let role_session = session.with_credentials(credentials);
        let mut role_and_caller_secrets = secrets.clone();
        role_and_caller_secrets.extend(role_secrets.iter().map(String::as_str));
        let role_started = Instant::now();
        let role_identity = within(
            deadline,
            "sts",
            "GetCallerIdentity",
            identity::caller_identity(&role_session, sts_region, &role_and_caller_secrets),
        )
        .await;
        self.count(
            "GetCallerIdentity",
            sts_region,
            &role_identity,
            role_started,
        );
        match role_identity {
            Ok(role_identity) => {
                report.check(
                    CheckId::AssumeRole,
                    CheckStatus::Pass,
                    started,
                    format!("Assumed {} as {}.", role.role_arn, role_identity.arn),
                );
                Ok(Authenticated {
                    session: role_session,
                    identity: role_identity,
                    role_secrets,
                })
            }
            Err(error) => {
                fail_check(report, CheckId::AssumeRole, started, &error, None);
                skip_after_failure(report, request, "the role session could not be verified");
                Err(Some(identity))
            }
        }
    }

    /// Finds the key's partition. With regions named, their partition's STS is asked first;
    /// else the commercial one. On `InvalidClientTokenId` the other partitions' STS endpoints
    /// are asked at once: a key of another partition is told apart from a key that is invalid
    /// everywhere.
    async fn identify(
        &self,
        session: &AwsSession,
        request: &DiagnosisRequest,
        deadline: tokio::time::Instant,
        secrets: &[&str],
    ) -> KeyIdentity {
        let named = request.named_regions.is_some();
        let first = request.partition;
        let refusal = match self
            .caller_identity(session, first, deadline, secrets)
            .await
        {
            Ok(identity) => return KeyIdentity::Accepted(identity),
            Err(error) if error.code_is(&[KEY_UNKNOWN]) => error,
            Err(error) => return KeyIdentity::Refused { error, note: None },
        };
        let others = PARTITIONS.into_iter().filter(|&p| p != first);
        let answers = join_all(others.map(|p| self.caller_identity(session, p, deadline, secrets)));
        match answers.await.into_iter().find_map(Result::ok) {
            Some(identity) if named => KeyIdentity::OtherPartition {
                identity,
                asked: first,
                refusal,
            },
            Some(identity) => KeyIdentity::Accepted(identity),
            None => KeyIdentity::Refused {
                error: refusal,
                note: Some(
                    "The STS endpoints of all three partitions (aws, aws-us-gov, aws-cn) \
                     rejected the key.",
                ),
            },
        }
    }

    /// `sts:GetCallerIdentity` at the STS endpoint of `partition`, counted.
    async fn caller_identity(
        &self,
        session: &AwsSession,
        partition: Partition,
        deadline: tokio::time::Instant,
        secrets: &[&str],
    ) -> Result<IdentityInfo, AwsError> {
        let region = partition.sts_region();
        let started = Instant::now();
        let answer = within(
            deadline,
            "sts",
            "GetCallerIdentity",
            identity::caller_identity(session, region, secrets),
        )
        .await;
        self.count("GetCallerIdentity", region, &answer, started);
        answer
    }

    /// Counts an STS call of the identity phase.
    fn count<T>(
        &self,
        operation: &str,
        region: Region,
        result: &Result<T, AwsError>,
        started: Instant,
    ) {
        self.metrics
            .aws_call("sts", operation, region, result, started.elapsed());
    }

    fn assemble(
        &self,
        request: &DiagnosisRequest,
        mut report: Report,
        identity: Option<IdentityInfo>,
        probed: Probed,
        checked_at: chrono::DateTime<Utc>,
        started: Instant,
    ) -> Examination {
        for check in &mut report.checks {
            if !needed(check.id, request) {
                check.status = CheckStatus::Skipped;
                NOT_NEEDED.clone_into(&mut check.summary);
            }
        }
        report.findings = one_timeout_per_check_and_region(std::mem::take(&mut report.findings));
        let connections: BTreeMap<Connection, _> = request
            .connections
            .iter()
            .map(|&c| (c, connection_report(c, &report.findings, &report.checks)))
            .collect();
        let status = connections
            .values()
            .map(|c| c.status)
            .max()
            .unwrap_or(HealthStatus::Healthy);
        Examination {
            id: format!("dgn_{}", uuid::Uuid::now_v7().simple()),
            connector_id: request.connector_id.clone(),
            status,
            checked_at,
            duration_ms: elapsed_ms(started),
            identity,
            regions_checked: report.regions_checked,
            regions_source: probed.regions_source,
            connections,
            checks: report.checks,
            permissions: report.permissions,
            regions: report.regions,
            findings: report.findings,
            remediation_policy: report.remediation_policy,
            observed_denials: probed.denials,
            observed_window: probed.window,
            ledger: probed.ledger,
        }
    }
}

/// What the probes after identity give the examination besides the report.
#[derive(Default)]
struct Probed {
    regions_source: Option<RegionsSource>,
    denials: Option<Vec<ObservedDenial>>,
    window: Option<ObservedWindow>,
    ledger: Option<DenialLedger>,
}

/// One `AWS_TIMEOUT` finding per check and region, listing the calls that did not finish: past
/// the deadline every pending call times out, and a finding per call (70 in one diagnosis under
/// load) buried what the diagnosis did find.
fn one_timeout_per_check_and_region(findings: Vec<Finding>) -> Vec<Finding> {
    let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut calls: BTreeMap<(CheckId, Option<String>), Vec<String>> = BTreeMap::new();
    for finding in findings {
        if finding.code != Code::AwsTimeout {
            kept.push(finding);
            continue;
        }
        let key = (finding.check, finding.region.clone());
        let call = finding.aws_error.as_ref().map_or_else(
            || finding.detail.clone(),
            |error| format!("{}:{}", error.service, error.operation),
        );
        let known = calls.contains_key(&key);
        calls.entry(key).or_default().push(call);
        if !known {
            kept.push(finding);
        }
    }
    for finding in kept.iter_mut().filter(|f| f.code == Code::AwsTimeout) {
        let key = (finding.check, finding.region.clone());
        if let Some(calls) = calls.get(&key).filter(|calls| calls.len() > 1) {
            finding.detail = format!(
                "{} AWS calls did not finish in time: {}.",
                calls.len(),
                calls.join(", ")
            );
        }
    }
    kept
}

fn record_identity(report: &mut Report, identity: &IdentityInfo, started: Instant) {
    if identity.principal_type == PrincipalType::Root {
        report.finding(finding(
            Code::RootCredentialsUsed,
            CheckId::Identity,
            format!(
                "The access key belongs to the root user of account {}.",
                identity.account_id
            ),
        ));
        report.check(
            CheckId::Identity,
            CheckStatus::Warn,
            started,
            format!("Root credentials of account {}.", identity.account_id),
        );
    } else {
        report.check(
            CheckId::Identity,
            CheckStatus::Pass,
            started,
            format!("Authenticated as {}.", identity.arn),
        );
    }
}

/// The regions named belong to `asked`, whose STS rejected the key; another partition's STS
/// accepted it.
fn wrong_partition(
    report: &mut Report,
    started: Instant,
    identity: &IdentityInfo,
    asked: Partition,
    request: &DiagnosisRequest,
    refusal: &AwsError,
) {
    let named: Vec<&str> = request
        .named_regions
        .iter()
        .flatten()
        .map(|r| r.name())
        .collect();
    let detail = format!(
        "The key belongs to {}: that partition's STS ({}) accepted it as {}, while the STS of \
         the regions asked for ({}, in {}) rejected it ({}). Check regions of {} or use a key of \
         {}.",
        identity.partition.title(),
        identity.partition.sts_region().sts_host(),
        identity.arn,
        named.join(", "),
        asked.title(),
        refusal.code.as_deref().unwrap_or("InvalidClientTokenId"),
        identity.partition.arn_name(),
        asked.arn_name(),
    );
    report.check(
        CheckId::Identity,
        CheckStatus::Fail,
        started,
        detail.clone(),
    );
    report.finding(
        finding(Code::CredentialsWrongPartition, CheckId::Identity, detail).with_aws_error(refusal),
    );
}

/// A failed identity or role check, its finding from the catalogue's reading of `error`, with
/// `note` added to what it says.
fn fail_check(
    report: &mut Report,
    check: CheckId,
    started: Instant,
    error: &AwsError,
    note: Option<&str>,
) {
    let code = aws_mapping::code_for(error, Utc::now());
    let status = if code.is_incomplete() {
        CheckStatus::Error
    } else {
        CheckStatus::Fail
    };
    let mut detail = match code {
        Code::ClockSkew => clock_skew_detail(error),
        _ => error.to_string(),
    };
    if let Some(note) = note {
        detail = format!("{detail} {note}");
    }
    report.check(check, status, started, detail.clone());
    report.finding(finding(code, check, detail).with_aws_error(error));
}

/// Whose clock is off: the diagnosis's requests are signed by this service, with the clock of
/// the host it runs on; the portal signs its own requests with its own host's clock.
fn clock_skew_detail(error: &AwsError) -> String {
    let offset = error.server_time.map(|aws| Utc::now().timestamp() - aws);
    let how_far = match offset {
        Some(seconds) if seconds > 0 => format!(", which is {seconds} s ahead of AWS"),
        Some(seconds) if seconds < 0 => format!(", which is {} s behind AWS", -seconds),
        _ => String::new(),
    };
    format!(
        "AWS refused the signing time of this service's request ({error}). connector-doctor signs \
         the diagnosis's requests with the clock of the host it runs on{how_far}: synchronise that \
         host's clock (NTP). The portal signs its own requests with its own clock: if Test API \
         fails the same way, synchronise the portal's host too."
    )
}

fn assume_role_failed(report: &mut Report, started: Instant, error: &AwsError, role_arn: &str) {
    if !aws_mapping::is_denial(error) {
        return fail_check(report, CheckId::AssumeRole, started, error, None);
    }
    let detail = format!(
        "sts:AssumeRole into {role_arn} was denied: the role's trust policy does not trust this \
         principal, the external id does not match, or the principal lacks sts:AssumeRole."
    );
    report.check(
        CheckId::AssumeRole,
        CheckStatus::Fail,
        started,
        detail.clone(),
    );
    report.finding(
        finding(Code::AssumeRoleDenied, CheckId::AssumeRole, detail).with_aws_error(error),
    );
}

fn skip_after_failure(report: &mut Report, request: &DiagnosisRequest, why: &str) {
    let summary = format!("Not run: {why}.");
    if !report.has_check(CheckId::AssumeRole) && request.assume_role.is_some() {
        report.skip(CheckId::AssumeRole, summary.clone());
    } else if !report.has_check(CheckId::AssumeRole) {
        report.skip(CheckId::AssumeRole, "No role to assume was requested.");
    }
    for id in LATER_CHECKS {
        report.skip(id, summary.clone());
    }
}

fn needed(id: CheckId, request: &DiagnosisRequest) -> bool {
    id.connections()
        .iter()
        .any(|connection| request.connections.contains(connection))
}
