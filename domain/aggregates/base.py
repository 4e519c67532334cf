"""The base of every aggregate: time is passed in, never read from a clock."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate


class NurseryAggregate(Aggregate):
    """An aggregate whose events take their timestamp from the command's `at`.

    Every decorated event method takes `actor` (an `Actor`) and `at` (an aware
    datetime); the event records both. Aggregates about one child expose
    `child_id`, which every later event carries so that storage can seal its
    personal fields with that child's key.
    """

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        if kwargs.get("at") is not None:
            kwargs["timestamp"] = kwargs["at"]
        return super()._create(event_class, id=id, **kwargs)

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        if kwargs.get("at") is not None:
            kwargs["timestamp"] = kwargs["at"]
        super().trigger_event(event_class, **kwargs)
        child_id = getattr(self, "child_id", None)
        new_event = self.pending_events[-1]
        if child_id is not None and "child_id" not in vars(new_event):
            object.__setattr__(new_event, "child_id", child_id)
