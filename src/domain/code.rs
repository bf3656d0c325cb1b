//! The diagnosis codes: one stable, machine-readable identifier per known failure. The
//! catalogue describes each (cause, fix, documentation); findings carry them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares [`Code`], its wire strings and [`Code::ALL`] from one list, so they cannot drift apart.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $wire:literal,)+) => {
        /// A troubleshooting catalogue code, serialized as its `SCREAMING_SNAKE_CASE` wire string.
        ///
        /// The declaration order is the catalogue order: it groups codes by the check that raises them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum Code {
            $($(#[$doc])* $variant,)+
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)+];

            /// The wire string, e.g. `"CREDENTIALS_INVALID_KEY_ID"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $wire,)+
                }
            }
        }
    };
}

codes! {
    /// The access key ID is unknown to AWS (deleted, deactivated, mistyped, other partition).
    CredentialsInvalidKeyId => "CREDENTIALS_INVALID_KEY_ID",
    /// The secret access key does not match the access key ID.
    CredentialsSignatureMismatch => "CREDENTIALS_SIGNATURE_MISMATCH",
    /// Temporary credentials (session token) have expired.
    CredentialsExpired => "CREDENTIALS_EXPIRED",
    /// The request carried no usable credentials or a malformed signature.
    CredentialsMalformed => "CREDENTIALS_MALFORMED",
    /// A key or policy that AWS has not propagated everywhere yet: a region enabled by default
    /// rejects a key that STS accepted.
    CredentialsPropagating => "CREDENTIALS_PROPAGATING",
    /// The key belongs to another partition (GovCloud, China, commercial) than the regions asked for.
    CredentialsWrongPartition => "CREDENTIALS_WRONG_PARTITION",
    /// AWS attached its quarantine policy (`AWSCompromisedKeyQuarantine*`) to the key's user: the
    /// key was exposed.
    CredentialsQuarantined => "CREDENTIALS_QUARANTINED",
    /// An `ASIA` session credential given to a connector that stores its keys: it stops working
    /// when the session ends.
    CredentialsTemporary => "CREDENTIALS_TEMPORARY",
    /// The user's access key is older than 90 days.
    CredentialsKeyOld => "CREDENTIALS_KEY_OLD",
    /// The key belongs to another account than the one the caller expects.
    CredentialsWrongAccount => "CREDENTIALS_WRONG_ACCOUNT",
    /// A session token from the global STS endpoint (version 1) used in an opt-in region.
    SessionTokenRegionUnsupported => "SESSION_TOKEN_REGION_UNSUPPORTED",
    /// The connector uses the account's root user keys.
    RootCredentialsUsed => "ROOT_CREDENTIALS_USED",
    /// The caller's clock is too far from AWS time.
    ClockSkew => "CLOCK_SKEW",
    /// `sts:AssumeRole` on the given role was refused.
    AssumeRoleDenied => "ASSUME_ROLE_DENIED",
    /// A required action is not allowed by any identity-based policy.
    PermissionMissing => "PERMISSION_MISSING",
    /// A required action is denied by an AWS Organizations service control policy.
    PermissionDeniedByScp => "PERMISSION_DENIED_BY_SCP",
    /// A resource control policy of the organization denies a required action.
    PermissionDeniedByRcp => "PERMISSION_DENIED_BY_RCP",
    /// A required action is outside the identity's permissions boundary.
    PermissionDeniedByBoundary => "PERMISSION_DENIED_BY_BOUNDARY",
    /// A required action is explicitly denied by an identity, session, resource or endpoint policy.
    PermissionExplicitDeny => "PERMISSION_EXPLICIT_DENY",
    /// The permissions could not be verified (simulation and policy reading both unavailable).
    PermissionCheckUnavailable => "PERMISSION_CHECK_UNAVAILABLE",
    /// The decision depends on a condition (caller's IP, VPC, VPC endpoint) that a diagnosis
    /// from this service cannot reproduce.
    PermissionConditional => "PERMISSION_CONDITIONAL",
    /// CloudTrail recorded the connector's own calls of a required action denied.
    PermissionDeniedInProduction => "PERMISSION_DENIED_IN_PRODUCTION",
    /// CloudTrail's record of the connector's own calls could not be read.
    ObservedDenialsUnavailable => "OBSERVED_DENIALS_UNAVAILABLE",
    /// A bucket enforces bucket-owner ownership: `s3:PutBucketAcl` fails whatever the policy says.
    S3AclDisabled => "S3_ACL_DISABLED",
    /// A managed policy the seed guide asks for is not attached.
    ManagedPolicyNotAttached => "MANAGED_POLICY_NOT_ATTACHED",
    /// One of the diagnosis's own read-only calls was denied.
    AccessDenied => "ACCESS_DENIED",
    /// No CloudTrail trail exists.
    CloudtrailNoTrail => "CLOUDTRAIL_NO_TRAIL",
    /// A trail exists but is not logging.
    CloudtrailNotLogging => "CLOUDTRAIL_NOT_LOGGING",
    /// No logging trail covers all Regions.
    CloudtrailNotMultiRegion => "CLOUDTRAIL_NOT_MULTI_REGION",
    /// CloudTrail cannot deliver log files to its bucket.
    CloudtrailDeliveryError => "CLOUDTRAIL_DELIVERY_ERROR",
    /// CloudTrail returned no recent management events.
    CloudtrailNoRecentEvents => "CLOUDTRAIL_NO_RECENT_EVENTS",
    /// A logging trail's selectors record data events only.
    CloudtrailNoManagementEvents => "CLOUDTRAIL_NO_MANAGEMENT_EVENTS",
    /// Trails exist, but their status could not be read (denied, throttled, timed out).
    CloudtrailStatusUnknown => "CLOUDTRAIL_STATUS_UNKNOWN",
    /// Security Hub is not enabled in a Region.
    SecurityHubNotEnabled => "SECURITY_HUB_NOT_ENABLED",
    /// The CIS AWS Foundations Benchmark standard is not enabled in Security Hub.
    SecurityHubCisStandardDisabled => "SECURITY_HUB_CIS_STANDARD_DISABLED",
    /// A Security Hub standards subscription is `FAILED` or `INCOMPLETE`.
    SecurityHubStandardFailed => "SECURITY_HUB_STANDARD_FAILED",
    /// Security Hub is enabled but holds no findings yet.
    SecurityHubNoFindings => "SECURITY_HUB_NO_FINDINGS",
    /// The account is a Security Hub member of another (administrator) account.
    SecurityHubMemberAccount => "SECURITY_HUB_MEMBER_ACCOUNT",
    /// Accounts of the organization are not Security Hub members in some checked regions.
    SecurityHubMemberMissing => "SECURITY_HUB_MEMBER_MISSING",
    /// Members whose relationship with the administrator is not `enabled`.
    SecurityHubMemberNotEnabled => "SECURITY_HUB_MEMBER_NOT_ENABLED",
    /// Enabled members whose findings were not updated in the last 48 hours.
    SecurityHubMemberNoData => "SECURITY_HUB_MEMBER_NO_DATA",
    /// A finding aggregator exists and a checked region is not linked to it.
    SecurityHubRegionNotAggregated => "SECURITY_HUB_REGION_NOT_AGGREGATED",
    /// The organization does not make new accounts Security Hub members automatically.
    SecurityHubAutoEnableOff => "SECURITY_HUB_AUTO_ENABLE_OFF",
    /// The management account was connected; another account administers Security Hub.
    SecurityHubNotDelegatedAdministrator => "SECURITY_HUB_NOT_DELEGATED_ADMINISTRATOR",
    /// An AWS Config recorder exists but is stopped.
    ConfigNotRecording => "CONFIG_NOT_RECORDING",
    /// No AWS Config recorder exists in a Region.
    ConfigNoRecorder => "CONFIG_NO_RECORDER",
    /// The AWS Config recorder's last recording attempt failed.
    ConfigRecorderFailed => "CONFIG_RECORDER_FAILED",
    /// The recorder skips resource types, or no region records global resource types.
    ConfigPartialRecording => "CONFIG_PARTIAL_RECORDING",
    /// The last configuration history or snapshot delivery failed.
    ConfigDeliveryFailing => "CONFIG_DELIVERY_FAILING",
    /// A Region is not enabled for the account (opt-in Region).
    RegionDisabled => "REGION_DISABLED",
    /// The account's enabled regions could not be read; the partition's default regions were
    /// checked.
    RegionDiscoveryUnavailable => "REGION_DISCOVERY_UNAVAILABLE",
    /// An organization policy denies regions the caller did not name (a region guardrail).
    RegionRestrictedByScp => "REGION_RESTRICTED_BY_SCP",
    /// AWS throttled the calls.
    AwsThrottled => "AWS_THROTTLED",
    /// AWS answered with a server-side error (5xx).
    AwsServiceError => "AWS_SERVICE_ERROR",
    /// An AWS call did not answer in time.
    AwsTimeout => "AWS_TIMEOUT",
    /// AWS endpoints could not be reached at all (DNS, TCP, TLS).
    AwsUnreachable => "AWS_UNREACHABLE",
    /// An unexpected error inside the connector or this service.
    InternalError => "INTERNAL_ERROR",
}

impl Code {
    /// Whether the code means a check could not be completed, rather than that it found a problem.
    pub fn is_incomplete(self) -> bool {
        matches!(
            self,
            Code::AwsTimeout
                | Code::AwsUnreachable
                | Code::AwsThrottled
                | Code::AwsServiceError
                | Code::InternalError
        )
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The string is not a catalogue code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown catalogue code `{0}`")]
pub struct UnknownCode(pub String);

impl FromStr for Code {
    type Err = UnknownCode;

    /// Parses a wire string; case-insensitive, surrounding whitespace ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}
