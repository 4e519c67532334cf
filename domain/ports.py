"""What the application is given by the composition root (`adapters/bootstrap.py`).

The domain says what it needs; `adapters/storage/` says how. The defaults here suit a
single thread (unit tests): no locking, each command its own transaction, nothing kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Sequence
from contextlib import AbstractContextManager as ContextManager
from typing import Any, Protocol
from uuid import UUID


class Writers(Protocol):
    """One writer at a time per key (e.g. a child's journey) in this process."""

    def one_at_a_time(self, key: Hashable) -> ContextManager[Any]: ...


class SaveEvents(Protocol):
    """Write these new events; the last notification id of theirs. Raises the event
    store's IntegrityError if their aggregate had moved on."""

    def __call__(self, events: Sequence[Any]) -> int: ...


class KeptAggregates(Protocol):
    """Aggregates kept decoded in memory between commands (diary days)."""

    def get(self, aggregate_id: UUID) -> Any | None: ...

    def keep(self, aggregate: Any) -> None: ...

    def forget(self, aggregate_id: UUID) -> None: ...


class NoWriters:
    """Nothing held: a single thread never races itself."""

    def one_at_a_time(self, key: Hashable) -> ContextManager[Any]:
        return contextlib.nullcontext()


class NothingKept:
    """Every command reads the aggregate afresh."""

    def get(self, aggregate_id: UUID) -> Any | None:
        return None

    def keep(self, aggregate: Any) -> None:
        return None

    def forget(self, aggregate_id: UUID) -> None:
        return None


def save_each(save: Callable[..., list[Any]]) -> SaveEvents:
    """Each command's events in a transaction of their own."""

    def saved(events: Sequence[Any]) -> int:
        recordings = save(*events)
        return recordings[-1].notification.id if recordings else 0

    return saved
