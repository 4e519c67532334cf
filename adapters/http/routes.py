"""Every route of the service, by feature. A new feature module adds its ROUTES here."""

from __future__ import annotations

from typing import Any


def route_handlers() -> list[Any]:
    from adapters.http import (
        audit,
        consent,
        custody,
        diary,
        directory,
        health,
        identity,
        journey,
        lifecycle,
        media,
        progress,
        reports,
    )

    return [
        *health.ROUTES,
        *identity.ROUTES,
        *journey.ROUTES,
        *media.ROUTES,
        *consent.ROUTES,
        *diary.ROUTES,
        *custody.ROUTES,
        *directory.ROUTES,
        *audit.ROUTES,
        *lifecycle.ROUTES,
        *reports.ROUTES,
        *progress.ROUTES,
    ]
