//! Request and response types of the service, and newtypes that parse rather than validate.

mod access_key;
mod cache_status;
mod changes;
mod checks;
mod code;
mod connection;
mod decision;
mod denial_ledger;
mod denied_by;
mod diagnosis;
mod health;
mod health_status;
mod history_item;
mod json_object;
mod observed_denial;
mod organization;
mod policy_schema;
mod region;
mod request;
mod secret;
mod severity;
mod tone;
mod wire;

pub use access_key::{AccessKeyId, AwsCredentials};
pub use cache_status::CacheStatus;
pub use changes::{Changes, FindingKey, PermissionChange, StatusChange};
pub use checks::{
    CheckId, CloudTrailState, CloudTrailWord, ConfigState, ConfigWord, RegionState, RegionStatus,
    RegionWords, SecurityHubState, SecurityHubWord,
};
pub use code::{Code, UnknownCode};
pub use connection::Connection;
pub use decision::Decision;
pub use denial_ledger::{DenialLedger, DenialTally, RecentEventsLook, RegionLedger};
pub use denied_by::DeniedBy;
pub use diagnosis::*;
pub use health::connection_report;
pub use health_status::HealthStatus;
pub use history_item::HistoryItem;
pub use json_object::{object, optional_object};
pub use observed_denial::{ObservedDenial, ObservedRegion, ObservedWindow};
pub use organization::{
    AccountRegion, ConfigRecording, ConfigurationType, DataFlow, MAX_LISTED_ACCOUNTS,
    MemberRegions, Membership, Organization, OrganizationAccount, OrganizationRole,
};
pub use policy_schema::{PolicyDocument, PolicyEffect, PolicyStatement, StringOrList};
pub use region::{PARTITIONS, Partition, Region};
pub use request::{
    AssumeRole, AssumeRoleBody, CredentialsBody, DiagnosisRequest, DiagnosisRequestBody,
    FieldError, is_connector_id,
};
pub use secret::Secret;
pub use severity::Severity;
pub use tone::Tone;
pub use wire::wire_word;
