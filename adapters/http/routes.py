"""Every route of the service, by feature, documented for `/schema`. A new feature
module adds its ROUTES here.

Each operation gets its summary (the first sentence of the handler's docstring) and
description (the docstring), and the refusals it can give, each with the
`{"status_code", "detail"}` body: `400` bad input, `401`/`403` for routes that need a
login, `404` unknown or not yours, `408` a body too slow to arrive, `409` a rule or
a concurrent change, `413` too large, `415` a body of the wrong type, `422` an
`Idempotency-Key` reused with another body, `429` too many tries, `503` a write
stored whose views are slow to show it. A handler's own `responses` win.
"""

from __future__ import annotations

import inspect
from typing import Any

from litestar.openapi.datastructures import ResponseSpec

from adapters.http.replies import Problem

REFUSALS = {
    400: "Bad input: the detail names the field or parameter and why.",
    401: "Not logged in: send `Authorization: Bearer <token>` from POST /auth/login.",
    403: "Logged in but not allowed: role, device, opening hours or agreement.",
    404: "Unknown, or not yours.",
    408: "The request body was too slow to arrive.",
    409: "A rule or a concurrent change refused it; nothing was recorded.",
    413: "The body is too large.",
    415: "The body is not of a type this route takes.",
    422: "This Idempotency-Key was used with another body.",
    429: "Too many tries: wait for the time in Retry-After.",
    503: "Saved, but the views are slow to show it: read again shortly.",
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
THROTTLED = {"/auth/login", "/media"}


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

    handlers = [
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
    for handler in handlers:
        document(handler)
    return handlers


def refusals(handler: Any) -> list[int]:
    """The refusal statuses a route can give."""
    public = bool(handler.opt.get("public"))
    writes = bool(set(handler.http_methods) & WRITES)
    codes = {400}
    if not public:
        codes |= {401, 403, 404}
    elif writes:
        codes.add(401)  # a wrong password; no token to revoke
    if writes:
        codes |= {408, 409, 413, 415, 422, 503}
    if handler.paths & THROTTLED:
        codes.add(429)
    return sorted(codes)


def document(handler: Any) -> None:
    """Summary, description and refusals of one route (set once, before the app)."""
    if getattr(handler, "_documented", False):
        return
    doc = inspect.getdoc(getattr(handler.fn, "value", handler.fn)) or ""
    if doc and not handler.summary:
        first = " ".join(doc.split("\n\n", 1)[0].split())
        handler.summary = first.split(". ", 1)[0].rstrip(".")
    if doc and not handler.description:
        handler.description = doc
    given = dict(handler.responses or {})
    for code in refusals(handler):
        given.setdefault(code, ResponseSpec(data_container=Problem, description=REFUSALS[code],
                                            generate_examples=False))
    handler.responses = given
    handler._documented = True

