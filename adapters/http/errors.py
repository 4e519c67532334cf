"""Map every failure to `{"status_code", "detail"}`: domain errors to 4xx, our own faults to 500."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from adapters.http.middleware import BodyDropped, BodyTooSlow
from domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    TooLarge,
    UnsupportedMedia,
)
from projections.engine import ViewsBehind

log = logging.getLogger("journey.http")

STATUS = {
    Invalid: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedMedia: 415,
}


class Unauthenticated(HTTPException):
    """No valid login: 401."""

    status_code = 401


class TooManyAttempts(HTTPException):
    """Throttled or locked: 429 with Retry-After."""

    status_code = 429


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        {"status_code": status, "detail": detail},
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def domain_error(_: Request, error: DomainError) -> Response:
    status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
    return problem(status, error.detail)


def _field_of(item: dict[str, Any]) -> str | None:
    key = item.get("key")
    message = str(item.get("message", ""))
    if "at `$." in message:
        path = message.split("at `$.", 1)[1].rstrip("`")
        return f"{key}.{path}" if key and key != "data" else path
    return key if key and key != "data" else None


def validation_error(_: Request, error: ValidationException) -> Response:
    extra = error.extra if isinstance(error.extra, list) else []
    sentences = []
    for item in extra:
        if not isinstance(item, dict):
            continue
        field = _field_of(item)
        message = str(item.get("message", "is invalid")).split(" - at `")[0]
        source = str(getattr(item.get("source"), "value", item.get("source") or ""))
        if source in ("query", "path", "header", "cookie") and field:
            sentences.append(f"The {source} parameter '{field}' is invalid: {message}.")
        elif message.startswith("Object contains unknown field"):
            extra = message.split("`")[1] if "`" in message else field
            sentences.append(f"The field '{extra}' is not one this request takes.")
        elif message.startswith("Object missing required field"):
            missing = message.split("`")[1] if "`" in message else field
            prefix = f"{field.rsplit('.', 1)[0]}." if field and "." in (field or "") else ""
            sentences.append(f"The field '{prefix}{missing}' is required.")
        elif field:
            sentences.append(f"The field '{field}' is invalid: {_plain(message)}.")
        elif item.get("key") == "data" and not message.startswith("Expected"):
            sentences.append("This request needs a JSON body: see /schema for its fields.")
        else:
            sentences.append(f"The request body is invalid: {_plain(message)}.")
    detail = " ".join(sentences) or "The request body is not valid JSON of the expected shape."
    return problem(400, detail)


WORDS = {"str": "text", "int": "a whole number", "float": "a number", "bool": "true or false",
         "object": "a JSON object", "array": "a list", "null": "null", "uuid": "an id (UUID)",
         "date": "a date (YYYY-MM-DD)", "datetime": "a time with an offset"}


def _plain(message: str) -> str:
    """msgspec's "Expected `str`, got `int`" as "it must be text, not a whole number"."""
    if message.startswith("Expected `") and ", got `" in message:
        wanted, got = (part.split("`")[1] for part in message.split(", got "))
        wanted = " or ".join(WORDS.get(w.strip(), w.strip()) for w in wanted.split("|"))
        return f"it must be {wanted}, not {WORDS.get(got, got)}"
    return message[:1].lower() + message[1:]


def _not_json(request: Request, detail: str) -> str:
    """What to do when the body could not be read as JSON."""
    sent = (request.headers.get("content-type") or "").split(";")[0].strip()
    login = " with email and password" if request.url.path == "/auth/login" else ""
    if sent and sent != "application/json":
        return (f"This service takes JSON, not {sent}: send a JSON object{login} with "
                "Content-Type: application/json.")
    reason = "it ends too soon" if "truncated" in detail else detail.split(": ", 1)[-1]
    return f"The request body is not valid JSON ({reason}): send a JSON object{login}."


def http_error(request: Request, error: HTTPException) -> Response:
    if isinstance(error, ValidationException):
        return validation_error(request, error)
    status = error.status_code
    detail = error.detail
    if status == 400 and detail and (detail.startswith("JSON is malformed")
                                     or detail.startswith("Input data was truncated")):
        detail = _not_json(request, detail)
    if status == 404 and (not detail or detail == "Not Found"):
        detail = "Not found."
    if status == 405:
        detail = "This method is not allowed on this path."
    if status == 413:
        detail = detail if detail and "Request Entity" not in detail else "The body is too large."
    return problem(status, detail or "The request was refused.", headers=error.headers)


def internal_error(request: Request, error: Exception) -> Response:
    request_id = uuid.uuid4().hex[:12]
    log.error(
        "unhandled error",
        exc_info=error,
        extra={"request_id": request_id, "method": request.method, "path": request.url.path},
    )
    return problem(500, f"Something went wrong on our side (request {request_id}).")


def nested_too_deeply(_: Request, __: RecursionError) -> Response:
    """A body nested deeper than the decoder goes (an attack, not a fault of ours)."""
    return problem(400, "The request body is nested too deeply to be read.")


def out_of_range(_: Request, __: OverflowError) -> Response:
    """A date or number beyond what can be computed with (year 9999 at -12:00)."""
    return problem(400, "A date, time or number in the request is out of the range this "
                        "service handles.")


def body_too_slow(_: Request, __: BodyTooSlow) -> Response:
    return problem(408, "The request body stopped arriving; send it again.",
                   headers={"Connection": "close"})


def body_dropped(request: Request, _: BodyDropped) -> Response:
    """Nobody is left to read the answer; the log says what happened, not a 500."""
    log.info("request body dropped by the client",
             extra={"method": request.method, "path": request.url.path})
    return problem(400, "The connection closed before the whole body arrived.")


def views_behind(request: Request, error: ViewsBehind) -> Response:
    """A write stored whose views lag: said loudly in the log, and to the client."""
    log.error("views behind a write", exc_info=error,
              extra={"method": request.method, "path": request.url.path,
                     "notification_id": error.notification_id})
    return problem(503, "Your change is saved, but the service is slow to show it: read "
                        "again in a few seconds rather than sending it again.",
                   headers={"Retry-After": "2"})


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error,
    ViewsBehind: views_behind,
    RecursionError: nested_too_deeply,
    BodyTooSlow: body_too_slow,
    BodyDropped: body_dropped,
    OverflowError: out_of_range,
    HTTPException: http_error,
    Exception: internal_error,
}
