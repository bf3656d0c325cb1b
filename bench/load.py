#!/usr/bin/env python3
"""Helpers of bench/run (stdlib only): diagnoses against the service, the fake's stats, wrk output.

  load.py body KEY_ID [CONNECTOR_ID]          a POST /v1/diagnoses body (both connections, default regions)
  load.py cold URL FAKE_URL KEY_ID LATENCY_MS one cold diagnosis: wall time against the fake's critical path
  load.py concurrent URL N PREFIX [URL...]    N distinct connectors at once (spread over the URLs):
                                              diagnoses/s, 503s with Retry-After, errors
  load.py tenants URL N PREFIX                one tenant (token flood-token) sends N cold diagnoses at once,
                                              another (quiet-token) one diagnosis while they run: both
                                              tenants' latencies, 503s with Retry-After, errors
  load.py retest URL FAKE_URL KEY_ID N        N cold diagnoses (`refresh: true`) of one connector back to
                                              back: each one's wall time, its ratio to the first, the
                                              LookupEvents calls the fake saw during it, observed_window.to
  load.py bound FAKE_URL SHARE_PERCENT        the most calls of one account's API bucket and region that
                                              reached the fake in any second and in any budget period
  load.py organization URL FAKE_URL KEY_ID MOST DEADLINE_S SHARE_PERCENT
                                              an organization's administrator (fake-aws
                                              --organization-accounts): one diagnosis, then others
                                              with refresh until no member-region is not_checked (at
                                              most MOST): times, GetFindings calls, calls a second
  load.py wrk FILE                            requests/s, p50, p99, errors of a `wrk --latency` output
"""
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def body(key_id, connector_id=None, refresh=False):
    request = {
        "connector_id": connector_id or f"bench-{key_id.lower()}",
        "connections": ["security_auditing", "security_configuration"],
        "credentials": {"access_key_id": key_id,
                        "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYBENCHKEY0"},
    }
    if refresh:
        request["refresh"] = True
    return json.dumps(request)


def post(url, data, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url + "/v1/diagnoses", data=data.encode(),
                                     headers=headers, method="POST")
    started = time.perf_counter()
    retry_after = None
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            payload = response.read()
            code = response.status
    except urllib.error.HTTPError as error:
        payload, code = error.read(), error.code
        retry_after = error.headers.get("retry-after")
    wall = time.perf_counter() - started
    try:
        diagnosis = json.loads(payload)
    except ValueError:
        diagnosis = {}
    if retry_after is not None:
        diagnosis["__retry_after"] = retry_after
    return code, wall, diagnosis


def shed(code, diagnosis):
    """A 503 with a Retry-After of whole seconds: an honest refusal, not an error."""
    return code == 503 and str(diagnosis.get("__retry_after", "")).isdigit()


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


def lookup_events(fake_url):
    """The LookupEvents calls the fake has seen."""
    with urllib.request.urlopen(fake_url + "/__arrivals", timeout=30) as response:
        arrivals = json.load(response)["arrivals"]
    return sum(1 for _, _, operation, _, _ in arrivals if operation == "LookupEvents")


def retest(url, fake_url, key_id, n):
    """A user who tests a connector, and tests it again: N diagnoses of one connector, one after
    the other, each with `refresh: true` so that none is a cache hit."""
    data = json.loads(body(key_id))
    data["refresh"] = True
    runs = []
    for i in range(n):
        before = lookup_events(fake_url)
        code, wall, diagnosis = post(url, json.dumps(data))
        runs.append({
            "run": i + 1, "http": code, "status": diagnosis.get("status"),
            "problem": problems(code, diagnosis), "cached": diagnosis.get("cached"),
            "wall_ms": round(wall * 1000, 1), "lookup_events": lookup_events(fake_url) - before,
            "checked_at": diagnosis.get("checked_at"),
            "observed_to": (diagnosis.get("observed_window") or {}).get("to"),
        })
    for row in runs:
        row["ratio"] = round(row["wall_ms"] / runs[0]["wall_ms"], 2)
    print(json.dumps({"runs": runs}))


def concurrent(urls, n, prefix):
    """N connectors at once, spread over the replicas' URLs; a 503 with Retry-After is counted as
    shed, not as an error. Throughput is over the answered diagnoses, until the last one."""
    keys = [f"{prefix}{i:0{20 - len(prefix)}d}" for i in range(n)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(lambda ik: post(urls[ik[0] % len(urls)], body(ik[1])), enumerate(keys)))
    wall = time.perf_counter() - started
    answered = [(code, w, d) for code, w, d in results if not shed(code, d)]
    errors = [p for p in (problems(code, d) for code, _, d in answered) if p]
    sheds = [int(d["__retry_after"]) for code, _, d in results if shed(code, d)]
    latencies = sorted(w for _, w, _ in answered) or [0]
    last = latencies[-1]
    print(json.dumps({
        "diagnoses": n, "answered": len(answered), "shed": len(sheds),
        "retry_after_s": [min(sheds), max(sheds)] if sheds else None,
        "wall_s": round(wall, 2), "answered_until_s": round(last, 2),
        "per_second": round(len(answered) / last, 1) if last else 0,
        "errors": len(errors), "first_errors": errors[:3],
        "p50_ms": round(latencies[len(latencies) // 2] * 1000),
        "max_ms": round(last * 1000),
    }))


def tenants(url, n, prefix, quiet_after_s=0.5):
    """N cold diagnoses of tenant `flood` at once; `quiet_after_s` later, while they run, one of
    tenant `quiet`. Admission is fair per replica: the quiet tenant's latency should stay within
    half the deadline, whatever the flood."""
    keys = [f"{prefix}{i:0{20 - len(prefix)}d}" for i in range(n)]
    quiet_key = f"{prefix[:4]}QUIET{0:0{20 - len(prefix[:4]) - 5}d}"
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n + 1) as pool:
        flood = [pool.submit(post, url, body(key), "flood-token") for key in keys]
        time.sleep(quiet_after_s)
        quiet_code, quiet_wall, quiet_diagnosis = post(url, body(quiet_key), "quiet-token")
        results = [f.result() for f in flood]
    wall = time.perf_counter() - started
    answered = [(code, w, d) for code, w, d in results if not shed(code, d)]
    sheds = [int(d["__retry_after"]) for code, _, d in results if shed(code, d)]
    errors = [p for p in (problems(code, d) for code, _, d in answered) if p]
    latencies = sorted(w for _, w, _ in answered) or [0]
    print(json.dumps({
        "flood": n, "flood_answered": len(answered), "flood_shed": len(sheds),
        "flood_retry_after_s": [min(sheds), max(sheds)] if sheds else None,
        "flood_errors": len(errors), "flood_first_errors": errors[:3],
        "flood_p50_ms": round(latencies[len(latencies) // 2] * 1000),
        "flood_max_ms": round(latencies[-1] * 1000),
        "quiet_http": quiet_code, "quiet_ms": round(quiet_wall * 1000),
        "quiet_problem": problems(quiet_code, quiet_diagnosis) if not shed(quiet_code, quiet_diagnosis)
        else f"shed, Retry-After {quiet_diagnosis['__retry_after']}",
        "wall_s": round(wall, 2),
    }))


# The buckets of src/probes/aws_rates.rs, by SigV4 service (CloudWatch signs as `monitoring`):
# (service, operation) -> (bucket, AWS's calls per second).
def bucket(service, operation):
    if service == "cloudtrail":
        return ("cloudtrail:LookupEvents", 2) if operation == "LookupEvents" else ("cloudtrail:read", 10)
    if service == "securityhub":
        return ("securityhub:GetFindings", 3) if operation == "GetFindings" else ("securityhub:read", 10)
    if service == "monitoring":
        return ("cloudwatch:DescribeAlarms", 9)
    return (f"{service}:read", 10)


def most_within(times, span_ms):
    times = sorted(times)
    most, first = 0, 0
    for last in range(len(times)):
        while times[last] - times[first] >= span_ms:
            first += 1
        most = max(most, last - first + 1)
    return most


def bound(fake_url, share):
    with urllib.request.urlopen(fake_url + "/__arrivals", timeout=30) as response:
        arrivals = json.load(response)["arrivals"]
    period_ms = 1100 * 100 / share
    by = {}
    for account, service, operation, region, at in arrivals:
        name, rate = bucket(service, operation)
        by.setdefault((account, name, region, rate), []).append(at)
    rows = {}
    for (account, name, region, rate), times in by.items():
        row = rows.setdefault(name, {"bucket": name, "aws_per_s": rate, "calls": 0,
                                     "most_in_1s": 0, "most_in_period": 0, "mean_per_s": 0})
        row["calls"] += len(times)
        row["most_in_1s"] = max(row["most_in_1s"], most_within(times, 1000))
        row["most_in_period"] = max(row["most_in_period"], most_within(times, period_ms))
        # The long-run rate, where the calls outlast one burst: the calls after the first
        # second's worth, over the time from the first to the last.
        span_s = (max(times) - min(times)) / 1000
        if len(times) > 2 * rate and span_s > 0:
            row["mean_per_s"] = max(row["mean_per_s"], round((len(times) - rate) / span_s, 2))
    print(json.dumps({"period_ms": period_ms, "accounts": len({a for a, *_ in by}),
                      "buckets": sorted(rows.values(), key=lambda r: r["bucket"])}))


def findings_calls(fake_url):
    with urllib.request.urlopen(fake_url + "/__findings", timeout=30) as response:
        return json.load(response)["calls"]


def organization(url, fake_url, key_id, most, deadline_s, share):
    """One administrator's diagnoses, the first cold, then with `refresh` one after another until
    the map has no `not_checked` member-region (at most `most`); per diagnosis its time, its
    member-regions by coverage and the GetFindings calls the fake saw meanwhile (the
    account-regions of its data-flow reads, and how many of them an earlier diagnosis had read
    already); then, over all of them, the most GetFindings calls of one signed region in any
    second and in any budget period (AWS allows 3 a second per account and region)."""
    diagnoses, read_before, seen = [], set(), 0
    for n in range(most):
        code, wall, diagnosis = post(url, body(key_id, "bench-organization", refresh=n > 0))
        time.sleep(0.5)  # calls cut by the deadline still reach the fake a latency later
        calls = findings_calls(fake_url)
        mine, seen = calls[seen:], len(calls)
        flow = [c for c in mine if c["accounts"] and not c["control"]]
        cells = {(a, o) for c in flow for a in c["accounts"] for o in c["origins"]}
        organization = diagnosis.get("organization") or {}
        regions = organization.get("member_regions") or {}
        diagnoses.append({
            "n": n + 1, "http": code, "status": diagnosis.get("status"),
            "wall_ms": round(wall * 1000), "duration_ms": diagnosis.get("duration_ms"),
            "role": organization.get("role"), "accounts_total": organization.get("accounts_total"),
            "member_regions": regions, "not_checked": regions.get("not_checked"),
            "get_findings": len(mine), "flow_reads": len(flow),
            "config_reads": sum(1 for c in mine if c["control"]),
            "unfiltered_reads": sum(1 for c in mine if not c["accounts"]),
            "cells_read": len(cells), "cells_read_before": len(cells & read_before),
            "signed_regions": sorted({c["region"] for c in mine}),
            "flow_signed_regions": sorted({c["region"] for c in flow}),
            "finding_codes": sorted({f.get("code") for f in diagnosis.get("findings", [])}),
        })
        read_before |= cells
        print(json.dumps(diagnoses[-1]), file=sys.stderr)
        if code != 200 or regions.get("not_checked") in (0, None):
            break
    calls = findings_calls(fake_url)
    period_ms = 1100 * 100 / share
    by_region = {}
    for call in calls:
        by_region.setdefault(call["region"], []).append(call["at_ms"])
    rates = []
    for region, times in sorted(by_region.items()):
        span_s = (max(times) - min(times)) / 1000
        rates.append({"region": region, "calls": len(times), "most_in_1s": most_within(times, 1000),
                      "most_in_period": most_within(times, period_ms),
                      "mean_per_s": round((len(times) - 3) / span_s, 2) if len(times) > 6 and span_s else None})
    first = diagnoses[0]
    member_regions_total = sum(first["member_regions"].values()) if first["member_regions"] else None
    print(json.dumps({
        "deadline_s": deadline_s, "period_ms": period_ms, "diagnoses": diagnoses,
        "complete": diagnoses[-1]["not_checked"] == 0,
        "complete_after": diagnoses[-1]["n"] if diagnoses[-1]["not_checked"] == 0 else None,
        "member_regions_total": member_regions_total,
        "cells_read_total": len(read_before),
        "get_findings_total": len(calls),
        "rates": rates, "most_in_1s": max((r["most_in_1s"] for r in rates), default=0),
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
        concurrent([args[0], *args[3:]], int(args[1]), args[2])
    elif command == "tenants":
        tenants(args[0], int(args[1]), args[2])
    elif command == "retest":
        retest(args[0], args[1], args[2], int(args[3]))
    elif command == "bound":
        bound(args[0], float(args[1]))
    elif command == "organization":
        organization(args[0], args[1], args[2], int(args[3]), float(args[4]), float(args[5]))
    elif command == "wrk":
        wrk(args[0])
    else:
        sys.exit(__doc__)
