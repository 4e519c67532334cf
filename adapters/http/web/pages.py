"""Rendering pages: one Jinja2 environment, the pages' Content-Security-Policy, and
failures as pages a parent understands (a refusal never shows more than the API's)."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect
from litestar.utils.scope.state import ScopeState

from adapters.http.auth import DEVICE_MISSING, DEVICE_UNKNOWN
from adapters.http.errors import STATUS, TooManyAttempts, Unauthenticated
from adapters.http.middleware import BodyDropped, BodyTooSlow
from domain.errors import DomainError, Forbidden, NotFound
from domain.framework import framework_for
from projections.engine import ViewsBehind

log = logging.getLogger("journey.web")

# Nothing inline, nothing from elsewhere: scripts, styles, photos and videos of our own.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
       "media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
SESSION_COOKIE = "journey_session"
DEVICE_COOKIE = "journey_device"
HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}

ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                  autoescape=select_autoescape(["html"]), trim_blocks=True,
                  lstrip_blocks=True, auto_reload=False)

MEALS = {"breakfast": "Breakfast", "morning_snack": "Morning snack", "lunch": "Lunch",
         "afternoon_snack": "Afternoon snack", "tea": "Tea"}
AMOUNTS = {"all": "ate it all", "most": "ate most of it", "half": "ate half",
           "some": "ate a little", "none": "ate none"}
ROLES = {"manager": "Manager", "practitioner": "Practitioner",
         "safeguarding_lead": "Safeguarding lead", "parent": "Parent"}


FRAMEWORK = framework_for()


def framework_in_words(ref: dict) -> str:
    """"Communication and Language — Listening, Attention and Understanding (Birth to
    three)": a journey entry brings its `words`; a queue entry is worded here."""
    return ref.get("words") or FRAMEWORK.in_words(ref)


def long_date(value: str | date | None) -> str:
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day:%A} {day.day} {day:%B %Y}"


def clock_time(value: str | datetime | None, timezone: Any = None) -> str:
    """The time of day, in the setting's timezone when given."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if timezone is not None and moment.tzinfo is not None:
        moment = moment.astimezone(timezone)
    return f"{moment:%H:%M}"


def sleep_length(entry: dict) -> str:
    """How long a sleep lasted, in words ("1 hour 5 minutes")."""
    minutes = int((datetime.fromisoformat(str(entry["end"]))
                   - datetime.fromisoformat(str(entry["start"]))).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []) + \
        ([f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes or not hours else [])
    return " ".join(parts)


ENV.filters.update(framework_in_words=framework_in_words, long_date=long_date,
                   sleep_length=sleep_length,
                   clock_time=clock_time, role_name=lambda r: ROLES.get(r, r or ""))
ENV.globals.update(MEALS=MEALS, AMOUNTS=AMOUNTS)


def csrf_token(request: Request) -> str:
    return ScopeState.from_scope(request.scope).csrf_token or ""


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    """A page, with the CSRF token every form sends back."""
    body = ENV.get_template(template).render(csrf_token=csrf_token(request), **context)
    return Response(body, status_code=status, media_type=MediaType.HTML, headers=HEADERS)


def see_other(url: str) -> Response:
    """After a form: the next page, by GET (so a reload does not send the form again)."""
    return Redirect(url, status_code=303, headers=HEADERS)


class SignFirst(Exception):
    """A parent who has not signed the agreement for this child: to the agreement."""

    def __init__(self, child_id: str):
        self.child_id = child_id


def _problem_page(request: Request, status: int, title: str, detail: str,
                  headers: dict[str, str] | None = None, enrol: bool = False) -> Response:
    page = render(request, "problem.html", status, title=title, detail=detail,
                  signed_in=bool(request.cookies.get(SESSION_COOKIE)), enrol=enrol)
    if headers:
        page.headers.update(headers)
    return page


NOT_A_SETTING_DEVICE = ("Staff may use the system only on the setting's equipment, and this "
                        "browser is not one of the setting's devices.")
NOT_FOUND = ("We cannot find that page. The address may be mistyped, or the page is not "
             "one you can see.")


def not_found_page(request: Request, _: Exception | None = None) -> Response:
    """The same page for an unknown address and for anything not yours."""
    return _problem_page(request, 404, "Page not found", NOT_FOUND)


def domain_error(request: Request, error: DomainError) -> Response:
    if isinstance(error, NotFound):
        return not_found_page(request)
    status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
    title = "Not allowed" if isinstance(error, Forbidden) else "That did not work"
    detail = error.detail
    if detail == DEVICE_MISSING:
        detail = NOT_A_SETTING_DEVICE
    return _problem_page(request, status, title, detail,
                         enrol=detail in (NOT_A_SETTING_DEVICE, DEVICE_UNKNOWN))


def unauthenticated(request: Request, _: Exception) -> Response:
    """Not signed in (or the session ended): to the sign-in page, then back here."""
    back = request.url.path if request.method == "GET" else "/"
    return see_other(f"/sign-in?next={quote(back, safe='/')}")


def http_error(request: Request, error: HTTPException) -> Response:
    if isinstance(error, Unauthenticated | NotAuthorizedException):
        return unauthenticated(request, error)
    if isinstance(error, TooManyAttempts):
        return _problem_page(request, 429, "Please wait", str(error.detail), error.headers)
    if error.status_code == 404:
        return not_found_page(request)
    if isinstance(error, PermissionDeniedException) and "CSRF" in str(error.detail):
        return _problem_page(request, 403, "Please try again",
                             "This form was open too long or came from elsewhere; go back, "
                             "reload the page and send it again.")
    if error.status_code in (400, 422):
        return _problem_page(request, 400, "That did not work",
                             "Something in the form was missing or not understood; go back "
                             "and check it.")
    return _problem_page(request, error.status_code, "That did not work",
                         str(error.detail or "The request was refused."))


def sign_first(_: Request, error: SignFirst) -> Response:
    return see_other(f"/agreement/{error.child_id}")


def views_behind(request: Request, error: ViewsBehind) -> Response:
    log.error("views behind a write", exc_info=error,
              extra={"method": request.method, "path": request.url.path})
    return _problem_page(request, 503, "Saved",
                         "Your change is saved, but it is slow to show: look again in a few "
                         "seconds rather than sending it again.", {"Retry-After": "2"})


def body_failed(request: Request, _: Exception) -> Response:
    return _problem_page(request, 408, "That did not arrive",
                         "The connection dropped while sending; please send it again.")


def out_of_range(request: Request, _: OverflowError) -> Response:
    """A date beyond what can be computed with (the day before 1 January year 1)."""
    return _problem_page(request, 400, "That did not work",
                         "A date or number in the address or form is out of the range this "
                         "service handles.")


def internal_error(request: Request, error: Exception) -> Response:
    request_id = uuid.uuid4().hex[:12]
    log.error("unhandled error", exc_info=error,
              extra={"request_id": request_id, "method": request.method,
                     "path": request.url.path})
    return _problem_page(request, 500, "Something went wrong",
                         f"Something went wrong on our side; please try again later "
                         f"(reference {request_id}).")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    SignFirst: sign_first,
    DomainError: domain_error,
    ViewsBehind: views_behind,
    BodyTooSlow: body_failed,
    BodyDropped: body_failed,
    OverflowError: out_of_range,
    HTTPException: http_error,
    Exception: internal_error,
}


def wants_page(request: Request) -> bool:
    """A browser asking for a page (not an API client): it accepts HTML, sends no token."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not request.headers.get("authorization")


def unknown_address(api_handler: Any) -> Any:
    """The app's handler of HTTP errors, but a browser's mistyped address gets the same
    "page not found" as anything not theirs (API clients keep the JSON answer)."""

    def handler(request: Request, error: HTTPException) -> Response:
        if error.status_code == 404 and request.method == "GET" and wants_page(request):
            return not_found_page(request)
        return api_handler(request, error)

    return handler


def form_values(form: Any, name: str) -> list:
    """Every value of a form field (none if the field is absent)."""
    return form.getall(name) if name in form else []


class FileSource:
    """A file of a submitted form, read like a request body (`media.store_upload`)."""

    def __init__(self, upload: Any):
        self.upload = upload

    async def stream(self) -> Any:
        while chunk := await self.upload.read(256 * 1024):
            yield chunk
