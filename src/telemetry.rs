//! Logging: the `RUST_LOG` filter, JSON or pretty lines, caps that keep secrets out, and a
//! writer thread so that request threads never wait on standard output.

use std::io::BufWriter;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::Level;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line, for log pipelines.
    Json,
    /// Human-readable lines, for a terminal.
    Pretty,
}

/// Settings of the logs.
#[derive(Debug, Clone, clap::Args)]
pub struct LogSettings {
    /// Log format.
    #[arg(long, value_enum, default_value = "pretty")]
    pub log_format: LogFormat,

    /// Log filter in the `tracing` syntax; noisy AWS and HTTP targets stay capped at `info`.
    #[arg(long = "log-filter", env = "RUST_LOG", default_value = "info")]
    pub log_filter: String,
}

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
    !capped && !is_client_protocol_error(target, level) || capped && *level <= Level::INFO
}

/// actix-http writes a malformed request or a connection broken mid-request as an `ERROR`
/// (`stream error: ...`): anyone could fill the logs, and page an operator, at will. Such
/// events are counted instead, and [`report_protocol_errors`] writes one `warn` with the count.
fn is_client_protocol_error(target: &str, level: &Level) -> bool {
    target.starts_with("actix_http") && *level <= Level::WARN
}

/// Protocol errors seen since the last report.
static PROTOCOL_ERRORS: AtomicU64 = AtomicU64::new(0);

/// Counts the protocol errors that the written log leaves out.
struct ProtocolErrorCounter;

impl<S: tracing::Subscriber> Layer<S> for ProtocolErrorCounter {
    fn on_event(&self, _: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        PROTOCOL_ERRORS.fetch_add(1, Ordering::Relaxed);
    }
}

/// Writes at most one `warn` per `interval` with the number of malformed requests and broken
/// connections since the last one; runs until the process ends.
pub async fn report_protocol_errors(interval: std::time::Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let count = PROTOCOL_ERRORS.swap(0, Ordering::Relaxed);
        if count > 0 {
            tracing::warn!(
                count,
                "malformed requests or connections broken mid-request since the last report"
            );
        }
    }
}

/// Keeps the log writer running; dropping it writes out every queued line.
#[must_use = "logs queued when the guard is dropped are written, later ones are lost"]
pub struct LogGuard {
    _writer: WorkerGuard,
}

/// Installs the global subscriber; call once, first thing in `main`, and hold the guard
/// until the end of `main`.
pub fn init(settings: &LogSettings) -> LogGuard {
    let filter = EnvFilter::try_new(&settings.log_filter).unwrap_or_else(|error| {
        eprintln!(
            "invalid log filter {:?} ({error}); using `info`",
            settings.log_filter
        );
        EnvFilter::new("info")
    });
    let filter = filter.and(filter_fn(|meta| allowed(meta.target(), meta.level())));
    // Lines go through a queue to one thread that writes them in batches: a line per request
    // written under the stdout lock by each worker cost about a third of the cache-hit
    // throughput. Not lossy: when the queue is full a request thread waits, no line is dropped.
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("log-writer")
        .finish(BufWriter::new(std::io::stdout()));
    let layer = match settings.log_format {
        LogFormat::Json => fmt::layer()
            .json()
            .with_current_span(true)
            // The request span is the only span: listing it a second time only costs.
            .with_span_list(false)
            .with_writer(writer)
            .boxed(),
        LogFormat::Pretty => fmt::layer().with_writer(writer).boxed(),
    };
    let counted = filter_fn(|meta| is_client_protocol_error(meta.target(), meta.level()));
    tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .with(ProtocolErrorCounter.with_filter(counted))
        .init();
    LogGuard { _writer: guard }
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
        assert!(!allowed("actix_http::h1::dispatcher", &Level::ERROR));
        assert!(allowed("actix_http::h1::dispatcher", &Level::INFO));
    }
}
