//! The contract's rules that derive a connection's health from findings and checks.

use super::{Check, CheckStatus, Connection, ConnectionReport, Finding, HealthStatus, Severity};

/// Health of one connection: `unhealthy` when a finding that applies to it is an `error`;
/// else `degraded` when one is a `warning` or one of its checks could not be completed;
/// else `healthy`.
pub fn connection_report(
    connection: Connection,
    findings: &[Finding],
    checks: &[Check],
) -> ConnectionReport {
    let applying: Vec<&Finding> = findings
        .iter()
        .filter(|finding| match &finding.connections {
            Some(connections) => connections.contains(&connection),
            None => finding.check.connections().contains(&connection),
        })
        .collect();
    let worst = applying.iter().map(|finding| finding.severity).max();
    let check_errored = checks.iter().any(|check| {
        check.status == CheckStatus::Error && check.id.connections().contains(&connection)
    });
    let status = match worst {
        Some(Severity::Error) => HealthStatus::Unhealthy,
        Some(Severity::Warning) => HealthStatus::Degraded,
        _ if check_errored => HealthStatus::Degraded,
        _ => HealthStatus::Healthy,
    };
    let mut finding_codes: Vec<_> = applying.iter().map(|finding| finding.code).collect();
    finding_codes.dedup();
    ConnectionReport {
        status,
        finding_codes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CheckId;
    use crate::domain::Code;

    fn finding(code: Code, check: CheckId, severity: Severity) -> Finding {
        Finding {
            code,
            severity,
            check,
            region: None,
            title: String::new(),
            detail: String::new(),
            resolution: vec![],
            docs: vec![],
            aws_error: None,
            connections: None,
        }
    }

    fn check(id: CheckId, status: CheckStatus) -> Check {
        Check {
            id,
            status,
            region: None,
            duration_ms: 0,
            summary: String::new(),
        }
    }

    #[test]
    fn an_error_finding_makes_only_its_connections_unhealthy() {
        let findings = [finding(
            Code::SecurityHubNotEnabled,
            CheckId::SecurityHub,
            Severity::Error,
        )];
        let config = connection_report(Connection::SecurityConfiguration, &findings, &[]);
        let auditing = connection_report(Connection::SecurityAuditing, &findings, &[]);
        assert_eq!(config.status, HealthStatus::Unhealthy);
        assert_eq!(config.finding_codes, vec![Code::SecurityHubNotEnabled]);
        assert_eq!(auditing.status, HealthStatus::Healthy);
        assert!(auditing.finding_codes.is_empty());
    }

    #[test]
    fn warnings_and_errored_checks_degrade() {
        let warning = [finding(
            Code::RootCredentialsUsed,
            CheckId::Identity,
            Severity::Warning,
        )];
        assert_eq!(
            connection_report(Connection::SecurityAuditing, &warning, &[]).status,
            HealthStatus::Degraded
        );
        let checks = [check(CheckId::Cloudtrail, CheckStatus::Error)];
        assert_eq!(
            connection_report(Connection::SecurityAuditing, &[], &checks).status,
            HealthStatus::Degraded
        );
        assert_eq!(
            connection_report(Connection::SecurityConfiguration, &[], &checks).status,
            HealthStatus::Healthy
        );
    }

    #[test]
    fn a_finding_narrowed_to_one_connection_spares_the_other() {
        let mut missing = finding(
            Code::PermissionMissing,
            CheckId::Permissions,
            Severity::Error,
        );
        missing.connections = Some(vec![Connection::SecurityAuditing]);
        let findings = [missing];
        assert_eq!(
            connection_report(Connection::SecurityAuditing, &findings, &[]).status,
            HealthStatus::Unhealthy
        );
        assert_eq!(
            connection_report(Connection::SecurityConfiguration, &findings, &[]).status,
            HealthStatus::Healthy
        );
    }

    #[test]
    fn info_findings_keep_a_connection_healthy() {
        let info = [finding(
            Code::RegionDisabled,
            CheckId::Regions,
            Severity::Info,
        )];
        assert_eq!(
            connection_report(Connection::SecurityAuditing, &info, &[]).status,
            HealthStatus::Healthy
        );
    }
}
