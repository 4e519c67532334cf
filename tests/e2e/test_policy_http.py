"""The nursery's policy, line by line, where an inspector found it only reported or missing
(issues 16 and 23): each test walks one rule over HTTP."""

from __future__ import annotations

import io
from datetime import timedelta
from uuid import UUID

import pytest
from PIL import Image

pytestmark = pytest.mark.storage


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (120, 200, 80)).save(out, "PNG")
    return out.getvalue()


def upload(n, person, children=()) -> str:
    headers = {**person.headers, "Content-Type": "image/png"}
    if children:
        headers["X-Children"] = ",".join(children)
    r = n.client.post("/media", headers=headers, content=png())
    assert r.status_code == 201, r.text
    return r.json()["media_id"]


def observe(n, person, child_id, **fields):
    body = {"observed_on": "2026-11-24", "text": "The children build a den together.", **fields}
    return n.client.post(f"/children/{child_id}/observations", headers=person.headers,
                         json=body)


def approve(n, manager, observation_id, revision=1):
    return n.client.post(f"/observations/{observation_id}/approve", headers=manager.headers,
                         json={"revision": revision})


def entries(n, person, child_id) -> list[dict]:
    r = n.client.get(f"/children/{child_id}/journey", headers=person.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


# issue 16 F4: a group observation shares the moment, not one child's private notes


def test_group_observation_shows_next_steps_only_in_the_journey_it_was_written_for(nursery):
    n = nursery
    practitioner = n.practitioner()
    ada, ada_parent = n.family("Ada Lovelace")
    ben, ben_parent = n.family("Ben Babbage")
    private = "Refer Ada to speech and language therapy."
    r = observe(n, practitioner, ada, children=[ben], next_steps=private)
    assert r.status_code == 201, r.text
    assert approve(n, n.manager, r.json()["observation_id"]).status_code == 204

    ada_entry, = entries(n, ada_parent, ada)
    ben_entry, = entries(n, ben_parent, ben)
    assert ada_entry["next_steps"] == private
    assert ben_entry["text"] == ada_entry["text"]  # the shared moment
    assert ben_entry["next_steps"] is None and private not in str(ben_entry)
    assert entries(n, practitioner, ada)[0]["next_steps"] == private
    assert private not in str(entries(n, practitioner, ben))


# issue 16 F11: only the uploader attaches their media


def test_staff_cannot_attach_a_parents_unattached_upload(nursery):
    n = nursery
    practitioner = n.practitioner()
    ada, parent = n.family("Ada Lovelace")
    parents_photo = upload(n, parent, [ada])
    r = observe(n, practitioner, ada, media=[parents_photo])
    assert r.status_code == 400, r.text
    assert "media" in r.json()["detail"]
    # the parent attaches their own; staff may then revise the observation keeping it
    r = observe(n, parent, ada, media=[parents_photo])
    assert r.status_code == 201, r.text
    oid = r.json()["observation_id"]
    r = n.client.patch(f"/children/{ada}/observations/{oid}", headers=practitioner.headers,
                       json={"base_revision": 1, "text": "Ada builds a den in the garden."})
    assert r.status_code == 200, r.text
    another = observe(n, n.manager, ada, media=[parents_photo])
    assert another.status_code == 400  # still not theirs to attach elsewhere


# issue 16 F5: support access is capped and obeys the device and hours rules


def test_support_grant_is_capped_and_renewable(nursery):
    n = nursery
    support = n.add_person(["support"], "Sam Support")
    grant = "/setting/support-access"
    for until in ("9999-12-31T00:00:00Z", (n.clock() + timedelta(hours=73)).isoformat()):
        r = n.client.post(grant, headers=n.manager.headers,
                          json={"account_id": support.account_id, "until": until})
        assert r.status_code == 400, until
        assert "72 hours" in r.json()["detail"]
    ok = (n.clock() + timedelta(hours=71)).isoformat()
    r = n.client.post(grant, headers=n.manager.headers,
                      json={"account_id": support.account_id, "until": ok})
    assert r.status_code == 204
    n.clock.advance(timedelta(hours=70))
    for person in (n.manager, support):  # sessions end after twelve idle hours
        person.token = n.login(person.email)
    renewed = (n.clock() + timedelta(hours=71)).isoformat()
    r = n.client.post(grant, headers=n.manager.headers,
                      json={"account_id": support.account_id, "until": renewed})
    assert r.status_code == 204
    n.clock.advance(timedelta(hours=2))
    assert n.client.get("/setting", headers=support.headers).status_code == 200


def test_support_obeys_the_device_and_opening_hours_rules(nursery):
    n = nursery
    support = n.add_person(["support"], "Sam Support")
    until = (n.clock() + timedelta(hours=48)).isoformat()
    r = n.client.post("/setting/support-access", headers=n.manager.headers,
                      json={"account_id": support.account_id, "until": until})
    assert r.status_code == 204
    assert n.client.get("/children", headers=support.headers).status_code == 200
    bare = {"Authorization": support.headers["Authorization"]}
    r = n.client.get("/children", headers=bare)
    assert r.status_code == 403 and "X-Device-Token" in r.json()["detail"]
    r = n.client.put("/setting/opening-hours", headers=n.manager.headers, json={
        "timezone": "Europe/London", "days": {"mon": ["07:30", "18:30"]}})
    assert r.status_code == 204
    # the fixture's clock is a Wednesday: the setting is closed now
    r = n.client.get("/children", headers=support.headers)
    assert r.status_code == 403 and "opening hours" in r.json()["detail"]


def test_every_support_read_is_in_the_trail_with_its_grant(nursery):
    """Issue 23 #9: a support account's reads (lists and a child's data alike) are in the
    access trail, each naming the grant that allowed it; staff reads name none."""
    n = nursery
    ada, _ = n.family("Ada Lovelace")
    support = n.add_person(["support"], "Sam Support")
    until = (n.clock() + timedelta(hours=48)).isoformat()
    assert n.client.post("/setting/support-access", headers=n.manager.headers,
                         json={"account_id": support.account_id, "until": until}
                         ).status_code == 204
    for path in ("/children", f"/children/{ada}/journey"):
        assert n.client.get(path, headers=support.headers).status_code == 200
    assert n.client.get(f"/children/{ada}/journey", headers=n.manager.headers).status_code == 200
    n.services.access_log.flush()
    trail = n.client.get("/audit/access", headers=n.manager.headers).json()["items"]
    by_support = {r["route"]: r for r in trail if r["account_id"] == support.account_id}
    assert set(by_support) == {"/children", f"/children/{ada}/journey"}
    for read in by_support.values():
        assert read["support_grant_until"] == until
    assert by_support[f"/children/{ada}/journey"]["child_id"] == ada
    staff_reads = [r for r in trail if r["account_id"] == n.manager.account_id
                   and r["route"].endswith("/journey")]
    assert staff_reads and staff_reads[0]["support_grant_until"] is None


# issue 16 F8: a parent who has not signed sees nothing but what signing needs


def test_a_parent_who_has_not_signed_sees_only_what_signing_needs(nursery):
    n = nursery
    n.publish_terms()
    ada, parent = n.family("Ada Lovelace", sign=False)
    listed, = n.client.get("/children", headers=parent.headers).json()["items"]
    assert listed == {"child_id": ada, "name": "Ada Lovelace", "agreement_signed": False,
                      "sign_at": f"/children/{ada}/agreement", "terms_at": "/setting/terms"}
    for children in ([ada], []):
        headers = {**parent.headers, "Content-Type": "image/png"}
        if children:
            headers["X-Children"] = ",".join(children)
        r = n.client.post("/media", headers=headers, content=png())
        assert r.status_code == 403, r.text
        assert "agreement" in r.json()["detail"]
    r = n.client.get(f"/children/{ada}/consent", headers=parent.headers)
    assert r.status_code == 200
    assert r.json() == {"agreements": [], "agreement_current": False,
                        "sign_at": f"/children/{ada}/agreement", "terms_at": "/setting/terms"}
    n.sign_agreement(parent, ada)
    assert "image_consent" in n.client.get(f"/children/{ada}/consent",
                                           headers=parent.headers).json()
    listed, = n.client.get("/children", headers=parent.headers).json()["items"]
    assert listed["agreement_signed"] is True and listed["room"] == "Rainbow"
    upload(n, parent, [ada])


# issue 23 #3: a tablet returned after closing is signed in, and recorded as late


def _weekdays(n) -> None:
    r = n.client.put("/setting/opening-hours", headers=n.manager.headers, json={
        "timezone": "Europe/London",
        "days": {d: ["07:30", "18:30"] for d in ("mon", "tue", "wed", "thu", "fri")}})
    assert r.status_code == 204, r.text


def test_a_tablet_returned_after_closing_is_signed_in_and_recorded_late(nursery):
    from tests.support import at

    n = nursery
    _weekdays(n)
    alice = n.practitioner("Alice")
    tablet = n.register_device("tablet", "Rainbow room tablet")
    spare = n.register_device("tablet", "Spare tablet")
    for device in (tablet, spare):
        r = n.client.post(f"/devices/{device['device_id']}/sign-out", headers=alice.headers)
        assert r.status_code == 204, r.text
    n.clock.set(at("2026-11-25 19:00"))  # half an hour after closing
    assert n.client.get("/children", headers=alice.headers).status_code == 403
    r = n.client.post(f"/devices/{tablet['device_id']}/sign-in", headers=alice.headers,
                      json={"on_charger": True})
    assert r.status_code == 200, r.text
    r = n.client.post(f"/devices/{spare['device_id']}/damage", headers=alice.headers,
                      json={"kind": "loss", "description": "Left on the bus.",
                            "deliberate": False})
    assert r.status_code == 201, r.text
    n.clock.set(at("2026-11-25 20:31"))  # past the two hours after closing
    r = n.client.post(f"/devices/{tablet['device_id']}/sign-out", headers=alice.headers)
    assert r.status_code == 403
    n.clock.set(at("2026-11-26 08:00"))
    n.manager.token = n.login(n.manager.email)
    r = n.client.get("/reports/custody", headers=n.manager.headers,
                     params={"date": "2026-11-25"})
    assert r.status_code == 200, r.text
    row = next(i for i in r.json()["items"] if i["device_id"] == tablet["device_id"])
    assert row["holder_account_id"] is None and row["overdue"] is False
    assert [s["ended_by"] for s in row["sign_outs"]] == ["signed_in_late"]


# issue 23 #6: a staff session left idle on a tablet ends


def test_an_idle_tablet_session_ends_but_parents_and_office_sessions_do_not(nursery):
    n = nursery
    alice = n.practitioner("Alice")
    ada, parent = n.family("Ada Lovelace")
    tablet = n.register_device("tablet", "Rainbow room tablet")
    r = n.client.post(f"/devices/{tablet['device_id']}/sign-out", headers=alice.headers)
    assert r.status_code == 204, r.text
    on_tablet = {**alice.headers, "X-Device-Token": tablet["device_token"]}
    assert n.client.get("/children", headers=on_tablet).status_code == 200
    n.clock.advance(timedelta(minutes=14))
    assert n.client.get("/children", headers=on_tablet).status_code == 200
    n.clock.advance(timedelta(minutes=16))
    for person in (parent, n.manager):  # the office computer, and a parent's phone
        assert n.client.get("/children", headers=person.headers).status_code == 200
    r = n.client.get("/children", headers=on_tablet)
    assert r.status_code == 401 and "idle" in r.json()["detail"]
    r = n.client.get("/children", headers=alice.headers)
    assert r.status_code == 401  # the session has ended, whatever the device
    alice.token = n.login(alice.email)
    on_tablet = {**alice.headers, "X-Device-Token": tablet["device_token"]}
    assert n.client.get("/children", headers=on_tablet).status_code == 200


# issue 16 F6: an adult's e-mail and display name are sealed in the event log


def test_account_personal_fields_are_sealed_with_a_key_of_the_account(nursery):
    n = nursery
    parent = n.add_person(["parent"], "Priya Patel", email="priya.patel@example.org")
    stored = [x.state for x in n.services.app.recorder.select_notifications(1, 100_000)]
    assert stored and not any(b"priya.patel" in state or b"Priya Patel" in state
                              for state in stored)
    assert n.services.keys.exists(UUID(parent.account_id), "account")
    accounts = n.client.get("/accounts", headers=n.manager.headers).json()["items"]
    assert ("priya.patel@example.org", "Priya Patel") in {
        (a["email"], a["display_name"]) for a in accounts}
    # the e-mail index holds a keyed hash only: not one anyone could recompute from a guess
    from uuid import NAMESPACE_URL, uuid5

    from domain.aggregates.account import EmailIndex, email_digest
    assert n.services.app._find(
        uuid5(NAMESPACE_URL, "journey:email:priya.patel@example.org"), EmailIndex) is None
    assert n.services.app._find(EmailIndex.id_for(email_digest(
        "priya.patel@example.org", b"journey email index")), EmailIndex) is None
    n.services.keys.shred(UUID(parent.account_id), "account")
    account = n.services.app.repository.get(UUID(parent.account_id))
    assert (account.email, account.display_name) == ("[erased]", "[erased]")


# issue 23 #5: parental responsibility changes: unlink, restrict, withdraw the agreement


def test_a_manager_unlinks_a_parent_with_a_reason_and_access_ends_at_once(nursery):
    n = nursery
    ada, parent = n.family("Ada Lovelace")
    assert n.client.get(f"/children/{ada}/journey", headers=parent.headers).status_code == 200
    url = f"/children/{ada}/parents/{parent.account_id}"
    r = n.client.request("DELETE", url, headers=n.manager.headers, json={"reason": " "})
    assert r.status_code == 400 and "reason" in r.json()["detail"]
    r = n.client.request("DELETE", url, headers=parent.headers, json={"reason": "mine"})
    assert r.status_code == 403
    r = n.client.request("DELETE", url, headers=n.manager.headers,
                         json={"reason": "Parental responsibility changed (court order 12)."})
    assert r.status_code == 204, r.text
    parent.token = n.login(parent.email)
    for path in ("journey", "diary/2026-11-25"):
        assert n.client.get(f"/children/{ada}/{path}", headers=parent.headers
                            ).status_code == 404
    assert n.client.get("/children", headers=parent.headers).json()["items"] == []
    r = n.client.request("DELETE", url, headers=n.manager.headers, json={"reason": "again"})
    assert r.status_code == 404
    events = [type(n.services.app.mapper.to_domain_event(x)).__name__
              for x in n.services.app.recorder.select_notifications(1, 100_000)]
    assert "ChildUnlinked" in events  # in the log, with its actor and reason


def test_a_restricted_parent_sees_nothing_until_the_restriction_is_lifted(nursery):
    n = nursery
    ada, parent = n.family("Ada Lovelace")
    url = f"/children/{ada}/parents/{parent.account_id}/restriction"
    r = n.client.post(url, headers=n.manager.headers, json={"reason": "Court order 4471."})
    assert r.status_code == 204, r.text
    parent.token = n.login(parent.email)
    assert n.client.get(f"/children/{ada}/journey", headers=parent.headers).status_code == 404
    assert n.client.get(f"/children/{ada}/diary/2026-11-25", headers=parent.headers
                        ).status_code == 404
    r = n.client.post(f"/children/{ada}/diary/2026-11-25/messages", headers=parent.headers,
                      json={"text": "Hello"})
    assert r.status_code == 404
    r = n.client.request("DELETE", url, headers=n.manager.headers,
                         json={"reason": "The order has ended."})
    assert r.status_code == 204, r.text
    parent.token = n.login(parent.email)
    assert n.client.get(f"/children/{ada}/journey", headers=parent.headers).status_code == 200


def test_a_parent_who_withdraws_the_agreement_loses_access_until_signing_again(nursery):
    n = nursery
    ada, parent = n.family("Ada Lovelace")
    r = n.client.delete(f"/children/{ada}/agreement", headers=parent.headers)
    assert r.status_code == 204, r.text
    r = n.client.get(f"/children/{ada}/journey", headers=parent.headers)
    assert r.status_code == 403 and "agreement" in r.json()["detail"]
    assert n.client.delete(f"/children/{ada}/agreement", headers=parent.headers
                           ).status_code == 409
    n.sign_agreement(parent, ada)
    assert n.client.get(f"/children/{ada}/journey", headers=parent.headers).status_code == 200


# issue 23 #1: who appears in a photo is declared before it can be approved


def test_a_photo_nobody_declared_who_appears_in_is_not_approved(nursery):
    n = nursery
    practitioner = n.practitioner()
    ada, ada_parent = n.family("Ada Lovelace")
    photo = upload(n, practitioner)  # no X-Children
    oid = observe(n, practitioner, ada, media=[photo]).json()["observation_id"]
    queue = n.client.get("/moderation/queue", headers=n.manager.headers).json()["items"]
    assert queue[0]["media_children"] == {photo: None}
    r = approve(n, n.manager, oid)
    assert r.status_code == 409 and "who appears" in r.json()["detail"]
    assert entries(n, ada_parent, ada) == []
    r = n.client.put(f"/media/{photo}/children", headers=ada_parent.headers,
                     json={"children": [ada]})
    assert r.status_code == 403
    r = n.client.put(f"/media/{photo}/children", headers=practitioner.headers,
                     json={"children": [ada]})  # only this child
    assert r.status_code == 204, r.text
    r = n.client.put(f"/media/{photo}/children", headers=practitioner.headers,
                     json={"children": []})
    assert r.status_code == 409  # a declaration stands
    queue = n.client.get("/moderation/queue", headers=n.manager.headers).json()["items"]
    assert queue[0]["media_children"] == {photo: [ada]}
    assert approve(n, n.manager, oid).status_code == 204
    assert entries(n, ada_parent, ada)[0]["media"] == [photo]


# issue 23 #7: everything put in is moderated before the family sees it


def test_comments_and_assessments_wait_for_a_manager(nursery):
    n = nursery
    practitioner = n.practitioner()
    ada, parent = n.family("Ada Lovelace")
    oid = observe(n, practitioner, ada).json()["observation_id"]
    assert approve(n, n.manager, oid).status_code == 204
    r = n.client.post(f"/children/{ada}/observations/{oid}/comments", headers=parent.headers,
                      json={"text": "She builds dens at home too."})
    assert r.status_code == 201, r.text
    comment_id = r.json()["comment_id"]
    assert entries(n, parent, ada)[0]["comments"] == []
    waiting = n.client.get("/moderation/comments", headers=n.manager.headers).json()["items"]
    assert [(c["comment_id"], c["text"]) for c in waiting] == [
        (comment_id, "She builds dens at home too.")]
    url = f"/children/{ada}/comments/{comment_id}/approve"
    assert n.client.post(url, headers=practitioner.headers).status_code == 403
    assert n.client.post(url, headers=n.manager.headers).status_code == 204
    assert [c["comment_id"] for c in entries(n, parent, ada)[0]["comments"]] == [comment_id]
    assert n.client.get("/moderation/comments", headers=n.manager.headers
                        ).json()["items"] == []

    r = n.client.post(f"/children/{ada}/assessments", headers=practitioner.headers,
                      json={"period": "Autumn 2026", "judgements": {"mathematics": "expected"}})
    assert r.status_code == 201, r.text
    assessment_id = r.json()["assessment_id"]

    def listed(person):
        r = n.client.get(f"/children/{ada}/assessments", headers=person.headers)
        assert r.status_code == 200, r.text
        return [(a["assessment_id"], a["status"]) for a in r.json()["items"]]

    def judged(person):
        r = n.client.get(f"/children/{ada}/progress", headers=person.headers)
        assert r.status_code == 200, r.text
        return next(a for a in r.json()["areas"] if a["area"] == "mathematics"
                    )["latest_judgement"]

    assert listed(parent) == [] and judged(parent) is None
    assert listed(practitioner) == [(assessment_id, "pending")]
    assert judged(practitioner) == "expected"  # staff see the latest, as for observations
    queue = n.client.get("/moderation/assessments", headers=n.manager.headers).json()["items"]
    assert [a["assessment_id"] for a in queue] == [assessment_id]
    r = n.client.post(f"/children/{ada}/assessments/{assessment_id}/approve",
                      headers=n.manager.headers)
    assert r.status_code == 204, r.text
    assert listed(parent) == [(assessment_id, "approved")]
    assert judged(parent) == "expected"
