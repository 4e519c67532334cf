"""Replay: a child's record as it stood at a past instant, rebuilt from the event log.

The setting's events up to that instant (chosen with the audit trail's index by setting,
read from the event store itself and unsealed with the keys as they are now) are applied,
in log order, by the service's own projections to a scratch in-memory database; the
record is then read from it with the same queries the live views answer with
(`child_record`). Nothing is read from the live read models but the list of positions.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from adapters.audit import event_log
from projections import merkle
from projections.audit import AuditView, setting_positions
from projections.consent import consent_of_child
from projections.diary import day_items, read_day
from projections.journey import child_setting, children_page, parent_page, staff_page
from projections.registry import all_projections
from storage.database import Database, SQLiteDatabase

EVERYTHING = 1_000_000  # a page size no child's journey reaches


def child_record(db: Database, child_id: str) -> dict | None:
    """What the views say of a child: the child, the journey staff and parents see, the
    diary days, consent and agreements, and the parents (None if the views have no
    such child)."""
    setting = child_setting(db, child_id)
    if setting is None:
        return None
    child = children_page(db, setting, [UUID(child_id)], None, 1)
    staff = [json.loads(entry) for _, entry in staff_page(db, child_id, None, EVERYTHING)]
    parents_see = [json.loads(entry)
                   for _, entry in parent_page(db, child_id, None, EVERYTHING)]
    days = []
    for (date,) in db.query("SELECT date FROM diary_days WHERE child_id = ? ORDER BY date",
                            (child_id,)):
        session, entries, messages = read_day(db, str(setting), child_id, date)
        days.append({"date": date, "session": session,
                     "items": day_items(entries, messages, True, "")})
    parents = [{"account_id": parent, "relationship": relationship,
                "restricted": restricted is not None}
               for parent, relationship, restricted in db.query(
                   "SELECT p.parent_id, p.relationship, r.restricted_at FROM parent_children p "
                   "LEFT JOIN parent_restrictions r ON r.parent_id = p.parent_id "
                   "AND r.child_id = p.child_id WHERE p.child_id = ? ORDER BY p.parent_id",
                   (child_id,))]
    return {"child": child[0] if child else None, "journey": staff,
            "parents_see": parents_see, "diary": days,
            "consent": consent_of_child(db, child_id), "parents": parents}


def replay(services: Any, child_id: UUID, at: datetime) -> dict | None:
    """The child's record at `at` (an aware time), or None if the child did not exist."""
    setting = child_setting(services.db, child_id)
    if setting is None:
        return None
    stamp = at.isoformat()
    positions = setting_positions(services.db, setting)
    scratch = SQLiteDatabase(":memory:")  # one connection: this thread's
    try:
        views = [p for p in all_projections() if not isinstance(p, AuditView)]
        scratch.create_tables([s for p in views for s in p.schema])
        log = event_log(services)
        try:
            with scratch.transaction() as tx:
                for position, aggregate, version, topic, state in log.some(positions):
                    time = merkle.event_time(state)
                    if not time or datetime.fromisoformat(time) > at:
                        continue
                    notification = Notification(id=position, originator_id=UUID(aggregate),
                                                originator_version=version, topic=topic,
                                                state=state)
                    event = services.app.mapper.to_domain_event(notification)
                    for view in views:
                        if view.wants(topic):
                            view.apply(notification, event, tx)
        finally:
            log.close()
        record = child_record(scratch, str(child_id))
    finally:
        scratch.close()
    if record is None:
        return None
    return {"child_id": str(child_id), "at": stamp, **record}
