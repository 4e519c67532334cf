"""The HTTP foundation: health, schema, error mapping, idempotency, security headers."""

from __future__ import annotations

import uuid


def test_health_is_alive_and_ready_reports_backends(nursery):
    assert nursery.client.get("/health").json() == {"status": "ok"}  # no counts
    r = nursery.client.get("/health/ready")
    assert r.status_code == 200
    assert r.json()["checks"] == {"database": "ok", "media": "ok", "projections": "ok"}


def test_openapi_schema_is_served(nursery):
    r = nursery.client.get("/schema/openapi.json")
    assert r.status_code == 200
    assert "/auth/login" in r.json()["paths"]


def test_malformed_json_is_400_naming_the_problem(nursery):
    r = nursery.client.post("/accounts", headers=nursery.manager.headers,
                            content=b"{not json")
    assert r.status_code == 400
    assert r.json()["status_code"] == 400


def test_wrong_type_is_400_naming_the_field(nursery):
    r = nursery.client.post("/accounts", headers=nursery.manager.headers, json={
        "email": "x@example.org", "password": 12, "display_name": "X", "roles": ["parent"]})
    assert r.status_code == 400
    assert "'password'" in r.json()["detail"]


def test_missing_field_is_400_naming_the_field(nursery):
    r = nursery.client.post("/accounts", headers=nursery.manager.headers, json={
        "email": "x@example.org", "password": "long-enough-pw", "roles": ["parent"]})
    assert r.status_code == 400
    assert "display_name" in r.json()["detail"]


def test_unknown_route_is_404_in_the_error_shape(nursery):
    r = nursery.client.get("/no/such/thing")
    assert r.status_code == 404
    assert r.json() == {"status_code": 404, "detail": "Not found."}


def test_security_headers_on_every_response(nursery):
    for r in (nursery.client.get("/health"), nursery.client.get("/nope")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in r.headers["content-security-policy"]
        assert r.headers["cache-control"] == "no-store"


def test_idempotent_retry_returns_first_response_and_records_once(nursery):
    key = str(uuid.uuid4())
    body = {"email": "twice@example.org", "password": "long-enough-pw",
            "display_name": "Twice", "roles": ["parent"]}
    headers = {**nursery.manager.headers, "Idempotency-Key": key}
    first = nursery.client.post("/accounts", headers=headers, json=body)
    second = nursery.client.post("/accounts", headers=headers, json=body)
    assert first.status_code == 201
    assert second.status_code == 201
    assert second.json() == first.json()
    accounts = nursery.client.get("/accounts", headers=nursery.manager.headers).json()["items"]
    assert [a["email"] for a in accounts].count("twice@example.org") == 1


def test_idempotency_survives_a_restart(nursery):
    from litestar.testing import TestClient

    from adapters.http.app import create_app

    key = str(uuid.uuid4())
    headers = {**nursery.manager.headers, "Idempotency-Key": key}
    body = {"email": "restart@example.org", "password": "long-enough-pw",
            "display_name": "Restart", "roles": ["parent"]}
    first = nursery.client.post("/accounts", headers=headers, json=body)
    assert first.status_code == 201
    with TestClient(app=create_app(nursery.services)) as again:
        second = again.post("/accounts", headers=headers, json=body)
    assert second.json() == first.json()


def test_a_login_reply_is_never_replayed_to_another_caller(nursery):
    """F1: a wrong password with someone's Idempotency-Key must not get their token."""
    parent = nursery.parent()
    key = {"Idempotency-Key": "retry-x"}
    first = nursery.client.post("/auth/login", headers=key,
                                json={"email": parent.email, "password": "correct-horse-battery"})
    assert first.status_code == 200
    intruder = nursery.client.post("/auth/login", headers=key,
                                   json={"email": "nobody@example.org", "password": "guess-guess"})
    assert intruder.status_code == 401
    assert "token" not in intruder.text
    assert "idempotent-replay" not in intruder.headers


def test_anonymous_requests_are_not_recorded(nursery):
    """Anonymous callers share no scope: nothing of theirs is kept or replayed."""
    key = {"Idempotency-Key": "anon-1"}
    for _ in range(2):
        r = nursery.client.post("/auth/login", headers=key,
                                json={"email": "nobody@example.org", "password": "guess-guess"})
        assert "idempotent-replay" not in r.headers
    assert nursery.services.db.query_one("SELECT count(*) FROM idempotency_keys")[0] == 0
