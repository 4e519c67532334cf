"""Saves from concurrent commands, written to the event store together.

The PostgreSQL recorder locks the events table for each insert, so writers queue
there; each command's insert also costs its own transaction. Commands that append to
independent aggregates (a diary day per child) hand their new events to a
`SaveTogether`: the first to arrive writes everything queued in one `save()`, the
others wait for it, and the next to arrive meanwhile writes the next batch. A batch
that fails the store's version check is written again one command at a time, so each
command learns whether its own aggregate was the one that moved on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError


class _Pending:
    """One command's events, and what became of them."""

    __slots__ = ("events", "done", "lead", "notification_id", "error")

    def __init__(self, events: Sequence[Any]):
        self.events = events
        self.done = threading.Event()
        self.lead = False
        self.notification_id = 0
        self.error: BaseException | None = None

    def outcome(self) -> int:
        if self.error is not None:
            raise self.error
        return self.notification_id


class SaveTogether:
    """Group commit over an application's `save(*events)` (the `SaveEvents` port)."""

    def __init__(self, save: Callable[..., list[Any]], limit: int = 100):
        self._save = save
        self._limit = limit
        self._lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._writing = False
        self.batches = 0  # how many transactions were written (for tests and benches)

    def __call__(self, events: Sequence[Any]) -> int:
        """Write these events (with others'); the last notification id of ours.

        Raises the store's IntegrityError if our aggregate had moved on.
        """
        pending = _Pending(events)
        with self._lock:
            self._queue.append(pending)
            lead = not self._writing
            self._writing = True
        if not lead:
            pending.done.wait()
            if not pending.lead:
                return pending.outcome()
        self._lead()
        return pending.outcome()

    def _lead(self) -> None:
        """Write batches until ours is written, then hand over to the next in line."""
        try:
            with self._lock:
                batch, self._queue = self._queue[:self._limit], self._queue[self._limit:]
            self._write(batch)
        finally:
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.done.set()
                else:
                    self._writing = False

    def _write(self, batch: list[_Pending]) -> None:
        try:
            self._record(batch)
        except IntegrityError as error:
            if len(batch) == 1:
                batch[0].error = error
            else:
                for pending in batch:
                    try:
                        self._record([pending])
                    except Exception as error:  # noqa: BLE001 - handed to its command
                        pending.error = error
        except BaseException as error:
            for pending in batch:
                pending.error = error
        finally:
            for pending in batch:
                pending.done.set()

    def _record(self, batch: list[_Pending]) -> None:
        recordings = self._save(*[event for pending in batch for event in pending.events])
        self.batches += 1
        last_of = {id(r.domain_event): r.notification.id for r in recordings
                   if r.notification is not None}
        for pending in batch:
            pending.notification_id = max(
                (last_of.get(id(event), 0) for event in pending.events), default=0)
