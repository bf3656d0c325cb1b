//! One CloudTrail event of the connector's key, read as a failed call of a required action, or
//! left out: another key's call, this service's own probing, a success, an error that is not a
//! denial, an action the connections do not need.

use std::collections::BTreeSet;

use aws_sdk_cloudtrail::types::Event;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::aws::{AwsService, scrub};
use crate::catalogue::aws_mapping;
use crate::domain::DeniedBy;
use crate::probes::observation::action_of;

/// The user agent part that the SDK adds for this service's app name (`app/connector-doctor`):
/// CloudTrail records it, so this service's own calls are told from the portal's.
pub const OWN_USER_AGENT: &str = "app/connector-doctor";

/// Whether a call that failed with `code` is kept: it failed for its authorization (a denial, by
/// the catalogue's table), or S3 refused ACLs on a bucket that enforces bucket-owner ownership
/// (not a denial, but a call that cannot work).
fn is_kept(code: &str) -> bool {
    aws_mapping::is_denial_code(code) || code == "AccessControlListNotSupported"
}

/// A failed call of a required action, as CloudTrail recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedCall {
    /// `service:Action`, as IAM names it.
    pub action: String,
    /// The recorded error code.
    pub error_code: String,
    /// When the call was made.
    pub time: DateTime<Utc>,
    /// The region CloudTrail recorded it in.
    pub region: String,
    /// The resource it was made on, when the event names one.
    pub resource: Option<String>,
    /// The policy type the message names.
    pub denied_by: Option<DeniedBy>,
    /// The message, secrets scrubbed.
    pub message: Option<String>,
}

/// The fields of the event's JSON record that are read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Record {
    event_time: Option<DateTime<Utc>>,
    event_source: Option<String>,
    event_name: Option<String>,
    aws_region: Option<String>,
    user_agent: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    user_identity: Identity,
    resources: Vec<RecordResource>,
    request_parameters: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Identity {
    access_key_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RecordResource {
    #[serde(rename = "ARN")]
    arn: Option<String>,
}

/// What one event is to the diagnosis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// A failed call of a required action by the portal.
    Failed(FailedCall),
    /// Anything else (its time still bounds what was read).
    Other,
}

/// Reads `event`, recorded for the key `key_id`, against the `required` actions (lower case).
pub fn read(event: &Event, key_id: &str, required: &BTreeSet<String>, secrets: &[&str]) -> Reading {
    let record: Record = event
        .cloud_trail_event()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    let key = record
        .user_identity
        .access_key_id
        .as_deref()
        .or(event.access_key_id());
    // Another key's call (CloudTrail was asked for this key's; checked again all the same), or
    // this service's own.
    if key.is_some_and(|key| key != key_id)
        || record
            .user_agent
            .as_deref()
            .is_some_and(|agent| agent.contains(OWN_USER_AGENT))
    {
        return Reading::Other;
    }
    let Some(error_code) = record.error_code.filter(|code| is_kept(code)) else {
        return Reading::Other;
    };
    let source = record.event_source.as_deref().or(event.event_source());
    let name = record.event_name.as_deref().or(event.event_name());
    let (Some(source), Some(name)) = (source, name) else {
        return Reading::Other;
    };
    let service = iam_prefix(source);
    let action = format!("{service}:{}", action_of(service, name));
    if !required.contains(&action.to_ascii_lowercase()) {
        return Reading::Other;
    }
    let time = record
        .event_time
        .or_else(|| event.event_time().and_then(to_chrono));
    let (Some(time), Some(region)) = (time, record.aws_region) else {
        return Reading::Other;
    };
    let resource = resource_of(&record.resources, record.request_parameters.as_ref(), event);
    let message = record.error_message.map(|text| scrub(&text, secrets));
    Reading::Failed(FailedCall {
        action,
        denied_by: message.as_deref().and_then(aws_mapping::denied_by),
        error_code,
        time,
        region,
        resource,
        message,
    })
}

/// The time of `event`, as CloudTrail lists it.
pub fn time_of(event: &Event) -> Option<DateTime<Utc>> {
    event.event_time().and_then(to_chrono)
}

fn to_chrono(time: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(time.secs(), time.subsec_nanos())
}

/// The IAM service prefix of an event source (`monitoring.amazonaws.com` is CloudWatch).
fn iam_prefix(source: &str) -> &str {
    let name = source.split('.').next().unwrap_or(source);
    match AwsService::find(name) {
        Some(service) => service.name(),
        None => name,
    }
}

/// The first resource ARN the record names, else the bucket its request named, else the first
/// resource the listing names.
fn resource_of(
    resources: &[RecordResource],
    parameters: Option<&serde_json::Value>,
    event: &Event,
) -> Option<String> {
    resources
        .iter()
        .find_map(|resource| resource.arn.clone())
        .or_else(|| {
            parameters
                .and_then(|p| p.get("bucketName"))
                .and_then(|name| name.as_str())
                .map(|bucket| format!("arn:aws:s3:::{bucket}"))
        })
        .or_else(|| {
            event
                .resources()
                .iter()
                .find_map(|resource| resource.resource_name().map(str::to_owned))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AKIAIOSFODNN7EXAMPLE";

    fn event(record: serde_json::Value) -> Event {
        Event::builder()
            .event_id("e-1")
            .cloud_trail_event(record.to_string())
            .build()
    }

    fn required() -> BTreeSet<String> {
        [
            "s3:getbucketacl",
            "s3:putbucketacl",
            "s3:listallmybuckets",
            "cloudwatch:describealarms",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect()
    }

    fn record(name: &str, error: Option<&str>, agent: &str) -> serde_json::Value {
        serde_json::json!({
            "eventTime": "2026-11-30T10:00:00Z",
            "eventSource": "s3.amazonaws.com",
            "eventName": name,
            "awsRegion": "eu-west-1",
            "userAgent": agent,
            "errorCode": error,
            "errorMessage": format!("User: arn:aws:iam::123456789012:user/mdca with key {KEY} is not authorized to perform: s3:GetBucketAcl because no resource-based policy allows the s3:GetBucketAcl action"),
            "userIdentity": {"type": "IAMUser", "accessKeyId": KEY},
            "requestParameters": {"bucketName": "contoso-logs", "acl": ""},
        })
    }

    #[test]
    fn a_denied_call_of_a_required_action_is_read_with_its_resource_layer_and_scrubbed_message() {
        let read = read(
            &event(record(
                "GetBucketAcl",
                Some("AccessDenied"),
                "aws-sdk-java/2.20",
            )),
            KEY,
            &required(),
            &[KEY],
        );
        let Reading::Failed(call) = read else {
            panic!("not kept: {read:?}")
        };
        assert_eq!(call.action, "s3:GetBucketAcl");
        assert_eq!(call.region, "eu-west-1");
        assert_eq!(call.resource.as_deref(), Some("arn:aws:s3:::contoso-logs"));
        assert_eq!(call.denied_by, Some(DeniedBy::ResourcePolicy));
        let message = call.message.unwrap();
        assert!(
            !message.contains(KEY) && message.contains("[redacted]"),
            "{message}"
        );
    }

    #[test]
    fn own_calls_other_keys_successes_and_unneeded_actions_are_left_out() {
        let left_out = [
            record(
                "GetBucketAcl",
                Some("AccessDenied"),
                "aws-sdk-rust/1.3 app/connector-doctor",
            ),
            record("GetBucketAcl", None, "aws-sdk-java/2.20"),
            record("GetBucketAcl", Some("NoSuchBucket"), "aws-sdk-java/2.20"),
            record("DeleteBucket", Some("AccessDenied"), "aws-sdk-java/2.20"),
        ];
        for json in left_out {
            assert_eq!(
                read(&event(json.clone()), KEY, &required(), &[]),
                Reading::Other,
                "{json}"
            );
        }
        let mut other_key = record("GetBucketAcl", Some("AccessDenied"), "aws-sdk-java/2.20");
        other_key["userIdentity"]["accessKeyId"] = "AKIAOTHERKEY00000000".into();
        assert_eq!(
            read(&event(other_key), KEY, &required(), &[]),
            Reading::Other
        );
    }

    #[test]
    fn iam_names_of_actions_are_used() {
        let listing = read(
            &event(record("ListBuckets", Some("AccessDenied"), "portal")),
            KEY,
            &required(),
            &[],
        );
        assert!(matches!(listing, Reading::Failed(call) if call.action == "s3:ListAllMyBuckets"));
        let mut alarms = record("DescribeAlarms", Some("AccessDenied"), "portal");
        alarms["eventSource"] = "monitoring.amazonaws.com".into();
        let alarms = read(&event(alarms), KEY, &required(), &[]);
        assert!(
            matches!(alarms, Reading::Failed(call) if call.action == "cloudwatch:DescribeAlarms")
        );
    }
}
