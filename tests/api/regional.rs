//! Region-wide probes against moto: trail coverage, Security Hub and AWS Config states.
//! (moto lacks LookupEvents and GetEnabledStandards: those sub-calls fail there, and the
//! tests show the states stay as they are.)

use connector_doctor::domain::{
    CheckId, CheckStatus, CloudTrailState, CloudTrailWord, Code, ConfigWord, Connection, Diagnosis,
    HealthStatus, RegionState, RegionStatus, SecurityHubState, SecurityHubWord, Severity,
};
use serde_json::json;

use crate::helpers::app::{check, connection, finding_codes, findings_of, region};
use crate::helpers::moto::AccessKey;
use crate::helpers::{Moto, RequestBody, TestApp};

const AUDITING: Connection = Connection::SecurityAuditing;
const CONFIGURATION: Connection = Connection::SecurityConfiguration;

/// A user allowed every action, so the permission check adds nothing to these tests.
async fn allowed_user(moto: &Moto) -> AccessKey {
    let everything = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    moto.user_with_inline_policy("mdca", &everything).await
}

async fn diagnose(
    moto: &Moto,
    key: &AccessKey,
    connection: Connection,
    regions: &[&str],
) -> Diagnosis {
    let app = TestApp::with_aws(&moto.url).await;
    let body = RequestBody::new()
        .credentials(&key.id, &key.secret)
        .connections(&[connection])
        .regions(regions);
    app.diagnosis(&body.build()).await
}

/// One service's state in every region of the diagnosis, by region.
fn region_states<T>(diagnosis: &Diagnosis, service: impl Fn(&RegionStatus) -> T) -> Vec<(&str, T)> {
    diagnosis
        .regions
        .iter()
        .map(|(region, states)| (region.as_str(), service(states)))
        .collect()
}

#[tokio::test]
async fn a_logging_multi_region_trail_covers_every_checked_region() {
    let moto = Moto::start().await;
    let key = allowed_user(&moto).await;
    moto.create_trail("us-east-1", "org-audit", true, true)
        .await;

    let diagnosis = diagnose(&moto, &key, AUDITING, &["us-east-1", "eu-west-1"]).await;

    assert_eq!(
        region_states(&diagnosis, |states| states.cloudtrail),
        [
            ("eu-west-1", RegionState::Is(CloudTrailWord::Logging)),
            ("us-east-1", RegionState::Is(CloudTrailWord::Logging))
        ]
    );
    let codes = finding_codes(&diagnosis);
    assert!(
        !codes.contains(&Code::CloudtrailNoTrail) && !codes.contains(&Code::CloudtrailNotLogging),
        "{codes:?}"
    );
    assert_eq!(diagnosis.regions_checked, ["us-east-1", "eu-west-1"]);
    assert_eq!(
        region(&diagnosis, "eu-west-1").security_hub,
        SecurityHubState::Skipped
    );
}

#[tokio::test]
async fn a_stopped_trail_is_not_logging() {
    let moto = Moto::start().await;
    let key = allowed_user(&moto).await;
    moto.create_trail("eu-west-1", "audit", false, false).await;

    let diagnosis = diagnose(&moto, &key, AUDITING, &["eu-west-1"]).await;

    assert_eq!(
        region(&diagnosis, "eu-west-1").cloudtrail,
        RegionState::Is(CloudTrailWord::NotLogging)
    );
    assert!(finding_codes(&diagnosis).contains(&Code::CloudtrailNotLogging));
    assert_eq!(
        check(&diagnosis, CheckId::Cloudtrail).status,
        CheckStatus::Fail
    );
}

#[tokio::test]
async fn no_trail_makes_auditing_unhealthy() {
    let moto = Moto::start().await;
    let key = allowed_user(&moto).await;

    let diagnosis = diagnose(&moto, &key, AUDITING, &["eu-west-1"]).await;

    assert_eq!(
        region(&diagnosis, "eu-west-1").cloudtrail,
        RegionState::Is(CloudTrailWord::NoTrail)
    );
    assert!(finding_codes(&diagnosis).contains(&Code::CloudtrailNoTrail));
    assert_eq!(
        connection(&diagnosis, AUDITING).status,
        HealthStatus::Unhealthy
    );
}

#[tokio::test]
async fn security_hub_on_in_one_of_two_named_regions_degrades_configuration() {
    let moto = Moto::start().await;
    let key = allowed_user(&moto).await;
    moto.enable_security_hub("us-east-1").await;
    moto.create_recorder("us-east-1", true).await;
    moto.create_recorder("eu-west-1", true).await;

    let diagnosis = diagnose(&moto, &key, CONFIGURATION, &["us-east-1", "eu-west-1"]).await;

    assert_eq!(
        region_states(&diagnosis, |states| (states.security_hub, states.config)),
        [
            (
                "eu-west-1",
                (
                    RegionState::Is(SecurityHubWord::NotEnabled),
                    RegionState::Is(ConfigWord::Recording)
                )
            ),
            (
                "us-east-1",
                (
                    RegionState::Is(SecurityHubWord::Enabled),
                    RegionState::Is(ConfigWord::Recording)
                )
            ),
        ]
    );
    let off = findings_of(&diagnosis, Code::SecurityHubNotEnabled);
    assert_eq!(off.len(), 1, "a finding for eu-west-1 only");
    let off = off[0];
    assert_eq!(off.region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        off.severity,
        Severity::Warning,
        "a named region off is a warning"
    );
    assert_eq!(
        connection(&diagnosis, CONFIGURATION).status,
        HealthStatus::Degraded
    );
    assert_eq!(
        region(&diagnosis, "us-east-1").cloudtrail,
        CloudTrailState::Skipped
    );
}

#[tokio::test]
async fn recorders_are_reported_as_missing_stopped_or_recording() {
    let moto = Moto::start().await;
    let key = allowed_user(&moto).await;
    moto.create_recorder("us-east-1", true).await;
    moto.create_recorder("eu-west-1", false).await;

    let diagnosis = diagnose(
        &moto,
        &key,
        CONFIGURATION,
        &["us-east-1", "eu-west-1", "ap-southeast-2"],
    )
    .await;

    assert_eq!(
        region_states(&diagnosis, |states| states.config),
        [
            ("ap-southeast-2", RegionState::Is(ConfigWord::NoRecorder)),
            ("eu-west-1", RegionState::Is(ConfigWord::NotRecording)),
            ("us-east-1", RegionState::Is(ConfigWord::Recording)),
        ]
    );
    let codes = finding_codes(&diagnosis);
    assert!(codes.contains(&Code::ConfigNoRecorder), "{codes:?}");
    assert!(codes.contains(&Code::ConfigNotRecording), "{codes:?}");
}

#[tokio::test]
async fn security_hub_off_everywhere_is_an_error() {
    let moto = Moto::start().await;
    let key = allowed_user(&moto).await;

    let diagnosis = diagnose(&moto, &key, CONFIGURATION, &["us-east-1", "eu-west-1"]).await;

    let mut off: Vec<(Option<&str>, Severity)> =
        findings_of(&diagnosis, Code::SecurityHubNotEnabled)
            .into_iter()
            .map(|finding| (finding.region.as_deref(), finding.severity))
            .collect();
    off.sort();
    assert_eq!(
        off,
        [
            (Some("eu-west-1"), Severity::Error),
            (Some("us-east-1"), Severity::Error)
        ]
    );
    assert_eq!(
        connection(&diagnosis, CONFIGURATION).status,
        HealthStatus::Unhealthy
    );
}
