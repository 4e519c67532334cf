"""A live `journey serve` process on a free port, with a manager, a practitioner and a
signed-up parent of one child: what schemathesis runs against."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

PASSWORD = "correct-horse-battery"


@dataclass
class LiveNursery:
    url: str
    headers: dict[str, dict[str, str]]  # role -> headers that log in as it
    child_id: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _journey(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "adapters.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def start(data_dir: Path, database_url: str | None) -> tuple[subprocess.Popen, dict]:
    """Set up a setting and start serving it; returns the process and the setup JSON."""
    import json

    env = {**os.environ, "JOURNEY_DATA_DIR": str(data_dir), "JOURNEY_LOG_LEVEL": "WARNING"}
    if database_url:
        env["JOURNEY_DATABASE_URL"] = database_url
    made = json.loads(_journey(env, "setup", "--setting", "Schemathesis Nursery",
                               "--manager-email", "manager@live.test",
                               "--manager-password", PASSWORD, "--open-all-hours"))
    process, made["url"] = serve(data_dir, env)
    made["log"] = data_dir / "serve.log"
    return process, made


def serve(data_dir: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """`journey serve` on a free port of loopback, once it answers `/health`; its output
    goes to `serve.log` in the data directory."""
    port = _free_port()
    log = open(data_dir / "serve.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen([sys.executable, "-m", "adapters.cli", "serve", "--port",
                                str(port), "--workers", "1"], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError((data_dir / "serve.log").read_text())


def people(made: dict) -> LiveNursery:
    """Log in the manager; add a practitioner and a parent who has signed for a child."""
    client = httpx.Client(base_url=made["url"], timeout=30)

    def login(email: str) -> str:
        r = client.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return r.json()["token"]

    device = {"X-Device-Token": made["device_token"]}
    manager = {"Authorization": f"Bearer {login('manager@live.test')}", **device}
    ids = {}
    for role in ("practitioner", "parent"):
        r = client.post("/accounts", headers=manager, json={
            "email": f"{role}@live.test", "password": PASSWORD,
            "display_name": role.title(), "roles": [role]})
        assert r.status_code == 201, r.text
        ids[role] = r.json()["account_id"]
    r = client.post("/children", headers=manager, json={
        "name": "Ada Lovelace", "date_of_birth": "2023-03-01", "room": "Rainbow",
        "key_person_id": ids["practitioner"]})
    assert r.status_code == 201, r.text
    child_id = r.json()["child_id"]
    r = client.post(f"/children/{child_id}/parents", headers=manager,
                    json={"account_id": ids["parent"], "relationship": "mother"})
    assert r.status_code == 204, r.text
    r = client.post("/setting/terms", headers=manager, json={"text": "We look after Ada."})
    assert r.status_code == 201, r.text
    parent = {"Authorization": f"Bearer {login('parent@live.test')}"}
    r = client.post(f"/children/{child_id}/agreement", headers=parent,
                    json={"terms_version": r.json()["version"]})
    assert r.status_code == 204, r.text
    practitioner = {"Authorization": f"Bearer {login('practitioner@live.test')}", **device}
    return LiveNursery(made["url"], {"manager": manager, "practitioner": practitioner,
                                     "parent": parent}, child_id)
