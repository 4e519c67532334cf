"""How many events of each kind the views have applied: a check that no event is ever
applied twice (it must equal the count in the log, whatever processes led and died),
and a figure for operators.

Listens to every event; writes `event_counts`. Holds no personal data.
"""

from __future__ import annotations

from typing import Any

from projections.engine import Projection


class EventCounts(Projection):
    """Events applied, per kind (`Aggregate.Event`)."""

    name = "counters"
    schema = (
        """CREATE TABLE IF NOT EXISTS event_counts (
            kind TEXT PRIMARY KEY,
            applied BIGINT NOT NULL)""",
    )
    tables = ("event_counts",)

    def wants(self, topic: str) -> bool:
        return True

    def process(self, event: Any, topic: str, tx: Any) -> None:
        tx.execute("INSERT INTO event_counts (kind, applied) VALUES (?, 1) "
                   "ON CONFLICT (kind) DO UPDATE SET applied = event_counts.applied + 1",
                   (topic.rpartition(":")[2],))


def applied_counts(db: Any) -> dict[str, int]:
    """Events applied so far, per kind."""
    return {kind: int(n) for kind, n in db.query("SELECT kind, applied FROM event_counts")}
