"""The Litestar app factory: routes, dependencies, middleware and error mapping in one place."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from litestar import Litestar
from litestar.concurrency import get_asyncio_executor, set_asyncio_executor
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from adapters.bootstrap import Services
from adapters.http import explorer
from adapters.http.auth import Gatekeeper, provide_actor
from adapters.http.errors import EXCEPTION_HANDLERS, http_error
from adapters.http.idempotency import idempotency
from adapters.http.middleware import access_log, add_security_headers, body_deadline
from adapters.http.routes import route_handlers
from adapters.http.web import install as install_pages
from adapters.http.web import routers as web_routers
from adapters.http.web.pages import SESSION_COOKIE, unknown_address
from adapters.storage.idempotency_keys import IdempotencyRecords


def use_threads(count: int) -> None:
    """Run blocking handlers on `count` threads (Litestar's executor is per process).

    Commands block on the database; more of them in flight lets concurrent writes share
    transactions (see `SaveTogether`) and projection batches. Python's default for
    two cores is six, which leaves writers queueing for a thread instead.
    """
    current = get_asyncio_executor()
    if current is not None and getattr(current, "_max_workers", None) == count:
        return
    set_asyncio_executor(ThreadPoolExecutor(max_workers=count,
                                            thread_name_prefix="journey-http"))
    if current is not None:
        current.shutdown(wait=False)


def create_app(services: Services) -> Litestar:
    """The HTTP application over these services."""
    use_threads(services.settings.http_threads)
    records = IdempotencyRecords(services.db, services.clock,
                                 services.settings.idempotency_lease)

    def provide_services() -> Services:
        return services

    app = Litestar(
        route_handlers=[*route_handlers(), *web_routers(services), *explorer.ROUTES],
        dependencies={
            "services": Provide(provide_services, use_cache=True, sync_to_thread=False),
            "actor": Provide(provide_actor, sync_to_thread=False),
        },
        middleware=[access_log, body_deadline,
                    idempotency(lambda scope: records,
                                lambda token: app.state.gatekeeper.owner(token),
                                SESSION_COOKIE)],
        before_send=[add_security_headers],
        exception_handlers={**EXCEPTION_HANDLERS,
                            HTTPException: unknown_address(http_error)},
        openapi_config=OpenAPIConfig(
            title="Learning Journey",
            version="0.1.0",
            path="/schema",
            render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"])],
        ),
        on_startup=[services.db.pin_to_this_thread],  # the event loop's own connection
        # uvicorn re-raises SIGTERM once shut down, so `journey serve` never reaches its own
        # clean-up: the reads still in memory are written here.
        on_shutdown=[services.access_log.flush],
        request_max_body_size=1_000_000,
        debug=False,
    )
    app.state.services = services
    app.state.gatekeeper = Gatekeeper(services, services.credentials)
    services.caches.register(
        "sessions", app.state.gatekeeper,
        "A session row is reused for at most a second, and only while the identity views, "
        "this process's session writes and the security stamp (read from the database on "
        "every request, so a logout anywhere holds at once) are unchanged.")
    app.state.access_log = services.access_log
    install_pages(app, services)
    return app
