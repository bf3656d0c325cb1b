//! The permission probe against moto (IAM enforcement on, so the fallback reads real policies).
//! What the scripted fake's IAM answers (the simulator's word, denials of both methods, root
//! credentials) is a scenario file under `tests/scenarios/`.

use connector_doctor::domain::{
    CheckId, CheckStatus, Code, Connection, Decision, DeniedBy, Diagnosis, HealthStatus,
    PermissionVerdict, PrincipalType, Severity, VerdictMethod,
};
use serde_json::json;

use crate::helpers::app::{check, connection, finding, finding_codes, has_finding, verdict};
use crate::helpers::iam_setup::{
    required_actions, seed_policy, seed_policy_denying, seed_policy_without,
};
use crate::helpers::{Moto, RequestBody, TestApp};

const SECURITY_AUDIT: &str = "arn:aws:iam::aws:policy/SecurityAudit";
const HUB_READ_ONLY: &str = "arn:aws:iam::aws:policy/AWSSecurityHubReadOnlyAccess";

const AUDITING: Connection = Connection::SecurityAuditing;
const CONFIGURATION: Connection = Connection::SecurityConfiguration;

async fn moto_with_managed_policies() -> Moto {
    Moto::start_with_env(&[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")]).await
}

/// A request checking only `connections` in us-east-1.
fn request(connections: &[Connection]) -> RequestBody {
    RequestBody::new()
        .connections(connections)
        .regions(&["us-east-1"])
}

/// The verdicts, which must not be empty: every check over them would pass on none.
fn verdicts(diagnosis: &Diagnosis) -> &[PermissionVerdict] {
    assert!(
        !diagnosis.permissions.is_empty(),
        "no verdicts in {diagnosis:#?}"
    );
    &diagnosis.permissions
}

/// The diagnosis lists exactly the required actions, in order, each required by `connection`.
fn assert_one_verdict_per_required_action(diagnosis: &Diagnosis, connection: Connection) {
    let listed: Vec<&str> = verdicts(diagnosis)
        .iter()
        .map(|verdict| verdict.action.as_str())
        .collect();
    assert_eq!(listed, required_actions(&[connection]), "{diagnosis:#?}");
    for entry in verdicts(diagnosis) {
        assert_eq!(entry.required_by, [connection], "{entry:?}");
    }
}

/// No finding about permissions at all.
fn assert_no_permission_finding(diagnosis: &Diagnosis) {
    let codes = finding_codes(diagnosis);
    assert!(
        !codes
            .iter()
            .any(|code| code.as_str().starts_with("PERMISSION_")),
        "{codes:?}"
    );
}

/// Runs a diagnosis of moto user `key` with IAM enforcement already on.
async fn diagnose_moto(
    moto: &Moto,
    key_id: &str,
    secret: &str,
    connections: &[Connection],
) -> Diagnosis {
    let app = TestApp::with_aws(&moto.url).await;
    app.diagnosis(&request(connections).credentials(key_id, secret).build())
        .await
}

#[tokio::test]
async fn a_moto_user_with_exactly_the_seed_policy_is_allowed_every_auditing_action_by_local_evaluation()
 {
    let moto = moto_with_managed_policies().await;
    let key = moto.user_with_inline_policy("mdca", &seed_policy()).await;
    moto.enforce_iam().await;

    let diagnosis = diagnose_moto(&moto, &key.id, &key.secret, &[AUDITING]).await;

    assert_one_verdict_per_required_action(&diagnosis, AUDITING);
    for entry in verdicts(&diagnosis) {
        assert_eq!(entry.decision, Decision::Allowed, "{entry:?}");
        assert!(
            [VerdictMethod::LocalEvaluation, VerdictMethod::Observed].contains(&entry.method),
            "{entry:?}"
        );
        assert_eq!(entry.denied_by, None, "{entry:?}");
    }
    // Actions no probe calls can only have been decided by reading and evaluating the policies.
    assert_eq!(
        verdict(&diagnosis, "iam:GetAccountAuthorizationDetails").method,
        VerdictMethod::LocalEvaluation
    );
    let permissions = check(&diagnosis, CheckId::Permissions);
    assert_eq!(permissions.status, CheckStatus::Pass, "{permissions:?}");
    assert_eq!(permissions.region, None);
    assert!(
        permissions.summary.contains("local evaluation"),
        "{permissions:?}"
    );
    assert_no_permission_finding(&diagnosis);
    assert_eq!(diagnosis.remediation_policy, None);
}

/// The seed policy with its bucket actions granted on `bucket_resource` instead of `*`.
fn seed_policy_with_buckets_on(bucket_resource: &str) -> serde_json::Value {
    let bucket_actions = ["s3:PutBucketAcl", "s3:GetBucketAcl", "s3:GetBucketLocation"];
    let mut policy = seed_policy();
    let others: Vec<serde_json::Value> = policy["Statement"][0]["Action"]
        .as_array()
        .expect("an Action list")
        .iter()
        .filter(|action| !bucket_actions.contains(&action.as_str().unwrap_or_default()))
        .cloned()
        .collect();
    policy["Statement"][0]["Action"] = json!(others);
    policy["Statement"]
        .as_array_mut()
        .expect("a Statement list")
        .push(json!({"Effect": "Allow", "Action": bucket_actions, "Resource": bucket_resource}));
    policy
}

#[tokio::test]
async fn a_moto_user_granted_the_bucket_actions_on_every_bucket_lacks_nothing() {
    let moto = moto_with_managed_policies().await;
    moto.create_bucket("contoso-logs").await;
    let key = moto
        .user_with_inline_policy("mdca", &seed_policy_with_buckets_on("arn:aws:s3:::*"))
        .await;
    moto.enforce_iam().await;

    let diagnosis = diagnose_moto(&moto, &key.id, &key.secret, &[AUDITING]).await;

    for action in ["s3:PutBucketAcl", "s3:GetBucketAcl"] {
        let entry = verdict(&diagnosis, action);
        assert_eq!(entry.decision, Decision::Allowed, "{entry:?}");
    }
    // moto enforced the policy on the diagnosis's own bucket read, and allowed it.
    assert_eq!(
        verdict(&diagnosis, "s3:GetBucketAcl").method,
        VerdictMethod::Observed
    );
    assert_no_permission_finding(&diagnosis);
    assert_eq!(diagnosis.remediation_policy, None);
}

#[tokio::test]
async fn a_moto_user_granted_the_bucket_actions_on_another_bucket_is_denied_them_in_the_act() {
    let moto = moto_with_managed_policies().await;
    moto.create_bucket("contoso-logs").await;
    let key = moto
        .user_with_inline_policy(
            "mdca",
            &seed_policy_with_buckets_on("arn:aws:s3:::another-bucket"),
        )
        .await;
    moto.enforce_iam().await;

    let diagnosis = diagnose_moto(&moto, &key.id, &key.secret, &[AUDITING]).await;

    // Read: moto denied the diagnosis's own call. Write: never made, the policies decide.
    let read = verdict(&diagnosis, "s3:GetBucketAcl");
    assert_eq!(read.decision, Decision::ImplicitDeny, "{read:?}");
    assert_eq!(read.method, VerdictMethod::Observed, "{read:?}");
    let write = verdict(&diagnosis, "s3:PutBucketAcl");
    assert_eq!(write.decision, Decision::ImplicitDeny, "{write:?}");
    assert_eq!(write.method, VerdictMethod::LocalEvaluation, "{write:?}");
    assert!(has_finding(&diagnosis, Code::PermissionMissing));
    let remediation = diagnosis.remediation_policy.expect("a remediation policy");
    assert_eq!(
        remediation["Statement"],
        json!([{
            "Effect": "Allow",
            "Action": ["s3:GetBucketAcl", "s3:GetBucketLocation", "s3:PutBucketAcl"],
            "Resource": "arn:aws:s3:::*"
        }])
    );
}

#[tokio::test]
async fn a_moto_user_lacking_put_bucket_acl_gets_it_as_missing_with_a_remediation_policy_of_just_that_action()
 {
    let moto = moto_with_managed_policies().await;
    let key = moto
        .user_with_inline_policy("mdca", &seed_policy_without("s3:PutBucketAcl"))
        .await;
    moto.enforce_iam().await;

    let diagnosis = diagnose_moto(&moto, &key.id, &key.secret, &[AUDITING]).await;

    let missing = verdict(&diagnosis, "s3:PutBucketAcl");
    assert_eq!(missing.decision, Decision::ImplicitDeny, "{missing:?}");
    assert_eq!(
        missing.method,
        VerdictMethod::LocalEvaluation,
        "{missing:?}"
    );
    assert_eq!(
        verdict(&diagnosis, "s3:GetBucketAcl").decision,
        Decision::Allowed
    );
    let finding = finding(&diagnosis, Code::PermissionMissing);
    assert!(
        finding.detail.contains("s3:PutBucketAcl"),
        "{}",
        finding.detail
    );
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(
        check(&diagnosis, CheckId::Permissions).status,
        CheckStatus::Fail
    );
    assert_eq!(
        connection(&diagnosis, AUDITING).status,
        HealthStatus::Unhealthy
    );
    assert_eq!(
        diagnosis.remediation_policy,
        Some(json!({
            "Version": "2012-10-17",
            // On the resources the portal uses it on: every bucket.
            "Statement": [{"Effect": "Allow", "Action": ["s3:PutBucketAcl"], "Resource": "arn:aws:s3:::*"}]
        }))
    );
}

#[tokio::test]
async fn a_moto_users_explicit_deny_is_reported_and_left_out_of_the_remediation_policy() {
    let moto = moto_with_managed_policies().await;
    let key = moto
        .user_with_inline_policy("mdca", &seed_policy_denying("s3:GetBucketAcl"))
        .await;
    moto.enforce_iam().await;

    let diagnosis = diagnose_moto(&moto, &key.id, &key.secret, &[AUDITING]).await;

    let denied = verdict(&diagnosis, "s3:GetBucketAcl");
    assert_eq!(denied.decision, Decision::ExplicitDeny, "{denied:?}");
    assert_eq!(
        denied.denied_by,
        Some(DeniedBy::IdentityPolicy),
        "{denied:?}"
    );
    assert_eq!(denied.method, VerdictMethod::LocalEvaluation, "{denied:?}");
    let detail = &finding(&diagnosis, Code::PermissionExplicitDeny).detail;
    assert!(detail.contains("s3:GetBucketAcl"), "{detail}");
    assert!(
        detail.contains("NoAcls"),
        "the deciding statement is named: {detail}"
    );
    assert!(!has_finding(&diagnosis, Code::PermissionMissing));
    assert_eq!(diagnosis.remediation_policy, None);
    assert_eq!(
        check(&diagnosis, CheckId::Permissions).status,
        CheckStatus::Fail
    );
}

#[tokio::test]
async fn security_audit_attached_through_a_group_counts_and_a_missing_hub_policy_is_reported() {
    let moto = moto_with_managed_policies().await;
    let key = moto.user_with_inline_policy("mdca", &seed_policy()).await;
    moto.add_to_group_with_managed_policy("mdca", "auditors", SECURITY_AUDIT)
        .await;
    moto.enforce_iam().await;

    let diagnosis = diagnose_moto(&moto, &key.id, &key.secret, &[CONFIGURATION]).await;

    assert_one_verdict_per_required_action(&diagnosis, CONFIGURATION);
    let detail = &finding(&diagnosis, Code::ManagedPolicyNotAttached).detail;
    assert!(detail.contains(HUB_READ_ONLY), "{detail}");
    assert!(!detail.contains(SECURITY_AUDIT), "{detail}");
    // Granted only by SecurityAudit, which reaches the user through its group.
    let from_group = verdict(&diagnosis, "config:DescribeConfigRules");
    assert_eq!(from_group.decision, Decision::Allowed, "{from_group:?}");
    assert_eq!(
        from_group.method,
        VerdictMethod::LocalEvaluation,
        "{from_group:?}"
    );
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
    let body = request(&[AUDITING])
        .credentials(&key.id, &key.secret)
        .assume_role(
            "arn:aws:iam::123456789012:role/portal-audit",
            Some("portal-42"),
        );
    let diagnosis = app.diagnosis(&body.build()).await;

    assert_eq!(
        diagnosis
            .identity
            .as_ref()
            .map(|identity| identity.principal_type),
        Some(PrincipalType::AssumedRole)
    );
    assert_one_verdict_per_required_action(&diagnosis, AUDITING);
    let missing = verdict(&diagnosis, "s3:PutBucketAcl");
    assert_eq!(missing.decision, Decision::ImplicitDeny, "{missing:?}");
    assert_eq!(
        missing.method,
        VerdictMethod::LocalEvaluation,
        "{missing:?}"
    );
    let allowed = verdict(&diagnosis, "iam:GetAccountAuthorizationDetails");
    assert_eq!(allowed.decision, Decision::Allowed, "{allowed:?}");
    assert_eq!(
        allowed.method,
        VerdictMethod::LocalEvaluation,
        "{allowed:?}"
    );
    let detail = &finding(&diagnosis, Code::PermissionMissing).detail;
    assert!(detail.contains("role portal-audit"), "{detail}");
}
