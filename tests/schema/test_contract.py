"""The contract as a backend team meets it: the OpenAPI document validates as OpenAPI 3.1, a client
generated from it by a real generator (openapi-python-client) builds, and every call of that client
against the running service parses into the generated types, success and failure paths alike.

Peers: ``target/debug/connector-doctor`` (build it first), moto's server as AWS for the diagnoses, and,
for the 503 and 429 paths, a slow fake STS of this file that keeps a diagnosis in flight.

Environment: CONNECTOR_DOCTOR_BIN, the binary (default target/debug/connector-doctor of the repo).
"""

from __future__ import annotations

import importlib
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from moto_fixture import moto  # noqa: F401  (the fixture, by name)
from test_schemathesis import BINARY, free_port, start_listening, stop

REPO = Path(__file__).resolve().parents[2]
DOCUMENT = REPO / "openapi" / "openapi.json"
# The documented example key pair of AWS: moto accepts any credentials.
KEY_ID, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_the_committed_document_validates_as_openapi_3_1():
    spec, _ = read_from_filename(str(DOCUMENT))
    assert spec["openapi"].startswith("3.1")
    validate(spec)


@pytest.fixture(scope="module")
def models():
    """Generates the client from the committed document, as a consumer would; its models."""
    out = Path(tempfile.mkdtemp(prefix="generated-client-"))
    config = out / "config.yml"
    config.write_text("post_hooks: []\n")
    generator = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run(
        [str(generator), "generate", "--path", str(DOCUMENT), "--meta", "none",
         "--output-path", str(out / "connector_doctor_client"), "--config", str(config)],
        capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("connector_doctor_client.models")
    finally:
        sys.path.remove(str(out))


def start(args: list[str]) -> tuple[subprocess.Popen, str, str]:
    """The service on port 0, as it reports the address it got, and its metrics listener (with
    caller tokens, metrics are never served on the API port)."""
    metrics_port = free_port()
    process, address, _ = start_listening(
        [str(BINARY), "--listen", "127.0.0.1:0", "--log-format", "json",
         "--metrics-listen", f"127.0.0.1:{metrics_port}", *args],
        {**os.environ, "RUST_LOG": "info"},
    )
    return process, f"http://{address}", f"http://127.0.0.1:{metrics_port}"


@pytest.fixture(scope="module")
def service(moto):
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run `cargo build` first")
    token = secrets.token_urlsafe(24)
    process, base, _ = start([
        "--api-tokens", f"portal:{token}", "--aws-endpoint-url", moto,
        "--diagnosis-deadline", "20s",
    ])
    yield base, token
    stop(process)


def request_body(models, connector: str):
    return models.DiagnosisRequest(
        credentials=models.Credentials(access_key_id=KEY_ID, secret_access_key=SECRET),
        connector_id=connector,
        connections=[models.Connection.SECURITY_AUDITING, models.Connection.SECURITY_CONFIGURATION],
        regions=["us-east-1"],
    )


def test_every_call_of_a_generated_client_parses_into_its_types(models, service):
    base, token = service
    from connector_doctor_client import AuthenticatedClient, Client
    from connector_doctor_client.api.diagnoses import create_diagnosis as created

    portal = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)

    answer = created.sync_detailed(client=portal, body=request_body(models, "contract-prod"))
    assert answer.status_code == 200, answer.content
    diagnosis = answer.parsed
    assert isinstance(diagnosis, models.Diagnosis)
    assert diagnosis.identity.account_id.isdigit()
    assert isinstance(diagnosis.status, models.HealthStatus)
    assert diagnosis.connections.security_auditing is not None
    assert all(isinstance(check.id, models.CheckId) for check in diagnosis.checks)
    assert answer.headers["x-request-id"]

    from connector_doctor_client.api.diagnoses import get_connector_history, get_diagnosis
    again = get_diagnosis.sync_detailed(diagnosis.id, client=portal)
    assert again.status_code == 200 and isinstance(again.parsed, models.Diagnosis)
    assert again.parsed.id == diagnosis.id

    history = get_connector_history.sync_detailed("contract-prod", client=portal).parsed
    assert isinstance(history, models.HistoryResponse)
    assert [item.id for item in history.items] == [diagnosis.id]

    from connector_doctor_client.api.catalogue import get_catalogue_entry, list_catalogue, match_catalogue
    catalogue = list_catalogue.sync(client=portal)
    assert isinstance(catalogue, models.CatalogueResponse) and len(catalogue.entries) > 30
    entry = get_catalogue_entry.sync(models.Code.SECURITY_HUB_NOT_ENABLED, client=portal)
    assert isinstance(entry, models.CatalogueEntry) and entry.code == models.Code.SECURITY_HUB_NOT_ENABLED
    matched = match_catalogue.sync(client=portal, body=models.MatchRequest(message="NullPointerException"))
    assert isinstance(matched, models.MatchResponse)
    assert matched.matches[0].code == models.Code.INTERNAL_ERROR

    from connector_doctor_client.api.connections import get_requirements
    requirements = get_requirements.sync(client=portal)
    assert isinstance(requirements, models.RequirementsResponse)
    auditing = requirements.connections.security_auditing
    assert "s3:PutBucketAcl" in auditing.actions
    assert isinstance(auditing.policy_document, models.PolicyDocument)
    assert auditing.policy_document.statement[0].effect == models.PolicyEffect.ALLOW

    from connector_doctor_client.api.operations import get_health, get_readiness
    assert get_health.sync(client=portal).status == models.Liveness.OK
    readiness = get_readiness.sync(client=portal)
    assert readiness.status == models.ReadinessStatus.READY and readiness.cache == models.CacheStatus.OK

    # The failure paths: each a Problem of the generated types, with its documented headers.
    anonymous = Client(base_url=base)
    unauthorized = created.sync_detailed(client=anonymous, body=request_body(models, "contract-prod"))
    assert unauthorized.status_code == 401 and isinstance(unauthorized.parsed, models.Problem)
    assert unauthorized.headers["www-authenticate"] == "Bearer"

    missing = get_diagnosis.sync_detailed("dgn_" + "0" * 32, client=portal)
    assert missing.status_code == 404 and isinstance(missing.parsed, models.Problem)
    assert missing.parsed.request_id == missing.headers["x-request-id"]

    invalid = request_body(models, "contract-prod")
    invalid.credentials.access_key_id = "not-a-key"
    refused = created.sync_detailed(client=portal, body=invalid)
    assert refused.status_code == 422 and isinstance(refused.parsed, models.Problem)
    assert [error.field for error in refused.parsed.errors] == ["credentials.access_key_id"]
    assert "not-a-key" not in refused.content.decode()


class SlowSts(BaseHTTPRequestHandler):
    """Answers every call as GetCallerIdentity, after a delay: a diagnosis stays in flight."""

    delay = 3.0

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        time.sleep(self.delay)
        body = (
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/contract</Arn>"
            "<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
            "<ResponseMetadata><RequestId>contract</RequestId></ResponseMetadata>"
            "</GetCallerIdentityResponse>"
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "text/xml")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_shedding_and_rate_limits_parse_into_problems(models):
    from connector_doctor_client import AuthenticatedClient
    from connector_doctor_client.api.diagnoses import create_diagnosis

    slow = ThreadingHTTPServer(("127.0.0.1", 0), SlowSts)
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    token = secrets.token_urlsafe(24)
    process, base, metrics_base = start([
        "--api-tokens", f"portal:{token}",
        "--aws-endpoint-url", f"http://127.0.0.1:{slow.server_address[1]}",
        "--max-cold-diagnoses", "1", "--rate-limit-per-minute", "1", "--rate-limit-burst", "2",
        "--diagnosis-deadline", "5s",
    ])
    try:
        portal = AuthenticatedClient(base_url=base, token=token, timeout=30)
        first = threading.Thread(
            target=create_diagnosis.sync_detailed,
            kwargs={"client": portal, "body": request_body(models, "contract-first")},
        )
        first.start()
        # The first diagnosis waits on the slow STS for seconds; wait until it holds its place.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            metrics = urllib.request.urlopen(f"{metrics_base}/metrics", timeout=5).read().decode()
            if "connector_doctor_diagnoses_in_flight 1" in metrics:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the first diagnosis never started")
        shed = create_diagnosis.sync_detailed(client=portal, body=request_body(models, "contract-second"))
        assert shed.status_code == 503 and isinstance(shed.parsed, models.Problem), shed.content
        assert int(shed.headers["retry-after"]) >= 1
        limited = create_diagnosis.sync_detailed(client=portal, body=request_body(models, "contract-third"))
        assert limited.status_code == 429 and isinstance(limited.parsed, models.Problem), limited.content
        assert int(limited.headers["retry-after"]) >= 1
        first.join(timeout=30)
    finally:
        stop(process)
        slow.shutdown()
