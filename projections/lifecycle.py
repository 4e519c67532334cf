"""Lifecycle view: children who left (and until when their parents read the journey),
children erased (and until when their accident, incident and medication records are
kept under legal retention).

Listens to ChildJourney.Enrolled, Left, JourneyErased and RetentionEnded; writes
`child_lifecycle` (ids and dates only, never a name). Also exports the queries the
lifecycle routes and the erasure read from other views.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

from domain.diary_entries import RETAINED_KINDS
from projections.engine import Projection, handles


class LifecycleView(Projection):
    """Leaving dates, parents' access after leaving, erasure and legal retention."""

    name = "lifecycle"
    schema = (
        """CREATE TABLE IF NOT EXISTS child_lifecycle (
            child_id TEXT PRIMARY KEY,
            setting_id TEXT NOT NULL,
            left_on TEXT,
            parent_access_until TEXT,
            erased_at TEXT,
            retained_until TEXT)""",
        "CREATE INDEX IF NOT EXISTS lifecycle_retention ON child_lifecycle (retained_until)",
        """CREATE TABLE IF NOT EXISTS setting_termination (
            setting_id TEXT PRIMARY KEY,
            mode TEXT NOT NULL,
            delete_after TEXT NOT NULL,
            job_id TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            deletion_started INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0)""",
    )
    tables = ("child_lifecycle", "setting_termination")

    @handles("Setting.TerminationRequested")
    def termination_requested(self, event: Any, tx: Any) -> None:
        tx.execute(
            "INSERT INTO setting_termination (setting_id, mode, delete_after, job_id, "
            "requested_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (setting_id) DO UPDATE SET "
            "mode = excluded.mode, delete_after = excluded.delete_after, "
            "job_id = excluded.job_id, requested_by = excluded.requested_by",
            (str(event.originator_id), event.mode, event.delete_after.isoformat(),
             str(event.job_id), str(event.actor.account_id)))

    @handles("Setting.TerminationCancelled")
    def termination_cancelled(self, event: Any, tx: Any) -> None:
        tx.execute("DELETE FROM setting_termination WHERE setting_id = ?",
                   (str(event.originator_id),))

    @handles("Setting.DeletionStarted")
    def deletion_started(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE setting_termination SET deletion_started = 1 WHERE setting_id = ?",
                   (str(event.originator_id),))

    @handles("Setting.Deleted")
    def forget_setting(self, event: Any, tx: Any) -> None:
        """The setting is deleted: only ids and dates stay here (retention, the job)."""
        tx.execute("UPDATE setting_termination SET deleted = 1 WHERE setting_id = ?",
                   (str(event.originator_id),))

    @handles("ChildJourney.Enrolled")
    def enrolled(self, event: Any, tx: Any) -> None:
        tx.execute("INSERT INTO child_lifecycle (child_id, setting_id) VALUES (?, ?) "
                   "ON CONFLICT (child_id) DO NOTHING",
                   (str(event.originator_id), str(event.setting_id)))

    @handles("ChildJourney.Left")
    def left(self, event: Any, tx: Any) -> None:
        until = getattr(event, "parent_access_until", None)
        tx.execute("UPDATE child_lifecycle SET left_on = ?, parent_access_until = ? "
                   "WHERE child_id = ?",
                   (str(event.left_on), str(until) if until else None,
                    str(event.originator_id)))

    @handles("ChildJourney.JourneyErased")
    def forget_child(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE child_lifecycle SET erased_at = ?, retained_until = ?, "
                   "left_on = NULL, parent_access_until = NULL WHERE child_id = ?",
                   (event.timestamp.isoformat(), str(event.retained_until),
                    str(event.originator_id)))

    @handles("ChildJourney.RetentionEnded")
    def retention_ended(self, event: Any, tx: Any) -> None:
        tx.execute("DELETE FROM child_lifecycle WHERE child_id = ?", (str(event.originator_id),))


# queries


def parents_access_ended(db: Any, child_ids: Any, today: date) -> set[UUID]:
    """Which of these children left long enough ago that their parents no longer read
    their journey (see `domain.access.parent_access_ended`)."""
    from domain.access import parent_access_ended

    wanted = sorted(str(c) for c in child_ids)
    if not wanted:
        return set()
    rows = db.query(
        "SELECT child_id, parent_access_until FROM child_lifecycle "
        f"WHERE parent_access_until IS NOT NULL AND child_id IN ({','.join('?' * len(wanted))})",
        wanted)
    return {UUID(child) for child, until in rows
            if parent_access_ended(date.fromisoformat(until), today)}


def left_on(db: Any, child_id: UUID) -> date | None:
    """The date the child leaves (or left) the setting, if one was recorded."""
    row = db.query_one("SELECT left_on FROM child_lifecycle WHERE child_id = ?",
                       (str(child_id),))
    return date.fromisoformat(row[0]) if row and row[0] else None


def retention_due(db: Any, today: date) -> list[UUID]:
    """Erased children whose legal retention has ended by `today`."""
    rows = db.query("SELECT child_id FROM child_lifecycle "
                    "WHERE retained_until IS NOT NULL AND retained_until <= ? "
                    "ORDER BY retained_until, child_id", (today.isoformat(),))
    return [UUID(r[0]) for r in rows]


def media_of_child(db: Any, child_id: UUID) -> list[tuple[UUID, UUID]]:
    """(setting id, media id) of every photo and video showing the child or used by an
    observation of the child's own journey: what an erasure withdraws."""
    child = str(child_id)
    found = {(s, m) for m, s in db.query(
        "SELECT media_id, setting_id FROM media_children WHERE child_id = ?", (child,))}
    for setting_id, used in db.query(
            "SELECT setting_id, media FROM journey_revisions WHERE owner_child_id = ?",
            (child,)):
        found.update((setting_id, m) for m in json.loads(used or "[]"))
    return sorted((UUID(s), UUID(m)) for s, m in found)


def retained_records(db: Any, setting_id: UUID) -> list[dict]:
    """The accident, incident and medication records of erased children of the setting,
    kept under legal retention, oldest first."""
    marks = ",".join("?" * len(RETAINED_KINDS))
    rows = db.query(
        "SELECT l.child_id, l.retained_until, e.entry_id, e.date, e.kind, e.entry, "
        "e.recorded_by, e.recorded_at FROM child_lifecycle l "
        "JOIN diary_entries e ON e.child_id = l.child_id "
        f"WHERE l.setting_id = ? AND l.erased_at IS NOT NULL AND e.kind IN ({marks}) "
        "ORDER BY e.date, e.entry_id", (str(setting_id), *sorted(RETAINED_KINDS)))
    permissions = db.query(
        "SELECT l.child_id, l.retained_until, p.permission_id, p.valid_from, p.medicine, "
        "p.dose, p.valid_until, p.recorded_by, p.recorded_at FROM child_lifecycle l "
        "JOIN medication_permissions p ON p.child_id = l.child_id "
        "WHERE l.setting_id = ? AND l.erased_at IS NOT NULL "
        "ORDER BY p.valid_from, p.permission_id", (str(setting_id),))
    items = [
        {"child_id": child, "record": "diary_entry", "record_id": entry_id, "date": day,
         "kind": kind, "entry": json.loads(entry), "recorded_by": by, "recorded_at": at,
         "retained_until": until, "notice": retention_notice(until)}
        for child, until, entry_id, day, kind, entry, by, at in rows
    ]
    items += [
        {"child_id": child, "record": "medication_permission", "record_id": pid,
         "date": start, "kind": "medication_permission",
         "entry": {"medicine": medicine, "dose": dose, "from": start, "until": end},
         "recorded_by": by, "recorded_at": at, "retained_until": until,
         "notice": retention_notice(until)}
        for child, until, pid, start, medicine, dose, end, by, at in permissions
    ]
    return items


def retention_notice(until: str) -> str:
    return f"kept under legal retention until {until}"


def portfolio_child(db: Any, child_id: UUID) -> dict:
    """The child's id, setting, name and date of birth (the caller checked the child)."""
    row = db.query_one("SELECT setting_id, name, date_of_birth FROM children_view "
                       "WHERE child_id = ?", (str(child_id),))
    if row is None:
        from domain.errors import NotFound

        raise NotFound("No such child.")
    return {"child_id": str(child_id), "setting_id": row[0], "name": row[1],
            "date_of_birth": row[2]}


def portfolio_entries(db: Any, child_id: UUID, page: int = 200) -> Iterator[dict]:
    """The child's journey as parents see it (approved, with comments and visible
    media), oldest first, read a page at a time."""
    after = ""
    while True:
        rows = db.query(
            "SELECT e.sort_key, e.head, CASE WHEN e.has_media = 1 THEN "
            f"(SELECT {db.group_concat}(media_id, ',') FROM (SELECT m.media_id "
            "FROM journey_media m WHERE m.child_id = e.child_id "
            "AND m.observation_id = e.observation_id AND m.hidden = 0 "
            "ORDER BY m.position) ordered) END "
            "FROM journey_parent e WHERE e.child_id = ? AND e.sort_key > ? "
            "ORDER BY e.sort_key LIMIT ?", (str(child_id), after, page))
        for _key, head, media in rows:
            entry = json.loads(head + "}")
            entry["media"] = media.split(",") if media else []
            yield entry
        if len(rows) < page:
            return
        after = rows[-1][0]


def portfolio_assessments(db: Any, child_id: UUID) -> list[dict]:
    """The child's assessments, oldest first."""
    rows = db.query("SELECT period, kind, judgements, summary, recorded_at "
                    "FROM journey_assessments WHERE child_id = ? ORDER BY recorded_at",
                    (str(child_id),))
    return [{"period": p, "kind": k, "judgements": json.loads(j), "summary": s,
             "recorded_at": at} for p, k, j, s, at in rows]


def termination_of(db: Any, setting_id: UUID) -> dict | None:
    """The setting's termination under way (mode, delete_after, job_id, requested_by,
    deletion_started, deleted), or None."""
    row = db.query_one("SELECT mode, delete_after, job_id, requested_by, deletion_started, "
                       "deleted FROM setting_termination WHERE setting_id = ?",
                       (str(setting_id),))
    if row is None:
        return None
    return {"mode": row[0], "delete_after": row[1], "job_id": row[2],
            "requested_by": row[3], "deletion_started": bool(row[4]), "deleted": bool(row[5])}


def terminations_due(db: Any, now: str) -> list[UUID]:
    """Settings whose deletion is due (archive over, or delete mode) and not finished."""
    rows = db.query("SELECT setting_id FROM setting_termination WHERE deleted = 0 "
                    "AND delete_after <= ? ORDER BY delete_after", (now,))
    return [UUID(r[0]) for r in rows]


def children_of_setting(db: Any, setting_id: UUID, erased_too: bool = False) -> list[UUID]:
    """The setting's children not yet erased (or every one it had, `erased_too`)."""
    rows = db.query("SELECT child_id FROM child_lifecycle WHERE setting_id = ? "
                    + ("" if erased_too else "AND erased_at IS NULL ") + "ORDER BY child_id",
                    (str(setting_id),))
    return [UUID(r[0]) for r in rows]


def accounts_of_setting(db: Any, setting_id: UUID) -> list[UUID]:
    rows = db.query("SELECT account_id FROM accounts_view WHERE setting_id = ? "
                    "ORDER BY account_id", (str(setting_id),))
    return [UUID(r[0]) for r in rows]
