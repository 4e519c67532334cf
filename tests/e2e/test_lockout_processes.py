"""The login lockout lives in the database: it holds across two server processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import create_database, drop_database

JOURNEY = str(Path(sys.executable).parent / "journey")


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _post(port: int, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _wait(port: int, proc: subprocess.Popen) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("server exited") from None
            time.sleep(0.1)
    raise RuntimeError("server did not start")


@pytest.fixture
def shared_env(backend, tmp_path):
    env = dict(os.environ, JOURNEY_DATA_DIR=str(tmp_path / "data"))
    env.pop("JOURNEY_DATABASE_URL", None)
    url = None
    if backend == "postgres":
        url = create_database()
        env["JOURNEY_DATABASE_URL"] = url
    yield env
    if url:
        drop_database(url)


def test_lockout_holds_across_two_server_processes(shared_env):
    email, password = "lead@two.test", "a-long-password-1"
    subprocess.run([JOURNEY, "setup", "--setting", "Two", "--manager-email", email,
                    "--manager-password", password, "--open-all-hours"],
                   env=shared_env, check=True, capture_output=True)
    ports = [_free_port(), _free_port()]
    procs = [subprocess.Popen([JOURNEY, "serve", "--port", str(p)], env=shared_env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for p in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            _wait(port, proc)
        for i in range(5):  # alternate between the two processes
            status, _ = _post(ports[i % 2], "/auth/login",
                              {"email": email, "password": "nope-nope"})
            assert status == 401
        for port in ports:
            status, body = _post(port, "/auth/login", {"email": email, "password": password})
            assert status == 429, body
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
