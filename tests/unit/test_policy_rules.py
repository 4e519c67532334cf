"""The policy's pure rules in domain/access.py: hours after closing, what an unsigned
parent sees, who uses setting equipment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from domain import access
from domain.actor import Actor
from domain.opening_hours import DEFAULT_HOURS

SETTING = uuid4()
TWO_HOURS = timedelta(hours=2)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_returning_a_tablet_and_reporting_damage_stay_open_for_a_while_after_closing():
    def allowed(permission: str, moment: str) -> bool:
        return access.within_staff_hours(permission, DEFAULT_HOURS, "Europe/London",
                                         at(moment), TWO_HOURS)

    assert allowed("child.list", "2026-11-25 10:00")
    assert not allowed("child.list", "2026-11-25 18:31")
    for permission in ("device.sign_in", "device.damage"):
        assert allowed(permission, "2026-11-25 18:31")
        assert allowed(permission, "2026-11-25 20:29")
        assert not allowed(permission, "2026-11-25 20:30")
        assert not allowed(permission, "2026-11-26 06:00")  # before opening: not a return
        assert not allowed(permission, "2026-11-28 10:00")  # a Saturday: closed all day
    assert not allowed("device.sign_out", "2026-11-25 18:31")


def test_support_and_staff_use_setting_equipment_parents_do_not():
    def actor(*roles: str) -> Actor:
        return Actor(uuid4(), SETTING, roles)

    assert access.uses_setting_equipment(actor("support"))
    assert access.uses_setting_equipment(actor("practitioner"))
    assert not access.uses_setting_equipment(actor("parent"))


def test_an_unsigned_parent_sees_a_child_only_by_id_and_name():
    child = uuid4()
    profile = {"child_id": str(child), "name": "Ada", "room": "Rainbow",
               "date_of_birth": "2023-03-01", "image_consent": False}
    unsigned = Actor(uuid4(), SETTING, ("parent",), None, frozenset({child}))
    signed = Actor(uuid4(), SETTING, ("parent",), None, frozenset({child}), frozenset({child}))
    assert set(access.child_as_listed(unsigned, profile)) == {
        "child_id", "name", "agreement_signed", "sign_at", "terms_at"}
    assert access.child_as_listed(signed, profile)["room"] == "Rainbow"
    staff = Actor(uuid4(), SETTING, ("manager",))
    assert access.child_as_listed(staff, profile) == profile
