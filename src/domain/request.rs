//! The body of `POST /v1/diagnoses` as sent, and the validated request the probes run on.

use serde::Deserialize;
use utoipa::ToSchema;

use super::{
    AccessKeyId, AwsCredentials, Connection, Partition, Region, Secret, object, optional_object,
};

/// Longest accepted secret access key (AWS issues 40 characters).
const MAX_SECRET_LEN: usize = 128;
/// Longest accepted session token: AWS's run to a few kilobytes, and AWS does not fix a bound.
const MAX_SESSION_TOKEN_LEN: usize = 16 * 1024;
/// Most regions one request may name.
const MAX_REGIONS: usize = 64;

/// Credentials of the connector, as the portal stores them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Credentials)]
pub struct CredentialsBody {
    /// `AKIA…` or `ASIA…` access key id.
    #[schema(
        example = "AKIAIOSFODNN7EXAMPLE",
        pattern = "^(AKIA|ASIA)[A-Z0-9]{16}$"
    )]
    pub access_key_id: String,
    /// The secret access key; never echoed, logged or stored.
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 128, example = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")]
    pub secret_access_key: Secret,
    /// Session token, required for `ASIA` keys: printable ASCII (it travels in a header).
    #[schema(value_type = Option<String>, format = Password, max_length = 16384, pattern = "^[\\x20-\\x7E]*$")]
    #[serde(default)]
    pub session_token: Option<Secret>,
}

/// A role to assume before diagnosing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AssumeRoleRequest)]
pub struct AssumeRoleBody {
    /// ARN of the role.
    #[schema(
        example = "arn:aws:iam::123456789012:role/mdca",
        pattern = "^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$"
    )]
    pub role_arn: String,
    /// External id the role's trust policy requires, if any.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9+=,.@:/_-]{2,1224}$")]
    pub external_id: Option<String>,
}

/// Request body of `POST /v1/diagnoses`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DiagnosisRequest)]
pub struct DiagnosisRequestBody {
    /// The caller's id for the connector: `[A-Za-z0-9._-]{1,128}`.
    #[serde(default)]
    #[schema(example = "contoso-prod", pattern = "^[A-Za-z0-9._-]{1,128}$")]
    pub connector_id: Option<String>,
    /// Connections to diagnose; default both.
    #[serde(default)]
    #[schema(min_items = 1)]
    pub connections: Option<Vec<Connection>>,
    /// The connector's credentials.
    #[serde(deserialize_with = "object")]
    pub credentials: CredentialsBody,
    /// Optional role to assume first.
    #[serde(default, deserialize_with = "optional_object")]
    pub assume_role: Option<AssumeRoleBody>,
    /// Regions to check, all of one partition; default: the account's enabled regions (read
    /// from AWS), else the default regions of the key's partition.
    #[serde(default)]
    #[schema(example = json!(["us-east-1", "eu-west-1"]), min_items = 1, max_items = 64)]
    pub regions: Option<Vec<String>>,
    /// Bypass the cache (the fresh result is cached).
    #[serde(default)]
    pub refresh: bool,
    /// The account the portal believes the key belongs to (12 digits): a key of another
    /// account is `CREDENTIALS_WRONG_ACCOUNT`, and the other checks still say what that key can
    /// do.
    #[serde(default)]
    #[schema(example = "123456789012", pattern = "^[0-9]{12}$")]
    pub expected_account_id: Option<String>,
}

/// One reason a request is invalid, pointing at its field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field, e.g. `credentials.access_key_id` or `regions[1]`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// Builds an error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A role to assume, validated.
#[derive(Debug, Clone)]
pub struct AssumeRole {
    /// ARN of the role.
    pub role_arn: String,
    /// External id, if any.
    pub external_id: Option<Secret>,
}

/// A validated diagnosis request.
#[derive(Debug, Clone)]
pub struct DiagnosisRequest {
    /// The caller's connector id.
    pub connector_id: Option<String>,
    /// Requested connections, sorted and without duplicates.
    pub connections: Vec<Connection>,
    /// The credentials to diagnose.
    pub credentials: AwsCredentials,
    /// Role to assume first.
    pub assume_role: Option<AssumeRole>,
    /// Regions the caller named; `None`: the account's enabled regions, found by the diagnosis.
    pub named_regions: Option<Vec<Region>>,
    /// The partition of the named regions, whose STS is asked first (commercial AWS when none
    /// are named). The key's own partition is found by the diagnosis (`identity.partition`).
    pub partition: Partition,
    /// Bypass the cache.
    pub refresh: bool,
    /// The account the key should belong to (12 digits), when the caller said.
    pub expected_account_id: Option<String>,
}

impl DiagnosisRequest {
    /// Every secret of the request (credentials and the external id), to scrub from kept texts.
    pub fn secret_values(&self) -> Vec<&str> {
        let mut values = self.credentials.secret_values();
        if let Some(external_id) = self
            .assume_role
            .as_ref()
            .and_then(|r| r.external_id.as_ref())
        {
            values.push(external_id.expose());
        }
        values
    }
}

impl TryFrom<DiagnosisRequestBody> for DiagnosisRequest {
    type Error = Vec<FieldError>;

    /// Checks every field and reports every problem at once.
    fn try_from(body: DiagnosisRequestBody) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();

        if let Some(id) = &body.connector_id
            && !is_connector_id(id)
        {
            errors.push(FieldError::new(
                "connector_id",
                "must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' or '-'",
            ));
        }

        let mut connections = body.connections.unwrap_or_else(|| Connection::ALL.to_vec());
        if connections.is_empty() {
            errors.push(FieldError::new(
                "connections",
                "must name at least one connection, or be left out for both",
            ));
        }
        connections.sort();
        connections.dedup();

        let credentials = validate_credentials(body.credentials, &mut errors);
        let assume_role = body
            .assume_role
            .and_then(|role| validate_assume_role(role, &mut errors));
        let (named_regions, partition) = validate_regions(body.regions, &mut errors);
        if let Some(account) = &body.expected_account_id
            && !is_account_id(account)
        {
            errors.push(FieldError::new(
                "expected_account_id",
                "must be an AWS account id: 12 digits such as 123456789012",
            ));
        }

        match credentials {
            Some(credentials) if errors.is_empty() => Ok(Self {
                connector_id: body.connector_id,
                connections,
                credentials,
                assume_role,
                named_regions,
                partition,
                refresh: body.refresh,
                expected_account_id: body.expected_account_id,
            }),
            _ => Err(errors),
        }
    }
}

/// Twelve ASCII digits, as AWS writes account ids (leading zeros kept).
fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `id` is a connector id: 1 to 128 of `A-Z a-z 0-9 . _ -`.
pub fn is_connector_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn validate_credentials(
    body: CredentialsBody,
    errors: &mut Vec<FieldError>,
) -> Option<AwsCredentials> {
    let key = AccessKeyId::parse(&body.access_key_id)
        .map_err(|message| errors.push(FieldError::new("credentials.access_key_id", message)))
        .ok();
    let secret_len = body.secret_access_key.expose().len();
    if secret_len == 0 || secret_len > MAX_SECRET_LEN {
        errors.push(FieldError::new(
            "credentials.secret_access_key",
            format!("must be 1 to {MAX_SECRET_LEN} characters"),
        ));
    }
    let token = body
        .session_token
        .filter(|token| !token.expose().is_empty());
    // It travels in a header: a CR, LF or NUL would break the request before AWS could answer,
    // and any other byte outside printable ASCII is no token AWS issues.
    if let Some(token) = &token
        && (token.expose().len() > MAX_SESSION_TOKEN_LEN
            || !token.expose().bytes().all(|b| (0x20..=0x7e).contains(&b)))
    {
        errors.push(FieldError::new(
            "credentials.session_token",
            format!("must be at most {MAX_SESSION_TOKEN_LEN} characters of printable ASCII"),
        ));
    }
    if key.as_ref().is_some_and(AccessKeyId::is_temporary) && token.is_none() {
        errors.push(FieldError::new(
            "credentials.session_token",
            "is required for temporary (ASIA…) access keys",
        ));
    }
    Some(AwsCredentials {
        access_key_id: key?,
        secret_access_key: body.secret_access_key,
        session_token: token,
        expires_at: None,
    })
}

fn validate_assume_role(body: AssumeRoleBody, errors: &mut Vec<FieldError>) -> Option<AssumeRole> {
    if !is_role_arn(&body.role_arn) {
        errors.push(FieldError::new(
            "assume_role.role_arn",
            "must be a role ARN such as arn:aws:iam::123456789012:role/name",
        ));
        return None;
    }
    if let Some(external_id) = &body.external_id
        && !is_external_id(external_id)
    {
        errors.push(FieldError::new(
            "assume_role.external_id",
            "must be 2 to 1224 characters of letters, digits and +=,.@:/-",
        ));
        return None;
    }
    Some(AssumeRole {
        role_arn: body.role_arn,
        external_id: body.external_id.map(Secret::new),
    })
}

/// `arn:<partition>:iam::<12 digits>:role/<path and name>`.
fn is_role_arn(arn: &str) -> bool {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let name = resource.strip_prefix("role/").unwrap_or_default();
    matches!(partition, "aws" | "aws-cn" | "aws-us-gov")
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && (1..=512).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_/-".contains(&b))
}

fn is_external_id(id: &str) -> bool {
    (2..=1224).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@:/_-".contains(&b))
}

fn validate_regions(
    names: Option<Vec<String>>,
    errors: &mut Vec<FieldError>,
) -> (Option<Vec<Region>>, Partition) {
    let Some(names) = names else {
        return (None, Partition::Aws);
    };
    if names.is_empty() || names.len() > MAX_REGIONS {
        errors.push(FieldError::new(
            "regions",
            format!("must name 1 to {MAX_REGIONS} regions, or be left out for the defaults"),
        ));
        return (None, Partition::Aws);
    }
    let mut regions: Vec<Region> = Vec::with_capacity(names.len());
    for (index, name) in names.iter().enumerate() {
        match Region::parse(name) {
            Some(region) if !regions.contains(&region) => regions.push(region),
            Some(_) => errors.push(FieldError::new(
                format!("regions[{index}]"),
                "names a region already named before it",
            )),
            None => errors.push(FieldError::new(
                format!("regions[{index}]"),
                "is not a known AWS region name such as us-east-1",
            )),
        }
    }
    let partition = regions.first().map_or(Partition::Aws, |r| r.partition());
    if regions.iter().any(|region| region.partition() != partition) {
        errors.push(FieldError::new(
            "regions",
            "must all belong to one AWS partition (commercial, China or GovCloud)",
        ));
    }
    (Some(regions), partition)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_are_checked() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/mdca"));
        assert!(is_role_arn(
            "arn:aws-us-gov:iam::123456789012:role/path/to/mdca"
        ));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/mdca"));
        assert!(!is_role_arn("arn:aws:iam::12345:role/mdca"));
        assert!(!is_role_arn("arn:aws:s3:::bucket"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:role/"));
    }

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(is_account_id("012345678901"));
        assert!(!is_account_id("12345678901"));
        assert!(!is_account_id("1234567890123"));
        assert!(!is_account_id("12345678901a"));
        assert!(!is_account_id("１２３４５６７８９０１２"));
    }

    #[test]
    fn connector_ids_are_checked() {
        assert!(is_connector_id("contoso-prod_1.2"));
        assert!(!is_connector_id(""));
        assert!(!is_connector_id("a b"));
        assert!(!is_connector_id(&"a".repeat(129)));
    }
}
