//! The external id of a role is a secret like the keys: when AWS quotes it back inside an error
//! message, in any encoding a request carries it in (raw, JSON-escaped, percent-encoded with every
//! byte but letters and digits encoded, or RFC 3986's form that keeps `-._~`), none of those
//! forms reaches the response, Redis, the report page or the command line's output. An external
//! id of two characters is scrubbed where it stands as a word, and ordinary words survive.

use connector_doctor::domain::{Code, Diagnosis, Secret};
use serde_json::Value;

use crate::command_line::{isolated, run};
use crate::helpers::app::{finding, parse_diagnosis};
use crate::helpers::fake_aws::sts_error;
use crate::helpers::redis::RedisServer;
use crate::helpers::{
    EXAMPLE_KEY_ID, EXAMPLE_SECRET, FakeAws, FakeIdentity, RequestBody, TestApp, generated,
};

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/mdca";

/// `text` percent-encoded: every byte but ASCII letters, digits and those in `keep`.
fn percent(text: &str, keep: &str) -> String {
    text.bytes()
        .map(
            |b| match b.is_ascii_alphanumeric() || keep.as_bytes().contains(&b) {
                true => (b as char).to_string(),
                false => format!("%{b:02X}"),
            },
        )
        .collect()
}

/// `text` with every character but letters and digits as a JSON `\u` escape.
fn json_escaped(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_ascii_alphanumeric() {
            true => c.to_string(),
            false => format!("\\u{:04X}", c as u32),
        })
        .collect()
}

/// Every form of `id` that AWS or a client could produce.
fn forms(id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("raw", id.to_owned()),
        ("every symbol percent-encoded", percent(id, "")),
        ("RFC 3986 percent-encoded", percent(id, "-._~")),
        ("lower-case hex", percent(id, "-._~").to_lowercase()),
        ("JSON with an escaped slash", id.replace('/', "\\/")),
        ("JSON \\u escapes", json_escaped(id)),
    ]
}

/// The forms of `id` found in `text` (case-insensitively), by name.
fn found_in(text: &str, id: &str) -> Vec<&'static str> {
    let text = text.to_lowercase();
    forms(id)
        .into_iter()
        .filter(|(_, form)| text.contains(&form.to_lowercase()))
        .map(|(name, _)| name)
        .collect()
}

/// A fake AWS whose STS knows the caller and refuses AssumeRole with `message`.
async fn refusing_assume_role(message: &str) -> FakeAws {
    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::body_string_contains(
            "Action=AssumeRole",
        ))
        .respond_with(sts_error(403, "AccessDenied", message))
        .mount(&fake.server)
        .await;
    fake
}

#[tokio::test]
async fn an_external_id_of_every_character_class_leaves_no_trace_in_any_encoding() {
    // Letters, digits and every symbol AWS allows in an external id.
    let id = format!("{}+=,.@:/_-{}", generated("Ext", 12), generated("Q9", 8));
    let quoted: Vec<String> = forms(&id).into_iter().map(|(_, form)| form).collect();
    let message = format!(
        "User: arn:aws:iam::123456789012:user/mdca is not authorized to perform: sts:AssumeRole \
         on resource: {ROLE_ARN} with ExternalId={}",
        quoted.join(" or ")
    );
    let fake = refusing_assume_role(&message).await;
    let redis = RedisServer::start().await;
    let (url, store) = (fake.url(), redis.url());
    let app = TestApp::spawn(move |settings| {
        settings.aws.aws_endpoint_url = Some(url);
        settings.cache.redis_url = Some(Secret::new(store));
    })
    .await;

    let body = RequestBody::new()
        .regions(&["us-east-1"])
        .assume_role(ROLE_ARN, Some(&id))
        .build();
    let response = app.diagnose(&body).await.text().await.unwrap();
    let diagnosis: Diagnosis = parse_diagnosis(&response);
    let denied = finding(&diagnosis, Code::AssumeRoleDenied);
    let kept = denied.aws_error.as_ref().and_then(|e| e.message.clone());
    let kept = kept.expect("AWS's message is kept");
    assert!(
        kept.contains("not authorized") && kept.contains("[redacted]"),
        "{kept}"
    );
    let page = app
        .get(diagnosis.report_url.as_deref().expect("a report link"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("ASSUME_ROLE_DENIED"), "{page}");
    let stored: Vec<String> = redis
        .dump()
        .await
        .into_iter()
        .map(|(key, value)| format!("{key} = {value}"))
        .collect();
    assert!(!stored.is_empty(), "the diagnosis was stored");

    let home = tempfile::tempdir().unwrap();
    let env = isolated(home.path(), Some((EXAMPLE_KEY_ID, EXAMPLE_SECRET)));
    let fake_url = fake.url();
    let mut cli = String::new();
    for output in ["text", "json"] {
        let args = [
            "diagnose",
            "--aws-endpoint-url",
            &fake_url,
            "--regions",
            "us-east-1",
            "--role-arn",
            ROLE_ARN,
            "--external-id",
            &id,
            "--output",
            output,
        ];
        let ran = run(&args, &env).await;
        cli.push_str(&String::from_utf8_lossy(&ran.stdout));
        cli.push_str(&String::from_utf8_lossy(&ran.stderr));
    }
    assert!(cli.contains("ASSUME_ROLE_DENIED"), "{cli}");

    for (place, text) in [
        ("the response", response.as_str()),
        ("Redis", &stored.join("\n")),
        ("the report page", page.as_str()),
        ("the command line's output", cli.as_str()),
    ] {
        let found = found_in(text, &id);
        assert!(
            found.is_empty(),
            "{place} holds the external id as {found:?}"
        );
    }
}

#[tokio::test]
async fn a_two_character_external_id_goes_where_it_stands_alone_and_words_survive() {
    let fake = refusing_assume_role(
        "The table about role mdca rejects ExternalId ab: ab is not valid (ExternalId%3Dab).",
    )
    .await;
    let url = fake.url();
    let app = TestApp::with_aws(&url).await;
    let body = RequestBody::new()
        .regions(&["us-east-1"])
        .assume_role(ROLE_ARN, Some("ab"))
        .build();
    let text = app.diagnose(&body).await.text().await.unwrap();
    let diagnosis = parse_diagnosis(&text);
    let denied = finding(&diagnosis, Code::AssumeRoleDenied);
    let message = denied.aws_error.as_ref().and_then(|e| e.message.clone());
    assert_eq!(
        message.as_deref(),
        Some(
            "The table about role mdca rejects ExternalId [redacted]: [redacted] is not valid \
             (ExternalId%3D[redacted])."
        )
    );
    let response: Value = serde_json::from_str(&text).unwrap();
    assert!(!response.to_string().contains(" ab "), "{response}");
}
