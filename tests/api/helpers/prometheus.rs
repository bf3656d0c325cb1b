//! A private Prometheus server per test on the port it picks itself: it scrapes the given targets every
//! second and evaluates the given rule files; its HTTP API answers queries, targets and rules.
//! `scripts/setup-test-deps` installs the Debian package `prometheus` (the server and promtool).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::process::{Announcement, ChildGuard, find_tool};

/// The `prometheus` binary: `$PROMETHEUS`, else from `PATH`.
pub fn prometheus_binary() -> PathBuf {
    find_tool("PROMETHEUS", "prometheus")
}

/// The `promtool` binary: `$PROMTOOL`, else from `PATH`.
pub fn promtool() -> PathBuf {
    find_tool("PROMTOOL", "promtool")
}

/// A running Prometheus with its configuration, data and log in a temporary directory.
pub struct Prometheus {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    client: reqwest::Client,
    child: ChildGuard,
    _output: Announcement,
    dir: tempfile::TempDir,
}

/// The address in Prometheus's `msg="Listening on" address=127.0.0.1:PORT` line (logfmt).
fn listening_on(line: &str) -> Option<SocketAddr> {
    if !line.contains("msg=\"Listening on\"") {
        return None;
    }
    line.split_whitespace()
        .find_map(|field| field.strip_prefix("address="))?
        .parse()
        .ok()
}

/// A YAML scalar: JSON strings are valid YAML and quote everything that needs it.
fn yaml_string(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

impl Prometheus {
    /// Starts Prometheus scraping `targets` (`host:port`, path `/metrics`) every second and
    /// evaluating `rule_files` every second; returns once it is ready.
    pub async fn start(targets: &[String], rule_files: &[PathBuf]) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let targets = targets
            .iter()
            .map(|target| yaml_string(target))
            .collect::<Vec<_>>()
            .join(", ");
        let rules = rule_files
            .iter()
            .map(|file| yaml_string(&file.display().to_string()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut config = format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             rule_files: [{rules}]\n"
        );
        if !targets.is_empty() {
            config.push_str(&format!(
                "scrape_configs:\n  - job_name: connector-doctor\n    metrics_path: /metrics\n    \
                 static_configs:\n      - targets: [{targets}]\n"
            ));
        }
        let config_file = dir.path().join("prometheus.yml");
        std::fs::write(&config_file, config).expect("the configuration is written");
        let log_path = dir.path().join("prometheus.log");
        let log = std::fs::File::create(&log_path).expect("a log file");
        let mut child = Command::new(prometheus_binary())
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg("--web.listen-address=127.0.0.1:0")
            .arg("--storage.tsdb.retention.time=1h")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("prometheus runs (scripts/setup-test-deps installs it)");
        // It logs (on stderr) the address its listener really has.
        let stderr = child.stderr.take().expect("a piped stderr");
        let child = ChildGuard(child);
        let mut output = Announcement::watch(stderr, log, listening_on);
        let address = output
            .address(Duration::from_secs(30), "prometheus", &log_path)
            .await;
        let mut server = Self {
            base_url: format!("http://{address}"),
            client: reqwest::Client::new(),
            child,
            _output: output,
            dir,
        };
        server.wait_until_ready(Duration::from_secs(30)).await;
        server
    }

    async fn wait_until_ready(&mut self, limit: Duration) {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.0.try_wait() {
                panic!("prometheus exited with {status}:\n{}", self.log());
            }
            let ready = self
                .client
                .get(format!("{}/-/ready", self.base_url))
                .send()
                .await
                .is_ok_and(|response| response.status().is_success());
            if ready {
                return;
            }
            assert!(
                started.elapsed() < limit,
                "prometheus was not ready within {limit:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Its log so far (stderr), for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    async fn api(&self, path: &str, params: &[(&str, &str)]) -> Result<Value, String> {
        let url = reqwest::Url::parse_with_params(&format!("{}{path}", self.base_url), params)
            .map_err(|error| error.to_string())?;
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|error| format!("{path}: {error}"))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|error| format!("{path} answered {status} without JSON: {error}"))?;
        if body["status"] == "success" {
            Ok(body["data"].clone())
        } else {
            Err(format!(
                "{} ({}, HTTP {status})",
                body["error"].as_str().unwrap_or("no error text"),
                body["errorType"].as_str().unwrap_or("no error type")
            ))
        }
    }

    /// An instant query: its `data` (`resultType`, `result`), or the server's error text.
    pub async fn query(&self, expr: &str) -> Result<Value, String> {
        self.api("/api/v1/query", &[("query", expr)]).await
    }

    /// The series of an instant vector query; panics on an error.
    pub async fn vector(&self, expr: &str) -> Vec<Value> {
        let data = self
            .query(expr)
            .await
            .unwrap_or_else(|error| panic!("{expr}: {error}"));
        data["result"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until every scrape target is up, or panics with the targets' last errors.
    pub async fn wait_for_targets_up(&self, count: usize, limit: Duration) {
        let started = Instant::now();
        loop {
            let targets = self
                .api("/api/v1/targets", &[("state", "active")])
                .await
                .unwrap_or_default();
            let active = targets["activeTargets"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if active.len() == count && active.iter().all(|target| target["health"] == "up") {
                return;
            }
            if started.elapsed() > limit {
                let states: Vec<String> = active
                    .iter()
                    .map(|target| {
                        format!(
                            "{} {}: {}",
                            target["scrapeUrl"], target["health"], target["lastError"]
                        )
                    })
                    .collect();
                panic!(
                    "prometheus did not scrape {count} targets within {limit:?}: {states:#?}\n{}",
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The loaded rule groups (`/api/v1/rules`), once every rule has been evaluated at least once.
    pub async fn evaluated_rule_groups(&self, limit: Duration) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let groups = self
                .api("/api/v1/rules", &[])
                .await
                .unwrap_or_else(|error| panic!("/api/v1/rules: {error}"))["groups"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let evaluated = groups
                .iter()
                .flat_map(|group| group["rules"].as_array().cloned().unwrap_or_default())
                .all(|rule| rule["health"] != "unknown");
            if evaluated {
                return groups;
            }
            assert!(
                started.elapsed() < limit,
                "prometheus did not evaluate every rule within {limit:?}: {groups:#?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
