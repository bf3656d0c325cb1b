//! The permission probe against moto (IAM enforcement on, so the fallback reads real policies)
//! and the scripted fake (the simulator's answers, denials of both methods).

use connector_doctor::domain::Connection;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::app::{check, finding_codes};
use crate::helpers::fake_aws::caller_identity_body;
use crate::helpers::fake_regions::{healthy_account, signed_for};
use crate::helpers::iam_setup::{
    FAKE_USER_ARN, Simulated, iam_access_denied, iam_error_body, request_for, required_actions,
    seed_policy, seed_policy_denying, seed_policy_without, simulation_page,
};
use crate::helpers::{EXAMPLE_KEY_ID, EXAMPLE_SECRET, FakeAws, Moto, TestApp};

const SECURITY_AUDIT: &str = "arn:aws:iam::aws:policy/SecurityAudit";
const HUB_READ_ONLY: &str = "arn:aws:iam::aws:policy/AWSSecurityHubReadOnlyAccess";

async fn moto_with_managed_policies() -> Moto {
    Moto::start_with_env(&[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")]).await
}

/// The verdict on `action`.
fn verdict<'a>(diagnosis: &'a Value, action: &str) -> &'a Value {
    diagnosis["permissions"]
        .as_array()
        .and_then(|verdicts| verdicts.iter().find(|v| v["action"] == action))
        .unwrap_or_else(|| panic!("no verdict on {action} in {diagnosis:#}"))
}

/// The finding with `code`.
fn finding<'a>(diagnosis: &'a Value, code: &str) -> &'a Value {
    diagnosis["findings"]
        .as_array()
        .and_then(|findings| findings.iter().find(|f| f["code"] == code))
        .unwrap_or_else(|| panic!("no {code} finding in {diagnosis:#}"))
}

fn has_code(diagnosis: &Value, code: &str) -> bool {
    finding_codes(diagnosis).iter().any(|c| c == code)
}

/// The diagnosis lists exactly the required actions, in order, each required by `connection`.
fn assert_one_verdict_per_required_action(diagnosis: &Value, connection: Connection) {
    let listed: Vec<&str> = diagnosis["permissions"]
        .as_array()
        .expect("a permissions list")
        .iter()
        .map(|v| v["action"].as_str().expect("an action"))
        .collect();
    assert_eq!(listed, required_actions(&[connection]), "{diagnosis:#}");
    for entry in diagnosis["permissions"].as_array().into_iter().flatten() {
        assert_eq!(entry["required_by"], json!([connection]), "{entry}");
    }
}

/// Runs a diagnosis of moto user `key` with IAM enforcement already on.
async fn diagnose_moto(moto: &Moto, key_id: &str, secret: &str, connections: &[&str]) -> Value {
    let app = TestApp::with_aws(&moto.url).await;
    app.diagnosis(&request_for(key_id, secret, connections))
        .await
}

#[tokio::test]
async fn a_moto_user_with_exactly_the_seed_policy_is_allowed_every_auditing_action_by_local_evaluation()
 {
    let moto = moto_with_managed_policies().await;
    let key = moto.user_with_inline_policy("mdca", &seed_policy()).await;
    moto.enforce_iam().await;

    let diagnosis = diagnose_moto(&moto, &key.id, &key.secret, &["security_auditing"]).await;

    assert_one_verdict_per_required_action(&diagnosis, Connection::SecurityAuditing);
    for entry in diagnosis["permissions"].as_array().into_iter().flatten() {
        assert_eq!(entry["decision"], "allowed", "{entry}");
        assert!(
            entry["method"] == "local_evaluation" || entry["method"] == "observed",
            "{entry}"
        );
        assert!(entry.get("denied_by").is_none(), "{entry}");
    }
    // Actions no probe calls can only have been decided by reading and evaluating the policies.
    assert_eq!(
        verdict(&diagnosis, "iam:GetAccountAuthorizationDetails")["method"],
        "local_evaluation"
    );
    let permissions = check(&diagnosis, "permissions");
    assert_eq!(permissions["status"], "pass", "{permissions}");
    assert_eq!(permissions["region"], Value::Null);
    assert!(
        permissions["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("local evaluation"),
        "{permissions}"
    );
    assert!(
        !finding_codes(&diagnosis)
            .iter()
            .any(|c| c.starts_with("PERMISSION_")),
        "{:?}",
        finding_codes(&diagnosis)
    );
    assert_eq!(diagnosis["remediation_policy"], Value::Null);
}

#[tokio::test]
async fn a_moto_user_lacking_put_bucket_acl_gets_it_as_missing_with_a_remediation_policy_of_just_that_action()
 {
    let moto = moto_with_managed_policies().await;
    let key = moto
        .user_with_inline_policy("mdca", &seed_policy_without("s3:PutBucketAcl"))
        .await;
    moto.enforce_iam().await;

    let diagnosis = diagnose_moto(&moto, &key.id, &key.secret, &["security_auditing"]).await;

    let missing = verdict(&diagnosis, "s3:PutBucketAcl");
    assert_eq!(missing["decision"], "implicit_deny", "{missing}");
    assert_eq!(missing["method"], "local_evaluation", "{missing}");
    assert_eq!(
        verdict(&diagnosis, "s3:GetBucketAcl")["decision"],
        "allowed"
    );
    assert!(has_code(&diagnosis, "PERMISSION_MISSING"));
    let detail = finding(&diagnosis, "PERMISSION_MISSING")["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(detail.contains("s3:PutBucketAcl"), "{detail}");
    assert_eq!(
        finding(&diagnosis, "PERMISSION_MISSING")["severity"],
        "error"
    );
    assert_eq!(check(&diagnosis, "permissions")["status"], "fail");
    assert_eq!(
        diagnosis["connections"]["security_auditing"]["status"],
        "unhealthy"
    );
    assert_eq!(
        diagnosis["remediation_policy"],
        json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:PutBucketAcl"], "Resource": "*"}]
        })
    );
}

#[tokio::test]
async fn a_moto_users_explicit_deny_is_reported_and_left_out_of_the_remediation_policy() {
    let moto = moto_with_managed_policies().await;
    let key = moto
        .user_with_inline_policy("mdca", &seed_policy_denying("s3:GetBucketAcl"))
        .await;
    moto.enforce_iam().await;

    let diagnosis = diagnose_moto(&moto, &key.id, &key.secret, &["security_auditing"]).await;

    let denied = verdict(&diagnosis, "s3:GetBucketAcl");
    assert_eq!(denied["decision"], "explicit_deny", "{denied}");
    assert_eq!(denied["denied_by"], "identity_policy", "{denied}");
    assert_eq!(denied["method"], "local_evaluation", "{denied}");
    let detail = finding(&diagnosis, "PERMISSION_EXPLICIT_DENY")["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(detail.contains("s3:GetBucketAcl"), "{detail}");
    assert!(
        detail.contains("NoAcls"),
        "the deciding statement is named: {detail}"
    );
    assert!(!has_code(&diagnosis, "PERMISSION_MISSING"));
    assert_eq!(diagnosis["remediation_policy"], Value::Null);
    assert_eq!(check(&diagnosis, "permissions")["status"], "fail");
}

#[tokio::test]
async fn security_audit_attached_through_a_group_counts_and_a_missing_hub_policy_is_reported() {
    let moto = moto_with_managed_policies().await;
    let key = moto.user_with_inline_policy("mdca", &seed_policy()).await;
    moto.add_to_group_with_managed_policy("mdca", "auditors", SECURITY_AUDIT)
        .await;
    moto.enforce_iam().await;

    let diagnosis = diagnose_moto(&moto, &key.id, &key.secret, &["security_configuration"]).await;

    assert_one_verdict_per_required_action(&diagnosis, Connection::SecurityConfiguration);
    let detail = finding(&diagnosis, "MANAGED_POLICY_NOT_ATTACHED")["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(detail.contains(HUB_READ_ONLY), "{detail}");
    assert!(!detail.contains(SECURITY_AUDIT), "{detail}");
    // Granted only by SecurityAudit, which reaches the user through its group.
    let from_group = verdict(&diagnosis, "config:DescribeConfigRules");
    assert_eq!(from_group["decision"], "allowed", "{from_group}");
    assert_eq!(from_group["method"], "local_evaluation", "{from_group}");
}

#[tokio::test]
async fn a_role_sessions_verdicts_come_from_the_roles_own_policies() {
    let moto = moto_with_managed_policies().await;
    let key = moto
        .user_with_inline_policy(
            "portal",
            &json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
            ]}),
        )
        .await;
    moto.role_with_inline_policy(
        "portal-audit",
        "arn:aws:iam::123456789012:user/portal",
        "portal-42",
        &seed_policy_without("s3:PutBucketAcl"),
    )
    .await;
    moto.enforce_iam().await;

    let app = TestApp::with_aws(&moto.url).await;
    let mut body = request_for(&key.id, &key.secret, &["security_auditing"]);
    body["assume_role"] = json!({
        "role_arn": "arn:aws:iam::123456789012:role/portal-audit",
        "external_id": "portal-42"
    });
    let diagnosis = app.diagnosis(&body).await;

    assert_eq!(diagnosis["identity"]["principal_type"], "assumed_role");
    assert_one_verdict_per_required_action(&diagnosis, Connection::SecurityAuditing);
    let missing = verdict(&diagnosis, "s3:PutBucketAcl");
    assert_eq!(missing["decision"], "implicit_deny", "{missing}");
    assert_eq!(missing["method"], "local_evaluation", "{missing}");
    let allowed = verdict(&diagnosis, "iam:GetAccountAuthorizationDetails");
    assert_eq!(allowed["decision"], "allowed", "{allowed}");
    assert_eq!(allowed["method"], "local_evaluation", "{allowed}");
    let detail = finding(&diagnosis, "PERMISSION_MISSING")["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(detail.contains("role portal-audit"), "{detail}");
}

/// Every required auditing action allowed, except `denied` with these details.
fn simulated_auditing<'a>(
    actions: &'a [String],
    denied: &'a str,
    decision: &'a str,
    allowed_by_organizations: Option<bool>,
) -> Vec<Simulated<'a>> {
    actions
        .iter()
        .map(|action| {
            if action == denied {
                Simulated {
                    action,
                    decision,
                    allowed_by_organizations,
                }
            } else {
                Simulated {
                    action,
                    decision: "allowed",
                    allowed_by_organizations: Some(true),
                }
            }
        })
        .collect()
}

async fn diagnose_fake(fake: &FakeAws, connections: &[&str]) -> Value {
    let app = TestApp::with_aws(&fake.url()).await;
    app.diagnosis(&request_for(EXAMPLE_KEY_ID, EXAMPLE_SECRET, connections))
        .await
}

#[tokio::test]
async fn a_fully_allowed_simulation_passes_and_keeps_both_connections_healthy() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    fake.iam_allows_everything().await;

    let diagnosis = diagnose_fake(&fake, &["security_auditing", "security_configuration"]).await;

    for entry in diagnosis["permissions"].as_array().into_iter().flatten() {
        assert_eq!(entry["decision"], "allowed", "{entry}");
        assert!(
            entry["method"] == "simulation" || entry["method"] == "observed",
            "{entry}"
        );
    }
    assert_eq!(
        verdict(&diagnosis, "iam:GetUser")["required_by"],
        json!(["security_auditing"])
    );
    assert_eq!(
        verdict(&diagnosis, "cloudtrail:DescribeTrails")["required_by"],
        json!(["security_auditing", "security_configuration"])
    );
    let permissions = check(&diagnosis, "permissions");
    assert_eq!(permissions["status"], "pass", "{permissions}");
    assert!(
        permissions["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("(simulation"),
        "{permissions}"
    );
    assert_eq!(diagnosis["remediation_policy"], Value::Null);
    assert_eq!(diagnosis["status"], "healthy", "{diagnosis:#}");
}

#[tokio::test]
async fn a_simulated_scp_denial_is_reported_as_denied_by_scp_across_simulator_pages() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    let actions = required_actions(&[Connection::SecurityAuditing]);
    let results = simulated_auditing(&actions, "s3:GetBucketAcl", "implicitDeny", Some(false));
    let (first, second) = results.split_at(results.len() / 2);
    fake.on_iam(
        "SimulatePrincipalPolicy",
        None,
        200,
        simulation_page(first, Some("page-2")),
    )
    .await;
    fake.on_iam(
        "SimulatePrincipalPolicy",
        Some("Marker=page-2"),
        200,
        simulation_page(second, None),
    )
    .await;

    let diagnosis = diagnose_fake(&fake, &["security_auditing"]).await;

    assert_one_verdict_per_required_action(&diagnosis, Connection::SecurityAuditing);
    let denied = verdict(&diagnosis, "s3:GetBucketAcl");
    assert_eq!(denied["denied_by"], "scp", "{denied}");
    assert_eq!(denied["decision"], "implicit_deny", "{denied}");
    assert_eq!(denied["method"], "simulation", "{denied}");
    assert_eq!(verdict(&diagnosis, "iam:GetUser")["method"], "simulation");
    assert_eq!(verdict(&diagnosis, "iam:GetUser")["decision"], "allowed");
    let detail = finding(&diagnosis, "PERMISSION_DENIED_BY_SCP")["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(detail.contains("s3:GetBucketAcl"), "{detail}");
    assert!(!has_code(&diagnosis, "PERMISSION_MISSING"));
    // An SCP is not lifted by an Allow on the user.
    assert_eq!(diagnosis["remediation_policy"], Value::Null);
    assert_eq!(check(&diagnosis, "permissions")["status"], "fail");
    assert_eq!(fake.calls_of("SimulatePrincipalPolicy").await, 2);
    assert_eq!(fake.calls_of("ListUserPolicies").await, 0);
}

#[tokio::test]
async fn a_denied_simulator_falls_back_to_evaluating_the_users_own_policies() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    fake.on_iam(
        "SimulatePrincipalPolicy",
        None,
        403,
        iam_access_denied("SimulatePrincipalPolicy"),
    )
    .await;
    fake.user_with_inline_policy(&seed_policy_without("s3:PutBucketAcl"))
        .await;

    let diagnosis = diagnose_fake(&fake, &["security_auditing"]).await;

    assert_one_verdict_per_required_action(&diagnosis, Connection::SecurityAuditing);
    let missing = verdict(&diagnosis, "s3:PutBucketAcl");
    assert_eq!(missing["decision"], "implicit_deny", "{missing}");
    assert_eq!(missing["method"], "local_evaluation", "{missing}");
    assert_eq!(verdict(&diagnosis, "iam:GetUser")["decision"], "allowed");
    assert_eq!(
        verdict(&diagnosis, "iam:GetUser")["method"],
        "local_evaluation"
    );
    assert!(has_code(&diagnosis, "PERMISSION_MISSING"));
    assert!(!has_code(&diagnosis, "PERMISSION_CHECK_UNAVAILABLE"));
    let summary = check(&diagnosis, "permissions")["summary"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(summary.contains("local evaluation"), "{summary}");
    assert!(summary.contains("AccessDenied"), "{summary}");
    assert_eq!(
        diagnosis["remediation_policy"]["Statement"][0]["Action"],
        json!(["s3:PutBucketAcl"])
    );
    assert_eq!(fake.calls_of("GetUserPolicy").await, 1);
}

#[tokio::test]
async fn when_both_methods_are_denied_the_check_is_unavailable_and_never_healthy() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    // Every IAM call, the simulator and every Get/List, is denied.
    Mock::given(method("POST"))
        .and(signed_for("us-east-1", "iam"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("content-type", "text/xml")
                .set_body_string(iam_error_body(
                    "AccessDenied",
                    &format!("User: {FAKE_USER_ARN} is not authorized to perform this action"),
                )),
        )
        .mount(&fake.server)
        .await;

    let diagnosis = diagnose_fake(&fake, &["security_auditing"]).await;

    assert_one_verdict_per_required_action(&diagnosis, Connection::SecurityAuditing);
    for entry in diagnosis["permissions"].as_array().into_iter().flatten() {
        match entry["method"].as_str() {
            Some("observed") => assert_eq!(entry["decision"], "allowed", "{entry}"),
            _ => {
                assert_eq!(entry["method"], "local_evaluation", "{entry}");
                assert_eq!(entry["decision"], "unknown", "{entry}");
            }
        }
    }
    let unavailable = finding(&diagnosis, "PERMISSION_CHECK_UNAVAILABLE");
    assert_eq!(unavailable["severity"], "warning");
    assert_eq!(unavailable["aws_error"]["code"], "AccessDenied");
    assert_eq!(check(&diagnosis, "permissions")["status"], "warn");
    assert_ne!(
        diagnosis["connections"]["security_auditing"]["status"],
        "healthy"
    );
    assert_ne!(diagnosis["status"], "healthy");
    assert_eq!(diagnosis["remediation_policy"], Value::Null);
}

#[tokio::test]
async fn root_credentials_are_allowed_everything_without_asking_iam() {
    let fake = FakeAws::start().await;
    fake.on_action(
        "GetCallerIdentity",
        200,
        caller_identity_body("123456789012", "arn:aws:iam::123456789012:root"),
    )
    .await;

    let diagnosis = diagnose_fake(&fake, &["security_auditing", "security_configuration"]).await;

    for entry in diagnosis["permissions"].as_array().into_iter().flatten() {
        assert_eq!(entry["decision"], "allowed", "{entry}");
    }
    let summary = check(&diagnosis, "permissions")["summary"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(summary.contains("root user"), "{summary}");
    assert!(summary.contains("service control polic"), "{summary}");
    assert_eq!(fake.calls_of("SimulatePrincipalPolicy").await, 0);
    assert!(!has_code(&diagnosis, "MANAGED_POLICY_NOT_ATTACHED"));
    assert_eq!(diagnosis["remediation_policy"], Value::Null);
}
