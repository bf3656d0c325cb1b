//! The AWS SDKs' standard endpoint variables, for the command line: `AWS_ENDPOINT_URL` sends
//! every service's calls to one URL, `AWS_ENDPOINT_URL_<SERVICE>` one service's (the service id
//! as the SDKs spell it, upper case with `_` for its spaces: `AWS_ENDPOINT_URL_STS`,
//! `AWS_ENDPOINT_URL_CONFIG_SERVICE`), which wins over the first; with
//! `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` neither counts. The SDK's clients ask for their
//! service's by its own id ([`LoadServiceConfig`]), so no list of ids is kept here. The service
//! never reads them: its endpoint is its own setting.

use std::collections::BTreeMap;

use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

use crate::setting_values::http_url;

/// The variable of every service.
const EVERY_SERVICE: &str = "AWS_ENDPOINT_URL";

/// `true` turns every endpoint variable off, as in the SDKs.
const IGNORE: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

/// The endpoint variables found in an environment, each an http(s) URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointVariables(BTreeMap<String, String>);

impl EndpointVariables {
    /// The endpoint variables of `environment` (name and value pairs), or what is wrong with
    /// one of them. An empty value is unset.
    pub fn from_environment(
        environment: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, String> {
        let mut found = BTreeMap::new();
        let mut ignored = false;
        for (name, value) in environment {
            if name == IGNORE {
                ignored = value.trim().eq_ignore_ascii_case("true");
            } else if (name == EVERY_SERVICE || name.starts_with("AWS_ENDPOINT_URL_"))
                && !value.is_empty()
            {
                let url = http_url(&value).map_err(|problem| format!("{name} {problem}"))?;
                found.insert(name, url);
            }
        }
        if ignored {
            found.clear();
        }
        Ok(Self(found))
    }

    /// Whether no variable is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The URL of the service the SDKs name `service_id` (`Config Service`), if a variable
    /// gives one: its own variable, else the one of every service.
    pub fn for_service(&self, service_id: &str) -> Option<&str> {
        let own = format!(
            "{EVERY_SERVICE}_{}",
            service_id.to_ascii_uppercase().replace(' ', "_")
        );
        self.0
            .get(&own)
            .or_else(|| self.0.get(EVERY_SERVICE))
            .map(String::as_str)
    }
}

impl LoadServiceConfig for EndpointVariables {
    /// An SDK client asks for its endpoint (`AWS_ENDPOINT_URL`) by its service id; nothing
    /// else is configured here.
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        if key.env() != EVERY_SERVICE {
            return None;
        }
        self.for_service(key.service_id()).map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables(pairs: &[(&str, &str)]) -> Result<EndpointVariables, String> {
        EndpointVariables::from_environment(
            pairs
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
        )
    }

    #[test]
    fn a_service_s_own_variable_wins_over_the_one_of_every_service() {
        let found = variables(&[
            ("AWS_ENDPOINT_URL", "http://every:1"),
            ("AWS_ENDPOINT_URL_CONFIG_SERVICE", "http://config:2"),
            ("AWS_ENDPOINT_URL_STS", ""),
            ("AWS_REGION", "us-east-1"),
        ])
        .unwrap();
        assert_eq!(found.for_service("Config Service"), Some("http://config:2"));
        assert_eq!(found.for_service("STS"), Some("http://every:1"));
        assert_eq!(found.for_service("SecurityHub"), Some("http://every:1"));
    }

    #[test]
    fn without_variables_or_when_told_to_ignore_them_nothing_is_configured() {
        assert!(variables(&[("HOME", "/root")]).unwrap().is_empty());
        let ignored = variables(&[
            ("AWS_ENDPOINT_URL_STS", "http://sts:1"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ])
        .unwrap();
        assert_eq!(ignored.for_service("STS"), None);
    }

    #[test]
    fn a_value_that_is_no_url_is_refused_naming_its_variable() {
        let refused = variables(&[("AWS_ENDPOINT_URL_IAM", "localhost:4566")]).unwrap_err();
        assert!(refused.starts_with("AWS_ENDPOINT_URL_IAM "), "{refused}");
    }
}
