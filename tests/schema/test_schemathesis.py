"""Schema-driven fuzzing of the running service with schemathesis.

Starts ``target/debug/connector-doctor`` (build it first: ``cargo build``) with API tokens on, every
AWS call sent to a loopback port nobody listens on (diagnoses still answer 200: AWS_UNREACHABLE),
short deadlines and no effective rate limit, then runs ``schemathesis run`` against its
``/openapi.json``: no 500, no undocumented status code, content types, headers and bodies matching
the schema.

Environment:
    FUZZ_MAX_EXAMPLES  test cases per operation (default 15: a CI run well under a minute)
    FUZZ_MAX_TIME      optional time budget in seconds for the whole run (scripts/fuzz-api)
    FUZZ_PHASES        schemathesis phases (default examples,coverage,fuzzing)
    FUZZ_CHECKS        schemathesis checks (default: server errors, status codes, content types,
                       headers and bodies against the schema)
    FUZZ_SEED          the seed (default random; printed in the output to reproduce a run)
    CONNECTOR_DOCTOR_BIN  the binary (default target/debug/connector-doctor of the repo)
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("CONNECTOR_DOCTOR_BIN", REPO / "target" / "debug" / "connector-doctor"))
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def free_port() -> int:
    """A loopback port nobody listens on (for the unreachable AWS endpoint)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_address(line: bytes) -> str | None:
    """The address of the JSON log line ``connector-doctor listening``, if it is that line."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    fields = record.get("fields") if isinstance(record, dict) else None
    if isinstance(fields, dict) and fields.get("message") == "connector-doctor listening":
        return fields.get("address")
    return None


def start_listening(command: list[str], env: dict, limit: float = 30.0):
    """Starts the service (bound to port 0, JSON logs); returns it, the address it logged and a
    function giving its output so far.

    A thread reads its output for as long as it runs, so it never blocks on a full pipe.
    """
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    announced: queue.Queue[str | None] = queue.Queue()
    lines: list[bytes] = []

    def read() -> None:
        for line in process.stdout:
            lines.append(line)
            address = listening_address(line)
            if address:
                announced.put(address)
        announced.put(None)

    def output() -> str:
        return b"".join(lines).decode(errors="replace")

    threading.Thread(target=read, daemon=True).start()
    try:
        address = announced.get(timeout=limit)
    except queue.Empty:
        address = None
    if address is None:
        process.kill()
        process.wait()
        raise AssertionError(f"connector-doctor announced no address within {limit}s:\n{output()}")
    return process, address, output


@pytest.fixture()
def service():
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run `cargo build` first")
    token = secrets.token_urlsafe(24)
    unreachable_aws = f"http://127.0.0.1:{free_port()}"
    process, address, output = start_listening(
        [
            str(BINARY),
            "--listen", "127.0.0.1:0",
            "--log-format", "json",
            "--api-tokens", f"tenant:{token}",
            # With caller tokens metrics have a listener of their own; not the shared default port.
            "--metrics-listen", f"127.0.0.1:{free_port()}",
            "--aws-endpoint-url", unreachable_aws,
            "--aws-call-timeout", "1s",
            "--aws-connect-timeout", "1s",
            "--diagnosis-deadline", "2s",
            "--rate-limit-per-minute", "100000",
            "--rate-limit-burst", "100000",
            "--max-cold-diagnoses", "256",
            "--refresh-floor", "0s",
        ],
        {**os.environ, "RUST_LOG": "info"},
    )
    base = f"http://{address}"
    try:
        yield base, token, process, output
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stops a child as an orchestrator would: SIGTERM, then SIGKILL after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_every_operation_conforms_to_the_openapi_document(service):
    base, token, process, output = service
    report = Path(tempfile.mkdtemp(prefix="schemathesis-"))
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base}/openapi.json",
        "--url", base,
        "--header", f"Authorization: Bearer {token}",
        "--checks", os.environ.get("FUZZ_CHECKS", CHECKS),
        "--phases", os.environ.get("FUZZ_PHASES", "examples,coverage,fuzzing"),
        "--max-examples", os.environ.get("FUZZ_MAX_EXAMPLES", "15"),
        # One worker: CPython 3.11 compiles in two threads at once unsafely ("AST constructor
        # recursion depth mismatch" inside hypothesis), which aborts a run that found nothing.
        "--workers", "1",
        "--request-timeout", "20",
        "--seed", os.environ.get("FUZZ_SEED", str(secrets.randbelow(2**31))),
        "--suppress-health-check", "all",
        "--report", "junit",
        "--report-dir", str(report),
        "--no-color",
    ]
    if "FUZZ_MAX_TIME" in os.environ:
        command += ["--max-time", os.environ["FUZZ_MAX_TIME"]]
    run = subprocess.run(
        command, capture_output=True, text=True, cwd=report, env={**os.environ, "NO_COLOR": "1"}
    )
    print(run.stdout[-20000:])
    print(run.stderr[-5000:], file=sys.stderr)
    assert process.poll() is None, "the service is still running"
    written = output()
    assert "panicked" not in written, written[-5000:]
    assert run.returncode == 0, f"schemathesis found problems (exit {run.returncode}); see the output above"
