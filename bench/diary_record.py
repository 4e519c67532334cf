"""Recording a diary entry through HTTP on PostgreSQL, with 64 concurrent clients, against
the bare eventsourcing library appending to the same database in the same run.

A real server (`journey serve`, uvicorn) runs as a subprocess with JOURNEY_DATABASE_URL
pointing at a fresh database that this bench creates and drops. Each client has its own
child and keeps its connection open; every request is a full `POST
/children/{id}/diary/{date}/entries` (login token and device checked, the day taken
from memory, the entry sealed with the child's key and written, the views caught up
before the answer; concurrent requests share transactions, as they do in service). The bare
library run appends one event per save from the same number of threads, each to its own
aggregate (and, to show where the difference lies, loading the aggregate before each
append, as a command does). Each reports the rate and the median and 99th-percentile
latency: saturated (every client sends again as soon as it is answered, so latency is
mostly queueing: clients / rate), and for HTTP also under a steady load of half its
capacity, which is the latency a member of staff sees.

Targets (issue 7): HTTP at least 60% of the bare rate; p99 under 100 ms.

    .venv/bin/python bench/diary_record.py [--clients 64] [--requests 20] [--rounds 2]
                                           [--workers 1]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventsourcing.application import Application  # noqa: E402
from eventsourcing.domain import Aggregate, event  # noqa: E402

from adapters.settings import Settings  # noqa: E402
from adapters.storage.event_store import event_store_env  # noqa: E402
from bench._common import data_dir, fresh_postgres, median, p99  # noqa: E402

PASSWORD = "bench-crayon-teapot-42"


class BareDiary(Aggregate):
    """The same shape of append through the bare library: no HTTP, sealing or views."""

    @event("Started")
    def __init__(self, child_id: UUID):
        self.child_id = child_id
        self.count = 0

    @event("EntryRecorded")
    def record(self, entry_id: UUID, kind: str, entry: dict) -> None:
        self.count += 1


class BareApp(Application):
    name = "BareBench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A keep-alive HTTP/1.1 client of the server (stdlib, so the load generator stays
    light next to the server on the same machine)."""

    def __init__(self, port: int, token: str | None = None, device: str | None = None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if device:
            self.headers["X-Device-Token"] = device

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        payload = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, body=payload, headers=self.headers)
        response = self.conn.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else {})

    def close(self) -> None:
        self.conn.close()


def run_threads(clients: int, work: Callable[[int, list[float]], None]
                ) -> tuple[float, list[float]]:
    """Run `work(i, latencies)` in `clients` threads started together; (rate, latencies)."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def body(i: int) -> None:
        barrier.wait()
        work(i, latencies[i])

    threads = [threading.Thread(target=body, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    flat = [x for per in latencies for x in per]
    return len(flat) / elapsed, flat


def server_app() -> object:
    """The app for `uvicorn --factory` with several workers (what `journey serve` builds)."""
    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app

    return create_app(bootstrap(Settings.from_env(), background=True))


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    if workers == 1:  # exactly what an operator runs
        command = [sys.executable, "-m", "adapters.cli", "serve", "--host", "127.0.0.1",
                   "--port", str(port), "--workers", "1"]
    else:
        command = [sys.executable, "-m", "uvicorn", "bench.diary_record:server_app",
                   "--factory", "--workers", str(workers), "--host", "127.0.0.1",
                   "--port", str(port), "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped: " + server.stderr.read().decode()[-2000:])
        try:
            status, _ = Client(port).call("GET", "/health")
            if status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not answer /health within 60 s")


def set_up_nursery(env: dict[str, str]) -> dict:
    """`journey setup` of a nursery open all hours; what it prints."""
    return json.loads(subprocess.run(
        [sys.executable, "-m", "adapters.cli", "setup", "--setting", "Bench Nursery",
         "--manager-email", "manager@bench.test", "--manager-password", PASSWORD,
         "--open-all-hours"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout)


def report(label: str, rate: float, latencies: list[float], baseline: float | None) -> None:
    share = f"  ({rate / baseline:6.1%} of bare)" if baseline else ""
    print(f"  {label:<34} {rate:>9,.0f} /s{share}   median {median(latencies) * 1000:6.1f} ms"
          f"   p99 {p99(latencies) * 1000:6.1f} ms   ({len(latencies)} calls)")


def bench(url: str, directory: Path, clients: int, requests: int, rounds: int,
          workers: int) -> None:
    env = {**os.environ, "JOURNEY_DATA_DIR": str(directory), "JOURNEY_DATABASE_URL": url,
           "JOURNEY_LOG_LEVEL": "WARNING"}
    env.pop("JOURNEY_MEDIA_URL", None)
    made = set_up_nursery(env)
    port = free_port()
    server = start_server(env, port, workers)
    try:
        anonymous = Client(port)
        status, logged_in = anonymous.call("POST", "/auth/login", {
            "email": "manager@bench.test", "password": PASSWORD})
        assert status == 200, logged_in
        token, device = logged_in["token"], made["device_token"]
        office = Client(port, token, device)
        children = []
        for i in range(clients):
            status, body = office.call("POST", "/children", {
                "name": f"Child {i}", "date_of_birth": "2023-05-01", "room": "Rainbow",
                "key_person_id": made["manager_id"]})
            assert status == 201, body
            children.append(body["child_id"])
        today = datetime.now(UTC).astimezone(ZoneInfo("Europe/London")).date()
        start_of_day = datetime(today.year, today.month, today.day,
                                tzinfo=ZoneInfo("Europe/London"))

        def record_over_http(i: int, latencies: list[float], pace: float = 0.0) -> None:
            """Record `requests` entries; with `pace` (seconds), one every `pace` seconds
            (from a random phase), as tablets in rooms do, rather than back to back."""
            client = Client(port, token, device)
            path = f"/children/{children[i]}/diary/{today.isoformat()}/entries"
            next_at = time.perf_counter() + pace * (i / clients)
            for n in range(requests):
                if pace:
                    time.sleep(max(0.0, next_at - time.perf_counter()))
                    next_at += pace
                moment = max(start_of_day, datetime.now(UTC) - timedelta(seconds=5 + n))
                body = {"kind": "drink", "drink": "Water", "ml": 100 + n,
                        "at": moment.isoformat()}
                started = time.perf_counter()
                status, answer = client.call("POST", path, body)
                latencies.append(time.perf_counter() - started)
                if status != 201:
                    raise SystemExit(f"unexpected {status}: {answer}")
            client.close()

        settings = Settings.from_env({"JOURNEY_DATA_DIR": str(directory),
                                      "JOURNEY_DATABASE_URL": url})
        bare = BareApp(env={**event_store_env(settings), "POSTGRES_POOL_SIZE": "20",
                            "POSTGRES_MAX_OVERFLOW": "50"})
        diaries = [BareDiary(UUID(child)) for child in children]
        bare.save(*diaries)

        def append_bare(i: int, latencies: list[float]) -> None:
            diary = bare.repository.get(diaries[i].id)  # (untimed) the latest version
            for n in range(requests):
                started = time.perf_counter()
                diary.record(uuid4(), "drink", {"kind": "drink", "drink": "Water",
                                                "ml": 100 + n, "at": "now"})
                bare.save(diary)
                latencies.append(time.perf_counter() - started)

        def load_and_append_bare(i: int, latencies: list[float]) -> None:
            for n in range(requests):
                started = time.perf_counter()
                diary = bare.repository.get(diaries[i].id)
                diary.record(uuid4(), "drink", {"kind": "drink", "drink": "Water",
                                                "ml": 100 + n, "at": "now"})
                bare.save(diary)
                latencies.append(time.perf_counter() - started)

        record_over_http(0, [])  # warm up the server's pools and caches
        best_bare: tuple[float, list[float]] = (0.0, [])
        best_http: tuple[float, list[float]] = (0.0, [])
        best_loaded: tuple[float, list[float]] = (0.0, [])
        for _ in range(rounds):  # interleaved, so both share the machine's noise
            measured = run_threads(clients, append_bare)
            best_bare = max(best_bare, measured, key=lambda r: r[0])
            measured = run_threads(clients, load_and_append_bare)
            best_loaded = max(best_loaded, measured, key=lambda r: r[0])
            measured = run_threads(clients, record_over_http)
            best_http = max(best_http, measured, key=lambda r: r[0])
        # Latency under a steady load of half the measured capacity: 64 tablets each
        # recording at a pace, so that the numbers show service time, not queueing.
        pace = clients / (0.5 * best_http[0])
        paced = run_threads(clients, lambda i, lat: record_over_http(i, lat, pace))
        print(f"PostgreSQL, {clients} concurrent clients, {requests} appends each, "
              f"best of {rounds}, server with {workers} worker(s):")
        print(" saturated (every client sends its next request as soon as answered):")
        report("bare library append", best_bare[0], best_bare[1], None)
        report("bare library load + append", best_loaded[0], best_loaded[1], best_bare[0])
        report("diary entry over HTTP", best_http[0], best_http[1], best_bare[0])
        print(f" steady load at half the HTTP capacity (each client every {pace:.2f} s):")
        report("diary entry over HTTP", paced[0], paced[1], None)
        ok_rate = best_http[0] >= 0.6 * best_bare[0]
        ok_p99 = p99(paced[1]) < 0.100
        print(f"  target >= 60% of bare: {'met' if ok_rate else 'NOT met'};"
              f" p99 < 100 ms at steady load: {'met' if ok_p99 else 'NOT met'};"
              f" saturated p99 is queueing ({clients} clients / rate)")
        bare.close()
        office.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--requests", type=int, default=20, help="entries per client")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1,
                        help="uvicorn worker processes (1: exactly `journey serve`)")
    args = parser.parse_args()
    with fresh_postgres() as url, data_dir() as directory:
        if url is None:
            print("PostgreSQL: not reachable, skipped")
            return
        bench(url, directory, args.clients, args.requests, args.rounds, args.workers)


if __name__ == "__main__":
    main()
