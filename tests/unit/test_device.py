"""Device custody rules, on the aggregate alone (no storage, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.aggregates.device import (
    DAMAGE_KINDS,
    Device,
    is_overdue,
)
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.opening_hours import ALL_HOURS, DEFAULT_HOURS

SETTING = uuid4()
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 09:00 in London


def staff(*roles: str) -> Actor:
    return Actor(account_id=uuid4(), setting_id=SETTING, roles=roles or ("practitioner",))


MANAGER = staff("manager")


def tablet() -> Device:
    return Device.register(SETTING, "Tablet 1", "tablet", "hash-" + uuid4().hex, MANAGER, T0)


def test_sign_out_to_the_requester_and_a_second_sign_out_conflicts():
    device, alice, bob = tablet(), staff(), staff()
    device.sign_out(alice, T0)
    assert device.holder_account_id == alice.account_id
    assert device.held_since == T0
    with pytest.raises(Conflict, match="already signed out to someone else"):
        device.sign_out(bob, T0 + timedelta(minutes=1))
    with pytest.raises(Conflict, match="already signed this tablet out"):
        device.sign_out(alice, T0 + timedelta(minutes=1))
    assert device.holder_account_id == alice.account_id


def test_a_computer_is_never_signed_out():
    computer = Device.register(SETTING, "Office", "computer", "h", MANAGER, T0)
    with pytest.raises(Conflict, match="Only tablets"):
        computer.sign_out(staff(), T0)


def test_a_parent_cannot_sign_out_a_tablet():
    with pytest.raises(Forbidden):
        tablet().sign_out(staff("parent"), T0)


def test_sign_in_by_the_holder_or_a_manager_only():
    device, alice, bob = tablet(), staff(), staff()
    with pytest.raises(Conflict, match="not signed out"):
        device.sign_in(True, alice, T0)
    device.sign_out(alice, T0)
    with pytest.raises(Forbidden, match="manager"):
        device.sign_in(True, bob, T0 + timedelta(hours=1))
    assert device.sign_in(True, MANAGER, T0 + timedelta(hours=1)) == []
    assert device.holder_account_id is None and device.held_since is None
    device.sign_out(bob, T0 + timedelta(hours=2))
    device.sign_in(False, bob, T0 + timedelta(hours=3))
    assert device.holder_account_id is None


def test_damage_while_signed_out_names_the_holder_and_in_the_office_nobody():
    device, alice = tablet(), staff()
    in_office = device.report_damage(uuid4(), "accidental_damage", "Cracked screen", False,
                                     MANAGER, T0)
    assert in_office is None
    device.sign_out(alice, T0 + timedelta(minutes=5))
    responsible = device.report_damage(uuid4(), "liquid_damage", "Juice spilt on it", False,
                                       MANAGER, T0 + timedelta(minutes=10))
    assert responsible == alice.account_id
    assert list(device.damage_reports.values()) == [None, alice.account_id]
    # the moment of the damage, not of the report, decides
    earlier = device.report_damage(uuid4(), "unauthorised_alteration", "Case removed", True,
                                   alice, T0 + timedelta(minutes=11),
                                   occurred_at=T0 + timedelta(minutes=1))
    assert earlier is None


@pytest.mark.parametrize("kind, status", [("loss", "lost"), ("theft", "stolen")])
def test_loss_or_theft_ends_custody_and_the_device_is_out_of_use(kind, status):
    device, alice = tablet(), staff()
    device.sign_out(alice, T0)
    assert device.report_damage(uuid4(), kind, "Gone", False, alice, T0 + timedelta(hours=1)) \
        == alice.account_id
    assert device.status == status
    assert device.holder_account_id is None
    with pytest.raises(Conflict, match=status):
        device.sign_out(staff(), T0 + timedelta(hours=2))
    with pytest.raises(Conflict):
        device.report_damage(uuid4(), "accidental_damage", "x", False, alice, T0)


def test_damage_input_is_checked_and_names_the_field():
    device = tablet()
    with pytest.raises(Invalid) as error:
        device.report_damage(uuid4(), "dropped", "x", False, MANAGER, T0)
    assert error.value.field == "kind"
    with pytest.raises(Invalid) as error:
        device.report_damage(uuid4(), "loss", "   ", False, MANAGER, T0)
    assert error.value.field == "description"
    with pytest.raises(Invalid) as error:
        device.report_damage(uuid4(), "loss", "x", False, MANAGER, T0,
                             occurred_at=T0 + timedelta(hours=1))
    assert error.value.field == "occurred_at"
    assert set(DAMAGE_KINDS) == {"loss", "accidental_damage", "liquid_damage", "theft",
                                 "unauthorised_alteration", "software_or_content_loss"}
    assert device.damage_reports == {}


def test_photos_stay_on_the_device_until_reported_deleted():
    device, alice = tablet(), staff()
    device.sign_out(alice, T0)
    alice = Actor(alice.account_id, SETTING, alice.roles, device.id)  # on the tablet
    first, second = uuid4(), uuid4()
    device.record_photo(first, alice, T0 + timedelta(minutes=1))
    device.record_photo(second, alice, T0 + timedelta(minutes=2))
    device.record_photo(first, alice, T0 + timedelta(minutes=3))  # once is enough
    assert device.photos_on_device == [first, second]
    assert device.photo_deleted(first, alice, T0 + timedelta(minutes=4)) is True
    assert device.photo_deleted(first, alice, T0 + timedelta(minutes=5)) is False
    with pytest.raises(NotFound):
        device.photo_deleted(uuid4(), alice, T0)
    assert device.sign_in(True, alice, T0 + timedelta(hours=1)) == [second]


def test_retire_is_for_managers_and_refuses_a_tablet_still_out():
    device, alice = tablet(), staff()
    with pytest.raises(Forbidden):
        device.retire(alice, T0)
    device.sign_out(alice, T0)
    with pytest.raises(Conflict, match="sign it back in"):
        device.retire(MANAGER, T0)
    device.sign_in(True, alice, T0 + timedelta(hours=1))
    device.retire(MANAGER, T0 + timedelta(hours=2))
    assert device.status == "retired"
    with pytest.raises(Conflict, match="retired"):
        device.sign_out(alice, T0 + timedelta(hours=3))
    with pytest.raises(Conflict, match="already been retired"):
        device.retire(MANAGER, T0 + timedelta(hours=3))


def test_events_replay_to_the_same_state():
    device, alice = tablet(), staff()
    device.sign_out(alice, T0)
    photo = uuid4()
    device.record_photo(photo, alice, T0 + timedelta(minutes=1))
    device.report_damage(uuid4(), "accidental_damage", "Cracked", False, alice,
                         T0 + timedelta(minutes=2))
    events = device.collect_events()
    assert [type(e).__name__ for e in events] == [
        "Registered", "SignedOut", "PhotoCaptured", "DamageReported"]
    copy = None
    for e in events:
        copy = e.mutate(copy)
    assert copy.holder_account_id == alice.account_id
    assert copy.photos_on_device == [photo]
    assert copy.damage_reports == device.damage_reports


LONDON = "Europe/London"


@pytest.mark.parametrize(
    "held_since, now, expected",
    [
        (None, T0, False),
        (T0, T0 + timedelta(hours=9), False),  # 18:00 on a Monday: open until 18:30
        (T0, T0 + timedelta(hours=9, minutes=30), True),  # 18:30: closing time
        (T0, T0 + timedelta(hours=9, minutes=29), False),
        (T0 - timedelta(days=1), T0, True),  # out since an earlier day (Sunday)
        (T0 + timedelta(days=5), T0 + timedelta(days=5, hours=1), True),  # Saturday: closed
    ],
)
def test_overdue_after_closing_time_or_from_an_earlier_day(held_since, now, expected):
    assert is_overdue(held_since, now, LONDON, DEFAULT_HOURS) is expected


def test_overdue_uses_the_settings_timezone_and_all_hours():
    late_evening = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert is_overdue(T0, late_evening, LONDON, ALL_HOURS) is False
    assert is_overdue(T0, late_evening + timedelta(hours=1), LONDON, ALL_HOURS) is True
    # 18:00 UTC is 19:00 in Paris, after a 18:30 close there
    assert is_overdue(T0, T0 + timedelta(hours=9), "Europe/Paris", DEFAULT_HOURS) is True


def test_a_new_token_only_from_a_manager_or_the_operator_and_not_for_a_retired_device():
    from domain.actor import SYSTEM

    device = tablet()
    with pytest.raises(Forbidden, match="Only a manager"):
        device.issue_new_token("hash-new", staff(), T0)
    device.issue_new_token("hash-by-manager", MANAGER, T0)
    device.issue_new_token("hash-by-operator", SYSTEM, T0)
    assert device.token_hash == "hash-by-operator"
    device.retire(MANAGER, T0)
    with pytest.raises(Conflict, match="retired"):
        device.issue_new_token("hash-late", MANAGER, T0)

def test_only_the_holder_on_the_tablet_or_a_manager_records_a_photo_deleted():
    device, alice, bob = tablet(), staff(), staff()
    device.sign_out(alice, T0)
    on_tablet = Actor(alice.account_id, SETTING, alice.roles, device.id)
    photos = [uuid4(), uuid4(), uuid4()]
    for n, media_id in enumerate(photos):
        device.record_photo(media_id, on_tablet, T0 + timedelta(minutes=n))
    with pytest.raises(Forbidden, match="holding this tablet"):
        device.photo_deleted(photos[0], bob, T0 + timedelta(minutes=5))
    with pytest.raises(Forbidden):  # the holder, but not on the tablet
        device.photo_deleted(photos[0], alice, T0 + timedelta(minutes=5))
    assert device.photo_deleted(photos[0], on_tablet, T0 + timedelta(minutes=6)) is True
    assert device.photo_deleted(photos[1], MANAGER, T0 + timedelta(minutes=7)) is True
    device.sign_in(True, alice, T0 + timedelta(hours=1))
    with pytest.raises(Forbidden):  # signed back in: only a manager now
        device.photo_deleted(photos[2], on_tablet, T0 + timedelta(hours=2))
    assert device.photos_on_device == [photos[2]]
