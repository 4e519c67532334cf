"""Replay (issue 12): a child's record at any past instant, rebuilt from the event log
alone, equals what the live views said right after each event; who may ask, and the
404 before enrolment and 400 for the future. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.replay import child_record, replay
from projections import merkle

pytestmark = pytest.mark.storage

DATE = "2026-11-25"


def _last_event_time(services):
    head = services.app.recorder.max_notification_id()
    state = bytes(services.app.recorder.select_notifications(start=head, limit=1)[0].state)
    return merkle.event_time(state)


class Story:
    """Commands on one child, each followed by what the live views say of it."""

    def __init__(self, n):
        self.n = n
        self.practitioner = n.practitioner()
        self.child, self.parent = n.family("Ada Lovelace")
        self.pending: list[str] = []
        self.consent = False
        self.restricted = False
        self.seen: list[tuple[str, dict]] = []
        self.capture()

    def capture(self) -> None:
        record = child_record(self.n.services.db, self.child)
        self.seen.append((_last_event_time(self.n.services), record))

    def do(self, step: str, text: str) -> None:
        n, c = self.n, self.n.client
        if step == "observe":
            r = c.post(f"/children/{self.child}/observations", headers=self.practitioner.headers,
                       json={"observed_on": "2026-11-24", "text": f"Builds a tower {text}."})
            assert r.status_code == 201, r.text
            self.pending.append(r.json()["observation_id"])
        elif step == "approve" and self.pending:
            r = c.post(f"/observations/{self.pending.pop(0)}/approve",
                       headers=n.manager.headers, json={"revision": 1})
            assert r.status_code == 204, r.text
        elif step == "diary":
            r = c.post(f"/children/{self.child}/diary/{DATE}/entries",
                       headers=self.practitioner.headers,
                       json={"kind": "meal", "meal": "lunch", "food": f"Soup {text}",
                             "amount": "all", "at": n.clock().isoformat()})
            assert r.status_code == 201, r.text
        elif step == "message":
            self.parent.token = n.login(self.parent.email)  # restricting ended its sessions
            r = c.post(f"/children/{self.child}/diary/{DATE}/messages",
                       headers=self.parent.headers, json={"text": f"Note {text}"})
            assert r.status_code in (201, 404), r.text  # 404 while restricted
        elif step == "consent":
            self.parent.token = n.login(self.parent.email)
            r = c.put(f"/children/{self.child}/image-consent", headers=self.parent.headers,
                      json={"allowed": not self.consent})
            assert r.status_code in (204, 404), r.text
            self.consent ^= r.status_code == 204
        elif step == "restrict":
            path = f"/children/{self.child}/parents/{self.parent.account_id}/restriction"
            if self.restricted:
                r = c.request("DELETE", path, headers=n.manager.headers,
                              json={"reason": "Order lifted"})
            else:
                r = c.post(path, headers=n.manager.headers, json={"reason": "Court order"})
            assert r.status_code == 204, r.text
            self.restricted = not self.restricted
        else:
            return
        n.clock.advance(timedelta(minutes=1))
        self.capture()


STEPS = st.lists(st.tuples(st.sampled_from(
    ["observe", "approve", "diary", "message", "consent", "restrict"]),
    st.text("abcxyz", min_size=1, max_size=5)), min_size=1, max_size=6)


@settings(max_examples=5, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(steps=STEPS)
def test_replay_at_every_event_equals_the_live_views_right_after_it(nursery, steps):
    story = Story(nursery)
    for step, text in steps:
        story.do(step, text)
    from datetime import datetime
    from uuid import UUID

    for at, live in story.seen:
        again = replay(nursery.services, UUID(story.child), datetime.fromisoformat(at))
        assert again is not None
        assert {k: v for k, v in again.items() if k not in ("child_id", "at")} == live, at


def test_the_replay_route(nursery):
    n = nursery
    lead = n.add_person(["safeguarding_lead"], "Sam Lead")
    before = n.clock()
    n.clock.advance(timedelta(minutes=1))
    child, parent = n.family("Ada Lovelace")
    r = n.client.post(f"/children/{child}/observations", headers=n.manager.headers,
                      json={"observed_on": "2026-11-24", "text": "Builds a tower."})
    assert r.status_code == 201, r.text
    middle = n.clock()
    n.clock.advance(timedelta(minutes=1))
    r = n.client.post(f"/observations/{r.json()['observation_id']}/approve",
                      headers=n.manager.headers, json={"revision": 1})
    assert r.status_code == 204, r.text

    path = f"/audit/children/{child}/replay"
    r = n.client.get(path, headers=lead.headers, params={"at": middle.isoformat()})
    assert r.status_code == 200, r.text
    then = r.json()
    assert then["child"]["name"] == "Ada Lovelace"
    assert [e["status"] for e in then["journey"]] == ["pending"]
    assert then["parents_see"] == []
    assert then["parents"] == [{"account_id": parent.account_id, "relationship": "mother",
                                "restricted": False}]
    now = n.client.get(path, headers=lead.headers, params={"at": n.clock().isoformat()}).json()
    assert [e["status"] for e in now["journey"]] == ["approved"] and now["parents_see"]

    assert n.client.get(path, headers=lead.headers,
                        params={"at": before.isoformat()}).status_code == 404
    r = n.client.get(path, headers=lead.headers,
                     params={"at": (n.clock() + timedelta(days=1)).isoformat()})
    assert r.status_code == 400 and "'at'" in r.json()["detail"]
    for wrong in ({}, {"at": "0"}, {"at": "0001-01-01T00:00:00+14:00"}):
        r = n.client.get(path, headers=lead.headers, params=wrong)
        assert r.status_code == 400 and "'at'" in r.json()["detail"], (wrong, r.text)
    assert n.client.get(path, headers=n.practitioner().headers,
                        params={"at": middle.isoformat()}).status_code == 403
    assert n.client.get(path, headers=parent.headers,
                        params={"at": middle.isoformat()}).status_code == 403
