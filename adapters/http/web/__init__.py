"""The web pages: server-rendered HTML over the same application, views and access rules
as the JSON API (issue 17: parents; issue 18: staff).

Pages identify the caller from an HttpOnly session cookie (the same sessions as the
API's bearer tokens) through the same guard (`adapters.http.auth`), call the JSON
handlers' own functions for commands and the projections' query functions for reads,
and answer HTML. Every form is protected by Litestar's CSRF middleware, applied to these
routes only: the JSON API keeps bearer tokens and needs none. None of these routes is
in `/schema`.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.static_files import create_static_files_router

from adapters.http.web import family, pages, session, staff

STATIC = Path(__file__).parent / "static"
CSRF_COOKIE = "journey_csrf"


def csrf_secret(master_key: bytes) -> str:
    """The CSRF signing secret: derived from the master key, used for nothing else."""
    return hmac.new(master_key, b"journey csrf v1", hashlib.sha256).hexdigest()


def routers(services: Any) -> list[Any]:
    """The pages' router (CSRF on every form) and the static files (CSS, scripts)."""
    csrf = CSRFConfig(secret=csrf_secret(services.settings.master_key), cookie_name=CSRF_COOKIE,
                      cookie_httponly=True, cookie_samesite="strict")
    pages_router = Router(
        path="/",
        route_handlers=[*session.ROUTES, *family.ROUTES, *staff.ROUTES],
        dependencies={"actor": Provide(session.provide_page_actor, sync_to_thread=False)},
        middleware=[DefineMiddleware(CSRFMiddleware, config=csrf)],
        exception_handlers=pages.EXCEPTION_HANDLERS,
        include_in_schema=False,
        opt={"web": True},
    )
    static = create_static_files_router(
        path="/static", directories=[STATIC], include_in_schema=False,
        opt={"public": True, "web": True}, cache_control=None,
    )
    return [pages_router, static]


def install(app: Any, services: Any) -> None:
    """What the pages keep per process: each journey entry rendered once (registered with
    the caches, so erasure forgets a child's)."""
    app.state.journey_fragments = family.JourneyFragments()
    services.caches.register(
        "journey_pages", app.state.journey_fragments,
        "A rendered journey entry is kept under the view row it was made from, so a "
        "changed row is rendered afresh; erasure drops the child's at once.")
