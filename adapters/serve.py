"""`journey serve`: one process, or `--workers N` processes under uvicorn's supervisor,
each with its own services (connections, caches, threads) on the one data store; and
`journey worker`, the same without HTTP.

Every process takes part in the election of the leader (`adapters.leadership`), which
applies the views in the background and runs the background work: legal retention
(daily), due terminations (every minute) and the media sweep (daily). Each process
flushes its own access log and follows the cache register.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from adapters.settings import Settings


def create() -> Any:
    """The ASGI app of one server process, started and stopped with it (uvicorn's
    factory: each worker process calls it, from within its event loop, where Litestar
    may not set its thread pool: the app is then built on a thread of its own)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _build()
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_build).result()


def _build() -> Any:
    from adapters.bootstrap import bootstrap
    from adapters.erasure import run_retention_daily
    from adapters.http.app import create_app
    from adapters.logs import configure_logging
    from adapters.termination import run_terminations_every

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    services = bootstrap(settings, background=True)
    app = create_app(services)
    stop = threading.Event()
    run_retention_daily(services, stop)
    run_terminations_every(services, stop)

    def close() -> None:
        stop.set()
        services.close()

    app.on_shutdown.append(close)
    return app


def work() -> None:
    """`journey worker`: a process without HTTP that takes part in the election like a
    server and, while it leads, applies the views and runs the background work; until
    SIGTERM or SIGINT."""
    import signal

    from adapters.bootstrap import bootstrap
    from adapters.erasure import run_retention_daily
    from adapters.logs import configure_logging
    from adapters.termination import run_terminations_every

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    services = bootstrap(settings, background=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run_retention_daily(services, stop)
    run_terminations_every(services, stop)
    print("Working in the background (leading when no other process does).",
          file=sys.stderr, flush=True)
    try:
        stop.wait()
    finally:
        services.close()


def serve(host: str, port: int, workers: int) -> None:
    """Serve on `host:port` with `workers` processes (one: in this process)."""
    import uvicorn

    from adapters.metrics import MULTIPROC_ENV, prepare_multiprocess_dir

    if workers > 1 and not os.environ.get(MULTIPROC_ENV):
        # the workers' counters must add up: a directory of this server's own
        made = tempfile.mkdtemp(prefix="journey-metrics-")
        os.environ[MULTIPROC_ENV] = made
        atexit.register(shutil.rmtree, made, True)
    prepare_multiprocess_dir()  # before any process counts into it
    settings = Settings.from_env()
    proxies = settings.trusted_proxies
    # X-Forwarded-For is believed only from the configured proxies (none by default):
    # otherwise anyone could name a fresh address and escape the per-address limits.
    options: dict[str, Any] = dict(host=host, port=port, log_level="warning",
                                   access_log=False, proxy_headers=bool(proxies),
                                   forwarded_allow_ips=",".join(proxies) or None)
    print(f"Serving the Learning Journey on http://{host}:{port} with {workers} "
          f"process{'es' if workers > 1 else ''} (Ctrl+C stops it).", file=sys.stderr,
          flush=True)
    if workers == 1:
        uvicorn.run(create(), workers=1, **options)
    else:
        uvicorn.run("adapters.serve:create", factory=True, workers=workers, **options)
