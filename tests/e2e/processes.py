"""Helpers for tests that run real `journey serve` processes on one data store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import create_database, drop_database

JOURNEY = str(Path(sys.executable).parent / "journey")
EMAIL, PASSWORD = "lead@two.test", "a-long-password-1"


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(port: int, method: str, path: str, body: dict | None = None,
         headers: dict | None = None) -> tuple[int, dict]:
    """One request; (status, decoded JSON body or {})."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else {}
    except ValueError:  # a server's own plain-text fault page
        return status, {"text": raw.decode(errors="replace")}


def post(port: int, path: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    return call(port, "POST", path, body, headers)


def wait_until_up(port: int, proc: subprocess.Popen) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("server exited") from None
            time.sleep(0.1)
    raise RuntimeError("server did not start")


@contextmanager
def data_store(backend: str, tmp_path: Path) -> Iterator[dict]:
    """The environment of servers sharing one data store (a fresh PostgreSQL database)."""
    env = dict(os.environ, JOURNEY_DATA_DIR=str(tmp_path / "data"))
    env.pop("JOURNEY_DATABASE_URL", None)
    url = None
    if backend == "postgres":
        url = create_database()
        env["JOURNEY_DATABASE_URL"] = url
    try:
        yield env
    finally:
        if url:
            drop_database(url)


def set_up(env: dict) -> dict:
    """`journey setup` (open all hours); its JSON output."""
    done = subprocess.run([JOURNEY, "setup", "--setting", "Two", "--manager-email", EMAIL,
                           "--manager-password", PASSWORD, "--open-all-hours"],
                          env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def serve(env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([JOURNEY, "serve", "--port", str(port), "--workers", "1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(port, proc)
    return proc


@contextmanager
def servers(env: dict, count: int = 1) -> Iterator[list[int]]:
    """`count` server processes on one data store (set up already); yields their ports."""
    ports = [free_port() for _ in range(count)]
    procs: list[subprocess.Popen] = []
    try:
        for port in ports:
            procs.append(serve(env, port))
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
