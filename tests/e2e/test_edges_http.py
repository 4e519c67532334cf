"""Issue 16 at the edges: opaque cursors, bad dates, deep nesting, a week with no open
day, and the recovery path for opening hours."""

from __future__ import annotations

import base64

import pytest

from adapters.setup import reset_opening_hours

pytestmark = pytest.mark.storage


def _raw(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def test_children_cursor_carries_no_name_and_cannot_be_forged(nursery):
    n = nursery
    for name in ("Ada Lovelace", "Ben Okafor", "Cy Young"):
        n.enrol_child(name)
    first = n.client.get("/children", headers=n.manager.headers, params={"limit": 2}).json()
    cursor = first["next_cursor"]
    assert b"Ben" not in _raw(cursor) and b"Okafor" not in _raw(cursor)
    rest = n.client.get("/children", headers=n.manager.headers,
                        params={"limit": 2, "cursor": cursor}).json()
    assert [c["name"] for c in rest["items"]] == ["Cy Young"]
    forged = base64.urlsafe_b64encode(b"Ben Okafor|00000000-0000-0000-0000-000000000000")
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    for bad in (forged.decode(), tampered, "garbage"):
        r = n.client.get("/children", headers=n.manager.headers, params={"cursor": bad})
        assert r.status_code == 400 and "'cursor'" in r.json()["detail"], bad
    # a cursor of one list is not one of another
    r = n.client.get("/moderation/queue", headers=n.manager.headers, params={"cursor": cursor})
    assert r.status_code == 400


def test_deep_nesting_is_a_400_without_a_traceback(nursery, caplog):
    body = '{"email":' + "[" * 5000 + "]" * 5000 + ',"password":"x"}'
    r = nursery.client.post("/auth/login", content=body,
                            headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "nested" in r.json()["detail"]
    assert not [rec for rec in caplog.records if rec.levelname == "ERROR"]


@pytest.mark.parametrize("path", ["/reports/custody?date=9999-12-31",
                                  "/reports/damage?date=9999-12-31",
                                  "/reports/custody?date=0001-01-01"])
def test_far_dates_in_reports_are_400(nursery, path):
    r = nursery.client.get(path, headers=nursery.manager.headers)
    assert r.status_code in (200, 400), r.text
    assert r.status_code != 400 or "date" in r.json()["detail"]


def test_a_diary_entry_at_the_end_of_time_is_400(nursery):
    n = nursery
    child_id = n.enrol_child()
    r = n.client.post(f"/children/{child_id}/diary/9999-12-31/entries",
                      headers=n.manager.headers,
                      json={"kind": "meal", "at": "9999-12-31T23:59:00-12:00",
                            "meal": "lunch", "amount": "all"})
    assert r.status_code == 400, r.text


def test_a_malformed_date_in_a_path_is_400_naming_it(nursery):
    n = nursery
    child_id = n.enrol_child()
    r = n.client.get(f"/children/{child_id}/diary/2026-13-45", headers=n.manager.headers)
    assert r.status_code == 400 and "'date'" in r.json()["detail"]


def test_a_week_with_no_open_day_is_refused_and_hours_can_be_reset(nursery):
    n = nursery
    r = n.client.put("/setting/opening-hours", headers=n.manager.headers,
                     json={"timezone": "Europe/London", "days": {}})
    assert r.status_code == 400 and "'days'" in r.json()["detail"]
    # a setting locked out all the same (hours that never reach now) is recovered
    n.client.put("/setting/opening-hours", headers=n.manager.headers,
                 json={"timezone": "Europe/London", "days": {"sun": ["00:00", "00:01"]}})
    assert n.client.get("/setting", headers=n.manager.headers).status_code == 403
    from uuid import UUID
    reset_opening_hours(n.services, UUID(n.setting_id), open_all_hours=True)
    assert n.client.get("/setting", headers=n.manager.headers).status_code == 200


def test_answers_do_not_reveal_what_exists_elsewhere(nursery):
    """Issue 16 F7: another family's child or media reads like one that does not exist."""
    import uuid

    from tests.media_support import png_bytes

    n = nursery
    ada, ada_parent = n.family("Ada Lovelace")
    ben, ben_parent = n.family("Ben Okafor")

    def upload(person, child):
        return n.client.post("/media", content=png_bytes(), headers={
            **person.headers, "Content-Type": "image/png", "X-Children": child})

    mine = upload(ada_parent, ada)
    assert mine.status_code == 201, mine.text
    details = [upload(ben_parent, child).json()["detail"].replace(child, "<id>")
               for child in (ada, str(uuid.uuid4()))]
    assert details[0] == details[1], details

    def observe(media_id):
        r = n.client.post(f"/children/{ben}/observations", headers=ben_parent.headers, json={
            "observed_on": "2026-11-24", "text": "Ben built a tower.", "media": [media_id]})
        assert r.status_code == 400, r.text
        return r.json()["detail"].replace(media_id, "<id>")

    assert observe(mine.json()["media_id"]) == observe(str(uuid.uuid4()))
