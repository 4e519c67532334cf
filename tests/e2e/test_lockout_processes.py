"""The login lockout lives in the database: it holds across two server processes, however
the attempts arrive; X-Forwarded-For is believed only from configured proxies."""

from __future__ import annotations

import threading

import pytest

from tests.e2e.processes import EMAIL, PASSWORD, data_store, post, servers, set_up


@pytest.fixture
def shared_env(backend, tmp_path):
    with data_store(backend, tmp_path) as env:
        set_up(env)
        yield env


def test_lockout_holds_across_two_server_processes(shared_env):
    with servers(shared_env, 2) as ports:
        for i in range(5):  # alternate between the two processes
            status, _ = post(ports[i % 2], "/auth/login",
                             {"email": EMAIL, "password": "nope-nope"})
            assert status == 401
        for port in ports:
            status, body = post(port, "/auth/login", {"email": EMAIL, "password": PASSWORD})
            assert status == 429, body


def test_forty_simultaneous_logins_across_two_processes_check_at_most_five(shared_env):
    """Issue 22 #1: the count is taken before the password is checked, atomically."""
    attempts = 40
    start = threading.Barrier(attempts)
    statuses: list[int] = []

    def attempt(i: int, ports: list[int]) -> None:
        password = PASSWORD if i == attempts - 1 else f"wrong-password-{i}"
        start.wait()
        statuses.append(post(ports[i % 2], "/auth/login",
                             {"email": EMAIL, "password": password})[0])

    with servers(shared_env, 2) as ports:
        threads = [threading.Thread(target=attempt, args=(i, ports)) for i in range(attempts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    checked = [s for s in statuses if s in (200, 401)]
    assert len(statuses) == attempts
    assert len(checked) <= 5, statuses
    assert statuses.count(429) == attempts - len(checked)


def test_a_forwarded_address_is_not_believed_by_default(shared_env):
    """F12: a spoofed X-Forwarded-For does not buy a fresh allowance of tries."""
    with servers(shared_env) as (port,):
        statuses = [post(port, "/auth/login",
                         {"email": f"guess{i}@two.test", "password": "nope-nope-nope"},
                         {"X-Forwarded-For": f"203.0.113.{i}"})[0]
                    for i in range(21)]
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429


def test_an_attackers_address_is_stopped_not_the_account_owner(shared_env):
    """F12: five bad tries from one address do not lock the owner out elsewhere."""
    env = dict(shared_env, JOURNEY_TRUSTED_PROXIES="127.0.0.1")
    attacker, owner = {"X-Forwarded-For": "203.0.113.9"}, {"X-Forwarded-For": "198.51.100.7"}
    with servers(env) as (port,):
        for _ in range(5):
            assert post(port, "/auth/login", {"email": EMAIL, "password": "nope-nope"},
                        attacker)[0] == 401
        assert post(port, "/auth/login", {"email": EMAIL, "password": PASSWORD},
                    attacker)[0] == 429
        assert post(port, "/auth/login", {"email": EMAIL, "password": PASSWORD},
                    owner)[0] == 200
