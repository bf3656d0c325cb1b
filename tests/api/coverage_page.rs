//! An administrator's organization coverage on the report page, in a real headless Chromium: the
//! grid is drawn with the gaps first, a filter hides the covered accounts without JavaScript, and
//! an account name holding markup is shown as text.

use std::path::Path;

use connector_doctor::domain::Connection;

use crate::helpers::chromium::{load_in_chromium, screenshot};
use crate::helpers::fake_organization::OrganizationPart;
use crate::helpers::fake_regions::healthy_account;
use crate::helpers::{FakeAws, RequestBody, TestApp};

/// A name as a customer could write it, markup included.
const MARKUP_NAME: &str = "<b>payments</b><img src=x onerror=alert(1)>";

/// The fake as an organization's delegated administrator described by `organization` (a
/// scenario's `[organization]` table), and the report page URL of its diagnosis.
async fn administrator_page(organization: &str, regions: &[&str]) -> (FakeAws, TestApp, String) {
    let fake = FakeAws::start().await;
    let part: OrganizationPart = toml::from_str(organization).expect("an [organization] table");
    part.mount(&fake).await;
    healthy_account(&fake).await;
    let app = TestApp::with_aws(&fake.url()).await;
    let diagnosis = app
        .diagnosis(
            &RequestBody::new()
                .connector("contoso-organization")
                .connections(&[Connection::SecurityConfiguration])
                .regions(regions)
                .build(),
        )
        .await;
    let link = diagnosis.report_url.expect("a report link");
    let url = format!("{}{link}", app.base_url);
    (fake, app, url)
}

async fn dom_of(url: String) -> String {
    tokio::task::spawn_blocking(move || load_in_chromium(&url).0)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_coverage_grid_shows_the_gaps_filters_the_covered_away_and_escapes_names() {
    let organization = format!(
        r#"
id = "o-a1b2c3d4e5"
accounts = 3
names = {{ "210000000002" = "{}" }}
configuration = {{ auto_enable = true }}
members = "Enabled"
quiet = [{{ account = "210000000002", regions = ["eu-west-1"] }}]

[[member]]
account = "210000000003"
status = "Resigned"
"#,
        MARKUP_NAME.replace('"', "\\\"")
    );
    let (_fake, _app, url) = administrator_page(&organization, &["us-east-1", "eu-west-1"]).await;

    let dom = dom_of(url.clone()).await;
    assert!(dom.contains("Organization coverage"), "the grid is drawn");
    let gaps = dom.find("210000000002").expect("the account without data");
    let covered = dom.find("210000000001").expect("the covered account");
    assert!(gaps < covered, "the gaps come first");
    assert!(
        dom.contains("resigned · none"),
        "a cell says its membership in words"
    );
    assert!(dom.contains("enabled · flowing"), "and its data");
    assert!(
        dom.contains("&lt;b&gt;payments&lt;/b&gt;&lt;img src=x onerror=alert(1)&gt;"),
        "the name is text"
    );
    assert!(
        !dom.contains("<b>payments</b>"),
        "no markup of the name is rendered"
    );

    let filtered = dom_of(format!("{url}&gaps=1#coverage")).await;
    assert!(filtered.contains("210000000002"), "a gap stays");
    assert!(filtered.contains("210000000003"), "a gap stays");
    assert!(
        !filtered.contains("210000000001"),
        "the covered account is filtered away"
    );
    assert!(
        filtered.contains("2 account(s) hidden by the filters"),
        "the covered member and the administrator"
    );

    let resigned = dom_of(format!("{url}&status=resigned")).await;
    assert!(resigned.contains("210000000003"));
    assert!(!resigned.contains("<code>210000000002</code>"));
}

/// Writes `docs/organization-coverage.png`, the grid of a 200-account organization of the
/// scripted fake (run by hand: `cargo test --test api coverage_page -- --ignored`).
#[tokio::test]
#[ignore = "writes the documentation's screenshot"]
async fn screenshot_of_a_two_hundred_account_organization() {
    let organization = r#"
id = "o-a1b2c3d4e5"
accounts = 199
configuration = { auto_enable = false }
members = "Enabled"
names = { "210000000007" = "payments-prod", "210000000012" = "data-lake" }
quiet = [{ account = "210000000012", regions = ["eu-west-1"] }, { account = "210000000031" }]

[[member]]
account = "210000000007"
status = "none"
regions = ["ap-southeast-2"]

[[member]]
account = "210000000019"
status = "Resigned"

[[member]]
account = "210000000044"
status = "Invited"
"#;
    let (_fake, _app, url) =
        administrator_page(organization, &["us-east-1", "eu-west-1", "ap-southeast-2"]).await;
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/organization-coverage.png");
    tokio::task::spawn_blocking(move || screenshot(&url, &file, 1280, 1700))
        .await
        .unwrap();
}
