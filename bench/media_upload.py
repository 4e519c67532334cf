"""Upload a generated video through the HTTP API, to each media store, and compare.

For each store (the filesystem, and S3 served by moto on loopback), in the same run:

1. the same bytes written directly to the store (`MediaStore.put`), the baseline;
2. the bytes sent to `POST /media` of a real server (uvicorn, in a subprocess, with a
   temporary `JOURNEY_DATA_DIR`), streamed by the client.

It prints both throughputs, their ratio (target: at least 50%) and the server's
resident memory growth during the upload (VmRSS sampled from /proc every 20 ms, and
VmHWM; target: under 64 MB).

    .venv/bin/python bench/media_upload.py                 # 500 MB, both stores
    .venv/bin/python bench/media_upload.py --size-mb 50 --stores filesystem
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
CHUNK = 1024 * 1024
PASSWORD = "bench-crayon-teapot-for-media"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def video_chunks(size: int):
    """An MP4-shaped body of exactly `size` bytes: ftyp, then one mdat of random data."""
    ftyp = struct.pack(">I", 24) + b"ftypisom" + b"\0\0\2\0" + b"isommp41"
    mdat_size = size - len(ftyp)
    head = ftyp + struct.pack(">I", mdat_size) + b"mdat"
    block = os.urandom(4 * MB)
    yield head
    left = size - len(head)
    offset = 0
    while left > 0:
        n = min(CHUNK, left)
        start = offset % (len(block) - CHUNK)
        yield block[start:start + n]
        offset += 7919
        left -= n


class Reader:
    """A file-like view of `video_chunks` for the direct write."""

    def __init__(self, size: int):
        self._chunks = video_chunks(size)
        self._buffer = b""

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buffer) < n:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if n < 0:
            n = len(self._buffer)
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data


def memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def run_store(store: str, size: int) -> dict:
    from adapters.settings import Settings
    from adapters.storage.media import media_key, media_store_for

    started: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="journey-bench-") as tmp:
        env = {**os.environ, "JOURNEY_DATA_DIR": tmp, "JOURNEY_LOG_LEVEL": "WARNING",
               "JOURNEY_VIDEO_MAX_MB": str(size // MB + 64), "PYTHONPATH": str(ROOT)}
        try:
            if store == "s3":
                port = free_port()
                moto = subprocess.Popen(
                    [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                started.append(moto)
                wait_until_up(f"http://127.0.0.1:{port}/", moto)
                env["JOURNEY_MEDIA_URL"] = (f"s3://bench:secret@127.0.0.1:{port}/"
                                            f"media-{uuid.uuid4().hex[:8]}")
            settings = Settings.from_env(env)
            direct_store = media_store_for(settings)

            # 1. the baseline: the same bytes written directly to the store
            key = media_key(uuid.uuid4(), uuid.uuid4())
            t0 = time.perf_counter()
            direct_store.put(key, Reader(size), size, "video/mp4")
            direct_s = time.perf_counter() - t0
            direct_store.delete(key)

            # 2. through the HTTP API of a real server
            made = json.loads(subprocess.run(
                [sys.executable, "-m", "adapters.cli", "setup", "--setting", "Bench Nursery",
                 "--manager-email", "bench@example.org", "--manager-password", PASSWORD,
                 "--open-all-hours"], env=env, cwd=ROOT, check=True, capture_output=True,
                text=True).stdout.strip().splitlines()[-1])
            port = free_port()
            server = subprocess.Popen(
                [sys.executable, "-m", "adapters.cli", "serve", "--port", str(port),
                 "--workers", "1"],
                env=env, cwd=ROOT)
            started.append(server)
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/health", server)
            with httpx.Client(base_url=base, timeout=600) as client:
                token = client.post("/auth/login", json={
                    "email": "bench@example.org", "password": PASSWORD}).json()["token"]
                headers = {"Authorization": f"Bearer {token}",
                           "X-Device-Token": made["device_token"],
                           "Content-Type": "video/mp4", "Content-Length": str(size)}
                client.get("/health")  # warm up
                rss_before = memory_kb(server.pid, "VmRSS")
                hwm_before = memory_kb(server.pid, "VmHWM")
                peak = [rss_before]
                done = threading.Event()

                def sample() -> None:
                    while not done.wait(0.02):
                        try:
                            peak[0] = max(peak[0], memory_kb(server.pid, "VmRSS"))
                        except OSError:
                            return

                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
                t0 = time.perf_counter()
                response = client.post("/media", headers=headers, content=video_chunks(size))
                http_s = time.perf_counter() - t0
                done.set()
                sampler.join()
                hwm_after = memory_kb(server.pid, "VmHWM")
                if response.status_code != 201:
                    raise RuntimeError(f"upload refused: {response.status_code} "
                                       f"{response.text}")
                stored = response.json()
                if stored["size"] != size:
                    raise RuntimeError(f"stored {stored['size']} bytes, sent {size}")
        finally:
            for process in reversed(started):
                stop(process)
    return {
        "store": store,
        "size_mb": size / MB,
        "direct_mb_s": size / MB / direct_s,
        "http_mb_s": size / MB / http_s,
        "ratio": direct_s / http_s,
        "rss_growth_mb": (peak[0] - rss_before) / 1024,
        "hwm_growth_mb": max(hwm_after - hwm_before, 0) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500, help="video size (default 500)")
    parser.add_argument("--stores", default="filesystem,s3",
                        help="comma separated: filesystem, s3 (default both)")
    args = parser.parse_args()
    size = args.size_mb * MB
    print(f"Uploading a generated {args.size_mb} MB video (video/mp4).")
    print(f"{'store':<12}{'direct MB/s':>13}{'HTTP MB/s':>12}{'HTTP/direct':>13}"
          f"{'RSS growth MB':>15}{'HWM growth MB':>15}")
    failed = False
    for store in [s.strip() for s in args.stores.split(",") if s.strip()]:
        r = run_store(store, size)
        print(f"{store:<12}{r['direct_mb_s']:>13.1f}{r['http_mb_s']:>12.1f}"
              f"{r['ratio']:>12.0%}{r['rss_growth_mb']:>15.1f}{r['hwm_growth_mb']:>15.1f}")
        failed |= r["ratio"] < 0.5 or r["rss_growth_mb"] >= 64
    print("targets: HTTP/direct >= 50%, RSS growth < 64 MB:", "missed" if failed else "met")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
