//! The checks' words on the wire: which checks a diagnosis runs and the connections each one
//! decides, and each regional check's state in a region. A new check adds its id here and, for a
//! regional one, its own state words and its column of [`RegionStatus`]; the probes' check
//! modules decide everything else.

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use super::Connection;

/// The checks a diagnosis runs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    /// `sts:GetCallerIdentity` with the given credentials.
    Identity,
    /// `sts:AssumeRole` into the requested role.
    AssumeRole,
    /// A verdict for every required action.
    Permissions,
    /// CloudTrail trails and their status.
    Cloudtrail,
    /// Security Hub in each region.
    SecurityHub,
    /// AWS Config in each region.
    Config,
    /// The account's place among its Security Hub administrator, members and organization;
    /// for an administrator, every member account and region covered with data flowing.
    Organization,
    /// Which regions were checked and which are disabled.
    Regions,
}

impl CheckId {
    /// Every check, in the order a diagnosis runs them.
    pub const ALL: [CheckId; 8] = [
        CheckId::Identity,
        CheckId::AssumeRole,
        CheckId::Permissions,
        CheckId::Cloudtrail,
        CheckId::SecurityHub,
        CheckId::Config,
        CheckId::Organization,
        CheckId::Regions,
    ];

    /// The connections whose health this check decides.
    pub fn connections(self) -> &'static [Connection] {
        match self {
            CheckId::Identity | CheckId::AssumeRole | CheckId::Permissions | CheckId::Regions => {
                &Connection::ALL
            }
            CheckId::Cloudtrail => &[Connection::SecurityAuditing],
            CheckId::SecurityHub | CheckId::Config | CheckId::Organization => {
                &[Connection::SecurityConfiguration]
            }
        }
    }

    /// The check's name for people: a column's heading, a line of the terminal report.
    pub fn title(self) -> &'static str {
        match self {
            CheckId::Identity => "Identity",
            CheckId::AssumeRole => "Assume role",
            CheckId::Permissions => "Permissions",
            CheckId::Cloudtrail => "CloudTrail",
            CheckId::SecurityHub => "Security Hub",
            CheckId::Config => "Config",
            CheckId::Organization => "Organization",
            CheckId::Regions => "Regions",
        }
    }
}

/// A regional check's own state words (`enabled`, `recording`, ...): the words that only this
/// check can produce.
pub trait RegionWords: Copy + 'static {
    /// The name of the check's state in the OpenAPI document (`SecurityHubState`).
    const SCHEMA: &'static str;
    /// What the state is, for the OpenAPI document.
    const DESCRIPTION: &'static str;
    /// Every own word, in the document's order.
    const ALL: &'static [Self];

    /// The wire word.
    fn word(self) -> &'static str;
}

/// A regional check's state in one region: one of its own words, or one of the words that every
/// regional check shares. Written on the wire as one flat word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionState<S> {
    /// The check's own word.
    Is(S),
    /// The credentials may not look.
    AccessDenied,
    /// Could not be determined.
    Error,
    /// Not checked.
    Skipped,
}

/// The shared words, after a check's own in the OpenAPI document.
const SHARED_WORDS: [&str; 3] = ["access_denied", "error", "skipped"];

impl<S: RegionWords> RegionState<S> {
    /// The wire word.
    pub fn word(self) -> &'static str {
        match self {
            RegionState::Is(own) => own.word(),
            RegionState::AccessDenied => SHARED_WORDS[0],
            RegionState::Error => SHARED_WORDS[1],
            RegionState::Skipped => SHARED_WORDS[2],
        }
    }

    /// The state a wire word names, if any.
    pub fn parse(word: &str) -> Option<Self> {
        let shared = [
            RegionState::AccessDenied,
            RegionState::Error,
            RegionState::Skipped,
        ];
        S::ALL
            .iter()
            .map(|&own| RegionState::Is(own))
            .chain(shared)
            .find(|state| state.word() == word)
    }

    /// Every word, own words first.
    fn words() -> Vec<&'static str> {
        S::ALL
            .iter()
            .map(|own| own.word())
            .chain(SHARED_WORDS)
            .collect()
    }
}

impl<S: RegionWords> Serialize for RegionState<S> {
    fn serialize<Z: serde::Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.serialize_str(self.word())
    }
}

impl<'de, S: RegionWords> Deserialize<'de> for RegionState<S> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(WordVisitor(PhantomData))
    }
}

/// Reads one of a state's words.
struct WordVisitor<S>(PhantomData<S>);

impl<S: RegionWords> serde::de::Visitor<'_> for WordVisitor<S> {
    type Value = RegionState<S>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "one of {}", RegionState::<S>::words().join(", "))
    }

    fn visit_str<E: serde::de::Error>(self, word: &str) -> Result<Self::Value, E> {
        RegionState::parse(word)
            .ok_or_else(|| E::unknown_variant(word, &["a state word of this check"]))
    }
}

impl<S: RegionWords> PartialSchema for RegionState<S> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(S::DESCRIPTION))
            .enum_values(Some(Self::words()))
            .into()
    }
}

impl<S: RegionWords> ToSchema for RegionState<S> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed(S::SCHEMA)
    }
}

/// Declares a regional check's own words and the name of its state type.
macro_rules! region_words {
    (
        $(#[$doc:meta])*
        $state:ident = RegionState<$words:ident>, $description:literal {
            $($(#[$word_doc:meta])* $word:ident => $wire:literal,)+
        }
    ) => {
        #[doc = concat!("The words only the check of [`", stringify!($state), "`] produces.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $words {
            $($(#[$word_doc])* $word,)+
        }

        impl RegionWords for $words {
            const SCHEMA: &'static str = stringify!($state);
            const DESCRIPTION: &'static str = $description;
            const ALL: &'static [Self] = &[$($words::$word,)+];

            fn word(self) -> &'static str {
                match self {
                    $($words::$word => $wire,)+
                }
            }
        }

        $(#[$doc])*
        pub type $state = RegionState<$words>;
    };
}

region_words! {
    /// Security Hub's state in one region.
    SecurityHubState = RegionState<SecurityHubWord>, "Security Hub state in one region." {
        /// Enabled.
        Enabled => "enabled",
        /// Not enabled.
        NotEnabled => "not_enabled",
        /// The region is disabled for the account.
        RegionDisabled => "region_disabled",
    }
}

region_words! {
    /// AWS Config's state in one region.
    ConfigState = RegionState<ConfigWord>, "AWS Config state in one region." {
        /// A recorder is recording.
        Recording => "recording",
        /// A recorder exists but is stopped.
        NotRecording => "not_recording",
        /// No recorder exists.
        NoRecorder => "no_recorder",
        /// The region is disabled for the account.
        RegionDisabled => "region_disabled",
    }
}

region_words! {
    /// CloudTrail's coverage of one region (a disabled region is `skipped`: its trails are not
    /// judged).
    CloudTrailState = RegionState<CloudTrailWord>, "CloudTrail coverage of one region." {
        /// A logging trail covers the region.
        Logging => "logging",
        /// A trail covers it but is not logging.
        NotLogging => "not_logging",
        /// No trail covers it.
        NoTrail => "no_trail",
    }
}

/// The state of each service in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegionStatus {
    /// Security Hub.
    pub security_hub: SecurityHubState,
    /// AWS Config.
    pub config: ConfigState,
    /// CloudTrail.
    pub cloudtrail: CloudTrailState,
}

impl Default for RegionStatus {
    /// Nothing checked: what a check that does not run leaves.
    fn default() -> Self {
        Self {
            security_hub: RegionState::Skipped,
            config: RegionState::Skipped,
            cloudtrail: RegionState::Skipped,
        }
    }
}

impl RegionStatus {
    /// The regional checks' names for people, in the order of [`Self::cells`].
    pub fn column_titles() -> Vec<&'static str> {
        Self::default()
            .cells()
            .iter()
            .map(|(check, _)| check.title())
            .collect()
    }

    /// Each regional check's word, in the order people read them (a grid's columns).
    pub fn cells(&self) -> [(CheckId, &'static str); 3] {
        [
            (CheckId::Cloudtrail, self.cloudtrail.word()),
            (CheckId::SecurityHub, self.security_hub.word()),
            (CheckId::Config, self.config.word()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_flat_words_both_ways() {
        let status = RegionStatus {
            security_hub: RegionState::Is(SecurityHubWord::NotEnabled),
            config: RegionState::AccessDenied,
            cloudtrail: RegionState::Skipped,
        };
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "security_hub": "not_enabled", "config": "access_denied", "cloudtrail": "skipped"
            })
        );
        assert_eq!(
            serde_json::from_value::<RegionStatus>(json).unwrap(),
            status
        );
    }

    #[test]
    fn no_check_reads_another_checks_word() {
        assert!(serde_json::from_str::<CloudTrailState>("\"region_disabled\"").is_err());
        assert!(serde_json::from_str::<ConfigState>("\"enabled\"").is_err());
        assert_eq!(
            serde_json::from_str::<ConfigState>("\"region_disabled\"").unwrap(),
            RegionState::Is(ConfigWord::RegionDisabled)
        );
    }
}
