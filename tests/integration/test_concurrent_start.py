"""Several servers starting at once on one new database: none fails creating tables."""

from __future__ import annotations

import threading

from adapters.bootstrap import bootstrap
from adapters.http.app import create_app


def test_servers_starting_together_on_a_new_database_all_start(settings_for):
    settings = settings_for()
    started, failures = [], []

    def start() -> None:
        try:
            services = bootstrap(settings)
            create_app(services)  # creates the idempotency table too
            started.append(services)
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            failures.append(repr(error))

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for services in started:
        services.close()
    assert failures == []
    assert len(started) == 6
