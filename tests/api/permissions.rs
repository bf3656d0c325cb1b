//! The permission probe against moto (IAM enforcement on, so the fallback reads real policies)
//! and the scripted fake (the simulator's answers, denials of both methods).

use connector_doctor::domain::{
    CheckId, CheckStatus, Code, Connection, Decision, DeniedBy, Diagnosis, HealthStatus,
    PermissionVerdict, PrincipalType, Severity, VerdictMethod,
};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::app::{check, connection, finding, finding_codes, has_finding, verdict};
use crate::helpers::fake_regions::{healthy_account, signed_for};
use crate::helpers::iam_setup::{
    FAKE_USER_ARN, Simulated, iam_error_body, required_actions, seed_policy, seed_policy_denying,
    seed_policy_without, simulation_page,
};
use crate::helpers::{FakeAws, FakeIdentity, Moto, RequestBody, TestApp};

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

async fn diagnose_fake(fake: &FakeAws, connections: &[Connection]) -> Diagnosis {
    let app = TestApp::with_aws(&fake.url()).await;
    app.diagnosis(&request(connections).build()).await
}

#[tokio::test]
async fn a_fully_allowed_simulation_passes_and_keeps_both_connections_healthy() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    fake.iam_allows_everything().await;

    let diagnosis = diagnose_fake(&fake, &[AUDITING, CONFIGURATION]).await;

    let listed: Vec<&str> = verdicts(&diagnosis)
        .iter()
        .map(|verdict| verdict.action.as_str())
        .collect();
    assert_eq!(listed, required_actions(&Connection::ALL));
    for entry in verdicts(&diagnosis) {
        assert_eq!(entry.decision, Decision::Allowed, "{entry:?}");
        assert!(
            [VerdictMethod::Simulation, VerdictMethod::Observed].contains(&entry.method),
            "{entry:?}"
        );
    }
    assert_eq!(verdict(&diagnosis, "iam:GetUser").required_by, [AUDITING]);
    assert_eq!(
        verdict(&diagnosis, "cloudtrail:DescribeTrails").required_by,
        [AUDITING, CONFIGURATION]
    );
    let permissions = check(&diagnosis, CheckId::Permissions);
    assert_eq!(permissions.status, CheckStatus::Pass, "{permissions:?}");
    assert!(
        permissions.summary.contains("(simulation"),
        "{permissions:?}"
    );
    assert_eq!(diagnosis.remediation_policy, None);
    assert_eq!(diagnosis.status, HealthStatus::Healthy, "{diagnosis:#?}");
}

#[tokio::test]
async fn a_simulated_scp_denial_is_reported_as_denied_by_scp_across_simulator_pages() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    let actions = required_actions(&[AUDITING]);
    let results = simulated_auditing(&actions, "s3:PutBucketAcl", "implicitDeny", Some(false));
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

    let diagnosis = diagnose_fake(&fake, &[AUDITING]).await;

    assert_one_verdict_per_required_action(&diagnosis, AUDITING);
    // A write, never made to observe it: the simulator's word stands.
    let denied = verdict(&diagnosis, "s3:PutBucketAcl");
    assert_eq!(denied.denied_by, Some(DeniedBy::Scp), "{denied:?}");
    assert_eq!(denied.decision, Decision::ImplicitDeny, "{denied:?}");
    assert_eq!(denied.method, VerdictMethod::Simulation, "{denied:?}");
    let get_user = verdict(&diagnosis, "iam:GetUser");
    assert_eq!(get_user.method, VerdictMethod::Simulation);
    assert_eq!(get_user.decision, Decision::Allowed);
    let detail = &finding(&diagnosis, Code::PermissionDeniedByScp).detail;
    assert!(detail.contains("s3:PutBucketAcl"), "{detail}");
    assert!(!has_finding(&diagnosis, Code::PermissionMissing));
    // An SCP is not lifted by an Allow on the user.
    assert_eq!(diagnosis.remediation_policy, None);
    assert_eq!(
        check(&diagnosis, CheckId::Permissions).status,
        CheckStatus::Fail
    );
    // One simulation of every action on every resource, over its two pages.
    assert_eq!(fake.calls_of("SimulatePrincipalPolicy").await, 2);
    assert_eq!(fake.calls_of("ListUserPolicies").await, 0);
}

#[tokio::test]
async fn a_denied_simulator_falls_back_to_evaluating_the_users_own_policies() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    fake.simulator_denied().await;
    fake.user_with_inline_policy(&seed_policy_without("s3:PutBucketAcl"))
        .await;

    let diagnosis = diagnose_fake(&fake, &[AUDITING]).await;

    assert_one_verdict_per_required_action(&diagnosis, AUDITING);
    let missing = verdict(&diagnosis, "s3:PutBucketAcl");
    assert_eq!(missing.decision, Decision::ImplicitDeny, "{missing:?}");
    assert_eq!(
        missing.method,
        VerdictMethod::LocalEvaluation,
        "{missing:?}"
    );
    // iam:GetUser was called by the policy reads themselves: observed; iam:ListUsers was not.
    assert_eq!(
        verdict(&diagnosis, "iam:GetUser").method,
        VerdictMethod::Observed
    );
    let list_users = verdict(&diagnosis, "iam:ListUsers");
    assert_eq!(list_users.decision, Decision::Allowed);
    assert_eq!(list_users.method, VerdictMethod::LocalEvaluation);
    assert!(!list_users.scp_visible, "{list_users:?}");
    assert!(has_finding(&diagnosis, Code::PermissionMissing));
    assert!(!has_finding(&diagnosis, Code::PermissionCheckUnavailable));
    let summary = &check(&diagnosis, CheckId::Permissions).summary;
    assert!(summary.contains("local evaluation"), "{summary}");
    assert!(summary.contains("AccessDenied"), "{summary}");
    let remediation = diagnosis
        .remediation_policy
        .as_ref()
        .expect("a remediation policy");
    assert_eq!(
        remediation["Statement"][0]["Action"],
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

    let diagnosis = diagnose_fake(&fake, &[AUDITING]).await;

    assert_one_verdict_per_required_action(&diagnosis, AUDITING);
    for entry in verdicts(&diagnosis) {
        match entry.method {
            // The policy reads that were tried are themselves evidence: AWS denied them.
            VerdictMethod::Observed if entry.action.starts_with("iam:") => {
                assert_eq!(entry.decision, Decision::ImplicitDeny, "{entry:?}")
            }
            VerdictMethod::Observed => assert_eq!(entry.decision, Decision::Allowed, "{entry:?}"),
            _ => {
                // No method could run: the verdict says so rather than name one that did not.
                assert_eq!(entry.method, VerdictMethod::None, "{entry:?}");
                assert!(entry.evidence.is_empty(), "{entry:?}");
                assert_eq!(entry.decision, Decision::Unknown, "{entry:?}");
            }
        }
    }
    assert!(
        verdicts(&diagnosis)
            .iter()
            .any(|entry| entry.decision == Decision::Unknown),
        "the denied reads leave some action undecided"
    );
    let unavailable = finding(&diagnosis, Code::PermissionCheckUnavailable);
    assert_eq!(unavailable.severity, Severity::Warning);
    assert_eq!(
        unavailable
            .aws_error
            .as_ref()
            .and_then(|error| error.code.as_deref()),
        Some("AccessDenied")
    );
    // The denied reads are missing permissions the connection needs (iam:List*, iam:Get*).
    assert_eq!(
        check(&diagnosis, CheckId::Permissions).status,
        CheckStatus::Fail
    );
    let missing = &finding(&diagnosis, Code::PermissionMissing).detail;
    assert!(missing.contains("iam:"), "{missing}");
    assert_eq!(
        connection(&diagnosis, AUDITING).status,
        HealthStatus::Unhealthy
    );
    let remediation = diagnosis.remediation_policy.as_ref().expect("a policy");
    let granted = remediation["Statement"][0]["Action"].to_string();
    assert!(granted.contains("iam:"), "{granted}");
}

#[tokio::test]
async fn root_credentials_are_allowed_everything_without_asking_iam() {
    let fake = FakeAws::identifying(FakeIdentity::root()).await;

    let diagnosis = diagnose_fake(&fake, &[AUDITING, CONFIGURATION]).await;

    for entry in verdicts(&diagnosis) {
        assert_eq!(entry.decision, Decision::Allowed, "{entry:?}");
        // Labelled as what decided it: root credentials (or a call of the diagnosis), never an
        // evaluation of policies that did not run.
        assert!(
            matches!(entry.method, VerdictMethod::Root | VerdictMethod::Observed),
            "{entry:?}"
        );
        assert!(
            entry
                .evidence
                .iter()
                .any(|e| e.method == VerdictMethod::Root),
            "{entry:?}"
        );
    }
    let summary = &check(&diagnosis, CheckId::Permissions).summary;
    assert!(summary.contains("root user"), "{summary}");
    assert!(summary.contains("service control polic"), "{summary}");
    assert_eq!(fake.calls_of("SimulatePrincipalPolicy").await, 0);
    assert!(!has_finding(&diagnosis, Code::ManagedPolicyNotAttached));
    assert_eq!(diagnosis.remediation_policy, None);
}
