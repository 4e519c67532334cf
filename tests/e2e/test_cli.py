"""The `journey` command line, run as a newcomer runs it: the real command, a fresh data
directory, the embedded defaults."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live import serve

JOURNEY = str(Path(sys.executable).with_name("journey"))


def journey(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("JOURNEY_DATABASE_URL", "JOURNEY_MEDIA_URL", "JOURNEY_MASTER_KEY")}
    env["JOURNEY_DATA_DIR"] = str(data_dir)
    return subprocess.run([JOURNEY, *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("demo")
    first = journey(data, "demo")
    assert first.returncode == 0, first.stderr
    assert "manager@demo.nursery" in first.stdout and "tablet token" in first.stdout
    assert "journey.access" not in first.stderr  # the seed does not flood the terminal
    return data


def test_a_second_demo_prints_the_same_logins(demo_dir):
    again = journey(demo_dir, "demo")
    assert again.returncode == 0, again.stderr
    assert "manager@demo.nursery" in again.stdout
    assert again.stdout.strip() == (demo_dir / "demo-logins.txt").read_text().strip()
    assert oct((demo_dir / "demo-logins.txt").stat().st_mode & 0o777) == "0o600"


def test_force_starts_over_with_new_tokens(demo_dir, tmp_path):
    shutil.copytree(demo_dir, tmp_path, dirs_exist_ok=True)  # seeded once per module
    first = journey(tmp_path, "demo")
    forced = journey(tmp_path, "demo", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "manager@demo.nursery" in forced.stdout
    assert forced.stdout != first.stdout  # fresh device tokens
    assert len(journey(tmp_path, "devices", "list").stdout.splitlines()) == 3


def test_a_new_device_token_replaces_the_old_one(tmp_path):
    made = journey(tmp_path, "setup", "--setting", "Little Acorns",
                   "--manager-email", "m@acorns.test", stdin="a-long-secret-phrase\n")
    assert made.returncode == 0, made.stderr
    device_id, old = json.loads(made.stdout)["device_id"], json.loads(made.stdout)["device_token"]
    listed = [json.loads(line) for line in journey(tmp_path, "devices", "list").stdout.splitlines()]
    assert [d["device_id"] for d in listed] == [device_id]
    issued = journey(tmp_path, "devices", "token", device_id)
    assert issued.returncode == 0, issued.stderr
    new = json.loads(issued.stdout)["device_token"]
    assert new != old

    from adapters.bootstrap import bootstrap
    from adapters.settings import Settings
    from adapters.storage.credentials import token_hash

    services = bootstrap(Settings.from_env({"JOURNEY_DATA_DIR": str(tmp_path)}))
    try:
        hashes = {r[0] for r in services.db.query("SELECT token_hash FROM devices_view")}
    finally:
        services.close()
    assert hashes == {token_hash(new)}


def test_a_token_for_an_unknown_device_is_one_sentence(tmp_path):
    bad = journey(tmp_path, "devices", "token", "not-an-id")
    assert bad.returncode == 2 and "journey devices list" in bad.stderr
    unknown = journey(tmp_path, "devices", "token", "00000000-0000-0000-0000-00000000abcd")
    assert unknown.returncode == 2 and "No such device" in unknown.stderr
    assert "Traceback" not in bad.stderr + unknown.stderr


def test_rebuild_refuses_an_unknown_name_before_starting(tmp_path):
    r = journey(tmp_path, "projections", "rebuild", "dairy")
    assert r.returncode == 2
    assert r.stderr.startswith("No projection named 'dairy'") and "diary" in r.stderr
    helped = journey(tmp_path, "projections", "rebuild", "--help")
    assert "diary" in helped.stdout and "journey" in helped.stdout


def test_version_and_serve_help_show_defaults(tmp_path):
    assert journey(tmp_path, "--version").stdout.startswith("journey ")
    assert "default: 8000" in journey(tmp_path, "serve", "--help").stdout


def test_setup_reads_the_password_from_stdin_and_checks_it(tmp_path):
    weak = journey(tmp_path, "setup", "--setting", "X", "--manager-email", "m@x.test",
                   stdin="short\n")
    assert weak.returncode == 2 and "password" in weak.stderr


def test_the_readmes_quick_start_works_as_written(demo_dir):
    """Every shell block of the README that talks to the server runs against a live
    demo server (its address and the office token put in), and ends well."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    blocks = [b for b in re.findall(r"```sh\n(.*?)```", readme, re.S)
              if "http://127.0.0.1:8000" in b and not b.startswith("make ")]
    assert blocks, "the README shows no command against the server"
    office = re.search(r"office computer token (\S+)",
                       (demo_dir / "demo-logins.txt").read_text()).group(1)
    env = {**os.environ, "JOURNEY_DATA_DIR": str(demo_dir), "JOURNEY_LOG_LEVEL": "WARNING"}
    process, url = serve(demo_dir, env)
    try:
        for block in blocks:
            script = (block.replace("http://127.0.0.1:8000", url)
                      .replace("<office token printed by make run>", office))
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", script],
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, (script, done.stdout, done.stderr)
            assert '"status_code"' not in done.stdout, (script, done.stdout)  # no error
        assert "Ada Patel" in done.stdout  # the last block lists the children
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_exported_portfolios_are_the_owners_only(demo_dir, tmp_path):
    """A child's photos and journal leave the service readable by its account alone."""
    listed = journey(demo_dir, "devices", "list")
    assert listed.returncode == 0, listed.stderr
    setting = json.loads(listed.stdout.splitlines()[0])["setting_id"]
    out = tmp_path / "portfolios"
    done = journey(demo_dir, "export", "--setting", setting, "--out", str(out))
    assert done.returncode == 0, done.stderr
    children = list(out.iterdir())
    assert children
    for child in children:
        assert child.stat().st_mode & 0o777 == 0o700, child
        for name in ("learning-journey.pdf", "learning-journey.zip"):
            assert (child / name).stat().st_mode & 0o777 == 0o600, name
