"""Erasing a child, and ending the legal retention of an erased child's records.

Erasure, in order (each step reported to `progress`, and logged without personal data):

1. record `JourneyErased` (the manager confirmed with the child's full name; the event
   keeps the name and birth date sealed with the *retention* key, for the records the
   law keeps), naming every photo and video that shows the child, and write the
   erasure to the erasure ledger (re-applied by `journey restore`);
2. wait until every view has applied it: each projection deletes the child's rows
   (`Projection.forget_child`); the diary keeps accidents, incidents and medication;
3. shred the child's journey key: every sealed field of the child's other events in
   the log is unreadable for good (the log and its Merkle tree stay whole);
4. delete the photos and videos from the media store, every version of them;
5. delete kept HTTP replies (idempotency records) that mention the child;
6. forget every in-memory copy in this process (`adapters.storage.forget`);
7. make the deletions final on disk (`Database.purge_deleted`).

`end_retention` shreds the retention key when the child is 21 years and 3 months old;
`run_retention` does it for every child whose time has come (daily, and on
`journey retention run`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from adapters.storage.forget import forget_child
from adapters.storage.media import media_key
from domain.actor import SYSTEM, Actor
from domain.errors import Conflict
from domain.personal_data import JOURNEY_KEY, RETENTION_KEY
from projections.lifecycle import media_of_child, retention_due

log = logging.getLogger("journey.erasure")

Progress = Callable[[str, int, int], None]  # (step, done, total)

KEY_TABLE = "child_keys"
REPLY_TABLE = "idempotency_keys"


def _quiet(step: str, done: int, total: int) -> None:
    pass


def erase_child(services: Any, child_id: UUID, confirm: Any, actor: Actor,
                progress: Progress = _quiet) -> None:
    """Erase the child for good (a wrong `confirm` is a Conflict and erases nothing)."""
    media = media_of_child(services.db, child_id)
    journey, position = services.app.erase_child(
        child_id, confirm, [m for _, m in media], actor, services.clock())
    services.ledger.record("child_erased", services.clock(), child_id=child_id,
                           setting_id=journey.setting_id)
    _step(progress, child_id, "recorded", 1, 1)
    services.projections.wait_for(position, timeout=120.0)
    _step(progress, child_id, "views", 1, 1)
    services.keys.shred(child_id, JOURNEY_KEY)
    _step(progress, child_id, "key", 1, 1)
    for done, (setting_id, media_id) in enumerate(media, 1):
        services.media.delete(media_key(setting_id, media_id))
        progress("media", done, len(media))
    _step(progress, child_id, "media", len(media), len(media))
    _forget_replies(services.db, [str(child_id).encode(), journey.name.encode()])
    forget_child(services, child_id)
    services.db.purge_deleted(view_tables(services) + [KEY_TABLE, REPLY_TABLE])
    _step(progress, child_id, "disk", 1, 1)


def end_retention(services: Any, child_id: UUID, actor: Actor = SYSTEM) -> None:
    """The legal retention of an erased child's records ended: they go for good."""
    position = services.app.end_retention(child_id, actor, services.clock())
    services.ledger.record("retention_ended", services.clock(), child_id=child_id)
    services.projections.wait_for(position, timeout=120.0)
    services.keys.shred(child_id, RETENTION_KEY)
    forget_child(services, child_id)
    services.db.purge_deleted(view_tables(services) + [KEY_TABLE])
    log.info("legal retention ended", extra={"child_id": str(child_id)})


def run_retention(services: Any, progress: Progress = _quiet) -> int:
    """End the retention of every erased child whose time has come; how many."""
    due = retention_due(services.db, services.clock().date())
    for done, child_id in enumerate(due, 1):
        with contextlib.suppress(Conflict):  # another server ended it first
            end_retention(services, child_id)
        progress("retention", done, len(due))
    return len(due)


def run_retention_daily(services: Any, stop: threading.Event,
                        every: float = 24 * 3600.0) -> threading.Thread:
    """The leader's daily `run_retention` (as soon as it leads, then every `every`
    seconds). Were two to run it, a child already done is refused by the aggregate."""
    def loop() -> None:
        last = None
        while not stop.is_set():
            if services.leads() and (last is None or time.monotonic() - last >= every):
                last = time.monotonic()
                try:
                    run_retention(services)
                except Exception:  # logged; tried again tomorrow
                    log.exception("retention run failed")
            elif not services.leads():
                last = None  # leading again later: run at once
            stop.wait(min(every, 60.0))

    thread = threading.Thread(target=loop, name="journey-retention", daemon=True)
    thread.start()
    return thread


def view_tables(services: Any) -> list[str]:
    """Every table of every projection (what an erasure may have deleted rows from)."""
    return sorted({t for p in services.projections.projections.values() for t in p.tables})


def _step(progress: Progress, child_id: UUID, step: str, done: int, total: int) -> None:
    progress(step, done, total)
    log.info("erasure", extra={"child_id": str(child_id), "step": step})


def _forget_replies(db: Any, needles: list[bytes]) -> None:
    """Kept replies (idempotency records) whose body mentions the child are deleted."""
    gone = [(scope,) for scope, body in db.query(
        f"SELECT scope, body FROM {REPLY_TABLE} WHERE body IS NOT NULL")
        if any(n and n in bytes(body) for n in needles)]
    with db.transaction() as tx:
        tx.executemany(f"DELETE FROM {REPLY_TABLE} WHERE scope = ?", gone)
