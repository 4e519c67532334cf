"""The parent's journey read: 50 entries of a child with 1,000 approved observations,
through the whole service (login token, agreement check, access log, one indexed query
of pre-rendered entries), against a bare Litestar endpoint returning the same JSON from
memory, in the same run; on SQLite and PostgreSQL. Target: at least 50% of the bare
endpoint's requests per second.

As in service, the session row is reused for up to a second while nothing changes (a
phone's burst of requests), so most requests here cost the page query and no session
query; the page itself is always read from the view.

Then the setting grows to 100,000 observations (other children's) and the same read is
timed again: it must not grow, because the view is indexed by child and paginated by a
keyset cursor (`journey_parent (child_id, sort_key)`).

    .venv/bin/python bench/journey_read.py [--requests 2000] [--total 100000] [--backend both]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from litestar import Litestar, get  # noqa: E402
from litestar.testing import TestClient  # noqa: E402

from adapters.bootstrap import Services, bootstrap  # noqa: E402
from adapters.http.app import create_app  # noqa: E402
from adapters.settings import Settings  # noqa: E402
from adapters.setup import set_up_setting  # noqa: E402
from bench._common import data_dir, fresh_postgres, row  # noqa: E402
from domain.actor import Actor  # noqa: E402

PER_CHILD = 1_000
PAGE = 50
PASSWORD = "bench-crayon-teapot-42"


def load_observations(services: Services, child_id, count: int, author: Actor,
                      manager: Actor, start: datetime) -> None:
    """`count` approved observations in one child's journey, saved in one go."""
    journey = services.app.repository.get(child_id)
    for i in range(count):
        at = start + timedelta(seconds=i)
        observation_id = uuid4()
        journey.submit_observation(
            observation_id, (start - timedelta(days=i % 7)).date(),
            f"The child builds tower {i} and counts the bricks.",
            [{"area": "mathematics", "aspect": "number"}], [], [], "More counting.",
            author, at)
        journey.approve(observation_id, 1, 1, {}, manager, at)
    services.app.save(journey)


def setting_with_family(services: Services) -> tuple[dict, Actor, Actor, str, object]:
    now = services.clock()
    made = set_up_setting(services, "Bench Nursery", f"m{uuid4().hex[:6]}@bench.test",
                          PASSWORD, "Bench Manager", open_all_hours=True)
    from uuid import UUID

    setting_id = UUID(made["setting_id"])
    manager = Actor(UUID(made["manager_id"]), setting_id, ("manager",))
    practitioner_account, _ = services.app.create_account(
        f"p{uuid4().hex[:6]}@bench.test", "Pat Practitioner", ["practitioner"], manager, now)
    practitioner = Actor(practitioner_account.id, setting_id, ("practitioner",))
    journey, _ = services.app.enrol_child("Ada", date(2024, 1, 1), "Rainbow",
                                          practitioner.account_id, manager, now)
    parent_account, _ = services.app.create_account(
        f"parent{uuid4().hex[:6]}@bench.test", "Ada's parent", ["parent"], manager, now)
    services.app.link_parent(journey.id, parent_account.id, "mother", manager, now)
    version, _ = services.app.publish_terms("We agree to the policy.", manager, now)
    parent = Actor(parent_account.id, setting_id, ("parent",), children=frozenset({journey.id}))
    position = services.app.sign_agreement(journey.id, version, parent, now)
    services.projections.wait_for(position)
    token = services.credentials.open_session(parent_account.id, now)
    return made, manager, practitioner, token, journey.id


def timed(client: TestClient, path: str, headers: dict, n: int) -> tuple[float, list[float]]:
    """(requests per second, per-request seconds) over n sequential requests."""
    times = []
    started = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        r = client.get(path, headers=headers)
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200, r.text
    return n / (time.perf_counter() - started), times


def run(settings: Settings, label: str, requests: int, total: int) -> dict:
    services = bootstrap(settings)
    try:
        made, manager, practitioner, token, child_id = setting_with_family(services)
        start = datetime.now(UTC) - timedelta(days=1)
        t0 = time.perf_counter()
        load_observations(services, child_id, PER_CHILD, practitioner, manager, start)
        services.projections.catch_up()
        print(f"  loaded {PER_CHILD:,} observations in {time.perf_counter() - t0:.1f} s")

        app = create_app(services)
        path = f"/children/{child_id}/journey?limit={PAGE}"
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(app=app) as client:
            body = client.get(path, headers=headers).json()
            assert len(body["items"]) == PAGE and body["next_cursor"]

            @get("/bare", sync_to_thread=True)
            def bare() -> dict:
                return body

            with TestClient(app=Litestar([bare])) as bare_client:
                results = {}
                for _ in range(2):  # interleaved rounds; keep the best of each
                    ours, ours_times = timed(client, path, headers, requests)
                    base, _ = timed(bare_client, "/bare", {}, requests)
                    results["ours"] = max(results.get("ours", 0), ours)
                    results["bare"] = max(results.get("bare", 0), base)
                print(f"  [{label}] parent journey read, 50 of 1,000 entries")
                row("bare Litestar endpoint, same JSON from memory", results["bare"], "req/s")
                row("service: GET /children/{id}/journey", results["ours"], "req/s",
                    results["bare"])
                small_latency = statistics.median(ours_times)
                small_query = query_time(services, child_id)

            others = max(0, (total - PER_CHILD) // PER_CHILD)
            t0 = time.perf_counter()
            for _ in range(others):
                other, _ = services.app.enrol_child("Other", date(2024, 1, 1), "Rainbow",
                                                    practitioner.account_id, manager,
                                                    services.clock())
                load_observations(services, other.id, PER_CHILD, practitioner, manager, start)
                services.projections.catch_up()
            grown = PER_CHILD * (others + 1)
            print(f"  grew the setting to {grown:,} observations in "
                  f"{time.perf_counter() - t0:.0f} s")
            ours, big_times = timed(client, path, headers, requests)
            big_latency = statistics.median(big_times)
            big_query = query_time(services, child_id)
            print(f"  median read: {small_latency * 1000:.2f} ms with {PER_CHILD:,} "
                  f"observations in the setting, {big_latency * 1000:.2f} ms with "
                  f"{grown:,} (x{big_latency / small_latency:.2f})")
            print(f"  the view query alone: {small_query * 1e6:.0f} us vs "
                  f"{big_query * 1e6:.0f} us (x{big_query / small_query:.2f})")
            return {"ratio": results["ours"] / results["bare"],
                    "growth": big_latency / small_latency}
    finally:
        services.close()


def query_time(services: Services, child_id) -> float:
    """Median seconds of the parent page query itself."""
    from projections.journey import parent_page

    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        parent_page(services.db, str(child_id), None, PAGE + 1)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # per-request logs would dominate the timing
    if args.backend in ("sqlite", "both"):
        with data_dir() as d:
            print("SQLite")
            run(Settings.from_env({"JOURNEY_DATA_DIR": str(d)}), "sqlite", args.requests,
                args.total)
    if args.backend in ("postgres", "both"):
        with fresh_postgres() as url, data_dir() as d:
            if url is None:
                print("PostgreSQL not reachable: skipped")
                return
            print("PostgreSQL")
            run(Settings.from_env({"JOURNEY_DATA_DIR": str(d), "JOURNEY_DATABASE_URL": url}),
                "postgres", args.requests, args.total)


if __name__ == "__main__":
    main()
