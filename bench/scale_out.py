"""Issue 19's figures against a real server under a real load: `journey serve
--workers 1` and `--workers 2`, driven by `wrk` (Debian's, another process) at 32
connections, next to bare baselines with the same number of processes, on SQLite and
PostgreSQL.

- **parent journey page**: `GET /children/{id}/journey?limit=50` of a child with 300
  approved observations, as the parent; the bare baseline is a Litestar endpoint
  serving the very same bytes on the same ASGI server (uvicorn, same workers).
  Target: at least 50% of the bare endpoint, p99 under 50 ms.
- **diary entry**: `POST /children/{id}/diary/{today}/entries` (a drink) spread over
  60 children, each request with its own `Idempotency-Key`; the bare baseline is the
  eventsourcing library saving one event per call from 32 threads to its own store of
  the same engine. Targets: SQLite at least 60% of the bare append, PostgreSQL at least
  2x, p99 under 50 ms.

The machine is shared: the figures are indicative; the ratios are what to read.

    .venv/bin/python bench/scale_out.py [--seconds 10] [--connections 32]
                                        [--workers 1,2] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from litestar import Litestar, Response, get  # noqa: E402

from adapters.settings import Settings  # noqa: E402
from adapters.storage.event_store import event_store_env  # noqa: E402
from bench._common import data_dir, fresh_postgres  # noqa: E402
from bench.diary_record import BareApp, BareDiary, Client, free_port  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
SCRIPT = ROOT / "bench" / "wrk" / "diary_children.lua"
OBSERVATIONS, CHILDREN, PAGE = 300, 60, 50


def bare_app() -> object:
    """A Litestar app serving BENCH_PAGE_FILE's bytes at GET /page (uvicorn --factory)."""
    body = Path(os.environ["BENCH_PAGE_FILE"]).read_bytes()

    @get("/page", sync_to_thread=False)
    def page() -> Response[bytes]:
        return Response(body, media_type="application/json")

    return Litestar([page], debug=False)


def prepare(env: dict[str, str]) -> dict:
    """A setting, a child with OBSERVATIONS approved observations and a signed-up
    parent, CHILDREN children for diaries, a manager's session; built in-process."""
    from adapters.bootstrap import bootstrap
    from bench.journey_read import load_observations, setting_with_family

    services = bootstrap(Settings.from_env(env))
    try:
        made, manager, practitioner, parent_token, child_id = setting_with_family(services)
        load_observations(services, child_id, OBSERVATIONS, practitioner, manager,
                          datetime.now(UTC) - timedelta(days=1))
        children = [str(child_id)]
        for i in range(CHILDREN - 1):
            journey, _ = services.app.enrol_child(f"Child {i}", date(2023, 5, 1), "Rainbow",
                                                  manager.account_id, manager,
                                                  services.clock())
            children.append(str(journey.id))
        services.projections.catch_up()
        token = services.credentials.open_session(manager.account_id, services.clock())
    finally:
        services.close()
    return {"child": str(child_id), "parent_token": parent_token, "token": token,
            "device": made["device_token"], "children": children}


def start(command: list[str], env: dict[str, str], port: int,
          health: str) -> subprocess.Popen:
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped: " + server.stderr.read().decode()[-2000:])
        try:
            if Client(port).call("GET", health)[0] == 200:
                return server
        except (OSError, ValueError):
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"{command} did not answer within 90 s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wrk(url: str, connections: int, seconds: int, headers: dict[str, str] | None = None,
        script_env: dict[str, str] | None = None) -> dict:
    """Requests per second, p50 and p99 (ms), and statuses when a script counts them."""
    command = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
               "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script_env is not None:
        command += ["-s", str(SCRIPT)]
    out = subprocess.run([*command, url], env={**os.environ, **(script_env or {})},
                         check=True, capture_output=True, text=True).stdout
    found = re.search(r"STATUSES (\{.*\})", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1)),
            "p99": _ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1)),
            "statuses": json.loads(found.group(1)) if found else {},
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def bare_append(backend: str, url: str | None, threads: int, seconds: float) -> float:
    """Events per second the bare library saves, one save per call, from `threads`."""
    with tempfile.TemporaryDirectory(prefix="journey-bare-") as directory:
        settings = Settings.from_env({"JOURNEY_DATA_DIR": directory,
                                      **({"JOURNEY_DATABASE_URL": url} if url else {})})
        app = BareApp(env={**event_store_env(settings), "POSTGRES_POOL_SIZE": "20",
                           "POSTGRES_MAX_OVERFLOW": "50"})
        diaries = [BareDiary(uuid4()) for _ in range(threads)]
        app.save(*diaries)
        counts = [0] * threads
        until = time.monotonic() + seconds

        def append(i: int) -> None:
            diary = diaries[i]
            while time.monotonic() < until:
                diary.record(uuid4(), "drink", {"kind": "drink", "drink": "Water",
                                                "ml": 100, "at": "now"})
                app.save(diary)
                counts[i] += 1

        started = time.monotonic()
        workers = [threading.Thread(target=append, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        rate = sum(counts) / (time.monotonic() - started)
        app.close()
        return rate


def line(label: str, result: dict, bare: float | None) -> None:
    share = f"{result['rate'] / bare:7.1%} of bare" if bare else " " * 15
    extra = f"  statuses {json.dumps(result['statuses'], sort_keys=True)}" \
        if result["statuses"] else (f"  non-2xx {result['non_2xx']}" if result["non_2xx"]
                                    else "")
    print(f"    {label:<34} {result['rate']:>8,.0f} req/s  {share}  p50 "
          f"{result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms{extra}", flush=True)


def bench(backend: str, url: str | None, directory: Path, workers: list[int],
          connections: int, seconds: int) -> None:
    env = {**os.environ, "JOURNEY_DATA_DIR": str(directory / "data"),
           "JOURNEY_LOG_LEVEL": "WARNING"}
    env.pop("JOURNEY_MEDIA_URL", None)
    env.pop("JOURNEY_DATABASE_URL", None)
    if url:
        env["JOURNEY_DATABASE_URL"] = url
    made = prepare(env)
    page_path = f"/children/{made['child']}/journey?limit={PAGE}"
    parent = {"Authorization": f"Bearer {made['parent_token']}"}
    today = datetime.now(UTC).date().isoformat()
    paths = ",".join(f"/children/{c}/diary/{today}/entries" for c in made["children"])
    moment = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=0).isoformat()
    diary_env = {"BENCH_PATHS": paths, "BENCH_TOKEN": made["token"],
                 "BENCH_DEVICE": made["device"],
                 "BENCH_BODY": json.dumps({"kind": "drink", "drink": "Water", "ml": 100,
                                           "at": moment})}
    bare_rate = bare_append(backend, url, connections, seconds)
    print(f"  {backend}: bare library append, one save per call, {connections} threads: "
          f"{bare_rate:,.0f} events/s", flush=True)
    for count in workers:
        print(f"  {backend}, {count} worker(s):", flush=True)
        port = free_port()
        server = start([sys.executable, "-m", "adapters.cli", "serve", "--host", "127.0.0.1",
                        "--port", str(port), "--workers", str(count)], env, port, "/health")
        try:
            client = Client(port)
            client.headers.update(parent)
            status, _ = client.call("GET", page_path)
            assert status == 200
            client.conn.request("GET", page_path, headers=client.headers)
            page_bytes = client.conn.getresponse().read()
            wrk(f"http://127.0.0.1:{port}{page_path}", connections, 2, parent)  # warm up
            page = wrk(f"http://127.0.0.1:{port}{page_path}", connections, seconds, parent)
            diary = wrk(f"http://127.0.0.1:{port}/", connections, seconds,
                        script_env=diary_env)
        finally:
            stop(server)
        page_file = directory / "page.json"
        page_file.write_bytes(page_bytes)
        bare_port = free_port()
        bare = start([sys.executable, "-m", "uvicorn", "bench.scale_out:bare_app",
                      "--factory", "--workers", str(count), "--host", "127.0.0.1",
                      "--port", str(bare_port), "--log-level", "warning",
                      "--no-access-log"], {**env, "BENCH_PAGE_FILE": str(page_file)},
                     bare_port, "/page")
        try:
            wrk(f"http://127.0.0.1:{bare_port}/page", connections, 2)
            bare_page = wrk(f"http://127.0.0.1:{bare_port}/page", connections, seconds)
        finally:
            stop(bare)
        line("bare endpoint, same page bytes", bare_page, None)
        line(f"parent journey page ({PAGE} of {OBSERVATIONS})", page, bare_page["rate"])
        line(f"diary entry POST ({CHILDREN} children)", diary, bare_rate)
        target = 0.6 if backend == "sqlite" else 2.0
        page_met = page["rate"] >= 0.5 * bare_page["rate"] and page["p99"] < 50
        diary_met = diary["rate"] >= target * bare_rate and diary["p99"] < 50
        print(f"    targets: page >= 50% of bare, p99 < 50 ms: "
              f"{'met' if page_met else 'NOT met'}; diary >= {target:.0%} of bare append, "
              f"p99 < 50 ms: {'met' if diary_met else 'NOT met'}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    if not Path(WRK).exists():
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    workers = [int(w) for w in args.workers.split(",")]
    print(f"wrk, {args.connections} connections, {args.seconds} s each; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    for backend in args.backends.split(","):
        with data_dir() as directory:
            if backend == "postgres":
                with fresh_postgres() as url:
                    if url is None:
                        print("  postgres: not reachable, skipped")
                        continue
                    bench(backend, url, directory, workers, args.connections, args.seconds)
            else:
                bench(backend, None, directory, workers, args.connections, args.seconds)


if __name__ == "__main__":
    main()
