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
