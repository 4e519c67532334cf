"""Schemathesis against a live `journey serve` process, as a parent, a practitioner and a
manager, with every check but one on (issue 16): no 5xx, no response that does not match
`/schema`, no status code it does not declare, no content type it does not declare,
`Allow` complete, schema-invalid input refused, no auth ignored.

`positive_data_acceptance` is off: the contract answers `400` naming the field for input
that is well-formed but means nothing here (a key person who is not staff, a password
too short, a cursor we did not give), which that check would count as a failure.

Bounded: a fixed seed, a few examples per operation and a time budget per role. It runs
on SQLite only: it tests the HTTP edge, which is the same over either store (the
storage tests cover PostgreSQL).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.live import people, start

ROLES = ("parent", "practitioner", "manager")  # the manager last: it may change hours
SECONDS_PER_ROLE = 30


@pytest.fixture
def live(tmp_path):
    process, made = start(tmp_path, None)
    try:
        yield people(made), made["log"]
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_schemathesis_finds_nothing_as_each_role(live):
    nursery, log = live
    failures = []
    for role in ROLES:
        headers = [arg for name, value in nursery.headers[role].items()
                   for arg in ("-H", f"{name}: {value}")]
        done = subprocess.run(
            [sys.executable, "-m", "tests.schemathesis_cli", "run", f"{nursery.url}/schema",
             *headers, "--checks", "all", "--exclude-checks", "positive_data_acceptance",
             "--exclude-path", "/auth/logout", "--exclude-path", "/setting/terminate",
             "--max-examples", "5", "--seed", "1",
             "--workers", "2", "--max-time", str(SECONDS_PER_ROLE), "--no-shrink",
             "--output-truncate", "true", "--request-timeout", "30"],
            capture_output=True, text=True, timeout=600)  # --max-time bounds it
        if done.returncode != 0:
            failures.append(f"as {role}:\n" + _what_failed(done.stdout) + done.stderr[-2000:])
    served = log.read_text()
    assert "unhandled error" not in served, served[-4000:]
    assert failures == [], "\n\n".join(failures)


def _what_failed(output: str) -> str:
    """The failures themselves (the summary after them says little), at most 12,000
    characters."""
    start = output.find("FAILURES")
    return output[start if start >= 0 else -6000:][:12000]
