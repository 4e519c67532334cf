"""What growing the audit trail and its Merkle tree costs a diary write (issue 12's
target: under 10 % of the rate).

The same requests (`POST /children/{id}/diary/{date}/entries` through the app in
process, each waiting for the views as in service) against two services on fresh
PostgreSQL databases, one with the audit view and one without it, in alternating rounds
of the same run.

    .venv/bin/python bench/audit_diary_cost.py [--entries 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from litestar.testing import TestClient  # noqa: E402

import adapters.bootstrap as composition  # noqa: E402
from adapters.http.app import create_app  # noqa: E402
from adapters.settings import Settings  # noqa: E402
from adapters.setup import set_up_setting  # noqa: E402
from bench._common import data_dir, fresh_postgres, row  # noqa: E402
from projections.audit import AuditView  # noqa: E402
from projections.registry import all_projections  # noqa: E402

PASSWORD = "a-long-password-1"


def nursery(stack: ExitStack, audited: bool) -> tuple[TestClient, dict, str]:
    """A served setting with one child; (client, headers, diary path)."""
    url = stack.enter_context(fresh_postgres())
    directory = stack.enter_context(data_dir())
    if url is None:
        raise SystemExit("PostgreSQL is not reachable (JOURNEY_TEST_POSTGRES).")
    chosen = all_projections if audited else (
        lambda: [p for p in all_projections() if not isinstance(p, AuditView)])
    composition.all_projections = chosen
    services = composition.bootstrap(Settings.from_env(
        {"JOURNEY_DATA_DIR": str(directory), "JOURNEY_DATABASE_URL": url}))
    stack.callback(services.close)
    made = set_up_setting(services, "Bench", "m@bench.test", PASSWORD, "Mo", True)
    client = stack.enter_context(TestClient(app=create_app(services)))
    token = client.post("/auth/login", json={"email": "m@bench.test",
                                             "password": PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}", "X-Device-Token": made["device_token"]}
    child = client.post("/children", headers=headers, json={
        "name": "Ada Lovelace", "date_of_birth": "2023-03-01", "room": "Rainbow",
        "key_person_id": made["manager_id"]}).json()["child_id"]
    day = services.clock().date().isoformat()
    return client, headers, f"/children/{child}/diary/{day}/entries"


def writes(client: TestClient, headers: dict, path: str, count: int) -> float:
    """Diary entries recorded per second."""
    started = time.perf_counter()
    for i in range(count):
        r = client.post(path, headers=headers, json={
            "kind": "drink", "drink": "Milk", "ml": 100 + i % 50, "at": "12:00"})
        assert r.status_code == 201, r.text
    return count / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rates: dict[bool, list[float]] = {False: [], True: []}
    with ExitStack() as stack:
        served = {audited: nursery(stack, audited) for audited in (False, True)}
        for audited in (False, True):
            writes(*served[audited], 20)  # warm up
        for _ in range(args.rounds):
            for audited in (False, True):
                rates[audited].append(writes(*served[audited], args.entries))
    without, with_audit = max(rates[False]), max(rates[True])
    print(f"diary writes in process, PostgreSQL, best of {args.rounds} rounds of "
          f"{args.entries} (load: {', '.join(f'{x:.1f}' for x in os.getloadavg())})")
    row("without the audit view", without, "writes/s")
    row("with the audit view and its Merkle tree", with_audit, "writes/s", without)
    return 0


if __name__ == "__main__":
    sys.exit(main())
