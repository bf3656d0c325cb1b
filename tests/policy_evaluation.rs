//! Table-driven tests of the policy evaluator, built from the IAM User Guide
//! ("Policy evaluation logic", "IAM JSON policy elements", "Condition
//! operators", "Permissions boundaries", and its example policies).

use connector_doctor::policy::{
    Context, Decision, Effect, Layer, NamedPolicy, PolicyDocument, PolicyParseError, PolicySet,
    Request, UndecidedReason, Verdict, evaluate,
};

/// The connector's required "security auditing" policy.
const SEED: &str = r#"{"Version":"2012-10-17","Statement":[{"Action":["cloudtrail:DescribeTrails","cloudtrail:LookupEvents","cloudtrail:GetTrailStatus","cloudwatch:Describe*","cloudwatch:Get*","cloudwatch:List*","iam:List*","iam:Get*","s3:ListAllMyBuckets","s3:PutBucketAcl","s3:GetBucketAcl","s3:GetBucketLocation"],"Effect":"Allow","Resource":"*"}]}"#;

/// The seed policy as IAM's GetPolicyVersion returns it (percent-encoded).
const SEED_ENCODED: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Action%22%3A%5B%22cloudtrail%3ADescribeTrails%22%2C%22cloudtrail%3ALookupEvents%22%2C%22cloudtrail%3AGetTrailStatus%22%2C%22cloudwatch%3ADescribe%2A%22%2C%22cloudwatch%3AGet%2A%22%2C%22cloudwatch%3AList%2A%22%2C%22iam%3AList%2A%22%2C%22iam%3AGet%2A%22%2C%22s3%3AListAllMyBuckets%22%2C%22s3%3APutBucketAcl%22%2C%22s3%3AGetBucketAcl%22%2C%22s3%3AGetBucketLocation%22%5D%2C%22Effect%22%3A%22Allow%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";

const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// One row of the table.
struct Case {
    name: &'static str,
    identity: &'static [&'static str],
    boundary: Option<&'static str>,
    action: &'static str,
    resource: &'static str,
    context: &'static [(&'static str, &'static str)],
    expected: Decision,
}

const fn case(
    name: &'static str,
    identity: &'static [&'static str],
    action: &'static str,
    resource: &'static str,
    expected: Decision,
) -> Case {
    Case {
        name,
        identity,
        boundary: None,
        action,
        resource,
        context: &[],
        expected,
    }
}

impl Case {
    const fn boundary(mut self, boundary: &'static str) -> Self {
        self.boundary = Some(boundary);
        self
    }

    const fn context(mut self, context: &'static [(&'static str, &'static str)]) -> Self {
        self.context = context;
        self
    }
}

use Decision::{Allowed, ExplicitDeny, ImplicitDeny, Unknown};

const S3_GET: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#;
const IAM_STAR_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*Policy"],"Resource":["*"]}]}"#;
const QUESTION: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloud*:Describe?rails","Resource":"*"}]}"#;
const UPPER_ACTION: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"IAM:listusers","Resource":"*"}]}"#;
const BUCKET_MIXED_CASE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::MyBucket"}]}"#;
const BUCKET_OBJECTS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::example-bucket/*"}]}"#;
const NOT_ACTION_ALLOW: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#;
// IAM User Guide: allow everything, but deny all services except IAM and STS.
const NOT_ACTION_DENY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"DenyAllButIamSts","Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*"}]}"#;
const NOT_RESOURCE_ALLOW: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","NotResource":["arn:aws:s3:::secret*","arn:aws:s3:::secret*/*"]}]}"#;
// IAM User Guide: deny everything outside one bucket.
const NOT_RESOURCE_DENY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::allowed-bucket","arn:aws:s3:::allowed-bucket/*"]}]}"#;
const DENY_DELETE_BUCKET: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#;
const ALLOW_THEN_DENY_SAME_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},{"Effect":"Deny","Action":"iam:Delete*","Resource":"*"}]}"#;
const S3_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
const IAM_LIST_USERS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#;
const BOUNDARY_DENY_IAM: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"NoIam","Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#;
const VPC_CONDITION: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"FromVpc","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-111bbb22"}}}]}"#;
const MFA_BOOL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#;
// IAM User Guide: deny everything without MFA, using BoolIfExists.
const MFA_DENY_IF_EXISTS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"DenyWithoutMfa","Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#;
const MFA_DENY_NULL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Null":{"aws:MultiFactorAuthPresent":"true"}}}]}"#;
const DENY_OUTSIDE_VPC: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutsideVpc","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-111bbb22"}}}]}"#;
const SINGLE_FORMS: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}}"#;
const EMPTY_STATEMENTS: &str = r#"{"Version":"2012-10-17","Statement":[]}"#;
const HOME_DIR: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"OwnHome","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}"#;
const HOME_DIR_2008: &str = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}"#;
// IAM User Guide: deny access based on the source IP.
const SOURCE_IP: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}}]}"#;
// IAM User Guide: deny access outside the requested regions (with NotAction
// for global services).
const REGION_DENY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"DenyAllOutsideRequestedRegions","Effect":"Deny","NotAction":["cloudfront:*","iam:*","route53:*","support:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-central-1","eu-west-1"]}}}]}"#;
// IAM User Guide: allow access within specific dates.
const DATE_WINDOW: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"service-prefix:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}}]}"#;
const TAG_OWNER: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StartInstances","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Owner":"${aws:username}"}}}]}"#;
const UNSUPPORTED_OPERATOR: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringSoundsLike":{"aws:username":"bob"}}}]}"#;

static CASES: &[Case] = &[
    // The seed policy.
    case(
        "seed allows cloudwatch:DescribeAlarms",
        &[SEED],
        "cloudwatch:DescribeAlarms",
        "*",
        Allowed,
    ),
    case(
        "seed allows iam:GetAccountSummary",
        &[SEED],
        "iam:GetAccountSummary",
        "*",
        Allowed,
    ),
    case(
        "seed allows iam:ListUsers",
        &[SEED],
        "iam:ListUsers",
        "*",
        Allowed,
    ),
    case(
        "seed allows cloudtrail:LookupEvents",
        &[SEED],
        "cloudtrail:LookupEvents",
        "*",
        Allowed,
    ),
    case(
        "seed allows s3:GetBucketAcl on a bucket",
        &[SEED],
        "s3:GetBucketAcl",
        "arn:aws:s3:::logs",
        Allowed,
    ),
    case(
        "seed does not allow s3:PutObject",
        &[SEED],
        "s3:PutObject",
        "*",
        ImplicitDeny,
    ),
    case(
        "seed does not allow iam:SimulatePrincipalPolicy",
        &[SEED],
        "iam:SimulatePrincipalPolicy",
        "*",
        ImplicitDeny,
    ),
    case(
        "seed does not allow cloudtrail:StopLogging",
        &[SEED],
        "cloudtrail:StopLogging",
        "*",
        ImplicitDeny,
    ),
    case(
        "percent-encoded seed allows iam:ListRoles",
        &[SEED_ENCODED],
        "iam:ListRoles",
        "*",
        Allowed,
    ),
    case(
        "percent-encoded seed does not allow s3:PutObject",
        &[SEED_ENCODED],
        "s3:PutObject",
        "*",
        ImplicitDeny,
    ),
    // Wildcards.
    case(
        "wildcard at the end matches",
        &[S3_GET],
        "s3:GetObject",
        "*",
        Allowed,
    ),
    case(
        "wildcard at the end does not match other prefix",
        &[S3_GET],
        "s3:PutObject",
        "*",
        ImplicitDeny,
    ),
    case(
        "wildcard in the middle matches",
        &[IAM_STAR_POLICY],
        "iam:GetRolePolicy",
        "*",
        Allowed,
    ),
    case(
        "wildcard in the middle must reach the end",
        &[IAM_STAR_POLICY],
        "iam:GetPolicyVersion",
        "*",
        ImplicitDeny,
    ),
    case(
        "question mark and wildcard in service prefix",
        &[QUESTION],
        "cloudtrail:DescribeTrails",
        "*",
        Allowed,
    ),
    case(
        "question mark is exactly one character",
        &[QUESTION],
        "cloudtrail:DescribeTTrails",
        "*",
        ImplicitDeny,
    ),
    case(
        "star action allows anything",
        &[ALLOW_ALL],
        "ec2:RunInstances",
        "arn:aws:ec2:eu-west-1:123456789012:instance/*",
        Allowed,
    ),
    // Case rules.
    case(
        "policy action case does not matter",
        &[UPPER_ACTION],
        "iam:ListUsers",
        "*",
        Allowed,
    ),
    case(
        "request action case does not matter",
        &[SEED],
        "IAM:LISTUSERS",
        "*",
        Allowed,
    ),
    case(
        "resource ARNs are case-sensitive",
        &[BUCKET_MIXED_CASE],
        "s3:ListBucket",
        "arn:aws:s3:::mybucket",
        ImplicitDeny,
    ),
    case(
        "resource ARN exact match",
        &[BUCKET_MIXED_CASE],
        "s3:ListBucket",
        "arn:aws:s3:::MyBucket",
        Allowed,
    ),
    case(
        "resource wildcard covers objects",
        &[BUCKET_OBJECTS],
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/reports/2024.csv",
        Allowed,
    ),
    case(
        "resource wildcard does not cover the bucket itself",
        &[BUCKET_OBJECTS],
        "s3:GetObject",
        "arn:aws:s3:::example-bucket",
        ImplicitDeny,
    ),
    // NotAction / NotResource.
    case(
        "Allow+NotAction allows other services",
        &[NOT_ACTION_ALLOW],
        "s3:GetObject",
        "*",
        Allowed,
    ),
    case(
        "Allow+NotAction does not allow the listed actions",
        &[NOT_ACTION_ALLOW],
        "iam:ListUsers",
        "*",
        ImplicitDeny,
    ),
    case(
        "Deny+NotAction denies every other action",
        &[NOT_ACTION_DENY],
        "s3:GetObject",
        "*",
        ExplicitDeny,
    ),
    case(
        "Deny+NotAction leaves the listed actions allowed",
        &[NOT_ACTION_DENY],
        "sts:AssumeRole",
        "*",
        Allowed,
    ),
    case(
        "Allow+NotResource allows other resources",
        &[NOT_RESOURCE_ALLOW],
        "s3:GetObject",
        "arn:aws:s3:::public/a",
        Allowed,
    ),
    case(
        "Allow+NotResource does not allow the listed resources",
        &[NOT_RESOURCE_ALLOW],
        "s3:GetObject",
        "arn:aws:s3:::secret-data/a",
        ImplicitDeny,
    ),
    case(
        "Deny+NotResource denies other buckets",
        &[NOT_RESOURCE_DENY],
        "s3:GetObject",
        "arn:aws:s3:::other-bucket/a",
        ExplicitDeny,
    ),
    case(
        "Deny+NotResource leaves the listed bucket allowed",
        &[NOT_RESOURCE_DENY],
        "s3:GetObject",
        "arn:aws:s3:::allowed-bucket/a",
        Allowed,
    ),
    // Deny precedence.
    case(
        "deny in another policy wins over allow",
        &[ALLOW_ALL, DENY_DELETE_BUCKET],
        "s3:DeleteBucket",
        "arn:aws:s3:::b",
        ExplicitDeny,
    ),
    case(
        "deny order does not matter",
        &[DENY_DELETE_BUCKET, ALLOW_ALL],
        "s3:DeleteBucket",
        "arn:aws:s3:::b",
        ExplicitDeny,
    ),
    case(
        "deny only covers its action",
        &[ALLOW_ALL, DENY_DELETE_BUCKET],
        "s3:CreateBucket",
        "arn:aws:s3:::b",
        Allowed,
    ),
    case(
        "deny wins within one policy",
        &[ALLOW_THEN_DENY_SAME_POLICY],
        "iam:DeleteUser",
        "*",
        ExplicitDeny,
    ),
    case(
        "deny alone is still a deny",
        &[DENY_DELETE_BUCKET],
        "s3:DeleteBucket",
        "*",
        ExplicitDeny,
    ),
    case(
        "allow in the second identity policy counts",
        &[S3_GET, SEED],
        "iam:ListUsers",
        "*",
        Allowed,
    ),
    // Permissions boundaries.
    case(
        "allowed by identity but not by boundary",
        &[S3_ALL],
        "s3:PutObject",
        "*",
        ImplicitDeny,
    )
    .boundary(S3_GET),
    case(
        "allowed by boundary but not by identity",
        &[IAM_LIST_USERS],
        "iam:DeleteUser",
        "*",
        ImplicitDeny,
    )
    .boundary(ALLOW_ALL),
    case(
        "allowed by both identity and boundary",
        &[S3_ALL],
        "s3:GetObject",
        "*",
        Allowed,
    )
    .boundary(S3_GET),
    case(
        "explicit deny in the boundary",
        &[SEED],
        "iam:ListUsers",
        "*",
        ExplicitDeny,
    )
    .boundary(BOUNDARY_DENY_IAM),
    case(
        "boundary alone grants nothing",
        &[],
        "s3:GetObject",
        "*",
        ImplicitDeny,
    )
    .boundary(ALLOW_ALL),
    // Conditions.
    case(
        "undecidable condition gives unknown",
        &[VPC_CONDITION],
        "s3:GetObject",
        "*",
        Unknown,
    ),
    case(
        "StringEquals condition matches",
        &[VPC_CONDITION],
        "s3:GetObject",
        "*",
        Allowed,
    )
    .context(&[("aws:SourceVpc", "vpc-111bbb22")]),
    case(
        "StringEquals condition does not match",
        &[VPC_CONDITION],
        "s3:GetObject",
        "*",
        ImplicitDeny,
    )
    .context(&[("aws:SourceVpc", "vpc-999")]),
    case(
        "condition key names are case-insensitive",
        &[VPC_CONDITION],
        "s3:GetObject",
        "*",
        Allowed,
    )
    .context(&[("AWS:SOURCEVPC", "vpc-111bbb22")]),
    case(
        "Bool condition true",
        &[MFA_BOOL],
        "ec2:StartInstances",
        "*",
        Allowed,
    )
    .context(&[("aws:MultiFactorAuthPresent", "true")]),
    case(
        "Bool condition false",
        &[MFA_BOOL],
        "ec2:StartInstances",
        "*",
        ImplicitDeny,
    )
    .context(&[("aws:MultiFactorAuthPresent", "false")]),
    case(
        "BoolIfExists deny applies when the key is absent",
        &[MFA_DENY_IF_EXISTS],
        "s3:GetObject",
        "*",
        ExplicitDeny,
    ),
    case(
        "BoolIfExists deny does not apply with MFA",
        &[MFA_DENY_IF_EXISTS],
        "s3:GetObject",
        "*",
        Allowed,
    )
    .context(&[("aws:MultiFactorAuthPresent", "true")]),
    case(
        "Null deny applies when the key is absent",
        &[MFA_DENY_NULL],
        "s3:GetObject",
        "*",
        ExplicitDeny,
    ),
    case(
        "Null deny does not apply when the key is present",
        &[MFA_DENY_NULL],
        "s3:GetObject",
        "*",
        Allowed,
    )
    .context(&[("aws:MultiFactorAuthPresent", "false")]),
    case(
        "undecidable deny makes an allowed request unknown",
        &[ALLOW_ALL, DENY_OUTSIDE_VPC],
        "s3:GetObject",
        "*",
        Unknown,
    ),
    case(
        "decided deny wins over an undecidable deny",
        &[ALLOW_ALL, DENY_OUTSIDE_VPC, DENY_DELETE_BUCKET],
        "s3:DeleteBucket",
        "*",
        ExplicitDeny,
    ),
    case(
        "undecidable deny on a request that is not allowed anyway",
        &[DENY_OUTSIDE_VPC],
        "s3:GetObject",
        "*",
        ImplicitDeny,
    ),
    case(
        "undecidable allow in the boundary gives unknown",
        &[S3_ALL],
        "s3:GetObject",
        "*",
        Unknown,
    )
    .boundary(VPC_CONDITION),
    case(
        "NotIpAddress deny outside the range",
        &[SOURCE_IP],
        "s3:GetObject",
        "*",
        ExplicitDeny,
    )
    .context(&[("aws:SourceIp", "198.51.100.7")]),
    case(
        "NotIpAddress deny inside the range",
        &[SOURCE_IP],
        "s3:GetObject",
        "*",
        Allowed,
    )
    .context(&[("aws:SourceIp", "203.0.113.9")]),
    case(
        "requested region outside the list is denied",
        &[REGION_DENY],
        "ec2:RunInstances",
        "*",
        ExplicitDeny,
    )
    .context(&[("aws:RequestedRegion", "us-east-1")]),
    case(
        "requested region inside the list is allowed",
        &[REGION_DENY],
        "ec2:RunInstances",
        "*",
        Allowed,
    )
    .context(&[("aws:RequestedRegion", "eu-west-1")]),
    case(
        "global service excluded by NotAction is allowed anywhere",
        &[REGION_DENY],
        "iam:ListUsers",
        "*",
        Allowed,
    )
    .context(&[("aws:RequestedRegion", "us-east-1")]),
    case(
        "date window inside",
        &[DATE_WINDOW],
        "service-prefix:Do",
        "*",
        Allowed,
    )
    .context(&[("aws:CurrentTime", "2020-05-01T12:00:00Z")]),
    case(
        "date window outside",
        &[DATE_WINDOW],
        "service-prefix:Do",
        "*",
        ImplicitDeny,
    )
    .context(&[("aws:CurrentTime", "2021-05-01T12:00:00Z")]),
    case(
        "unsupported operator is undecidable",
        &[UNSUPPORTED_OPERATOR],
        "s3:GetObject",
        "*",
        Unknown,
    )
    .context(&[("aws:username", "bob")]),
    // Policy variables.
    case(
        "policy variable in resource substituted",
        &[HOME_DIR],
        "s3:GetObject",
        "arn:aws:s3:::home/bob/notes.txt",
        Allowed,
    )
    .context(&[("aws:username", "bob")]),
    case(
        "policy variable in resource for another user",
        &[HOME_DIR],
        "s3:GetObject",
        "arn:aws:s3:::home/eve/notes.txt",
        ImplicitDeny,
    )
    .context(&[("aws:username", "bob")]),
    case(
        "policy variable missing from context",
        &[HOME_DIR],
        "s3:GetObject",
        "arn:aws:s3:::home/bob/notes.txt",
        Unknown,
    ),
    case(
        "policy variables are literal before 2012-10-17",
        &[HOME_DIR_2008],
        "s3:GetObject",
        "arn:aws:s3:::home/bob/notes.txt",
        ImplicitDeny,
    )
    .context(&[("aws:username", "bob")]),
    case(
        "policy variable in condition value",
        &[TAG_OWNER],
        "ec2:StartInstances",
        "*",
        Allowed,
    )
    .context(&[("aws:username", "bob"), ("aws:ResourceTag/Owner", "bob")]),
    // Document shapes.
    case(
        "single statement object and string elements",
        &[SINGLE_FORMS],
        "sts:GetCallerIdentity",
        "*",
        Allowed,
    ),
    case(
        "empty Statement list implicitly denies",
        &[EMPTY_STATEMENTS],
        "sts:GetCallerIdentity",
        "*",
        ImplicitDeny,
    ),
    case(
        "no identity policies implicitly denies",
        &[],
        "sts:GetCallerIdentity",
        "*",
        ImplicitDeny,
    ),
];

fn policy_set(identity: &[&str], boundary: Option<&str>) -> PolicySet {
    let identity = identity
        .iter()
        .enumerate()
        .map(|(i, text)| {
            NamedPolicy::parse(format!("policy-{i}"), text)
                .unwrap_or_else(|e| panic!("policy-{i} does not parse: {e}"))
        })
        .collect();
    let mut set = PolicySet::new(identity);
    if let Some(text) = boundary {
        set = set.with_boundary(NamedPolicy::parse("boundary", text).expect("boundary parses"));
    }
    set
}

fn run(
    identity: &[&str],
    boundary: Option<&str>,
    action: &str,
    resource: &str,
    context: &Context,
) -> Verdict {
    evaluate(
        &policy_set(identity, boundary),
        &Request::new(action, resource, context),
    )
}

#[test]
fn evaluation_table() {
    assert!(CASES.len() >= 40);
    let mut failures = Vec::new();
    for case in CASES {
        let context: Context = case.context.iter().copied().collect();
        let verdict = run(
            case.identity,
            case.boundary,
            case.action,
            case.resource,
            &context,
        );
        if verdict.decision != case.expected {
            failures.push(format!(
                "{}: expected {}, got {} ({verdict})",
                case.name, case.expected, verdict.decision
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn seed_allows_each_of_its_concrete_actions() {
    let document = PolicyDocument::parse(SEED).expect("seed parses");
    let concrete: Vec<&str> = document.statements[0]
        .action
        .patterns()
        .filter(|p| !p.contains('*'))
        .collect();
    assert_eq!(concrete.len(), 7);
    for action in concrete {
        let verdict = run(&[SEED], None, action, "*", &Context::new());
        assert_eq!(verdict.decision, Allowed, "{action}: {verdict}");
    }
}

#[test]
fn explicit_deny_names_policy_statement_and_layer() {
    let verdict = run(
        &[ALLOW_ALL, DENY_DELETE_BUCKET],
        None,
        "s3:DeleteBucket",
        "*",
        &Context::new(),
    );
    assert_eq!(verdict.decision, ExplicitDeny);
    assert_eq!(verdict.denied_by(), Some(Layer::IdentityPolicy));
    let deny = verdict
        .explanation
        .explicit_deny
        .as_ref()
        .expect("deny named");
    assert_eq!(deny.policy, "policy-1");
    assert_eq!(deny.index, 0);
    assert_eq!(deny.sid.as_deref(), Some("NoDelete"));
    assert_eq!(deny.effect, Effect::Deny);
    assert_eq!(
        verdict.to_string(),
        r#"Explicitly denied by Statement[0] (Sid "NoDelete") of identity policy "policy-1"."#
    );
}

#[test]
fn boundary_decisions_name_the_boundary() {
    let verdict = run(
        &[SEED],
        Some(BOUNDARY_DENY_IAM),
        "iam:ListUsers",
        "*",
        &Context::new(),
    );
    assert_eq!(verdict.denied_by(), Some(Layer::PermissionsBoundary));
    let deny = verdict
        .explanation
        .explicit_deny
        .as_ref()
        .expect("deny named");
    assert_eq!((deny.policy.as_str(), deny.index), ("boundary", 1));

    let verdict = run(
        &[S3_ALL],
        Some(S3_GET),
        "s3:PutObject",
        "*",
        &Context::new(),
    );
    assert_eq!(verdict.decision, ImplicitDeny);
    assert_eq!(verdict.denied_by(), Some(Layer::PermissionsBoundary));
    assert!(verdict.explanation.identity_allow.is_some());
    assert!(
        verdict
            .to_string()
            .contains("permissions boundary \"boundary\""),
        "{verdict}"
    );

    let verdict = run(
        &[IAM_LIST_USERS],
        Some(ALLOW_ALL),
        "iam:DeleteUser",
        "*",
        &Context::new(),
    );
    assert_eq!(verdict.denied_by(), Some(Layer::IdentityPolicy));
}

#[test]
fn allowed_names_the_allowing_statements() {
    let verdict = run(
        &[S3_GET, SEED],
        Some(ALLOW_ALL),
        "iam:ListUsers",
        "*",
        &Context::new(),
    );
    assert!(verdict.is_allowed());
    assert_eq!(verdict.denied_by(), None);
    let allow = verdict
        .explanation
        .identity_allow
        .as_ref()
        .expect("allow named");
    assert_eq!(
        (allow.policy.as_str(), allow.index, allow.layer),
        ("policy-1", 0, Layer::IdentityPolicy)
    );
    let boundary = verdict
        .explanation
        .boundary_allow
        .as_ref()
        .expect("boundary named");
    assert_eq!(boundary.layer, Layer::PermissionsBoundary);
}

#[test]
fn unknown_names_the_undecidable_statement() {
    let verdict = run(&[VPC_CONDITION], None, "s3:GetObject", "*", &Context::new());
    assert_eq!(verdict.decision, Unknown);
    assert_eq!(verdict.denied_by(), None);
    let [undecided] = verdict.explanation.undecided.as_slice() else {
        panic!("expected one undecided statement: {verdict:?}");
    };
    assert_eq!(undecided.statement.policy, "policy-0");
    assert_eq!(undecided.statement.sid.as_deref(), Some("FromVpc"));
    assert_eq!(
        undecided.reason,
        UndecidedReason::MissingContextKey {
            operator: "StringEquals".into(),
            key: "aws:SourceVpc".into()
        }
    );
    assert!(verdict.to_string().contains("aws:SourceVpc"), "{verdict}");
}

#[test]
fn unknown_deny_is_named_as_possible_deny() {
    let verdict = run(
        &[ALLOW_ALL, DENY_OUTSIDE_VPC],
        None,
        "s3:GetObject",
        "*",
        &Context::new(),
    );
    assert_eq!(verdict.decision, Unknown);
    let [undecided] = verdict.explanation.undecided.as_slice() else {
        panic!("expected one undecided statement: {verdict:?}");
    };
    assert_eq!(undecided.statement.effect, Effect::Deny);
    assert_eq!(undecided.statement.sid.as_deref(), Some("DenyOutsideVpc"));
    assert!(verdict.to_string().contains("may deny"), "{verdict}");
}

#[test]
fn unknown_policy_variable_is_named() {
    let verdict = run(
        &[HOME_DIR],
        None,
        "s3:GetObject",
        "arn:aws:s3:::home/bob/x",
        &Context::new(),
    );
    assert_eq!(
        verdict.explanation.undecided[0].reason,
        UndecidedReason::MissingPolicyVariable {
            variable: "aws:username".into()
        }
    );
}

#[test]
fn verdict_serializes_snake_case() {
    let verdict = run(
        &[S3_ALL],
        Some(S3_GET),
        "s3:PutObject",
        "*",
        &Context::new(),
    );
    let json = serde_json::to_value(&verdict).expect("serializes");
    assert_eq!(json["decision"], "implicit_deny");
    assert_eq!(json["explanation"]["denied_by"], "permissions_boundary");
    assert_eq!(
        json["explanation"]["identity_allow"]["layer"],
        "identity_policy"
    );

    let verdict = run(&[VPC_CONDITION], None, "s3:GetObject", "*", &Context::new());
    let json = serde_json::to_value(&verdict).expect("serializes");
    assert_eq!(json["decision"], "unknown");
    assert_eq!(
        json["explanation"]["undecided"][0]["reason"]["kind"],
        "missing_context_key"
    );
    for (decision, name) in [
        (Allowed, "allowed"),
        (ImplicitDeny, "implicit_deny"),
        (ExplicitDeny, "explicit_deny"),
        (Unknown, "unknown"),
    ] {
        assert_eq!(serde_json::to_value(decision).expect("serializes"), name);
    }
}

/// One invalid document and the error it must produce.
struct Invalid {
    name: &'static str,
    text: &'static str,
    expected: fn(&PolicyParseError) -> bool,
}

static INVALID: &[Invalid] = &[
    Invalid {
        name: "not JSON",
        text: "{\"Statement\": [\n  {\"Effect\": \"Allow\",}\n]}",
        expected: |e| matches!(e, PolicyParseError::InvalidJson { line: 2, .. }),
    },
    Invalid {
        name: "not an object",
        text: r#"{"Statement": 1}"#,
        expected: |e| {
            matches!(
                e,
                PolicyParseError::InvalidTopLevelElement {
                    element: "Statement",
                    ..
                }
            )
        },
    },
    Invalid {
        name: "JSON array document",
        text: "%5B%5D",
        expected: |e| matches!(e, PolicyParseError::NotAnObject),
    },
    Invalid {
        name: "missing Statement",
        text: r#"{"Version":"2012-10-17"}"#,
        expected: |e| matches!(e, PolicyParseError::MissingStatement),
    },
    Invalid {
        name: "statement is not an object",
        text: r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},"oops"]}"#,
        expected: |e| matches!(e, PolicyParseError::StatementNotAnObject { statement: 1 }),
    },
    Invalid {
        name: "missing Effect in second statement",
        text: r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Action":"*","Resource":"*"}]}"#,
        expected: |e| matches!(e, PolicyParseError::MissingEffect { statement: 1 }),
    },
    Invalid {
        name: "bad Effect",
        text: r#"{"Statement":{"Effect":"Permit","Action":"*","Resource":"*"}}"#,
        expected: |e| matches!(e, PolicyParseError::InvalidEffect { statement: 0, value } if value == "\"Permit\""),
    },
    Invalid {
        name: "both Action and NotAction",
        text: r#"{"Statement":{"Effect":"Allow","Action":"*","NotAction":"iam:*","Resource":"*"}}"#,
        expected: |e| matches!(e, PolicyParseError::BothActionAndNotAction { statement: 0 }),
    },
    Invalid {
        name: "neither Action nor NotAction",
        text: r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#,
        expected: |e| matches!(e, PolicyParseError::MissingAction { statement: 0 }),
    },
    Invalid {
        name: "both Resource and NotResource",
        text: r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}}"#,
        expected: |e| {
            matches!(
                e,
                PolicyParseError::BothResourceAndNotResource { statement: 0 }
            )
        },
    },
    Invalid {
        name: "neither Resource nor NotResource",
        text: r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*"}]}"#,
        expected: |e| matches!(e, PolicyParseError::MissingResource { statement: 2 }),
    },
    Invalid {
        name: "action without colon",
        text: r#"{"Statement":{"Effect":"Allow","Action":["s3:GetObject","s3GetObject"],"Resource":"*"}}"#,
        expected: |e| matches!(e, PolicyParseError::InvalidAction { statement: 0, action, .. } if action == "s3GetObject"),
    },
    Invalid {
        name: "Action of wrong type",
        text: r#"{"Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}"#,
        expected: |e| {
            matches!(
                e,
                PolicyParseError::InvalidElementType {
                    statement: 0,
                    element: "Action",
                    ..
                }
            )
        },
    },
    Invalid {
        name: "Resource list with a number",
        text: r#"{"Statement":{"Effect":"Allow","Action":"*","NotResource":["*",1]}}"#,
        expected: |e| {
            matches!(
                e,
                PolicyParseError::InvalidElementType {
                    statement: 0,
                    element: "NotResource",
                    ..
                }
            )
        },
    },
    Invalid {
        name: "Condition of wrong shape",
        text: r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":["a"]}}}"#,
        expected: |e| matches!(e, PolicyParseError::InvalidCondition { statement: 0, operator, .. } if operator == "StringEquals"),
    },
    Invalid {
        name: "percent-encoding that is not UTF-8",
        text: "%7B%FE%7D",
        expected: |e| matches!(e, PolicyParseError::InvalidEncoding),
    },
    Invalid {
        name: "empty text",
        text: "  ",
        expected: |e| matches!(e, PolicyParseError::InvalidJson { .. }),
    },
];

#[test]
fn invalid_documents_give_specific_errors() {
    let mut failures = Vec::new();
    for invalid in INVALID {
        match PolicyDocument::parse(invalid.text) {
            Ok(_) => failures.push(format!("{}: parsed", invalid.name)),
            Err(e) if (invalid.expected)(&e) => {
                // Every error renders as a sentence for the API response.
                assert!(!e.to_string().is_empty());
            }
            Err(e) => failures.push(format!("{}: unexpected {e:?}", invalid.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn principal_elements_are_ignored() {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"},{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::1:root"},"Action":"s3:PutObject","Resource":"*"}]}"#;
    let verdict = run(&[text], None, "s3:GetObject", "*", &Context::new());
    assert_eq!(verdict.decision, Allowed);
}

#[test]
fn plain_and_encoded_documents_are_equal() {
    assert_eq!(
        PolicyDocument::parse(SEED).expect("plain"),
        PolicyDocument::parse(SEED_ENCODED).expect("encoded")
    );
}
