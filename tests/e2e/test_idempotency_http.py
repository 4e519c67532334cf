"""Idempotency-Key (issue 16 F2 and the body check, issue 22 #2, #3, #7): scoped by
account, only successes kept, never a secret, a different body refused, bounded."""

from __future__ import annotations

import uuid
from datetime import timedelta

from adapters.storage import idempotency_keys
from adapters.storage.idempotency_keys import IdempotencyRecords
from tests.support import PASSWORD


def _account(email: str) -> dict:
    return {"email": email, "password": "long-enough-pw", "display_name": "Kept",
            "roles": ["parent"]}


def _keyed(nursery, key: str, headers: dict | None = None) -> dict:
    return {**(headers or nursery.manager.headers), "Idempotency-Key": key}


def _emails(nursery) -> list[str]:
    items = nursery.client.get("/accounts", headers=nursery.manager.headers).json()["items"]
    return [a["email"] for a in items]


def _kept(nursery) -> list[tuple]:
    return nursery.services.db.query("SELECT status, body FROM idempotency_keys")


def test_a_device_token_is_never_kept_nor_replayed(nursery):
    """F2: the reply is kept without its secret; a retry says the token was shown once."""
    headers = _keyed(nursery, "device-1")
    body = {"label": "Tablet 7", "kind": "tablet"}
    first = nursery.client.post("/devices", headers=headers, json=body)
    assert first.status_code == 201
    token = first.json()["device_token"]
    assert all(token.encode() not in bytes(row[1] or b"") for row in _kept(nursery))
    again = nursery.client.post("/devices", headers=headers, json=body)
    assert again.status_code == 409
    assert token not in again.text
    assert again.json()["device_id"] == first.json()["device_id"]
    assert "shown only once" in again.json()["detail"]
    labels = nursery.services.db.query(
        "SELECT count(*) FROM devices_view WHERE label = ?", ("Tablet 7",))
    assert labels[0][0] == 1


def test_the_same_key_with_another_body_is_refused(nursery):
    headers = _keyed(nursery, "message-1")
    assert nursery.client.post("/accounts", headers=headers,
                               json=_account("first@example.org")).status_code == 201
    other = nursery.client.post("/accounts", headers=headers, json=_account("other@example.org"))
    assert other.status_code == 422
    assert "different request body" in other.json()["detail"]
    assert "other@example.org" not in _emails(nursery)


def test_keys_are_scoped_by_account_not_by_token(nursery):
    """Issue 22 #7: a tablet that logs in again and replays its queue records nothing twice."""
    body = _account("queued@example.org")
    first = nursery.client.post("/accounts", headers=_keyed(nursery, "queue-1"), json=body)
    second_login = {**nursery.manager.headers, "Authorization":
                    f"Bearer {nursery.login(nursery.manager.email)}"}
    again = nursery.client.post("/accounts", headers=_keyed(nursery, "queue-1", second_login),
                                json=body)
    assert again.status_code == 201
    assert again.headers["idempotent-replay"] == "true"
    assert again.json() == first.json()
    assert _emails(nursery).count("queued@example.org") == 1


def test_a_refusal_is_not_kept_as_the_keys_reply(nursery):
    """Issue 22 #3: a 409 (a race, a conflict) changed nothing; a retry is judged afresh."""
    nursery.add_person(["parent"], email="taken@example.org")
    headers = _keyed(nursery, "refused-1")
    for _ in range(2):
        r = nursery.client.post("/accounts", headers=headers, json=_account("taken@example.org"))
        assert r.status_code == 409
        assert "idempotent-replay" not in r.headers
    assert _kept(nursery) == []


def test_records_expire_after_a_day(nursery):
    nursery.client.post("/accounts", headers=_keyed(nursery, "old-1"),
                        json=_account("old@example.org"))
    assert len(_kept(nursery)) == 1
    nursery.clock.advance(timedelta(hours=25))
    token = nursery.login(nursery.manager.email, PASSWORD)
    headers = {**nursery.manager.headers, "Authorization": f"Bearer {token}"}
    nursery.client.post("/accounts", headers=_keyed(nursery, "new-1", headers),
                        json=_account("new@example.org"))
    assert len(_kept(nursery)) == 1


def test_records_are_bounded_per_account(nursery, monkeypatch):
    monkeypatch.setattr(idempotency_keys, "KEPT_PER_ACCOUNT", 3)
    for i in range(5):
        r = nursery.client.post("/accounts", headers=_keyed(nursery, f"many-{i}"),
                                json=_account(f"many{i}@example.org"))
        assert r.status_code == 201
    assert len(_kept(nursery)) == 3


def test_a_claim_whose_owner_died_expires(services, clock):
    """Issue 22 #2: a key claimed by a request that never finished is free after the lease."""
    records = IdempotencyRecords(services.db, clock, lease=30)
    scope, account = uuid.uuid4().hex, str(uuid.uuid4())
    assert records.claim(scope, account) is None
    assert records.claim(scope, account)[0] == idempotency_keys.IN_PROGRESS  # still running
    clock.advance(timedelta(seconds=31))  # its owner died: nobody renewed the claim
    assert records.claim(scope, account) is None
    records.keep(scope, account, 201, "application/json", b'{"ok": true}', "hash")
    assert records.claim(scope, account)[:4] == (201, "hash", "application/json",
                                                 b'{"ok": true}')
