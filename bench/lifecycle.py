"""Erasing a child with many observations and photos, and building a large portfolio.

For each backend (SQLite, and PostgreSQL when JOURNEY_TEST_POSTGRES or the default
local server answers), in a fresh data directory:

1. seed one child with `--observations` approved observations, each with one photo
   (through the HTTP API in process), and a second child to export;
2. time `POST /children/{id}/erase` (seconds), and, as the bare baseline in the same
   run, deleting the same number of media objects directly from the store;
3. run `journey export CHILD --out DIR` as a separate process for a child with
   `--photos` photos and report its time and peak RSS (target: under 150 MB).

    .venv/bin/python bench/lifecycle.py                         # 500 / 2000, both backends
    .venv/bin/python bench/lifecycle.py --observations 50 --photos 200 --backends sqlite
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import data_dir, fresh_postgres  # noqa: E402

PASSWORD = "bench-password-lifecycle"


def photo(seed: int) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (1600, 1200), (seed * 7 % 255, seed * 13 % 255, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def seed_child(client, manager: dict, name: str, count: int) -> str:
    child = client.post("/children", headers=manager, json={
        "name": name, "date_of_birth": "2023-03-01", "room": "Rainbow",
        "key_person_id": manager["_id"]}).json()["child_id"]
    for i in range(count):
        media = client.post("/media", content=photo(i), headers={
            **manager, "Content-Type": "image/jpeg", "X-Children": child}).json()["media_id"]
        made = client.post(f"/children/{child}/observations", headers=manager, json={
            "observed_on": "2026-11-24", "text": f"Builds tower number {i}.",
            "media": [media]}).json()
        client.post(f"/observations/{made['observation_id']}/approve", headers=manager,
                    json={"revision": 1})
    return child


def run(backend: str, url: str | None, observations: int, photos: int) -> None:
    from litestar.testing import TestClient

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app
    from adapters.settings import Settings
    from adapters.setup import set_up_setting

    with data_dir() as directory:
        env = {"JOURNEY_DATA_DIR": str(directory)}
        if url:
            env["JOURNEY_DATABASE_URL"] = url
        services = bootstrap(Settings.from_env(env))
        made = set_up_setting(services, "Bench Nursery", "bench@example.org", PASSWORD,
                              "Bench Manager", open_all_hours=True)
        with TestClient(app=create_app(services)) as client:
            token = client.post("/auth/login", json={
                "email": "bench@example.org", "password": PASSWORD}).json()["token"]
            manager = {"Authorization": f"Bearer {token}",
                       "X-Device-Token": made["device_token"]}
            manager_id = str(made["manager_id"])
            seeded = time.perf_counter()
            child = seed_child(client, {**manager, "_id": manager_id}, "Erase Me",
                               observations)
            keeper = seed_child(client, {**manager, "_id": manager_id}, "Keep Me", photos)
            empty = seed_child(client, {**manager, "_id": manager_id}, "Empty", 0)
            print(f"  seeded {observations + photos} observations in "
                  f"{time.perf_counter() - seeded:,.0f} s")
            bare_keys = []
            for i in range(observations):  # the baseline: the store's own deletes
                key = f"{made['setting_id']}/{uuid.uuid4()}"
                services.media.put(key, io.BytesIO(photo(i)))
                bare_keys.append(key)
            started = time.perf_counter()
            for key in bare_keys:
                services.media.delete(key)
            bare = time.perf_counter() - started
            started = time.perf_counter()
            r = client.post(f"/children/{child}/erase", headers=manager,
                            json={"confirm": "Erase Me"})
            erase = time.perf_counter() - started
            assert r.status_code == 204, r.text
            print(f"  erase a child with {observations} observations and photos: "
                  f"{erase:,.1f} s (deleting {observations} objects alone: {bare:,.1f} s)")
        services.close()
        bare_peak, _, _ = export(empty, env)  # the baseline: the command's own footprint
        peak, took, sizes = export(keeper, env)
        print(f"  portfolio of {photos} photos (PDF and zip): {took:,.1f} s, peak RSS "
              f"{peak:,.0f} MB (target < 150 MB; an empty journey: {bare_peak:,.0f} MB); "
              f"sizes MB {sizes}")


def export(child: str, env: dict) -> tuple[float, float, dict]:
    """`journey export` in its own process: (peak RSS MB, seconds, file sizes MB). The
    peak is the process's VmHWM read from /proc every 20 ms (getrusage would count the
    bench's own memory, copied into the child before it runs `exec`)."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli", "export", child, "--out", out],
            env={**os.environ, **env}, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        peak = 0
        while process.poll() is None:
            peak = max(peak, high_water_kb(process.pid))
            time.sleep(0.02)
        took = time.perf_counter() - started
        assert process.returncode == 0, process.returncode
        sizes = {p.name: p.stat().st_size // (1024 * 1024) for p in Path(out).iterdir()}
    return peak / 1024, took, sizes


def high_water_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--observations", type=int, default=500)
    p.add_argument("--photos", type=int, default=2000)
    p.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    args = p.parse_args()
    logging.disable(logging.INFO)
    for backend in args.backends:
        print(f"{backend}:")
        if backend == "postgres":
            with fresh_postgres() as url:
                if url is None:
                    print("  PostgreSQL not reachable; skipped")
                    continue
                run(backend, url, args.observations, args.photos)
        else:
            run(backend, None, args.observations, args.photos)


if __name__ == "__main__":
    main()
