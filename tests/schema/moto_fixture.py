"""The fixture the contract and report-page tests share: moto's server as AWS (imported by name
into each test module; not a conftest.py, whose module name tests/deploy already takes)."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from test_schemathesis import stop


@pytest.fixture(scope="module")
def moto():
    """moto's server on port 0; it prints the address it got ("Running on http://...")."""
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-p", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    announced: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            found = re.search(rb"Running on (http://127\.0\.0\.1:\d+)", line)
            if found:
                announced.put(found.group(1).decode())
        announced.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        url = announced.get(timeout=60)
    except queue.Empty:
        url = None
    if url is None:
        stop(process)
        pytest.fail("moto_server announced no address")
    yield url
    stop(process)
