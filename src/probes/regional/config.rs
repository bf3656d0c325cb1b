//! The AWS Config check: in each region, whether a recorder exists and records, what it records,
//! and whether its deliveries succeed; across the regions, whether one records global resources.

use std::time::Instant;

use aws_sdk_config::types::{ConfigurationRecorder, DeliveryChannelStatus};

use futures::FutureExt;
use futures::future::BoxFuture;

use super::by_region::RegionByRegion;
use super::outcome::{Answers, RegionOutcome, main_call_failed, sub_call_failed};
use crate::aws::{AwsError, AwsService, in_region, same_word};
use crate::domain::{
    CheckId, CheckStatus, Code, ConfigWord, Finding, Region, RegionState, RegionStatus,
};
use crate::probes::context::ProbeContext;
use crate::probes::explain::{FindingExt, finding};

/// Whether a region's recorder records global resource types (IAM users, roles, policies). AWS
/// advises recording them in one region only, so they are judged across the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobalRecording {
    /// No recorder here, or it does not record: this region says nothing.
    NotHere,
    /// Its recording group could not be read: nobody can tell.
    Unknown,
    /// It records them, or not.
    Records(bool),
}

/// The AWS Config check.
pub struct Config;

/// The state of a recorder that records.
const RECORDING: RegionState<ConfigWord> = RegionState::Is(ConfigWord::Recording);

impl Answers for ConfigWord {
    const DISABLED: RegionState<Self> = RegionState::Is(ConfigWord::RegionDisabled);

    /// Some SDKs answer a missing recorder with an error; it is not a failure.
    fn answered_by(code: Code) -> Option<RegionState<Self>> {
        (code == Code::ConfigNoRecorder).then_some(RegionState::Is(ConfigWord::NoRecorder))
    }
}

impl RegionByRegion for Config {
    type Words = ConfigWord;
    type Extra = GlobalRecording;

    const ID: CheckId = CheckId::Config;
    const NAME: &'static str = "AWS Config";

    fn probe<'a>(
        ctx: &'a ProbeContext<'a>,
        region: Region,
    ) -> BoxFuture<'a, (RegionOutcome<ConfigWord>, GlobalRecording)> {
        probe(ctx, region).boxed()
    }

    fn off(state: RegionState<ConfigWord>) -> Option<Code> {
        match state {
            RegionState::Is(ConfigWord::NotRecording) => Some(Code::ConfigNotRecording),
            RegionState::Is(ConfigWord::NoRecorder) => Some(Code::ConfigNoRecorder),
            _ => None,
        }
    }

    fn status(state: RegionState<ConfigWord>) -> CheckStatus {
        match state {
            RegionState::Is(ConfigWord::Recording) => CheckStatus::Pass,
            RegionState::Is(ConfigWord::NotRecording | ConfigWord::NoRecorder)
            | RegionState::AccessDenied => CheckStatus::Fail,
            RegionState::Error => CheckStatus::Error,
            RegionState::Is(ConfigWord::RegionDisabled) | RegionState::Skipped => {
                CheckStatus::Skipped
            }
        }
    }

    fn across(extras: &[GlobalRecording]) -> Option<Finding> {
        global_resources_unrecorded(extras)
    }

    fn column(status: &mut RegionStatus) -> &mut RegionState<ConfigWord> {
        &mut status.config
    }
}

/// Global resource types (IAM) need recording in one region of the account: a finding when every
/// region that records says it does not, and nothing when any region's answer is unknown.
fn global_resources_unrecorded(regions: &[GlobalRecording]) -> Option<Finding> {
    use GlobalRecording::{Records, Unknown};
    let recording: Vec<_> = regions
        .iter()
        .filter(|r| matches!(r, Records(_) | Unknown))
        .collect();
    let none = !recording.is_empty() && recording.iter().all(|r| **r == Records(false));
    none.then(|| {
        finding(
            Code::ConfigPartialRecording,
            CheckId::Config,
            "No checked region's recorder records global resource types (IAM users, groups, roles \
             and policies): record them in one region of the account.",
        )
    })
}

/// Probes AWS Config in `region`.
async fn probe(
    ctx: &ProbeContext<'_>,
    region: Region,
) -> (RegionOutcome<ConfigWord>, GlobalRecording) {
    let outcome = recorder_status(ctx, region).await;
    if outcome.state != RECORDING {
        return (outcome, GlobalRecording::NotHere);
    }
    let mut outcome = outcome;
    let client = ctx.session.config();
    let (recorders, deliveries) = tokio::join!(
        ctx.aws(
            region,
            AwsService::Config,
            "DescribeConfigurationRecorders",
            || {
                client
                    .describe_configuration_recorders()
                    .customize()
                    .config_override(in_region::config(ctx.session, region))
                    .send()
            }
        ),
        ctx.aws(
            region,
            AwsService::Config,
            "DescribeDeliveryChannelStatus",
            || {
                client
                    .describe_delivery_channel_status()
                    .customize()
                    .config_override(in_region::config(ctx.session, region))
                    .send()
            }
        ),
    );
    let global = match recorders {
        Ok(output) => judge_recording(&mut outcome, output.configuration_recorders(), region),
        Err(error) => {
            outcome
                .findings
                .push(sub_call_failed(CheckId::Config, &error, region));
            GlobalRecording::Unknown
        }
    };
    judge_deliveries(&mut outcome, deliveries, region);
    (outcome, global)
}

/// A recorder that records a chosen subset of resource types is partial; returns whether the
/// region records global resource types.
fn judge_recording(
    outcome: &mut RegionOutcome<ConfigWord>,
    recorders: &[ConfigurationRecorder],
    region: Region,
) -> GlobalRecording {
    let mut global = GlobalRecording::Records(false);
    for recorder in recorders {
        let Some(group) = recorder.recording_group() else {
            continue;
        };
        if group.include_global_resource_types() {
            global = GlobalRecording::Records(true);
        }
        if !group.all_supported() {
            outcome.findings.push(
                finding(
                    Code::ConfigPartialRecording,
                    CheckId::Config,
                    format!(
                        "The recorder {} in {region} records only chosen resource types ({} listed), \
                         not all supported ones: the portal's recommendations on the others have no data.",
                        recorder.name().unwrap_or("default"),
                        group.resource_types().len()
                    ),
                )
                .in_region(region),
            );
        }
    }
    global
}

/// A failed last configuration history or snapshot delivery.
fn judge_deliveries(
    outcome: &mut RegionOutcome<ConfigWord>,
    deliveries: Result<aws_sdk_config::operation::describe_delivery_channel_status::DescribeDeliveryChannelStatusOutput, AwsError>,
    region: Region,
) {
    let channels: Vec<DeliveryChannelStatus> = match deliveries {
        Ok(output) => output.delivery_channels_status.unwrap_or_default(),
        Err(error) => {
            outcome
                .findings
                .push(sub_call_failed(CheckId::Config, &error, region));
            return;
        }
    };
    for channel in &channels {
        let failed = [
            (
                "configuration history",
                channel.config_history_delivery_info(),
            ),
            (
                "configuration snapshot",
                channel.config_snapshot_delivery_info(),
            ),
        ]
        .into_iter()
        .filter_map(|(what, info)| {
            let info = info?;
            // AWS answers `FAILURE`; the SDK's model spells `Failure`.
            let status = info.last_status()?;
            same_word(status.as_str(), "FAILURE").then(|| {
                let message = info.last_error_message().unwrap_or("no message");
                match info.last_error_code() {
                    Some(code) => format!("{what} ({code}: {message})"),
                    None => format!("{what} ({message})"),
                }
            })
        })
        .collect::<Vec<_>>();
        if !failed.is_empty() {
            outcome.findings.push(
                finding(
                    Code::ConfigDeliveryFailing,
                    CheckId::Config,
                    format!(
                        "The last delivery of the channel {} in {region} failed: {}.",
                        channel.name().unwrap_or("default"),
                        failed.join("; ")
                    ),
                )
                .in_region(region),
            );
        }
    }
}

/// DescribeConfigurationRecorderStatus in `region`: the region's Config state.
async fn recorder_status(ctx: &ProbeContext<'_>, region: Region) -> RegionOutcome<ConfigWord> {
    let started = Instant::now();
    let client = ctx.session.config();
    let statuses = ctx
        .aws(
            region,
            AwsService::Config,
            "DescribeConfigurationRecorderStatus",
            || {
                client
                    .describe_configuration_recorder_status()
                    .customize()
                    .config_override(in_region::config(ctx.session, region))
                    .send()
            },
        )
        .await;
    let mut outcome = RegionOutcome {
        region,
        state: RegionState::Is(ConfigWord::NoRecorder),
        findings: Vec::new(),
        notes: Vec::new(),
        started,
    };
    let statuses = match statuses {
        Ok(output) => output.configuration_recorders_status.unwrap_or_default(),
        Err(error) => {
            let failure = main_call_failed(ctx, CheckId::Config, &error, region);
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
        RECORDING
    } else {
        RegionState::Is(ConfigWord::NotRecording)
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
        // AWS answers `FAILURE`; the SDK's model spells `Failure`.
        if status
            .last_status()
            .is_some_and(|last| same_word(last.as_str(), "FAILURE"))
        {
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
