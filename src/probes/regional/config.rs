//! AWS Config in one region: whether a recorder exists and records.

use std::time::Instant;

use aws_sdk_config::types::RecorderStatus;

use super::outcome::{RegionOutcome, main_call_failed, observe};
use crate::aws::in_region;
use crate::domain::Code;
use crate::domain::{CheckId, ConfigState, Region};
use crate::probes::context::ProbeContext;
use crate::probes::explain::{FindingExt, finding};

/// Probes AWS Config in `region`.
pub async fn probe(ctx: &ProbeContext<'_>, region: Region) -> RegionOutcome<ConfigState> {
    let started = Instant::now();
    let client = ctx.session.config();
    let statuses = ctx
        .aws(
            region,
            "config",
            "DescribeConfigurationRecorderStatus",
            || {
                client
                    .describe_configuration_recorder_status()
                    .customize()
                    .config_override(in_region::config(region))
                    .send()
            },
        )
        .await;
    let mut outcome = RegionOutcome {
        region,
        state: ConfigState::NoRecorder,
        findings: Vec::new(),
        notes: Vec::new(),
        started,
        observations: observe("config:DescribeConfigurationRecorderStatus", &statuses)
            .into_iter()
            .collect(),
    };
    let statuses = match statuses {
        Ok(output) => output.configuration_recorders_status.unwrap_or_default(),
        Err(error) => {
            let failure = main_call_failed(CheckId::Config, &error, region);
            outcome.state = failure.state;
            outcome.findings.extend(failure.finding);
            return outcome;
        }
    };
    // An empty list is how AWS says "no recorder": not an error.
    if statuses.is_empty() {
        return outcome;
    }
    outcome.state = if statuses.iter().any(|s| s.recording()) {
        ConfigState::Recording
    } else {
        ConfigState::NotRecording
    };
    for status in &statuses {
        let name = status.name().unwrap_or("default");
        outcome.notes.push(format!(
            "recorder {name} {}",
            if status.recording() {
                "recording"
            } else {
                "stopped"
            }
        ));
        if status.last_status() == Some(&RecorderStatus::Failure) {
            outcome.findings.push(
                finding(
                    Code::ConfigRecorderFailed,
                    CheckId::Config,
                    format!(
                        "The last recording of recorder {name} in {region} failed: {}",
                        status.last_error_message().unwrap_or("no message")
                    ),
                )
                .in_region(region),
            );
        }
    }
    outcome
}
