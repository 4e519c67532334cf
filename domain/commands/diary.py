"""Each child's diary day: care entries, messages, end of session, medication permissions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, NamedTuple, TypeVar
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from domain.actor import STAFF_ROLES, Actor
from domain.aggregates.account import Account
from domain.aggregates.diary_day import DiaryDay
from domain.aggregates.medication_permission import MedicationPermission
from domain.commands.base import Commands, one_writer
from domain.diary_entries import Entry, Incident, Medication, on_the_day, parse_entry
from domain.errors import ChangedMeanwhile, Conflict, DomainError, Invalid, NotFound
from domain.ports import KeptAggregates, NothingKept, SaveEvents

T = TypeVar("T")


class RecordedEntry(NamedTuple):
    """What recording an entry did: its id, whether it is late, the log position."""

    entry_id: UUID
    late: bool
    position: int
    warnings: tuple[str, ...] = ()


class CorrectedEntry(NamedTuple):
    """The new version of a corrected entry, and the log position."""

    version: int
    position: int


class RecordedPermission(NamedTuple):
    """The id of a recorded medication permission, and the log position."""

    permission_id: UUID
    position: int


class DiaryCommands(Commands):
    """Each child's diary day: care entries, messages, end of session."""

    kept_days: KeptAggregates = NothingKept()  # the composition root gives the real ones
    save_events: SaveEvents  # each command's own transaction unless given group commit

    # ---- helpers -----------------------------------------------------------

    def _diary_day(self, child_id: UUID, setting_id: UUID, day: date, actor: Actor,
                   at: datetime, create: bool = True) -> DiaryDay:
        """The day as the store has it (started if new and `create`)."""
        found = self._find(DiaryDay.id_for(child_id, day), DiaryDay)
        if found is None:
            if not create:
                raise NotFound("There is nothing in this child's diary on that date.")
            return DiaryDay.start(child_id, self._child_setting(child_id), day, actor, at)
        if found.setting_id != setting_id or found.child_id != child_id:
            raise NotFound()
        found.require_actor(actor)
        return found

    def _on_day(self, child_id: UUID, setting_id: UUID, day: date, actor: Actor,
                at: datetime, change: Callable[[DiaryDay], T], create: bool = True
                ) -> tuple[T, int]:
        """Apply `change` to the day and save (in a `one_writer("diary")` command).

        The day kept in memory (`kept_days`) is used when there is one, so recording on
        a busy day neither replays (and decrypts) the whole day nor asks the store what
        is new. It is behind only if another process wrote to the day: a refusal on it
        is judged again on the day read afresh, and a save it fails (the store's version
        check) is ChangedMeanwhile, which runs the command again. New events go to
        `save_events`, which may write them together with other commands' (group
        commit).
        """
        day_id = DiaryDay.id_for(child_id, day)
        for fresh in (False, True):
            day_ = None if fresh else self.kept_days.get(day_id)
            if day_ is None and not fresh:
                continue
            try:
                if day_ is None:
                    day_ = self._diary_day(child_id, setting_id, day, actor, at, create)
                elif day_.setting_id != setting_id or day_.child_id != child_id:
                    raise NotFound()
                else:
                    day_.require_actor(actor)
                result = change(day_)
                events = day_.collect_events()
                position = self.save_events(events) if events else 0
            except IntegrityError as error:
                self.kept_days.forget(day_id)
                raise ChangedMeanwhile() from error
            except DomainError:
                self.kept_days.forget(day_id)
                if fresh:
                    raise
                continue  # judge it again on the day as the store has it
            except BaseException:
                self.kept_days.forget(day_id)
                raise
            self.kept_days.keep(day_)
            return result, position
        raise AssertionError("unreachable")  # pragma: no cover

    def _staff_member(self, account_id: UUID, setting_id: UUID, field: str) -> None:
        account = self._find(account_id, Account)
        if (account is None or account.setting_id != setting_id or account.disabled
                or not any(role in STAFF_ROLES for role in account.roles)):
            raise Invalid(f"The field '{field}' must name a member of staff of this setting.",
                          field)

    def _permission_for(self, entry: Entry, setting_id: UUID) -> MedicationPermission | None:
        if isinstance(entry, Incident):
            self._staff_member(entry.by, setting_id, "by")
        if not isinstance(entry, Medication):
            return None
        self._staff_member(entry.given_by, setting_id, "given_by")
        self._staff_member(entry.witnessed_by, setting_id, "witnessed_by")
        permission = self._find(entry.permission_id, MedicationPermission)
        if permission is None or permission.setting_id != setting_id:
            return None
        return permission

    # ---- commands ----------------------------------------------------------

    @one_writer("diary")
    def record_diary_entry(self, child_id: UUID, setting_id: UUID, day: date, data: Any,
                           timezone: str, actor: Actor, at: datetime) -> RecordedEntry:
        """Record an entry of any kind on a child's day (staff)."""
        entry = parse_entry(data, day, timezone)
        permission = self._permission_for(entry, setting_id)
        entry_id = uuid4()
        ((recorded_id, late), warnings), position = self._on_day(
            child_id, setting_id, day, actor, at,
            lambda d: (d.record(entry, entry_id, timezone, actor, at, permission),
                       d.asleep_at(entry, timezone)),
        )
        return RecordedEntry(recorded_id, late, position, tuple(warnings))

    @one_writer("diary")
    def correct_diary_entry(self, child_id: UUID, setting_id: UUID, day: date,
                            entry_id: UUID, base_version: int, changes: Any, timezone: str,
                            actor: Actor, at: datetime) -> CorrectedEntry:
        """Correct an entry (staff): the fields in `changes` replace those of the current
        version, making a new version; refused (409) if it changed since `base_version`."""
        if not isinstance(changes, dict):
            raise Invalid("The body must be a JSON object of the fields to correct.", None)
        if isinstance(base_version, bool) or not isinstance(base_version, int):
            raise Invalid("The field 'base_version' is required: the version of the entry "
                          "the correction starts from.", "base_version")
        try:
            diary = self._diary_day(child_id, setting_id, day, actor, at, create=False)
            current = diary.entry(entry_id)
        except NotFound as error:
            raise NotFound("There is no such entry in this diary day.") from error
        if not isinstance(current.record, dict):
            raise Conflict("This entry can no longer be read (erased); it cannot be corrected.")
        if changes.get("kind", current.kind) != current.kind:
            raise Invalid(f"The field 'kind' must stay '{current.kind}': a correction "
                          "cannot change the kind of an entry.", "kind")
        entry = parse_entry({**current.record, **on_the_day(changes, day, timezone)})
        permission = self._permission_for(entry, setting_id)
        version = diary.correct(entry_id, entry, base_version, timezone, actor, at, permission)
        self.kept_days.forget(diary.id)
        return CorrectedEntry(version, self._save(diary))

    @one_writer("diary")
    def retract_diary_entry(self, child_id: UUID, setting_id: UUID, day: date,
                            entry_id: UUID, reason: str, actor: Actor, at: datetime) -> int:
        """Retract an entry (manager, with a reason)."""
        diary = self._diary_day(child_id, setting_id, day, actor, at, create=False)
        diary.retract(entry_id, reason, actor, at)
        self.kept_days.forget(diary.id)
        return self._save(diary)

    @one_writer("diary")
    def acknowledge_incident(self, child_id: UUID, setting_id: UUID, day: date,
                             entry_id: UUID, actor: Actor, at: datetime) -> int:
        """A parent of the child acknowledges an incident (again: nothing new)."""
        try:
            _, position = self._on_day(
                child_id, setting_id, day, actor, at,
                lambda d: d.acknowledge(entry_id, actor, at), create=False,
            )
        except NotFound as error:
            raise NotFound("There is no such incident.") from error
        return position

    @one_writer("diary")
    def post_diary_message(self, child_id: UUID, setting_id: UUID, day: date, text: str,
                           actor: Actor, at: datetime) -> tuple[UUID, int]:
        """A parent or staff posts a message on the child's day; returns its id."""
        message_id = uuid4()
        _, position = self._on_day(
            child_id, setting_id, day, actor, at,
            lambda d: d.post_message(message_id, text, actor, at),
        )
        return message_id, position

    @one_writer("diary")
    def end_diary_session(self, child_id: UUID, setting_id: UUID, day: date, timezone: str,
                          actor: Actor, at: datetime) -> int:
        """Staff end the child's session on that day."""
        _, position = self._on_day(
            child_id, setting_id, day, actor, at,
            lambda d: d.end_session(timezone, actor, at),
        )
        return position

    def record_medication_permission(self, child_id: UUID, setting_id: UUID, medicine: str,
                                     dose: str, valid_from: date, valid_until: date,
                                     actor: Actor, at: datetime) -> RecordedPermission:
        """Record a parent's permission to give a medicine (by the parent, or by staff
        from the signed form)."""
        if setting_id != self._child_setting(child_id):
            raise NotFound("No such child.")
        permission = MedicationPermission.record(child_id, setting_id, medicine, dose,
                                                 valid_from, valid_until, actor, at)
        return RecordedPermission(permission.id, self._save(permission))
