"""`GET /health`: the event store, the media store and how far each view lags the log."""

from __future__ import annotations

from litestar import get

from adapters.bootstrap import Services
from adapters.http.replies import Health


@get("/health", opt={"public": True}, sync_to_thread=True)
def health(services: Services) -> Health:
    """Report the backends and the projections' lag; 200 while everything answers."""
    report: dict = {"status": "ok"}
    try:
        head = services.app.recorder.max_notification_id() or 0
        report["event_store"] = {"backend": services.backend, "ok": True, "head": head}
    except Exception as error:  # report, never raise
        report["status"] = "degraded"
        report["event_store"] = {"backend": services.backend, "ok": False,
                                 "error": type(error).__name__}
    try:
        services.media.check()
        report["media"] = {"backend": services.media.kind, "ok": True}
    except Exception as error:
        report["status"] = "degraded"
        report["media"] = {"backend": services.media.kind, "ok": False,
                           "error": type(error).__name__}
    try:
        report["projections"] = {"lag": services.projections.lag(),
                                 "failure": services.projections.failure}
    except Exception as error:
        report["status"] = "degraded"
        report["projections"] = {"error": type(error).__name__}
    return report


ROUTES = [health]
