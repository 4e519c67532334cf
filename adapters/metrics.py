"""Prometheus metrics: requests and latency per route template, uploads and failed
logins (counted where they happen), and the event store's head and each view's lag
(read from the database when scraped).

With `PROMETHEUS_MULTIPROC_DIR` set before this module is imported, every process
writes its counters to files there and a scrape of any process adds them all up
(prometheus-client's multiprocess mode); `prepare_multiprocess_dir` empties the
directory when a server starts. Labels never hold ids or names: route templates only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

log = logging.getLogger("journey.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LOGIN_FAILURES = {"failed": "wrong_credentials", "disabled": "disabled",
                  "locked": "throttled"}  # the login log's outcomes, as metric reasons

REQUESTS = Counter("journey_http_requests", "HTTP requests answered, by route template, "
                   "method and status.", ["method", "route", "status"])
LATENCY = Histogram("journey_http_request_duration_seconds", "Time to answer a request, by "
                    "route template and method.", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
UPLOADS = Counter("journey_uploads", "Media stored (API and web form), by kind; refusals "
                  "are in journey_http_requests_total.", ["kind"])
UPLOAD_BYTES = Counter("journey_upload_bytes", "Bytes of media stored, by kind.", ["kind"])
LOGINS_FAILED = Counter("journey_logins_failed", "Logins refused (API and web sign-in): "
                        "wrong e-mail or password, a disabled account, or too many tries.",
                        ["reason"])


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request (`route` is the template, never the path)."""
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def count_upload(kind: str, size: int) -> None:
    """One media object stored (`photo` or `video`)."""
    UPLOADS.labels(kind).inc()
    UPLOAD_BYTES.labels(kind).inc(size)


def count_login(outcome: str) -> None:
    """A login attempt as the login log records it; only refusals are counted."""
    reason = LOGIN_FAILURES.get(outcome)
    if reason is not None:
        LOGINS_FAILED.labels(reason).inc()


class StoreCollector:
    """The event store's head and each view's lag, read from the database at scrape time
    (the same figures from whichever process is scraped)."""

    def __init__(self, services: Any):
        self.services = services

    def collect(self) -> Iterator[Any]:
        up = GaugeMetricFamily("journey_database_up", "1 when the event store and the "
                               "views' database answered this scrape.")
        try:
            self.services.db.reachable(2.0)
            head = self.services.app.recorder.max_notification_id() or 0
            positions = self.services.projections.positions()
        except Exception as error:  # a scrape reports, never fails
            log.warning("metrics: the database did not answer",
                        extra={"error": type(error).__name__})
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("journey_event_store_head", "The newest notification id "
                                "in the event store.", value=head)
        lag = GaugeMetricFamily("journey_projection_lag", "Notifications a view has yet "
                                "to apply.", labels=["projection"])
        for name, position in sorted(positions.items()):
            lag.add_metric([name], max(head - position, 0))
        yield lag


class _Scrape:
    """What one scrape reads: this process's (or every process's) instruments and the
    store's figures."""

    def __init__(self, services: Any):
        if os.environ.get(MULTIPROC_ENV):
            self.base: Any = CollectorRegistry()
            MultiProcessCollector(self.base)
        else:
            self.base = REGISTRY
        self.store = StoreCollector(services)

    def collect(self) -> Iterator[Any]:
        yield from self.base.collect()
        yield from self.store.collect()


def exposition(services: Any) -> bytes:
    """The Prometheus text for a scrape."""
    return generate_latest(_Scrape(services))  # type: ignore[arg-type]


def prepare_multiprocess_dir() -> Path | None:
    """Create `PROMETHEUS_MULTIPROC_DIR` if set and empty it of an earlier run's files
    (called once per server, before its workers start)."""
    raw = os.environ.get(MULTIPROC_ENV)
    if not raw:
        return None
    path = Path(raw)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)
    return path
