"""The service: the event-sourced application of a deployment hosting many settings (a
setting is a nursery), one method per command, grouped by feature in `domain.commands`.

Every command takes the acting `Actor` and the time `at` (time is passed in, never
read), and returns the log position of what it saved, so that a caller can wait until
the read models have caught up (read your own writes).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Mapper, Transcoder, Transcoding

from domain.actor import Actor
from domain.commands.consent import ConsentCommands
from domain.commands.custody import CustodyCommands
from domain.commands.diary import DiaryCommands
from domain.commands.identity import IdentityCommands
from domain.commands.journey import JourneyCommands
from domain.commands.lifecycle import LifecycleCommands
from domain.commands.media import MediaCommands
from domain.ports import KeptAggregates, SaveEvents, Writers, save_each


class DateAsISO(Transcoding):
    """Dates as `YYYY-MM-DD`."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ActorAsDict(Transcoding):
    """The actor as ids and roles."""

    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict:
        return {
            "account_id": obj.account_id,
            "setting_id": obj.setting_id,
            "roles": list(obj.roles),
            "device_id": obj.device_id,
        }

    def decode(self, data: dict) -> Actor:
        return Actor(
            account_id=data["account_id"],
            setting_id=data["setting_id"],
            roles=tuple(data["roles"]),
            device_id=data["device_id"],
        )


class JourneyService(
    IdentityCommands,
    JourneyCommands,
    MediaCommands,
    ConsentCommands,
    DiaryCommands,
    CustodyCommands,
    LifecycleCommands,
    Application,
):
    """The Learning Journey and diary service of a deployment hosting many settings."""

    # The library names the stored tables after the application (`nursery_events`):
    # the name stays so that existing event stores keep their tables.
    name = "Nursery"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        mapper_factory: Callable[[Transcoder], Mapper] | None = None,
    ):
        self._mapper_factory = mapper_factory
        super().__init__(env=env)
        self.save_events = save_each(self.save)

    def given(self, writers: Writers, save_events: SaveEvents,
              kept_days: KeptAggregates) -> None:
        """Take the concurrency ports from the composition root: one writer per aggregate
        in this process, group commit for diary days, and diary days kept decoded."""
        self.writers = writers
        self.save_events = save_events
        self.kept_days = kept_days

    def construct_mapper(self) -> Mapper:
        if self._mapper_factory is None:
            return super().construct_mapper()
        return self._mapper_factory(self.construct_transcoder())

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(ActorAsDict())
