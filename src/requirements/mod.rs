//! What each AWS connection needs: the actions to allow, the managed policies to attach, the services
//! involved and, for security auditing, the policy JSON of the seed guide.
//!
//! The data lives in `requirements.toml` (its header documents every list and where it comes from),
//! compiled into the binary and checked by [`Requirements::validate`].

mod connection_requirements;
mod validate;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{Connection, Partition, Region};

pub use connection_requirements::ConnectionRequirements;
pub use validate::{KNOWN_SERVICE_PREFIXES, RequirementsError};

/// The built-in requirements source.
const BUILTIN_TOML: &str = include_str!("requirements.toml");

/// The built-in requirements, parsed and validated on first use.
static BUILTIN: LazyLock<Requirements> = LazyLock::new(|| {
    // A broken built-in file is a programming error, caught by tests/requirements.rs before release.
    Requirements::from_toml(BUILTIN_TOML).expect(
        "src/requirements/requirements.toml is invalid; run `cargo test --test requirements`",
    )
});

/// A concrete action required by one or more connections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RequiredAction {
    /// The IAM action, e.g. `iam:ListUsers`.
    pub action: String,
    /// What grants it in the guide: the seed policy entry (e.g. `iam:List*`) or the managed policy name
    /// (e.g. `SecurityAudit`); for an action several connections need, the first connection's source.
    pub source: String,
    /// Every requested connection that requires the action, in connection order.
    pub connections: Vec<Connection>,
    /// The resources the portal uses it on: an ARN pattern with `${Partition}`, `${Region}` and
    /// `${Account}` to fill in, or `*` for actions without resource types.
    pub resource: String,
}

impl RequiredAction {
    /// The resource ARN pattern filled in for one account and region.
    pub fn resource_in(&self, partition: Partition, region: Region, account: &str) -> String {
        self.resource
            .replace("${Partition}", partition.arn_name())
            .replace("${Region}", region.name())
            .replace("${Account}", account)
    }
}

/// The body of `GET /v1/requirements`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RequirementsResponse {
    /// The requirements of each connection.
    #[schema(value_type = RequirementsByConnection)]
    pub connections: BTreeMap<Connection, ConnectionRequirements>,
}

/// The requirements of both connections, keyed by connection (the schema of
/// `RequirementsResponse.connections`).
#[derive(Serialize, ToSchema)]
pub struct RequirementsByConnection {
    /// What security auditing needs.
    pub security_auditing: ConnectionRequirements,
    /// What security configuration needs.
    pub security_configuration: ConnectionRequirements,
}

/// The requirements file: one table per connection.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementsFile {
    security_auditing: ConnectionFile,
    security_configuration: ConnectionFile,
    /// Action → the ARN pattern of the resources it is used on; absent actions use `*`.
    #[serde(default)]
    resources: BTreeMap<String, String>,
}

/// One connection's table in the requirements file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectionFile {
    services: Vec<String>,
    managed_policies: Vec<String>,
    #[serde(default)]
    seed_policy: Option<String>,
    actions: Vec<ActionFile>,
}

/// One required action and what grants it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionFile {
    action: String,
    source: String,
}

/// One connection's requirements plus the source of each action.
#[derive(Debug, Clone)]
struct ConnectionData {
    body: ConnectionRequirements,
    /// `sources[i]` grants `body.actions[i]`.
    sources: Vec<String>,
}

/// The requirements of both connections.
#[derive(Debug, Clone)]
pub struct Requirements {
    security_auditing: ConnectionData,
    security_configuration: ConnectionData,
    resources: BTreeMap<String, String>,
}

impl Requirements {
    /// The requirements compiled into the binary.
    pub fn builtin() -> &'static Requirements {
        &BUILTIN
    }

    /// Parses and validates requirements in the `requirements.toml` format.
    pub fn from_toml(text: &str) -> Result<Requirements, RequirementsError> {
        let file: RequirementsFile = toml::from_str(text)?;
        let requirements = Requirements {
            security_auditing: ConnectionData::from_file(
                Connection::SecurityAuditing,
                file.security_auditing,
            )?,
            security_configuration: ConnectionData::from_file(
                Connection::SecurityConfiguration,
                file.security_configuration,
            )?,
            resources: file.resources,
        };
        requirements.validate()?;
        Ok(requirements)
    }

    /// Checks the content rules: well-formed actions with known service prefixes, no duplicates, every
    /// source a seed policy entry (or managed policy) that grants its action, every seed entry covered.
    pub fn validate(&self) -> Result<(), RequirementsError> {
        let mut problems = Vec::new();
        for connection in [
            Connection::SecurityAuditing,
            Connection::SecurityConfiguration,
        ] {
            let data = self.data(connection);
            validate::check_connection(connection, &data.body, &data.sources, &mut problems);
        }
        let every: Vec<String> = self
            .required_actions(&Connection::ALL)
            .into_iter()
            .map(|required| required.action)
            .collect();
        validate::check_resources(&self.resources, &every, &mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(RequirementsError::Invalid(problems))
        }
    }

    /// What `connection` needs.
    pub fn for_connection(&self, connection: Connection) -> &ConnectionRequirements {
        &self.data(connection).body
    }

    /// The concrete actions the given connections need, each once, sorted by action name, naming every
    /// given connection that needs it.
    pub fn required_actions(&self, connections: &[Connection]) -> Vec<RequiredAction> {
        let mut by_action: BTreeMap<&str, RequiredAction> = BTreeMap::new();
        for connection in [
            Connection::SecurityAuditing,
            Connection::SecurityConfiguration,
        ] {
            if !connections.contains(&connection) {
                continue;
            }
            let data = self.data(connection);
            for (action, source) in data.body.actions.iter().zip(&data.sources) {
                by_action
                    .entry(action)
                    .or_insert_with(|| RequiredAction {
                        action: action.clone(),
                        source: source.clone(),
                        connections: Vec::new(),
                        resource: self
                            .resources
                            .get(action.as_str())
                            .cloned()
                            .unwrap_or_else(|| "*".to_owned()),
                    })
                    .connections
                    .push(connection);
            }
        }
        by_action.into_values().collect()
    }

    /// The body of `GET /v1/requirements`.
    pub fn body(&self) -> RequirementsResponse {
        let connections = [
            Connection::SecurityAuditing,
            Connection::SecurityConfiguration,
        ]
        .into_iter()
        .map(|connection| (connection, self.for_connection(connection).clone()))
        .collect();
        RequirementsResponse { connections }
    }

    fn data(&self, connection: Connection) -> &ConnectionData {
        match connection {
            Connection::SecurityAuditing => &self.security_auditing,
            Connection::SecurityConfiguration => &self.security_configuration,
        }
    }
}

impl ConnectionData {
    fn from_file(
        connection: Connection,
        file: ConnectionFile,
    ) -> Result<ConnectionData, RequirementsError> {
        let policy_document = file
            .seed_policy
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|source| RequirementsError::PolicyJson { connection, source })?;
        let (actions, sources) = file
            .actions
            .into_iter()
            .map(|a| (a.action, a.source))
            .unzip();
        Ok(ConnectionData {
            body: ConnectionRequirements {
                actions,
                managed_policies: file.managed_policies,
                services: file.services,
                policy_document,
            },
            sources,
        })
    }
}
