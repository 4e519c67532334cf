"""Diary entry kinds: each accepts good input and names the field of bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.diary_entries import (
    Activity,
    Drink,
    Incident,
    Meal,
    Medication,
    Nappy,
    Sleep,
    Toilet,
    check_times,
    from_record,
    on_the_day,
    parse_entry,
    to_record,
)
from domain.errors import Invalid

AT = "2026-11-25T09:30:00+00:00"
A, B, P = str(uuid4()), str(uuid4()), str(uuid4())

GOOD = {
    "meal": ({"kind": "meal", "meal": "lunch", "food": "Fish pie", "amount": "most",
              "at": AT}, Meal),
    "drink": ({"kind": "drink", "drink": "Milk", "ml": 150, "at": AT}, Drink),
    "sleep": ({"kind": "sleep", "start": AT}, Sleep),
    "nappy": ({"kind": "nappy", "state": "wet", "cream": True, "at": AT}, Nappy),
    "toilet": ({"kind": "toilet", "state": "dry", "at": AT}, Toilet),
    "medication": ({"kind": "medication", "medicine": "Calpol", "dose": "5 ml", "at": AT,
                    "given_by": A, "witnessed_by": B, "permission_id": P}, Medication),
    "incident": ({"kind": "incident", "at": AT, "what": "Tripped in the garden",
                  "injury": "Grazed knee", "first_aid": "Cleaned, plaster", "by": A},
                 Incident),
    "activity": ({"kind": "activity", "text": "Painting with sponges", "at": AT,
                  "media": [str(uuid4())]}, Activity),
}

BAD = [
    # (kind, change, field named)
    ("meal", {"meal": "elevenses"}, "meal"),
    ("meal", {"amount": "lots"}, "amount"),
    ("meal", {"food": "   "}, "food"),
    ("meal", {"food": None}, "food"),
    ("meal", {"at": "2026-11-25T09:30:00"}, "at"),
    ("meal", {"at": "yesterday"}, "at"),
    ("drink", {"ml": -1}, "ml"),
    ("drink", {"ml": 5000}, "ml"),
    ("drink", {"ml": "150"}, "ml"),
    ("drink", {"drink": ""}, "drink"),
    ("sleep", {"start": 7}, "start"),
    ("sleep", {"end": "2026-11-25T09:00:00+00:00"}, "end"),
    ("nappy", {"state": "damp"}, "state"),
    ("nappy", {"cream": "yes"}, "cream"),
    ("toilet", {"state": None}, "state"),
    ("medication", {"witnessed_by": A}, "witnessed_by"),
    ("medication", {"given_by": "Jo"}, "given_by"),
    ("medication", {"permission_id": "none"}, "permission_id"),
    ("medication", {"dose": " "}, "dose"),
    ("medication", {"medicine": "x" * 201}, "medicine"),
    ("incident", {"what": ""}, "what"),
    ("incident", {"first_aid": "  "}, "first_aid"),
    ("incident", {"by": 3}, "by"),
    ("activity", {"text": ""}, "text"),
    ("activity", {"media": ["not-an-id"]}, "media"),
    ("activity", {"colour": "blue"}, "colour"),
]

MISSING = [
    ("meal", "food"), ("meal", "amount"), ("drink", "ml"), ("sleep", "start"),
    ("nappy", "state"), ("toilet", "at"), ("medication", "permission_id"),
    ("medication", "witnessed_by"), ("incident", "injury"), ("activity", "text"),
]


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_every_kind_accepts_good_input_and_round_trips(kind: str) -> None:
    data, struct = GOOD[kind]
    entry = parse_entry(data)
    assert isinstance(entry, struct)
    record = to_record(entry)
    assert record["kind"] == kind
    assert from_record(record) == entry


@pytest.mark.parametrize(("kind", "change", "field"), BAD)
def test_bad_input_names_the_field(kind: str, change: dict, field: str) -> None:
    data = {**GOOD[kind][0], **change}
    with pytest.raises(Invalid) as caught:
        parse_entry(data)
    assert caught.value.field == field
    assert f"'{field}'" in caught.value.detail


@pytest.mark.parametrize(("kind", "field"), MISSING)
def test_missing_fields_are_named(kind: str, field: str) -> None:
    data = {k: v for k, v in GOOD[kind][0].items() if k != field}
    with pytest.raises(Invalid) as caught:
        parse_entry(data)
    assert caught.value.field == field
    assert "required" in caught.value.detail


@pytest.mark.parametrize("body", [{"kind": "bath", "at": AT}, {"at": AT}, [], "meal"])
def test_unknown_or_missing_kind_is_refused(body: object) -> None:
    with pytest.raises(Invalid) as caught:
        parse_entry(body)
    assert caught.value.field in ("kind", None)


def test_optional_fields_have_defaults() -> None:
    nappy = parse_entry({"kind": "nappy", "state": "soiled", "at": AT})
    assert nappy.cream is False
    sleep = parse_entry({"kind": "sleep", "start": AT})
    assert sleep.end is None
    activity = parse_entry({"kind": "activity", "text": "Songs", "at": AT})
    assert activity.media == []


NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def test_times_must_fall_on_the_date_in_the_settings_timezone() -> None:
    # 23:30 UTC on the 24th is 10:30 on the 25th in Auckland, not on the 25th in London.
    late_evening = parse_entry({**GOOD["meal"][0], "at": "2026-11-24T23:30:00+00:00"})
    check_times(late_evening, date(2026, 11, 25), "Pacific/Auckland", NOW)
    with pytest.raises(Invalid) as caught:
        check_times(late_evening, date(2026, 11, 25), "Europe/London", NOW)
    assert caught.value.field == "at"
    assert "2026-11-25" in caught.value.detail


def test_a_time_in_the_future_is_refused() -> None:
    entry = parse_entry({**GOOD["drink"][0], "at": (NOW + timedelta(minutes=5)).isoformat()})
    with pytest.raises(Invalid) as caught:
        check_times(entry, date(2026, 11, 25), "Europe/London", NOW)
    assert caught.value.field == "at"
    assert "future" in caught.value.detail


def test_a_sleeps_end_is_checked_too() -> None:
    entry = parse_entry({"kind": "sleep", "start": AT, "end": "2026-11-26T01:00:00+00:00"})
    with pytest.raises(Invalid) as caught:
        check_times(entry, date(2026, 11, 25), "Europe/London",
                    datetime(2026, 11, 26, 9, tzinfo=UTC))
    assert caught.value.field == "end"


def test_an_unknown_timezone_is_named() -> None:
    with pytest.raises(Invalid) as caught:
        check_times(parse_entry(GOOD["meal"][0]), date(2026, 11, 25), "Mars/Olympus", NOW)
    assert caught.value.field == "timezone"


def test_an_erased_record_reads_as_none() -> None:
    assert from_record(None) is None
    assert from_record({"kind": "meal"}) is None


def test_clock_times_are_read_on_the_day_in_the_settings_timezone():
    """`12:05` on a summer day in London is 11:05 UTC; a full time is left alone."""
    summer = date(2026, 7, 1)
    entry = parse_entry({"kind": "nappy", "state": "dry", "at": "12:05"}, summer,
                        "Europe/London")
    assert entry.at.astimezone(UTC) == datetime(2026, 7, 1, 11, 5, tzinfo=UTC)
    full = "2026-07-01T12:05:00+00:00"
    assert on_the_day({"at": full}, summer, "Europe/London") == {"at": full}
    with pytest.raises(Invalid) as refused:
        parse_entry({"kind": "nappy", "state": "dry", "at": "12:05"})  # no day: no clock
    assert refused.value.field == "at"
