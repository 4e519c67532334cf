"""What every group of commands shares: saving with conflict detection, loading by id."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.aggregates.child_journey import ChildJourney
from domain.errors import Conflict, NotFound

A = TypeVar("A")


class Commands:
    """Mixin base: `_save` returns the log position of the last event saved."""

    repository: Any
    save: Any  # provided by eventsourcing's Application

    def _save(self, *aggregates: Any) -> int:
        """Save the aggregates in one transaction; a concurrent change is a Conflict."""
        try:
            recordings = self.save(*aggregates)
        except IntegrityError as error:
            raise Conflict(
                "Someone else changed this at the same time; reload it and try again."
            ) from error
        return recordings[-1].notification.id if recordings else 0

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
