"""The image, built and run: the Dockerfile's runtime stage around the binary the suite built
(`--target prebuilt`, no compiling in a container), run with podman read-only as its non-root user
with the environment the Helm chart gives the pod, against moto.

No registry is reachable here: `scripts/container-base-images runtime` makes a stand-in for the
distroless base from this host's Debian 12 libraries, under the name the Dockerfile uses.
`scripts/containers.conf` makes podman run containers where crun and default ulimits fail.
The tests skip only where podman cannot run a container at all.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import REPO
from test_deploy import container as pod_container, free_port

sys.path.insert(0, str(REPO / "tests" / "schema"))
from moto_fixture import moto  # noqa: E402,F401  (a fixture, used by name)
from test_contract import SlowSts  # noqa: E402

BINARY = REPO / "target" / "debug" / "connector-doctor"
IMAGE = "localhost/connector-doctor:suite"
ENV = {**os.environ, "CONTAINERS_CONF": str(REPO / "scripts" / "containers.conf")}
# The chart's pod security context, as podman flags.
POD_SECURITY = ["--read-only", "--tmpfs", "/tmp", "--user", "10001:10001", "--cap-drop", "ALL",
                "--security-opt", "no-new-privileges"]
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def podman(*args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, env=ENV, timeout=timeout)
    if check:
        assert result.returncode == 0, f"podman {' '.join(args)}: {result.stderr}"
    return result


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> str:
    if shutil.which("podman") is None:
        pytest.fail("podman is missing: scripts/setup-test-deps installs it")
    base = subprocess.run([str(REPO / "scripts" / "container-base-images"), "runtime"],
                          capture_output=True, text=True, env=ENV, timeout=300)
    assert base.returncode == 0, base.stderr
    probe = podman("run", "--rm", "--network", "none", "gcr.io/distroless/cc-debian12:nonroot",
                   "/lib64/ld-linux-x86-64.so.2", "--version", check=False, timeout=120)
    if probe.returncode != 0:
        pytest.skip(f"podman cannot run containers on this machine: {probe.stderr.strip()}")
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run `cargo build` first")
    context = tmp_path_factory.mktemp("image-context")
    shutil.copy(REPO / "Dockerfile", context / "Dockerfile")
    (context / "prebuilt").mkdir()
    shutil.copy(BINARY, context / "prebuilt" / "connector-doctor")
    podman("build", "--pull=never", "--target", "prebuilt", "-t", IMAGE, str(context), timeout=600)
    yield IMAGE
    podman("rmi", "-f", IMAGE, check=False)


def chart_env(helm, token: str) -> dict[str, str]:
    """The pod's environment as the chart renders it, secrets resolved from the rendered Secret."""
    objects = helm.render({"secrets": {"apiTokens": f"portal:{token}"}})
    secret_data = {}
    for secret in (o for o in objects if o["kind"] == "Secret"):
        for key, value in (secret.get("data") or {}).items():
            secret_data[(secret["metadata"]["name"], key)] = base64.b64decode(value).decode()
        for key, value in (secret.get("stringData") or {}).items():
            secret_data[(secret["metadata"]["name"], key)] = value
    env = {}
    for item in pod_container(objects)["env"]:
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            if (ref["name"], ref["key"]) in secret_data:
                env[item["name"]] = secret_data[(ref["name"], ref["key"])]
            else:
                assert ref.get("optional"), f"{item['name']}: no such key in the rendered Secret"
    return env


class Container:
    """One running container on the host's network (it reaches moto on loopback), on free ports."""

    def __init__(self, image: str, env: dict[str, str]) -> None:
        self.api, self.metrics = free_port(), free_port()
        env = {**env, "CONNECTOR_DOCTOR_LISTEN": f"0.0.0.0:{self.api}",
               "CONNECTOR_DOCTOR_METRICS_LISTEN": f"0.0.0.0:{self.metrics}"}
        self.name = f"cd-suite-{uuid.uuid4().hex[:8]}"
        flags = [f"--env={k}={v}" for k, v in env.items()]
        podman("run", "-d", "--name", self.name, "--network", "host", *POD_SECURITY, *flags, image)
        self.base = f"http://127.0.0.1:{self.api}"

    def wait_ready(self, limit: float = 60) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.get("/readyz")[0] == 200:
                return
            time.sleep(0.2)
        pytest.fail(f"the container never became ready:\n{self.logs()}")

    def get(self, path: str, port: int | None = None) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port or self.api}{path}", timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError:
            return 0, b""

    def logs(self) -> str:
        result = podman("logs", self.name, check=False)
        return result.stdout + result.stderr

    def remove(self) -> None:
        podman("rm", "-f", "-t", "0", self.name, check=False)


def diagnose(base: str, token: str, connector: str, timeout: float = 60) -> tuple[int, dict]:
    body = json.dumps({
        "credentials": {"access_key_id": KEY_ID, "secret_access_key": SECRET},
        "connector_id": connector,
        "connections": ["security_auditing", "security_configuration"],
        "regions": ["us-east-1"],
    }).encode()
    request = urllib.request.Request(f"{base}/v1/diagnoses", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_the_image_serves_a_diagnosis_read_only_as_its_user_with_the_charts_environment(image, helm, moto):
    token = secrets.token_urlsafe(24)
    env = chart_env(helm, token)
    assert {"CONNECTOR_DOCTOR_API_TOKENS", "CONNECTOR_DOCTOR_CACHE_KEY_SECRET"} <= env.keys()
    container = Container(image, {**env, "CONNECTOR_DOCTOR_AWS_ENDPOINT_URL": moto})
    try:
        container.wait_ready()
        assert container.get("/healthz")[0] == 200
        status, metrics = container.get("/metrics", port=container.metrics)
        assert status == 200 and b"connector_doctor_build_info" in metrics
        assert container.get("/metrics")[0] == 404, "metrics stay off the API port"
        status, diagnosis = diagnose(container.base, token, "image-moto")
        assert status == 200, diagnosis
        assert diagnosis["identity"]["account_id"] == "123456789012", diagnosis
        assert {c["id"] for c in diagnosis["checks"]} >= {"identity", "permissions"}
        assert diagnose(container.base, "not-the-token", "image-moto")[0] == 401

        inspect = json.loads(podman("inspect", container.name).stdout)[0]
        assert inspect["Config"]["User"] == "10001:10001"
        assert inspect["HostConfig"]["ReadonlyRootfs"] is True
        logs = container.logs()
        lines = [line for line in logs.splitlines() if line.strip()]
        assert lines and all(line.startswith("{") for line in lines), logs[:2000]
        for secret in (token, SECRET, env["CONNECTOR_DOCTOR_CACHE_KEY_SECRET"]):
            assert secret not in logs
    finally:
        container.remove()


def test_the_image_refuses_to_serve_all_interfaces_without_tokens(image, helm):
    env = chart_env(helm, secrets.token_urlsafe(24))
    del env["CONNECTOR_DOCTOR_API_TOKENS"]
    flags = [f"--env={k}={v}" for k, v in env.items()]
    result = podman("run", "--rm", "--network", "none", *POD_SECURITY, *flags, image,
                    check=False, timeout=120)
    assert result.returncode != 0
    assert "token" in (result.stdout + result.stderr).lower(), result.stdout + result.stderr


def test_sigterm_drains_the_diagnosis_in_flight_then_the_container_exits_cleanly(image, helm):
    slow = ThreadingHTTPServer(("127.0.0.1", 0), SlowSts)
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    token = secrets.token_urlsafe(24)
    env = {**chart_env(helm, token),
           "CONNECTOR_DOCTOR_AWS_ENDPOINT_URL": f"http://127.0.0.1:{slow.server_address[1]}",
           "CONNECTOR_DOCTOR_DIAGNOSIS_DEADLINE": "8s", "CONNECTOR_DOCTOR_SHUTDOWN_TIMEOUT": "20s"}
    container = Container(image, env)
    answered: dict = {}
    try:
        container.wait_ready()
        request = threading.Thread(target=lambda: answered.update(
            answer=diagnose(container.base, token, "image-drain")))
        request.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if b"connector_doctor_diagnoses_in_flight 1" in container.get("/metrics", container.metrics)[1]:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the diagnosis never started:\n{container.logs()}")
        podman("kill", "--signal", "TERM", container.name)
        request.join(timeout=60)
        status, diagnosis = answered["answer"]
        assert status == 200, diagnosis
        assert diagnosis["identity"]["account_id"] == "123456789012"
        exit_code = podman("wait", container.name, timeout=60).stdout.strip()
        assert exit_code == "0", container.logs()
        assert "drain" in container.logs().lower()
    finally:
        container.remove()
        slow.shutdown()
