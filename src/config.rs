//! Typed settings: command-line flags, environment, an optional TOML file and defaults.
//!
//! This is the only place that reads the process environment. Precedence is
//! flag > environment (`CONNECTOR_DOCTOR_*`) > file (`--config`) > default; every
//! `--some-name` flag is also `CONNECTOR_DOCTOR_SOME_NAME` and `some_name` in the file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use clap::Parser;
use serde::Deserialize;

use crate::domain::Secret;
use crate::security::ApiTokens;

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
        /// What the TOML parser said.
        message: String,
    },
    /// A setting has a value the service cannot use.
    #[error("invalid setting `{name}`: {message}")]
    Invalid {
        /// The flag name without dashes.
        name: &'static str,
        /// Why the value is refused.
        message: String,
    },
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line, for log pipelines.
    Json,
    /// Human-readable lines, for a terminal.
    Pretty,
}

/// A duration written as `250ms`, `5s`, `2m` or `1h` (a bare number means seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationSetting(pub Duration);

impl FromStr for DurationSetting {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let value: u64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a duration such as 500ms, 5s, 2m or 1h"))?;
        let duration = match unit.trim() {
            "ms" => Duration::from_millis(value),
            "" | "s" => Duration::from_secs(value),
            "m" => Duration::from_secs(value * 60),
            "h" => Duration::from_secs(value * 3600),
            other => return Err(format!("unknown duration unit `{other}` in `{text}`")),
        };
        Ok(Self(duration))
    }
}

impl<'de> Deserialize<'de> for DurationSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Seconds(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Seconds(seconds) => Ok(Self(Duration::from_secs(seconds))),
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// One layer of settings as given by flags and environment, or by the file: every value optional.
///
/// The same struct serves clap and serde so that a setting cannot exist in one
/// source and be forgotten in the other.
#[derive(Debug, Default, Parser, Deserialize)]
#[command(
    name = "connector-doctor",
    version,
    about = "Diagnoses AWS connectors of a security portal: why a connector works or not, and how to fix it.",
    long_about = None
)]
#[serde(deny_unknown_fields)]
pub struct SettingsLayer {
    /// A TOML file with any of these settings (names with underscores).
    #[arg(long, env = "CONNECTOR_DOCTOR_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,

    /// Address of the API. [default: 127.0.0.1:8080]
    #[arg(long, env = "CONNECTOR_DOCTOR_LISTEN")]
    pub listen: Option<SocketAddr>,

    /// Address of a separate listener for `/metrics`, closed to callers. [default: unset, metrics on the API address]
    #[arg(long, env = "CONNECTOR_DOCTOR_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Most connectors with a status series in `/metrics`; the least recently seen go first. [default: 1000]
    #[arg(long, env = "CONNECTOR_DOCTOR_METRICS_CONNECTOR_CAP")]
    pub metrics_connector_cap: Option<usize>,

    /// Send every AWS call of every service to this URL (emulators, private endpoints). Never settable by a request. [default: unset, real AWS]
    #[arg(long, env = "CONNECTOR_DOCTOR_AWS_ENDPOINT_URL")]
    pub aws_endpoint_url: Option<String>,

    /// Redis URL of the shared cache (`redis://` or `rediss://`, AUTH in the URL). [default: unset, in-memory cache]
    #[arg(long, env = "CONNECTOR_DOCTOR_REDIS_URL")]
    pub redis_url: Option<Secret>,

    /// Prefix of every Redis key. [default: connector-doctor:]
    #[arg(long, env = "CONNECTOR_DOCTOR_REDIS_KEY_PREFIX")]
    pub redis_key_prefix: Option<String>,

    /// Secret the cache keys are derived with (HMAC-SHA256); the same on every replica. [default: unset, a random one per process]
    #[arg(long, env = "CONNECTOR_DOCTOR_CACHE_KEY_SECRET")]
    pub cache_key_secret: Option<Secret>,

    /// How long a healthy diagnosis is served from the cache. [default: 5m]
    #[arg(long, env = "CONNECTOR_DOCTOR_CACHE_TTL_HEALTHY")]
    pub cache_ttl_healthy: Option<DurationSetting>,

    /// How long a degraded or unhealthy diagnosis is served from the cache. [default: 60s]
    #[arg(long, env = "CONNECTOR_DOCTOR_CACHE_TTL_UNHEALTHY")]
    pub cache_ttl_unhealthy: Option<DurationSetting>,

    /// How long a diagnosis with a check that could not complete is served from the cache. [default: 15s]
    #[arg(long, env = "CONNECTOR_DOCTOR_CACHE_TTL_ERROR")]
    pub cache_ttl_error: Option<DurationSetting>,

    /// Least time between two cache-bypassing refreshes of one request. [default: 10s]
    #[arg(long, env = "CONNECTOR_DOCTOR_REFRESH_FLOOR")]
    pub refresh_floor: Option<DurationSetting>,

    /// How long diagnoses stay readable by id, and history is kept. [default: 24h]
    #[arg(long, env = "CONNECTOR_DOCTOR_REPORT_RETENTION")]
    pub report_retention: Option<DurationSetting>,

    /// History items kept per connector. [default: 50]
    #[arg(long, env = "CONNECTOR_DOCTOR_HISTORY_SIZE")]
    pub history_size: Option<usize>,

    /// Entries of the in-memory cache (used when no Redis is configured). [default: 10000]
    #[arg(long, env = "CONNECTOR_DOCTOR_MEMORY_CACHE_ENTRIES")]
    pub memory_cache_entries: Option<usize>,

    /// Caller tokens: comma-separated `tenant:token` or `tenant:sha256:<hex of the token's SHA-256>`. [default: unset, no authentication]
    #[arg(long, env = "CONNECTOR_DOCTOR_API_TOKENS")]
    pub api_tokens: Option<Secret>,

    /// A file of caller tokens, one `tenant:token` or `tenant:sha256:<hex>` per line (`#` comments). [default: unset]
    #[arg(long, env = "CONNECTOR_DOCTOR_API_TOKENS_FILE")]
    pub api_tokens_file: Option<PathBuf>,

    /// Allow serving a non-loopback address without caller tokens (a warning is logged). [default: false]
    #[arg(long, env = "CONNECTOR_DOCTOR_ALLOW_UNAUTHENTICATED", num_args = 0..=1, default_missing_value = "true")]
    pub allow_unauthenticated: Option<bool>,

    /// Sustained requests per minute per tenant (per client IP without authentication). [default: 300]
    #[arg(long, env = "CONNECTOR_DOCTOR_RATE_LIMIT_PER_MINUTE")]
    pub rate_limit_per_minute: Option<u32>,

    /// Requests a caller may make at once before the sustained rate applies. [default: 60]
    #[arg(long, env = "CONNECTOR_DOCTOR_RATE_LIMIT_BURST")]
    pub rate_limit_burst: Option<u32>,

    /// Most cold (uncached) diagnoses in flight; beyond it requests get 503 at once. [default: 64]
    #[arg(long, env = "CONNECTOR_DOCTOR_MAX_COLD_DIAGNOSES")]
    pub max_cold_diagnoses: Option<usize>,

    /// How long a request body may take to arrive in full; a slower one gets 408 and its connection is closed. [default: 5s]
    #[arg(long, env = "CONNECTOR_DOCTOR_BODY_TIMEOUT")]
    pub body_timeout: Option<DurationSetting>,

    /// Most open client connections in total; requests of connections beyond it get 503 and are closed. [default: 4096]
    #[arg(long, env = "CONNECTOR_DOCTOR_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,

    /// Most open connections from one client address (leave unset behind a load balancer, where every connection comes from it). [default: unset, no per-address cap]
    #[arg(long, env = "CONNECTOR_DOCTOR_MAX_CONNECTIONS_PER_ADDRESS")]
    pub max_connections_per_address: Option<usize>,

    /// PEM certificate chain: serve HTTPS (with --tls-key). [default: unset, plain HTTP]
    #[arg(long, env = "CONNECTOR_DOCTOR_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert. [default: unset]
    #[arg(long, env = "CONNECTOR_DOCTOR_TLS_KEY")]
    pub tls_key: Option<PathBuf>,

    /// Log format. [default: pretty]
    #[arg(long, env = "CONNECTOR_DOCTOR_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,

    /// Timeout of one AWS call, retries included. [default: 5s]
    #[arg(long, env = "CONNECTOR_DOCTOR_AWS_CALL_TIMEOUT")]
    pub aws_call_timeout: Option<DurationSetting>,

    /// Timeout for opening a connection to AWS. [default: 3s]
    #[arg(long, env = "CONNECTOR_DOCTOR_AWS_CONNECT_TIMEOUT")]
    pub aws_connect_timeout: Option<DurationSetting>,

    /// Overall deadline of one diagnosis; what has not finished by then is reported as timed out. [default: 25s]
    #[arg(long, env = "CONNECTOR_DOCTOR_DIAGNOSIS_DEADLINE")]
    pub diagnosis_deadline: Option<DurationSetting>,

    /// Most AWS calls in flight for one service in one region within a diagnosis (AWS throttles per account, region and API). [default: 4]
    #[arg(long, env = "CONNECTOR_DOCTOR_MAX_AWS_CALLS_PER_SERVICE_REGION")]
    pub max_aws_calls_per_service_region: Option<usize>,

    /// Most AWS calls in flight across all diagnoses of the process. [default: 256]
    #[arg(long, env = "CONNECTOR_DOCTOR_MAX_AWS_CALLS_IN_FLIGHT")]
    pub max_aws_calls_in_flight: Option<usize>,

    /// How long a stopping server waits for in-flight requests. [default: 30s]
    #[arg(long, env = "CONNECTOR_DOCTOR_SHUTDOWN_TIMEOUT")]
    pub shutdown_timeout: Option<DurationSetting>,

    /// Log filter in the `tracing` syntax; noisy AWS and HTTP targets stay capped at `info`. [default: info]
    #[arg(long = "log-filter", env = "RUST_LOG")]
    pub log_filter: Option<String>,
}

/// The complete, validated settings of the service.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address of the API.
    pub listen: SocketAddr,
    /// Separate address for `/metrics`, if any.
    pub metrics_listen: Option<SocketAddr>,
    /// Most connectors with a status series.
    pub metrics_connector_cap: usize,
    /// Where every AWS call goes instead of AWS, if set.
    pub aws_endpoint_url: Option<String>,
    /// Redis URL of the shared cache, if any.
    pub redis_url: Option<Secret>,
    /// Prefix of every Redis key.
    pub redis_key_prefix: String,
    /// Secret of the cache keys, if configured.
    pub cache_key_secret: Option<Secret>,
    /// Cache lifetimes by outcome.
    pub cache_ttl_healthy: Duration,
    /// Cache lifetime of degraded and unhealthy diagnoses.
    pub cache_ttl_unhealthy: Duration,
    /// Cache lifetime of diagnoses with an errored check.
    pub cache_ttl_error: Duration,
    /// Least time between two refreshes of one request.
    pub refresh_floor: Duration,
    /// Retention of reports and history.
    pub report_retention: Duration,
    /// History items per connector.
    pub history_size: usize,
    /// Entries of the in-memory cache.
    pub memory_cache_entries: usize,
    /// Caller tokens (empty: authentication off).
    pub api_tokens: ApiTokens,
    /// Whether a non-loopback address may be served without tokens.
    pub allow_unauthenticated: bool,
    /// Sustained requests per minute per caller.
    pub rate_limit_per_minute: u32,
    /// Burst per caller.
    pub rate_limit_burst: u32,
    /// Most cold diagnoses in flight.
    pub max_cold_diagnoses: usize,
    /// How long a request body may take to arrive.
    pub body_timeout: Duration,
    /// Most open client connections.
    pub max_connections: usize,
    /// Most open connections per client address, if capped.
    pub max_connections_per_address: Option<usize>,
    /// Certificate and key files when the service terminates TLS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter (`RUST_LOG` syntax).
    pub log_filter: String,
    /// Timeout of one AWS call, retries included.
    pub aws_call_timeout: Duration,
    /// Timeout for opening a connection to AWS.
    pub aws_connect_timeout: Duration,
    /// Overall deadline of one diagnosis.
    pub diagnosis_deadline: Duration,
    /// Grace period for in-flight requests on shutdown.
    pub shutdown_timeout: Duration,
    /// Most AWS calls in flight for one service in one region within a diagnosis.
    pub max_aws_calls_per_service_region: usize,
    /// Most AWS calls in flight across the process.
    pub max_aws_calls_in_flight: usize,
}

impl Default for Settings {
    /// The embedded defaults: loopback, in-memory cache, real AWS, no authentication.
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_listen: None,
            metrics_connector_cap: 1000,
            aws_endpoint_url: None,
            redis_url: None,
            redis_key_prefix: "connector-doctor:".to_owned(),
            cache_key_secret: None,
            cache_ttl_healthy: Duration::from_secs(300),
            cache_ttl_unhealthy: Duration::from_secs(60),
            cache_ttl_error: Duration::from_secs(15),
            refresh_floor: Duration::from_secs(10),
            report_retention: Duration::from_secs(24 * 3600),
            history_size: 50,
            memory_cache_entries: 10_000,
            api_tokens: ApiTokens::default(),
            allow_unauthenticated: false,
            rate_limit_per_minute: 300,
            rate_limit_burst: 60,
            max_cold_diagnoses: 64,
            body_timeout: Duration::from_secs(5),
            max_connections: 4096,
            max_connections_per_address: None,
            tls: None,
            log_format: LogFormat::Pretty,
            log_filter: "info".to_owned(),
            aws_call_timeout: Duration::from_secs(5),
            aws_connect_timeout: Duration::from_secs(3),
            diagnosis_deadline: Duration::from_secs(25),
            shutdown_timeout: Duration::from_secs(30),
            max_aws_calls_per_service_region: 4,
            max_aws_calls_in_flight: 256,
        }
    }
}

impl Settings {
    /// Reads flags (from `args`, the first being the program name), the environment and the optional file.
    pub fn load<I, T>(args: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let cli = SettingsLayer::parse_from(args);
        let file = match &cli.config {
            Some(path) => read_file(path)?,
            None => SettingsLayer::default(),
        };
        Self::from_layers(cli, file)
    }

    /// Merges two layers over the defaults: `first` wins over `second`.
    pub fn from_layers(first: SettingsLayer, second: SettingsLayer) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let duration = |a: Option<DurationSetting>, b: Option<DurationSetting>, d: Duration| {
            a.or(b).map_or(d, |setting| setting.0)
        };
        let settings = Self {
            listen: first.listen.or(second.listen).unwrap_or(defaults.listen),
            metrics_listen: first.metrics_listen.or(second.metrics_listen),
            metrics_connector_cap: first
                .metrics_connector_cap
                .or(second.metrics_connector_cap)
                .unwrap_or(defaults.metrics_connector_cap),
            aws_endpoint_url: first.aws_endpoint_url.or(second.aws_endpoint_url),
            redis_url: first.redis_url.or(second.redis_url),
            redis_key_prefix: first
                .redis_key_prefix
                .or(second.redis_key_prefix)
                .unwrap_or(defaults.redis_key_prefix),
            cache_key_secret: first.cache_key_secret.or(second.cache_key_secret),
            cache_ttl_healthy: duration(
                first.cache_ttl_healthy,
                second.cache_ttl_healthy,
                defaults.cache_ttl_healthy,
            ),
            cache_ttl_unhealthy: duration(
                first.cache_ttl_unhealthy,
                second.cache_ttl_unhealthy,
                defaults.cache_ttl_unhealthy,
            ),
            cache_ttl_error: duration(
                first.cache_ttl_error,
                second.cache_ttl_error,
                defaults.cache_ttl_error,
            ),
            refresh_floor: duration(
                first.refresh_floor,
                second.refresh_floor,
                defaults.refresh_floor,
            ),
            report_retention: duration(
                first.report_retention,
                second.report_retention,
                defaults.report_retention,
            ),
            history_size: first
                .history_size
                .or(second.history_size)
                .unwrap_or(defaults.history_size),
            memory_cache_entries: first
                .memory_cache_entries
                .or(second.memory_cache_entries)
                .unwrap_or(defaults.memory_cache_entries),
            api_tokens: read_tokens(
                first.api_tokens.or(second.api_tokens),
                first.api_tokens_file.or(second.api_tokens_file),
            )?,
            allow_unauthenticated: first
                .allow_unauthenticated
                .or(second.allow_unauthenticated)
                .unwrap_or(defaults.allow_unauthenticated),
            rate_limit_per_minute: first
                .rate_limit_per_minute
                .or(second.rate_limit_per_minute)
                .unwrap_or(defaults.rate_limit_per_minute),
            rate_limit_burst: first
                .rate_limit_burst
                .or(second.rate_limit_burst)
                .unwrap_or(defaults.rate_limit_burst),
            max_cold_diagnoses: first
                .max_cold_diagnoses
                .or(second.max_cold_diagnoses)
                .unwrap_or(defaults.max_cold_diagnoses),
            body_timeout: duration(
                first.body_timeout,
                second.body_timeout,
                defaults.body_timeout,
            ),
            max_connections: first
                .max_connections
                .or(second.max_connections)
                .unwrap_or(defaults.max_connections),
            max_connections_per_address: first
                .max_connections_per_address
                .or(second.max_connections_per_address),
            tls: match (
                first.tls_cert.or(second.tls_cert),
                first.tls_key.or(second.tls_key),
            ) {
                (Some(cert), Some(key)) => Some((cert, key)),
                (None, None) => None,
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "tls-cert",
                        message: "--tls-cert and --tls-key go together".to_owned(),
                    });
                }
            },
            log_format: first
                .log_format
                .or(second.log_format)
                .unwrap_or(defaults.log_format),
            log_filter: first
                .log_filter
                .or(second.log_filter)
                .unwrap_or(defaults.log_filter),
            aws_call_timeout: duration(
                first.aws_call_timeout,
                second.aws_call_timeout,
                defaults.aws_call_timeout,
            ),
            aws_connect_timeout: duration(
                first.aws_connect_timeout,
                second.aws_connect_timeout,
                defaults.aws_connect_timeout,
            ),
            diagnosis_deadline: duration(
                first.diagnosis_deadline,
                second.diagnosis_deadline,
                defaults.diagnosis_deadline,
            ),
            shutdown_timeout: duration(
                first.shutdown_timeout,
                second.shutdown_timeout,
                defaults.shutdown_timeout,
            ),
            max_aws_calls_per_service_region: first
                .max_aws_calls_per_service_region
                .or(second.max_aws_calls_per_service_region)
                .unwrap_or(defaults.max_aws_calls_per_service_region),
            max_aws_calls_in_flight: first
                .max_aws_calls_in_flight
                .or(second.max_aws_calls_in_flight)
                .unwrap_or(defaults.max_aws_calls_in_flight),
        };
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.aws_endpoint_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                name: "aws-endpoint-url",
                message: "must start with http:// or https://".to_owned(),
            });
        }
        if let Some(url) = &self.redis_url {
            let url = url.expose();
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return Err(ConfigError::Invalid {
                    name: "redis-url",
                    message: "must start with redis:// or rediss://".to_owned(),
                });
            }
        }
        for (name, value) in [
            ("history-size", self.history_size),
            ("metrics-connector-cap", self.metrics_connector_cap),
            ("max-cold-diagnoses", self.max_cold_diagnoses),
            ("rate-limit-per-minute", self.rate_limit_per_minute as usize),
            ("rate-limit-burst", self.rate_limit_burst as usize),
            ("memory-cache-entries", self.memory_cache_entries),
            (
                "max-aws-calls-per-service-region",
                self.max_aws_calls_per_service_region,
            ),
            ("max-aws-calls-in-flight", self.max_aws_calls_in_flight),
            ("max-connections", self.max_connections),
            (
                "max-connections-per-address",
                self.max_connections_per_address.unwrap_or(1),
            ),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    name,
                    message: "must be at least 1".to_owned(),
                });
            }
        }
        for (name, value) in [
            ("aws-call-timeout", self.aws_call_timeout),
            ("aws-connect-timeout", self.aws_connect_timeout),
            ("diagnosis-deadline", self.diagnosis_deadline),
            ("body-timeout", self.body_timeout),
        ] {
            if value.is_zero() {
                return Err(ConfigError::Invalid {
                    name,
                    message: "must be longer than zero".to_owned(),
                });
            }
        }
        Ok(())
    }
}

/// Tokens from the flag and from the file, together.
fn read_tokens(inline: Option<Secret>, file: Option<PathBuf>) -> Result<ApiTokens, ConfigError> {
    let invalid = |error: crate::security::TokenError| ConfigError::Invalid {
        name: "api-tokens",
        message: error.to_string(),
    };
    let mut tokens = match inline {
        Some(text) => ApiTokens::parse(&text).map_err(invalid)?,
        None => ApiTokens::default(),
    };
    if let Some(path) = file {
        let text = std::fs::read_to_string(&path)
            .map_err(|source| ConfigError::ReadFile { path, source })?;
        tokens.extend(ApiTokens::parse(&Secret::new(text)).map_err(invalid)?);
    }
    Ok(tokens)
}

fn read_file(path: &Path) -> Result<SettingsLayer, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|error| ConfigError::ParseFile {
        path: path.to_owned(),
        message: error.message().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(args: &[&str]) -> SettingsLayer {
        SettingsLayer::try_parse_from(
            std::iter::once("connector-doctor").chain(args.iter().copied()),
        )
        .expect("valid flags")
    }

    #[test]
    fn durations_accept_units_and_bare_seconds() {
        assert_eq!(
            "250ms".parse::<DurationSetting>().unwrap().0,
            Duration::from_millis(250)
        );
        assert_eq!(
            "5s".parse::<DurationSetting>().unwrap().0,
            Duration::from_secs(5)
        );
        assert_eq!(
            "2m".parse::<DurationSetting>().unwrap().0,
            Duration::from_secs(120)
        );
        assert_eq!(
            "7".parse::<DurationSetting>().unwrap().0,
            Duration::from_secs(7)
        );
        assert!("5 parsecs".parse::<DurationSetting>().is_err());
        assert!("".parse::<DurationSetting>().is_err());
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let file: SettingsLayer = toml::from_str(
            "listen = \"0.0.0.0:9000\"\naws_call_timeout = \"9s\"\ndiagnosis_deadline = 40\n",
        )
        .unwrap();
        let settings = Settings::from_layers(layer(&["--aws-call-timeout", "2s"]), file).unwrap();
        assert_eq!(settings.aws_call_timeout, Duration::from_secs(2));
        assert_eq!(settings.listen, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(settings.diagnosis_deadline, Duration::from_secs(40));
        assert_eq!(settings.shutdown_timeout, Duration::from_secs(30));
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        assert!(toml::from_str::<SettingsLayer>("lisen = \"0.0.0.0:1\"").is_err());
    }

    #[test]
    fn a_redis_url_must_name_a_redis_scheme() {
        let error = Settings::from_layers(
            layer(&["--redis-url", "http://x"]),
            SettingsLayer::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("redis-url"));
    }

    #[test]
    fn debug_output_hides_the_redis_password_and_the_key_secret() {
        let settings = Settings::from_layers(
            layer(&[
                "--redis-url",
                "redis://:hunter2@h:6379",
                "--cache-key-secret",
                "s3cr3t-k3y",
            ]),
            SettingsLayer::default(),
        )
        .unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter2"));
        assert!(!printed.contains("s3cr3t-k3y"));
    }

    #[test]
    fn an_endpoint_url_must_be_http() {
        let error = Settings::from_layers(
            layer(&["--aws-endpoint-url", "ftp://x"]),
            SettingsLayer::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("aws-endpoint-url"));
    }
}
