"""A server stopped with SIGTERM writes the reads it still held in memory (issue 12)."""

from __future__ import annotations

import signal
import sqlite3

import pytest

from tests.e2e.processes import EMAIL, PASSWORD, call, data_store, free_port, post, serve, set_up

pytestmark = pytest.mark.storage


def test_reads_held_in_memory_are_written_on_sigterm(tmp_path):
    with data_store("sqlite", tmp_path) as env:
        made = set_up(env)
        port = free_port()
        proc = serve(env, port)
        try:
            status, body = post(port, "/auth/login", {"email": EMAIL, "password": PASSWORD})
            assert status == 200, body
            headers = {"Authorization": f"Bearer {body['token']}",
                       "X-Device-Token": made["device_token"]}
            status, body = post(port, "/children", {
                "name": "Ada Lovelace", "date_of_birth": "2023-03-01", "room": "Rainbow",
                "key_person_id": made["manager_id"]}, headers)
            assert status == 201, body
            child = body["child_id"]
            reads = 20
            for _ in range(reads):
                status, _ = call(port, "GET", f"/children/{child}/journey", headers=headers)
                assert status == 200
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)  # uvicorn shuts down, then re-raises the signal: -15
        conn = sqlite3.connect(f"{env['JOURNEY_DATA_DIR']}/journey.sqlite")
        (count,) = conn.execute("SELECT COUNT(*) FROM child_access_log WHERE child_id = ?",
                                (child,)).fetchone()
        conn.close()
        assert count == reads


def test_two_servers_writing_at_once_grow_one_tree_that_verifies(backend, tmp_path):
    import threading

    from adapters.audit import verify
    from adapters.bootstrap import bootstrap
    from adapters.settings import Settings
    from tests.e2e.processes import servers

    with data_store(backend, tmp_path) as env:
        made = set_up(env)
        with servers(env, 2) as ports:
            status, body = post(ports[0], "/auth/login", {"email": EMAIL, "password": PASSWORD})
            assert status == 200, body
            headers = {"Authorization": f"Bearer {body['token']}",
                       "X-Device-Token": made["device_token"]}
            failures = []

            def enrol(port: int, prefix: str) -> None:
                for i in range(6):
                    status, body = post(port, "/children", {
                        "name": f"{prefix} Child {i}", "date_of_birth": "2023-03-01",
                        "room": "Rainbow", "key_person_id": made["manager_id"]}, headers)
                    if status != 201:
                        failures.append(body)

            threads = [threading.Thread(target=enrol, args=(port, name))
                       for port, name in zip(ports, ("Ann", "Bob"), strict=True)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert failures == []
        services = bootstrap(Settings.from_env({k: v for k, v in env.items()
                                                if k.startswith("JOURNEY_")}))
        try:
            verdict = verify(services)
        finally:
            services.close()
        assert verdict.ok, verdict.problems
        assert verdict.events_checked == verdict.tree_size >= 12
