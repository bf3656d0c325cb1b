//! The exit statuses of the command line, as `api.md` fixes them.

use std::process::ExitCode;

use crate::domain::HealthStatus;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Healthy (or `explain` found entries, `evaluate` evaluated, `--help` answered).
    Healthy = 0,
    /// Degraded (or `explain` found nothing).
    Degraded = 1,
    /// Unhealthy.
    Unhealthy = 2,
    /// No diagnosis possible: no credentials in the chain, or the identity could not be reached.
    NoDiagnosis = 3,
    /// A usage error (clap's own included): `EX_USAGE`.
    Usage = 64,
    /// Input that is not valid (a policy document, a request line): `EX_DATAERR`.
    DataError = 65,
    /// An internal error: `EX_SOFTWARE`.
    Internal = 70,
}

impl Exit {
    /// The status of a diagnosis.
    pub fn of(status: HealthStatus) -> Self {
        match status {
            HealthStatus::Healthy => Exit::Healthy,
            HealthStatus::Degraded => Exit::Degraded,
            HealthStatus::Unhealthy => Exit::Unhealthy,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}
