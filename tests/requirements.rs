//! The built-in requirements of each connection.

use std::collections::BTreeSet;

use connector_doctor::domain::Connection;
use connector_doctor::policy::action_matches;
use connector_doctor::requirements::{Requirements, RequirementsError};

/// The seed guide's policy (Security auditing, Step 1, item 6), copied literally.
const SEED_POLICY: &str = r#"{
  "Version" : "2012-10-17",
  "Statement" : [{
      "Action" : [
        "cloudtrail:DescribeTrails",
        "cloudtrail:LookupEvents",
        "cloudtrail:GetTrailStatus",
        "cloudwatch:Describe*",
        "cloudwatch:Get*",
        "cloudwatch:List*",
        "iam:List*",
        "iam:Get*",
        "s3:ListAllMyBuckets",
        "s3:PutBucketAcl",
        "s3:GetBucketAcl",
        "s3:GetBucketLocation"
      ],
      "Effect" : "Allow",
      "Resource" : "*"
    }
  ]
 }"#;

/// Service prefixes an action may use (this test's own list).
const SERVICES: &[&str] = &[
    "cloudtrail",
    "cloudwatch",
    "config",
    "ec2",
    "iam",
    "kms",
    "s3",
    "securityhub",
    "sts",
];

fn requirements() -> &'static Requirements {
    Requirements::builtin()
}

fn seed_entries() -> Vec<String> {
    let policy: serde_json::Value = serde_json::from_str(SEED_POLICY).expect("seed JSON");
    policy["Statement"][0]["Action"]
        .as_array()
        .expect("Action list")
        .iter()
        .map(|a| a.as_str().expect("string").to_owned())
        .collect()
}

#[test]
fn builtin_requirements_validate() {
    requirements()
        .validate()
        .expect("built-in requirements are valid");
}

#[test]
fn policy_document_equals_the_seed_json() {
    let auditing = requirements().for_connection(Connection::SecurityAuditing);
    let seed: serde_json::Value = serde_json::from_str(SEED_POLICY).expect("seed JSON");
    assert_eq!(auditing.policy_document.as_ref(), Some(&seed));
    assert!(
        requirements()
            .for_connection(Connection::SecurityConfiguration)
            .policy_document
            .is_none()
    );
}

#[test]
fn every_seed_action_is_covered() {
    let auditing = requirements().required_actions(&[Connection::SecurityAuditing]);
    for entry in seed_entries() {
        if entry.contains('*') {
            let expansions: Vec<_> = auditing.iter().filter(|a| a.source == entry).collect();
            assert!(!expansions.is_empty(), "wildcard {entry} has no expansion");
            for expansion in expansions {
                assert!(
                    action_matches(&entry, &expansion.action),
                    "{} does not match {entry}",
                    expansion.action
                );
            }
        } else {
            let concrete = auditing
                .iter()
                .find(|a| a.action == entry)
                .unwrap_or_else(|| panic!("{entry} missing"));
            assert_eq!(concrete.source, entry);
        }
    }
    for action in &auditing {
        assert!(
            seed_entries().contains(&action.source),
            "{action:?} comes from no seed entry"
        );
    }
}

#[test]
fn auditing_expansions_include_the_collector_reads() {
    let actions = &requirements()
        .for_connection(Connection::SecurityAuditing)
        .actions;
    for expected in [
        "cloudwatch:DescribeAlarms",
        "cloudwatch:DescribeAlarmHistory",
        "cloudwatch:GetMetricData",
        "cloudwatch:GetMetricStatistics",
        "cloudwatch:ListMetrics",
        "iam:GetAccountSummary",
        "iam:GetAccountPasswordPolicy",
        "iam:GetCredentialReport",
        "iam:GetUser",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:GetRole",
        "iam:GetUserPolicy",
        "iam:GetGroupPolicy",
        "iam:GetRolePolicy",
        "iam:ListUsers",
        "iam:ListGroups",
        "iam:ListRoles",
        "iam:ListPolicies",
        "iam:ListAccessKeys",
        "iam:ListMFADevices",
        "iam:ListAttachedUserPolicies",
        "iam:ListAttachedGroupPolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListUserPolicies",
        "iam:ListGroupPolicies",
        "iam:ListRolePolicies",
        "iam:ListGroupsForUser",
        "iam:ListAccountAliases",
        "iam:ListVirtualMFADevices",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected} missing");
    }
    // Neither is granted by iam:Get* / iam:List*.
    assert!(
        !actions
            .iter()
            .any(|a| a == "iam:SimulatePrincipalPolicy" || a == "iam:GenerateCredentialReport")
    );
}

#[test]
fn actions_are_well_formed_with_known_services() {
    for connection in [
        Connection::SecurityAuditing,
        Connection::SecurityConfiguration,
    ] {
        let actions = &requirements().for_connection(connection).actions;
        assert!(!actions.is_empty(), "{connection:?} requires no action");
        for action in actions {
            let (service, name) = action.split_once(':').unwrap_or_else(|| panic!("{action}"));
            assert!(SERVICES.contains(&service), "{action}: unknown service");
            assert!(
                name.starts_with(|c: char| c.is_ascii_uppercase()),
                "{action}"
            );
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric()),
                "{action}: not concrete"
            );
        }
    }
}

#[test]
fn no_duplicate_actions() {
    for connection in [
        Connection::SecurityAuditing,
        Connection::SecurityConfiguration,
    ] {
        let actions = &requirements().for_connection(connection).actions;
        assert!(!actions.is_empty(), "{connection:?} requires no action");
        assert_eq!(
            actions.iter().collect::<BTreeSet<_>>().len(),
            actions.len(),
            "{connection:?}"
        );
    }
    let both = requirements().required_actions(&[
        Connection::SecurityAuditing,
        Connection::SecurityConfiguration,
    ]);
    let names: Vec<&str> = both.iter().map(|a| a.action.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(names, sorted, "deduplicated and sorted by action");
}

#[test]
fn shared_actions_name_every_connection() {
    let both = requirements().required_actions(&[
        Connection::SecurityConfiguration,
        Connection::SecurityAuditing,
    ]);
    let describe_trails = both
        .iter()
        .find(|a| a.action == "cloudtrail:DescribeTrails")
        .expect("present");
    assert_eq!(
        describe_trails.connections,
        vec![
            Connection::SecurityAuditing,
            Connection::SecurityConfiguration
        ]
    );
    assert_eq!(describe_trails.source, "cloudtrail:DescribeTrails");
    let hub = both
        .iter()
        .find(|a| a.action == "securityhub:DescribeHub")
        .expect("present");
    assert_eq!(hub.connections, vec![Connection::SecurityConfiguration]);
    assert_eq!(hub.source, "AWSSecurityHubReadOnlyAccess");
    let put_acl = both
        .iter()
        .find(|a| a.action == "s3:PutBucketAcl")
        .expect("present");
    assert_eq!(put_acl.connections, vec![Connection::SecurityAuditing]);

    let auditing_only = requirements().required_actions(&[Connection::SecurityAuditing]);
    assert!(!auditing_only.is_empty());
    assert!(
        auditing_only
            .iter()
            .all(|a| a.connections == vec![Connection::SecurityAuditing])
    );
    assert!(requirements().required_actions(&[]).is_empty());
    assert_eq!(
        requirements()
            .required_actions(&[Connection::SecurityAuditing, Connection::SecurityAuditing]),
        auditing_only
    );
}

#[test]
fn security_configuration_matches_the_guide() {
    let configuration = requirements().for_connection(Connection::SecurityConfiguration);
    assert_eq!(
        configuration.managed_policies,
        [
            "arn:aws:iam::aws:policy/SecurityAudit",
            "arn:aws:iam::aws:policy/AWSSecurityHubReadOnlyAccess"
        ]
    );
    assert_eq!(configuration.services, ["config", "securityhub"]);
    for expected in [
        "securityhub:DescribeHub",
        "securityhub:GetEnabledStandards",
        "securityhub:DescribeStandards",
        "securityhub:GetFindings",
        "securityhub:GetAdministratorAccount",
        "securityhub:ListMembers",
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
        "config:DescribeConfigRules",
        "config:DescribeComplianceByConfigRule",
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "iam:GetAccountPasswordPolicy",
        "iam:GetAccountSummary",
        "iam:ListUsers",
        "s3:GetBucketAcl",
        "s3:ListAllMyBuckets",
        "ec2:DescribeRegions",
        "ec2:DescribeSecurityGroups",
        "kms:ListKeys",
    ] {
        assert!(
            configuration.actions.iter().any(|a| a == expected),
            "{expected} missing"
        );
    }
    let auditing = requirements().for_connection(Connection::SecurityAuditing);
    assert_eq!(auditing.services, ["cloudtrail", "cloudwatch", "iam", "s3"]);
    assert!(auditing.managed_policies.is_empty());
}

#[test]
fn body_has_the_contract_shape() {
    let json = serde_json::to_value(requirements().body()).expect("serialize");
    let connections = json["connections"].as_object().expect("connections object");
    let keys: Vec<&str> = connections.keys().map(String::as_str).collect();
    assert_eq!(keys, ["security_auditing", "security_configuration"]);
    for body in connections.values() {
        let fields: BTreeSet<&str> = body
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            fields,
            BTreeSet::from(["actions", "managed_policies", "services", "policy_document"])
        );
    }
    assert!(connections["security_configuration"]["policy_document"].is_null());
    assert_eq!(
        connections["security_auditing"]["policy_document"]["Version"],
        "2012-10-17"
    );
}

#[test]
fn wildcards_follow_iam_rules() {
    assert!(action_matches("iam:List*", "iam:ListUsers"));
    assert!(action_matches("iam:list*", "IAM:ListUsers"));
    assert!(action_matches("iam:*", "iam:GetUser"));
    assert!(action_matches("*", "s3:GetBucketAcl"));
    assert!(action_matches("s3:Get?ucketAcl", "s3:GetBucketAcl"));
    assert!(action_matches("iam:Get*Policy", "iam:GetUserPolicy"));
    assert!(!action_matches("iam:Get*Policy", "iam:GetUserPolicyX"));
    assert!(!action_matches("iam:List*", "iam:GetUser"));
    assert!(!action_matches("iam:List*", "iamx:ListUsers"));
    assert!(!action_matches(
        "cloudwatch:Get*",
        "cloudtrail:GetTrailStatus"
    ));
    assert!(action_matches("s3:GetBucketAcl", "s3:GetBucketAcl"));
    assert!(!action_matches("s3:GetBucketAcl", "s3:GetBucketAclX"));
}

#[test]
fn from_toml_rejects_broken_requirements() {
    let builtin = include_str!("../src/requirements/requirements.toml");
    assert!(Requirements::from_toml(builtin).is_ok());

    let wildcard = builtin.replacen("action = \"iam:ListUsers\"", "action = \"iam:List*\"", 1);
    assert!(matches!(
        Requirements::from_toml(&wildcard),
        Err(RequirementsError::Invalid(_))
    ));

    let wrong_source = builtin.replacen(
        "{ action = \"iam:ListUsers\", source = \"iam:List*\" }",
        "{ action = \"iam:ListUsers\", source = \"iam:Get*\" }",
        1,
    );
    assert!(matches!(
        Requirements::from_toml(&wrong_source),
        Err(RequirementsError::Invalid(_))
    ));

    let unknown_service = builtin.replacen(
        "action = \"kms:ListKeys\"",
        "action = \"lambda:ListFunctions\"",
        1,
    );
    assert!(matches!(
        Requirements::from_toml(&unknown_service),
        Err(RequirementsError::Invalid(_))
    ));

    let duplicate = builtin.replacen(
        "action = \"iam:ListGroups\"",
        "action = \"iam:ListUsers\"",
        1,
    );
    assert!(matches!(
        Requirements::from_toml(&duplicate),
        Err(RequirementsError::Invalid(_))
    ));

    let broken_json = builtin.replacen("\"Effect\" : \"Allow\",", "\"Effect\" : \"Allow\"", 1);
    assert!(matches!(
        Requirements::from_toml(&broken_json),
        Err(RequirementsError::PolicyJson { .. })
    ));

    let typo = builtin.replacen("managed_policies = []", "managed_policy = []", 1);
    assert!(matches!(
        Requirements::from_toml(&typo),
        Err(RequirementsError::Parse(_))
    ));
}

#[test]
fn openapi_schema_requires_every_field() {
    use utoipa::PartialSchema;
    let schema =
        serde_json::to_value(connector_doctor::requirements::ConnectionRequirements::schema())
            .expect("serialize");
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        required,
        BTreeSet::from(["actions", "managed_policies", "services", "policy_document"])
    );
}
