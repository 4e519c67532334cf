"""Three `journey serve` processes on one PostgreSQL database (issue 19, item 1): the
projection leader is killed with SIGKILL during a stream of writes; every acknowledged
write is in the views afterwards, no event is applied twice (the counter view equals
the log), another process leads within two seconds, and logout and lockout hold across
the processes."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest

from tests.e2e.processes import (
    EMAIL,
    JOURNEY,
    PASSWORD,
    call,
    data_store,
    free_port,
    post,
    set_up,
    wait_until_up,
)

WRITERS = 6


def _leader_pid(url: str) -> int | None:
    """The server process holding the leader's advisory lock (its connection says)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
            "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
            "AND a.application_name LIKE 'journey-leader-%'").fetchone()
    return int(row[0].rsplit("-", 1)[1]) if row else None


def _log_counts(url: str) -> dict[str, int]:
    """Events in the log, per kind, read from the event store's own table."""
    with psycopg.connect(url, autocommit=True) as conn:
        table = conn.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'topic' "
            "AND table_schema = 'public' AND table_name IN (SELECT table_name FROM "
            "information_schema.columns WHERE column_name = 'notification_id')"
        ).fetchone()[0]
        rows = conn.execute(f"SELECT topic, count(*) FROM {table} GROUP BY topic").fetchall()
    counts: dict[str, int] = {}
    for topic, n in rows:
        kind = topic.rpartition(":")[2]
        counts[kind] = counts.get(kind, 0) + n
    return counts


def test_killing_the_leader_loses_no_write_and_applies_nothing_twice(tmp_path):
    if not os.environ.get("JOURNEY_TEST_POSTGRES"):
        pytest.skip("set JOURNEY_TEST_POSTGRES to run on PostgreSQL")
    with data_store("postgres", tmp_path) as env:
        url = env["JOURNEY_DATABASE_URL"]
        made = set_up(env)
        ports = [free_port() for _ in range(3)]
        procs = {}
        try:
            for port in ports:
                procs[port] = subprocess.Popen(
                    [JOURNEY, "serve", "--port", str(port), "--workers", "1"], env=env,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                wait_until_up(port, procs[port])
            _, body = post(ports[0], "/auth/login", {"email": EMAIL, "password": PASSWORD})
            manager = {"Authorization": f"Bearer {body['token']}",
                       "X-Device-Token": made["device_token"]}
            children = []
            for i in range(WRITERS):
                status, body = post(ports[i % 3], "/children", {
                    "name": f"Child {i}", "date_of_birth": "2023-03-01", "room": "Rainbow",
                    "key_person_id": made["manager_id"]}, manager)
                assert status == 201, body
                children.append(body["child_id"])

            leader = _leader_pid(url)
            assert leader in {p.pid for p in procs.values()}
            leader_port = next(port for port, p in procs.items() if p.pid == leader)
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            today, at = now.date().isoformat(), now.isoformat()
            acknowledged: list[str] = []
            stop = threading.Event()

            def write(i: int) -> None:
                n = 0
                while not stop.is_set():
                    port = ports[(i + n) % 3]
                    n += 1
                    try:
                        status, body = post(port, f"/children/{children[i]}/diary/{today}/"
                                                  f"entries", {
                            "kind": "drink", "drink": "water", "ml": 100,
                            "at": at}, manager)
                    except OSError:  # the killed server: not acknowledged
                        continue
                    if status == 201:
                        acknowledged.append(body["entry_id"])

            threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
            for thread in threads:
                thread.start()
            while len(acknowledged) < 30:
                time.sleep(0.05)
            procs[leader_port].send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            procs[leader_port].wait(10)
            new_leader = None
            while new_leader in (None, leader) and time.monotonic() - killed_at < 30:
                new_leader = _leader_pid(url)
                time.sleep(0.02)
            took = time.monotonic() - killed_at
            written_before = len(acknowledged)
            while len(acknowledged) < written_before + 30:
                time.sleep(0.05)
            stop.set()
            for thread in threads:
                thread.join()

            survivors = [port for port in ports if port != leader_port]
            assert new_leader in {procs[port].pid for port in survivors}
            assert took < 2.0, f"no process led for {took:.2f} s"
            with psycopg.connect(url, autocommit=True) as conn:
                in_views = {r[0] for r in conn.execute(
                    "SELECT entry_id FROM diary_entries WHERE kind = 'drink'").fetchall()}
            assert set(acknowledged) <= in_views
            for port in survivors:  # read from either survivor, over HTTP too
                status, day = call(port, "GET", f"/children/{children[0]}/diary/{today}"
                                                f"?limit=200", headers=manager)
                assert status == 200, day
            deadline = time.monotonic() + 30  # the leader applies what nobody waited for
            while time.monotonic() < deadline:
                with psycopg.connect(url, autocommit=True) as conn:
                    counted = {k: int(n) for k, n in conn.execute(
                        "SELECT kind, applied FROM event_counts").fetchall()}
                if counted == _log_counts(url):
                    break
                time.sleep(0.2)
            assert counted == _log_counts(url)  # every event applied exactly once

            # logout and lockout hold across the surviving processes
            a, b = survivors
            _, body = post(a, "/auth/login", {"email": EMAIL, "password": PASSWORD})
            token = {"Authorization": f"Bearer {body['token']}",
                     "X-Device-Token": made["device_token"]}
            assert call(b, "GET", "/children", headers=token)[0] == 200
            assert post(b, "/auth/logout", {}, token)[0] == 204
            assert call(a, "GET", "/children", headers=token)[0] == 401
            for i in range(5):
                assert post((a, b)[i % 2], "/auth/login",
                            {"email": EMAIL, "password": "wrong-password"})[0] == 401
            assert post(a, "/auth/login", {"email": EMAIL, "password": PASSWORD})[0] == 429
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(10)


def _lock_holder(path) -> int | None:
    """The process holding the `flock` on `path` (Linux's /proc/locks)."""
    inode = str(os.stat(path).st_ino)
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()  # "1: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE 0 EOF"
        if len(parts) == 8 and parts[1] == "FLOCK" and parts[5].rsplit(":", 1)[1] == inode:
            return int(parts[4])
    return None


def test_on_sqlite_the_lock_file_moves_to_a_survivor(tmp_path):
    with data_store("sqlite", tmp_path) as env:
        set_up(env)
        ports = [free_port() for _ in range(2)]
        procs = []
        try:
            for port in ports:
                procs.append(subprocess.Popen(
                    [JOURNEY, "serve", "--port", str(port), "--workers", "1"], env=env,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                wait_until_up(port, procs[-1])
            lock = tmp_path / "data" / "leader.lock"
            leader = _lock_holder(lock)
            assert leader in {p.pid for p in procs}
            dead = next(p for p in procs if p.pid == leader)
            dead.send_signal(signal.SIGKILL)
            dead.wait(10)
            survivor = next(p for p in procs if p is not dead)
            for _ in range(200):
                if _lock_holder(lock) == survivor.pid:
                    break
                time.sleep(0.05)
            assert _lock_holder(lock) == survivor.pid
            port = ports[procs.index(survivor)]
            status, body = post(port, "/auth/login", {"email": EMAIL, "password": PASSWORD})
            assert status == 200, body
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(10)


def test_journey_worker_leads_without_http_and_stops_on_sigterm(tmp_path):
    with data_store("sqlite", tmp_path) as env:
        set_up(env)
        worker = subprocess.Popen([JOURNEY, "worker"], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            lock = tmp_path / "data" / "leader.lock"
            for _ in range(600):
                if lock.exists() and _lock_holder(lock) == worker.pid:
                    break
                time.sleep(0.05)
            assert _lock_holder(lock) == worker.pid
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0
