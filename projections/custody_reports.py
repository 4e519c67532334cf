"""The custody and damage reports, read from the devices views (`projections.devices`).

`custody_report` answers, for every device of a setting, who holds it and since when,
whether it is overdue (the pure rule `domain.aggregates.device.is_overdue`), the
photos still on it (each with who must delete it: who took it), and the signings out
of that day. Without a date it describes the setting now; with a date, as it stood at
the end of that day (in the setting's timezone). `damage_report` lists the damage
reports, by the date the damage occurred. Both can be narrowed to one person, and rendered as CSV.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.aggregates.device import is_overdue
from domain.opening_hours import DEFAULT_HOURS, DEFAULT_TIMEZONE, local
from projections.devices import utc
from storage.database import Database


def _setting_hours(db: Database, setting_id: UUID) -> tuple[str, dict]:
    row = db.query_one("SELECT timezone, hours FROM settings_view WHERE setting_id = ?",
                       (str(setting_id),))
    if row is None:
        return DEFAULT_TIMEZONE, DEFAULT_HOURS
    return row[0], json.loads(row[1])


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The start and end of a local day, as aware datetimes."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start, end


def _names(db: Database, setting_id: UUID) -> dict[str, str]:
    rows = db.query("SELECT account_id, display_name FROM accounts_view WHERE setting_id = ?",
                    (str(setting_id),))
    return {r[0]: r[1] for r in rows}


def custody_report(db: Database, setting_id: UUID, now: datetime, day: date | None = None,
                   account_id: UUID | None = None) -> list[dict[str, Any]]:
    """Every device of the setting with its custody, now or at the end of `day`."""
    timezone, hours = _setting_hours(db, setting_id)
    today = local(now, timezone).date()
    day = day or today
    start, end = day_bounds(day, timezone)
    as_at = min(now, end - timedelta(microseconds=1))
    as_at_text, start_text, end_text = utc(as_at), utc(start), utc(end)
    names = _names(db, setting_id)
    sid = str(setting_id)
    devices = db.query(
        "SELECT device_id, label, kind, status FROM devices_view WHERE setting_id = ? "
        "ORDER BY label, device_id", (sid,))
    periods: dict[str, list[tuple]] = {}
    for row in db.query(
        "SELECT device_id, account_id, signed_out_at, signed_in_at, on_charger, ended_by "
        "FROM device_custody WHERE setting_id = ? AND signed_out_at <= ? "
        "AND (signed_in_at IS NULL OR signed_in_at >= ?) ORDER BY signed_out_at",
        (sid, as_at_text, start_text),
    ):
        periods.setdefault(row[0], []).append(row)
    photos: dict[str, list[str]] = {}
    to_delete: dict[str, list[dict]] = {}
    for row in db.query(
        "SELECT device_id, media_id, captured_by, captured_at FROM device_photos "
        "WHERE setting_id = ? AND captured_at <= ? AND (deleted_at IS NULL OR deleted_at > ?) "
        "ORDER BY captured_at, media_id",
        (sid, as_at_text, as_at_text),
    ):
        photos.setdefault(row[0], []).append(row[1])
        to_delete.setdefault(row[0], []).append(
            {"media_id": row[1], "taken_at": row[3], "must_be_deleted_by": row[2],
             "name": names.get(row[2])})
    wanted = str(account_id) if account_id else None
    items = []
    for device_id, label, kind, status in devices:
        own = periods.get(device_id, [])
        holding = [p for p in own if p[3] is None or p[3] > as_at_text]
        holder = holding[-1] if holding else None
        since = datetime.fromisoformat(holder[2]) if holder else None
        sign_outs = [
            {"account_id": p[1], "name": names.get(p[1]), "signed_out_at": p[2],
             "signed_in_at": p[3] if p[3] is not None and p[3] <= as_at_text else None,
             "on_charger": None if p[4] is None else bool(p[4]),
             "ended_by": p[5] if p[3] is not None and p[3] <= as_at_text else None}
            for p in own if p[3] is None or p[3] < end_text
        ]
        if wanted is not None:
            sign_outs = [s for s in sign_outs if s["account_id"] == wanted]
            if not sign_outs and (holder is None or holder[1] != wanted):
                continue
        items.append({
            "device_id": device_id,
            "label": label,
            "kind": kind,
            "status": status,
            "holder_account_id": holder[1] if holder else None,
            "holder_name": names.get(holder[1]) if holder else None,
            "name": names.get(holder[1]) if holder else None,
            "since": since.isoformat() if since else None,
            "overdue": is_overdue(since, as_at, timezone, hours),
            "photos_on_device": photos.get(device_id, []),
            "photos_to_delete": to_delete.get(device_id, []),
            "sign_outs": sign_outs,
        })
    return items


def damage_report(db: Database, setting_id: UUID, day: date | None = None,
                  account_id: UUID | None = None) -> list[dict[str, Any]]:
    """Every damage report of the setting (of a day, of one responsible person)."""
    timezone, _ = _setting_hours(db, setting_id)
    sql = ("SELECT r.report_id, r.device_id, d.label, r.kind, r.description, r.deliberate, "
           "r.responsible_account_id, r.reported_by, r.occurred_at, r.reported_at "
           "FROM damage_reports r LEFT JOIN devices_view d ON d.device_id = r.device_id "
           "WHERE r.setting_id = ?")
    params: list[Any] = [str(setting_id)]
    if day is not None:
        start, end = day_bounds(day, timezone)
        sql += " AND r.occurred_at >= ? AND r.occurred_at < ?"
        params += [utc(start), utc(end)]
    if account_id is not None:
        sql += " AND r.responsible_account_id = ?"
        params.append(str(account_id))
    sql += " ORDER BY r.occurred_at, r.report_id"
    names = _names(db, setting_id)
    return [
        {
            "report_id": r[0],
            "device_id": r[1],
            "label": r[2],
            "kind": r[3],
            "description": r[4],
            "deliberate": bool(r[5]),
            "responsible_account_id": r[6],
            "responsible_name": names.get(r[6]) if r[6] else None,
            "reported_by": r[7],
            "reported_by_name": names.get(r[7]),
            "date": local(datetime.fromisoformat(r[8]), timezone).date().isoformat(),
            "occurred_at": r[8],
            "reported_at": r[9],
        }
        for r in db.query(sql, params)
    ]


CUSTODY_COLUMNS = ("device_id", "label", "kind", "status", "holder_account_id", "holder_name",
                   "since", "overdue", "photos_on_device", "sign_outs")
DAMAGE_COLUMNS = ("report_id", "device_id", "label", "date", "kind", "deliberate",
                  "responsible_account_id", "responsible_name", "reported_by",
                  "reported_by_name", "occurred_at", "reported_at", "description")


_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)")


def _minute(text: str, tz: ZoneInfo) -> str:
    """An ISO time with an offset as the setting's local time to the minute."""
    return datetime.fromisoformat(text).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _cell(value: Any, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list):
        return "; ".join(_period(v, tz) if isinstance(v, dict) else str(v) for v in value)
    text = str(value)
    if _INSTANT.fullmatch(text):
        return _minute(text, tz)
    # a cell a spreadsheet would run as a formula is quoted as text
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _period(sign_out: dict, tz: ZoneInfo) -> str:
    """One sign-out in a cell: who, from when, until when (or "not signed in yet")."""
    back = sign_out.get("signed_in_at")
    until = f"to {_minute(back, tz)}" if back else "not signed in yet"
    return (f"{sign_out.get('name') or sign_out['account_id']} from "
            f"{_minute(sign_out['signed_out_at'], tz)} {until}")


def to_csv(items: Iterable[dict[str, Any]], columns: tuple[str, ...],
           timezone: str = DEFAULT_TIMEZONE) -> str:
    """The rows as CSV with a header line; times in the setting's local time to the
    minute, an empty cell for what has not happened yet."""
    tz = ZoneInfo(timezone)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for item in items:
        writer.writerow([_cell(item.get(c), tz) for c in columns])
    return out.getvalue()
