//! The built-in troubleshooting catalogue and the message matcher.

use std::collections::BTreeSet;

use connector_doctor::catalogue::{
    Catalogue, CatalogueEntry, CatalogueError, MAX_MATCHES, MIN_SCORE, match_message,
};
use connector_doctor::domain::{Code, Connection, Severity};

#[path = "fixtures/aws_error_codes.rs"]
mod fixture;

/// The codes api.md says must exist, copied literally so that removing one fails this test.
const CONTRACT_CODES: &[&str] = &[
    "CREDENTIALS_INVALID_KEY_ID",
    "CREDENTIALS_SIGNATURE_MISMATCH",
    "CREDENTIALS_EXPIRED",
    "CREDENTIALS_MALFORMED",
    "ROOT_CREDENTIALS_USED",
    "CLOCK_SKEW",
    "ASSUME_ROLE_DENIED",
    "PERMISSION_MISSING",
    "PERMISSION_DENIED_BY_SCP",
    "PERMISSION_DENIED_BY_BOUNDARY",
    "PERMISSION_EXPLICIT_DENY",
    "PERMISSION_CHECK_UNAVAILABLE",
    "MANAGED_POLICY_NOT_ATTACHED",
    "CLOUDTRAIL_NO_TRAIL",
    "CLOUDTRAIL_NOT_LOGGING",
    "CLOUDTRAIL_NOT_MULTI_REGION",
    "CLOUDTRAIL_DELIVERY_ERROR",
    "CLOUDTRAIL_NO_RECENT_EVENTS",
    "SECURITY_HUB_NOT_ENABLED",
    "SECURITY_HUB_CIS_STANDARD_DISABLED",
    "SECURITY_HUB_NO_FINDINGS",
    "CONFIG_NOT_RECORDING",
    "CONFIG_NO_RECORDER",
    "REGION_DISABLED",
    "AWS_THROTTLED",
    "AWS_SERVICE_ERROR",
    "AWS_TIMEOUT",
    "AWS_UNREACHABLE",
    "INTERNAL_ERROR",
];

/// Codes added beyond the contract.
/// Codes of the second wave's contract (api.md, "Codes that must exist in addition") that exist so far.
const SECOND_WAVE_CODES: &[&str] = &[
    "CREDENTIALS_PROPAGATING",
    "PERMISSION_DENIED_BY_RCP",
    "CLOUDTRAIL_STATUS_UNKNOWN",
    "SECURITY_HUB_STANDARD_FAILED",
    "CONFIG_PARTIAL_RECORDING",
    "CONFIG_DELIVERY_FAILING",
    "CLOUDTRAIL_NO_MANAGEMENT_EVENTS",
    "REGION_RESTRICTED_BY_SCP",
    "PERMISSION_CONDITIONAL",
    "CREDENTIALS_WRONG_PARTITION",
    "SESSION_TOKEN_REGION_UNSUPPORTED",
    "REGION_DISCOVERY_UNAVAILABLE",
    "PERMISSION_DENIED_IN_PRODUCTION",
    "S3_ACL_DISABLED",
    "OBSERVED_DENIALS_UNAVAILABLE",
];

/// The third wave's codes (`../shared/design/api.md`, "Additions of the third wave").
const THIRD_WAVE_CODES: &[&str] = &[
    "SECURITY_HUB_MEMBER_MISSING",
    "SECURITY_HUB_MEMBER_NOT_ENABLED",
    "SECURITY_HUB_MEMBER_NO_DATA",
    "SECURITY_HUB_REGION_NOT_AGGREGATED",
    "SECURITY_HUB_AUTO_ENABLE_OFF",
    "SECURITY_HUB_NOT_DELEGATED_ADMINISTRATOR",
    "CREDENTIALS_QUARANTINED",
    "CREDENTIALS_TEMPORARY",
    "CREDENTIALS_KEY_OLD",
    "CREDENTIALS_WRONG_ACCOUNT",
];

const EXTRA_CODES: &[&str] = &[
    "ACCESS_DENIED",
    "CONFIG_RECORDER_FAILED",
    "SECURITY_HUB_MEMBER_ACCOUNT",
];

fn catalogue() -> &'static Catalogue {
    Catalogue::builtin()
}

/// The entries, which must not be empty: every check over them would pass on none.
fn entries() -> &'static [CatalogueEntry] {
    let entries = catalogue().entries();
    assert!(!entries.is_empty(), "the built-in catalogue has no entry");
    entries
}

fn first_match(message: &str) -> Code {
    let matches = match_message(catalogue(), message);
    assert!(!matches.is_empty(), "no match for {message:?}");
    matches[0].code
}

#[test]
fn builtin_catalogue_validates() {
    catalogue().validate().expect("built-in catalogue is valid");
}

#[test]
fn every_contract_code_has_an_entry() {
    for wire in CONTRACT_CODES
        .iter()
        .chain(SECOND_WAVE_CODES)
        .chain(THIRD_WAVE_CODES)
        .chain(EXTRA_CODES)
    {
        let entry = catalogue()
            .find(wire)
            .unwrap_or_else(|| panic!("no entry for {wire}"));
        assert_eq!(entry.code.to_string(), *wire);
    }
    assert_eq!(
        Code::ALL.len(),
        CONTRACT_CODES.len() + SECOND_WAVE_CODES.len() + THIRD_WAVE_CODES.len() + EXTRA_CODES.len(),
        "update EXTRA_CODES for a new code"
    );
}

#[test]
fn codes_are_unique_complete_and_in_catalogue_order() {
    let entries = catalogue().entries();
    let codes: Vec<Code> = entries.iter().map(|e| e.code).collect();
    assert_eq!(codes, Code::ALL, "one entry per code, in Code::ALL order");
    assert_eq!(codes.iter().collect::<BTreeSet<_>>().len(), codes.len());
    for code in Code::ALL {
        assert_eq!(catalogue().get(*code).code, *code);
    }
}

#[test]
fn code_wire_strings_round_trip() {
    for code in Code::ALL {
        let json = serde_json::to_string(code).expect("serialize");
        assert_eq!(json, format!("\"{code}\""));
        assert_eq!(
            serde_json::from_str::<Code>(&json).expect("deserialize"),
            *code
        );
        assert_eq!(code.as_str().parse::<Code>().expect("parse"), *code);
        assert_eq!(
            code.as_str()
                .to_lowercase()
                .parse::<Code>()
                .expect("parse lower-case"),
            *code
        );
    }
    assert!("NOT_A_CODE".parse::<Code>().is_err());
    assert!(catalogue().find("NOT_A_CODE").is_none());
}

#[test]
fn doc_links_are_https_and_well_formed() {
    for entry in entries() {
        assert!(!entry.docs.is_empty(), "{}", entry.code);
        for link in &entry.docs {
            let rest = link
                .strip_prefix("https://")
                .unwrap_or_else(|| panic!("{}: {link}", entry.code));
            let host = rest.split('/').next().unwrap_or_default();
            assert!(
                host == "docs.aws.amazon.com" || host == "learn.microsoft.com",
                "{}: unexpected documentation host in {link}",
                entry.code
            );
            assert!(
                !link.contains(char::is_whitespace),
                "{}: {link}",
                entry.code
            );
        }
    }
}

#[test]
fn entry_json_has_exactly_the_contract_fields() {
    let expected: BTreeSet<&str> = [
        "code",
        "severity",
        "title",
        "description",
        "resolution",
        "connections",
        "aws_error_codes",
        "legacy_messages",
        "docs",
        "retryable",
    ]
    .into();
    for entry in entries() {
        let json = serde_json::to_value(entry).expect("serialize");
        let object = json.as_object().expect("an object");
        let keys: BTreeSet<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(keys, expected, "{}", entry.code);
        assert_eq!(object["code"], entry.code.as_str());
    }
    let json =
        serde_json::to_value(catalogue().get(Code::SecurityHubNotEnabled)).expect("serialize");
    assert_eq!(json["severity"], "error");
    assert_eq!(
        json["connections"],
        serde_json::json!(["security_configuration"])
    );
    assert_eq!(
        json["aws_error_codes"],
        serde_json::json!(["InvalidAccessException"])
    );
}

#[test]
fn entries_have_sensible_defaults() {
    let severity = |code| catalogue().get(code).severity;
    assert_eq!(severity(Code::CredentialsInvalidKeyId), Severity::Error);
    assert_eq!(severity(Code::RootCredentialsUsed), Severity::Warning);
    assert_eq!(severity(Code::SecurityHubNotEnabled), Severity::Error);
    assert_eq!(
        severity(Code::SecurityHubCisStandardDisabled),
        Severity::Warning
    );
    assert_eq!(severity(Code::SecurityHubNoFindings), Severity::Warning);
    assert_eq!(severity(Code::SecurityHubMemberAccount), Severity::Info);
    assert_eq!(severity(Code::ConfigNoRecorder), Severity::Error);
    assert_eq!(severity(Code::RegionDisabled), Severity::Info);
    // The third wave's credential states, as the contract fixes them.
    assert_eq!(severity(Code::CredentialsQuarantined), Severity::Error);
    assert!(!catalogue().get(Code::CredentialsQuarantined).retryable);
    assert_eq!(severity(Code::CredentialsTemporary), Severity::Warning);
    assert_eq!(severity(Code::CredentialsKeyOld), Severity::Info);
    assert_eq!(severity(Code::CredentialsWrongAccount), Severity::Error);
    for code in [
        Code::AwsThrottled,
        Code::AwsTimeout,
        Code::AwsServiceError,
        Code::AwsUnreachable,
    ] {
        assert!(catalogue().get(code).retryable, "{code}");
    }
    assert!(!catalogue().get(Code::CredentialsInvalidKeyId).retryable);
    assert_eq!(
        catalogue().get(Code::CloudtrailNoTrail).connections,
        vec![Connection::SecurityAuditing]
    );
}

#[test]
fn legacy_rows_belong_to_the_right_entries() {
    let legacy = |code| catalogue().get(code).legacy_messages.clone();
    assert_eq!(legacy(Code::InternalError), vec!["NullPointerException"]);
    assert_eq!(
        legacy(Code::AwsServiceError),
        vec!["HttpRequestFailure: Server returned: 500 Internal server error"]
    );
    assert_eq!(legacy(Code::AwsTimeout), vec!["Service timeout"]);
}

#[test]
fn aws_error_codes_map_to_entries() {
    let c = catalogue();
    // The invalid key first: where identity fails, that is what the code means. A clock can
    // cause it, and after identity passed the probes read it by the region and the key.
    let invalid_key = vec![
        Code::CredentialsInvalidKeyId,
        Code::CredentialsPropagating,
        Code::CredentialsWrongPartition,
        Code::SessionTokenRegionUnsupported,
        Code::ClockSkew,
    ];
    assert_eq!(c.by_aws_error_code("InvalidClientTokenId"), invalid_key);
    assert_eq!(
        c.by_aws_error_code("UnrecognizedClientException"),
        invalid_key
    );
    assert_eq!(c.by_aws_error_code("InvalidAccessKeyId"), invalid_key);
    assert_eq!(
        c.by_aws_error_code("SignatureDoesNotMatch"),
        vec![Code::CredentialsSignatureMismatch, Code::ClockSkew]
    );
    assert_eq!(
        c.by_aws_error_code("InvalidSignatureException"),
        vec![Code::CredentialsSignatureMismatch, Code::ClockSkew]
    );
    assert_eq!(
        c.by_aws_error_code("RequestTimeoutException"),
        vec![Code::AwsTimeout]
    );
    assert_eq!(
        c.by_aws_error_code("MalformedPolicyDocument"),
        vec![Code::PermissionMissing, Code::AwsServiceError]
    );
    assert_eq!(
        c.by_aws_error_code("RequestTimeTooSkewed"),
        vec![Code::ClockSkew]
    );
    assert_eq!(
        c.by_aws_error_code("InvalidAccessException"),
        vec![Code::SecurityHubNotEnabled]
    );
    assert_eq!(
        c.by_aws_error_code("TrailNotFoundException"),
        vec![Code::CloudtrailNoTrail]
    );
    assert_eq!(
        c.by_aws_error_code("NoSuchConfigurationRecorderException"),
        vec![Code::ConfigNoRecorder]
    );
    assert_eq!(
        c.by_aws_error_code("OptInRequired"),
        vec![Code::RegionDisabled]
    );
    assert_eq!(c.by_aws_error_code("SlowDown"), vec![Code::AwsThrottled]);
    assert_eq!(
        c.by_aws_error_code("MissingAuthenticationToken"),
        vec![Code::CredentialsMalformed]
    );
    assert_eq!(
        c.by_aws_error_code("ServiceUnavailable"),
        vec![Code::AwsServiceError]
    );
    assert_eq!(
        c.by_aws_error_code("expiredtoken"),
        vec![Code::CredentialsExpired, Code::ClockSkew],
        "case-insensitive"
    );
    assert!(
        c.by_aws_error_code("AccessDenied")
            .contains(&Code::PermissionMissing)
    );
    assert!(
        c.by_aws_error_code("AccessDenied")
            .contains(&Code::PermissionDeniedByScp)
    );
    assert!(c.by_aws_error_code("NoSuchThing").is_empty());
}

#[test]
fn from_toml_rejects_broken_catalogues() {
    let builtin = include_str!("../src/catalogue/catalogue.toml");
    assert!(Catalogue::from_toml(builtin).is_ok());

    let typo = builtin.replacen("retryable = false", "retryabel = false", 1);
    // serde's `deny_unknown_fields` refuses the typo and names it.
    assert!(
        matches!(Catalogue::from_toml(&typo), Err(CatalogueError::Parse(e)) if e.to_string().contains("retryabel"))
    );

    let duplicate = builtin.replacen("code = \"CLOCK_SKEW\"", "code = \"CREDENTIALS_EXPIRED\"", 1);
    let Err(CatalogueError::Invalid(problems)) = Catalogue::from_toml(&duplicate) else {
        panic!("a duplicate code must be rejected");
    };
    assert!(
        problems
            .iter()
            .any(|p| p.contains("CREDENTIALS_EXPIRED: duplicate")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("CLOCK_SKEW: no entry")),
        "{problems:?}"
    );

    let bad_link = builtin.replacen(
        "https://docs.aws.amazon.com/",
        "http://docs.aws.amazon.com/",
        1,
    );
    assert!(matches!(
        Catalogue::from_toml(&bad_link),
        Err(CatalogueError::Invalid(_))
    ));

    let empty_title = builtin.replacen(
        "title = \"AWS does not recognise the access key ID\"",
        "title = \"\"",
        1,
    );
    assert!(matches!(
        Catalogue::from_toml(&empty_title),
        Err(CatalogueError::Invalid(_))
    ));

    let unknown_code = builtin.replacen("code = \"CLOCK_SKEW\"", "code = \"CLOCK_WRONG\"", 1);
    assert!(matches!(
        Catalogue::from_toml(&unknown_code),
        Err(CatalogueError::Parse(_))
    ));
}

#[test]
fn served_aws_error_codes_are_derived_from_the_table() {
    let c = catalogue();
    for entry in entries() {
        assert_eq!(
            entry.aws_error_codes,
            c.aws_errors().codes_of(entry.code),
            "{}",
            entry.code
        );
    }
    // Every code is served by its default entry, first among that entry's codes by default.
    for group in c.aws_errors().groups() {
        for code in &group.codes {
            assert!(
                c.get(group.entry).aws_error_codes.contains(code),
                "{code} under {}",
                group.entry
            );
        }
    }
    let served = |code: Code| c.get(code).aws_error_codes.clone();
    assert_eq!(
        served(Code::AwsTimeout),
        vec!["RequestTimeout", "RequestTimeoutException"]
    );
    assert_eq!(
        served(Code::ConfigNoRecorder),
        vec![
            "NoSuchConfigurationRecorderException",
            "NoAvailableConfigurationRecorderException"
        ]
    );
    assert_eq!(
        served(Code::CredentialsExpired),
        vec!["ExpiredToken", "ExpiredTokenException", "RequestExpired"]
    );
    assert!(served(Code::AssumeRoleDenied).contains(&"AccessDenied".to_owned()));
    assert!(served(Code::RegionDisabled).contains(&"AuthorizationHeaderMalformed".to_owned()));
    assert!(served(Code::RootCredentialsUsed).is_empty());
}

#[test]
fn every_fixture_case_means_its_entry_through_explain() {
    let cases = fixture::cases();
    assert!(cases.len() > 50, "the fixture lost its cases");
    for case in cases {
        let text = case.text();
        let matches = match_message(catalogue(), &text);
        assert_eq!(
            matches.first().map(|m| m.code),
            Some(case.entry),
            "explain {text:?}: {matches:?}"
        );
        // The resolution ranks first even where another entry's phrase would score as high.
        assert_eq!(matches[0].score, 1.0, "{text:?}: {matches:?}");
    }
}

#[test]
fn the_fixture_names_every_code_of_the_table_the_facts_and_the_scenarios() {
    let bare: BTreeSet<String> = fixture::cases()
        .into_iter()
        .filter(|case| case.message.is_none())
        .map(|case| case.code)
        .collect();
    for group in catalogue().aws_errors().groups() {
        for code in &group.codes {
            assert!(
                bare.contains(code),
                "the fixture has no bare line for {code}"
            );
        }
    }
    // The codes of the troubleshooting facts' table of AWS error codes.
    for code in [
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "RequestTimeTooSkewed",
        "RequestInTheFuture",
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "InvalidAccessException",
        "TrailNotFoundException",
        "InvalidTrailNameException",
        "NoSuchConfigurationRecorderException",
        "OptInRequired",
        "RegionDisabledException",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
    ] {
        assert!(bare.contains(code), "{code} of the facts");
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut scenario_codes = BTreeSet::new();
    for file in std::fs::read_dir(&dir).expect("tests/scenarios") {
        let text = std::fs::read_to_string(file.expect("a file").path()).expect("readable");
        for line in text.lines() {
            if let Some(code) = line.trim().strip_prefix("error = ") {
                scenario_codes.insert(code.trim_matches('"').to_owned());
            }
        }
    }
    assert!(
        scenario_codes.contains("AccessDenied"),
        "{scenario_codes:?}"
    );
    for code in &scenario_codes {
        assert!(bare.contains(code), "{code} of tests/scenarios");
    }
}

#[test]
fn the_table_refuses_unknown_entries_twice_listed_codes_and_unknown_rule_keys() {
    let builtin = include_str!("../src/catalogue/catalogue.toml");
    let problems = |broken: String| match Catalogue::from_toml(&broken) {
        Err(CatalogueError::Invalid(problems)) => problems.join("\n"),
        other => panic!("not refused as invalid: {:?}", other.map(|_| ())),
    };
    let replaced = |from: &str, to: &str| {
        assert!(builtin.contains(from), "{from}");
        builtin.replacen(from, to, 1)
    };

    let unknown_entry = problems(replaced(
        "entry = \"AWS_TIMEOUT\"",
        "entry = \"AWS_TIMED_OUT\"",
    ));
    assert!(
        unknown_entry
            .contains("aws_error RequestTimeout: entry `AWS_TIMED_OUT` is not a catalogue code"),
        "{unknown_entry}"
    );
    let unknown_rule_entry = problems(replaced(
        "{ service = \"ec2\", entry = \"CREDENTIALS_EXPIRED\" }",
        "{ service = \"ec2\", entry = \"CREDENTIAL_EXPIRED\" }",
    ));
    assert!(
        unknown_rule_entry
            .contains("aws_error RequestExpired: rule 1: entry `CREDENTIAL_EXPIRED` is not"),
        "{unknown_rule_entry}"
    );
    let unknown_contextual = problems(replaced(
        "\"REGION_RESTRICTED_BY_SCP\"]",
        "\"REGION_RESTRICTED\"]",
    ));
    assert!(
        unknown_contextual.contains("contextual entry `REGION_RESTRICTED` is not"),
        "{unknown_contextual}"
    );

    // One default entry per wire code: a code in two groups, in any letter case, is refused.
    let twice = problems(replaced(
        "codes = [\"RequestTimeout\", \"RequestTimeoutException\"]",
        "codes = [\"RequestTimeout\", \"RequestTimeoutException\", \"throttling\"]",
    ));
    assert!(
        twice.contains("`throttling` is in the table twice"),
        "{twice}"
    );

    let unknown_key = problems(replaced("{ service = \"ec2\",", "{ servise = \"ec2\","));
    assert!(
        unknown_key.contains("aws_error RequestExpired: rule 1: unknown rule key `servise`"),
        "{unknown_key}"
    );
    let wrong_type = problems(replaced(
        "region_in_message = true",
        "region_in_message = \"yes\"",
    ));
    assert!(
        wrong_type.contains("`region_in_message` must be true or false"),
        "{wrong_type}"
    );
    let no_condition = problems(replaced(
        "{ service = \"ec2\", entry = \"CREDENTIALS_EXPIRED\" }",
        "{ entry = \"CREDENTIALS_EXPIRED\" }",
    ));
    assert!(
        no_condition.contains("rule 1 sets no condition"),
        "{no_condition}"
    );
    let picked_twice = problems(replaced(
        "contextual = [\"PERMISSION_MISSING\",",
        "contextual = [\"ACCESS_DENIED\", \"PERMISSION_MISSING\",",
    ));
    assert!(
        picked_twice.contains("contextual entry ACCESS_DENIED is one the table picks already"),
        "{picked_twice}"
    );
    let not_a_code = problems(replaced(
        "\"UnauthorizedAccess\",",
        "\"Unauthorized Access\",",
    ));
    assert!(
        not_a_code.contains("`Unauthorized Access` is not an AWS error code"),
        "{not_a_code}"
    );

    // The group's own keys are serde's: a typo is a parse error that names it.
    let typo = replaced("denial = true", "denail = true");
    assert!(
        matches!(Catalogue::from_toml(&typo), Err(CatalogueError::Parse(e)) if e.to_string().contains("denail"))
    );
    // The served codes are derived, never written in an entry.
    let written = replaced(
        "retryable = false\n",
        "retryable = false\naws_error_codes = [\"InvalidClientTokenId\"]\n",
    );
    assert!(
        matches!(Catalogue::from_toml(&written), Err(CatalogueError::Parse(e)) if e.to_string().contains("derived from the [[aws_error]] table"))
    );
}

#[test]
fn matcher_finds_the_right_entry_first() {
    let cases: &[(&str, Code)] = &[
        ("InvalidClientTokenId", Code::CredentialsInvalidKeyId),
        ("UnrecognizedClientException", Code::CredentialsInvalidKeyId),
        (
            "The security token included in the request is invalid.",
            Code::CredentialsInvalidKeyId,
        ),
        (
            "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.",
            Code::CredentialsInvalidKeyId,
        ),
        (
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
            Code::CredentialsSignatureMismatch,
        ),
        ("SignatureDoesNotMatch", Code::CredentialsSignatureMismatch),
        (
            "User: arn:aws:iam::123:user/x is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123:user/ with an explicit deny in a service control policy",
            Code::PermissionDeniedByScp,
        ),
        (
            "User: arn:aws:iam::123:user/x is not authorized to perform: cloudtrail:LookupEvents on resource: * because no identity-based policy allows the cloudtrail:LookupEvents action",
            Code::PermissionMissing,
        ),
        (
            "User: arn:aws:iam::123:user/x is not authorized to perform: s3:ListAllMyBuckets because no permissions boundary allows the s3:ListAllMyBuckets action",
            Code::PermissionDeniedByBoundary,
        ),
        (
            "User: arn:aws:iam::123:user/x is not authorized to perform: iam:GetUser on resource: user x with an explicit deny in an identity-based policy",
            Code::PermissionExplicitDeny,
        ),
        (
            "User: arn:aws:iam::123:user/x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123:role/mdca",
            Code::AssumeRoleDenied,
        ),
        // The table's default for the bare code, as a probe reports it.
        ("AccessDenied", Code::AccessDenied),
        (
            "AccessDenied: User: arn:aws:iam::123:user/x is not authorized to perform: iam:ListUsers with an explicit deny in a service control policy",
            Code::PermissionDeniedByScp,
        ),
        ("RequestTimeout", Code::AwsTimeout),
        (
            "Signature expired: 20240101T000000Z is now earlier than 20240101T001000Z (20240101T002000Z - 15 min.)",
            Code::ClockSkew,
        ),
        ("RequestTimeTooSkewed", Code::ClockSkew),
        (
            "The security token included in the request is expired",
            Code::CredentialsExpired,
        ),
        ("ExpiredTokenException", Code::CredentialsExpired),
        ("Rate exceeded", Code::AwsThrottled),
        ("ThrottlingException: Rate exceeded", Code::AwsThrottled),
        (
            "Account is not subscribed to AWS Security Hub",
            Code::SecurityHubNotEnabled,
        ),
        ("InvalidAccessException", Code::SecurityHubNotEnabled),
        (
            "NoSuchConfigurationRecorderException",
            Code::ConfigNoRecorder,
        ),
        (
            "TrailNotFoundException: Unknown trail",
            Code::CloudtrailNoTrail,
        ),
        ("OptInRequired", Code::RegionDisabled),
        (
            "MissingAuthenticationToken: Missing Authentication Token",
            Code::CredentialsMalformed,
        ),
        ("NullPointerException", Code::InternalError),
        ("nullpointerexception", Code::InternalError),
        ("Service timeout", Code::AwsTimeout),
        (
            "HttpRequestFailure: Server returned: 500 Internal server error",
            Code::AwsServiceError,
        ),
        ("CLOCK_SKEW", Code::ClockSkew),
        // AWS's quarantine policy, by any version's name, is the exposed key before any Deny.
        (
            "User: arn:aws:iam::123:user/x is not authorized to perform: cloudtrail:LookupEvents with an explicit deny in an identity-based policy: arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2",
            Code::CredentialsQuarantined,
        ),
        (
            "An error occurred (AccessDenied) when calling the LookupEvents operation: User: arn:aws:iam::123:user/x is not authorized to perform: cloudtrail:LookupEvents with an explicit deny in an identity-based policy: arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV7",
            Code::CredentialsQuarantined,
        ),
        (
            "explicit deny in an identity-based policy: AWSCompromisedKeyQuarantine",
            Code::CredentialsQuarantined,
        ),
    ];
    for (message, expected) in cases {
        assert_eq!(
            first_match(message),
            *expected,
            "for {message:?}: {:?}",
            match_message(catalogue(), message)
        );
    }
}

#[test]
fn null_pointer_exception_lists_likely_causes_after_internal_error() {
    let matches = match_message(catalogue(), "NullPointerException");
    assert_eq!(matches[0].code, Code::InternalError);
    assert_eq!(matches[0].score, 1.0);
    assert!(matches.len() >= 2, "{matches:?}");
    assert!(
        matches[1..].iter().all(|m| m.score < matches[0].score),
        "{matches:?}"
    );
    let causes: Vec<Code> = matches[1..].iter().map(|m| m.code).collect();
    assert!(
        causes.contains(&Code::CredentialsInvalidKeyId),
        "{causes:?}"
    );
    assert!(causes.contains(&Code::PermissionMissing), "{causes:?}");
}

#[test]
fn unrelated_text_gives_no_confident_match() {
    for message in ["hello world", "", "   ", "the weather is nice today"] {
        let matches = match_message(catalogue(), message);
        assert!(
            matches.iter().all(|m| m.score < 0.5),
            "{message:?}: {matches:?}"
        );
    }
    assert!(match_message(catalogue(), "hello world").is_empty());
}

#[test]
fn matches_are_bounded_sorted_and_rounded() {
    let messages = [
        "AccessDenied",
        "NullPointerException",
        "An error occurred (AccessDeniedException) when calling the GetFindings operation: User: arn:aws:iam::1:user/x is not authorized to perform: securityhub:GetFindings",
    ];
    for message in messages {
        let matches = match_message(catalogue(), message);
        assert!(!matches.is_empty(), "{message:?} matches nothing");
        assert!(matches.len() <= MAX_MATCHES, "{matches:?}");
        for pair in matches.windows(2) {
            assert!(pair[0].score >= pair[1].score, "{matches:?}");
        }
        for m in &matches {
            assert!((MIN_SCORE..=1.0).contains(&m.score), "{m:?}");
            assert_eq!((m.score * 100.0).round() / 100.0, m.score, "{m:?}");
        }
        let codes: BTreeSet<Code> = matches.iter().map(|m| m.code).collect();
        assert_eq!(codes.len(), matches.len(), "no code twice");
    }
}

#[test]
fn matching_is_case_insensitive_and_whole_word() {
    assert_eq!(
        first_match("invalidclienttokenid"),
        Code::CredentialsInvalidKeyId
    );
    assert_eq!(first_match("RATE EXCEEDED"), Code::AwsThrottled);
    // `Throttling` must not match inside another word.
    assert!(match_message(catalogue(), "XThrottlingY").is_empty());
}

#[test]
fn match_serializes_code_and_score() {
    let matches = match_message(catalogue(), "InvalidClientTokenId");
    let json = serde_json::to_value(matches[0]).expect("serialize");
    assert_eq!(json["code"], "CREDENTIALS_INVALID_KEY_ID");
    assert!(json["score"].as_f64().is_some());
}

#[test]
fn openapi_schema_lists_the_contract_fields_only() {
    use utoipa::PartialSchema;
    let schema = serde_json::to_value(connector_doctor::catalogue::CatalogueEntry::schema())
        .expect("serialize");
    let properties: BTreeSet<&str> = schema["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(!properties.contains("message_patterns"));
    assert_eq!(properties.len(), 10, "{properties:?}");
    assert_eq!(
        schema["required"].as_array().expect("required").len(),
        10,
        "every field is always present"
    );
}
