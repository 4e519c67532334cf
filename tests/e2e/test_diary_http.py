"""The daily diary over HTTP: entries of every kind, medication permissions and the witness
rule, sleeps, incidents and their acknowledgement, corrections and retractions, the end
of the session and late entries, messages, the room board and the reports."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from adapters.setup import set_up_setting
from tests.support import PASSWORD, Person

DATE = "2026-11-25"  # the test clock starts on this day at 10:00 UTC (Europe/London)


def t(hhmm: str) -> str:
    return f"{DATE}T{hhmm}:00+00:00"


def day_path(child_id: str, date: str = DATE) -> str:
    return f"/children/{child_id}/diary/{date}"


@pytest.fixture
def room(nursery):
    """A child with a linked parent who signed, and two practitioners."""
    child_id, parent = nursery.family("Ada Lovelace", "Rainbow")
    return {
        "child": child_id,
        "parent": parent,
        "staff": nursery.practitioner("Pat Practitioner"),
        "witness": nursery.practitioner("Wes Witness"),
    }


def post_entry(nursery, who: Person, child_id: str, body: dict, date: str = DATE):
    return nursery.client.post(f"{day_path(child_id, date)}/entries", headers=who.headers,
                               json=body)


def permit(nursery, who: Person, child_id: str, medicine: str = "Calpol",
           start: str = DATE, until: str = DATE) -> str:
    r = nursery.client.post(f"/children/{child_id}/medication-permissions",
                            headers=who.headers,
                            json={"medicine": medicine, "dose": "5 ml", "from": start,
                                  "until": until})
    assert r.status_code == 201, r.text
    return r.json()["permission_id"]


def medication(room, permission_id: str, **change) -> dict:
    return {"kind": "medication", "medicine": "Calpol", "dose": "5 ml", "at": t("09:30"),
            "given_by": room["staff"].account_id,
            "witnessed_by": room["witness"].account_id,
            "permission_id": permission_id, **change}


def good_entries(room, permission_id: str) -> dict[str, dict]:
    return {
        "meal": {"kind": "meal", "meal": "breakfast", "food": "Porridge", "amount": "most",
                 "at": t("08:00")},
        "drink": {"kind": "drink", "drink": "Milk", "ml": 120, "at": t("08:05")},
        "sleep": {"kind": "sleep", "start": t("08:10"), "end": t("08:40")},
        "nappy": {"kind": "nappy", "state": "wet", "cream": True, "at": t("08:45")},
        "toilet": {"kind": "toilet", "state": "dry", "at": t("08:50")},
        "medication": medication(room, permission_id, at=t("08:55")),
        "incident": {"kind": "incident", "at": t("09:00"), "what": "Slipped on the mat",
                     "injury": "Bumped elbow", "first_aid": "Cold compress",
                     "by": room["staff"].account_id},
        "activity": {"kind": "activity", "text": "Sponge painting", "at": t("09:40")},
    }


BAD = {
    "meal": ({"amount": "loads"}, "amount"),
    "drink": ({"ml": -5}, "ml"),
    "sleep": ({"end": t("08:00")}, "end"),
    "nappy": ({"state": "damp"}, "state"),
    "toilet": ({"at": "not a time"}, "at"),
    "medication": ({"dose": ""}, "dose"),
    "incident": ({"first_aid": None}, "first_aid"),
    "activity": ({"media": ["nope"]}, "media"),
}


def test_every_kind_is_recorded_and_bad_input_names_the_field(nursery, room):
    permission_id = permit(nursery, room["parent"], room["child"])
    for kind, body in good_entries(room, permission_id).items():
        bad_change, field = BAD[kind]
        r = post_entry(nursery, room["staff"], room["child"], {**body, **bad_change})
        assert r.status_code == 400, (kind, r.text)
        assert f"'{field}" in r.json()["detail"], (kind, r.text)  # 'media' or 'media[0]'
        r = post_entry(nursery, room["staff"], room["child"], body)
        assert r.status_code == 201, (kind, r.text)
        assert r.json()["late"] is False
        uuid.UUID(r.json()["entry_id"])
    r = nursery.client.get(day_path(room["child"]), headers=room["parent"].headers)
    assert r.status_code == 200
    kinds = [i["kind"] for i in r.json()["items"]]
    assert kinds == list(good_entries(room, permission_id))  # in time order
    for kind in ("bath", None):
        r = post_entry(nursery, room["staff"], room["child"], {"kind": kind, "at": t("09:00")})
        assert r.status_code == 400
        assert "'kind'" in r.json()["detail"]


def test_times_off_the_date_or_in_the_future_are_400(nursery, room):
    r = post_entry(nursery, room["staff"], room["child"],
                   {"kind": "toilet", "state": "wet", "at": "2026-11-24T09:00:00+00:00"})
    assert r.status_code == 400
    assert "'at'" in r.json()["detail"]
    r = post_entry(nursery, room["staff"], room["child"],
                   {"kind": "toilet", "state": "wet", "at": t("18:00")})
    assert r.status_code == 400
    assert "future" in r.json()["detail"]
    r = post_entry(nursery, room["staff"], room["child"],
                   {"kind": "toilet", "state": "wet", "at": t("09:00")}, date="2026-02-30")
    assert r.status_code in (400, 404)


def test_medication_needs_a_permission_and_a_different_staff_witness(nursery, room):
    staff = room["staff"]
    r = post_entry(nursery, staff, room["child"], medication(room, str(uuid.uuid4())))
    assert r.status_code == 409
    assert "permission" in r.json()["detail"]
    later = permit(nursery, staff, room["child"], start="2026-11-26", until="2026-11-30")
    r = post_entry(nursery, staff, room["child"], medication(room, later))
    assert r.status_code == 409
    other_child, _ = nursery.family("Grace Hopper", "Rainbow")
    theirs = permit(nursery, staff, other_child)
    r = post_entry(nursery, staff, room["child"], medication(room, theirs))
    assert r.status_code == 409
    permission_id = permit(nursery, room["parent"], room["child"])
    r = post_entry(nursery, staff, room["child"],
                   medication(room, permission_id, witnessed_by=staff.account_id))
    assert r.status_code == 400
    assert "'witnessed_by'" in r.json()["detail"]
    r = post_entry(nursery, staff, room["child"],
                   medication(room, permission_id, witnessed_by=room["parent"].account_id))
    assert r.status_code == 400
    assert "'witnessed_by'" in r.json()["detail"]
    r = post_entry(nursery, staff, room["child"], medication(room, permission_id))
    assert r.status_code == 201, r.text
    r = nursery.client.get(f"/children/{room['child']}/medication-permissions",
                           headers=room["parent"].headers)
    assert r.status_code == 200
    sources = sorted(p["source"] for p in r.json()["items"])
    assert sources == ["parent", "signed_form", "signed_form"][:len(sources)]
    assert "parent" in sources


def test_a_medication_permission_needs_valid_dates(nursery, room):
    r = nursery.client.post(f"/children/{room['child']}/medication-permissions",
                            headers=room["parent"].headers,
                            json={"medicine": "Calpol", "dose": "5 ml", "from": DATE,
                                  "until": "2026-11-01"})
    assert r.status_code == 400
    assert "'until'" in r.json()["detail"]
    r = nursery.client.post(f"/children/{room['child']}/medication-permissions",
                            headers=room["parent"].headers,
                            json={"medicine": "Calpol", "dose": "5 ml", "from": "soon",
                                  "until": DATE})
    assert r.status_code == 400
    assert "from" in r.json()["detail"]


def test_overlapping_sleeps_are_refused_and_an_open_sleep_ends(nursery, room):
    staff, child = room["staff"], room["child"]
    r = post_entry(nursery, staff, child, {"kind": "sleep", "start": t("09:00")})
    assert r.status_code == 201
    sleep_id = r.json()["entry_id"]
    board = nursery.client.get(f"/rooms/Rainbow/board?date={DATE}", headers=staff.headers)
    ada = next(i for i in board.json()["items"] if i["child_id"] == child)
    assert ada["asleep"] is True and ada["name"] == "Ada Lovelace"
    assert ada["asleep_since"] == t("09:00")
    r = post_entry(nursery, staff, child, {"kind": "sleep", "start": t("09:20"),
                                           "end": t("09:30")})
    assert r.status_code == 409
    r = post_entry(nursery, staff, child, {"kind": "sleep", "start": t("09:00"),
                                           "end": t("09:45")})
    assert r.status_code == 201
    assert r.json()["entry_id"] == sleep_id
    r = post_entry(nursery, staff, child, {"kind": "sleep", "start": t("09:30"),
                                           "end": t("09:50")})
    assert r.status_code == 409
    board = nursery.client.get(f"/rooms/Rainbow/board?date={DATE}", headers=staff.headers)
    ada = next(i for i in board.json()["items"] if i["child_id"] == child)
    assert ada["asleep"] is False


def test_incidents_are_acknowledged_by_a_parent_of_the_child_only(nursery, room):
    staff, child = room["staff"], room["child"]
    r = post_entry(nursery, staff, child, {
        "kind": "incident", "at": t("09:00"), "what": "Fell from the slide",
        "injury": "Graze on the knee", "first_aid": "Cleaned and plaster",
        "by": staff.account_id})
    incident_id = r.json()["entry_id"]
    report = nursery.client.get(f"/reports/incidents/unacknowledged?date={DATE}",
                                headers=nursery.manager.headers)
    assert report.status_code == 200
    assert [i["entry_id"] for i in report.json()["items"]] == [incident_id]
    assert report.json()["items"][0]["name"] == "Ada Lovelace"
    _, other_parent = nursery.family("Grace Hopper", "Rainbow")
    ack = f"{day_path(child)}/incidents/{incident_id}/acknowledge"
    r = nursery.client.post(ack, headers=other_parent.headers)
    assert r.status_code == 404
    r = nursery.client.post(ack, headers=staff.headers)
    assert r.status_code == 403
    r = nursery.client.post(f"{day_path(child)}/incidents/{uuid.uuid4()}/acknowledge",
                            headers=room["parent"].headers)
    assert r.status_code == 404
    r = nursery.client.post(ack, headers=room["parent"].headers)
    assert r.status_code == 204
    r = nursery.client.post(ack, headers=room["parent"].headers)
    assert r.status_code == 204
    report = nursery.client.get(f"/reports/incidents/unacknowledged?date={DATE}",
                                headers=nursery.manager.headers)
    assert report.json()["items"] == []
    day = nursery.client.get(day_path(child), headers=room["parent"].headers).json()
    assert day["items"][0]["acknowledged"] is True
    assert day["items"][0]["acknowledged_by"] == [room["parent"].account_id]
    r = nursery.client.get("/reports/incidents/unacknowledged", headers=staff.headers)
    assert r.status_code == 403


def test_entries_after_the_end_of_session_are_late_and_reported(nursery, room):
    staff, child = room["staff"], room["child"]
    r = post_entry(nursery, staff, child, {"kind": "toilet", "state": "wet",
                                           "at": t("09:00")})
    assert r.json()["late"] is False
    r = nursery.client.post(f"{day_path(child)}/end-session", headers=staff.headers)
    assert r.status_code == 204
    r = nursery.client.post(f"{day_path(child)}/end-session", headers=staff.headers)
    assert r.status_code == 409
    nursery.clock.advance(timedelta(minutes=10))
    r = post_entry(nursery, staff, child, {"kind": "meal", "meal": "lunch", "food": "Stew",
                                           "amount": "all", "at": t("09:55")})
    assert r.status_code == 201
    assert r.json()["late"] is True
    late_id = r.json()["entry_id"]
    report = nursery.client.get("/reports/late-diary", headers=nursery.manager.headers)
    assert report.status_code == 200
    assert report.json()["count"] == 1
    assert [i["entry_id"] for i in report.json()["items"]] == [late_id]
    assert report.json()["items"][0]["kind"] == "meal"
    day = nursery.client.get(day_path(child), headers=room["parent"].headers).json()
    assert day["session_ended"] is True
    assert [i["late"] for i in day["items"]] == [False, True]
    r = nursery.client.get("/reports/late-diary", headers=staff.headers)
    assert r.status_code == 403


def test_a_correction_after_the_session_keeps_the_entry_on_time(nursery, room):
    """Issue 22 #8: lateness belongs to when an entry was first recorded."""
    staff, child = room["staff"], room["child"]
    r = post_entry(nursery, staff, child, {"kind": "meal", "meal": "lunch", "food": "Stew",
                                           "amount": "half", "at": t("09:00")})
    assert r.json()["late"] is False
    entry_id = r.json()["entry_id"]
    r = nursery.client.post(f"{day_path(child)}/end-session", headers=staff.headers)
    assert r.status_code == 204
    nursery.clock.advance(timedelta(minutes=10))
    r = nursery.client.patch(f"{day_path(child)}/entries/{entry_id}", headers=staff.headers,
                             json={"base_version": 1, "amount": "all"})
    assert r.status_code == 200, r.text
    report = nursery.client.get("/reports/late-diary", headers=nursery.manager.headers)
    assert report.json()["count"] == 0 and report.json()["items"] == []
    day = nursery.client.get(day_path(child), headers=staff.headers).json()
    assert [(i["late"], i["version"]) for i in day["items"]] == [(False, 2)]


def test_a_correction_keeps_the_history_and_a_manager_retracts(nursery, room):
    staff, child, parent = room["staff"], room["child"], room["parent"]
    r = post_entry(nursery, staff, child, {"kind": "meal", "meal": "breakfast",
                                           "food": "Toast", "amount": "half",
                                           "at": t("08:00")})
    entry_id = r.json()["entry_id"]
    path = f"{day_path(child)}/entries/{entry_id}"
    r = nursery.client.patch(path, headers=staff.headers,
                             json={"base_version": 1, "amount": "all"})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2
    r = nursery.client.patch(path, headers=staff.headers,
                             json={"base_version": 1, "amount": "none"})
    assert r.status_code == 409
    r = nursery.client.patch(path, headers=staff.headers, json={"amount": "none"})
    assert r.status_code == 400
    assert "'base_version'" in r.json()["detail"]
    r = nursery.client.patch(path, headers=staff.headers,
                             json={"base_version": 2, "amount": "heaps"})
    assert r.status_code == 400
    assert "'amount'" in r.json()["detail"]
    r = nursery.client.patch(path, headers=parent.headers,
                             json={"base_version": 2, "amount": "none"})
    assert r.status_code == 403
    staff_view = nursery.client.get(day_path(child), headers=staff.headers).json()
    item = staff_view["items"][0]
    assert item["amount"] == "all" and item["version"] == 2 and item["corrected"] is True
    assert [h["entry"]["amount"] for h in item["history"]] == ["half"]
    parent_view = nursery.client.get(day_path(child), headers=parent.headers).json()
    assert parent_view["items"][0]["amount"] == "all"
    assert "history" not in parent_view["items"][0]

    retract = f"{path}/retract"
    r = nursery.client.post(retract, headers=staff.headers, json={"reason": "Wrong child"})
    assert r.status_code == 403
    r = nursery.client.post(retract, headers=nursery.manager.headers, json={"reason": ""})
    assert r.status_code == 400
    assert "'reason'" in r.json()["detail"]
    r = nursery.client.post(retract, headers=nursery.manager.headers,
                            json={"reason": "Recorded for the wrong child"})
    assert r.status_code == 204
    assert nursery.client.get(day_path(child), headers=parent.headers).json()["items"] == []
    item = nursery.client.get(day_path(child), headers=staff.headers).json()["items"][0]
    assert item["retracted"] is True
    assert item["reason"] == "Recorded for the wrong child"
    r = nursery.client.patch(path, headers=staff.headers,
                             json={"base_version": 2, "amount": "none"})
    assert r.status_code == 409


def test_messages_parents_see_staffs_and_their_own(nursery, room):
    child, parent, staff = room["child"], room["parent"], room["staff"]
    second = nursery.parent("Second parent")
    nursery.link(second, child, "father")
    nursery.sign_agreement(second, child)
    for who, text in ((parent, "Grandma collects today"), (second, "Bring the red coat"),
                      (staff, "Ada ate well")):
        r = nursery.client.post(f"{day_path(child)}/messages", headers=who.headers,
                                json={"text": text})
        assert r.status_code == 201, r.text
        assert "message_id" in r.json()
    r = nursery.client.post(f"{day_path(child)}/messages", headers=parent.headers,
                            json={"text": "  "})
    assert r.status_code == 400
    assert "'text'" in r.json()["detail"]

    def texts(who: Person) -> list[str]:
        items = nursery.client.get(day_path(child), headers=who.headers).json()["items"]
        return [i["text"] for i in items if i["type"] == "message"]

    assert texts(parent) == ["Grandma collects today", "Ada ate well"]
    assert texts(second) == ["Bring the red coat", "Ada ate well"]
    assert texts(staff) == ["Grandma collects today", "Bring the red coat", "Ada ate well"]


def test_a_day_the_child_did_not_attend_is_empty(nursery, room):
    r = nursery.client.get(day_path(room["child"], "2026-11-20"),
                           headers=room["parent"].headers)
    assert r.status_code == 200
    assert r.json()["items"] == [] and r.json()["next_cursor"] is None
    r = nursery.client.get("/rooms/Rainbow/board?date=2026-11-20",
                           headers=room["staff"].headers)
    assert r.status_code == 200
    [ada] = r.json()["items"]
    assert ada["asleep"] is False and ada["last_meal"] is None and ada["last_nappy"] is None
    assert ada["unacknowledged_incidents"] == [] and ada["medication"] == []


def test_the_board_shows_the_day_at_a_glance(nursery, room):
    staff, child = room["staff"], room["child"]
    permission_id = permit(nursery, staff, child)
    for body in ({"kind": "meal", "meal": "breakfast", "food": "Toast", "amount": "some",
                  "at": t("08:00")},
                 {"kind": "meal", "meal": "morning_snack", "food": "Apple", "amount": "all",
                  "at": t("09:30")},
                 {"kind": "nappy", "state": "soiled", "at": t("09:10")},
                 {"kind": "incident", "at": t("09:20"), "what": "Pinched finger",
                  "injury": "Red finger", "first_aid": "Cold water", "by": staff.account_id},
                 medication(room, permission_id)):
        assert post_entry(nursery, staff, child, body).status_code == 201
    nursery.family("Grace Hopper", "Sunshine")
    r = nursery.client.get("/rooms/Rainbow/board", headers=staff.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["date"] == DATE
    [ada] = body["items"]
    assert ada["name"] == "Ada Lovelace"
    assert ada["last_meal"]["meal"] == "morning_snack" and ada["last_meal"]["amount"] == "all"
    assert ada["last_nappy"]["state"] == "soiled"
    assert len(ada["unacknowledged_incidents"]) == 1
    assert [m["medicine"] for m in ada["medication"]] == ["Calpol"]
    r = nursery.client.get("/rooms/Rainbow/board", headers=room["parent"].headers)
    assert r.status_code == 403


def test_parents_of_another_child_get_404_on_every_diary_route(nursery, room):
    child, staff = room["child"], room["staff"]
    r = post_entry(nursery, staff, child, {
        "kind": "incident", "at": t("09:00"), "what": "Fell", "injury": "None visible",
        "first_aid": "Checked over", "by": staff.account_id})
    incident_id = r.json()["entry_id"]
    _, stranger = nursery.family("Grace Hopper", "Rainbow")
    h = stranger.headers
    c = nursery.client
    assert c.get(day_path(child), headers=h).status_code == 404
    assert c.post(f"{day_path(child)}/messages", headers=h,
                  json={"text": "hello"}).status_code == 404
    assert c.post(f"/children/{child}/medication-permissions", headers=h,
                  json={"medicine": "Calpol", "dose": "5 ml", "from": DATE,
                        "until": DATE}).status_code == 404
    assert c.get(f"/children/{child}/medication-permissions", headers=h).status_code == 404
    assert c.post(f"{day_path(child)}/incidents/{incident_id}/acknowledge",
                  headers=h).status_code == 404
    # An unknown child reads the same as someone else's.
    assert c.get(day_path(str(uuid.uuid4())), headers=h).status_code == 404
    # Staff-only routes refuse a parent by role, whoever the child is: no hint either way.
    own_child = nursery.client.get("/children", headers=h).json()["items"][0]["child_id"]
    for target in (child, own_child):
        assert c.post(f"{day_path(target)}/entries", headers=h, json={
            "kind": "toilet", "state": "wet", "at": t("09:00")}).status_code == 403
        assert c.post(f"{day_path(target)}/end-session", headers=h).status_code == 403
        assert c.patch(f"{day_path(target)}/entries/{incident_id}", headers=h,
                       json={"base_version": 1}).status_code == 403


def test_another_settings_staff_get_404(nursery, room):
    made = set_up_setting(nursery.services, "Elsewhere Nursery", "boss@elsewhere.test",
                          PASSWORD, "Boss", open_all_hours=True)
    token = nursery.login("boss@elsewhere.test")
    boss = Person(made["manager_id"], "boss@elsewhere.test", token, made["device_token"],
                  ["manager"])
    child = room["child"]
    assert nursery.client.get(day_path(child), headers=boss.headers).status_code == 404
    r = post_entry(nursery, boss, child, {"kind": "toilet", "state": "wet", "at": t("09:00")})
    assert r.status_code == 404
    board = nursery.client.get("/rooms/Rainbow/board", headers=boss.headers)
    assert board.status_code == 404  # no such room in their setting


def test_a_retried_entry_is_recorded_once(nursery, room):
    key = str(uuid.uuid4())
    headers = {**room["staff"].headers, "Idempotency-Key": key}
    body = {"kind": "drink", "drink": "Water", "ml": 80, "at": t("09:00")}
    first = nursery.client.post(f"{day_path(room['child'])}/entries", headers=headers,
                                json=body)
    again = nursery.client.post(f"{day_path(room['child'])}/entries", headers=headers,
                                json=body)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    items = nursery.client.get(day_path(room["child"]), headers=room["staff"].headers)
    assert len(items.json()["items"]) == 1


def test_a_time_of_day_is_read_on_the_diarys_date_in_local_time(nursery, room):
    """Issue 20 #4: `"at": "09:05"` is 09:05 in the setting's timezone on the path's date
    (Europe/London: UTC in November); a sleep's start and end too; a correction too."""
    staff, child = room["staff"], room["child"]
    r = post_entry(nursery, staff, child, {"kind": "nappy", "state": "wet", "at": "09:05"})
    assert r.status_code == 201, r.text
    nappy_id = r.json()["entry_id"]
    r = post_entry(nursery, staff, child, {"kind": "sleep", "start": "08:00", "end": "08:40"})
    assert r.status_code == 201, r.text
    day = nursery.client.get(day_path(child), headers=staff.headers).json()["items"]
    nappy = next(i for i in day if i.get("entry_id") == nappy_id)
    assert nappy["at"].startswith(f"{DATE}T09:05:00")
    r = nursery.client.patch(f"{day_path(child)}/entries/{nappy_id}", headers=staff.headers,
                             json={"base_version": 1, "at": "09:10"})
    assert r.status_code == 200, r.text
    for bad in ("25:00", "9.05", "12:60"):
        r = post_entry(nursery, staff, child, {"kind": "nappy", "state": "wet", "at": bad})
        assert r.status_code == 400, bad
        assert "'at'" in r.json()["detail"]


def test_an_entry_while_the_child_was_asleep_is_kept_with_a_warning(nursery, room):
    """Issue 20 #10: a meal at 09:05 during a sleep 08:55-09:06 is recorded (not refused)
    and the reply warns; an entry outside the sleep has no warning."""
    staff, child = room["staff"], room["child"]
    assert post_entry(nursery, staff, child,
                      {"kind": "sleep", "start": "08:55", "end": "09:06"}).status_code == 201
    meal = {"kind": "meal", "meal": "lunch", "food": "Pasta", "amount": "all"}
    r = post_entry(nursery, staff, child, {**meal, "at": "09:05"})
    assert r.status_code == 201, r.text
    [warning] = r.json()["warnings"]
    assert "asleep" in warning and "08:55" in warning and "09:06" in warning
    r = post_entry(nursery, staff, child, {**meal, "at": "09:30"})
    assert r.status_code == 201
    assert r.json()["warnings"] == []


def test_the_day_shows_names_beside_ids_and_the_settings_local_times(nursery, room):
    """Issue 20 #3: who recorded, gave, witnessed and wrote, by name; times in the
    setting's timezone with its offset, to the second (Tokyo: +09:00)."""
    r = nursery.client.put("/setting/opening-hours", headers=nursery.manager.headers, json={
        "timezone": "Asia/Tokyo",
        "days": {d: ["00:00", "23:59"] for d in ("mon", "tue", "wed", "thu", "fri")}})
    assert r.status_code == 204, r.text
    staff, child = room["staff"], room["child"]  # 10:00 UTC is 19:00 in Tokyo
    permission_id = permit(nursery, staff, child)
    r = post_entry(nursery, staff, child, medication(room, permission_id, at="18:30"))
    assert r.status_code == 201, r.text
    r = nursery.client.post(f"{day_path(child)}/messages", headers=room["parent"].headers,
                            json={"text": "Slept badly last night"})
    assert r.status_code == 201, r.text
    items = nursery.client.get(day_path(child), headers=staff.headers).json()["items"]
    given = next(i for i in items if i.get("kind") == "medication")
    assert given["at"] == f"{DATE}T18:30:00+09:00"
    assert given["recorded_by_name"] == "Pat Practitioner"
    assert given["given_by_name"] == "Pat Practitioner"
    assert given["witnessed_by_name"] == "Wes Witness"
    assert given["recorded_at"].endswith("+09:00") and "." not in given["recorded_at"]
    message = next(i for i in items if i["type"] == "message")
    assert message["author_name"] == "Parent of Ada Lovelace"
