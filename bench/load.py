#!/usr/bin/env python3
"""Helpers of bench/run (stdlib only): diagnoses against the service, the fake's stats, wrk output.

  load.py body KEY_ID [CONNECTOR_ID]          a POST /v1/diagnoses body (both connections, default regions)
  load.py cold URL FAKE_URL KEY_ID LATENCY_MS one cold diagnosis: wall time against the fake's critical path
  load.py concurrent URL N PREFIX             N distinct connectors at once: diagnoses/s, errors
  load.py wrk FILE                            requests/s, p50, p99, errors of a `wrk --latency` output
"""
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def body(key_id, connector_id=None):
    return json.dumps({
        "connector_id": connector_id or f"bench-{key_id.lower()}",
        "connections": ["security_auditing", "security_configuration"],
        "credentials": {"access_key_id": key_id,
                        "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYBENCHKEY0"},
    })


def post(url, data):
    request = urllib.request.Request(url + "/v1/diagnoses", data=data.encode(),
                                     headers={"content-type": "application/json"}, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            payload = response.read()
            code = response.status
    except urllib.error.HTTPError as error:
        payload, code = error.read(), error.code
    wall = time.perf_counter() - started
    try:
        diagnosis = json.loads(payload)
    except ValueError:
        diagnosis = {}
    return code, wall, diagnosis


def problems(code, diagnosis):
    """Why a diagnosis is not a clean healthy answer, or None."""
    if code != 200:
        return f"HTTP {code}: {json.dumps(diagnosis)[:200]}"
    bad = [c.get("id") for c in diagnosis.get("checks", []) if c.get("status") not in ("ok", "pass", "passed", "healthy", "skipped", "info")]
    if diagnosis.get("status") != "healthy":
        findings = [f.get("code") for f in diagnosis.get("findings", [])]
        return f"status {diagnosis.get('status')}: checks {bad} findings {findings}"
    return None


def key_stats(fake_url, key_id):
    with urllib.request.urlopen(fake_url + "/__stats", timeout=10) as response:
        stats = json.load(response)
    return stats["per_key"].get(key_id, {"calls": 0, "max_depth": 0, "span_ms": 0})


def cold(url, fake_url, key_id, latency_ms):
    code, wall, diagnosis = post(url, body(key_id))
    stats = key_stats(fake_url, key_id)
    critical = stats["max_depth"] * latency_ms
    print(json.dumps({
        "key": key_id, "http": code, "status": diagnosis.get("status"),
        "problem": problems(code, diagnosis), "wall_ms": round(wall * 1000, 1),
        "server_duration_ms": diagnosis.get("duration_ms"), "aws_calls": stats["calls"],
        "max_depth": stats["max_depth"], "critical_path_ms": critical,
        "ratio": round(wall * 1000 / critical, 2) if critical else None,
    }))


def concurrent(url, n, prefix):
    keys = [f"{prefix}{i:0{20 - len(prefix)}d}" for i in range(n)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(lambda key: post(url, body(key)), keys))
    wall = time.perf_counter() - started
    errors = [p for p in (problems(code, d) for code, _, d in results) if p]
    latencies = sorted(w for _, w, _ in results)
    print(json.dumps({
        "diagnoses": n, "wall_s": round(wall, 2), "per_second": round(n / wall, 1),
        "errors": len(errors), "first_errors": errors[:3],
        "p50_ms": round(latencies[len(latencies) // 2] * 1000),
        "max_ms": round(latencies[-1] * 1000),
    }))


def wrk(path):
    text = open(path).read()
    out = {"requests_per_s": None, "p50": None, "p99": None, "errors": 0, "requests": None}
    for line in text.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            out["requests_per_s"] = float(words[1])
        elif words[:1] == ["50%"]:
            out["p50"] = words[1]
        elif words[:1] == ["99%"]:
            out["p99"] = words[1]
        elif "Non-2xx or 3xx responses:" in line:
            out["errors"] += int(words[-1])
        elif line.strip().startswith("Socket errors:"):
            out["errors"] += sum(int(w.strip(",")) for w in words if w.strip(",").isdigit())
        elif "requests in" in line:
            out["requests"] = int(words[0])
    print(json.dumps(out, separators=(",", ":")))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "body":
        print(body(*args))
    elif command == "cold":
        cold(args[0], args[1], args[2], int(args[3]))
    elif command == "concurrent":
        concurrent(args[0], int(args[1]), args[2])
    elif command == "wrk":
        wrk(args[0])
    else:
        sys.exit(__doc__)
