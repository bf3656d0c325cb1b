//! Runs the probes of one diagnosis within its deadline and assembles the Diagnosis.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::finding::{FindingExt, finding};
use super::identity;
use super::report::{Report, elapsed_ms};
use crate::aws::{AwsClientFactory, AwsError};
use crate::cache::TtlPolicy;
use crate::catalogue::{Code, aws_mapping};
use crate::domain::{
    CheckId, CheckStatus, Connection, Diagnosis, DiagnosisRequest, HealthStatus, IdentityInfo,
    PrincipalType, connection_report,
};

/// Checks that later work adds; until then they are reported as skipped.
const PENDING_CHECKS: [CheckId; 5] = [
    CheckId::Permissions,
    CheckId::Cloudtrail,
    CheckId::SecurityHub,
    CheckId::Config,
    CheckId::Regions,
];

/// Runs diagnoses; one per service, shared by all requests.
#[derive(Clone)]
pub struct Diagnoser {
    factory: AwsClientFactory,
    deadline: Duration,
    ttl: TtlPolicy,
}

impl Diagnoser {
    /// A diagnoser calling AWS through `factory`, stopping probes after `deadline`.
    pub fn new(factory: AwsClientFactory, deadline: Duration, ttl: TtlPolicy) -> Self {
        Self {
            factory,
            deadline,
            ttl,
        }
    }

    /// Diagnoses one connector. Never fails: every problem becomes a finding.
    pub async fn run(&self, request: &DiagnosisRequest) -> Diagnosis {
        let started = Instant::now();
        let checked_at = Utc::now();
        let mut report = Report::default();
        let mut identity = None;
        let probes = self.probe(request, &mut report, &mut identity);
        if tokio::time::timeout(self.deadline, probes).await.is_err() {
            let detail = format!(
                "The diagnosis did not finish within its deadline of {} s.",
                self.deadline.as_secs()
            );
            report.finding(finding(Code::AwsTimeout, CheckId::Identity, detail.clone()));
            for id in [CheckId::Identity, CheckId::AssumeRole] {
                if !report.has_check(id) {
                    report.check(id, CheckStatus::Error, started, detail.clone());
                }
            }
        }
        self.assemble(request, report, identity, checked_at, started)
    }

    async fn probe(
        &self,
        request: &DiagnosisRequest,
        report: &mut Report,
        identity_out: &mut Option<IdentityInfo>,
    ) {
        let secrets = request.credentials.secret_values();
        let sts_region = request.partition.sts_region();
        let session = self.factory.session(&request.credentials);

        let started = Instant::now();
        let identity = match identity::caller_identity(&session, sts_region, &secrets).await {
            Ok(identity) => identity,
            Err(error) => {
                fail_check(report, CheckId::Identity, started, &error);
                skip_after_failure(report, request, "the credentials could not be verified");
                return;
            }
        };
        record_identity(report, &identity, started);
        *identity_out = Some(identity);

        let Some(role) = &request.assume_role else {
            report.skip(CheckId::AssumeRole, "No role to assume was requested.");
            skip_pending(report, request);
            return;
        };
        let started = Instant::now();
        let role_session = match identity::assume_role(&session, sts_region, role, &secrets).await {
            Ok(credentials) => session.with_credentials(credentials),
            Err(error) => {
                assume_role_failed(report, started, &error, &role.role_arn);
                skip_after_failure(report, request, "the role could not be assumed");
                return;
            }
        };
        match identity::caller_identity(&role_session, sts_region, &secrets).await {
            Ok(role_identity) => {
                report.check(
                    CheckId::AssumeRole,
                    CheckStatus::Pass,
                    started,
                    format!("Assumed {} as {}.", role.role_arn, role_identity.arn),
                );
                *identity_out = Some(role_identity);
            }
            Err(error) => {
                fail_check(report, CheckId::AssumeRole, started, &error);
                skip_after_failure(report, request, "the role session could not be verified");
                return;
            }
        }
        skip_pending(report, request);
    }

    fn assemble(
        &self,
        request: &DiagnosisRequest,
        report: Report,
        identity: Option<IdentityInfo>,
        checked_at: chrono::DateTime<Utc>,
        started: Instant,
    ) -> Diagnosis {
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
        let any_error = report.checks.iter().any(|c| c.status == CheckStatus::Error);
        Diagnosis {
            id: format!("dgn_{}", uuid::Uuid::now_v7().simple()),
            connector_id: request.connector_id.clone(),
            status,
            checked_at,
            duration_ms: elapsed_ms(started),
            cached: false,
            expires_at: checked_at + self.ttl.for_outcome(status, any_error),
            identity,
            regions_checked: vec![],
            connections,
            checks: report.checks,
            permissions: vec![],
            regions: BTreeMap::new(),
            findings: report.findings,
            remediation_policy: None,
        }
    }
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

/// Whether the code means the check could not be completed, rather than found a problem.
fn is_incomplete(code: Code) -> bool {
    matches!(
        code,
        Code::AwsTimeout
            | Code::AwsUnreachable
            | Code::AwsThrottled
            | Code::AwsServiceError
            | Code::InternalError
    )
}

fn fail_check(report: &mut Report, check: CheckId, started: Instant, error: &AwsError) {
    let code = aws_mapping::code_for(error, Utc::now());
    let status = if is_incomplete(code) {
        CheckStatus::Error
    } else {
        CheckStatus::Fail
    };
    report.check(check, status, started, error.to_string());
    report.finding(finding(code, check, error.to_string()).with_aws_error(error));
}

fn assume_role_failed(report: &mut Report, started: Instant, error: &AwsError, role_arn: &str) {
    if !error.code_is(aws_mapping::ACCESS_DENIED) {
        return fail_check(report, CheckId::AssumeRole, started, error);
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
    if !report.has_check(CheckId::AssumeRole) {
        report.skip(CheckId::AssumeRole, summary.clone());
    }
    for id in PENDING_CHECKS {
        if needed(id, request) {
            report.skip(id, summary.clone());
        } else {
            report.skip(id, "Not needed for the requested connections.");
        }
    }
}

fn skip_pending(report: &mut Report, request: &DiagnosisRequest) {
    for id in PENDING_CHECKS {
        if needed(id, request) {
            report.skip(id, "This check is not available yet.");
        } else {
            report.skip(id, "Not needed for the requested connections.");
        }
    }
}

fn needed(id: CheckId, request: &DiagnosisRequest) -> bool {
    id.connections()
        .iter()
        .any(|connection| request.connections.contains(connection))
}
