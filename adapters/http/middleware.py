"""ASGI middleware: security headers on every response, request ids, metrics and
structured access logs."""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio

from adapters.logs import REQUEST_ID, request_id_from
from adapters.metrics import observe_request

log = logging.getLogger("journey.access")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"strict-transport-security", b"max-age=31536000"),
]


def _allowed(scope: dict) -> bytes | None:
    """Every method of the path (Litestar's own OPTIONS answer names only one handler's
    when a path has several)."""
    app, template = scope.get("app"), scope.get("path_template")
    if app is None or template is None:
        return None
    methods = {m for route in app.routes if route.path_format == template
               for m in getattr(route, "methods", ())}
    return ", ".join(sorted(methods)).encode() if methods else None


async def add_security_headers(message: dict, scope: dict) -> None:
    """A before-send hook: security headers on every response, unknown routes included,
    `Cache-Control: no-store` unless the handler set its own, and a complete `Allow`."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers") or [])
    if scope.get("method") == "OPTIONS" or message.get("status") == 405:
        allow = _allowed(scope)
        if allow is not None:
            headers = [(k, v) for k, v in headers if bytes(k).lower() != b"allow"]
            headers.append((b"allow", allow))
    names = {bytes(name).lower() for name, _ in headers}
    headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
    if b"x-request-id" not in names:  # answered before `access_log` ran (unknown route)
        headers.append((b"x-request-id",
                        request_id_from(_header(scope, b"x-request-id")).encode()))
    if b"cache-control" not in names:
        headers.append((b"cache-control", b"no-store"))
    message["headers"] = headers


def access_log(app: Any) -> Any:
    """Give each request its id (a sane `X-Request-Id` from the caller, else a fresh one),
    echoed in the response and carried by every log line written for it; count it in the
    metrics by route template; log it as one structured line: method, path, status,
    time. No bodies."""

    async def middleware(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status_seen = 0
        request_id = request_id_from(_header(scope, b"x-request-id"))
        echoed = (b"x-request-id", request_id.encode())
        bound = REQUEST_ID.set(request_id)

        async def watch(message: dict) -> None:
            nonlocal status_seen
            if message["type"] == "http.response.start":
                status_seen = message["status"]
                message["headers"] = [*(h for h in message.get("headers") or []
                                        if bytes(h[0]).lower() != b"x-request-id"), echoed]
            await send(message)

        try:
            await app(scope, receive, watch)
        except Exception as error:
            # answered by a handler outside this middleware (an error raised by a router's
            # own middleware, such as the pages' CSRF check): count the status it stands for
            status_seen = status_seen or getattr(error, "status_code", 0)
            raise
        finally:
            seconds = time.perf_counter() - started
            status = status_seen or 500  # nothing sent: the connection got our failure
            observe_request(scope.get("method", ""), scope.get("path_template") or "unmatched",
                            status, seconds)
            if log.isEnabledFor(logging.INFO):
                log.info("request", extra={
                    "method": scope.get("method"),
                    "route": scope.get("path"),
                    "status": status_seen,
                    "ms": round(seconds * 1000, 1),
                })
            REQUEST_ID.reset(bound)

    return middleware


def _header(scope: dict, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value
    return None


BODY_CHUNK_SECONDS = 30.0  # the longest wait for the next piece of a request body


class BodyTooSlow(Exception):
    """A request body stalled: no data for `BODY_CHUNK_SECONDS` (answered 408)."""


class BodyDropped(Exception):
    """The client went away before its body arrived (an abandoned upload)."""


def body_deadline(app: Any) -> Any:
    """Bound the wait for each piece of a request body, so that a stalled body does not
    hold a connection and a worker open for ever; a client that disconnects mid-body
    is reported as that, not as our fault."""

    async def middleware(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        done = False

        async def receive_in_time() -> dict:
            nonlocal done
            if done:  # the body is in; what is left is waiting for a disconnect
                return await receive()
            try:
                with anyio.fail_after(BODY_CHUNK_SECONDS):
                    message = await receive()
            except TimeoutError:
                raise BodyTooSlow() from None
            if message["type"] == "http.disconnect":
                raise BodyDropped()
            done = not message.get("more_body", False)
            return message

        await app(scope, receive_in_time, send)

    return middleware
