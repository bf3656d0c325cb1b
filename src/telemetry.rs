//! Logging: the `RUST_LOG` filter, JSON or pretty lines, and caps that keep secrets out.

use tracing::Level;
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

use crate::config::{LogFormat, Settings};

/// Targets that print signed requests, headers or bodies at debug and trace
/// (`aws_sigv4` prints the canonical request with the session token): never below `info`.
const CAPPED_TARGETS: &[&str] = &[
    "aws_sigv4",
    "aws_smithy_",
    "aws_sdk_",
    "aws_config",
    "aws_credential_types",
    "aws_runtime",
    "hyper",
    "h2",
    "rustls",
    "reqwest",
    "redis",
];

/// Whether a log event of `target` at `level` may be written whatever the filter says.
pub fn allowed(target: &str, level: &Level) -> bool {
    let capped = CAPPED_TARGETS
        .iter()
        .any(|prefix| target.starts_with(prefix));
    !capped || *level <= Level::INFO
}

/// Installs the global subscriber; call once, first thing in `main`.
pub fn init(settings: &Settings) {
    let filter = EnvFilter::try_new(&settings.log_filter).unwrap_or_else(|error| {
        eprintln!(
            "invalid log filter {:?} ({error}); using `info`",
            settings.log_filter
        );
        EnvFilter::new("info")
    });
    let filter = filter.and(filter_fn(|meta| allowed(meta.target(), meta.level())));
    let layer = match settings.log_format {
        LogFormat::Json => fmt::layer().json().with_current_span(true).boxed(),
        LogFormat::Pretty => fmt::layer().boxed(),
    };
    tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_and_transport_targets_are_capped_at_info() {
        assert!(!allowed("aws_sigv4::http_request::sign", &Level::TRACE));
        assert!(!allowed(
            "aws_smithy_runtime::client::orchestrator",
            &Level::DEBUG
        ));
        assert!(!allowed("hyper_util::client", &Level::DEBUG));
        assert!(allowed("aws_sigv4", &Level::INFO));
        assert!(allowed("connector_doctor::probes", &Level::TRACE));
    }
}
