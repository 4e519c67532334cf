"""The compliance report: each figure checked against a history built to produce it."""

from __future__ import annotations

import csv
import io

from tests.support import Person, at

DAY = "2026-11-25"  # the test clock starts on this Wednesday at 10:00 UTC


def post(nursery, who: Person, path: str, body: dict | None = None, headers=None):
    r = nursery.client.post(path, headers=headers or who.headers, json=body)
    assert r.status_code in (200, 201, 204), r.text
    return r.json() if r.content else None


def observe(nursery, who: Person, child: str, observed_on: str) -> str:
    return post(nursery, who, f"/children/{child}/observations", {
        "observed_on": observed_on, "text": "Counts five blocks aloud.", "framework": [],
        "media": [], "children": [], "next_steps": "More counting."})["observation_id"]


def report(nursery, **params):
    return nursery.client.get("/reports/compliance", headers=nursery.manager.headers,
                              params={"from": "2026-11-20", "to": "2026-11-26", **params})


def test_each_figure_of_the_compliance_report(nursery):
    pat = nursery.practitioner("Pat Practitioner")
    ada, ada_parent = nursery.family("Ada Lovelace", room="Rainbow")
    ben, ben_parent = nursery.family("Ben Okafor", room="Sunshine", sign=False)
    late = observe(nursery, pat, ada, "2026-11-10")       # uploaded 15 days after
    on_time = observe(nursery, pat, ada, "2026-11-24")
    post(nursery, nursery.manager, f"/observations/{on_time}/approve", {"revision": 1})

    day = f"/children/{ada}/diary/{DAY}"
    meal = post(nursery, pat, f"{day}/entries", {"kind": "meal", "meal": "breakfast",
                "food": "Toast", "amount": "most", "at": f"{DAY}T08:30:00+00:00"})
    incident = post(nursery, pat, f"{day}/entries", {
        "kind": "incident", "at": f"{DAY}T09:00:00+00:00", "what": "Slipped on the mat",
        "injury": "Bumped elbow", "first_aid": "Cold compress", "by": pat.account_id})
    post(nursery, pat, f"{day}/end-session")
    late_entry = post(nursery, pat, f"{day}/entries", {"kind": "nappy", "state": "wet",
                      "at": f"{DAY}T09:30:00+00:00"})
    r = nursery.client.patch(f"{day}/entries/{meal['entry_id']}", headers=pat.headers,
                             json={"base_version": 1, "amount": "all"})
    assert r.status_code == 200, r.text  # corrected after the session: still on time

    from PIL import Image

    photo = io.BytesIO()
    Image.new("RGB", (4, 4)).save(photo, "PNG")
    tablet = nursery.register_device("tablet", "Rainbow tablet")
    spare = nursery.register_device("tablet", "Spare tablet")
    post(nursery, pat, f"/devices/{tablet['device_id']}/sign-out")
    media = nursery.client.post("/media", content=photo.getvalue(), headers={
        **pat.headers, "X-Device-Token": tablet["device_token"], "Content-Type": "image/png",
        "X-Children": ada}).json()["media_id"]
    post(nursery, pat, f"/devices/{tablet['device_id']}/sign-in", {"on_charger": True})
    post(nursery, pat, f"/devices/{spare['device_id']}/sign-out")

    nursery.clock.set(at("2026-11-26 09:00"))  # the spare tablet stayed out overnight
    for person in (nursery.manager,):
        person.token = nursery.login(person.email)
    r = report(nursery)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [o["observation_id"] for o in body["late_observations"]] == [late]
    assert [e["entry_id"] for e in body["late_diary_entries"]] == [late_entry["entry_id"]]
    assert body["moderation_backlog"]["count"] == 1
    assert body["moderation_backlog"]["observation_ids"] == [late]
    assert [d["device_id"] for d in body["devices_not_signed_in"]] == [spare["device_id"]]
    assert [(p["device_id"], p["media_id"]) for p in body["photos_left_on_devices"]] == [
        (tablet["device_id"], media)]
    assert [(p["parent_id"], p["child_id"]) for p in body["parents_not_signed"]] == [
        (ben_parent.account_id, ben)]
    assert [c["child_id"] for c in body["children_without_observations"]] == [ben]
    assert [i["entry_id"] for i in body["unacknowledged_incidents"]] == [
        incident["entry_id"]]
    pat_row = next(p for p in body["by_practitioner"] if p["account_id"] == pat.account_id)
    assert pat_row["name"] == "Pat Practitioner"
    assert (pat_row["late_observations"], pat_row["late_diary_entries"],
            pat_row["moderation_backlog"]) == (1, 1, 1)
    rooms = {row["room"]: row for row in body["by_room"]}
    assert rooms["Rainbow"]["late_observations"] == 1
    assert rooms["Sunshine"]["parents_not_signed"] == 1

    ada_parent.token = nursery.login(ada_parent.email)
    post(nursery, ada_parent, f"{day}/incidents/{incident['entry_id']}/acknowledge")
    assert report(nursery).json()["unacknowledged_incidents"] == []
    # a withdrawn agreement counts as not signed
    r = nursery.client.delete(f"/children/{ada}/agreement", headers=ada_parent.headers)
    assert r.status_code == 204, r.text
    unsigned = report(nursery).json()["parents_not_signed"]
    assert (ada_parent.account_id, ada) in [(p["parent_id"], p["child_id"]) for p in unsigned]

    as_csv = nursery.client.get("/reports/compliance", params={"from": "2026-11-20",
                                "to": "2026-11-26"},
                                headers={**nursery.manager.headers, "Accept": "text/csv"})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {"figure": "late_observations", "record_id": late} .items() <= rows[
        [r["figure"] for r in rows].index("late_observations")].items()
    assert sum(r["figure"] == "moderation_backlog" for r in rows) == 1
    pdf = report(nursery, format="pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


def test_only_managers_read_it_and_the_period_is_checked(nursery):
    pat, parent = nursery.practitioner(), nursery.parent()
    for who in (pat, parent):
        r = nursery.client.get("/reports/compliance", headers=who.headers)
        assert r.status_code == 403
    bad = report(nursery, **{"from": "2026-12-01"})
    assert bad.status_code == 400 and "'from'" in bad.json()["detail"]
    assert report(nursery, format="xls").status_code == 400
    assert report(nursery, **{"from": "2024-01-01"}).status_code == 400  # over a year
    empty = report(nursery).json()
    assert empty["moderation_backlog"]["count"] == 0 and empty["late_observations"] == []
