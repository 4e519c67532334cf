"""Operations routes: `GET /health` (alive), `GET /health/ready` (database, media store
and views close to the log) and `GET /metrics` (Prometheus, for configured addresses or
a token). None of them tells an anonymous caller any count."""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import threading
import time
from typing import Any

from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec

from adapters.bootstrap import Services
from adapters.http.replies import Health, Problem, Readiness, ReadinessChecks
from adapters.metrics import exposition
from domain.errors import Forbidden

PROMETHEUS_TEXT = "text/plain; version=0.0.4"  # the classic text format every scraper reads
CHECK_SECONDS = 3.0  # the longest a readiness check may take before it counts as failed


@get("/health", opt={"public": True}, sync_to_thread=False)
def health() -> Health:
    """Answer while the process is alive; says nothing else (see `/health/ready`)."""
    return Health(status="ok")


def readiness(services: Services) -> dict[str, str]:
    """Each check's verdict: `ok`, `unreachable`, or for the views `behind`.

    The database checks run on the calling thread (a fresh connection with a short
    timeout); the media store's, which may retry for long, on a thread of its own that
    is given `CHECK_SECONDS` and then left to finish.
    """
    checks = {"database": "unreachable", "media": "unreachable",
              "projections": "unreachable"}

    def media() -> None:
        with contextlib.suppress(Exception):
            services.media.check()
            checks["media"] = "ok"

    deadline = time.monotonic() + CHECK_SECONDS
    media_thread = threading.Thread(target=media, name="journey-ready-media", daemon=True)
    media_thread.start()
    try:
        services.db.reachable(CHECK_SECONDS)
        head = services.app.recorder.max_notification_id() or 0
        checks["database"] = "ok"
        positions = services.projections.positions().values()
        lag = max((head - position for position in positions), default=0)
        checks["projections"] = "ok" if lag <= services.settings.ready_max_lag else "behind"
    except Exception:  # a check reports, never raises
        pass
    media_thread.join(max(deadline - time.monotonic(), 0.1))
    return dict(checks)


@get("/health/ready", opt={"public": True}, sync_to_thread=True, responses={
    503: ResponseSpec(data_container=Readiness, generate_examples=False,
                      description="Not ready: the database or media store does not "
                                  "answer, or the views lag the log by more than "
                                  "JOURNEY_READY_MAX_LAG.")})
def ready(services: Services) -> Response[Readiness]:
    """Answer 200 when the database and media store answer and every view is within
    `JOURNEY_READY_MAX_LAG` notifications of the log; 503 otherwise.

    Each check says `ok`, `unreachable` or (views) `behind`; no counts.
    """
    checks = readiness(services)
    good = all(verdict == "ok" for verdict in checks.values())
    return Response(Readiness(status="ready" if good else "not_ready",
                              checks=ReadinessChecks(**checks)),
                    status_code=200 if good else 503)


def may_read_metrics(client: str | None, authorization: str | None,
                     allow: tuple[str, ...], token: str | None) -> bool:
    """From an allowed address (the connecting one, or the forwarded one behind a
    trusted proxy), or with `Authorization: Bearer <JOURNEY_METRICS_TOKEN>`."""
    if token and authorization:
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode()):
            return True
    try:
        address = ipaddress.ip_address(client or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in allow)


@get("/metrics", opt={"public": True}, sync_to_thread=True, media_type=PROMETHEUS_TEXT,
     responses={
         200: ResponseSpec(data_container=str, media_type=PROMETHEUS_TEXT,
                           generate_examples=False,
                           description="Prometheus text exposition format."),
         403: ResponseSpec(data_container=Problem, generate_examples=False,
                           description="Not from an address in JOURNEY_METRICS_ALLOW and "
                                       "no valid JOURNEY_METRICS_TOKEN.")})
def metrics(request: Request[Any, Any, Any], services: Services) -> Response[bytes]:
    """Prometheus metrics: requests and latency per route, uploads, failed logins, the
    event store's head and each view's lag.

    Readable from the addresses in `JOURNEY_METRICS_ALLOW` (default loopback) or with
    `Authorization: Bearer <JOURNEY_METRICS_TOKEN>`; anyone else gets 403.
    """
    settings = services.settings
    client = request.client.host if request.client else None
    if not may_read_metrics(client, request.headers.get("authorization"),
                            settings.metrics_allow, settings.metrics_token):
        raise Forbidden("Metrics are readable only from an address in JOURNEY_METRICS_ALLOW "
                        "or with the JOURNEY_METRICS_TOKEN bearer token.")
    return Response(exposition(services), media_type=PROMETHEUS_TEXT)


ROUTES = [health, ready, metrics]
