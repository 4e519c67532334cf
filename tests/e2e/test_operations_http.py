"""Operations: `/health` says only that the process is alive, `/health/ready` follows
the database, `/metrics` parses as Prometheus text and is readable only from allowed
addresses or with the token, and every log line carries the request's id."""

from __future__ import annotations

import io
import json
import logging
import shutil
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.bootstrap import Services, bootstrap
from adapters.http.health import may_read_metrics
from adapters.logs import JsonFormatter
from tests.media_support import png_bytes
from tests.support import PASSWORD

TOKEN = "metrics-token-0123456789abcdef"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def served(settings_for, clock) -> Iterator[tuple]:
    """An app over services that accept the metrics token; (client, services)."""
    from litestar.testing import TestClient

    from adapters.http.app import create_app
    from adapters.setup import set_up_setting

    services = bootstrap(settings_for(JOURNEY_METRICS_TOKEN=TOKEN), clock=clock)
    made = set_up_setting(services, "Ops Nursery", "manager@ops.test", PASSWORD, "Manager",
                          open_all_hours=True)
    try:
        with TestClient(app=create_app(services), raise_server_exceptions=False) as client:
            client.headers["X-Device-Token"] = made["device_token"]
            yield client, services
    finally:
        services.close()


def test_health_says_only_that_the_process_is_alive(nursery):
    r = nursery.client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_ready_when_database_media_and_views_answer(nursery):
    r = nursery.client.get("/health/ready")
    assert r.status_code == 200
    assert r.json() == {"status": "ready", "checks": {
        "database": "ok", "media": "ok", "projections": "ok"}}


def test_metrics_are_refused_to_other_addresses_without_the_token(served):
    client, _ = served
    for headers in ({}, {"Authorization": "Bearer not-the-token-at-all-000000"}):
        r = client.get("/metrics", headers=headers)
        assert r.status_code == 403
        assert "JOURNEY_METRICS_ALLOW" in r.json()["detail"]


def test_metrics_parse_as_prometheus_text_with_route_templates(served):
    client, _ = served
    assert client.post("/auth/login", json={"email": "manager@ops.test",
                                            "password": "wrong-password-1"}).status_code == 401
    token = client.post("/auth/login", json={"email": "manager@ops.test",
                                             "password": PASSWORD}).json()["token"]
    manager = {"Authorization": f"Bearer {token}"}
    client.get("/children/00000000-0000-0000-0000-000000000001/journey", headers=manager)
    stored = client.post("/media", headers={**manager, "Content-Type": "image/png"},
                         content=png_bytes())
    assert stored.status_code == 201, stored.text
    r = client.get("/metrics", headers=BEARER)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    for name in ("journey_http_requests", "journey_http_request_duration_seconds",
                 "journey_uploads", "journey_upload_bytes", "journey_logins_failed",
                 "journey_event_store_head", "journey_projection_lag", "journey_database_up"):
        assert name in families, name
    routes = {s.labels["route"] for s in families["journey_http_requests"].samples}
    assert "/auth/login" in routes
    assert not any("00000000-0000" in route for route in routes)  # templates, never ids
    failed = [s for s in families["journey_logins_failed"].samples
              if s.name == "journey_logins_failed_total"
              and s.labels["reason"] == "wrong_credentials"]
    assert failed and failed[0].value >= 1
    photos = [s for s in families["journey_uploads"].samples
              if s.name == "journey_uploads_total" and s.labels["kind"] == "photo"]
    assert photos and photos[0].value >= 1
    lags = [s for s in families["journey_projection_lag"].samples]
    assert lags and all(s.value == 0 for s in lags)
    assert families["journey_event_store_head"].samples[0].value > 0


@pytest.mark.parametrize(("client", "authorization", "allowed"), [
    ("127.0.0.1", None, True),
    ("::1", None, True),
    ("10.0.0.7", None, False),
    ("10.0.0.7", f"Bearer {TOKEN}", True),
    ("10.0.0.7", f"bearer {TOKEN}", True),
    ("10.0.0.7", "Bearer wrong", False),
    ("testclient", None, False),
    (None, None, False),
])
def test_who_may_read_metrics(client, authorization, allowed):
    assert may_read_metrics(client, authorization, ("127.0.0.0/8", "::1/128"),
                            TOKEN) is allowed


def test_without_a_token_configured_no_bearer_opens_metrics():
    assert not may_read_metrics("10.0.0.7", "Bearer ", ("127.0.0.0/8",), None)


def test_request_id_is_echoed_and_on_every_log_line(nursery):
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("journey")
    logger.addHandler(handler)
    try:
        r = nursery.client.get("/children", headers={**nursery.manager.headers,
                                                     "X-Request-Id": "proxy-7f3a.42"})
    finally:
        logger.removeHandler(handler)
    assert r.headers["x-request-id"] == "proxy-7f3a.42"
    logged = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert logged and all(entry["request_id"] == "proxy-7f3a.42" for entry in logged)


@pytest.mark.parametrize("given", ["", "x" * 200, "<script>", "two words", "-leading"])
def test_an_unfit_request_id_is_replaced(nursery, given):
    r = nursery.client.get("/health", headers={"X-Request-Id": given})
    echoed = r.headers["x-request-id"]
    assert echoed != given and len(echoed) == 32
    unknown = nursery.client.get("/no/such/route", headers={"X-Request-Id": "abc-1"})
    assert unknown.headers["x-request-id"] == "abc-1"


def _block(services: Services, backend: str) -> None:
    """Make the database unreachable: PostgreSQL refuses new connections and drops the
    service's; SQLite's file is moved away."""
    if backend == "postgres":
        import psycopg

        from tests.conftest import _admin_url

        name = services.settings.database_url.rsplit("/", 1)[1]
        with psycopg.connect(_admin_url(), autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
    else:
        path = services.settings.journey_db_path
        shutil.move(path, path.with_suffix(".away"))


def _unblock(services: Services, backend: str) -> None:
    if backend == "postgres":
        import psycopg

        from tests.conftest import _admin_url

        name = services.settings.database_url.rsplit("/", 1)[1]
        with psycopg.connect(_admin_url(), autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    else:
        path = services.settings.journey_db_path
        shutil.move(path.with_suffix(".away"), path)


def test_ready_turns_503_while_the_database_is_unreachable_and_back(served, backend):
    client, services = served
    assert client.get("/health/ready").status_code == 200
    _block(services, backend)
    try:
        r = client.get("/health/ready")
        assert r.status_code == 503
        assert r.json()["status"] == "not_ready"
        assert r.json()["checks"]["database"] == "unreachable"
        assert client.get("/health").status_code == 200  # alive all the same
        scraped = client.get("/metrics", headers=BEARER)
        assert scraped.status_code == 200
        up = {f.name: f for f in text_string_to_metric_families(scraped.text)}
        assert up["journey_database_up"].samples[0].value == 0
    finally:
        _unblock(services, backend)
    # pooled connections the server dropped are found broken on first use: a few tries
    answers = [client.get("/health/ready").status_code for _ in range(5)]
    assert answers[-1] == 200


def test_a_real_server_serves_metrics_to_loopback_in_multiprocess_mode(tmp_path):
    """`journey serve` with PROMETHEUS_MULTIPROC_DIR: the directory is emptied of an
    earlier run's files, counters go to files there, loopback reads without a token."""
    import urllib.request

    from tests.e2e.processes import data_store, servers

    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale")
    with data_store("sqlite", tmp_path) as env:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        with servers(env) as (port,):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/health",
                                             headers={"X-Request-Id": "scrape-1"})
            with urllib.request.urlopen(request, timeout=30) as answer:
                assert answer.headers["x-request-id"] == "scrape-1"
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                        timeout=30) as answer:
                text = answer.read().decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    health = [s for s in families["journey_http_requests"].samples
              if s.labels.get("route") == "/health" and s.name.endswith("_total")]
    assert health and health[0].value >= 1
    assert not (metrics_dir / "counter_999999.db").exists()
    assert list(metrics_dir.glob("*.db"))
