//! `connector-doctor diagnose` and `explain` as child processes, with the AWS SDK's credential
//! chain read from an environment of their own: against the scripted fake AWS for a healthy
//! account and against moto for a broken one, the same verdicts as the API; exit statuses;
//! text and JSON output; colour only on a terminal and never with `NO_COLOR`; progress on
//! standard error, inside a pseudo-terminal too. `evaluate` with policy files and with JSON lines
//! on standard input: the decision and the statements behind it; exit statuses 0, 64 and 65.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use connector_doctor::domain::{Code, Connection, Diagnosis, wire_word};
use serde_json::Value;

use crate::helpers::fake_regions::healthy_account;
use crate::helpers::iam_setup::seed_policy_without;
use crate::helpers::process::free_port;
use crate::helpers::{EXAMPLE_KEY_ID, EXAMPLE_SECRET, FakeAws, Moto, RequestBody, TestApp};

const BINARY: &str = env!("CARGO_BIN_EXE_connector-doctor");

/// An environment with nothing of this machine's AWS set-up in it: the credentials are
/// `credentials` (in the environment) or none.
pub(crate) fn isolated(home: &Path, credentials: Option<(&str, &str)>) -> Vec<(String, String)> {
    let mut env = vec![
        ("HOME".to_owned(), home.display().to_string()),
        ("PATH".to_owned(), std::env::var("PATH").unwrap_or_default()),
        (
            "AWS_CONFIG_FILE".to_owned(),
            home.join("config").display().to_string(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
            home.join("credentials").display().to_string(),
        ),
        ("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()),
        ("AWS_REGION".to_owned(), "us-east-1".to_owned()),
    ];
    if let Some((id, secret)) = credentials {
        env.push(("AWS_ACCESS_KEY_ID".to_owned(), id.to_owned()));
        env.push(("AWS_SECRET_ACCESS_KEY".to_owned(), secret.to_owned()));
    }
    env
}

pub(crate) async fn run(args: &[&str], env: &[(String, String)]) -> Output {
    tokio::process::Command::new(BINARY)
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .await
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn has_colour(text: &str) -> bool {
    // An SGR sequence: ESC [ digits and semicolons, then `m`.
    text.split('\u{1b}').skip(1).any(|rest| {
        rest.strip_prefix('[').is_some_and(|rest| {
            let end = rest.find(|c: char| !(c.is_ascii_digit() || c == ';'));
            end.is_some_and(|end| rest[end..].starts_with('m'))
        })
    })
}

/// What a diagnosis concludes: status, connections, finding codes by region, decisions.
fn verdicts(diagnosis: &Diagnosis) -> (String, Vec<String>, Vec<String>, BTreeMap<String, String>) {
    let mut findings: Vec<String> = diagnosis
        .findings
        .iter()
        .map(|f| format!("{} {:?}", f.code, f.region))
        .collect();
    findings.sort();
    let connections = diagnosis
        .connections
        .iter()
        .map(|(c, r)| format!("{}={}", c.as_str(), wire_word(&r.status)))
        .collect();
    let decisions = diagnosis
        .permissions
        .iter()
        .map(|p| (p.action.clone(), wire_word(&p.decision)))
        .collect();
    (
        wire_word(&diagnosis.status),
        connections,
        findings,
        decisions,
    )
}

#[tokio::test]
async fn a_healthy_account_exits_0_with_the_apis_verdicts_as_json_and_as_text() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    let home = tempfile::tempdir().unwrap();
    let env = isolated(home.path(), Some((EXAMPLE_KEY_ID, EXAMPLE_SECRET)));
    let url = fake.url();
    let common = [
        "--aws-endpoint-url",
        url.as_str(),
        "--regions",
        "us-east-1",
        "--connections",
        "security_auditing",
    ];

    let json = run(
        &[&["diagnose", "--output", "json"], &common[..]].concat(),
        &env,
    )
    .await;
    assert_eq!(json.status.code(), Some(0), "{}", text(&json.stderr));
    let value: Value = serde_json::from_slice(&json.stdout).expect("JSON on standard output");
    for field in ["report_url", "changes", "expires_at"] {
        assert!(value[field].is_null(), "{field}: {}", value[field]);
    }
    assert_eq!(value["cached"], false);
    let from_cli: Diagnosis =
        serde_json::from_value(value).expect("a Diagnosis of the API's schema");
    // Progress went to standard error, as plain lines (not a terminal).
    let progress = text(&json.stderr);
    assert!(progress.contains("Verifying the credentials"), "{progress}");

    let app = TestApp::with_aws(&url).await;
    let body = RequestBody::new()
        .regions(&["us-east-1"])
        .connections(&[Connection::SecurityAuditing])
        .build();
    let from_api = app.diagnosis(&body).await;
    assert_eq!(verdicts(&from_cli), verdicts(&from_api));

    let report = run(&[&["diagnose"], &common[..]].concat(), &env).await;
    assert_eq!(report.status.code(), Some(0));
    let report = text(&report.stdout);
    assert!(
        report.contains("HEALTHY") && report.contains("arn:aws:iam::123456789012:user/mdca"),
        "{report}"
    );
    assert!(report.contains("Findings"), "{report}");
    assert!(!has_colour(&report), "no colour into a pipe: {report:?}");
}

#[tokio::test]
async fn a_broken_moto_account_exits_2_with_the_apis_verdicts() {
    let moto = Moto::start().await;
    let key = moto
        .user_with_inline_policy("mdca", &seed_policy_without("s3:PutBucketAcl"))
        .await;
    let home = tempfile::tempdir().unwrap();
    let env = isolated(home.path(), Some((&key.id, &key.secret)));
    let common = [
        "--aws-endpoint-url",
        moto.url.as_str(),
        "--regions",
        "us-east-1,eu-west-1",
    ];

    let json = run(
        &[&["diagnose", "--output", "json"], &common[..]].concat(),
        &env,
    )
    .await;
    assert_eq!(json.status.code(), Some(2), "{}", text(&json.stderr));
    let from_cli: Diagnosis = serde_json::from_slice(&json.stdout).expect("a Diagnosis");
    let app = TestApp::with_aws(&moto.url).await;
    let body = RequestBody::new()
        .credentials(&key.id, &key.secret)
        .regions(&["us-east-1", "eu-west-1"])
        .build();
    let from_api = app.diagnosis(&body).await;
    assert_eq!(verdicts(&from_cli), verdicts(&from_api));

    let report = run(&[&["diagnose"], &common[..]].concat(), &env).await;
    assert_eq!(report.status.code(), Some(2));
    let report = text(&report.stdout);
    assert!(
        report.contains("UNHEALTHY") && report.contains("s3:PutBucketAcl"),
        "{report}"
    );
    assert!(
        report.contains("SECURITY_HUB_NOT_ENABLED [eu-west-1]"),
        "{report}"
    );
    assert!(report.contains("Remediation policy"), "{report}");
}

#[tokio::test]
async fn a_profile_of_the_shared_files_is_used_and_its_absence_is_no_diagnosis() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("credentials"),
        format!("[support]\naws_access_key_id = {EXAMPLE_KEY_ID}\naws_secret_access_key = {EXAMPLE_SECRET}\n"),
    )
    .unwrap();
    let env = isolated(home.path(), None);
    let url = fake.url();
    let args = [
        "diagnose",
        "--profile",
        "support",
        "--aws-endpoint-url",
        url.as_str(),
        "--regions",
        "us-east-1",
    ];
    let with_profile = run(&args, &env).await;
    assert_eq!(
        with_profile.status.code(),
        Some(0),
        "{}",
        text(&with_profile.stderr)
    );

    let without = run(&["diagnose", "--aws-endpoint-url", url.as_str()], &env).await;
    assert_eq!(
        without.status.code(),
        Some(3),
        "no credentials in the chain"
    );
    let said = text(&without.stderr);
    assert!(said.contains("no AWS credentials"), "{said}");
    assert!(!said.contains(EXAMPLE_SECRET));
}

#[tokio::test]
async fn a_session_from_a_credential_process_expires_when_the_process_said() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    let home = tempfile::tempdir().unwrap();
    // A credential process hands over a user's session, with the time it ends (the SDK's chain
    // keeps it; no AWS call would tell it afterwards).
    let session = serde_json::json!({
        "Version": 1, "AccessKeyId": "ASIAIOSFODNN7EXAMPLE", "SecretAccessKey": EXAMPLE_SECRET,
        "SessionToken": "FwoGZXIvYXdzEXAMPLEtokenOfAProcess", "Expiration": "2099-01-02T03:04:05Z"
    });
    let process = home.path().join("session.json");
    std::fs::write(&process, session.to_string()).unwrap();
    std::fs::write(
        home.path().join("config"),
        format!(
            "[profile session]\ncredential_process = cat {}\n",
            process.display()
        ),
    )
    .unwrap();
    let env = isolated(home.path(), None);
    let url = fake.url();
    let output = run(
        &[
            "diagnose",
            "--profile",
            "session",
            "--output",
            "json",
            "--aws-endpoint-url",
            url.as_str(),
            "--regions",
            "us-east-1",
            "--connections",
            "security_auditing",
        ],
        &env,
    )
    .await;
    // Degraded: the session works now, and will stop.
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let diagnosis: Diagnosis = serde_json::from_slice(&output.stdout).expect("a Diagnosis");
    let temporary = diagnosis
        .findings
        .iter()
        .find(|finding| finding.code == Code::CredentialsTemporary)
        .unwrap_or_else(|| panic!("no CREDENTIALS_TEMPORARY in {diagnosis:#?}"));
    assert!(
        temporary
            .detail
            .contains("at 2099-01-02 03:04 UTC, as the source of the credentials said"),
        "{}",
        temporary.detail
    );
}

#[tokio::test]
async fn usage_errors_exit_64_and_help_exits_0() {
    let home = tempfile::tempdir().unwrap();
    let env = isolated(home.path(), Some((EXAMPLE_KEY_ID, EXAMPLE_SECRET)));
    for args in [
        &["diagnose", "--bogus"][..],
        &["diagnose", "--output", "xml"],
        &["diagnose", "--external-id", "x"],
        &["diagnose", "--connections", "security_everything"],
        &[
            "diagnose",
            "--regions",
            "mars-north-1",
            "--aws-endpoint-url",
            "http://127.0.0.1:9",
        ],
        &["explain"],
    ] {
        let output = run(args, &env).await;
        assert_eq!(
            output.status.code(),
            Some(64),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    let help = run(&["diagnose", "--help"], &env).await;
    assert_eq!(help.status.code(), Some(0));
    let help = text(&help.stdout);
    assert!(help.contains("--profile"), "{help}");
    assert!(
        help.contains("AWS_ENDPOINT_URL_<SERVICE>")
            && help.contains("_CONFIG_SERVICE")
            && help.contains("--aws-endpoint-url wins over them all"),
        "{help}"
    );
    // An endpoint variable that is no URL is refused as the flag would be.
    let mut bad_variable = env.clone();
    bad_variable.push((
        "AWS_ENDPOINT_URL_IAM".to_owned(),
        "localhost:4566".to_owned(),
    ));
    let refused = run(&["diagnose"], &bad_variable).await;
    assert_eq!(refused.status.code(), Some(64));
    assert!(
        text(&refused.stderr).contains("AWS_ENDPOINT_URL_IAM"),
        "{}",
        text(&refused.stderr)
    );
}

#[tokio::test]
async fn diagnose_honours_the_sdks_endpoint_variables_and_the_flag_wins_over_them() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    let url = fake.url();
    // Nothing listens there: a service sent there cannot be reached.
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let home = tempfile::tempdir().unwrap();
    let mut env = isolated(home.path(), Some((EXAMPLE_KEY_ID, EXAMPLE_SECRET)));
    let auditing = [
        "diagnose",
        "--output",
        "json",
        "--regions",
        "us-east-1",
        "--connections",
        "security_auditing",
    ];

    // AWS_ENDPOINT_URL alone sends every service's calls to the fake: a healthy account.
    env.push(("AWS_ENDPOINT_URL".to_owned(), url.clone()));
    let every = run(&auditing, &env).await;
    assert_eq!(every.status.code(), Some(0), "{}", text(&every.stderr));

    // A service's own variable wins over it, by the SDK's service id: AWS Config's calls go
    // nowhere while Security Hub's still reach the fake.
    let mut config_elsewhere = env.clone();
    config_elsewhere.push((
        "AWS_ENDPOINT_URL_CONFIG_SERVICE".to_owned(),
        nowhere.clone(),
    ));
    let configuration = run(
        &[
            "diagnose",
            "--output",
            "json",
            "--regions",
            "us-east-1",
            "--connections",
            "security_configuration",
        ],
        &config_elsewhere,
    )
    .await;
    let diagnosis: Value = serde_json::from_slice(&configuration.stdout)
        .unwrap_or_else(|_| panic!("JSON: {}", text(&configuration.stderr)));
    assert_eq!(diagnosis["regions"]["us-east-1"]["config"], "error");
    assert_eq!(diagnosis["regions"]["us-east-1"]["security_hub"], "enabled");

    // STS sent nowhere: no diagnosis is possible...
    env.push(("AWS_ENDPOINT_URL_STS".to_owned(), nowhere));
    let sts_elsewhere = run(&auditing, &env).await;
    assert_eq!(
        sts_elsewhere.status.code(),
        Some(3),
        "{}",
        text(&sts_elsewhere.stderr)
    );
    // ... unless --aws-endpoint-url, which wins over every variable, names the fake.
    let flagged = run(
        &[&auditing[..], &["--aws-endpoint-url", url.as_str()]].concat(),
        &env,
    )
    .await;
    assert_eq!(flagged.status.code(), Some(0), "{}", text(&flagged.stderr));
}

#[tokio::test]
async fn explain_prints_the_entries_that_explain_a_text_best_first() {
    let home = tempfile::tempdir().unwrap();
    let env = isolated(home.path(), None);
    let found = run(
        &[
            "explain",
            "InvalidClientTokenId: The security token included in the request is invalid",
        ],
        &env,
    )
    .await;
    assert_eq!(found.status.code(), Some(0));
    let said = text(&found.stdout);
    assert!(said.starts_with("CREDENTIALS_INVALID_KEY_ID"), "{said}");
    let nothing = run(&["explain", "qwzxv"], &env).await;
    assert_eq!(nothing.status.code(), Some(1));
}

/// Writes `document` as a policy file named `name` in `dir`; its path.
fn policy_file(dir: &Path, name: &str, document: Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, document.to_string()).expect("a temporary file");
    path.display().to_string()
}

#[tokio::test]
async fn evaluate_prints_the_decision_and_the_statements_behind_it() {
    let home = tempfile::tempdir().unwrap();
    let env = isolated(home.path(), None);
    let allow = policy_file(
        home.path(),
        "allow.json",
        serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
             "Condition": {"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}},
            {"Effect": "Allow", "Action": "iam:TagUser", "Resource": "*",
             "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "owner"]}}},
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
             "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}
        ]}),
    );
    let deny = policy_file(
        home.path(),
        "deny.json",
        serde_json::json!({"Version": "2012-10-17", "Statement": {
            "Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}}),
    );
    let boundary = policy_file(
        home.path(),
        "boundary.json",
        serde_json::json!({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Action": "iam:*", "Resource": "*"}}),
    );
    // `extra`: the rest of the command line, split at spaces (the temporary paths have none).
    let env = &env;
    let evaluate = |extra: &str| {
        let policies = format!("evaluate --policy {allow} --policy {deny} {extra}");
        let args: Vec<String> = policies.split_whitespace().map(str::to_owned).collect();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run(&args, env).await
        }
    };
    let s3_get = "--action s3:GetObject --resource arn:aws:s3:::b/k";
    let tag_user = "--action iam:TagUser --resource *";
    for (extra, first_line, explanation) in [
        (
            "--action s3:DeleteBucket --resource arn:aws:s3:::b".to_owned(),
            "EXPLICIT DENY s3:DeleteBucket on arn:aws:s3:::b",
            format!(
                "Explicitly denied by Statement[0] (Sid \"NoDelete\") of identity policy {deny:?}."
            ),
        ),
        (
            format!("{s3_get} --context aws:SourceVpc=vpc-2"),
            "IMPLICIT DENY s3:GetObject on arn:aws:s3:::b/k",
            "Implicitly denied: no identity policy statement allows it.".to_owned(),
        ),
        (
            format!("{s3_get} --absent aws:SourceVpc"),
            "ALLOWED s3:GetObject on arn:aws:s3:::b/k",
            format!("Allowed by Statement[0] of identity policy {allow:?}."),
        ),
        // A key given twice is multivalued.
        (
            format!("{tag_user} --context aws:TagKeys=team --context aws:TagKeys=cost"),
            "IMPLICIT DENY iam:TagUser on *",
            "Implicitly denied: no identity policy statement allows it.".to_owned(),
        ),
        (
            format!("{tag_user} --context aws:TagKeys=team --context aws:TagKeys=owner"),
            "ALLOWED iam:TagUser on *",
            format!("Allowed by Statement[1] of identity policy {allow:?}."),
        ),
        (
            format!("{s3_get} --boundary {boundary} --context aws:SourceVpc=vpc-1"),
            "IMPLICIT DENY s3:GetObject on arn:aws:s3:::b/k",
            format!(
                "Implicitly denied: Statement[0] of identity policy {allow:?} allows it, but no \
                 statement of the permissions boundary {boundary:?} does."
            ),
        ),
    ] {
        let output = evaluate(&extra).await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{extra}: {}",
            text(&output.stderr)
        );
        let said = text(&output.stdout);
        let lines: Vec<&str> = said.lines().collect();
        assert_eq!(lines, [first_line, explanation.as_str()], "{extra}");
    }
    // A condition key neither given nor absent is unknown, and the explanation says which.
    let said = text(
        &evaluate("--action sqs:SendMessage --resource *")
            .await
            .stdout,
    );
    assert!(said.starts_with("UNKNOWN sqs:SendMessage on *\n"), "{said}");
    let undecided = format!(
        "Statement[2] of identity policy {allow:?} may allow it, but its condition StringEquals \
         on \"aws:SourceVpc\" needs a value the request context does not supply"
    );
    assert!(said.contains(&undecided), "{said}");
}

/// Runs `evaluate --jsonl` with `input` on standard input.
async fn evaluate_lines(input: &str, env: &[(String, String)]) -> Output {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(BINARY)
        .args(["evaluate", "--jsonl"])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(input.as_bytes()).await.expect("written");
    drop(stdin);
    child.wait_with_output().await.expect("the binary ends")
}

#[tokio::test]
async fn evaluate_exits_0_when_every_line_was_evaluated_65_when_some_were_not_64_on_usage() {
    let home = tempfile::tempdir().unwrap();
    let env = isolated(home.path(), None);
    let line = |id: u32, action: &str| {
        serde_json::json!({"id": id, "identity_policies": [{"Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}}],
            "boundary": null, "action": action, "resource": "arn:aws:s3:::b/k",
            "context": {"aws:TagKeys": ["a"]}, "absent": ["aws:SourceVpc"]})
        .to_string()
    };
    let good = format!("{}\n{}\n", line(1, "s3:GetObject"), line(2, "s3:PutObject"));
    let output = evaluate_lines(&good, &env).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let answers: Vec<Value> = text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0]["id"], 1);
    assert_eq!(answers[0]["decision"], "allowed");
    assert_eq!(answers[0]["denied_by"], Value::Null);
    assert_eq!(answers[1]["decision"], "implicit_deny");
    assert_eq!(answers[1]["denied_by"], "identity_policy");
    assert!(
        answers[1]["explanation"]
            .as_str()
            .unwrap()
            .starts_with("Implicitly denied")
    );

    let mixed = format!(
        "{}\n{{\"id\": 7, \"action\": 1}}\n{}\n",
        line(1, "s3:GetObject"),
        line(3, "s3:GetObject")
    );
    let output = evaluate_lines(&mixed, &env).await;
    assert_eq!(output.status.code(), Some(65));
    let answers: Vec<Value> = text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(answers.len(), 3, "one answer a line, the run goes on");
    assert_eq!(answers[1]["id"], 7);
    assert!(answers[1]["error"].is_string(), "{}", answers[1]);
    assert_eq!(answers[2]["decision"], "allowed");

    let broken = policy_file(
        home.path(),
        "broken.json",
        serde_json::json!({"Statement": [{"Action": "s3:*"}]}),
    );
    let get = "--action s3:GetObject --resource *";
    let invalid = format!("evaluate --policy {broken} {get}");
    let invalid = run(&invalid.split_whitespace().collect::<Vec<_>>(), &env).await;
    assert_eq!(invalid.status.code(), Some(65));
    let said = text(&invalid.stderr);
    assert!(said.contains("Statement[0] has no Effect"), "{said}");
    for args in [
        format!("evaluate {get}"),
        format!("evaluate --policy {broken} --resource *"),
        format!("evaluate --policy /nonexistent/policy.json {get}"),
        format!("evaluate --policy {broken} {get} --context novalue"),
        "evaluate --jsonl --action s3:GetObject".to_owned(),
    ] {
        let output = run(&args.split_whitespace().collect::<Vec<_>>(), &env).await;
        let said = text(&output.stderr);
        assert_eq!(output.status.code(), Some(64), "{args}: {said}");
    }
}

/// Runs `args` inside a pseudo-terminal (util-linux `script`); everything the terminal showed.
async fn in_a_terminal(args: &[&str], env: &[(String, String)]) -> (Option<i32>, String) {
    let command = std::iter::once(BINARY)
        .chain(args.iter().copied())
        .map(|arg| format!("'{arg}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let output = tokio::process::Command::new("script")
        .args(["-qefc", &command, "/dev/null"])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("TERM", "xterm-256color")
        .output()
        .await
        .expect("script (util-linux) runs");
    (output.status.code(), text(&output.stdout))
}

#[tokio::test]
async fn in_a_terminal_progress_shows_and_the_report_follows_in_colour_unless_no_color() {
    let fake = FakeAws::start().await;
    healthy_account(&fake).await;
    let home = tempfile::tempdir().unwrap();
    let env = isolated(home.path(), Some((EXAMPLE_KEY_ID, EXAMPLE_SECRET)));
    let url = fake.url();
    let args = [
        "diagnose",
        "--aws-endpoint-url",
        url.as_str(),
        "--regions",
        "us-east-1",
    ];

    let (code, shown) = in_a_terminal(&args, &env).await;
    assert_eq!(code, Some(0), "{shown}");
    let progress = shown
        .find("Verifying the credentials")
        .expect("the step shows");
    let report = shown.find("Findings").expect("the report shows");
    assert!(
        progress < report,
        "progress first, then the report: {shown}"
    );
    assert!(
        has_colour(&shown[report..]),
        "colour on a terminal: {shown:?}"
    );

    let mut no_color = env.clone();
    no_color.push(("NO_COLOR".to_owned(), "1".to_owned()));
    let (code, shown) = in_a_terminal(&args, &no_color).await;
    assert_eq!(code, Some(0));
    let report = shown.find("Findings").expect("the report shows");
    assert!(!has_colour(&shown[report..]), "NO_COLOR: {shown:?}");
}
