"""Errors a person can act on (issue 20 #5): each refusal says what to send instead."""

from __future__ import annotations

import pytest

# Wording is the HTTP edge's: the same over either store, so SQLite only.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

OBSERVATION = "00000000-0000-0000-0000-000000000001"


def detail(response, status: int) -> str:
    assert response.status_code == status, response.text
    return response.json()["detail"]


def test_a_body_that_is_missing_cut_short_or_not_json_says_what_to_send(nursery):
    c, manager = nursery.client, nursery.manager
    said = detail(c.post(f"/observations/{OBSERVATION}/approve", headers=manager.headers), 400)
    assert "needs a JSON body" in said
    said = detail(c.post("/children", content=b'{"name": "Ad',
                         headers={**manager.headers, "Content-Type": "application/json"}), 400)
    assert "not valid JSON" in said and "ends too soon" in said
    said = detail(c.post("/auth/login", data={"email": "a@b.test", "password": "x"}), 400)
    assert "JSON" in said and "email and password" in said
    said = detail(c.post("/children", headers=manager.headers, json=[1]), 400)
    assert "must be a JSON object, not a list" in said
    said = detail(c.post("/children", headers=manager.headers, json={"name": 3}), 400)
    assert "'name'" in said and "must be text, not a whole number" in said


def test_uploads_and_tokens_say_what_is_wrong(nursery):
    c, manager = nursery.client, nursery.manager
    said = detail(c.post("/media", headers=manager.headers,
                         files={"file": ("a.jpg", b"\xff\xd8\xff", "image/jpeg")}), 415)
    assert "--data-binary" in said and "not as a form" in said
    said = detail(c.post("/media", content=b"\x89PNG\r\n\x1a\n" + b"0" * 100,
                         headers={**manager.headers, "Content-Type": "image/jpeg"}), 415)
    assert "not an image/jpeg file" in said
    said = detail(c.get("/children", headers={**manager.headers,
                                              "Authorization": "Bearer garbage"}), 401)
    assert "not a login token" in said


def test_the_lockout_says_how_long(nursery):
    for _ in range(10):
        r = nursery.client.post("/auth/login", json={"email": "manager@clarecroft.test",
                                                      "password": "not-the-password-1"})
        if r.status_code == 429:
            break
    said = detail(r, 429)
    minutes = -(-int(r.headers["retry-after"]) // 60)
    assert f"try again in {minutes} minutes" in said
