//! Reads the settings of every part from flags, environment and an optional TOML file.
//!
//! Each part declares its own settings type, with each default written once beside its flag
//! (`aws::AwsSettings`, `cache::CacheSettings`, ...); this module only gathers them. One
//! precedence rule, applied by clap itself: flag > environment (`CONNECTOR_DOCTOR_<NAME>`) >
//! file (`--config`, keys with underscores) > default. The file's values become the flags'
//! defaults, so a file value is parsed and checked exactly as the same flag would be.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser};

use crate::api::ServerSettings;
use crate::aws::AwsSettings;
use crate::cache::CacheSettings;
use crate::metrics::MetricsSettings;
use crate::probes::ProbeSettings;
use crate::security::SecuritySettings;
use crate::service::ServiceSettings;
use crate::telemetry::LogSettings;

/// Prefix of every setting's environment variable.
const ENV_PREFIX: &str = "CONNECTOR_DOCTOR_";

/// Errors found while reading the settings; the process refuses to start on any of them.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The `--config` file could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    ReadFile {
        /// The file named by `--config`.
        path: PathBuf,
        /// Why reading it failed.
        source: std::io::Error,
    },
    /// The `--config` file is not valid TOML for these settings.
    #[error("invalid configuration file {path}: {message}")]
    ParseFile {
        /// The file named by `--config`.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A setting has a value the service cannot use.
    #[error("invalid setting: {0}")]
    Invalid(String),
}

/// The settings of every part of the service.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "connector-doctor",
    version,
    about = "Diagnoses AWS connectors of a security portal: why a connector works or not, and how to fix it.",
    long_about = None,
    after_help = "Runs the service (also as `connector-doctor serve`). Other subcommands:\n  \
                  diagnose  one diagnosis on this machine with the AWS SDK's credential chain (connector-doctor diagnose --help)\n  \
                  explain   the catalogue entries that explain an error text"
)]
pub struct Settings {
    /// A TOML file with any of these settings (names with underscores).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Listeners, TLS, connection bounds, shutdown.
    #[command(flatten)]
    pub server: ServerSettings,
    /// Caller tokens and rate limits.
    #[command(flatten)]
    pub security: SecuritySettings,
    /// The AWS clients.
    #[command(flatten)]
    pub aws: AwsSettings,
    /// The probe engine.
    #[command(flatten)]
    pub probes: ProbeSettings,
    /// The diagnosis service.
    #[command(flatten)]
    pub service: ServiceSettings,
    /// The store.
    #[command(flatten)]
    pub cache: CacheSettings,
    /// Logs.
    #[command(flatten)]
    pub log: LogSettings,
    /// Metrics.
    #[command(flatten)]
    pub metrics: MetricsSettings,
}

impl Default for Settings {
    /// The embedded defaults, whatever the environment says: loopback, in-memory cache, real
    /// AWS, no authentication.
    fn default() -> Self {
        let command = Self::command().mut_args(|arg| arg.env(None));
        Self::from_matches(&command.get_matches_from(["connector-doctor"]))
            .expect("the embedded defaults are valid")
    }
}

impl Settings {
    /// Reads flags (from `args`, the first being the program name), the environment and the
    /// optional file. Usage errors and `--help` end the process as clap does.
    pub fn load<I, T>(args: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let command = Self::command().mut_args(with_environment);
        let file = command
            .clone()
            .ignore_errors(true)
            .get_matches_from(&args)
            .get_one::<PathBuf>("config")
            .cloned();
        let command = match &file {
            Some(path) => with_file_defaults(command, path)?,
            None => command,
        };
        Self::from_matches(&command.get_matches_from(args))
    }

    fn from_matches(matches: &ArgMatches) -> Result<Self, ConfigError> {
        let settings = Self::from_arg_matches(matches)
            .map_err(|error| ConfigError::Invalid(error.to_string()))?;
        settings
            .server
            .tls()
            .map_err(|message| ConfigError::Invalid(message.to_owned()))?;
        Ok(settings)
    }
}

/// Every setting is also `CONNECTOR_DOCTOR_<ITS NAME>`, unless it names its own variable
/// (`RUST_LOG`).
fn with_environment(arg: clap::Arg) -> clap::Arg {
    if arg.get_env().is_some() || arg.get_long().is_none() {
        return arg;
    }
    let name = format!("{ENV_PREFIX}{}", arg.get_id().as_str().to_uppercase());
    arg.env(name)
}

/// The file's values as the defaults of the flags of the same names; an unknown key is refused.
fn with_file_defaults(command: clap::Command, path: &Path) -> Result<clap::Command, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    let invalid = |message: String| ConfigError::ParseFile {
        path: path.to_owned(),
        message,
    };
    let table: toml::Table = toml::from_str(&text).map_err(|error| invalid(error.to_string()))?;
    let mut command = command;
    for (key, value) in table {
        let known = command
            .get_arguments()
            .any(|arg| arg.get_id() == key.as_str() && arg.get_long().is_some() && key != "config");
        if !known {
            return Err(invalid(format!("unknown setting `{key}`")));
        }
        let text = match value {
            toml::Value::String(text) => text,
            toml::Value::Integer(number) => number.to_string(),
            toml::Value::Boolean(flag) => flag.to_string(),
            other => {
                return Err(invalid(format!(
                    "`{key}` must be a string, number or boolean, not {}",
                    other.type_str()
                )));
            }
        };
        command = command.mut_arg(key, |arg| arg.default_value(text));
    }
    Ok(command)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn load_with_file(args: &[&str], file: &str) -> Result<Settings, ConfigError> {
        let dir = tempfile_dir();
        let path = dir.join("settings.toml");
        std::fs::write(&path, file).unwrap();
        let path = path.to_str().unwrap().to_owned();
        let mut all = vec!["connector-doctor", "--config", &path];
        all.extend_from_slice(args);
        Settings::load(all)
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cd-config-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let settings = load_with_file(
            &["--aws-call-timeout", "2s"],
            "listen = \"0.0.0.0:9000\"\naws_call_timeout = \"9s\"\ndiagnosis_deadline = 40\n",
        )
        .unwrap();
        assert_eq!(settings.aws.aws_call_timeout, Duration::from_secs(2));
        assert_eq!(settings.server.listen, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(settings.probes.diagnosis_deadline, Duration::from_secs(40));
        assert_eq!(settings.server.shutdown_timeout, Duration::from_secs(30));
    }

    #[test]
    fn unknown_file_keys_and_bad_file_values_are_refused() {
        let unknown = load_with_file(&[], "lisen = \"0.0.0.0:1\"").unwrap_err();
        assert!(unknown.to_string().contains("lisen"), "{unknown}");
        let table = load_with_file(&[], "listen = [1]").unwrap_err();
        assert!(table.to_string().contains("listen"), "{table}");
    }

    #[test]
    fn values_are_checked_by_the_parts_parsers() {
        let parse = |args: &[&str]| {
            let command = Settings::command().mut_args(|arg| arg.env(None));
            command.try_get_matches_from(
                std::iter::once("connector-doctor").chain(args.iter().copied()),
            )
        };
        assert!(parse(&["--redis-url", "http://x"]).is_err());
        assert!(parse(&["--aws-endpoint-url", "ftp://x"]).is_err());
        assert!(parse(&["--history-size", "0"]).is_err());
        assert!(parse(&["--diagnosis-deadline", "0s"]).is_err());
        assert!(parse(&["--history-size", "3"]).is_ok());
    }

    #[test]
    fn tls_needs_both_files() {
        let error = load_with_file(&["--tls-cert", "/c.pem"], "").unwrap_err();
        assert!(error.to_string().contains("tls-key"), "{error}");
    }

    #[test]
    fn every_setting_has_its_environment_variable() {
        let command = Settings::command().mut_args(with_environment);
        for arg in command
            .get_arguments()
            .filter(|arg| arg.get_long().is_some())
        {
            let env = arg
                .get_env()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let id = arg.get_id().as_str();
            assert!(
                env == format!("CONNECTOR_DOCTOR_{}", id.to_uppercase()) || env == "RUST_LOG",
                "{id}: {env}"
            );
        }
    }

    /// The configuration table of `docs/configuration.md` is the operators' reference, and the
    /// one source of it: every setting has a row with its flag, its variable and, where it has
    /// one, its default as clap applies it; and no row names a flag or a variable the service
    /// does not have, so a setting removed or renamed cannot linger in the table.
    #[test]
    fn the_configuration_table_has_a_row_for_every_setting_and_no_other() {
        let document = include_str!("../docs/configuration.md");
        let table = document
            .split("\n## Settings\n")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("docs/configuration.md has a Settings section");
        // Every line of the table but its header and the line under it.
        let rows: Vec<&str> = table
            .lines()
            .filter(|line| line.starts_with('|'))
            .filter(|line| !line.starts_with("| flag ") && !line.starts_with("| ---"))
            .collect();
        let command = Settings::command().mut_args(with_environment);
        let mut flags = Vec::new();
        let mut variables = Vec::new();
        let mut missing = Vec::new();
        for arg in command.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            let env = arg
                .get_env()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            flags.push(format!("--{long}"));
            variables.push(env.clone());
            let row = rows
                .iter()
                .find(|line| line.contains(&format!("`--{long}`")));
            let Some(row) = row else {
                missing.push(format!("--{long}: no row"));
                continue;
            };
            if !row.contains(&format!("`{env}`")) {
                missing.push(format!("--{long}: the row does not name {env}"));
            }
            for default in arg.get_default_values() {
                let default = default.to_string_lossy();
                if !row.contains(&format!("`{default}`")) {
                    missing.push(format!(
                        "--{long}: the row does not give the default `{default}`"
                    ));
                }
            }
        }
        for row in &rows {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            // `| flag | environment | ...`: cells[0] is the text before the first bar.
            let named = |cell: usize| -> Vec<&str> {
                cells
                    .get(cell)
                    .map(|text| text.split('`').skip(1).step_by(2).collect())
                    .unwrap_or_default()
            };
            for flag in named(1) {
                if !flags.iter().any(|known| known == flag) {
                    missing.push(format!("the row of {flag} names no setting of the service"));
                }
            }
            for variable in named(2) {
                if !variables.iter().any(|known| known == variable) {
                    missing.push(format!("the variable {variable} is read by no setting"));
                }
            }
            if named(1).is_empty() {
                missing.push(format!("a row names no flag: {row}"));
            }
        }
        assert!(
            missing.is_empty(),
            "docs/configuration.md, Settings: {missing:#?}"
        );
    }

    #[test]
    fn debug_output_hides_the_redis_password_and_the_key_secret() {
        let settings = load_with_file(
            &[
                "--redis-url",
                "redis://:hunter2@h:6379",
                "--cache-key-secret",
                "s3cr3t-k3y",
            ],
            "",
        )
        .unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter2"));
        assert!(!printed.contains("s3cr3t-k3y"));
    }
}
