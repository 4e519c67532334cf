"""The compliance report of a setting of 100 children with a year of records (issue 14:
under 200 ms), on SQLite and PostgreSQL, measured against a real server.

The history is recorded through the application's own commands, each at its moment of
the past year: per child, observations twice a week (some uploaded more than a week
late, some left waiting for moderation) and a few diary entries every weekday, with the
session ended (some entries after it), plus an incident a month. Then `journey serve`
runs as a subprocess on that data and `wrk` (/usr/bin/wrk) asks for the year's report
with a manager's token, next to `GET /health` on the same server in the same run (the
server software with nothing behind it).

    .venv/bin/python bench/compliance_report.py [--children 100] [--weeks 52]
                                               [--backends sqlite,postgres] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import data_dir, fresh_postgres  # noqa: E402
from bench.diary_record import Client, free_port, start_server  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
PASSWORD = "quill-harbour-88"
TODAY = date(2026, 11, 27)  # a Friday


def seed(env: dict[str, str], children: int, weeks: int) -> tuple[str, str]:
    """Record the history; returns (manager e-mail, office device token)."""
    from tqdm import tqdm

    from adapters.bootstrap import bootstrap
    from adapters.settings import Settings
    from adapters.setup import set_up_setting
    from domain.actor import Actor

    services = bootstrap(Settings.from_env(env))
    try:
        made = set_up_setting(services, "Bench Nursery", "manager@bench.test", PASSWORD,
                              "Morgan Manager", open_all_hours=True)
        manager = Actor(account_id=_uuid(made["manager_id"]),
                        setting_id=_uuid(made["setting_id"]), roles=("manager",))
        app, rng = services.app, random.Random(7)
        start = TODAY - timedelta(weeks=weeks)
        kids = []
        for i in range(children):
            journey, _ = app.enrol_child(f"Child {i:03}", date(2023, 1 + i % 12, 1),
                                         ("Rainbow", "Sunshine", "Acorns")[i % 3],
                                         manager.account_id, manager,
                                         datetime.combine(start, datetime.min.time(), UTC))
            kids.append(journey.id)
        days = [start + timedelta(days=d) for d in range((TODAY - start).days)]
        position = 0
        for day in tqdm(days, desc="a year of records", unit="day", file=sys.stderr):
            if day.weekday() >= 5:
                continue
            evening = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=17)
            for n, child in enumerate(kids):
                noon = evening - timedelta(hours=5)
                for hour, entry in ((9, {"kind": "nappy", "state": "wet"}),
                                    (12, {"kind": "meal", "meal": "lunch", "food": "Pasta",
                                          "amount": "most"})):
                    at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour)
                    position = app.record_diary_entry(
                        child, manager.setting_id, day, {**entry, "at": at.isoformat()},
                        "Europe/London", manager, noon).position
                position = app.end_diary_session(child, manager.setting_id, day,
                                                 "Europe/London", manager, evening)
                if rng.random() < 0.05:  # recorded after the end of session
                    position = app.record_diary_entry(
                        child, manager.setting_id, day,
                        {"kind": "drink", "drink": "water", "ml": 100,
                         "at": noon.isoformat()}, "Europe/London", manager,
                        evening + timedelta(minutes=30)).position
                if day.weekday() in (1, 3):
                    late = rng.random() < 0.15
                    observed = day - timedelta(days=rng.randint(8, 20) if late else 0)
                    saved = app.submit_observation(
                        child, observed, "Counts the blocks aloud.",
                        [{"area": "mathematics", "aspect": "number"}], [], [],
                        "More counting.", manager, noon)
                    observation, position = saved.observation_id, saved.position
                    if rng.random() < 0.9:
                        position = app.approve_observation(child, observation, 1, 1, manager,
                                                           noon + timedelta(hours=1))
                if day.day == 15 and n % 4 == 0:
                    position = app.record_diary_entry(
                        child, manager.setting_id, day,
                        {"kind": "incident", "at": noon.isoformat(), "what": "Tripped",
                         "injury": "Grazed knee", "first_aid": "Cleaned",
                         "by": str(manager.account_id)}, "Europe/London", manager,
                        noon).position
        services.projections.catch_up()  # a year at once: longer than a write's wait
        print(f"  recorded {position:,} events", file=sys.stderr)
        return "manager@bench.test", made["device_token"]
    finally:
        services.close()


def _uuid(text: str):
    from uuid import UUID

    return UUID(text)


def wrk(port: int, path: str, headers: dict[str, str], seconds: int) -> dict:
    command = [WRK, "-t2", "-c4", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], check=True,
                         capture_output=True, text=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": percentiles.get("50"), "p99": percentiles.get("99"),
            "non_2xx": int(errors.group(1)) if errors else 0}


def run(backend: str, env: dict[str, str], args: argparse.Namespace) -> None:
    email, device = seed(env, args.children, args.weeks)
    port = free_port()
    server = start_server(env, port, 1)
    try:
        status, body = Client(port).call("POST", "/auth/login",
                                         {"email": email, "password": PASSWORD})
        assert status == 200, body
        headers = {"Authorization": f"Bearer {body['token']}", "X-Device-Token": device}
        year = f"/reports/compliance?from={TODAY - timedelta(weeks=args.weeks)}&to={TODAY}"
        status, report = Client(port, body["token"], device).call("GET", year)
        assert status == 200, report
        bare = wrk(port, "/health", {}, args.seconds)
        measured = wrk(port, year, headers, args.seconds)
        print(f"{backend}: {args.children} children, {args.weeks} weeks; late observations "
              f"{len(report['late_observations'])}, late diary entries "
              f"{len(report['late_diary_entries'])}, backlog "
              f"{report['moderation_backlog']['count']}; load average "
              f"{os.getloadavg()[0]:.1f}")
        print(f"  bare GET /health        {bare['rate']:>9,.0f} req/s  p50 {bare['p50']}  "
              f"p99 {bare['p99']}")
        print(f"  the year's report       {measured['rate']:>9,.1f} req/s  p50 "
              f"{measured['p50']}  p99 {measured['p99']}  (non-2xx {measured['non_2xx']})")
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=100)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        with data_dir() as directory, fresh_postgres() as url:
            env = {**os.environ, "JOURNEY_DATA_DIR": str(directory), "JOURNEY_LOG_LEVEL": "WARNING"}
            env.pop("JOURNEY_MEDIA_URL", None)
            if backend == "postgres":
                if url is None:
                    raise SystemExit("PostgreSQL is not reachable at JOURNEY_TEST_POSTGRES")
                env["JOURNEY_DATABASE_URL"] = url
            else:
                env.pop("JOURNEY_DATABASE_URL", None)
            run(backend, env, args)


if __name__ == "__main__":
    main()
