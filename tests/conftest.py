"""Fixtures. Every storage test runs on SQLite and, when JOURNEY_TEST_POSTGRES is set
(always in CI), on PostgreSQL too, each in a database it creates and drops."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.bootstrap import Services, bootstrap
from adapters.clock import TravelClock
from adapters.settings import Settings

POSTGRES = os.environ.get("JOURNEY_TEST_POSTGRES")
BACKENDS = ["sqlite", "postgres"]


def _admin_url() -> str:
    return POSTGRES or "postgresql://postgres@127.0.0.1:5432/postgres"


def create_database() -> str:
    """Create a fresh PostgreSQL database; returns its URL."""
    import psycopg

    name = f"journey_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = _admin_url().rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """'sqlite' or 'postgres'; PostgreSQL is skipped locally without JOURNEY_TEST_POSTGRES,
    and fails the run in CI."""
    if request.param == "postgres" and not POSTGRES:
        if os.environ.get("CI"):
            pytest.fail("CI is set but JOURNEY_TEST_POSTGRES is not: PostgreSQL must be tested")
        pytest.skip("set JOURNEY_TEST_POSTGRES to run on PostgreSQL")
    return request.param


@pytest.fixture
def clock() -> TravelClock:
    """A clock tests can move; starts on a Wednesday at 10:00 UTC and keeps ticking."""
    return TravelClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))


@pytest.fixture
def settings_for(tmp_path: Path, backend: str) -> Iterator:
    """A factory of Settings for this backend; PostgreSQL databases are dropped after."""
    made: list[str] = []

    def make(**env: str) -> Settings:
        values = {"JOURNEY_DATA_DIR": str(tmp_path / "data"), **env}
        if backend == "postgres" and "JOURNEY_DATABASE_URL" not in values:
            url = create_database()
            made.append(url)
            values["JOURNEY_DATABASE_URL"] = url
        return Settings.from_env(values)

    yield make
    for url in made:
        drop_database(url)


@pytest.fixture
def services(settings_for, clock) -> Iterator[Services]:
    """Bootstrapped services on the backend under test."""
    built = bootstrap(settings_for(), clock=clock)
    yield built
    built.close()


@pytest.fixture
def nursery(services: Services, clock: TravelClock) -> Iterator:
    """A set-up setting (open all hours) served over HTTP, with its manager logged in."""
    from litestar.testing import TestClient

    from adapters.http.app import create_app
    from adapters.setup import set_up_setting
    from tests.support import PASSWORD, Nursery, Person

    made = set_up_setting(services, "Clarecroft Day Nursery", "manager@clarecroft.test",
                          PASSWORD, "Morgan Manager", open_all_hours=True)
    app = create_app(services)
    with TestClient(app=app, raise_server_exceptions=False) as client:
        r = client.post("/auth/login",
                        json={"email": "manager@clarecroft.test", "password": PASSWORD})
        assert r.status_code == 200, r.text
        manager = Person(made["manager_id"], "manager@clarecroft.test", r.json()["token"],
                         made["device_token"], ["manager"])
        yield Nursery(client, services, made["setting_id"], manager, made["device_token"],
                      clock)
