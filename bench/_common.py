"""Shared bench helpers: fresh databases, timing, printing."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ADMIN = os.environ.get("JOURNEY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def fresh_postgres() -> Iterator[str | None]:
    """A new PostgreSQL database URL (None if PostgreSQL is not reachable)."""
    import psycopg

    name = f"journey_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        yield None
        return
    try:
        yield ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def data_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="journey-bench-") as d:
        yield Path(d)


def rate(n: int, fn: Callable[[], None]) -> float:
    """Calls per second of fn over n calls."""
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - started)


def median(values: list[float]) -> float:
    return statistics.median(values)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def row(label: str, value: float, unit: str, baseline: float | None = None) -> None:
    ratio = f"  ({value / baseline:6.1%} of bare)" if baseline else ""
    print(f"  {label:<48} {value:>12,.0f} {unit}{ratio}")
