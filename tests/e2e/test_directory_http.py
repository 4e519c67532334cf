"""What staff pick from: rooms, colleagues and devices of their own setting."""

from __future__ import annotations

from adapters.setup import set_up_setting
from tests.support import PASSWORD, Person


def test_staff_see_rooms_colleagues_and_devices_by_name(nursery):
    pat = nursery.practitioner("Pat Practitioner")
    nursery.enrol_child("Ada Lovelace", room="Rainbow")
    nursery.enrol_child("Ben Okafor", room="Sunshine")
    nursery.enrol_child("Cara Jones", room="Sunshine")
    tablet = nursery.register_device(label="Tablet 7")
    nursery.client.post(f"/devices/{tablet['device_id']}/sign-out", headers=pat.headers)

    rooms = nursery.client.get("/rooms", headers=pat.headers)
    assert rooms.status_code == 200
    assert rooms.json()["items"] == [{"room": "Rainbow", "children": 1},
                                     {"room": "Sunshine", "children": 2}]
    staff = nursery.client.get("/staff", headers=pat.headers).json()["items"]
    assert {s["display_name"] for s in staff} >= {"Pat Practitioner"}
    assert all("email" not in s for s in staff)
    devices = nursery.client.get("/devices", headers=pat.headers).json()["items"]
    held = next(d for d in devices if d["device_id"] == tablet["device_id"])
    assert (held["label"], held["holder_account_id"], held["holder_name"]) == (
        "Tablet 7", pat.account_id, "Pat Practitioner")
    assert "token" not in str(devices)


def test_parents_get_403_and_another_setting_sees_only_its_own(nursery):
    parent = nursery.parent()
    nursery.enrol_child("Ada Lovelace", room="Rainbow")
    for path in ("/rooms", "/staff", "/devices"):
        assert nursery.client.get(path, headers=parent.headers).status_code == 403
    made = set_up_setting(nursery.services, "Elsewhere", "boss@elsewhere.test", PASSWORD,
                          "Boss", open_all_hours=True)
    boss = Person(made["manager_id"], "boss@elsewhere.test",
                  nursery.login("boss@elsewhere.test"), made["device_token"], ["manager"])
    assert nursery.client.get("/rooms", headers=boss.headers).json()["items"] == []
    staff = nursery.client.get("/staff", headers=boss.headers).json()["items"]
    assert [s["display_name"] for s in staff] == ["Boss"]


def test_an_unknown_room_board_is_404_names_match_exactly(nursery):
    staff = nursery.practitioner()
    nursery.enrol_child("Ada Lovelace", room="Rainbow")
    assert nursery.client.get("/rooms/Rainbow/board", headers=staff.headers).status_code == 200
    r = nursery.client.get("/rooms/rainbow/board", headers=staff.headers)
    assert r.status_code == 404 and "GET /rooms" in r.json()["detail"]
