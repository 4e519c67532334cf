"""The parent's journey as a web page against the same journey as JSON, under the same
load (issue 17): a child with 1,000 approved observations, each read through the whole
service (session, agreement check, access log, the same indexed query of pre-rendered
entries), the page rendering one page of entries (20) to HTML, the API answering the
same 20 as JSON. Interleaved rounds, best of each. Target: the page at least 70% of the
JSON's requests per second.

    .venv/bin/python bench/journey_page.py [--requests 1000] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from litestar.testing import TestClient  # noqa: E402

from adapters.bootstrap import bootstrap  # noqa: E402
from adapters.http.app import create_app  # noqa: E402
from adapters.http.web.family import PAGE_SIZE  # noqa: E402
from adapters.settings import Settings  # noqa: E402
from bench._common import data_dir, fresh_postgres, row  # noqa: E402
from bench.journey_read import PER_CHILD, load_observations, setting_with_family  # noqa: E402

TARGET = 0.70


def timed(client: TestClient, path: str, n: int, **kw) -> float:
    started = time.perf_counter()
    for _ in range(n):
        r = client.get(path, **kw)
        assert r.status_code == 200, r.text
    return n / (time.perf_counter() - started)


def run(settings: Settings, label: str, requests: int) -> float:
    services = bootstrap(settings)
    try:
        _, manager, practitioner, token, child_id = setting_with_family(services)
        load_observations(services, child_id, PER_CHILD, practitioner, manager,
                          datetime.now(UTC) - timedelta(days=1))
        services.projections.catch_up()
        app = create_app(services)
        json_path = f"/children/{child_id}/journey?limit={PAGE_SIZE}"
        page_path = f"/journey/{child_id}"
        with TestClient(app=app) as client:
            bearer = {"headers": {"Authorization": f"Bearer {token}"}}
            client.cookies.set("journey_session", token)
            page = client.get(page_path)
            assert page.status_code == 200 and page.text.count("<article") == PAGE_SIZE
            assert len(client.get(json_path, **bearer).json()["items"]) == PAGE_SIZE
            best = {"json": 0.0, "page": 0.0}
            for _ in range(3):
                best["json"] = max(best["json"], timed(client, json_path, requests, **bearer))
                best["page"] = max(best["page"], timed(client, page_path, requests))
        print(f"  [{label}] parent journey, {PAGE_SIZE} of {PER_CHILD:,} entries")
        row("JSON: GET /children/{id}/journey", best["json"], "req/s")
        ratio = best["page"] / best["json"]
        print(f"  {'HTML: GET /journey/{id}':<52}{best['page']:>10.0f} req/s  "
              f"({ratio:6.1%} of the JSON; target {TARGET:.0%})")
        return ratio
    finally:
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    ratios = []
    if args.backend in ("sqlite", "both"):
        with data_dir() as d:
            ratios.append(run(Settings.from_env({"JOURNEY_DATA_DIR": str(d)}), "sqlite",
                              args.requests))
    if args.backend in ("postgres", "both"):
        with fresh_postgres() as url, data_dir() as d:
            if url is None:
                print("PostgreSQL not reachable: skipped")
            else:
                ratios.append(run(Settings.from_env({"JOURNEY_DATA_DIR": str(d),
                                                     "JOURNEY_DATABASE_URL": url}),
                                  "postgres", args.requests))
    if ratios and min(ratios) < TARGET:
        sys.exit(f"the page is below {TARGET:.0%} of the JSON")


if __name__ == "__main__":
    main()
