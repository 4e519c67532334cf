"""The gatekeeper reuses a session lookup for a moment, and never past a change.

A burst of requests with one token costs one lookup; logout, disabling the account,
idle expiry and a session ended by another process (within the reuse window) all
still stop the token.
"""

from __future__ import annotations

import time
from datetime import timedelta

from adapters.http import auth
from adapters.storage.credentials import Credentials


class CountingDatabase:
    """The real database, counting the session lookups that reach it."""

    def __init__(self, db):
        self._db = db
        self.session_lookups = 0

    def query_one(self, sql, params=()):
        if sql == Credentials.SESSION_SQL:
            self.session_lookups += 1
        return self._db.query_one(sql, params)

    def __getattr__(self, name):
        return getattr(self._db, name)


def _gatekeeper(nursery):
    return nursery.client.app.state.gatekeeper


def test_a_burst_of_requests_costs_one_session_lookup(nursery):
    parent = nursery.parent()
    gatekeeper = _gatekeeper(nursery)
    counting = CountingDatabase(gatekeeper.credentials.db)
    gatekeeper.credentials.db = counting
    for _ in range(5):
        assert nursery.client.get("/children", headers=parent.headers).status_code == 200
    assert counting.session_lookups == 1


def test_logout_stops_a_token_that_was_just_used(nursery):
    person = nursery.practitioner()
    assert nursery.client.get("/setting", headers=person.headers).status_code == 200
    assert nursery.client.post("/auth/logout", headers=person.headers).status_code == 204
    assert nursery.client.get("/setting", headers=person.headers).status_code == 401


def test_disabling_stops_a_token_that_was_just_used(nursery):
    person = nursery.practitioner()
    assert nursery.client.get("/setting", headers=person.headers).status_code == 200
    r = nursery.client.post(f"/accounts/{person.account_id}/disable",
                            headers=nursery.manager.headers)
    assert r.status_code == 204
    assert nursery.client.get("/setting", headers=person.headers).status_code == 401


def test_idle_expiry_is_judged_at_each_request(nursery):
    person = nursery.practitioner()
    assert nursery.client.get("/setting", headers=person.headers).status_code == 200
    nursery.clock.advance(timedelta(hours=13))
    assert nursery.client.get("/setting", headers=person.headers).status_code == 401


def test_a_session_ended_by_another_process_stops_within_the_reuse_window(
        nursery, monkeypatch):
    monkeypatch.setattr(auth, "SESSION_REUSE_SECONDS", 0.05)
    person = nursery.practitioner()
    assert nursery.client.get("/setting", headers=person.headers).status_code == 200
    # Another server process ends the session: the row goes, this process is not told.
    nursery.services.db.execute("DELETE FROM sessions WHERE account_id = ?",
                                (person.account_id,))
    time.sleep(0.06)
    assert nursery.client.get("/setting", headers=person.headers).status_code == 401
