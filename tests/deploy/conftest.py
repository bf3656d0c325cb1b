"""Fixtures of the deployment tests: the Helm library (helm-sdkpy) and a stand-in Kubernetes API.

helm-sdkpy bundles Helm's Go library but offers no `helm template` or dry-run. To see what the chart
really renders we run Helm's own install action against a minimal Kubernetes API served here on
loopback: it answers discovery for the kinds the chart uses, says 404 to every lookup and records
every object Helm creates. Releases live in Helm's memory driver, so nothing else is needed.
Helm runs in a child process (helm_worker.py), the only way to hand its Go runtime HELM_DRIVER.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "connector-doctor"
WORKER = Path(__file__).with_name("helm_worker.py")
NAMESPACE = "portal"

# Helm's lint severities (helm.sh/helm/v4/pkg/chart/v2/lint/support).
LINT_INFO, LINT_WARNING, LINT_ERROR = 1, 2, 3

# group/version -> [(kind, plural, namespaced)]: every kind the chart can render.
API_RESOURCES = {
    "v1": [
        ("Namespace", "namespaces", False),
        ("Secret", "secrets", True),
        ("Service", "services", True),
        ("ServiceAccount", "serviceaccounts", True),
        ("ConfigMap", "configmaps", True),
        ("Pod", "pods", True),
    ],
    "apps/v1": [("Deployment", "deployments", True)],
    "autoscaling/v2": [("HorizontalPodAutoscaler", "horizontalpodautoscalers", True)],
    "policy/v1": [("PodDisruptionBudget", "poddisruptionbudgets", True)],
    "networking.k8s.io/v1": [("NetworkPolicy", "networkpolicies", True)],
    "monitoring.coreos.com/v1": [
        ("ServiceMonitor", "servicemonitors", True),
        ("PrometheusRule", "prometheusrules", True),
    ],
}


class FakeKubeApi:
    """Just enough of a Kubernetes API server for `helm install` (client-side apply, no waiting)."""

    def __init__(self) -> None:
        self.created: list[dict] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                path = self.path.split("?", 1)[0].rstrip("/")
                body = api.discovery(path)
                if body is not None:
                    self._send(200, body)
                elif path.endswith(tuple(p for rs in API_RESOURCES.values() for _, p, _ in rs)):
                    self._send(200, {"kind": "List", "apiVersion": "v1", "metadata": {}, "items": []})
                else:
                    self._send(404, api.not_found(path))

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if not self.headers.get("Content-Type", "").startswith("application/json"):
                    self._send(415, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                     "message": "the stand-in API speaks JSON only", "code": 415})
                    return
                obj = json.loads(body or b"{}")
                obj.setdefault("metadata", {}).update(
                    {"uid": f"uid-{len(api.created)}", "resourceVersion": "1"}
                )
                api.created.append(copy.deepcopy(obj))
                self._send(201, obj)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def not_found(path: str) -> dict:
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": f"{path} not found", "reason": "NotFound", "code": 404}

    @staticmethod
    def discovery(path: str) -> dict | None:
        if path == "/version":
            return {"major": "1", "minor": "31", "gitVersion": "v1.31.0", "platform": "linux/amd64"}
        if path == "/api":
            return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
        if path == "/apis":
            groups = {}
            for gv in API_RESOURCES:
                if "/" in gv:
                    group, version = gv.split("/")
                    groups[group] = {"name": group, "versions": [{"groupVersion": gv, "version": version}],
                                     "preferredVersion": {"groupVersion": gv, "version": version}}
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": list(groups.values())}
        gv = "v1" if path == "/api/v1" else path.removeprefix("/apis/")
        if path.startswith(("/api/v1", "/apis/")) and gv in API_RESOURCES:
            return {
                "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
                "resources": [
                    {"name": plural, "singularName": kind.lower(), "namespaced": namespaced, "kind": kind,
                     "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
                    for kind, plural, namespaced in API_RESOURCES[gv]
                ],
            }
        return None

    def kubeconfig(self) -> str:
        return yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "fake",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "fake", "user": {"token": "fake"}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake", "namespace": NAMESPACE}}],
        })

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def kube_api():
    api = FakeKubeApi()
    yield api
    api.close()


class HelmError(Exception):
    """Helm rejected the chart or its values; the message is Helm's."""


class Helm:
    """Helm's real lint and install (helm-sdkpy), each in a child process with its own Helm home."""

    def __init__(self, kube_api: FakeKubeApi, home: Path) -> None:
        self.kube_api = kube_api
        self.count = 0
        # HOME too: Helm and client-go default their caches under it.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("HELM_", "KUBE"))}
        self.env = {**inherited, "HELM_DRIVER": "memory", "HOME": str(home),
                    "HELM_CACHE_HOME": str(home / "cache"), "HELM_CONFIG_HOME": str(home / "config"),
                    "HELM_DATA_HOME": str(home / "data")}

    def _run(self, args: list[str], stdin: str = "") -> dict:
        proc = subprocess.run([sys.executable, str(WORKER), *args], input=stdin, env=self.env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"helm worker crashed: {proc.stderr}"
        answer = json.loads(proc.stdout.strip().splitlines()[-1])
        if "error" in answer:
            raise HelmError(answer["error"])
        return answer["result"]

    def lint(self, chart: Path) -> list[dict]:
        """Lint messages: severity and path (Helm's texts do not survive the library's JSON)."""
        result = self._run(["lint", str(chart)])
        assert result["TotalChartsLinted"] == 1, result
        return result["Messages"] or []

    def render(self, values: dict | None = None, chart: Path = CHART) -> list[dict]:
        """Install the chart into the stand-in API; the objects Helm created. Raises HelmError."""
        self.count += 1
        release = f"cd{self.count}"  # a fresh release each time: no upgrade paths involved
        first = len(self.kube_api.created)
        self._run(["install", str(chart), release, NAMESPACE, self.kube_api.kubeconfig()],
                  stdin=json.dumps(values or {}))
        return self.kube_api.created[first:]


@pytest.fixture(scope="session")
def helm(kube_api, tmp_path_factory) -> Helm:
    return Helm(kube_api, tmp_path_factory.mktemp("helm-home"))


@pytest.fixture
def chart_copy(tmp_path):
    """A throw-away copy of the chart, to change its values.yaml or files/ (lint takes no values)."""
    copy_dir = tmp_path / "connector-doctor"
    shutil.copytree(CHART, copy_dir)
    return copy_dir
