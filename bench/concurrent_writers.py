"""Fifty tablets writing to one child at once: the share of `409`s (target 0) next to the
throughput, on SQLite and PostgreSQL (issue 22 #3, #4).

A real server (`journey serve`) runs as a subprocess on a fresh data directory (and a
fresh PostgreSQL database that this bench creates and drops). `wrk` (/usr/bin/wrk)
keeps 50 connections busy for `--seconds` with `bench/wrk/post_counting.lua`, which
sends each request with its own `Idempotency-Key` and counts the answers by status:

- **one child's day**: `POST /children/{id}/diary/{today}/entries` (a drink), every
  connection on the same child and date;
- **one child's journey**: `POST /children/{id}/observations` (a new observation),
  every connection on the same child.

The bare baseline is `GET /health` on the same server in the same run: the server
software with no command behind it.

    .venv/bin/python bench/concurrent_writers.py [--connections 50] [--seconds 10]
                                                 [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import data_dir, fresh_postgres  # noqa: E402
from bench.diary_record import (  # noqa: E402
    PASSWORD,
    Client,
    free_port,
    set_up_nursery,
    start_server,
)  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
SCRIPT = ROOT / "bench" / "wrk" / "post_counting.lua"


def wrk(port: int, path: str, connections: int, seconds: int, env: dict[str, str],
        body: dict | None = None) -> dict:
    """Run wrk; requests per second, statuses and latency percentiles (ms)."""
    command = [WRK, f"-t{min(4, connections)}", f"-c{connections}", f"-d{seconds}s",
               "--timeout", "60s", "--latency"]
    if body is not None:
        command += ["-s", str(SCRIPT)]
    run_env = {**os.environ, **env, "BENCH_PATH": path, "BENCH_BODY": json.dumps(body or {})}
    out = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], env=run_env,
                         check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    statuses = json.loads(re.search(r"STATUSES (\{.*\})", out).group(1)) \
        if body is not None else {}
    latency = json.loads(re.search(r"LATENCY (\{.*\})", out).group(1)) \
        if body is not None else {}
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rate": rate, "statuses": statuses, "latency": latency,
            "errors": errors.group(1).strip() if errors else ""}


def line(label: str, result: dict, bare: float | None) -> None:
    statuses = result["statuses"]
    total = sum(statuses.values())
    conflicts = statuses.get("409", 0)
    share = f"{conflicts / total:6.1%}" if total else "   n/a"
    of_bare = f"({result['rate'] / bare:6.1%} of bare)" if bare else ""
    latency = result["latency"]
    timing = (f"p50 {latency['p50'] / 1000:6.1f} ms  p99 {latency['p99'] / 1000:6.1f} ms"
              if latency else "")
    print(f"  {label:<22} {result['rate']:>8,.0f} req/s {of_bare:<18} 409: {share} "
          f"of {total:>6}  {timing}  statuses {json.dumps(statuses, sort_keys=True)}"
          + (f"  socket errors: {result['errors']}" if result["errors"] else ""))


def bench(backend: str, directory: Path, url: str | None, connections: int,
          seconds: int) -> None:
    env = {**os.environ, "JOURNEY_DATA_DIR": str(directory), "JOURNEY_LOG_LEVEL": "WARNING"}
    env.pop("JOURNEY_MEDIA_URL", None)
    env.pop("JOURNEY_DATABASE_URL", None)
    if url:
        env["JOURNEY_DATABASE_URL"] = url
    made = set_up_nursery(env)
    port = free_port()
    server = start_server(env, port, 1)
    try:
        status, logged_in = Client(port).call("POST", "/auth/login", {
            "email": "manager@bench.test", "password": PASSWORD})
        assert status == 200, logged_in
        token, device = logged_in["token"], made["device_token"]
        status, child = Client(port, token, device).call("POST", "/children", {
            "name": "Ada Lovelace", "date_of_birth": "2023-05-01", "room": "Rainbow",
            "key_person_id": made["manager_id"]})
        assert status == 201, child
        child_id = child["child_id"]
        london = ZoneInfo("Europe/London")
        today = datetime.now(UTC).astimezone(london).date()
        moment = max(datetime(today.year, today.month, today.day, tzinfo=london),
                     datetime.now(UTC) - timedelta(minutes=1))
        secrets = {"BENCH_TOKEN": token, "BENCH_DEVICE": device}
        print(f"{backend}: {connections} connections, {seconds} s each (wrk)")
        bare = wrk(port, "/health", connections, seconds, secrets)
        line("bare GET /health", bare, None)
        day = wrk(port, f"/children/{child_id}/diary/{today.isoformat()}/entries",
                  connections, seconds, secrets,
                  {"kind": "drink", "drink": "Water", "ml": 120,
                   "at": moment.isoformat()})
        line("one child's day", day, bare["rate"])
        journey = wrk(port, f"/children/{child_id}/observations", connections, seconds,
                      secrets, {"observed_on": today.isoformat(),
                                "text": "Ada built a tower of six bricks and counted them.",
                                "framework": [{"area": "mathematics"}], "media": [],
                                "children": []})
        line("one child's journey", journey, bare["rate"])
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        with data_dir() as directory:
            if backend == "sqlite":
                bench(backend, directory, None, args.connections, args.seconds)
                continue
            with fresh_postgres() as url:
                if url is None:
                    print("postgres: not reachable, skipped")
                    continue
                bench(backend, directory, url, args.connections, args.seconds)


if __name__ == "__main__":
    main()
