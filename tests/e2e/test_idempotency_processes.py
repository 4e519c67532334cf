"""Issue 22 #2: no Idempotency-Key stays "in progress" after its server was killed
(SIGKILL) or its database connection terminated mid-request, and a client that got its
`201` gets the same reply on any retry, at once, from any process."""

from __future__ import annotations

import http.client
import threading
import time
from contextlib import contextmanager

import psycopg
import pytest

from tests.conftest import POSTGRES
from tests.e2e.processes import (
    EMAIL,
    PASSWORD,
    data_store,
    free_port,
    post,
    serve,
    servers,
    set_up,
)

BURST = 24
STILL_RUNNING = "still being processed"


@contextmanager
def _leased(backend: str, tmp_path):
    """A set-up data store whose servers let a dead request's claim go after 1 s."""
    with data_store(backend, tmp_path) as env:
        env["JOURNEY_IDEMPOTENCY_LEASE_SECONDS"] = "1"
        yield env, set_up(env)


@pytest.fixture
def store(backend, tmp_path):
    with _leased(backend, tmp_path) as made:
        yield made


def _manager(port: int, office: str) -> dict:
    status, body = post(port, "/auth/login", {"email": EMAIL, "password": PASSWORD})
    assert status == 200, body
    return {"Authorization": f"Bearer {body['token']}", "X-Device-Token": office}


def _report(port: int, headers: dict, device_id: str, key: str) -> tuple[int, dict]:
    return post(port, f"/devices/{device_id}/damage",
                {"kind": "accidental_damage", "description": f"scratch {key}",
                 "deliberate": False}, {**headers, "Idempotency-Key": key})


def _burst(port: int, headers: dict, device_id: str, interrupt) -> dict[str, tuple]:
    """BURST keyed reports at once; `interrupt()` runs after the fourth answer."""
    answers: dict[str, tuple] = {}
    four = threading.Event()

    def send(key: str) -> None:
        try:
            answers[key] = _report(port, headers, device_id, key)
        except (OSError, http.client.HTTPException):  # the server died mid-answer
            answers[key] = (None, {})
        if sum(1 for a in answers.values() if a[0] == 201) >= 4:
            four.set()

    threads = [threading.Thread(target=send, args=(f"burst-{i}",)) for i in range(BURST)]
    for thread in threads:
        thread.start()
    four.wait(120)
    interrupt()
    for thread in threads:
        thread.join()
    return answers


def _settled(port: int, headers: dict, device_id: str, key: str) -> tuple[int, dict]:
    """Retry, as a tablet does, while the key is claimed by a request that died (lease:
    1 s) or the server answers a fault of its own (a dead connection being replaced)."""
    for _ in range(200):
        answer = _report(port, headers, device_id, key)
        still = answer[0] == 409 and STILL_RUNNING in answer[1].get("detail", "")
        if not still and answer[0] < 500:
            return answer
        time.sleep(0.05)
    return answer


def _check_retries(port: int, headers: dict, device_id: str, answers: dict) -> None:
    for key, (status, body) in answers.items():
        again = _settled(port, headers, device_id, key)
        assert again[0] == 201, (key, again)
        if status == 201:
            assert again[1] == body, key


def test_keys_do_not_stay_claimed_after_the_server_is_killed(store, tmp_path):
    env, made = store
    port = free_port()
    proc = serve(env, port)
    try:
        manager = _manager(port, made["device_token"])
        answers = _burst(port, manager, made["device_id"], proc.kill)  # SIGKILL
        proc.wait(10)
        assert any(status is None for status, _ in answers.values())  # killed mid-burst
        port = free_port()
        proc = serve(env, port)
        _check_retries(port, manager, made["device_id"], answers)
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def postgres_store(tmp_path):
    if not POSTGRES:
        pytest.skip("set JOURNEY_TEST_POSTGRES to run on PostgreSQL")
    with _leased("postgres", tmp_path) as made:
        yield made


def test_keys_do_not_stay_claimed_after_the_database_connection_dies(postgres_store):
    env, made = postgres_store

    def terminate_connections() -> None:
        with psycopg.connect(env["JOURNEY_DATABASE_URL"], autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")

    with servers(env) as (port,):
        manager = _manager(port, made["device_token"])
        answers = _burst(port, manager, made["device_id"], terminate_connections)
        _check_retries(port, manager, made["device_id"], answers)


def test_an_immediate_retry_after_a_201_replays_it_on_another_server(store):
    env, made = store
    with servers(env, 2) as (a, b):
        manager = _manager(a, made["device_token"])
        for i in range(40):
            first = _report(a, manager, made["device_id"], f"now-{i}")
            again = _report(b, manager, made["device_id"], f"now-{i}")
            assert first[0] == 201
            assert again == first
