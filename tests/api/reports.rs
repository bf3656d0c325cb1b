//! What changed between a connector's diagnoses, and the signed links to report pages: a link
//! opens its page without a token; any altered, expired or unknown link gets the same 404.

use std::time::Duration;

use connector_doctor::domain::{Code, Connection, Decision, Diagnosis, HealthStatus, Secret};
use serde_json::Value;

use crate::helpers::fake_regions::healthy_account;
use crate::helpers::iam_setup::seed_policy_without;
use crate::helpers::{FakeAws, RequestBody, TestApp};

fn request() -> Value {
    RequestBody::new()
        .connector("contoso-prod")
        .connections(&[Connection::SecurityAuditing])
        .regions(&["us-east-1"])
        .refresh()
        .build()
}

/// The fake as a healthy account, or one whose policy lacks s3:PutBucketAcl (the simulator
/// refused, so the identity's policies are read).
async fn account(fake: &FakeAws, without_put_bucket_acl: bool) {
    fake.server.reset().await;
    healthy_account(fake).await;
    if without_put_bucket_acl {
        fake.simulator_denied().await;
        fake.user_with_inline_policy(&seed_policy_without("s3:PutBucketAcl"))
            .await;
    }
}

#[tokio::test]
async fn changes_follow_a_connector_across_diagnoses_and_a_cache_hit_keeps_them() {
    let fake = FakeAws::start().await;
    account(&fake, false).await;
    let url = fake.url();
    let app = TestApp::spawn(move |s| {
        s.aws.aws_endpoint_url = Some(url);
        s.service.refresh_floor = Duration::from_millis(1);
    })
    .await;

    let first = app.diagnosis(&request()).await;
    assert_eq!(first.status, HealthStatus::Healthy, "{first:#?}");
    assert_eq!(first.changes, None, "the connector's first diagnosis");

    account(&fake, true).await;
    let second = app.diagnosis(&request()).await;
    let changes = second.changes.as_ref().expect("changes since the first");
    assert_eq!(changes.previous_id, first.id);
    assert_eq!(changes.status.from, HealthStatus::Healthy);
    assert_eq!(changes.status.to, HealthStatus::Unhealthy);
    let added: Vec<Code> = changes.findings_added.iter().map(|f| f.code).collect();
    assert!(added.contains(&Code::PermissionMissing), "{changes:#?}");
    assert!(changes.findings_resolved.is_empty(), "{changes:#?}");
    let put = changes
        .permissions_changed
        .iter()
        .find(|p| p.action == "s3:PutBucketAcl")
        .expect("s3:PutBucketAcl changed");
    assert_eq!(
        (put.from, put.to),
        (Decision::Allowed, Decision::ImplicitDeny)
    );

    account(&fake, false).await;
    let third = app.diagnosis(&request()).await;
    let changes = third.changes.as_ref().expect("changes since the second");
    assert_eq!(changes.previous_id, second.id);
    assert_eq!(changes.status.to, HealthStatus::Healthy);
    let resolved: Vec<Code> = changes.findings_resolved.iter().map(|f| f.code).collect();
    assert!(resolved.contains(&Code::PermissionMissing), "{changes:#?}");
    assert!(changes.findings_added.is_empty(), "{changes:#?}");

    // A cache hit returns the diagnosis as stored, its changes included.
    let mut again = request();
    again["refresh"] = false.into();
    let cached = app.diagnosis(&again).await;
    assert!(cached.cached);
    assert_eq!(cached.id, third.id);
    assert_eq!(cached.changes, third.changes);

    // The history says each diagnosis's status and codes, newest first.
    let history: Value = app
        .get("/v1/connectors/contoso-prod/history")
        .await
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["healthy", "unhealthy", "healthy"]);
    assert!(
        history["items"][1]["finding_codes"]
            .as_array()
            .unwrap()
            .contains(&Value::from("PERMISSION_MISSING"))
    );
}

/// `base` (a report link) with `query` field `name` set to `value`.
fn with_field(link: &str, name: &str, value: &str) -> String {
    let (path, query) = link.split_once('?').unwrap();
    let fields: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((field, _)) if field == name => format!("{field}={value}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", fields.join("&"))
}

fn field<'a>(link: &'a str, name: &str) -> &'a str {
    link.split_once('?')
        .unwrap()
        .1
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap()
}

async fn diagnose_as(app: &TestApp, token: &str, connector: &str) -> Diagnosis {
    let response = app
        .client
        .post(format!("{}/v1/diagnoses", app.base_url))
        .bearer_auth(token)
        .json(
            &RequestBody::new()
                .connector(connector)
                .regions(&["us-east-1"])
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_report_link_opens_its_page_and_any_altered_or_unknown_link_gets_the_same_404() {
    let fake = FakeAws::start().await;
    account(&fake, true).await;
    let url = fake.url();
    let app = TestApp::spawn(move |s| {
        s.aws.aws_endpoint_url = Some(url);
        s.security.api_tokens = Some(Secret::new("acme:acme-token,bravo:bravo-token"));
        s.security.report_link_secret = Some(Secret::new("reports-test-secret"));
    })
    .await;
    let acme = diagnose_as(&app, "acme-token", "acme-prod").await;
    let bravo = diagnose_as(&app, "bravo-token", "bravo-prod").await;
    let link = acme.report_url.clone().expect("a report link");
    assert!(
        link.starts_with(&format!("/reports/{}?exp=", acme.id)),
        "{link}"
    );

    // No token needed: the link is the capability.
    let page = app.get(&link).await;
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("acme-prod") && html.contains("PERMISSION_MISSING"));
    assert!(html.contains("s3:PutBucketAcl"));
    assert!(!html.contains("<script>"), "no inline script");

    let bravo_link = bravo.report_url.clone().unwrap();
    let altered = [
        // Another tenant's diagnosis under this link's signature.
        link.replace(&acme.id, &bravo.id),
        // bravo's link with acme's id.
        bravo_link.replace(&bravo.id, &acme.id),
        with_field(
            &link,
            "exp",
            &(field(&link, "exp").parse::<i64>().unwrap() + 1).to_string(),
        ),
        with_field(&link, "sig", &"0".repeat(64)),
        with_field(&link, "sig", "not-hex"),
        link.split_once("&sig=").unwrap().0.to_owned(),
        format!("/reports/{}", acme.id),
        link.replace(&acme.id, "dgn_00000000000000000000000000000000"),
        // A trailing slash, with and without the signature, and other paths under /reports/.
        link.replace(&acme.id, &format!("{}/", acme.id)),
        format!("/reports/{}/", acme.id),
        "/reports/".to_owned(),
        format!("/reports/{}/extra", acme.id),
    ];
    let mut bodies = Vec::new();
    for bad in &altered {
        let response = app.get(bad).await;
        assert_eq!(response.status(), 404, "{bad}");
        let media_type = response.headers()["content-type"].to_str().unwrap();
        assert!(media_type.starts_with("text/html"), "{bad}: {media_type}");
        bodies.push(response.text().await.unwrap());
    }
    assert!(
        bodies.windows(2).all(|pair| pair[0] == pair[1]),
        "every bad link gets the same page"
    );
    assert!(!bodies[0].contains("acme") && !bodies[0].contains("bravo"));
    // bravo's own link still opens bravo's report.
    assert_eq!(app.get(&bravo_link).await.status(), 200);
}

#[tokio::test]
async fn a_link_expires_with_its_report() {
    let fake = FakeAws::start().await;
    account(&fake, false).await;
    let url = fake.url();
    let app = TestApp::spawn(move |s| {
        s.aws.aws_endpoint_url = Some(url);
        s.cache.report_retention = Duration::from_secs(2);
    })
    .await;
    let diagnosis = app.diagnosis(&request()).await;
    let link = diagnosis.report_url.unwrap();
    assert_eq!(app.get(&link).await.status(), 200);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(app.get(&link).await.status(), 404);
}
