"""Diary days kept decoded in memory between commands (the `KeptAggregates` port).

A nursery records on today's days, many times each; keeping them saves replaying and
decrypting a whole day for every entry. A kept day is changed only by the one writer
of its child's diary in this process (`writers`); it is behind the store only when
another process wrote to it, which the store's version check catches.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any
from uuid import UUID

KEPT = 2000  # diary days kept (a nursery records on today's)


class KeptDays:
    """The most recently used diary days, at most `size` of them."""

    def __init__(self, size: int = KEPT):
        self._size = size
        self._days: OrderedDict[UUID, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, aggregate_id: UUID) -> Any | None:
        with self._lock:
            day = self._days.get(aggregate_id)
            if day is not None:
                self._days.move_to_end(aggregate_id)
            return day

    def keep(self, aggregate: Any) -> None:
        with self._lock:
            self._days[aggregate.id] = aggregate
            self._days.move_to_end(aggregate.id)
            while len(self._days) > self._size:
                self._days.popitem(last=False)

    def forget(self, aggregate_id: UUID) -> None:
        with self._lock:
            self._days.pop(aggregate_id, None)

    def forget_child(self, child_id: UUID) -> int:
        """Drop every kept day of this child; how many were dropped."""
        with self._lock:
            gone = [k for k, day in self._days.items() if day.child_id == child_id]
            for key in gone:
                del self._days[key]
            return len(gone)

    def __len__(self) -> int:
        return len(self._days)
