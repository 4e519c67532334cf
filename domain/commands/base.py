"""What every group of commands shares: saving with conflict detection, loading by id."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.aggregates.child_journey import ChildJourney
from domain.errors import ChangedMeanwhile, NotFound
from domain.ports import NoWriters, Writers

A = TypeVar("A")
T = TypeVar("T")
C = TypeVar("C", bound=Callable[..., Any])

ATTEMPTS = 10  # runs of a command whose aggregate another process saved first


def one_writer(kind: str) -> Callable[[C], C]:
    """Decorate a command whose first argument is a child id: it runs as the only
    writer of that child's `kind` (journey, diary) in this process, and again on the
    stored state if another process saved first. Nothing is saved unless the command
    succeeds, so a rerun is the command judged on the current state, as if it had
    arrived a moment later: additions never refuse each other."""

    def decorate(command: C) -> C:
        @functools.wraps(command)
        def run(self: Commands, child_id: UUID, *args: Any, **kwargs: Any) -> Any:
            return self._one_writer((kind, child_id),
                                    lambda: command(self, child_id, *args, **kwargs))

        return run  # type: ignore[return-value]

    return decorate


class Commands:
    """Mixin base: `_save` returns the log position of the last event saved."""

    repository: Any
    save: Any  # provided by eventsourcing's Application
    writers: Writers = NoWriters()  # the composition root gives the real one

    def _save(self, *aggregates: Any) -> int:
        """Save the aggregates in one transaction; a concurrent change is ChangedMeanwhile
        (a Conflict, which `one_writer` commands run again)."""
        try:
            recordings = self.save(*aggregates)
        except IntegrityError as error:
            raise ChangedMeanwhile() from error
        return recordings[-1].notification.id if recordings else 0

    def _one_writer(self, key: Hashable, attempt: Callable[[], T]) -> T:
        """`attempt` (read, change, save) as the only writer of `key` in this process,
        run again while another process saves first."""
        with self.writers.one_at_a_time(key):
            for remaining in reversed(range(ATTEMPTS)):
                try:
                    return attempt()
                except ChangedMeanwhile:
                    if not remaining:
                        raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _load(self, aggregate_id: UUID, kind: type[A], detail: str = "Not found.") -> A:
        """The aggregate of this kind with this id, or NotFound."""
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError as error:
            raise NotFound(detail) from error
        if not isinstance(aggregate, kind):
            raise NotFound(detail)
        return aggregate

    def _child_setting(self, child_id: UUID) -> UUID:
        """The setting a child was enrolled in (read from its enrolment alone), or
        NotFound. Aggregates about a child are opened in the child's setting, never
        in the one a caller names."""
        try:
            enrolled = self.repository.get(child_id, version=1)
        except AggregateNotFoundError as error:
            raise NotFound("No such child.") from error
        if not isinstance(enrolled, ChildJourney):
            raise NotFound("No such child.")
        return enrolled.setting_id

    def _find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        """The aggregate if it exists, else None."""
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, kind) else None
