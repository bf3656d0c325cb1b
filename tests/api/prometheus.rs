//! The Grafana dashboards and alert rules of `dashboards/` against a real Prometheus: the app runs a
//! set of diagnoses against the scripted fake AWS, Prometheus scrapes its `/metrics` every second,
//! and every query of every panel and rule must run and every metric they name must have samples.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use connector_doctor::domain::{Code, Diagnosis, HealthStatus, Secret};
use serde_json::{Value, json};
use wiremock::Mock;
use wiremock::matchers::{body_string_contains, header_regex, method, path};

use crate::helpers::app::{has_finding, parse_diagnosis};
use crate::helpers::fake_aws::{GatedAws, sts_error_body, unknown_key};
use crate::helpers::fake_regions::{healthy_account, json_error, json_response, signed_for};
use crate::helpers::process::free_port;
use crate::helpers::prometheus::{Prometheus, promtool};
use crate::helpers::{EXAMPLE_KEY_ID, EXAMPLE_SECRET, FakeAws, FakeIdentity, RequestBody, TestApp};

const DASHBOARDS: [&str; 3] = ["overview.json", "aws-api.json", "service.json"];

/// The metric families the service promises (docs/observability.md, Metrics), with their types.
const SPEC: [(&str, &str); 23] = [
    ("connector_doctor_http_requests_total", "counter"),
    (
        "connector_doctor_http_request_duration_seconds",
        "histogram",
    ),
    ("connector_doctor_diagnoses_total", "counter"),
    ("connector_doctor_diagnosis_duration_seconds", "histogram"),
    ("connector_doctor_check_results_total", "counter"),
    ("connector_doctor_findings_total", "counter"),
    ("connector_doctor_aws_calls_total", "counter"),
    ("connector_doctor_aws_call_duration_seconds", "histogram"),
    ("connector_doctor_aws_errors_total", "counter"),
    ("connector_doctor_aws_throttles_total", "counter"),
    ("connector_doctor_cache_requests_total", "counter"),
    ("connector_doctor_cache_errors_total", "counter"),
    ("connector_doctor_single_flight_joins_total", "counter"),
    ("connector_doctor_diagnoses_in_flight", "gauge"),
    ("connector_doctor_diagnoses_waiting", "gauge"),
    ("connector_doctor_rejected_requests_total", "counter"),
    ("connector_doctor_build_info", "gauge"),
    ("connector_doctor_connector_status", "gauge"),
    ("connector_doctor_connector_member_regions", "gauge"),
    ("connector_doctor_organization_member_regions", "gauge"),
    ("connector_doctor_observed_lookup_pages_total", "counter"),
    ("connector_doctor_observed_denial_events_total", "counter"),
    ("connector_doctor_aws_budget_wait_seconds", "histogram"),
];

/// Labels whose values grow with new checks, finding codes, services, regions and connectors: the
/// dashboards group by them and never pick one value, so a new one needs no dashboard change.
const OPEN_LABELS: [&str; 6] = [
    "check",
    "code",
    "service",
    "region",
    "operation",
    "connector_id",
];

/// The caller token of the main app (tenant `metrics`).
const TOKEN: &str = "metrics-token";
/// A well-formed key id the fake AWS does not know (`InvalidClientTokenId`).
const UNKNOWN_KEY: &str = "AKIAUNKNOWNKEY000000";
/// A key id whose identity call the fake AWS answers after [`SLOW_IDENTITY`].
const SLOW_KEY: &str = "AKIASLOWKEY000000000";
const SLOW_IDENTITY: Duration = Duration::from_secs(3);

fn dashboards_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards")
}

fn alerts_file() -> PathBuf {
    dashboards_dir().join("alerts.yaml")
}

fn load_dashboard(name: &str) -> Value {
    let file = dashboards_dir().join(name);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{name} is not JSON: {error}"))
}

/// Every panel of a dashboard, the panels inside rows included.
fn panels(dashboard: &Value) -> Vec<&Value> {
    fn walk<'a>(list: &'a Value, into: &mut Vec<&'a Value>) {
        for panel in list.as_array().into_iter().flatten() {
            into.push(panel);
            walk(&panel["panels"], into);
        }
    }
    let mut all = Vec::new();
    walk(&dashboard["panels"], &mut all);
    all
}

/// One PromQL expression and where it comes from.
struct Query {
    source: String,
    expr: String,
}

fn dashboard_queries() -> Vec<Query> {
    let mut queries = Vec::new();
    for name in DASHBOARDS {
        let dashboard = load_dashboard(name);
        let panels = panels(&dashboard);
        assert!(!panels.is_empty(), "{name} has no panel");
        for panel in panels {
            for target in panel["targets"].as_array().into_iter().flatten() {
                if let Some(expr) = target["expr"].as_str() {
                    queries.push(Query {
                        source: format!("{name}: {} ({})", panel["title"], target["refId"]),
                        expr: expr.to_owned(),
                    });
                }
            }
        }
    }
    queries
}

/// Grafana's built-in interval variables replaced by what Grafana would send; an error names any
/// other variable left in the expression.
fn to_promql(expr: &str) -> Result<String, String> {
    // Longer names first: `$__range` is a prefix of `$__range_s`.
    const VARIABLES: [(&str, &str); 12] = [
        ("${__rate_interval}", "1m"),
        ("$__rate_interval", "1m"),
        ("${__interval_ms}", "15000"),
        ("$__interval_ms", "15000"),
        ("${__interval}", "15s"),
        ("$__interval", "15s"),
        ("${__range_ms}", "300000"),
        ("$__range_ms", "300000"),
        ("${__range_s}", "300"),
        ("$__range_s", "300"),
        ("${__range}", "5m"),
        ("$__range", "5m"),
    ];
    let mut promql = expr.to_owned();
    for (variable, value) in VARIABLES {
        promql = promql.replace(variable, value);
    }
    match promql.find('$') {
        Some(at) => Err(format!("unknown variable at `{}`", &promql[at..])),
        None => Ok(promql),
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// The `connector_doctor_*` metric names an expression reads.
fn metric_names(expr: &str) -> BTreeSet<String> {
    expr.match_indices("connector_doctor_")
        .filter(|(at, _)| !expr[..*at].chars().next_back().is_some_and(is_name_char))
        .map(|(at, _)| {
            expr[at..]
                .chars()
                .take_while(|&c| is_name_char(c))
                .collect()
        })
        .collect()
}

/// The family a series name belongs to (histogram series carry a suffix).
fn family_of(name: &str) -> &str {
    ["_bucket", "_count", "_sum"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(name)
}

/// The open label an expression selects a single value of (`check="identity"`), if any.
fn selected_open_label(expr: &str) -> Option<&'static str> {
    OPEN_LABELS.into_iter().find(|label| {
        expr.match_indices(label).any(|(at, _)| {
            let before = expr[..at].chars().next_back();
            let after = expr[at + label.len()..].trim_start();
            matches!(before, Some('{' | ',' | ' ' | '\n'))
                && ["=", "!=", "=~", "!~"]
                    .iter()
                    .any(|operator| after.starts_with(operator))
        })
    })
}

/// Range windows (`[...]`) that are not one of Grafana's interval variables.
fn fixed_windows(expr: &str) -> Vec<String> {
    expr.split('[')
        .skip(1)
        .filter_map(|rest| rest.split(']').next())
        .filter(|window| !window.starts_with('$'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_dashboards_are_importable_and_read_their_datasource_variable() {
    let mut problems = Vec::new();
    let mut uids = BTreeSet::new();
    for name in DASHBOARDS {
        let dashboard = load_dashboard(name);
        let mut problem = |text: String| problems.push(format!("{name}: {text}"));
        if dashboard["schemaVersion"] != 39 {
            problem(format!("schemaVersion {}", dashboard["schemaVersion"]));
        }
        if !dashboard["id"].is_null() {
            problem("`id` must be null to import".into());
        }
        match dashboard["uid"].as_str() {
            Some(uid) if !uid.is_empty() && uid.len() <= 40 => {
                if !uids.insert(uid.to_owned()) {
                    problem(format!("uid {uid} is used twice"));
                }
            }
            _ => problem("no uid (at most 40 characters)".into()),
        }
        if dashboard["title"].as_str().is_none_or(str::is_empty) {
            problem("no title".into());
        }
        let variables = dashboard["templating"]["list"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let datasource_variable = variables.iter().any(|variable| {
            variable["name"] == "datasource"
                && variable["type"] == "datasource"
                && variable["query"] == "prometheus"
        });
        if !datasource_variable {
            problem("no `datasource` variable of type datasource, query prometheus".into());
        }
        let mut ids = BTreeSet::new();
        let panels = panels(&dashboard);
        if panels.is_empty() {
            problem("no panel".into());
        }
        for panel in panels {
            let title = panel["title"].as_str().unwrap_or("<untitled>");
            let mut problem = |text: String| problem(format!("panel {title:?}: {text}"));
            if !ids.insert(panel["id"].as_u64()) || panel["id"].as_u64().is_none() {
                problem(format!("id {} missing or used twice", panel["id"]));
            }
            if panel["datasource"]["uid"] != "${datasource}" {
                problem(format!("datasource {}", panel["datasource"]));
            }
            let grid = &panel["gridPos"];
            let fits = ["h", "w", "x", "y"].iter().all(|key| grid[*key].is_u64())
                && grid["w"].as_u64().unwrap_or(0) > 0
                && grid["x"].as_u64().unwrap_or(24) + grid["w"].as_u64().unwrap_or(0) <= 24;
            if !fits {
                problem(format!("gridPos {grid}"));
            }
            if panel["type"] == "row" {
                continue;
            }
            let targets = panel["targets"].as_array().cloned().unwrap_or_default();
            if targets.is_empty() {
                problem("no query".into());
            }
            let mut ref_ids = BTreeSet::new();
            for target in &targets {
                if !ref_ids.insert(target["refId"].to_string()) {
                    problem(format!("refId {} used twice", target["refId"]));
                }
                if target["datasource"]["uid"] != "${datasource}" {
                    problem(format!("query datasource {}", target["datasource"]));
                }
                let Some(expr) = target["expr"].as_str().filter(|expr| !expr.is_empty()) else {
                    problem("a query without `expr`".into());
                    continue;
                };
                if let Err(error) = to_promql(expr) {
                    problem(format!("{expr}: {error}"));
                }
                if metric_names(expr).is_empty() {
                    problem(format!("{expr}: reads no connector_doctor_ metric"));
                }
                let windows = fixed_windows(expr);
                if !windows.is_empty() {
                    problem(format!(
                        "{expr}: fixed windows {windows:?} (use $__rate_interval or $__range)"
                    ));
                }
                if let Some(label) = selected_open_label(expr) {
                    problem(format!(
                        "{expr}: selects one `{label}`; group by it instead so new values need no change"
                    ));
                }
            }
        }
    }
    let provisioning = dashboards_dir().join("provisioning");
    for (file, needles) in [
        ("dashboards.yaml", ["providers:", "type: file"]),
        ("datasource.yaml", ["datasources:", "type: prometheus"]),
    ] {
        let text = std::fs::read_to_string(provisioning.join(file)).unwrap_or_default();
        for needle in needles {
            if !text.contains(needle) {
                problems.push(format!("provisioning/{file}: no `{needle}`"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alert_rules_pass_promtool_and_load_with_severity_summary_and_runbook() {
    let rules = alerts_file();
    let checked = Command::new(promtool())
        .args(["check", "rules"])
        .arg(&rules)
        .output()
        .expect("promtool runs (scripts/setup-test-deps installs it)");
    assert!(
        checked.status.success(),
        "promtool check rules dashboards/alerts.yaml:\n{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );

    let prometheus = Prometheus::start(&[], std::slice::from_ref(&rules)).await;
    let groups = prometheus
        .evaluated_rule_groups(Duration::from_secs(30))
        .await;

    let text = std::fs::read_to_string(&rules).unwrap();
    let declared = text
        .lines()
        .filter(|line| line.trim_start().starts_with("- alert:"))
        .count();
    let loaded: Vec<Value> = groups
        .iter()
        .flat_map(|group| group["rules"].as_array().cloned().unwrap_or_default())
        .filter(|rule| rule["type"] == "alerting")
        .collect();
    assert!(declared > 0, "no alert in dashboards/alerts.yaml");
    assert_eq!(loaded.len(), declared, "every alert loads: {groups:#?}");
    let mut problems = Vec::new();
    for rule in &loaded {
        let name = &rule["name"];
        if rule["duration"].as_f64().unwrap_or(0.0) <= 0.0 {
            problems.push(format!("{name}: no `for`"));
        }
        let severity = rule["labels"]["severity"].as_str().unwrap_or("");
        if !["info", "warning", "critical"].contains(&severity) {
            problems.push(format!("{name}: severity {severity:?}"));
        }
        if rule["annotations"]["summary"]
            .as_str()
            .is_none_or(str::is_empty)
        {
            problems.push(format!("{name}: no summary"));
        }
        let runbook = rule["annotations"]["runbook_url"].as_str().unwrap_or("");
        if !runbook.starts_with(
            "https://github.com/connector-doctor/connector-doctor/blob/main/docs/observability.md#",
        ) {
            problems.push(format!("{name}: runbook_url {runbook:?}"));
        }
        if rule["health"] != "ok" {
            problems.push(format!("{name}: {} {}", rule["health"], rule["lastError"]));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

fn diagnosis_request(connector: &str, key: &str, region: &str) -> Value {
    RequestBody::new()
        .connector(connector)
        .credentials(key, EXAMPLE_SECRET)
        .regions(&[region])
        .build()
}

/// `POST /v1/diagnoses`, with the bearer token when given: the status and the body.
async fn post(app: &TestApp, token: Option<&str>, body: &Value) -> (u16, String) {
    let response = app.diagnose_as(token, body).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// `POST /v1/diagnoses` as [`TOKEN`], expecting a Diagnosis.
async fn diagnose(app: &TestApp, body: &Value) -> Diagnosis {
    let (status, text) = post(app, Some(TOKEN), body).await;
    assert_eq!(status, 200, "{text}");
    parse_diagnosis(&text)
}

/// The scripted account: healthy everywhere, except an unknown key, a slow key and Security Hub
/// throttled in eu-west-1.
async fn scripted_aws() -> FakeAws {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=GetCallerIdentity"))
        .and(header_regex(
            "authorization",
            &format!("Credential={UNKNOWN_KEY}/"),
        ))
        .respond_with(unknown_key())
        .with_priority(1)
        .mount(&fake.server)
        .await;
    fake.identifies(
        FakeIdentity::user()
            .signed_by(SLOW_KEY)
            .after(SLOW_IDENTITY),
    )
    .await;
    // In ap-southeast-2 the account administers two members (whose findings the fake does not
    // hold): an administrator connector's member-regions.
    Mock::given(method("GET"))
        .and(path("/members"))
        .and(signed_for("ap-southeast-2", "securityhub"))
        .respond_with(json_response(
            200,
            json!({"Members": [
                {"AccountId": "210000000001", "MemberStatus": "Enabled"},
                {"AccountId": "210000000002", "MemberStatus": "Invited"}
            ]}),
        ))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/accounts"))
        .and(signed_for("eu-west-1", "securityhub"))
        .respond_with(json_error(429, "TooManyRequestsException", "Rate exceeded"))
        .with_priority(1)
        .mount(&fake.server)
        .await;
    fake
}

/// The main app's traffic: fresh and cached diagnoses, a stored report, an unknown key, a throttled
/// region, three identical requests at once, no token, an invalid body. Returns each connector's
/// diagnosis status.
async fn main_traffic(app: &TestApp) -> BTreeMap<String, HealthStatus> {
    let mut statuses = BTreeMap::new();
    let mut remember = |diagnosis: &Diagnosis| {
        let connector = diagnosis.connector_id.clone().expect("a connector id");
        statuses.insert(connector, diagnosis.status);
    };

    let healthy = diagnosis_request("metrics-healthy", EXAMPLE_KEY_ID, "us-east-1");
    let fresh = diagnose(app, &healthy).await;
    remember(&fresh);
    let cached = diagnose(app, &healthy).await;
    assert!(cached.cached, "{cached:#?}");
    let stored = app
        .client
        .get(format!("{}/v1/diagnoses/{}", app.base_url, fresh.id))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(stored.status(), 200, "the stored report");

    let unknown = diagnose(
        app,
        &diagnosis_request("metrics-unknown-key", UNKNOWN_KEY, "us-east-1"),
    )
    .await;
    assert_eq!(unknown.status, HealthStatus::Unhealthy, "{unknown:#?}");
    remember(&unknown);

    let throttled = diagnose(
        app,
        &diagnosis_request("metrics-throttled", EXAMPLE_KEY_ID, "eu-west-1"),
    )
    .await;
    assert!(
        has_finding(&throttled, Code::AwsThrottled),
        "{throttled:#?}"
    );
    remember(&throttled);

    let administrator = diagnose(
        app,
        &diagnosis_request("metrics-administrator", EXAMPLE_KEY_ID, "ap-southeast-2"),
    )
    .await;
    let counts = administrator
        .organization
        .as_ref()
        .map(|organization| organization.member_regions);
    assert!(
        counts.is_some_and(|c| c.no_data == 1 && c.not_member == 1),
        "{administrator:#?}"
    );
    remember(&administrator);

    let same = diagnosis_request("metrics-single-flight", SLOW_KEY, "us-east-1");
    let shared = futures::future::join_all((0..3).map(|_| diagnose(app, &same))).await;
    for diagnosis in &shared {
        assert_eq!(diagnosis.id, shared[0].id, "one diagnosis shared by three");
    }
    remember(&shared[0]);

    let (status, _) = post(app, None, &healthy).await;
    assert_eq!(status, 401, "no token");
    let (status, _) = post(
        app,
        Some(TOKEN),
        &json!({"connector_id": "metrics-invalid"}),
    )
    .await;
    assert!((400..500).contains(&status), "an invalid body: {status}");
    statuses
}

/// The edge app (one cold diagnosis at a time, a burst of three requests, Redis down) against an
/// AWS that holds its calls until released: a shed diagnosis, rate-limited requests and cache
/// errors. Returns the connector's diagnosis status.
async fn edge_traffic(app: &TestApp, aws: &GatedAws) -> BTreeMap<String, HealthStatus> {
    let a = diagnosis_request("metrics-edge-a", EXAMPLE_KEY_ID, "us-east-1");
    let b = diagnosis_request("metrics-edge-b", EXAMPLE_KEY_ID, "us-east-1");
    // `a` takes the one place and keeps it while AWS holds its call; `b` comes in meanwhile.
    aws.close();
    let (admitted, shed) = tokio::join!(post(app, None, &a), async {
        aws.wait_for_arrivals(1, Duration::from_secs(60)).await;
        let shed = post(app, None, &b).await;
        aws.open();
        shed
    });
    assert_eq!(shed.0, 503, "one cold diagnosis at a time: {}", shed.1);
    assert_eq!(admitted.0, 200, "{}", admitted.1);
    let mut limited = 0;
    for _ in 0..3 {
        if app.get("/v1/catalogue").await.status() == 429 {
            limited += 1;
        }
    }
    assert!(
        limited > 0,
        "a burst of three, the fourth request and later are limited"
    );
    let diagnosis = parse_diagnosis(&admitted.1);
    BTreeMap::from([(
        diagnosis.connector_id.expect("a connector id"),
        diagnosis.status,
    )])
}

/// `# TYPE` lines of an exposition: family name to type.
fn exposed_families(exposition: &str) -> BTreeMap<String, String> {
    exposition
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split_once(' '))
        .filter(|(name, _)| name.starts_with("connector_doctor_"))
        .map(|(name, kind)| (name.to_owned(), kind.trim().to_owned()))
        .collect()
}

/// The values of `label` in the result of `expr`.
async fn label_values(prometheus: &Prometheus, expr: &str, label: &str) -> BTreeSet<String> {
    prometheus
        .vector(expr)
        .await
        .iter()
        .filter_map(|series| series["metric"][label].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_and_alert_query_runs_on_the_metrics_of_real_diagnoses() {
    let fake = scripted_aws().await;
    let url = fake.url();
    let main = TestApp::spawn(|settings| {
        settings.aws.aws_endpoint_url = Some(url.clone());
        settings.security.api_tokens = Some(Secret::new(format!("metrics:{TOKEN}")));
    })
    .await;
    // Nothing listens there: Redis is down for the edge app from the start.
    let dead_redis = format!("redis://127.0.0.1:{}", free_port());
    let gated = GatedAws::start(
        403,
        sts_error_body("InvalidClientTokenId", "The security token is invalid."),
    )
    .await;
    let gated_url = gated.url();
    let edge = TestApp::spawn(|settings| {
        settings.aws.aws_endpoint_url = Some(gated_url);
        // Only the gate ends the held call: no timeout may free the place first.
        settings.aws.aws_call_timeout = Duration::from_secs(600);
        settings.probes.diagnosis_deadline = Duration::from_secs(600);
        settings.cache.redis_url = Some(Secret::new(dead_redis));
        settings.service.max_cold_diagnoses = 1;
        settings.security.rate_limit_burst = 3;
        settings.security.rate_limit_per_minute = 1;
    })
    .await;
    for app in [&main, &edge] {
        // Asserts 200 wherever the metrics are served: with caller tokens (main), on the
        // metrics listener.
        app.metrics().await;
    }

    let mut statuses = main_traffic(&main).await;
    statuses.extend(edge_traffic(&edge, &gated).await);

    let targets: Vec<String> = [&main, &edge]
        .iter()
        .map(|app| {
            let url = app.metrics_url.as_ref().unwrap_or(&app.base_url);
            url.trim_start_matches("http://").to_owned()
        })
        .collect();
    let prometheus = Prometheus::start(&targets, &[alerts_file()]).await;
    prometheus
        .wait_for_targets_up(targets.len(), Duration::from_secs(30))
        .await;

    let mut exposition = String::new();
    for app in [&main, &edge] {
        exposition.push_str(&app.metrics().await);
    }
    let families = exposed_families(&exposition);

    let mut queries = dashboard_queries();
    let groups = prometheus
        .evaluated_rule_groups(Duration::from_secs(30))
        .await;
    let rules: Vec<Value> = groups
        .iter()
        .flat_map(|group| group["rules"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(
        !rules.is_empty(),
        "no rule loaded from dashboards/alerts.yaml"
    );
    for rule in &rules {
        queries.push(Query {
            source: format!("alerts.yaml: {}", rule["name"]),
            expr: rule["query"].as_str().unwrap_or_default().to_owned(),
        });
    }

    let mut problems = Vec::new();
    for rule in &rules {
        if rule["health"] != "ok" {
            problems.push(format!(
                "alerts.yaml: {} evaluates with {} {}",
                rule["name"], rule["health"], rule["lastError"]
            ));
        }
    }
    let mut used = BTreeSet::new();
    for query in &queries {
        used.extend(metric_names(&query.expr));
        let answer = match to_promql(&query.expr) {
            Ok(promql) => prometheus.query(&promql).await,
            Err(error) => Err(error),
        };
        if let Err(error) = answer {
            problems.push(format!("{}: {error}\n  {}", query.source, query.expr));
        }
    }
    for name in &used {
        let samples = prometheus
            .vector(&format!("count({{__name__=\"{name}\"}})"))
            .await;
        if samples.is_empty() {
            problems.push(format!("{name}: no samples in Prometheus"));
        }
    }
    let used_families: BTreeSet<&str> = used.iter().map(|name| family_of(name)).collect();
    for (family, kind) in SPEC {
        match families.get(family) {
            Some(exposed) if exposed == kind => {}
            Some(exposed) => problems.push(format!("{family}: a {exposed}, not a {kind}")),
            None => problems.push(format!("{family}: not exposed on /metrics")),
        }
        if !used_families.contains(family) {
            problems.push(format!("{family}: on no dashboard and in no rule"));
        }
    }
    for family in families.keys() {
        if !used_families.contains(family.as_str()) {
            problems.push(format!(
                "{family}: exposed but on no dashboard and in no rule"
            ));
        }
    }
    problems.extend(label_problems(&prometheus, &statuses).await);
    assert!(
        problems.is_empty(),
        "{problems:#?}\nexposed families: {families:#?}"
    );
}

/// The label values the dashboards and alerts rely on, as the spec names them.
async fn label_problems(
    prometheus: &Prometheus,
    statuses: &BTreeMap<String, HealthStatus>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let expectations: [(&str, &str, &[&str]); 14] = [
        (
            "sum by (route) (connector_doctor_http_requests_total)",
            "route",
            &["/v1/diagnoses", "/v1/diagnoses/{id}"],
        ),
        (
            "sum by (status) (connector_doctor_http_requests_total)",
            "status",
            &["200", "401", "429", "503"],
        ),
        (
            "sum by (route) (connector_doctor_http_request_duration_seconds_count)",
            "route",
            &["/v1/diagnoses"],
        ),
        (
            "sum by (connection) (connector_doctor_diagnoses_total)",
            "connection",
            &["security_auditing", "security_configuration"],
        ),
        (
            "sum by (status) (connector_doctor_diagnoses_total)",
            "status",
            &["unhealthy", "degraded"],
        ),
        (
            "sum by (check) (connector_doctor_check_results_total)",
            "check",
            &["identity", "permissions", "security_hub"],
        ),
        (
            "sum by (code) (connector_doctor_findings_total)",
            "code",
            &["CREDENTIALS_INVALID_KEY_ID", "AWS_THROTTLED"],
        ),
        (
            "sum by (outcome) (connector_doctor_aws_calls_total)",
            "outcome",
            &["ok", "throttled"],
        ),
        (
            "sum by (code) (connector_doctor_aws_errors_total)",
            "code",
            &["InvalidClientTokenId", "TooManyRequestsException"],
        ),
        (
            "sum by (service) (connector_doctor_aws_throttles_total)",
            "service",
            &["securityhub"],
        ),
        (
            "sum by (result) (connector_doctor_cache_requests_total{backend=\"memory\"})",
            "result",
            &["hit", "miss"],
        ),
        (
            "sum by (backend) (connector_doctor_cache_errors_total)",
            "backend",
            &["redis"],
        ),
        (
            "sum by (reason) (connector_doctor_rejected_requests_total)",
            "reason",
            &["unauthorized", "rate_limited", "overloaded"],
        ),
        (
            "connector_doctor_build_info == 1",
            "version",
            &[env!("CARGO_PKG_VERSION")],
        ),
    ];
    for (expr, label, expected) in expectations {
        let values = label_values(prometheus, expr, label).await;
        let missing: Vec<&&str> = expected
            .iter()
            .filter(|value| !values.contains(**value))
            .collect();
        if !missing.is_empty() {
            problems.push(format!("{expr}: no {label} {missing:?} among {values:?}"));
        }
    }
    let routes = label_values(
        prometheus,
        "sum by (route) (connector_doctor_http_requests_total)",
        "route",
    )
    .await;
    if let Some(raw) = routes.iter().find(|route| route.contains("dgn_")) {
        problems.push(format!("route {raw:?} is a raw path, not a route template"));
    }
    let joins = prometheus
        .vector("sum(connector_doctor_single_flight_joins_total) > 0")
        .await;
    if joins.is_empty() {
        problems.push(
            "connector_doctor_single_flight_joins_total: three identical requests at once, no join"
                .into(),
        );
    }
    let gauge = prometheus
        .vector("max by (tenant, connector_id) (connector_doctor_connector_status)")
        .await;
    for (connector, status) in statuses {
        let expected = match status {
            HealthStatus::Healthy => "0",
            HealthStatus::Degraded => "1",
            HealthStatus::Unhealthy => "2",
        };
        let value = gauge
            .iter()
            .find(|series| series["metric"]["connector_id"] == connector.as_str())
            .and_then(|series| series["value"][1].as_str());
        if value != Some(expected) {
            problems.push(format!(
                "connector_doctor_connector_status{{connector_id={connector:?}}} is {value:?}, the diagnosis said {status:?} ({expected})"
            ));
        }
    }
    problems
}

/// The families whose labels cannot be known ahead, as the metrics section of
/// docs/observability.md lists them: they appear with their first event.
fn first_event_families() -> BTreeSet<String> {
    let document = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/observability.md"),
    )
    .expect("docs/observability.md");
    let line = document
        .lines()
        .find(|line| line.starts_with(FIRST_EVENT_LINE))
        .unwrap_or_else(|| {
            panic!("docs/observability.md has no line starting with {FIRST_EVENT_LINE:?}")
        });
    line.split('`')
        .skip(1)
        .step_by(2)
        .map(|name| format!("connector_doctor_{name}"))
        .collect()
}

/// How the metrics section of docs/observability.md begins the list of families that appear with
/// their first event.
const FIRST_EVENT_LINE: &str = "Families that appear with their first event";

#[tokio::test]
async fn a_fresh_service_exports_every_family_from_zero_but_those_listed_as_appearing_later() {
    let app = TestApp::spawn(|_| {}).await;
    let text = app.get("/metrics").await.text().await.unwrap();
    let present: BTreeSet<&str> = text
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split(['{', ' ']).next())
        .map(family_of)
        .collect();
    let later = first_event_families();

    let mut read: BTreeSet<String> = dashboard_queries()
        .iter()
        .flat_map(|query| metric_names(&query.expr))
        .collect();
    read.extend(metric_names(
        &std::fs::read_to_string(alerts_file()).unwrap(),
    ));
    let unseen: Vec<&str> = read
        .iter()
        .map(|name| family_of(name))
        .filter(|family| !present.contains(family) && !later.contains(*family))
        .collect();
    assert!(
        unseen.is_empty(),
        "a dashboard or an alert reads families a fresh service does not export, and \
         docs/observability.md \
         does not list as appearing with their first event: {unseen:?}"
    );
    for (family, _) in SPEC {
        assert!(
            present.contains(family) || later.contains(family),
            "{family} is neither exported from zero nor listed as appearing with its first event"
        );
    }
    for family in &later {
        assert!(
            !present.contains(family.as_str()),
            "{family} is exported from zero: take it off the list of docs/observability.md"
        );
        assert!(
            SPEC.iter().any(|(name, _)| name == family),
            "docs/observability.md lists {family}, which the service does not have"
        );
    }
    // Families labelled by fixed tables start at zero for every value of the table.
    for series in [
        "connector_doctor_aws_throttles_total{service=\"cloudwatch\"} 0",
        "connector_doctor_aws_budget_wait_seconds_count{api=\"securityhub:GetFindings\"} 0",
        "connector_doctor_observed_lookup_pages_total{region=\"ap-east-2\"} 0",
        "connector_doctor_observed_denial_events_total{region=\"cn-northwest-1\"} 0",
        "connector_doctor_findings_total{code=\"CONFIG_DELIVERY_FAILING\",severity=\"info\"} 0",
        "connector_doctor_organization_member_regions{status=\"not_checked\"} 0",
    ] {
        assert!(text.contains(series), "missing {series} at start");
    }
}
