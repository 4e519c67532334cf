"""Opening hours: when staff may use the system, in the setting's timezone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import Invalid

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_HOURS = {day: ["07:30", "18:30"] for day in WEEKDAYS[:5]}
ALL_HOURS = {day: ["00:00", "24:00"] for day in WEEKDAYS}


def _minutes(text: str, field: str) -> int:
    try:
        hours, minutes = text.split(":")
        value = int(hours) * 60 + int(minutes)
    except (ValueError, AttributeError):
        raise Invalid(f"The field '{field}' must be a time like 07:30.", field) from None
    if not (0 <= int(minutes) < 60 and 0 <= value <= 24 * 60):
        raise Invalid(f"The field '{field}' must be a time between 00:00 and 24:00.", field)
    return value


def check_timezone(name: str) -> str:
    """The timezone name if known, else Invalid naming the field."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise Invalid(f"The field 'timezone' must be a known timezone such as "
                      f"{DEFAULT_TIMEZONE}, not {name!r}.", "timezone") from None
    return name


def check_hours(days: dict[str, list[str]]) -> dict[str, list[str]]:
    """Validate `{"mon": ["07:30", "18:30"], ...}`; a day missing is closed. A week with
    no open day is refused: it would lock every member of staff out for good."""
    if not days:
        raise Invalid("The field 'days' must open the setting on at least one day: a week "
                      "with no open day would lock every member of staff out.", "days")
    checked = {}
    for day, span in days.items():
        if day not in WEEKDAYS:
            raise Invalid(f"The field 'days.{day}' is not a weekday; use one of "
                          f"{', '.join(WEEKDAYS)}.", f"days.{day}")
        if not isinstance(span, list | tuple) or len(span) != 2:
            raise Invalid(f"The field 'days.{day}' must be [opening, closing].", f"days.{day}")
        opens = _minutes(span[0], f"days.{day}")
        closes = _minutes(span[1], f"days.{day}")
        if closes <= opens:
            raise Invalid(f"The field 'days.{day}' must close after it opens.", f"days.{day}")
        checked[day] = [span[0], span[1]]
    return checked


def local(now: datetime, timezone: str) -> datetime:
    return now.astimezone(ZoneInfo(timezone))


def is_open(days: dict[str, list[str]], timezone: str, now: datetime) -> bool:
    """Whether the setting is open at `now` (aware datetime)."""
    here = local(now, timezone)
    span = days.get(WEEKDAYS[here.weekday()])
    if not span:
        return False
    minute = here.hour * 60 + here.minute
    return _minutes(span[0], "open") <= minute < _minutes(span[1], "close")


def closing_time(days: dict[str, list[str]], timezone: str, now: datetime) -> datetime | None:
    """Today's closing time (aware, in the setting's timezone), or None if closed today."""
    here = local(now, timezone)
    span = days.get(WEEKDAYS[here.weekday()])
    if not span:
        return None
    closes = _minutes(span[1], "close")
    if closes >= 24 * 60:
        return here.replace(hour=23, minute=59, second=59, microsecond=999999)
    return here.replace(hour=closes // 60, minute=closes % 60, second=0, microsecond=0)


def just_closed(days: dict[str, list[str]], timezone: str, now: datetime,
                within: timedelta) -> bool:
    """Whether today's closing time passed at most `within` before `now`."""
    closes = closing_time(days, timezone, now)
    return closes is not None and closes <= now < closes + within
