"""The safeguarding lead's audit trail over HTTP (issue 12): every event with its actor,
device and children, filters and paging, CSV, the access and login trails, who may read
them, and rows that stay (without personal data) after an erasure. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest

from adapters.setup import set_up_setting
from tests.support import PASSWORD

pytestmark = pytest.mark.storage

CANARY = "Zebedee Quillfeather"


def _all(n, person, path, **params):
    """Every item of a paged audit list, following the cursors."""
    items, cursor = [], None
    while True:
        r = n.client.get(path, headers=person.headers,
                         params={**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


def _observe(n, person, child_id, text="Builds a tower with six bricks."):
    r = n.client.post(f"/children/{child_id}/observations", headers=person.headers,
                      json={"observed_on": "2026-11-24", "text": text})
    assert r.status_code == 201, r.text
    return r.json()["observation_id"]


def test_every_event_with_its_actor_device_and_child_newest_first(nursery):
    n = nursery
    lead = n.add_person(["safeguarding_lead"], "Sam Lead")
    practitioner = n.practitioner()
    child, parent = n.family(CANARY)
    observation = _observe(n, practitioner, child)
    r = n.client.post(f"/observations/{observation}/approve", headers=n.manager.headers,
                      json={"revision": 1})
    assert r.status_code == 204, r.text

    items = _all(n, lead, "/audit/events", limit=3)
    positions = [i["position"] for i in items]
    assert positions == sorted(positions, reverse=True) and len(set(positions)) == len(items)
    assert n.services.app.recorder.max_notification_id() == positions[0]
    submitted = next(i for i in items if i["event"] == "ChildJourney.ObservationSubmitted")
    assert submitted["what"] == "observation submitted"
    assert submitted["children"] == [child]
    assert submitted["actor_id"] == practitioner.account_id
    assert submitted["roles"] == ["practitioner"]
    assert submitted["device_id"] is not None
    approved = next(i for i in items if i["event"] == "ChildJourney.RevisionApproved")
    assert approved["what"] == "observation approved"
    assert approved["actor_id"] == n.manager.account_id
    assert any(i["what"] == "agreement signed" and i["actor_id"] == parent.account_id
               and i["device_id"] is None for i in items)
    assert CANARY not in str(items)

    mine = _all(n, lead, "/audit/events", child_id=child, actor_id=practitioner.account_id)
    assert [i["event"] for i in mine] == ["ChildJourney.ObservationSubmitted"]
    about = _all(n, lead, "/audit/events", child_id=child)
    assert all(child in i["children"] for i in about) and len(about) >= 5
    at = submitted["at"]
    window = _all(n, lead, "/audit/events", **{"from": at, "to": approved["at"]})
    assert window and all(at <= i["at"] < approved["at"] for i in window)
    assert _all(n, lead, "/audit/events", **{"from": "2030-01-01T00:00:00Z"}) == []

    r = n.client.get("/audit/events", headers={**lead.headers, "Accept": "text/csv"},
                     params={"child_id": child})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["what"] for row in rows} >= {"observation submitted", "observation approved"}

    assert n.client.get("/audit/events", headers=n.manager.headers).status_code == 200


def test_bad_filters_and_cursors_are_400_naming_the_parameter(nursery):
    n = nursery
    lead = n.add_person(["safeguarding_lead"])
    for params, name in [({"from": "2026-11-26T00:00:00Z", "to": "2026-11-25T00:00:00Z"},
                          "from"), ({"from": "0"}, "from"), ({"to": "yesterday"}, "to"),
                         ({"from": "9999-12-31T23:59:00-12:00"}, "from"),
                         ({"cursor": "not-ours"}, "cursor"), ({"limit": 0}, "limit"),
                         ({"child_id": "x"}, "child_id")]:
        for path in ("/audit/events", "/audit/access", "/audit/logins"):
            if name == "child_id" and path == "/audit/logins":
                continue
            r = n.client.get(path, headers=lead.headers, params=params)
            assert r.status_code == 400, (path, params, r.text)
            assert name in r.json()["detail"], r.text


def test_practitioners_and_parents_are_refused_and_another_setting_sees_nothing(nursery):
    n = nursery
    child, parent = n.family(CANARY)
    practitioner = n.practitioner()
    for path in ("/audit/events", "/audit/access", "/audit/logins"):
        assert n.client.get(path, headers=practitioner.headers).status_code == 403
        assert n.client.get(path, headers=parent.headers).status_code == 403

    other = set_up_setting(n.services, "Elsewhere Nursery", "boss@elsewhere.test", PASSWORD,
                           "Other Manager", open_all_hours=True)
    token = n.login("boss@elsewhere.test")
    headers = {"Authorization": f"Bearer {token}", "X-Device-Token": other["device_token"]}
    r = n.client.post("/accounts", headers=headers, json={
        "email": "lead@elsewhere.test", "password": PASSWORD, "display_name": "Lee",
        "roles": ["safeguarding_lead"]})
    assert r.status_code == 201, r.text
    lead = {"Authorization": f"Bearer {n.login('lead@elsewhere.test')}",
            "X-Device-Token": other["device_token"]}
    seen = n.client.get("/audit/events", headers=lead, params={"limit": 200}).json()["items"]
    assert seen and all(i["setting_id"] == other["setting_id"] for i in seen)
    assert child not in str(seen)
    assert n.client.get("/audit/events", headers=lead,
                        params={"child_id": child}).json()["items"] == []
    n.services.access_log.flush()
    reads = n.client.get("/audit/access", headers=lead).json()["items"]
    assert reads and {i["route"] for i in reads} == {"/audit/events"}  # their own only
    logins = n.client.get("/audit/logins", headers=lead).json()["items"]
    assert {i["account_id"] for i in logins} <= {other["manager_id"], r.json()["account_id"]}
    # the whole log is proved, but its size (other nurseries' activity) is not told
    verdict = n.client.get("/audit/verify", headers=lead).json()
    assert verdict["ok"] is True and verdict["tree_size"] is None
    theirs = n.client.get("/audit/events", headers=lead, params={"limit": 200}).json()
    assert verdict["events_checked"] == len(theirs["items"])


def test_reads_logins_and_the_audit_itself_are_in_the_trail(nursery):
    n = nursery
    lead = n.add_person(["safeguarding_lead"])
    practitioner = n.practitioner()
    child, parent = n.family(CANARY)
    assert n.client.get(f"/children/{child}/journey", headers=parent.headers).status_code == 200
    assert n.client.get(f"/children/{child}/diary/2026-11-25",
                        headers=practitioner.headers).status_code == 200
    r = n.client.post("/auth/login", json={"email": practitioner.email, "password": "wrong!"})
    assert r.status_code == 401
    assert n.client.get("/audit/events", headers=lead.headers,
                        params={"child_id": child}).status_code == 200
    n.services.access_log.flush()

    reads = _all(n, lead, "/audit/access", child_id=child, limit=1)
    routes = {(i["account_id"], i["route"]) for i in reads}
    assert (parent.account_id, f"/children/{child}/journey") in routes
    assert (practitioner.account_id, f"/children/{child}/diary/2026-11-25") in routes
    assert (lead.account_id, "/audit/events") in routes  # reading the audit is audited
    journey = next(i for i in reads if i["account_id"] == parent.account_id)
    assert journey["roles"] == ["parent"] and journey["device_id"] is None
    staff = next(i for i in reads if i["account_id"] == practitioner.account_id)
    assert staff["device_id"] is not None
    ats = [i["at"] for i in reads]
    assert ats == sorted(ats, reverse=True)

    logins = _all(n, lead, "/audit/logins", limit=2)
    outcomes = {(i["account_id"], i["outcome"]) for i in logins}
    assert (practitioner.account_id, "ok") in outcomes
    assert (practitioner.account_id, "failed") in outcomes
    assert (n.manager.account_id, "ok") in outcomes
    n.services.access_log.flush()
    everything = _all(n, lead, "/audit/access")
    assert any(i["route"] == "/audit/logins" and i["child_id"] is None for i in everything)


def test_after_an_erasure_the_rows_stay_without_personal_data(nursery):
    n = nursery
    lead = n.add_person(["safeguarding_lead"])
    child, parent = n.family(CANARY)
    _observe(n, n.manager, child, "canary-moonbeam-77 builds a tower")
    before = _all(n, lead, "/audit/events", child_id=child)
    r = n.client.post(f"/children/{child}/erase", headers=n.manager.headers,
                      json={"confirm": CANARY})
    assert r.status_code == 204, r.text
    after = _all(n, lead, "/audit/events", child_id=child)
    assert after[1:] == before
    assert after[0]["what"] == "journey erased" and after[0]["actor_id"] == n.manager.account_id
    text = str(after) + n.client.get("/audit/events", headers={
        **lead.headers, "Accept": "text/csv"}).text
    assert CANARY not in text and "canary-moonbeam" not in text
    # the log still proves itself after the erasure (issue 13): keys were shredded, no
    # stored event changed
    verdict = n.client.get("/audit/verify", headers=lead.headers).json()
    assert verdict["ok"] is True and verdict["first_bad_position"] is None, verdict
    assert verdict["events_checked"] >= len(after)
