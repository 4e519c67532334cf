"""The orphan sweep: media objects and spooled files that no record owns.

An upload is stored, then recorded; a process killed between the two (or during the
upload) leaves an object with no `Media` record, or a partial file in the spool
directory. Neither can ever be read or erased through the service, so the sweep,
run at start and daily by `journey serve`, removes them once they are older than an
hour (an upload in flight is younger). Ownership is asked of the event store, not a
view, so a view being rebuilt never makes a recorded photo look orphaned.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

from adapters.storage.background import Repeating
from adapters.storage.media import MediaStore

log = logging.getLogger("journey.media")

MIN_AGE = timedelta(hours=1)
EVERY = timedelta(days=1)


def sweep_orphans(store: MediaStore, spool: Path, recorded: Callable[[UUID], bool],
                  now: datetime, min_age: timedelta = MIN_AGE) -> int:
    """Remove objects with no record, and spooled files, older than `min_age`;
    how many were removed."""
    cutoff = now - min_age
    removed = 0
    for key in store.stored_before(cutoff):
        try:
            media_id = UUID(key.partition("/")[2])
        except ValueError:
            continue  # not one of ours: left alone
        if not recorded(media_id):
            store.delete(key)
            removed += 1
    for path in spool.iterdir() if spool.is_dir() else ():
        with contextlib.suppress(OSError):
            if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
                path.unlink()
                removed += 1
    if removed:
        log.info("orphan media removed", extra={"removed": removed})
    return removed


def media_sweeper(sweep: Callable[[], int], every: timedelta = EVERY) -> Repeating:
    """The sweep now, then every day, in a thread of its own."""
    return Repeating("media-sweep", every.total_seconds(), sweep, now=True)
