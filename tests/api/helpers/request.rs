//! The one way tests build a `POST /v1/diagnoses` body. Tests about malformed bodies start from a
//! built one and break it by hand.

use connector_doctor::domain::Connection;
use serde_json::{Value, json};

use super::{EXAMPLE_KEY_ID, EXAMPLE_SECRET};

/// A diagnosis request body. [`RequestBody::new`] is the example request: connector
/// `contoso-prod`, the documented example keys, region `eu-west-1`, and no `connections` (so both).
#[derive(Debug, Clone)]
pub struct RequestBody {
    connector_id: Option<String>,
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    connections: Option<Vec<Connection>>,
    regions: Vec<String>,
    assume_role: Option<Value>,
    refresh: bool,
}

impl Default for RequestBody {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestBody {
    /// The example request.
    pub fn new() -> Self {
        Self {
            connector_id: Some("contoso-prod".to_owned()),
            access_key_id: EXAMPLE_KEY_ID.to_owned(),
            secret_access_key: EXAMPLE_SECRET.to_owned(),
            session_token: None,
            connections: None,
            regions: vec!["eu-west-1".to_owned()],
            assume_role: None,
            refresh: false,
        }
    }

    /// The connector id.
    pub fn connector(mut self, connector_id: &str) -> Self {
        self.connector_id = Some(connector_id.to_owned());
        self
    }

    /// No connector id at all.
    pub fn without_connector(mut self) -> Self {
        self.connector_id = None;
        self
    }

    /// The access key.
    pub fn credentials(mut self, access_key_id: &str, secret_access_key: &str) -> Self {
        self.access_key_id = access_key_id.to_owned();
        self.secret_access_key = secret_access_key.to_owned();
        self
    }

    /// A session token, for temporary (`ASIA...`) keys.
    pub fn session_token(mut self, token: &str) -> Self {
        self.session_token = Some(token.to_owned());
        self
    }

    /// The connections to check (both when never called).
    pub fn connections(mut self, connections: &[Connection]) -> Self {
        self.connections = Some(connections.to_vec());
        self
    }

    /// The regions to check.
    pub fn regions(mut self, regions: &[&str]) -> Self {
        self.regions = regions.iter().map(|&region| region.to_owned()).collect();
        self
    }

    /// Diagnose the role session of `role_arn`, assumed with `external_id` if given.
    pub fn assume_role(mut self, role_arn: &str, external_id: Option<&str>) -> Self {
        let mut assume_role = json!({ "role_arn": role_arn });
        if let Some(external_id) = external_id {
            assume_role["external_id"] = external_id.into();
        }
        self.assume_role = Some(assume_role);
        self
    }

    /// Bypass the cache (`"refresh": true`).
    pub fn refresh(mut self) -> Self {
        self.refresh = true;
        self
    }

    /// The JSON body.
    pub fn build(&self) -> Value {
        let mut credentials = json!({
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
        });
        if let Some(token) = &self.session_token {
            credentials["session_token"] = token.as_str().into();
        }
        let mut body = json!({ "credentials": credentials, "regions": self.regions });
        if let Some(connector_id) = &self.connector_id {
            body["connector_id"] = connector_id.as_str().into();
        }
        if let Some(connections) = &self.connections {
            body["connections"] = json!(connections);
        }
        if let Some(assume_role) = &self.assume_role {
            body["assume_role"] = assume_role.clone();
        }
        if self.refresh {
            body["refresh"] = true.into();
        }
        body
    }
}
