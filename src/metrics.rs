//! Prometheus metrics: one registry per service, every metric under `connector_doctor_` with help
//! text. Labels are bounded: route templates (never raw paths), check ids, catalogue codes, AWS
//! services, operations and regions from fixed tables, and a capped set of connector ids.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::aws::{AwsError, AwsErrorKind, AwsService};
use crate::catalogue::aws_mapping;
use crate::domain::{
    CheckId, CheckStatus, Code, Connection, Diagnosis, HealthStatus, MemberRegions, Region,
    Severity, wire_word,
};

/// The cache backends, as the `backend` label names them.
const CACHE_BACKENDS: [&str; 2] = ["memory", "redis"];

/// Why a request was refused before any work: the `reason` label of `rejected_requests_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// No or an unknown bearer token.
    Unauthorized,
    /// The caller's rate limit is spent.
    RateLimited,
    /// A missing or unknown token from a client address over its limit of failed authentications.
    FailedAuthentications,
    /// Too many cold diagnoses in flight.
    Overloaded,
    /// A request the service cannot read as meant (two `Authorization` headers).
    BadRequest,
    /// A connection over the total cap.
    Connections,
    /// A connection over the per-address cap.
    ConnectionsPerAddress,
    /// A header section over the limit.
    HeadersTooLarge,
}

impl Rejection {
    /// Every reason.
    pub const ALL: [Rejection; 8] = [
        Rejection::Unauthorized,
        Rejection::RateLimited,
        Rejection::FailedAuthentications,
        Rejection::Overloaded,
        Rejection::BadRequest,
        Rejection::Connections,
        Rejection::ConnectionsPerAddress,
        Rejection::HeadersTooLarge,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::Unauthorized => "unauthorized",
            Rejection::RateLimited => "rate_limited",
            Rejection::FailedAuthentications => "failed_authentications",
            Rejection::Overloaded => "overloaded",
            Rejection::BadRequest => "bad_request",
            Rejection::Connections => "connections",
            Rejection::ConnectionsPerAddress => "connections_per_address",
            Rejection::HeadersTooLarge => "headers_too_large",
        }
    }
}

/// Settings of the metrics.
#[derive(Debug, Clone, clap::Args)]
pub struct MetricsSettings {
    /// Most connectors with a status series in `/metrics`; the least recently seen go first.
    #[arg(long, default_value = "1000", value_parser = crate::setting_values::positive)]
    pub metrics_connector_cap: usize,
}

const NAMESPACE: &str = "connector_doctor";

/// Latency buckets from a cache hit (sub-millisecond) to a diagnosis at its deadline.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0,
];

/// Every metric of the service.
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    diagnosis: DiagnosisFamilies,
    aws: AwsFamilies,
    cache_requests: IntCounterVec,
    cache_errors: IntCounterVec,
    single_flight_joins: IntCounter,
    in_flight: IntGauge,
    waiting: IntGauge,
    rejected: IntCounterVec,
    failed_authentications: IntCounter,
    connector_status: IntGaugeVec,
    connector_member_regions: IntGaugeVec,
    member_regions: IntGaugeVec,
    /// Tenant and connector id of each status series: when each was last seen, and the
    /// member-regions its last diagnosis of an administrator counted (in `member_regions`).
    connectors: Mutex<HashMap<(String, String), Seen>>,
    connector_cap: usize,
}

/// What the metrics keep of one connector.
#[derive(Debug, Clone, Copy)]
struct Seen {
    at: Instant,
    member_regions: Option<MemberRegions>,
}

fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let metric = IntCounterVec::new(Opts::new(name, help).namespace(NAMESPACE), labels)
        .unwrap_or_else(|error| panic!("metric {name} is malformed: {error}"));
    register(registry, metric)
}

fn histogram(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> HistogramVec {
    let opts = HistogramOpts::new(name, help)
        .namespace(NAMESPACE)
        .buckets(SECONDS_BUCKETS.to_vec());
    register(
        registry,
        HistogramVec::new(opts, labels)
            .unwrap_or_else(|error| panic!("metric {name} is malformed: {error}")),
    )
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    register(
        registry,
        IntGauge::with_opts(Opts::new(name, help).namespace(NAMESPACE))
            .unwrap_or_else(|error| panic!("metric {name} is malformed: {error}")),
    )
}

fn register<M: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: M) -> M {
    // Names are fixed in this file and registered once per registry: a clash is a bug
    // that every test run would show at once.
    registry
        .register(Box::new(metric.clone()))
        .unwrap_or_else(|error| panic!("metric registration failed: {error}"));
    metric
}

/// The families of the AWS calls: what they cost, how they ended, how long they waited for their
/// account's budget, and what they read of CloudTrail's record.
struct AwsFamilies {
    calls: IntCounterVec,
    duration: HistogramVec,
    errors: IntCounterVec,
    throttles: IntCounterVec,
    budget_waits: HistogramVec,
    lookup_pages: IntCounterVec,
    denial_events_kept: IntCounterVec,
}

impl AwsFamilies {
    fn register(r: &Registry) -> Self {
        Self {
            calls: counter(
                r,
                "aws_calls_total",
                "AWS calls by service, operation, region and outcome (ok or an error class).",
                &["service", "operation", "region", "outcome"],
            ),
            duration: histogram(
                r,
                "aws_call_duration_seconds",
                "AWS call duration, retries included, by service, operation and region.",
                &["service", "operation", "region"],
            ),
            errors: counter(
                r,
                "aws_errors_total",
                "Failed AWS calls by service and AWS error code.",
                &["service", "code"],
            ),
            throttles: counter(
                r,
                "aws_throttles_total",
                "AWS calls that stayed throttled after the SDK's retries, by service.",
                &["service"],
            ),
            budget_waits: histogram(
                r,
                "aws_budget_wait_seconds",
                "Time AWS calls waited for the per-account, per-region budget of their API, by bucket of APIs AWS counts together.",
                &["api"],
            ),
            lookup_pages: counter(
                r,
                "observed_lookup_pages_total",
                "Pages of CloudTrail LookupEvents read for the connectors' own calls, by region.",
                &["region"],
            ),
            denial_events_kept: counter(
                r,
                "observed_denial_events_total",
                "Events of the connectors' own calls that CloudTrail recorded failing and the diagnoses kept, by region.",
                &["region"],
            ),
        }
    }
}

/// The families of fresh diagnoses: per connection, check and finding, and their duration.
struct DiagnosisFamilies {
    connections: IntCounterVec,
    checks: IntCounterVec,
    findings: IntCounterVec,
    duration: Histogram,
}

impl DiagnosisFamilies {
    fn register(r: &Registry) -> Self {
        Self {
            connections: counter(
                r,
                "diagnoses_total",
                "Fresh diagnoses by requested connection and that connection's status.",
                &["connection", "status"],
            ),
            checks: counter(
                r,
                "check_results_total",
                "Check results of fresh diagnoses by check and status.",
                &["check", "status"],
            ),
            findings: counter(
                r,
                "findings_total",
                "Findings of fresh diagnoses by catalogue code and severity.",
                &["code", "severity"],
            ),
            duration: plain_histogram(
                r,
                "diagnosis_duration_seconds",
                "Duration of fresh (uncached) diagnoses.",
            ),
        }
    }
}

/// A counter without labels.
fn plain_counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let metric = IntCounter::with_opts(Opts::new(name, help).namespace(NAMESPACE))
        .unwrap_or_else(|error| panic!("metric {name} is malformed: {error}"));
    register(registry, metric)
}

/// A histogram of seconds without labels.
fn plain_histogram(registry: &Registry, name: &str, help: &str) -> Histogram {
    let opts = HistogramOpts::new(name, help)
        .namespace(NAMESPACE)
        .buckets(SECONDS_BUCKETS.to_vec());
    let metric = Histogram::with_opts(opts)
        .unwrap_or_else(|error| panic!("metric {name} is malformed: {error}"));
    register(registry, metric)
}

/// A gauge with labels.
fn gauge_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    let metric = IntGaugeVec::new(Opts::new(name, help).namespace(NAMESPACE), labels)
        .unwrap_or_else(|error| panic!("metric {name} is malformed: {error}"));
    register(registry, metric)
}

impl Metrics {
    /// A fresh registry with every metric; `connector_cap` bounds the per-connector series.
    pub fn new(connector_cap: usize) -> Self {
        let registry = Registry::new();
        let r = &registry;
        gauge_vec(
            r,
            "build_info",
            "Build of the running service; always 1.",
            &["version"],
        )
        .with_label_values(&[env!("CARGO_PKG_VERSION")])
        .set(1);
        let metrics = Self {
            http_requests: counter(
                r,
                "http_requests_total",
                "HTTP requests by route template, method and status.",
                &["route", "method", "status"],
            ),
            http_duration: histogram(
                r,
                "http_request_duration_seconds",
                "HTTP request duration by route template and method.",
                &["route", "method"],
            ),
            diagnosis: DiagnosisFamilies::register(r),
            aws: AwsFamilies::register(r),
            cache_requests: counter(
                r,
                "cache_requests_total",
                "Cache look-ups by backend and result (hit or miss).",
                &["backend", "result"],
            ),
            cache_errors: counter(
                r,
                "cache_errors_total",
                "Failed cache operations by backend.",
                &["backend"],
            ),
            rejected: counter(
                r,
                "rejected_requests_total",
                "Requests refused before any work, by reason (unauthorized, rate_limited, failed_authentications, overloaded, ...).",
                &["reason"],
            ),
            failed_authentications: plain_counter(
                r,
                "failed_authentications_total",
                "Requests to /v1 with a missing or unknown token, answered 401 or, from a client address over its limit, 429.",
            ),
            single_flight_joins: plain_counter(
                r,
                "single_flight_joins_total",
                "Requests that joined an identical diagnosis already running instead of starting one.",
            ),
            in_flight: gauge(r, "diagnoses_in_flight", "Cold diagnoses running now."),
            waiting: gauge(
                r,
                "diagnoses_waiting",
                "Cold diagnoses admitted and waiting in line for a place to run.",
            ),
            connector_status: gauge_vec(
                r,
                "connector_status",
                "Last status of each connector of each tenant: 0 healthy, 1 degraded, 2 unhealthy (capped set of connectors).",
                &["tenant", "connector_id"],
            ),
            connector_member_regions: gauge_vec(
                r,
                "connector_member_regions",
                "Member-regions of each administrator connector's organization by coverage (covered, no_data, not_member, not_checked), from its last diagnosis (capped set of connectors).",
                &["tenant", "connector_id", "status"],
            ),
            member_regions: gauge_vec(
                r,
                "organization_member_regions",
                "Member-regions by coverage over every connector the metrics keep (covered, no_data, not_member, not_checked).",
                &["status"],
            ),
            connectors: Mutex::new(HashMap::new()),
            connector_cap: connector_cap.max(1),
            registry: registry.clone(),
        };
        metrics.start_at_zero();
        metrics
    }

    /// Creates every series of the known label sets at zero, so a dashboard shows 0 rather
    /// than "No data" before the first event (and `rate()` sees the first one). The families
    /// labelled by route and status, by operation and region, by AWS error code or by connector
    /// cannot be known ahead: they appear with their first event (the metrics section of
    /// docs/observability.md lists them).
    fn start_at_zero(&self) {
        for (status, _) in MemberRegions::default().counts() {
            self.member_regions.with_label_values(&[status]);
        }
        for reason in Rejection::ALL {
            self.rejected.with_label_values(&[reason.as_str()]);
        }
        for backend in CACHE_BACKENDS {
            self.cache_errors.with_label_values(&[backend]);
            for result in ["hit", "miss"] {
                self.cache_requests.with_label_values(&[backend, result]);
            }
        }
        for service in AwsService::ALL {
            self.aws.throttles.with_label_values(&[service.name()]);
            for bucket in service.rate_buckets() {
                self.aws.budget_waits.with_label_values(&[bucket]);
            }
        }
        for region in Region::table() {
            self.aws.lookup_pages.with_label_values(&[region.name()]);
            self.aws
                .denial_events_kept
                .with_label_values(&[region.name()]);
        }
        for code in Code::ALL {
            for severity in Severity::ALL {
                self.diagnosis
                    .findings
                    .with_label_values(&[code.as_str(), &wire_word(&severity)]);
            }
        }
        for connection in Connection::ALL {
            for status in [
                HealthStatus::Healthy,
                HealthStatus::Degraded,
                HealthStatus::Unhealthy,
            ] {
                self.diagnosis
                    .connections
                    .with_label_values(&[connection.as_str(), &wire_word(&status)]);
            }
        }
        for check in CheckId::ALL {
            for status in CheckStatus::ALL {
                self.diagnosis
                    .checks
                    .with_label_values(&[&wire_word(&check), &wire_word(&status)]);
            }
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::warn!(%error, "cannot encode metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }

    /// One served HTTP request.
    pub fn http_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        self.http_requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        self.http_duration
            .with_label_values(&[route, method])
            .observe(elapsed.as_secs_f64());
    }

    /// One AWS call and how it ended.
    pub fn aws_call<T>(
        &self,
        service: &str,
        operation: &str,
        region: Region,
        result: &Result<T, AwsError>,
        elapsed: Duration,
    ) {
        let outcome = match result {
            Ok(_) => "ok",
            Err(error) => {
                let code = error.code.as_deref().unwrap_or("none");
                self.aws.errors.with_label_values(&[service, code]).inc();
                let class = error_class(error);
                if class == "throttled" {
                    self.aws.throttles.with_label_values(&[service]).inc();
                }
                class
            }
        };
        self.aws
            .calls
            .with_label_values(&[service, operation, region.name(), outcome])
            .inc();
        self.aws
            .duration
            .with_label_values(&[service, operation, region.name()])
            .observe(elapsed.as_secs_f64());
    }

    /// One page of LookupEvents read in `region`, and how many of its events were kept.
    pub fn lookup_page(&self, region: Region, kept: usize) {
        self.aws
            .lookup_pages
            .with_label_values(&[region.name()])
            .inc();
        self.aws
            .denial_events_kept
            .with_label_values(&[region.name()])
            .inc_by(kept as u64);
    }

    /// A call of `api` that waited `waited` for its account's budget.
    pub fn budget_wait(&self, api: &str, waited: Duration) {
        self.aws
            .budget_waits
            .with_label_values(&[api])
            .observe(waited.as_secs_f64());
    }

    /// A fresh diagnosis of `tenant`: its connections, checks, findings, duration and connector status.
    pub fn diagnosis(&self, tenant: &str, diagnosis: &Diagnosis) {
        for (connection, report) in &diagnosis.connections {
            self.diagnosis
                .connections
                .with_label_values(&[connection.as_str(), &wire_word(&report.status)])
                .inc();
        }
        for check in &diagnosis.checks {
            self.diagnosis
                .checks
                .with_label_values(&[&wire_word(&check.id), &wire_word(&check.status)])
                .inc();
        }
        for finding in &diagnosis.findings {
            self.diagnosis
                .findings
                .with_label_values(&[finding.code.as_str(), &wire_word(&finding.severity)])
                .inc();
        }
        self.diagnosis
            .duration
            .observe(diagnosis.duration_ms as f64 / 1000.0);
        if let Some(connector_id) = &diagnosis.connector_id {
            let member_regions = diagnosis
                .organization
                .as_ref()
                .filter(|organization| organization.role.administers())
                .map(|organization| organization.member_regions);
            self.connector_status(tenant, connector_id, diagnosis.status, member_regions);
        }
    }

    /// Sets a connector's status (and, for an administrator, its member-regions), evicting the
    /// least recently seen connector past the cap. Connectors are told apart by tenant: two
    /// tenants' connectors named alike are two series.
    fn connector_status(
        &self,
        tenant: &str,
        connector_id: &str,
        status: HealthStatus,
        member_regions: Option<MemberRegions>,
    ) {
        let mut seen = self
            .connectors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (tenant.to_owned(), connector_id.to_owned());
        let before = seen.insert(
            key,
            Seen {
                at: Instant::now(),
                member_regions,
            },
        );
        self.count_member_regions(before.and_then(|b| b.member_regions), -1);
        self.count_member_regions(member_regions, 1);
        while seen.len() > self.connector_cap {
            let Some((oldest, gone)) = seen
                .iter()
                .min_by_key(|(_, s)| s.at)
                .map(|(id, s)| (id.clone(), *s))
            else {
                break;
            };
            seen.remove(&oldest);
            self.count_member_regions(gone.member_regions, -1);
            let _ = self
                .connector_status
                .remove_label_values(&[&oldest.0, &oldest.1]);
            self.set_connector_member_regions(&oldest.0, &oldest.1, None);
        }
        let value = match status {
            HealthStatus::Healthy => 0,
            HealthStatus::Degraded => 1,
            HealthStatus::Unhealthy => 2,
        };
        self.connector_status
            .with_label_values(&[tenant, connector_id])
            .set(value);
        self.set_connector_member_regions(tenant, connector_id, member_regions);
    }

    /// A connector's member-regions series: set, or removed when it is no administrator.
    fn set_connector_member_regions(
        &self,
        tenant: &str,
        connector_id: &str,
        counts: Option<MemberRegions>,
    ) {
        for (status, count) in counts.unwrap_or_default().counts() {
            let labels = [tenant, connector_id, status];
            match counts {
                Some(_) => self
                    .connector_member_regions
                    .with_label_values(&labels)
                    .set(count as i64),
                None => {
                    let _ = self.connector_member_regions.remove_label_values(&labels);
                }
            }
        }
    }

    /// Adds (`sign` 1) or takes away (`-1`) a connector's member-regions from the fleet's.
    fn count_member_regions(&self, counts: Option<MemberRegions>, sign: i64) {
        for (status, count) in counts.into_iter().flat_map(|c| c.counts()) {
            self.member_regions
                .with_label_values(&[status])
                .add(sign * count as i64);
        }
    }

    /// A cache look-up.
    pub fn cache_lookup(&self, backend: &str, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.cache_requests
            .with_label_values(&[backend, result])
            .inc();
    }

    /// A failed cache operation.
    pub fn cache_error(&self, backend: &str) {
        self.cache_errors.with_label_values(&[backend]).inc();
    }

    /// A request that joined a running identical diagnosis.
    pub fn single_flight_join(&self) {
        self.single_flight_joins.inc();
    }

    /// A request refused before any work.
    pub fn rejected(&self, reason: Rejection) {
        self.rejected.with_label_values(&[reason.as_str()]).inc();
    }

    /// A request with a missing or unknown token.
    pub fn failed_authentication(&self) {
        self.failed_authentications.inc();
    }

    /// Counts a cold diagnosis as running until the returned guard is dropped.
    pub fn diagnosis_started(&self) -> InFlight<'_> {
        self.in_flight.inc();
        InFlight(&self.in_flight)
    }

    /// Counts a cold diagnosis as waiting in line until the returned guard is dropped.
    pub fn diagnosis_waiting(&self) -> InFlight<'_> {
        self.waiting.inc();
        InFlight(&self.waiting)
    }
}

/// Decrements the in-flight gauge when dropped (also when the request is cancelled).
pub struct InFlight<'a>(&'a IntGauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The error class of a failed AWS call, for the `outcome` label.
pub fn error_class(error: &AwsError) -> &'static str {
    match error.kind {
        AwsErrorKind::Timeout => return "timeout",
        AwsErrorKind::NoTurn => return "no_turn",
        AwsErrorKind::Unreachable => return "unreachable",
        AwsErrorKind::MalformedResponse => return "service_error",
        AwsErrorKind::Construction => return "client_error",
        AwsErrorKind::Service => {}
    }
    if aws_mapping::is_denial(error) {
        return "access_denied";
    }
    match aws_mapping::code_for(error, chrono::Utc::now()) {
        Code::AwsThrottled => "throttled",
        Code::RegionDisabled => "region_disabled",
        Code::AwsServiceError if error.http_status.is_some_and(|s| s >= 500) => "service_error",
        _ => "client_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_thousand_connectors_keep_at_most_the_cap_of_series() {
        let metrics = Metrics::new(1000);
        for i in 0..10_000 {
            metrics.connector_status(
                "acme",
                &format!("connector-{i}"),
                HealthStatus::Degraded,
                None,
            );
        }
        let series = metrics
            .render()
            .lines()
            .filter(|line| line.starts_with("connector_doctor_connector_status{"))
            .count();
        assert_eq!(series, 1000);
        // The most recently seen stay; the oldest went first.
        let text = metrics.render();
        assert!(text.contains("connector_id=\"connector-9999\""));
        assert!(!text.contains("connector_id=\"connector-0\""));
    }

    #[test]
    fn two_tenants_connectors_named_alike_are_two_series() {
        let metrics = Metrics::new(10);
        metrics.connector_status("acme", "prod", HealthStatus::Healthy, None);
        metrics.connector_status("bravo", "prod", HealthStatus::Unhealthy, None);
        let text = metrics.render();
        assert!(text.contains(
            "connector_doctor_connector_status{connector_id=\"prod\",tenant=\"acme\"} 0"
        ));
        assert!(text.contains(
            "connector_doctor_connector_status{connector_id=\"prod\",tenant=\"bravo\"} 2"
        ));
    }

    #[test]
    fn known_label_sets_start_at_zero() {
        let text = Metrics::new(10).render();
        for series in [
            "connector_doctor_rejected_requests_total{reason=\"rate_limited\"} 0",
            "connector_doctor_rejected_requests_total{reason=\"headers_too_large\"} 0",
            "connector_doctor_cache_errors_total{backend=\"redis\"} 0",
            "connector_doctor_cache_requests_total{backend=\"memory\",result=\"hit\"} 0",
            "connector_doctor_aws_throttles_total{service=\"securityhub\"} 0",
            "connector_doctor_diagnoses_total{connection=\"security_auditing\",status=\"unhealthy\"} 0",
            "connector_doctor_check_results_total{check=\"security_hub\",status=\"error\"} 0",
        ] {
            assert!(text.contains(series), "missing {series}");
        }
    }

    #[test]
    fn every_metric_has_help_text_and_the_namespace() {
        let metrics = Metrics::new(10);
        metrics.rejected(Rejection::Unauthorized);
        let text = metrics.render();
        for line in text.lines().filter(|l| l.starts_with("# HELP")) {
            let name = line.split_whitespace().nth(2).unwrap_or_default();
            assert!(name.starts_with("connector_doctor_"), "{name}");
            assert!(line.split_whitespace().count() > 3, "{name} has help text");
        }
        assert!(text.contains("connector_doctor_build_info{version="));
    }

    #[test]
    fn member_regions_follow_each_connector_and_leave_with_it() {
        let metrics = Metrics::new(1);
        let counts = |covered, not_member| MemberRegions {
            covered,
            no_data: 0,
            not_member,
            not_checked: 0,
        };
        let fleet = |metrics: &Metrics, status: &str| {
            metrics.member_regions.with_label_values(&[status]).get()
        };
        assert_eq!(fleet(&metrics, "covered"), 0);
        metrics.connector_status("acme", "org", HealthStatus::Degraded, Some(counts(30, 4)));
        metrics.connector_status("acme", "org", HealthStatus::Degraded, Some(counts(32, 2)));
        assert_eq!(fleet(&metrics, "covered"), 32);
        assert_eq!(fleet(&metrics, "not_member"), 2);
        let series = |metrics: &Metrics| {
            prometheus::core::Collector::collect(&metrics.connector_member_regions)[0]
                .get_metric()
                .len()
        };
        assert_eq!(series(&metrics), 4);
        // Past the cap of one connector, the administrator's series leave with it.
        metrics.connector_status("acme", "standalone", HealthStatus::Healthy, None);
        assert_eq!(fleet(&metrics, "covered"), 0);
        assert_eq!(fleet(&metrics, "not_member"), 0);
        assert_eq!(series(&metrics), 0);
    }
}
