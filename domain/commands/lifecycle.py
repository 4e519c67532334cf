"""Children leaving, erasure of a child's journey, the end of legal retention."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from domain.actor import Actor
from domain.aggregates.child_journey import LEAVER_ACCESS_DAYS, ChildJourney
from domain.aggregates.setting import Setting
from domain.commands.base import Commands
from domain.errors import NotFound


class LifecycleCommands(Commands):
    """Children leaving, erasure, the end of legal retention."""

    def _child(self, child_id: UUID, actor: Actor) -> ChildJourney:
        journey = self._load(child_id, ChildJourney, "No such child.")
        if journey.setting_id != actor.setting_id:
            raise NotFound("No such child.")
        return journey

    def leave_child(self, child_id: UUID, left_on: date, actor: Actor, at: datetime,
                    parent_access_days: int = LEAVER_ACCESS_DAYS) -> int:
        """A manager records the date a child leaves the setting."""
        journey = self._child(child_id, actor)
        journey.leave(left_on, actor, at, parent_access_days)
        return self._save(journey)

    def erase_child(self, child_id: UUID, confirm: str, withdrawn_media: list[UUID],
                    actor: Actor, at: datetime) -> tuple[ChildJourney, int]:
        """A manager erases a child's journey (the adapter then shreds the journey key)."""
        journey = self._child(child_id, actor)
        journey.erase(confirm, withdrawn_media, actor, at)
        return journey, self._save(journey)

    def end_retention(self, child_id: UUID, actor: Actor, at: datetime) -> int:
        """The retention of an erased child's records ended (the adapter then shreds the
        retention key)."""
        journey = self._load(child_id, ChildJourney, "No such child.")
        journey.end_retention(actor, at)
        return self._save(journey)

    # termination of a setting

    def request_termination(self, mode: str, archive_days: object, job_id: UUID,
                            actor: Actor, at: datetime) -> tuple[datetime, int]:
        """A manager terminates the setting's account (archive for N days, or delete)."""
        setting = self._load(actor.setting_id, Setting, "No such setting.")
        delete_after = setting.request_termination(mode, archive_days, job_id, actor, at)
        return delete_after, self._save(setting)

    def cancel_termination(self, actor: Actor, at: datetime) -> int:
        """A manager cancels an archive before the deletion starts."""
        setting = self._load(actor.setting_id, Setting, "No such setting.")
        setting.cancel_termination(actor, at)
        return self._save(setting)

    def start_deletion(self, setting_id: UUID, actor: Actor, at: datetime) -> int:
        setting = self._load(setting_id, Setting, "No such setting.")
        setting.start_deletion(actor, at)
        return self._save(setting)

    def finish_deletion(self, setting_id: UUID, actor: Actor, at: datetime) -> int:
        setting = self._load(setting_id, Setting, "No such setting.")
        setting.finish_deletion(actor, at)
        return self._save(setting)
