//! The `connector-doctor` binary as a child process: it binds port 0 and logs the address it got,
//! its whole output is kept in a file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::process::{Announcement, ChildGuard, without_ansi};

/// The message of the line `src/main.rs` logs once the listener is bound.
const LISTENING: &str = "connector-doctor listening";

/// The address in the service's `connector-doctor listening` line, in either log format:
/// JSON (`"fields": {"message": ..., "address": ...}`) or pretty (`... address=127.0.0.1:PORT`).
pub fn listening_address(line: &str) -> Option<SocketAddr> {
    listening_field(line, "address")
}

/// An address field of the `connector-doctor listening` line (`address`, `metrics_address`).
fn listening_field(line: &str, name: &str) -> Option<SocketAddr> {
    if let Ok(json) = serde_json::from_str::<Value>(line) {
        let fields = &json["fields"];
        return (fields["message"] == LISTENING)
            .then(|| fields[name].as_str()?.parse().ok())
            .flatten();
    }
    let plain = without_ansi(line);
    let (_, rest) = plain.split_once(LISTENING)?;
    let prefix = format!("{name}=");
    rest.split_whitespace()
        .find_map(|field| field.strip_prefix(prefix.as_str()))?
        .parse()
        .ok()
}

/// The service binary on the port it picked, its stdout and stderr captured in a file.
pub struct Binary {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// `http://127.0.0.1:<port>` of the metrics listener, when metrics have one.
    pub metrics_url: Option<String>,
    log_path: PathBuf,
    child: Option<ChildGuard>,
    output: Option<Announcement>,
    _dir: tempfile::TempDir,
}

impl Binary {
    /// Starts `connector-doctor --listen 127.0.0.1:0` with `args` and `RUST_LOG=filter`; returns
    /// once it has logged the address it listens on.
    pub async fn start(args: &[&str], filter: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log_path = dir.path().join("service.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_connector-doctor"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", filter)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log.try_clone().unwrap()))
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().expect("a piped stdout");
        let child = ChildGuard(child);
        let mut output = Announcement::watch(stdout, log, listening_address);
        let address = output
            .address(Duration::from_secs(30), "connector-doctor", &log_path)
            .await;
        // The announcing line is in the log once its address has been seen.
        let metrics_url = std::fs::read_to_string(&log_path)
            .unwrap_or_default()
            .lines()
            .find_map(|line| listening_field(line, "metrics_address"))
            .map(|address| format!("http://{address}"));
        Self {
            base_url: format!("http://{address}"),
            metrics_url,
            log_path,
            child: Some(child),
            output: Some(output),
            _dir: dir,
        }
    }

    /// Stops the process (SIGTERM, so it writes out its queued log lines) and returns
    /// everything it wrote.
    pub async fn stop(&mut self) -> String {
        if let Some(child) = self.child.take() {
            child.terminate(Duration::from_secs(10)).await;
        }
        if let Some(output) = self.output.take() {
            // The process has exited: its output ends, and the copy finishes at once.
            tokio::task::spawn_blocking(move || output.finish())
                .await
                .unwrap();
        }
        self.logs()
    }

    /// Kills the process with SIGKILL, as a crash or an evicted node would: nothing is drained.
    pub fn kill(&mut self) {
        // Dropping the guard kills the child and reaps it.
        self.child = None;
    }

    /// What it wrote so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap()
    }
}
