"""Logging in costs the same whether or not the email exists (no account enumeration
by timing). Prints the median time of a failed login for an existing email and for an
unknown one, and a successful login, through the HTTP API on SQLite.

    .venv/bin/python bench/login_timing.py [--attempts 40]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from litestar.testing import TestClient  # noqa: E402

from adapters.bootstrap import bootstrap  # noqa: E402
from adapters.http.app import create_app  # noqa: E402
from adapters.settings import Settings  # noqa: E402
from adapters.setup import set_up_setting  # noqa: E402
from bench._common import data_dir, median  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=40)
    args = parser.parse_args()
    with data_dir() as d:
        services = bootstrap(Settings.from_env({"JOURNEY_DATA_DIR": str(d)}))
        set_up_setting(services, "Bench", "known@bench.test", "a-long-password-1",
                       open_all_hours=True)
        known, unknown, success = [], [], []
        with TestClient(create_app(services)) as client:
            for i in range(args.attempts):
                for email, bucket, password in (
                    ("known@bench.test", known, "wrong-password-x"),
                    (f"unknown{i}@bench.test", unknown, "wrong-password-x"),
                    ("known@bench.test", success, "a-long-password-1"),
                ):
                    services.db.execute("DELETE FROM login_failures")
                    started = time.perf_counter()
                    client.post("/auth/login", json={"email": email, "password": password})
                    bucket.append((time.perf_counter() - started) * 1000)
        services.close()
    k, u, s = median(known), median(unknown), median(success)
    print("login timing (median of", args.attempts, "each):")
    print(f"  failed login, existing email   {k:8.1f} ms")
    print(f"  failed login, unknown email    {u:8.1f} ms   (ratio {u / k:5.2f})")
    print(f"  successful login               {s:8.1f} ms")


if __name__ == "__main__":
    main()
