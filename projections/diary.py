"""Diary views: each child's day (entries and messages), sessions, and what reports need.

Listens to DiaryDay.* events; writes diary_days, diary_entries and diary_messages.
The child's day (for parents and for staff), the room board, the unacknowledged
incidents and the late entries report are read from these tables by the functions
at the bottom (`day_items`, `board_row`), which are pure over the rows so that the
property tests can recompute them from the events.

An entry's row keeps its current version, whether it was late when first recorded (a
correction or the end of a sleep keeps that), its earlier versions (`history`),
retraction and acknowledgements. Times sort as UTC ISO text (`at_utc`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.diary_entries import RETAINED_KINDS
from projections.engine import Projection, actor_id, handles
from projections.journey import child_names
from storage.database import Database

BOARD_NAPPY_KINDS = ("nappy", "toilet")


def utc_text(value: str | datetime | None) -> str | None:
    """A time as sortable UTC ISO text (microseconds), or None."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _entry_time(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return None
    return utc_text(entry.get("at") or entry.get("start"))


def _json(value: Any) -> str:
    return json.dumps(value, default=str)



class DiaryViews(Projection):
    """Each child's diary days, read by the diary routes and reports."""

    name = "diary"
    schema = (
        """CREATE TABLE IF NOT EXISTS diary_days (
            day_id TEXT PRIMARY KEY,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            date TEXT NOT NULL,
            session_ended_at TEXT,
            session_ended_by TEXT)""",
        "CREATE INDEX IF NOT EXISTS diary_days_by_setting ON diary_days (setting_id, date)",
        """CREATE TABLE IF NOT EXISTS diary_entries (
            entry_id TEXT PRIMARY KEY,
            day_id TEXT NOT NULL,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            date TEXT NOT NULL,
            kind TEXT NOT NULL,
            at_utc TEXT,
            entry TEXT NOT NULL,
            version INTEGER NOT NULL,
            late INTEGER NOT NULL,
            retracted INTEGER NOT NULL DEFAULT 0,
            reason TEXT,
            recorded_by TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            first_recorded_at TEXT NOT NULL,
            acknowledged_by TEXT NOT NULL DEFAULT '[]',
            acknowledged_at TEXT,
            history TEXT NOT NULL DEFAULT '[]')""",
        "CREATE INDEX IF NOT EXISTS diary_entries_by_day ON diary_entries (day_id)",
        "CREATE INDEX IF NOT EXISTS diary_entries_by_setting "
        "ON diary_entries (setting_id, date, kind)",
        """CREATE TABLE IF NOT EXISTS diary_messages (
            message_id TEXT PRIMARY KEY,
            day_id TEXT NOT NULL,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            date TEXT NOT NULL,
            author_id TEXT NOT NULL,
            author_role TEXT NOT NULL,
            text TEXT NOT NULL,
            at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS diary_messages_by_day ON diary_messages (day_id)",
        """CREATE TABLE IF NOT EXISTS medication_permissions (
            permission_id TEXT PRIMARY KEY,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            medicine TEXT NOT NULL,
            dose TEXT NOT NULL,
            valid_from TEXT NOT NULL,
            valid_until TEXT NOT NULL,
            source TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            recorded_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS medication_permissions_by_child "
        "ON medication_permissions (child_id)",
    )
    tables = ("diary_days", "diary_entries", "diary_messages", "medication_permissions")
    setting_tables = ("diary_days", "diary_messages")  # retained records stay (the law)

    @handles("ChildJourney.JourneyErased")
    def forget_child(self, event: Any, tx: Any) -> None:
        """Everything of the erased child goes except the accident, incident and
        medication records under legal retention (see `forget_retained`)."""
        child = str(event.originator_id)
        tx.execute("DELETE FROM diary_entries WHERE child_id = ? AND kind NOT IN (?, ?)",
                   (child, *sorted(RETAINED_KINDS)))
        tx.execute("DELETE FROM diary_messages WHERE child_id = ?", (child,))

    @handles("ChildJourney.RetentionEnded")
    def forget_retained(self, event: Any, tx: Any) -> None:
        """The legal retention ended: the retained records go too."""
        child = str(event.originator_id)
        for table in ("diary_entries", "medication_permissions", "diary_days"):
            tx.execute(f"DELETE FROM {table} WHERE child_id = ?", (child,))

    @handles("MedicationPermission.MedicationPermissionRecorded")
    def permission(self, event: Any, tx: Any) -> None:
        tx.execute(
            "INSERT INTO medication_permissions (permission_id, child_id, setting_id, medicine, "
            "dose, valid_from, valid_until, source, recorded_by, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (permission_id) DO NOTHING",
            (str(event.originator_id), str(event.child_id), str(event.setting_id),
             str(event.medicine), str(event.dose), event.valid_from.isoformat(),
             event.valid_until.isoformat(), event.source, actor_id(event),
             utc_text(event.timestamp)),
        )

    @handles("DiaryDay.Started")
    def started(self, event: Any, tx: Any) -> None:
        tx.execute(
            "INSERT INTO diary_days (day_id, child_id, setting_id, date) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (day_id) DO NOTHING",
            (str(event.originator_id), str(event.child_id), str(event.setting_id),
             event.day.isoformat()),
        )

    def _day(self, event: Any, tx: Any) -> tuple[str, str, str] | None:
        return tx.execute(
            "SELECT child_id, setting_id, date FROM diary_days WHERE day_id = ?",
            (str(event.originator_id),),
        ).fetchone()

    @handles("DiaryDay.EntryRecorded", "DiaryDay.MedicationGiven", "DiaryDay.IncidentRecorded")
    def recorded(self, event: Any, tx: Any) -> None:
        """One statement: the day's child, setting and date come from `diary_days`."""
        at = utc_text(event.timestamp)
        tx.execute(
            "INSERT INTO diary_entries (entry_id, day_id, child_id, setting_id, date, kind, "
            "at_utc, entry, version, late, recorded_by, recorded_at, first_recorded_at) "
            "SELECT ?, day_id, child_id, setting_id, date, ?, ?, ?, 1, ?, ?, ?, ? "
            "FROM diary_days WHERE day_id = ? ON CONFLICT (entry_id) DO NOTHING",
            (str(event.entry_id), event.kind, _entry_time(event.entry), _json(event.entry),
             int(bool(event.late)), actor_id(event), at, at, str(event.originator_id)),
        )

    @handles("DiaryDay.SleepEnded", "DiaryDay.EntryCorrected")
    def new_version(self, event: Any, tx: Any) -> None:
        row = tx.execute(
            "SELECT entry, version, recorded_by, recorded_at, history FROM diary_entries "
            "WHERE entry_id = ?", (str(event.entry_id),),
        ).fetchone()
        if row is None:
            return
        history = json.loads(row[4])
        history.append({"version": int(row[1]), "entry": json.loads(row[0]),
                        "recorded_by": row[2], "recorded_at": row[3]})
        tx.execute(
            "UPDATE diary_entries SET entry = ?, at_utc = ?, version = ?, "
            "recorded_by = ?, recorded_at = ?, history = ? WHERE entry_id = ?",
            (_json(event.entry), _entry_time(event.entry), int(event.version),
             actor_id(event),
             utc_text(event.timestamp), _json(history), str(event.entry_id)),
        )

    @handles("DiaryDay.EntryRetracted")
    def retracted(self, event: Any, tx: Any) -> None:
        tx.execute(
            "UPDATE diary_entries SET retracted = 1, reason = ? WHERE entry_id = ?",
            (event.reason, str(event.entry_id)),
        )

    @handles("DiaryDay.IncidentAcknowledged")
    def acknowledged(self, event: Any, tx: Any) -> None:
        row = tx.execute(
            "SELECT acknowledged_by, acknowledged_at FROM diary_entries WHERE entry_id = ?",
            (str(event.entry_id),),
        ).fetchone()
        if row is None:
            return
        parents = json.loads(row[0])
        parent = actor_id(event)
        if parent not in parents:
            parents.append(parent)
        tx.execute(
            "UPDATE diary_entries SET acknowledged_by = ?, acknowledged_at = ? "
            "WHERE entry_id = ?",
            (_json(parents), row[1] or utc_text(event.timestamp), str(event.entry_id)),
        )

    @handles("DiaryDay.MessagePosted")
    def message(self, event: Any, tx: Any) -> None:
        day = self._day(event, tx)
        if day is None:
            return
        child_id, setting_id, date = day
        tx.execute(
            "INSERT INTO diary_messages (message_id, day_id, child_id, setting_id, date, "
            "author_id, author_role, text, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (message_id) DO NOTHING",
            (str(event.message_id), str(event.originator_id), child_id, setting_id, date,
             actor_id(event), event.author_role, event.text, utc_text(event.timestamp)),
        )

    @handles("DiaryDay.SessionEnded")
    def session_ended(self, event: Any, tx: Any) -> None:
        tx.execute(
            "UPDATE diary_days SET session_ended_at = ?, session_ended_by = ? WHERE day_id = ?",
            (utc_text(event.timestamp), actor_id(event), str(event.originator_id)),
        )


# ---- reading -----------------------------------------------------------------

ENTRY_COLUMNS = (
    "entry_id, kind, at_utc, entry, version, late, retracted, reason, recorded_by, "
    "recorded_at, first_recorded_at, acknowledged_by, acknowledged_at, history"
)


def entry_item(row: tuple, staff: bool) -> dict:
    """One entry of the day as the API shows it: its fields, flattened, and its status."""
    (entry_id, kind, at_utc, entry, version, late, retracted, reason, recorded_by,
     recorded_at, first_recorded_at, acknowledged_by, acknowledged_at, history) = row
    fields = json.loads(entry)
    item: dict[str, Any] = dict(fields) if isinstance(fields, dict) else {}
    item.update({
        "type": "entry", "entry_id": entry_id, "kind": kind, "at": item.get("at") or
        item.get("start"), "sort_at": at_utc, "version": int(version),
        "corrected": int(version) > 1, "late": bool(late), "recorded_by": recorded_by,
        "recorded_at": recorded_at,
    })
    if kind == "incident":
        parents = json.loads(acknowledged_by)
        item["acknowledged"] = bool(parents)
        item["acknowledged_by"] = parents
        item["acknowledged_at"] = acknowledged_at
    if staff:
        item["retracted"] = bool(retracted)
        item["reason"] = reason
        item["first_recorded_at"] = first_recorded_at
        item["history"] = json.loads(history)
    return item


def message_item(row: tuple) -> dict:
    """One message of the day."""
    message_id, author_id, author_role, text, at = row
    return {"type": "message", "message_id": message_id, "author_id": author_id,
            "author_role": author_role, "text": text, "at": at, "sort_at": at}


def day_items(entry_rows: list[tuple], message_rows: list[tuple], staff: bool,
              viewer_id: str) -> list[dict]:
    """The day in time order. Parents see neither retracted entries nor the history, and
    of the messages only staff's and their own."""
    items = [entry_item(r, staff) for r in entry_rows if staff or not r[6]]
    for row in message_rows:
        if staff or row[2] == "staff" or row[1] == viewer_id:
            items.append(message_item(row))
    items.sort(key=lambda i: (i["sort_at"] or "", i.get("recorded_at") or i["at"] or "",
                              i.get("entry_id") or i.get("message_id")))
    return items


def read_day(db: Any, setting_id: str, child_id: str, date: str) -> tuple[dict | None,
                                                                        list, list]:
    """The day's session row, entry rows and message rows (empty if nothing recorded)."""
    day = db.query_one(
        "SELECT day_id, session_ended_at, session_ended_by FROM diary_days "
        "WHERE child_id = ? AND date = ? AND setting_id = ?", (child_id, date, setting_id),
    )
    if day is None:
        return None, [], []
    entries = db.query(
        f"SELECT {ENTRY_COLUMNS} FROM diary_entries WHERE day_id = ?", (day[0],)
    )
    messages = db.query(
        "SELECT message_id, author_id, author_role, text, at FROM diary_messages "
        "WHERE day_id = ?", (day[0],),
    )
    return {"session_ended_at": day[1], "session_ended_by": day[2]}, entries, messages


def board_row(entries: list[dict]) -> dict:
    """The day at a glance from a child's (current, unretracted) entries: asleep now and
    since when, the last meal and how much, the last nappy, unacknowledged incidents and
    medication given."""
    live = sorted((e for e in entries if not e.get("retracted")),
                  key=lambda e: (e.get("sort_at") or "", e["entry_id"]))
    asleep_since = None
    for e in live:
        if e["kind"] == "sleep" and e.get("end") is None and e.get("start"):
            asleep_since = e["start"]
    meals = [e for e in live if e["kind"] == "meal"]
    nappies = [e for e in live if e["kind"] in BOARD_NAPPY_KINDS]
    last_meal = meals[-1] if meals else None
    last_nappy = nappies[-1] if nappies else None
    return {
        "asleep": asleep_since is not None,
        "asleep_since": asleep_since,
        "last_meal": None if last_meal is None else {
            "meal": last_meal.get("meal"), "food": last_meal.get("food"),
            "amount": last_meal.get("amount"), "at": last_meal.get("at")},
        "last_nappy": None if last_nappy is None else {
            "kind": last_nappy["kind"], "state": last_nappy.get("state"),
            "cream": bool(last_nappy.get("cream")), "at": last_nappy.get("at")},
        "unacknowledged_incidents": [
            e["entry_id"] for e in live if e["kind"] == "incident" and not e["acknowledged"]],
        "medication": [
            {"entry_id": e["entry_id"], "medicine": e.get("medicine"), "dose": e.get("dose"),
             "at": e.get("at")} for e in live if e["kind"] == "medication"],
    }


def medication_permissions(db: Database, child_id: UUID) -> list[dict]:
    """The child's medication permissions, newest first."""
    rows = db.query(
        "SELECT permission_id, medicine, dose, valid_from, valid_until, source, recorded_by, "
        "recorded_at FROM medication_permissions WHERE child_id = ? "
        "ORDER BY recorded_at DESC, permission_id", (str(child_id),),
    )
    return [dict(zip(("permission_id", "medicine", "dose", "from", "until", "source",
                      "recorded_by", "recorded_at"), row, strict=True)) for row in rows]


def board_days(db: Database, setting_id: UUID, day: str, child_ids: list[str]
               ) -> tuple[dict[str, list[dict]], dict[str, str | None]]:
    """For the room board: each child's entries of the day (as staff see them), and when
    each child's session ended."""
    entries: dict[str, list[dict]] = {c: [] for c in child_ids}
    ended: dict[str, str | None] = {}
    if not child_ids:
        return entries, ended
    marks = ",".join("?" for _ in child_ids)
    for row in db.query(
        f"SELECT child_id, {ENTRY_COLUMNS} FROM diary_entries "
        f"WHERE setting_id = ? AND date = ? AND child_id IN ({marks})",
        [str(setting_id), day, *child_ids],
    ):
        entries[row[0]].append(entry_item(row[1:], staff=True))
    for child, at in db.query(
        f"SELECT child_id, session_ended_at FROM diary_days "
        f"WHERE setting_id = ? AND date = ? AND child_id IN ({marks})",
        [str(setting_id), day, *child_ids],
    ):
        ended[child] = at
    return entries, ended


def late_entries(db: Database, setting_id: UUID, date_from: str | None, date_to: str | None,
                 after: tuple[str, str] | None, limit: int) -> tuple[int, list[dict]]:
    """Entries recorded after the end of the child's session (or on a later day): how
    many in all, and a page of them, newest day first, after (date, entry id)."""
    where = "e.setting_id = ? AND e.late = 1"
    params: list[Any] = [str(setting_id)]
    if date_from is not None:
        where += " AND e.date >= ?"
        params.append(date_from)
    if date_to is not None:
        where += " AND e.date <= ?"
        params.append(date_to)
    count = db.query_one(f"SELECT COUNT(*) FROM diary_entries e WHERE {where}", params)
    if after is not None:
        where += " AND (e.date < ? OR (e.date = ? AND e.entry_id > ?))"
        params += [after[0], after[0], after[1]]
    rows = db.query(
        "SELECT e.entry_id, e.child_id, e.date, e.kind, e.first_recorded_at, "
        "e.recorded_by, d.session_ended_at, e.retracted FROM diary_entries e "
        "JOIN diary_days d ON d.day_id = e.day_id "
        f"WHERE {where} ORDER BY e.date DESC, e.entry_id LIMIT ?", [*params, limit],
    )
    names = child_names(db, {r[1] for r in rows})
    items = [
        {"entry_id": r[0], "child_id": r[1], "name": names.get(r[1], (None, None))[0],
         "date": r[2], "kind": r[3], "recorded_at": r[4], "recorded_by": r[5],
         "session_ended_at": r[6], "retracted": bool(r[7])}
        for r in rows
    ]
    return (int(count[0]) if count else 0), items


def unacknowledged_incidents(db: Database, setting_id: UUID, day: str) -> list[dict]:
    """The day's incidents that no parent has acknowledged yet, in time order."""
    rows = db.query(
        "SELECT entry_id, child_id, at_utc, entry, recorded_by FROM diary_entries "
        "WHERE setting_id = ? AND date = ? AND kind = 'incident' "
        "AND retracted = 0 AND acknowledged_by = '[]' ORDER BY at_utc, entry_id",
        (str(setting_id), day),
    )
    names = child_names(db, {r[1] for r in rows})
    items = []
    for entry_id, child, at_utc, entry, recorded_by in rows:
        fields = json.loads(entry)
        fields = fields if isinstance(fields, dict) else {}
        name, room = names.get(child, (None, None))
        items.append({"entry_id": entry_id, "child_id": child, "name": name, "room": room,
                      "date": day, "at": fields.get("at") or at_utc,
                      "what": fields.get("what"), "recorded_by": recorded_by})
    return items
