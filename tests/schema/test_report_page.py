"""The report page as a person meets it: a real diagnosis (moto as AWS: findings in several regions,
a denied action, a remediation policy) of a connector diagnosed three times while its account
changed, opened by its signed link in headless Chromium (the system one), driven through the
DevTools protocol by Playwright.

Asserts that every finding code and denied action is on the page, that no request left the
service's origin, that the console shows no error (Content-Security-Policy violations included),
that the page reads without JavaScript and prints without its button. A screenshot is saved as a
test artefact (target/test-artifacts/report-page.png, and the first screen in report-page-top.png).

Environment: CONNECTOR_DOCTOR_BIN (the binary), CHROMIUM (default /usr/bin/chromium).
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import boto3
import pytest
from playwright.sync_api import sync_playwright

from moto_fixture import moto  # noqa: F401  (the fixture, by name)
from test_schemathesis import BINARY, start_listening, stop

REPO = Path(__file__).resolve().parents[2]
ARTEFACTS = REPO / "target" / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
REGIONS = ["us-east-1", "eu-west-1"]


def aws(moto: str, service: str):
    return boto3.client(
        service, endpoint_url=moto, region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )


def call(base: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path, data=data, method="POST" if body is not None else "GET",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def report(moto):
    """The third diagnosis of connector `report-demo` and the service that made it."""
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run `cargo build` first")
    process, address, output = start_listening(
        [str(BINARY), "--listen", "127.0.0.1:0", "--log-format", "json",
         "--aws-endpoint-url", moto, "--refresh-floor", "0s", "--diagnosis-deadline", "20s"],
        {**os.environ, "RUST_LOG": "info"},
    )
    base = f"http://{address}"
    iam = aws(moto, "iam")
    iam.create_user(UserName="mdca")
    key = iam.create_access_key(UserName="mdca")["AccessKey"]
    guide = call(base, "/v1/requirements")["connections"]["security_auditing"]["policy_document"]
    iam.put_user_policy(UserName="mdca", PolicyName="connector", PolicyDocument=json.dumps(guide))
    body = {
        "connector_id": "report-demo",
        "credentials": {"access_key_id": key["AccessKeyId"],
                        "secret_access_key": key["SecretAccessKey"]},
        "regions": REGIONS,
        "refresh": True,
    }
    first = call(base, "/v1/diagnoses", body)
    # The account changes: a logging trail appears, then the policy loses s3:PutBucketAcl.
    aws(moto, "s3").create_bucket(Bucket="report-demo-trail")
    trail = aws(moto, "cloudtrail")
    trail.create_trail(Name="main", S3BucketName="report-demo-trail", IsMultiRegionTrail=True)
    trail.start_logging(Name="main")
    second = call(base, "/v1/diagnoses", body)
    for statement in guide["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != "s3:PutBucketAcl"]
    iam.put_user_policy(UserName="mdca", PolicyName="connector", PolicyDocument=json.dumps(guide))
    third = call(base, "/v1/diagnoses", body)
    yield base, first, second, third
    stop(process)


def test_the_page_shows_the_whole_diagnosis_within_the_origin_and_without_errors(report):
    base, first, second, third = report
    assert third["changes"]["previous_id"] == second["id"]
    denied = [p["action"] for p in third["permissions"] if p["decision"].endswith("_deny")]
    assert "s3:PutBucketAcl" in denied, third["permissions"]
    assert third["remediation_policy"] is not None
    regions = {f["region"] for f in third["findings"] if f["region"]}
    assert len(regions) >= 2, third["findings"]

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.on("pageerror", lambda error: problems.append(str(error)))
        response = page.goto(base + third["report_url"], wait_until="networkidle")
        assert response.status == 200
        text = page.inner_text("body")
        for finding in third["findings"]:
            assert finding["code"] in text, finding["code"]
        for action in denied:
            assert action in text, action
        # Denied actions come first in the permission table.
        first_row = page.locator("#permissions ~ table tbody tr").first.inner_text()
        assert denied[0] in first_row, first_row
        # What changed, and the history as a row of statuses.
        assert "s3:PutBucketAcl: allowed → implicit deny" in text
        assert len(page.locator("ol.history li").all()) == 3
        # Colour is never the only signal: every grid cell has a word.
        for cell in page.locator("table.grid td").all():
            assert cell.inner_text().strip()
        # The copy button appears with JavaScript.
        assert page.locator("#copy-policy").is_visible()
        page.screenshot(path=str(ARTEFACTS / "report-page.png"), full_page=True)
        page.screenshot(path=str(ARTEFACTS / "report-page-top.png"))
        # Printed: no button, everything else.
        page.emulate_media(media="print")
        assert not page.locator("#copy-policy").is_visible()

        # Without JavaScript the policy is plain selectable text and the button stays hidden.
        plain = browser.new_page(java_script_enabled=False)
        plain.goto(base + third["report_url"])
        assert plain.locator("#policy-document").is_visible()
        assert "s3:PutBucketAcl" in plain.inner_text("#policy-document")
        assert not plain.locator("#copy-policy").is_visible()
        browser.close()
    outside = [url for url in requests if not url.startswith(base + "/")]
    assert outside == [], f"requests left the origin: {outside}"
    assert problems == [], f"console errors: {problems}"


def test_a_bad_link_gets_the_404_page_in_the_browser_too(report):
    base, _, _, third = report
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        tampered = third["report_url"].replace("sig=", "sig=00")
        response = page.goto(base + tampered)
        assert response.status == 404
        assert "Report not found" in page.inner_text("h1")
        browser.close()
