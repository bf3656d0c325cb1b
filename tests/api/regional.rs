//! Region-wide probes against moto: trail coverage, Security Hub and AWS Config states.
//! (moto lacks LookupEvents and GetEnabledStandards: those sub-calls fail there, and the
//! tests show the states stay as they are.)

use serde_json::{Value, json};

use crate::helpers::app::{check, finding_codes, findings_of};
use crate::helpers::moto::AccessKey;
use crate::helpers::{Moto, TestApp};

/// A user allowed every action, so the permission check adds nothing to these tests.
async fn allowed_user(moto: &Moto) -> AccessKey {
    let everything = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    moto.user_with_inline_policy("mdca", &everything).await
}

async fn diagnose(moto: &Moto, key: &AccessKey, connections: Value, regions: Value) -> Value {
    let app = TestApp::with_aws(&moto.url).await;
    app.diagnosis(&json!({
        "credentials": {"access_key_id": key.id, "secret_access_key": key.secret},
        "connections": connections,
        "regions": regions,
    }))
    .await
}

fn region_states(diagnosis: &Value, service: &str) -> Vec<(String, String)> {
    diagnosis["regions"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(region, states)| (region.clone(), states[service].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_logging_multi_region_trail_covers_every_checked_region() {
    let moto = Moto::start().await;
    let key = allowed_user(&moto).await;
    moto.create_trail("us-east-1", "org-audit", true, true)
        .await;

    let diagnosis = diagnose(
        &moto,
        &key,
        json!(["security_auditing"]),
        json!(["us-east-1", "eu-west-1"]),
    )
    .await;

    assert_eq!(
        region_states(&diagnosis, "cloudtrail"),
        [
            ("eu-west-1".to_owned(), "logging".to_owned()),
            ("us-east-1".to_owned(), "logging".to_owned())
        ]
    );
    let codes = finding_codes(&diagnosis);
    assert!(
        !codes
            .iter()
            .any(|c| c.starts_with("CLOUDTRAIL_NO_TRAIL") || c == "CLOUDTRAIL_NOT_LOGGING"),
        "{codes:?}"
    );
    assert_eq!(
        diagnosis["regions_checked"],
        json!(["us-east-1", "eu-west-1"])
    );
    assert_eq!(diagnosis["regions"]["eu-west-1"]["security_hub"], "skipped");
}

#[tokio::test]
async fn a_stopped_trail_is_not_logging() {
    let moto = Moto::start().await;
    let key = allowed_user(&moto).await;
    moto.create_trail("eu-west-1", "audit", false, false).await;

    let diagnosis = diagnose(
        &moto,
        &key,
        json!(["security_auditing"]),
        json!(["eu-west-1"]),
    )
    .await;

    assert_eq!(
        diagnosis["regions"]["eu-west-1"]["cloudtrail"],
        "not_logging"
    );
    assert!(finding_codes(&diagnosis).contains(&"CLOUDTRAIL_NOT_LOGGING".to_owned()));
    assert_eq!(check(&diagnosis, "cloudtrail")["status"], "fail");
}

#[tokio::test]
async fn no_trail_makes_auditing_unhealthy() {
    let moto = Moto::start().await;
    let key = allowed_user(&moto).await;

    let diagnosis = diagnose(
        &moto,
        &key,
        json!(["security_auditing"]),
        json!(["eu-west-1"]),
    )
    .await;

    assert_eq!(diagnosis["regions"]["eu-west-1"]["cloudtrail"], "no_trail");
    assert!(finding_codes(&diagnosis).contains(&"CLOUDTRAIL_NO_TRAIL".to_owned()));
    assert_eq!(
        diagnosis["connections"]["security_auditing"]["status"],
        "unhealthy"
    );
}

#[tokio::test]
async fn security_hub_on_in_one_of_two_named_regions_degrades_configuration() {
    let moto = Moto::start().await;
    let key = allowed_user(&moto).await;
    moto.enable_security_hub("us-east-1").await;
    moto.create_recorder("us-east-1", true).await;
    moto.create_recorder("eu-west-1", true).await;

    let diagnosis = diagnose(
        &moto,
        &key,
        json!(["security_configuration"]),
        json!(["us-east-1", "eu-west-1"]),
    )
    .await;

    assert_eq!(diagnosis["regions"]["us-east-1"]["security_hub"], "enabled");
    assert_eq!(
        diagnosis["regions"]["eu-west-1"]["security_hub"],
        "not_enabled"
    );
    assert_eq!(diagnosis["regions"]["us-east-1"]["config"], "recording");
    assert_eq!(diagnosis["regions"]["eu-west-1"]["config"], "recording");
    let off = findings_of(&diagnosis, "SECURITY_HUB_NOT_ENABLED");
    assert_eq!(off.len(), 1, "a finding for eu-west-1 only");
    let off = off[0];
    assert_eq!(off["region"], "eu-west-1");
    assert_eq!(
        off["severity"], "warning",
        "a named region off is a warning"
    );
    assert_eq!(
        diagnosis["connections"]["security_configuration"]["status"],
        "degraded"
    );
    assert_eq!(diagnosis["regions"]["us-east-1"]["cloudtrail"], "skipped");
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
        json!(["security_configuration"]),
        json!(["us-east-1", "eu-west-1", "ap-southeast-2"]),
    )
    .await;

    assert_eq!(
        region_states(&diagnosis, "config"),
        [
            ("ap-southeast-2".to_owned(), "no_recorder".to_owned()),
            ("eu-west-1".to_owned(), "not_recording".to_owned()),
            ("us-east-1".to_owned(), "recording".to_owned()),
        ]
    );
    let codes = finding_codes(&diagnosis);
    assert!(
        codes.contains(&"CONFIG_NO_RECORDER".to_owned()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"CONFIG_NOT_RECORDING".to_owned()),
        "{codes:?}"
    );
}

#[tokio::test]
async fn security_hub_off_everywhere_is_an_error() {
    let moto = Moto::start().await;
    let key = allowed_user(&moto).await;

    let diagnosis = diagnose(
        &moto,
        &key,
        json!(["security_configuration"]),
        json!(["us-east-1", "eu-west-1"]),
    )
    .await;

    let severities: Vec<&Value> = findings_of(&diagnosis, "SECURITY_HUB_NOT_ENABLED")
        .into_iter()
        .map(|f| &f["severity"])
        .collect();
    assert_eq!(severities, [&json!("error"), &json!("error")]);
    assert_eq!(
        diagnosis["connections"]["security_configuration"]["status"],
        "unhealthy"
    );
}
