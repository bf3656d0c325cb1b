//! The probe engine: runs the probes of one diagnosis within its deadline and assembles what
//! they found into an [`Examination`]. It knows nothing of caching, lifetimes or settings
//! beyond its own.
//!
//! [`ProbeEngine::examine`] is the plan: identity (and assume-role) first, since nothing else
//! can run without it; then the permissions, the regional checks and CloudTrail's record side by
//! side; then the conclusion. Every AWS call is cut off at the diagnosis deadline, so what
//! finished is reported and what did not becomes an `error` check.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::aws_rates::RateShare;
use super::budget::CallBudget;
use super::call_load::CallLoad;
use super::cloudtrail_record::{self, RecordSettings};
use super::confirmations::Confirmations;
use super::context::{AwsDoor, ProbeContext};
use super::executor::Executor;
use super::identity::{self, Authenticated};
use super::limits::{CallLimits, GlobalCallLimit};
use super::observation::CallLog;
use super::progress::{Progress, Unwatched};
use super::region_plan::RegionPlan;
use super::report::{NOT_NEEDED, Report, elapsed_ms};
use super::settings::ProbeSettings;
use super::{organization, permissions, regional, regions, service_reads, timeouts};
use crate::aws::AwsClientFactory;
use crate::domain::{
    CheckId, CheckStatus, Connection, DenialLedger, DiagnosisRequest, Examination, HealthStatus,
    IdentityInfo, ObservedDenial, ObservedWindow, Organization, RegionsSource, connection_report,
};
use crate::metrics::Metrics;

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
    /// calls on from `ledger` (what its earlier diagnoses read), and an administrator's members'
    /// findings in the order `book` (what earlier diagnoses confirmed) gives. Every AWS problem becomes a
    /// finding; only a bug (a panic) is an error.
    pub async fn run(
        &self,
        request: &DiagnosisRequest,
        ledger: Option<DenialLedger>,
        book: Arc<dyn Confirmations>,
    ) -> Result<Examination, EngineFailed> {
        let engine = self.clone();
        let request = request.clone();
        self.executor
            .handle()
            .spawn(async move { engine.examine(&request, ledger, book.as_ref()).await })
            .await
            .map_err(|error| EngineFailed(error.to_string()))
    }

    /// The plan of one diagnosis: identity first (nothing else can run without it); then the
    /// permissions, the regional checks and CloudTrail's record side by side; then the
    /// conclusion. Every AWS call of every step goes through one door.
    async fn examine(
        &self,
        request: &DiagnosisRequest,
        ledger: Option<DenialLedger>,
        book: &dyn Confirmations,
    ) -> Examination {
        let started = Instant::now();
        let checked_at = Utc::now();
        let deadline = tokio::time::Instant::now() + self.deadline;
        let identity_limits =
            CallLimits::unobserved(&self.global_calls, self.calls_per_service_region);
        let calls = CallLog::default();
        let secrets = request.secret_values();
        let session = self.factory.session(&request.credentials);
        let key_owner = identity::key_budget_owner(&request.credentials.access_key_id);
        let door = AwsDoor {
            session: &session,
            secrets: &secrets,
            deadline,
            turns_until: deadline,
            limits: &identity_limits,
            budget: self.budget.as_ref(),
            rate_share: self.rate_share,
            budget_owner: &key_owner,
            metrics: &self.metrics,
            calls: &calls,
        };
        let mut report = Report::default();
        self.progress.step("Verifying the credentials with STS");
        let (identity, probed) =
            match identity::check(&door, request, self.progress.as_ref(), &mut report).await {
                Ok(authenticated) => {
                    let probed = self
                        .after_identity(request, &authenticated, door, (ledger, book), &mut report)
                        .await;
                    (Some(authenticated.identity), probed)
                }
                Err(identity) => (identity, Probed::default()),
            };
        self.assemble(request, report, identity, probed, checked_at, started)
    }

    /// The permissions, the regional checks and CloudTrail's record of the key's calls side by
    /// side, in the regions of the plan, then the permissions' conclusion from all they saw.
    async fn after_identity(
        &self,
        request: &DiagnosisRequest,
        authenticated: &Authenticated,
        door: AwsDoor<'_>,
        (ledger, book): (Option<DenialLedger>, &dyn Confirmations),
        report: &mut Report,
    ) -> Probed {
        let mut secrets = door.secrets.to_vec();
        secrets.extend(authenticated.role_secrets.iter().map(String::as_str));
        let limits = CallLimits::new(&self.global_calls, self.calls_per_service_region);
        let undecided = RegionPlan::default();
        // The context while the regions are being decided; the regional checks get the plan.
        let deciding = ProbeContext {
            door: AwsDoor {
                session: &authenticated.session,
                secrets: &secrets,
                limits: &limits,
                budget_owner: &authenticated.identity.account_id,
                ..door
            },
            identity: &authenticated.identity,
            request,
            assumed_role_arn: request.assume_role.as_ref().map(|r| r.role_arn.as_str()),
            regions: &undecided,
        };
        // The key's own state is read with the key itself: for a role connection the base
        // key, whose calls say nothing of the role's permissions (so they are not observed).
        let base_key_calls = CallLog::default();
        let key_owner = &authenticated.key_owner;
        let as_key = ProbeContext {
            door: AwsDoor {
                session: door.session,
                budget_owner: &key_owner.account_id,
                calls: match request.assume_role {
                    Some(_) => &base_key_calls,
                    None => door.calls,
                },
                ..deciding.door
            },
            identity: key_owner,
            assumed_role_arn: None,
            ..deciding
        };
        // The permission evidence needs no regions: it is gathered while they are decided.
        self.progress
            .step("Deciding the regions; reading the permissions (simulation or policies)");
        let (evidence, key_state, (plan, regional, record, organization)) = tokio::join!(
            permissions::collect(&deciding),
            identity::read_key(&as_key),
            async {
                let plan = regions::plan(&deciding).await;
                self.progress.step(&format!(
                    "Checking CloudTrail, Security Hub, Config and the organization in {} \
                     region(s); reading CloudTrail's record of the key's calls",
                    plan.probed().len()
                ));
                let context = ProbeContext {
                    regions: &plan,
                    ..deciding
                };
                let (regional, (), record, organization) = tokio::join!(
                    regional::probe(&context),
                    service_reads::observe(&context),
                    cloudtrail_record::read(&context, ledger, self.record),
                    organization::check(&context, book),
                );
                (plan, regional, record, organization)
            }
        );
        let context = ProbeContext {
            regions: &plan,
            ..deciding
        };
        self.progress.step("Concluding the verdicts");
        let (permission_report, quarantined) = permissions::conclude(
            evidence,
            &door.calls.take(),
            &regional.usable_regions,
            record.denials.as_deref(),
            &context,
        );
        identity::conclude_key(key_state, &quarantined, request, report, Utc::now());
        report.merge(permission_report);
        report.merge(regional.report);
        report.merge(organization.report);
        report.findings.extend(plan.findings);
        report.findings.extend(record.findings);
        Probed {
            regions_source: plan.source,
            denials: record.denials,
            window: record.window,
            ledger: record.ledger,
            organization: organization.organization,
        }
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
        report.findings =
            timeouts::one_timeout_per_check_and_region(std::mem::take(&mut report.findings));
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
            organization: probed.organization,
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
    organization: Option<Organization>,
}

fn needed(id: CheckId, request: &DiagnosisRequest) -> bool {
    id.connections()
        .iter()
        .any(|connection| request.connections.contains(connection))
}
