"""Every cache that may hold something of a child, in one register (issue 15 item 4).

Each process keeps a few things in memory to keep requests short: sessions, small facts
of the views (`Lookups`), unwrapped data keys (`ChildKeys`), decoded diary days
(`KeptDays`). Each registers here with what it keeps and how fresh it is, so a newcomer
finds them in one place and erasure can make every copy of a child go:
`forget_child(child_id)` empties them in this process at once, and writes a stamp
(`forgotten_children`) that every other process reads within `POLL_SECONDS`, in the
background, and then forgets the child too.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Protocol
from uuid import UUID

from adapters.storage.background import Repeating
from storage.database import Database

POLL_SECONDS = 0.5


class Forgets(Protocol):
    """A cache of this process: it can drop everything it keeps of one child."""

    def forget_child(self, child_id: UUID) -> None: ...


def _schema(db: Database) -> list[str]:
    sequence = "BIGSERIAL PRIMARY KEY" if db.kind == "postgres" \
        else "INTEGER PRIMARY KEY AUTOINCREMENT"
    return [f"""CREATE TABLE IF NOT EXISTS forgotten_children (
        seq {sequence},
        child_id TEXT NOT NULL,
        at TEXT NOT NULL)"""]


class Caches:
    """The register of this process's caches, and the stamp other processes follow."""

    def __init__(self, db: Database):
        self.db = db
        db.create_tables(_schema(db))
        row = db.query_one("SELECT MAX(seq) FROM forgotten_children")
        self._seen = int(row[0]) if row and row[0] is not None else 0
        self._caches: dict[str, tuple[Forgets, str]] = {}
        self._lock = threading.Lock()
        self._poll = Repeating("caches", POLL_SECONDS, self.catch_up)

    def register(self, name: str, cache: Forgets, freshness: str) -> None:
        """Add a cache: `freshness` says, in a sentence, how far behind it may be."""
        self._caches[name] = (cache, freshness)

    def freshness(self) -> dict[str, str]:
        """Each cache's name and how fresh it is."""
        return {name: fresh for name, (_, fresh) in self._caches.items()}

    def forget_child(self, child_id: UUID, at: datetime) -> None:
        """Drop the child from every cache here now, and from every other process's
        within `POLL_SECONDS`."""
        self._forget_here(child_id)
        self.db.execute("INSERT INTO forgotten_children (child_id, at) VALUES (?, ?)",
                        (str(child_id), at.isoformat()))

    def _forget_here(self, child_id: UUID) -> None:
        for cache, _ in self._caches.values():
            cache.forget_child(child_id)

    def catch_up(self) -> int:
        """Forget the children other processes have forgotten since the last look."""
        with self._lock:
            rows = self.db.query(
                "SELECT seq, child_id FROM forgotten_children WHERE seq > ? ORDER BY seq",
                (self._seen,))
            for seq, child_id in rows:
                self._forget_here(UUID(child_id))
                self._seen = int(seq)
        return len(rows)

    def start(self) -> None:
        """Read the stamp every `POLL_SECONDS` in the background."""
        self._poll.start()

    def stop(self) -> None:
        self._poll.stop()

