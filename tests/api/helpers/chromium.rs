//! A real headless Chromium for the pages' tests: a page's DOM after its scripts ran, its
//! network log, and screenshots.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Runs Chromium headless on `url` with `extra` arguments in a fresh profile; its standard output.
fn run(url: &str, extra: &[String], profile: &Path) -> String {
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--virtual-time-budget=15000",
        ])
        .args(extra)
        .arg(format!(
            "--user-data-dir={}",
            profile.join("profile").display()
        ))
        .arg(url)
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "chromium ({}) runs: {error}; .ci/run installs it",
                chromium().display()
            )
        });
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Loads `url` headless; returns the rendered DOM and the browser's network log.
pub fn load_in_chromium(url: &str) -> (String, Value) {
    let profile = tempfile::tempdir().unwrap();
    let net_log = profile.path().join("netlog.json");
    let extra = [
        "--dump-dom".to_owned(),
        format!("--log-net-log={}", net_log.display()),
    ];
    let dom = run(url, &extra, profile.path());
    let log = std::fs::read_to_string(&net_log).expect("chromium wrote its network log");
    (
        dom,
        serde_json::from_str(&log).expect("the network log is JSON"),
    )
}

/// Writes a PNG of `url` at `width` x `height` to `file`.
pub fn screenshot(url: &str, file: &Path, width: u32, height: u32) {
    let profile = tempfile::tempdir().unwrap();
    let extra = [
        format!("--screenshot={}", file.display()),
        format!("--window-size={width},{height}"),
        "--hide-scrollbars".to_owned(),
    ];
    run(url, &extra, profile.path());
    assert!(file.exists(), "chromium wrote no screenshot");
}
