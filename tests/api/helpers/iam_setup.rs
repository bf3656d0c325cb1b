//! Setting up IAM identities and policies in moto for the permission tests, and the IAM answers
//! (query protocol XML, as IAM sends them) the scripted fake gives for the same story.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use connector_doctor::domain::Connection;
use connector_doctor::requirements::Requirements;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, ResponseTemplate};

use super::moto::AccessKey;
use super::{EXAMPLE_KEY_ID, FakeAws, Moto};

/// The ARN of the user the fake plays ([`FakeIdentity::user`](super::FakeIdentity::user)).
pub const FAKE_USER_ARN: &str = super::fake_aws::USER_ARN;

/// The seed guide's auditing policy, exactly as `GET /v1/requirements` serves it.
pub fn seed_policy() -> Value {
    Requirements::builtin()
        .for_connection(Connection::SecurityAuditing)
        .policy_document
        .clone()
        .expect("security auditing has a policy document")
}

/// The seed policy with `action` taken out of its Action list.
pub fn seed_policy_without(action: &str) -> Value {
    let mut policy = seed_policy();
    let actions = policy["Statement"][0]["Action"]
        .as_array_mut()
        .expect("the seed statement lists its actions");
    let before = actions.len();
    actions.retain(|listed| listed != action);
    assert_eq!(actions.len() + 1, before, "{action} is in the seed policy");
    policy
}

/// The seed policy plus a statement denying `action`.
pub fn seed_policy_denying(action: &str) -> Value {
    let mut policy = seed_policy();
    policy["Statement"]
        .as_array_mut()
        .expect("the seed has a statement list")
        .push(json!({"Sid": "NoAcls", "Effect": "Deny", "Action": action, "Resource": "*"}));
    policy
}

/// AWS's quarantine policy `AWSCompromisedKeyQuarantineV2` (its document as AWS publishes it,
/// the first of its denied actions): among the guide's actions it denies `cloudtrail:LookupEvents`.
pub fn quarantine_v2() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Resource": ["*"], "Action": [
        "cloudtrail:LookupEvents", "ec2:RequestSpotInstances", "ec2:RunInstances",
        "ec2:StartInstances", "iam:AddUserToGroup", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
        "iam:AttachUserPolicy", "iam:ChangePassword", "iam:CreateAccessKey",
        "iam:CreateInstanceProfile", "iam:CreateLoginProfile", "iam:CreatePolicyVersion",
        "iam:CreateRole", "iam:CreateUser", "iam:DetachUserPolicy", "iam:PassRole",
        "iam:PutGroupPolicy", "iam:PutRolePolicy", "iam:PutUserPermissionsBoundary",
        "iam:PutUserPolicy", "iam:SetDefaultPolicyVersion", "iam:UpdateAccessKey",
        "iam:UpdateAccountPasswordPolicy", "iam:UpdateAssumeRolePolicy", "iam:UpdateLoginProfile",
        "iam:UpdateUser", "lambda:CreateFunction", "organizations:CreateAccount"
    ]}]})
}

/// The actions the given connections require, in the diagnosis's order.
pub fn required_actions(connections: &[Connection]) -> Vec<String> {
    Requirements::builtin()
        .required_actions(connections)
        .into_iter()
        .map(|required| required.action)
        .collect()
}

impl Moto {
    /// Creates a user with a key and one inline policy.
    pub async fn user_with_inline_policy(&self, name: &str, policy: &Value) -> AccessKey {
        let key = self.create_user_with_key(name).await;
        self.iam()
            .put_user_policy()
            .user_name(name)
            .policy_name("connector")
            .policy_document(policy.to_string())
            .send()
            .await
            .expect("moto stores the inline policy");
        key
    }

    /// Creates role `name` that `trusted_user` may assume (with `external_id`), with one inline
    /// policy.
    pub async fn role_with_inline_policy(
        &self,
        name: &str,
        trusted_user: &str,
        external_id: &str,
        policy: &Value,
    ) {
        let trust = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": trusted_user},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}}
        }]});
        let iam = self.iam();
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .expect("moto creates the role");
        iam.put_role_policy()
            .role_name(name)
            .policy_name("connector")
            .policy_document(policy.to_string())
            .send()
            .await
            .expect("moto stores the role's inline policy");
    }

    /// Creates the customer managed policy `name` with `document` and attaches it to `user`;
    /// its ARN.
    pub async fn attach_new_managed_policy(
        &self,
        user: &str,
        name: &str,
        document: &Value,
    ) -> String {
        let iam = self.iam();
        let created = iam
            .create_policy()
            .policy_name(name)
            .policy_document(document.to_string())
            .send()
            .await
            .expect("moto creates the policy");
        let arn = created
            .policy()
            .and_then(|policy| policy.arn())
            .expect("a created policy has an ARN")
            .to_owned();
        iam.attach_user_policy()
            .user_name(user)
            .policy_arn(&arn)
            .send()
            .await
            .expect("moto attaches the policy to the user");
        arn
    }

    /// Creates `group` with the managed policy `policy_arn` attached and adds `user` to it.
    pub async fn add_to_group_with_managed_policy(
        &self,
        user: &str,
        group: &str,
        policy_arn: &str,
    ) {
        let iam = self.iam();
        iam.create_group()
            .group_name(group)
            .send()
            .await
            .expect("moto creates the group");
        iam.attach_group_policy()
            .group_name(group)
            .policy_arn(policy_arn)
            .send()
            .await
            .expect("moto attaches the policy to the group");
        iam.add_user_to_group()
            .group_name(group)
            .user_name(user)
            .send()
            .await
            .expect("moto adds the user to the group");
    }

    /// Switches IAM enforcement on from the next call: every later request needs a policy that
    /// allows it (the set-up before this ran unchecked).
    pub async fn enforce_iam(&self) {
        let response = reqwest::Client::new()
            .post(format!("{}/moto-api/reset-auth", self.url))
            .body("0")
            .send()
            .await
            .expect("moto answers reset-auth");
        assert!(
            response.status().is_success(),
            "reset-auth: {}",
            response.status()
        );
    }
}

/// An IAM (query protocol) error body.
pub fn iam_error_body(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
         <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
         <RequestId>9f1e0000-0000-4000-8000-000000000002</RequestId></ErrorResponse>"
    )
}

/// The AccessDenied IAM sends for an action no identity policy allows.
pub fn iam_access_denied(action: &str) -> String {
    iam_error_body(
        "AccessDenied",
        &format!(
            "User: {FAKE_USER_ARN} is not authorized to perform: iam:{action} on resource: \
             {FAKE_USER_ARN} because no identity-based policy allows the iam:{action} action"
        ),
    )
}

/// A successful IAM response: `<{Op}Response><{Op}Result>{result}</{Op}Result>...`.
pub fn iam_response(operation: &str, result: &str) -> String {
    format!(
        "<{operation}Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
         <{operation}Result>{result}</{operation}Result>\
         <ResponseMetadata><RequestId>9f1e0000-0000-4000-8000-000000000001</RequestId></ResponseMetadata>\
         </{operation}Response>"
    )
}

/// A ListAttachedUserPolicies (or ...GroupPolicies) answer of the policies `arns`.
fn attached_policies(operation: &str, arns: &[String]) -> String {
    let members: String = arns
        .iter()
        .map(|arn| {
            let name = arn.rsplit('/').next().unwrap_or(arn);
            format!("<member><PolicyName>{name}</PolicyName><PolicyArn>{arn}</PolicyArn></member>")
        })
        .collect();
    iam_response(
        operation,
        &format!("<AttachedPolicies>{members}</AttachedPolicies><IsTruncated>false</IsTruncated>"),
    )
}

/// A ListAccessKeys answer of user `mdca` listing `keys`.
pub fn access_keys(keys: &[ListedKey<'_>]) -> String {
    let members: String = keys
        .iter()
        .map(|key| {
            format!(
                "<member><UserName>mdca</UserName><AccessKeyId>{}</AccessKeyId>\
                 <Status>{}</Status><CreateDate>{}</CreateDate></member>",
                key.id,
                key.status,
                key.created
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )
        })
        .collect();
    iam_response(
        "ListAccessKeys",
        &format!(
            "<UserName>mdca</UserName><AccessKeyMetadata>{members}</AccessKeyMetadata>\
             <IsTruncated>false</IsTruncated>"
        ),
    )
}

/// The connector's key as a healthy account lists it: active, created a month ago.
fn connector_key() -> String {
    access_keys(&[ListedKey {
        id: EXAMPLE_KEY_ID,
        status: "Active",
        created: Utc::now() - chrono::TimeDelta::days(30),
    }])
}

/// One simulated action: its decision and whether AWS Organizations allowed it.
pub struct Simulated<'a> {
    /// The action.
    pub action: &'a str,
    /// `allowed`, `implicitDeny` or `explicitDeny`.
    pub decision: &'a str,
    /// `Some(false)` when an SCP denied it.
    pub allowed_by_organizations: Option<bool>,
    /// The policy of the statement that decided it (its `MatchedStatements`), when named.
    pub matched_policy: Option<&'a str>,
}

/// A SimulatePrincipalPolicy page with `results`; `marker` when more pages follow.
pub fn simulation_page(results: &[Simulated<'_>], marker: Option<&str>) -> String {
    let members: String = results
        .iter()
        .map(|result| {
            let organizations = result
                .allowed_by_organizations
                .map(|allowed| {
                    format!(
                        "<OrganizationsDecisionDetail><AllowedByOrganizations>{allowed}\
                         </AllowedByOrganizations></OrganizationsDecisionDetail>"
                    )
                })
                .unwrap_or_default();
            let matched = result
                .matched_policy
                .map(|policy| {
                    format!(
                        "<MatchedStatements><member><SourcePolicyId>{policy}</SourcePolicyId>\
                         <SourcePolicyType>aws-managed</SourcePolicyType></member>\
                         </MatchedStatements>"
                    )
                })
                .unwrap_or_else(|| "<MatchedStatements/>".to_owned());
            format!(
                "<member><EvalActionName>{}</EvalActionName><EvalResourceName>*</EvalResourceName>\
                 <EvalDecision>{}</EvalDecision>{matched}<MissingContextValues/>\
                 {organizations}</member>",
                result.action, result.decision
            )
        })
        .collect();
    let paging = match marker {
        Some(marker) => format!("<IsTruncated>true</IsTruncated><Marker>{marker}</Marker>"),
        None => "<IsTruncated>false</IsTruncated>".to_owned(),
    };
    iam_response(
        "SimulatePrincipalPolicy",
        &format!("<EvaluationResults>{members}</EvaluationResults>{paging}"),
    )
}

/// One access key of user `mdca`, as `iam:ListAccessKeys` lists it.
pub struct ListedKey<'a> {
    /// The key id.
    pub id: &'a str,
    /// `Active` or `Inactive`.
    pub status: &'a str,
    /// When it was created.
    pub created: DateTime<Utc>,
}

/// The priority of a scenario's account state in IAM: over the defaults of a healthy account
/// (10) and of a user with an inline policy (5), under a test's own faults (1).
const STATE: u8 = 3;

impl FakeAws {
    /// Answers the IAM `operation` (exactly that one: `GetUser` does not answer `GetUserPolicy`)
    /// when the request body also contains `and_body`.
    pub async fn on_iam(&self, operation: &str, and_body: Option<&str>, status: u16, body: String) {
        // A more specific answer (a later page) wins over the plain one.
        let priority = if and_body.is_some() { 1 } else { 5 };
        self.on_iam_at(priority, operation, and_body, status, body)
            .await;
    }

    /// [`FakeAws::on_iam`] at wiremock's `priority` (the lowest number wins).
    async fn on_iam_at(
        &self,
        priority: u8,
        operation: &str,
        and_body: Option<&str>,
        status: u16,
        body: String,
    ) {
        let mut mock =
            Mock::given(method("POST")).and(body_string_contains(format!("Action={operation}&")));
        if let Some(extra) = and_body {
            mock = mock.and(body_string_contains(extra));
        }
        mock.respond_with(
            ResponseTemplate::new(status)
                .insert_header("content-type", "text/xml")
                .insert_header("x-amzn-requestid", "9f1e0000-0000-4000-8000-000000000003")
                .set_body_string(body),
        )
        .with_priority(priority)
        .mount(&self.server)
        .await;
    }

    /// `iam:ListAccessKeys` of user `mdca` lists `keys`, over any default.
    pub async fn lists_access_keys(&self, keys: &[ListedKey<'_>]) {
        self.on_iam_at(STATE, "ListAccessKeys", None, 200, access_keys(keys))
            .await;
    }

    /// User `mdca` has the managed policies `direct` attached, and is in `groups` (each with the
    /// managed policies attached to it, and no inline policy); `documents` are the managed
    /// policies' JSON documents by ARN, for the policy reads of local evaluation. Over any
    /// default.
    pub async fn user_attachments(
        &self,
        direct: &[String],
        groups: &BTreeMap<String, Vec<String>>,
        documents: &BTreeMap<String, String>,
    ) {
        self.on_iam_at(
            STATE,
            "ListAttachedUserPolicies",
            None,
            200,
            attached_policies("ListAttachedUserPolicies", direct),
        )
        .await;
        let members: String = groups
            .keys()
            .map(|group| {
                format!(
                    "<member><Path>/</Path><GroupName>{group}</GroupName><GroupId>AGPAEXAMPLE{}\
                     </GroupId><Arn>arn:aws:iam::123456789012:group/{group}</Arn>\
                     <CreateDate>2026-01-01T00:00:00Z</CreateDate></member>",
                    group.len()
                )
            })
            .collect();
        let listed = format!("<Groups>{members}</Groups><IsTruncated>false</IsTruncated>");
        self.on_iam_at(
            STATE,
            "ListGroupsForUser",
            None,
            200,
            iam_response("ListGroupsForUser", &listed),
        )
        .await;
        for (group, attached) in groups {
            let of_group = format!("GroupName={group}");
            let answers = [
                (
                    "ListAttachedGroupPolicies",
                    attached_policies("ListAttachedGroupPolicies", attached),
                ),
                (
                    "ListGroupPolicies",
                    iam_response(
                        "ListGroupPolicies",
                        "<PolicyNames/><IsTruncated>false</IsTruncated>",
                    ),
                ),
            ];
            for (operation, body) in answers {
                self.on_iam_at(STATE, operation, Some(&of_group), 200, body)
                    .await;
            }
        }
        for (arn, document) in documents {
            let name = arn.rsplit('/').next().unwrap_or(arn);
            let encoded = utf8_percent_encode(document, NON_ALPHANUMERIC).to_string();
            let answers = [
                (
                    "GetPolicy",
                    format!(
                        "<Policy><PolicyName>{name}</PolicyName><PolicyId>ANPAEXAMPLE</PolicyId>\
                         <Arn>{arn}</Arn><Path>/</Path><DefaultVersionId>v1</DefaultVersionId>\
                         <AttachmentCount>1</AttachmentCount><IsAttachable>true</IsAttachable>\
                         </Policy>"
                    ),
                ),
                (
                    "GetPolicyVersion",
                    format!(
                        "<PolicyVersion><Document>{encoded}</Document><VersionId>v1</VersionId>\
                         <IsDefaultVersion>true</IsDefaultVersion></PolicyVersion>"
                    ),
                ),
            ];
            for (operation, result) in answers {
                // The ARN is percent-encoded in the body; the name, alphanumeric, is not.
                let of_policy = format!("%2F{name}");
                self.on_iam_at(
                    STATE,
                    operation,
                    Some(&of_policy),
                    200,
                    iam_response(operation, &result),
                )
                .await;
            }
        }
    }

    /// IAM's simulator refuses the key, as with the guide's policy (it does not grant it).
    pub async fn simulator_denied(&self) {
        self.on_iam(
            "SimulatePrincipalPolicy",
            None,
            403,
            iam_access_denied("SimulatePrincipalPolicy"),
        )
        .await;
    }

    /// Scripts a well-configured IAM, yielding to any other IAM answer a test mounts: the
    /// simulator allows every action both connections require, the user has both managed
    /// policies of security configuration attached, and its one access key (the connector's) is
    /// a month old. For fakes whose tests are about other checks.
    pub async fn iam_allows_everything(&self) {
        let actions = required_actions(&Connection::ALL);
        let allowed: Vec<Simulated<'_>> = actions
            .iter()
            .map(|action| Simulated {
                action,
                decision: "allowed",
                allowed_by_organizations: Some(true),
                matched_policy: None,
            })
            .collect();
        let attached: String = Requirements::builtin()
            .for_connection(Connection::SecurityConfiguration)
            .managed_policies
            .iter()
            .map(|arn| {
                let name = arn.rsplit('/').next().unwrap_or(arn);
                format!(
                    "<member><PolicyName>{name}</PolicyName><PolicyArn>{arn}</PolicyArn></member>"
                )
            })
            .collect();
        let answers = [
            ("SimulatePrincipalPolicy", simulation_page(&allowed, None)),
            (
                "ListAttachedUserPolicies",
                iam_response(
                    "ListAttachedUserPolicies",
                    &format!(
                        "<AttachedPolicies>{attached}</AttachedPolicies><IsTruncated>false</IsTruncated>"
                    ),
                ),
            ),
            (
                "ListGroupsForUser",
                iam_response(
                    "ListGroupsForUser",
                    "<Groups/><IsTruncated>false</IsTruncated>",
                ),
            ),
            ("ListAccessKeys", connector_key()),
        ];
        for (operation, body) in answers {
            Mock::given(method("POST"))
                .and(body_string_contains(format!("Action={operation}&")))
                .respond_with(
                    ResponseTemplate::new(200)
                        .insert_header("content-type", "text/xml")
                        .set_body_string(body),
                )
                .with_priority(10)
                .mount(&self.server)
                .await;
        }
    }

    /// Scripts IAM's answers for user `mdca` with one inline policy, no managed policies,
    /// no groups, no permissions boundary, and one access key (the connector's) a month old.
    pub async fn user_with_inline_policy(&self, policy: &Value) {
        let document = utf8_percent_encode(&policy.to_string(), NON_ALPHANUMERIC).to_string();
        let answers = [
            (
                "ListUserPolicies",
                "<PolicyNames><member>connector</member></PolicyNames><IsTruncated>false</IsTruncated>"
                    .to_owned(),
            ),
            (
                "GetUserPolicy",
                format!(
                    "<UserName>mdca</UserName><PolicyName>connector</PolicyName>\
                     <PolicyDocument>{document}</PolicyDocument>"
                ),
            ),
            (
                "ListAttachedUserPolicies",
                "<AttachedPolicies/><IsTruncated>false</IsTruncated>".to_owned(),
            ),
            (
                "ListGroupsForUser",
                "<Groups/><IsTruncated>false</IsTruncated>".to_owned(),
            ),
            (
                "GetUser",
                format!(
                    "<User><Path>/</Path><UserName>mdca</UserName><UserId>AIDAEXAMPLEMDCA</UserId>\
                     <Arn>{FAKE_USER_ARN}</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate></User>"
                ),
            ),
        ];
        for (operation, result) in answers {
            self.on_iam(operation, None, 200, iam_response(operation, &result))
                .await;
        }
        self.on_iam("ListAccessKeys", None, 200, connector_key())
            .await;
    }
}
