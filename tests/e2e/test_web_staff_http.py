"""The staff's pages over HTTP (no browser): enrolling a device, the tablet signed out
at the office, the room board's taps, a new observation with a photo for two children,
the photos still on the tablet, the moderation queue, and the policy's refusals."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from tests.e2e.test_web_family_http import csrf, sign_in
from tests.media_support import png_bytes

pytestmark = pytest.mark.storage

DATE = "2026-11-25"


def enrol(client, token: str) -> None:
    page = client.get("/tablet/enrol")
    r = client.post("/tablet/enrol", data={"token": token, "_csrf_token": csrf(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "journey_device=" in r.headers["set-cookie"]
    assert "HttpOnly" in r.headers["set-cookie"]


def board(n, child_id):
    r = n.client.get("/rooms/Rainbow/board", headers=n.manager.headers)
    return next(i for i in r.json()["items"] if i["child_id"] == child_id)


def test_a_day_on_the_tablet_and_at_the_office(nursery):
    n, c = nursery, nursery.client
    practitioner = n.practitioner("Pat Practitioner")
    ada, parent = n.family("Ada Lovelace")
    grace, _ = n.family("Grace Hopper")
    r = c.put(f"/children/{ada}/image-consent", headers=parent.headers,
              json={"allowed": True})
    assert r.status_code == 204, r.text

    # the office computer: the manager registers a tablet, the practitioner signs it out
    page = c.get("/", follow_redirects=False)
    assert page.status_code == 303
    sign_in(c, n.manager.email)
    refused = c.get("/")
    assert refused.status_code == 403 and "setting's equipment" in unescape(refused.text)
    assert 'href="/tablet/enrol"' in refused.text
    enrol(c, n.office_device_token)
    home = c.get("/")
    assert home.status_code == 200 and "Rainbow" in home.text
    devices = c.get("/office/devices")
    made = c.post("/office/devices", data={"label": "Rainbow tablet", "kind": "tablet",
                                            "_csrf_token": csrf(devices.text)})
    tablet_token = re.search(r'<code id="device-token">([^<]+)</code>', made.text).group(1)
    c.cookies.delete("journey_session")
    sign_in(c, practitioner.email)
    devices = c.get("/office/devices")
    tablet_id = re.search(r'/office/devices/([0-9a-f-]+)/sign-out', devices.text).group(1)
    r = c.post(f"/office/devices/{tablet_id}/sign-out",
               data={"_csrf_token": csrf(devices.text)})
    assert r.status_code == 200 and "Pat Practitioner since" in r.text

    # the tablet
    c.cookies.clear()
    enrol(c, tablet_token)
    sign_in(c, practitioner.email)
    room = c.get("/room/Rainbow")
    assert room.status_code == 200 and "Ada Lovelace" in room.text and ">AL<" in room.text
    token = csrf(room.text)
    record = f"/room/Rainbow/children/{ada}/record"
    for form in ({"what": "nappy", "state": "wet"}, {"what": "meal", "amount": "most"},
                 {"what": "drink", "drink": "Milk", "ml": "100"}, {"what": "asleep"}):
        r = c.post(record, data={**form, "_csrf_token": token})
        assert r.status_code == 200 and "Recorded." in r.text, form
    seen = board(n, ada)
    assert seen["asleep"] and seen["last_nappy"]["state"] == "wet"
    assert seen["last_meal"]["amount"] == "most"
    n.clock.advance(timedelta(minutes=10))  # within the tablet's idle time
    r = c.post(record, data={"what": "woke", "_csrf_token": token})
    assert r.status_code == 200, r.text
    day = c.get(f"/children/{ada}/diary/{DATE}", headers=n.manager.headers).json()
    assert not board(n, ada)["asleep"], (r.text[-800:], day)

    # medicine with a witness, and an incident
    witness = n.practitioner("Wes Witness")
    r = c.post(f"/children/{ada}/medication-permissions", headers=parent.headers, json={
        "medicine": "Calpol", "dose": "5 ml", "from": DATE, "until": DATE})
    assert r.status_code == 201, r.text
    day = c.get(f"/room/Rainbow/children/{ada}")
    assert day.status_code == 200 and "Calpol" in day.text and "Wes Witness" in day.text
    r = c.post(f"/room/Rainbow/children/{ada}/medication", data={
        "permission_id": r.json()["permission_id"], "dose": "5 ml",
        "witnessed_by": witness.account_id, "_csrf_token": csrf(day.text)})
    assert r.status_code == 200 and "Recorded." in r.text, r.text
    assert "given by Pat Practitioner, witnessed by Wes Witness" in r.text
    r = c.post(f"/room/Rainbow/children/{ada}/incident", data={
        "what": "Tripped on a rug", "injury": "Red knee", "first_aid": "Cold pack",
        "by": practitioner.account_id, "_csrf_token": csrf(day.text)})
    assert r.status_code == 200 and "Tripped on a rug" in r.text, r.text
    assert "1 incident to follow up" in c.get("/room/Rainbow").text
    r = c.post(f"/room/Rainbow/children/{ada}/incident", data={
        "what": "", "injury": "", "first_aid": "", "_csrf_token": csrf(day.text)})
    assert r.status_code == 400

    form = c.get("/observe")
    assert 'accept="image/*,video/*"' in form.text and "no image consent" in form.text
    r = c.post("/observe", data={"children": [ada, grace], "text": "Ada and Grace build "
                                 "a den.", "area": ["personal_social_and_emotional_development",
                                                    ""],
                                 "aspect": ["", ""], "age_band": ["", ""], "next_steps": "",
                                 "in_photos": [ada],
                                 "_csrf_token": csrf(form.text)},
               files={"media": ("den.png", png_bytes(), "image/png")})
    assert r.status_code == 200, r.text
    assert "waits for a manager" in r.text
    photos = c.get("/tablet/photos")
    media_id = re.search(r'/tablet/photos/([0-9a-f-]+)/deleted', photos.text).group(1)
    r = c.post(f"/tablet/photos/{media_id}/deleted", data={"_csrf_token": csrf(photos.text)})
    assert r.status_code == 200 and "No photos left on this device" in r.text

    # the manager's queue
    c.cookies.clear()
    enrol(c, n.office_device_token)
    sign_in(c, n.manager.email)
    damage = c.get(f"/office/devices/{tablet_id}/damage")
    assert "Pat Practitioner holds it now" in damage.text
    r = c.post(f"/office/devices/{tablet_id}/damage", data={
        "kind": "accidental_damage", "description": "Cracked corner",
        "_csrf_token": csrf(damage.text)})
    assert r.status_code == 200 and "Cracked corner" in r.text and "Pat Practitioner" in r.text
    csv = c.get("/office/reports/damage.csv?format=csv")
    assert csv.headers["content-type"].startswith("text/csv") and "Cracked corner" in csv.text
    assert "Rainbow tablet" in c.get("/office/reports/custody.csv?format=csv").text
    queue = c.get("/moderation")
    assert "Ada and Grace build a den." in queue.text and "Pat Practitioner" in queue.text
    observation_id = re.search(r'action="/moderation/([0-9a-f-]+)"', queue.text).group(1)
    r = c.post(f"/moderation/{observation_id}", data={"revision": "1",
                                                      "decision": "approve",
                                                      "_csrf_token": csrf(queue.text)})
    assert r.status_code == 200, r.text
    shown = c.get(f"/children/{ada}/journey", headers=parent.headers).json()["items"]
    assert [e["text"] for e in shown] == ["Ada and Grace build a den."]

    # a draft sent again with its Idempotency-Key is recorded once
    c.cookies.clear()
    enrol(c, tablet_token)
    sign_in(c, practitioner.email)
    form = c.get("/observe")
    fields = {"_csrf_token": csrf(form.text), "children": ada, "text": "Ada pours water."}
    body = "".join(f'--B\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                   for k, v in fields.items()) + "--B--\r\n"
    for _ in range(2):
        r = c.post("/observe", content=body.encode(), headers={
            "Content-Type": "multipart/form-data; boundary=B", "Idempotency-Key": "draft-1"})
        assert r.status_code == 200 and "waits for a manager" in r.text
    queue = c.get("/moderation/queue", headers=n.manager.headers).json()["items"]
    assert [q["text"] for q in queue] == ["Ada pours water."]

    # out of hours
    r = c.put("/setting/opening-hours", headers=n.manager.headers, json={
        "timezone": "Europe/London", "days": {"mon": ["07:30", "18:30"]}})
    assert r.status_code == 204, r.text
    n.clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))  # a Tuesday: closed
    closed = c.get("/room/Rainbow")
    assert closed.status_code == 403
    assert "only available to staff during the setting's opening hours" in unescape(
        closed.text)


def test_a_manager_opens_a_family_at_the_office(nursery):
    n, c = nursery, nursery.client
    enrol(c, n.office_device_token)
    sign_in(c, n.manager.email)
    page = c.get("/office/people")
    assert page.status_code == 200
    token = csrf(page.text)
    r = c.post("/office/people/accounts", data={
        "display_name": "Mo Parent", "email": "mo@example.org", "role": "parent",
        "password": "a long enough family password", "_csrf_token": token})
    assert r.status_code == 200 and "Mo Parent" in r.text, r.text
    r = c.post("/office/people/children", data={
        "name": "Kit Parent", "date_of_birth": "2024-01-02", "room": "Sunshine",
        "key_person_id": n.manager.account_id, "_csrf_token": token})
    assert r.status_code == 200 and "Kit Parent" in r.text, r.text
    child_id = c.get("/children", headers=n.manager.headers).json()["items"][0]["child_id"]
    parent_id = next(a["account_id"] for a in c.get("/accounts", headers=n.manager.headers
                                                    ).json()["items"]
                     if a["email"] == "mo@example.org")
    r = c.post("/office/people/links", data={"child_id": child_id, "account_id": parent_id,
                                             "relationship": "father", "_csrf_token": token})
    assert r.status_code == 200, r.text
    r = c.post("/office/people/terms", data={"text": "We look after Kit.",
                                             "_csrf_token": token})
    assert r.status_code == 200 and "We look after Kit." in r.text
    r = c.post("/office/people/accounts", data={
        "display_name": "", "email": "x", "role": "parent", "password": "",
        "_csrf_token": token})
    assert r.status_code == 400
    hours = c.get("/office/hours")
    assert hours.status_code == 200 and "Opening hours" in hours.text
    r = c.post("/office/hours", data={"timezone": "Europe/London", "mon_open": "07:30",
                                      "mon_close": "18:30", "wed_open": "07:30",
                                      "wed_close": "18:30", "_csrf_token": token})
    assert r.status_code == 200 and 'value="18:30"' in r.text, r.text
    assert c.get("/setting", headers=n.manager.headers).json()["days"]["mon"] == [
        "07:30", "18:30"]
    c.cookies.delete("journey_session")
    sign_in(c, "mo@example.org", "a long enough family password")
    assert "We look after Kit." in c.get("/").text


def test_a_manager_restricts_a_parent_and_disables_an_account_at_the_office(nursery):
    """Issue 18: the court-order restriction and disabling an account, as pages."""
    n, c = nursery, nursery.client
    child_id, parent = n.family("Ada Lovelace")
    leaver = n.practitioner("Lee Leaver")
    assert c.get(f"/children/{child_id}/journey", headers=parent.headers).status_code == 200
    enrol(c, n.office_device_token)
    sign_in(c, n.manager.email)
    page = c.get("/office/people")
    token = csrf(page.text)
    assert "Lee Leaver" in page.text and "Restrict a parent" in page.text
    r = c.post("/office/people/restrictions", data={
        "child_id": child_id, "account_id": parent.account_id, "change": "restrict",
        "reason": "Court order of 1 December", "_csrf_token": token})
    assert r.status_code == 200, r.text
    assert c.get(f"/children/{child_id}/journey", headers=parent.headers).status_code in (
        401, 404)
    r = c.post("/office/people/restrictions", data={
        "child_id": child_id, "account_id": parent.account_id, "change": "lift",
        "reason": "Order discharged", "_csrf_token": token})
    assert r.status_code == 200, r.text
    parent.token = n.login(parent.email)
    assert c.get(f"/children/{child_id}/journey", headers=parent.headers).status_code == 200
    r = c.post("/office/people/disable", data={"account_id": leaver.account_id,
                                               "_csrf_token": token})
    assert r.status_code == 200 and "Lee Leaver (disabled)" in r.text, r.text
    assert c.get("/children", headers=leaver.headers).status_code == 401
    r = c.post("/office/people/restrictions", data={
        "child_id": child_id, "account_id": parent.account_id, "change": "forget",
        "reason": "x", "_csrf_token": token})
    assert r.status_code == 400


def test_the_safeguarding_lead_reads_the_audit_trail(nursery):
    n, c = nursery, nursery.client
    child_id, parent = n.family("Ada Lovelace")
    assert c.get(f"/children/{child_id}/journey", headers=parent.headers).status_code == 200
    lead = n.add_person(["safeguarding_lead"], "Sally Lead")
    enrol(c, n.office_device_token)
    sign_in(c, lead.email)
    page = c.get(f"/audit-trail?child_id={child_id}")
    assert page.status_code == 200, page.text
    assert "Parent of Ada Lovelace" in page.text and "Morgan Manager" in page.text
    # the record as it stood at a moment, rebuilt from the log (issue 18): before the
    # observation was approved, and after
    pat = n.practitioner("Pat Practitioner")
    n.clock.advance(timedelta(minutes=2))
    made = c.post(f"/children/{child_id}/observations", headers=pat.headers, json={
        "observed_on": DATE, "text": "Ada stacks five cups.", "framework": [],
        "media": [], "children": []}).json()
    n.clock.advance(timedelta(minutes=1))
    before = n.clock().astimezone(UTC)  # London is UTC in November
    n.clock.advance(timedelta(minutes=5))
    assert c.post(f"/observations/{made['observation_id']}/approve",
                  headers=n.manager.headers, json={"revision": 1}).status_code == 204
    then = c.get("/audit-trail", params={"child_id": child_id, "on": DATE,
                                         "time": f"{before:%H:%M}"})
    assert then.status_code == 200, then.text
    assert "Ada stacks five cups." in then.text and "pending (revision 1)" in then.text
    assert "0 shown to parents" in then.text
    later = c.get("/audit-trail", params={"child_id": child_id, "on": DATE})
    assert "approved (revision 1)" in later.text and "1 shown to parents" in later.text
    bad = c.get("/audit-trail", params={"child_id": child_id, "on": "yesterday"})
    assert bad.status_code == 400 and "on" in bad.text
    practitioner = n.practitioner()
    c.cookies.delete("journey_session")
    sign_in(c, practitioner.email)
    assert c.get(f"/audit-trail?child_id={child_id}").status_code == 403
