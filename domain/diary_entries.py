"""The kinds of diary entry, one msgspec struct each, and their validation.

A diary entry arrives as a JSON object `{"kind": ..., ...fields of that kind}`
(see API.md, Daily diary). `parse_entry` turns it into one of the structs below or
raises `Invalid` naming the offending field; `check_times` then checks that every
time of the entry falls on the diary's date in the setting's timezone and is not
in the future. Pure: no clock, no I/O (the timezone database is data).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from domain.errors import Invalid

MEALS = ("breakfast", "morning_snack", "lunch", "afternoon_snack", "tea")
AMOUNTS = ("all", "most", "half", "some", "none")
STATES = ("wet", "soiled", "dry")
KINDS = ("meal", "drink", "sleep", "nappy", "toilet", "medication", "incident", "activity")
RETAINED_KINDS = frozenset({"medication", "incident"})

Time = Annotated[datetime, msgspec.Meta(tz=True)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Long = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
MAX_MEDIA = 20


class _Entry(msgspec.Struct, forbid_unknown_fields=True, tag_field="kind", frozen=True):
    """Common base: every entry kind is tagged by `kind`."""

    def times(self) -> Iterator[tuple[str, datetime]]:
        """Each (field name, time) of the entry."""
        at = getattr(self, "at", None)
        if at is not None:
            yield "at", at

    def _require_text(self, *names: str) -> None:
        for name in names:
            value = getattr(self, name)
            if isinstance(value, str) and not value.strip():
                raise Invalid(f"The field '{name}' must not be blank.", name)

    @property
    def sort_time(self) -> datetime:
        return next(self.times())[1]


class Meal(_Entry, tag="meal"):
    """Which meal, what was offered and how much of it the child ate."""

    meal: Literal["breakfast", "morning_snack", "lunch", "afternoon_snack", "tea"]
    food: Short
    amount: Literal["all", "most", "half", "some", "none"]
    at: Time

    def __post_init__(self) -> None:
        self._require_text("food")


class Drink(_Entry, tag="drink"):
    """What the child drank and how much, in millilitres."""

    drink: Short
    ml: Annotated[int, msgspec.Meta(ge=0, le=2000)]
    at: Time

    def __post_init__(self) -> None:
        self._require_text("drink")


class Sleep(_Entry, tag="sleep"):
    """A sleep: its start, and its end once the child wakes (open while asleep)."""

    start: Time
    end: Time | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end <= self.start:
            raise Invalid("The field 'end' must be after 'start'.", "end")

    def times(self) -> Iterator[tuple[str, datetime]]:
        yield "start", self.start
        if self.end is not None:
            yield "end", self.end


class Nappy(_Entry, tag="nappy"):
    """A nappy change: wet, soiled or dry, and whether cream was applied."""

    state: Literal["wet", "soiled", "dry"]
    at: Time
    cream: bool = False


class Toilet(_Entry, tag="toilet"):
    """A visit to the toilet: wet, soiled or dry."""

    state: Literal["wet", "soiled", "dry"]
    at: Time


class Medication(_Entry, tag="medication"):
    """A medicine given under a parent's prior written permission, by one member of
    staff and witnessed by another."""

    medicine: Short
    dose: Short
    at: Time
    given_by: UUID
    witnessed_by: UUID
    permission_id: UUID

    def __post_init__(self) -> None:
        self._require_text("medicine", "dose")
        if self.given_by == self.witnessed_by:
            raise Invalid(
                "The field 'witnessed_by' must name a different member of staff from "
                "'given_by': medication is given by one person and witnessed by another.",
                "witnessed_by",
            )


class Incident(_Entry, tag="incident"):
    """An accident or incident: what happened, the injury, first aid and who gave it."""

    at: Time
    what: Long
    injury: Long
    first_aid: Long
    by: UUID

    def __post_init__(self) -> None:
        self._require_text("what", "injury", "first_aid")


class Activity(_Entry, tag="activity"):
    """A short note of what the child did, optionally with media."""

    text: Long
    at: Time
    media: Annotated[list[UUID], msgspec.Meta(max_length=MAX_MEDIA)] = []

    def __post_init__(self) -> None:
        self._require_text("text")


Entry = Meal | Drink | Sleep | Nappy | Toilet | Medication | Incident | Activity


def _field_from(message: str) -> str | None:
    if "at `$." in message:
        return message.split("at `$.", 1)[1].rstrip("`").split("[", 1)[0].split(".", 1)[0]
    return None


TIME_FIELDS = ("at", "start", "end")
_CLOCK = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}))?")


def on_the_day(data: Any, day: date, timezone: str) -> Any:
    """`data` with each time given as a clock time (`12:05`, `12:05:30`) made a full time
    on `day` in the setting's timezone; full times with an offset are left as they are."""
    if not isinstance(data, dict):
        return data
    clocks = {name: _CLOCK.fullmatch(value) for name in TIME_FIELDS
              if isinstance(value := data.get(name), str)}
    clocks = {name: match for name, match in clocks.items() if match}
    if not clocks:
        return data
    tz = zone(timezone)
    localised = dict(data)
    for name, match in clocks.items():
        hour, minute, second = (int(part or 0) for part in match.groups())
        if hour > 23 or minute > 59 or second > 59:
            raise Invalid(f"The field '{name}' is not a time of day: use HH:MM (24-hour "
                          "clock) or a full time with an offset.", name)
        localised[name] = datetime.combine(day, time(hour, minute, second),
                                           tzinfo=tz).isoformat()
    return localised


def parse_entry(data: Any, day: date | None = None, timezone: str | None = None) -> Entry:
    """The entry in `data`, or Invalid naming the field that is missing or wrong. Given
    the diary's `day` and the setting's `timezone`, times may be local clock times."""
    if not isinstance(data, dict):
        raise Invalid("The body must be a JSON object with a 'kind' and its fields.", None)
    if day is not None and timezone is not None:
        data = on_the_day(data, day, timezone)
    kind = data.get("kind")
    if kind is None:
        raise Invalid(f"The field 'kind' is required: one of {', '.join(KINDS)}.", "kind")
    if kind not in KINDS:
        raise Invalid(f"The field 'kind' must be one of {', '.join(KINDS)}.", "kind")
    try:
        return msgspec.convert(data, Entry, strict=True)
    except msgspec.ValidationError as error:
        message = str(error)
        field = _field_from(message)
        reason = message.split(" - at `", 1)[0]
        if reason.startswith("Object missing required field"):
            missing = reason.split("`")[1] if "`" in reason else field
            raise Invalid(f"The field '{missing}' is required for a {kind} entry.",
                          missing) from None
        if reason.startswith("Object contains unknown field"):
            extra = reason.split("`")[1] if "`" in reason else field
            raise Invalid(f"The field '{extra}' is not part of a {kind} entry.", extra) from None
        if field is None:
            raise Invalid(f"The {kind} entry is invalid: {reason}.", None) from None
        raise Invalid(f"The field '{field}' is invalid: {_plain(reason, field)}.",
                      field) from None


def _plain(reason: str, field: str) -> str:
    """A friendlier wording of msgspec's reason for a few common cases."""
    if field in ("meal",) and reason.startswith("Invalid enum value"):
        return "it must be one of " + ", ".join(MEALS)
    if field == "amount" and reason.startswith("Invalid enum value"):
        return "it must be one of " + ", ".join(AMOUNTS)
    if field == "state" and reason.startswith("Invalid enum value"):
        return "it must be one of " + ", ".join(STATES)
    if "timezone" in reason or "RFC3339" in reason:
        return ("it must be a time of day like 12:05, or a full time with an offset like "
                "2025-03-04T10:30:00+00:00")
    return reason[:1].lower() + reason[1:]


def zone(timezone: str) -> ZoneInfo:
    """The setting's timezone; an unknown name is an Invalid of 'timezone'."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise Invalid(f"The timezone {timezone!r} is not known.", "timezone") from error


def check_times(entry: Entry, day: date, timezone: str, now: datetime) -> None:
    """Every time of the entry falls on `day` in the setting's timezone, none in the future."""
    tz = zone(timezone)
    for name, moment in entry.times():
        local = moment.astimezone(tz)
        if local.date() != day:
            raise Invalid(
                f"The field '{name}' must be a time on {day.isoformat()} (in the setting's "
                f"timezone, {timezone}); it is on {local.date().isoformat()}.",
                name,
            )
        if moment > now:
            raise Invalid(f"The field '{name}' is in the future.", name)


def to_record(entry: Entry) -> dict:
    """The entry as plain JSON-able data, `kind` included (what an event keeps)."""
    record = msgspec.to_builtins(entry, builtin_types=(datetime,))
    return {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in record.items()}


def from_record(record: dict | None) -> Entry | None:
    """The entry back from an event's record; None when erased or unreadable."""
    if not isinstance(record, dict):
        return None
    try:
        return msgspec.convert(record, Entry, strict=False)
    except (msgspec.ValidationError, Invalid):
        return None


def entry_time(record: dict | None) -> str | None:
    """The ISO time that orders an entry in the day (its `at`, or a sleep's `start`)."""
    if not isinstance(record, dict):
        return None
    return record.get("at") or record.get("start")
