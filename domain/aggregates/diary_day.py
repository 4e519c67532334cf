"""DiaryDay: one child's day at nursery, recorded by staff and shared with parents.

One aggregate per child per date; its id is derived from both (`DiaryDay.id_for`),
so the first entry of a day creates it and two tablets never create two. Entries are
recorded, corrected (a new version; earlier versions stay in the history) and
retracted (a manager, with a reason). Medication needs a parent's permission covering
the date; incidents are acknowledged by a parent; parents and staff post messages.
Once staff end the child's session, staff entries recorded later are flagged late
(policy: daily information is uploaded before the end of the child's session).

Each entry's data is kept in the event field `entry` (personal data, sealed with the
child's key; medication and incident entries with the retention key) and its `kind`
as a plain field for reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain import access
from domain.actor import Actor
from domain.aggregates.base import NurseryAggregate
from domain.aggregates.medication_permission import MedicationPermission
from domain.diary_entries import (
    Entry,
    Medication,
    Sleep,
    check_times,
    to_record,
    zone,
)
from domain.errors import Conflict, Forbidden, Invalid, NotFound

MAX_MESSAGE = 2000
MAX_REASON = 1000


@dataclass(frozen=True)
class DiaryEntry:
    """The state of one entry of the day (not stored: rebuilt from the events)."""

    entry_id: UUID
    kind: str
    record: dict | None
    version: int
    recorded_by: UUID
    recorded_at: datetime
    late: bool
    history: list[dict] = field(default_factory=list)
    retracted: bool = False
    reason: str | None = None
    acknowledged_by: list[UUID] = field(default_factory=list)

    @property
    def open_sleep(self) -> bool:
        return (self.kind == "sleep" and not self.retracted and isinstance(self.record, dict)
                and self.record.get("end") is None)


@dataclass
class DiaryMessage:
    """A message on the day, from a parent or from staff."""

    message_id: UUID
    text: str
    author_id: UUID
    author_role: str
    at: datetime


def _interval(record: dict | None) -> tuple[datetime, datetime | None] | None:
    if not isinstance(record, dict) or not record.get("start"):
        return None
    start = datetime.fromisoformat(record["start"])
    end = datetime.fromisoformat(record["end"]) if record.get("end") else None
    return start, end


def _overlaps(a: tuple[datetime, datetime | None], b: tuple[datetime, datetime | None]) -> bool:
    """Half-open intervals [start, end); an open sleep runs on for ever."""
    a_start, a_end = a
    b_start, b_end = b
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)


def _author_id(actor: Any) -> UUID:
    account_id = actor.account_id if not isinstance(actor, dict) else actor["account_id"]
    return account_id if isinstance(account_id, UUID) else UUID(str(account_id))


class DiaryDay(NurseryAggregate):
    """A child's diary for one date."""

    @staticmethod
    def id_for(child_id: UUID, day: date) -> UUID:
        """The id of a child's diary day: the same child and date give the same id."""
        return uuid5(NAMESPACE_URL, f"journey:diary:{child_id}:{day.isoformat()}")

    @classmethod
    def create_id(cls, child_id: UUID, day: date, **_: Any) -> UUID:
        return cls.id_for(child_id, day)

    @event("Started")
    def __init__(self, child_id: UUID, setting_id: UUID, day: date, actor: Actor,
                 at: datetime):
        self.child_id = child_id
        self.setting_id = setting_id
        self.day = day
        self.entries: dict[UUID, DiaryEntry] = {}
        self.messages: list[DiaryMessage] = []
        self.session_ended_at: datetime | None = None

    def __deepcopy__(self, memo: dict) -> DiaryDay:
        """A copy whose changes never reach this one, made cheaply: entries and messages
        are never changed in place (a change replaces the entry), so only the
        containers are copied."""
        copied = object.__new__(type(self))
        state = dict(self.__dict__)
        state["entries"] = dict(self.entries)
        state["messages"] = list(self.messages)
        state["_pending_events"] = list(self._pending_events)
        copied.__dict__.update(state)
        return copied

    @classmethod
    def start(cls, child_id: UUID, setting_id: UUID, day: date, actor: Actor,
              at: datetime) -> DiaryDay:
        """Open the diary of a child for a date (done by its first entry or message).

        `setting_id` is the child's own setting (from its enrolment), never the actor's.
        """
        access.require_may_act_on_child(actor, setting_id, child_id)
        return cls(child_id=child_id, setting_id=setting_id, day=day, actor=actor, at=at)

    # ---- rules -------------------------------------------------------------

    def require_actor(self, actor: Actor) -> None:
        """The actor may act on this child (`domain.access`), else 404 (403 for an
        unsigned agreement or a support account)."""
        access.require_may_act_on_child(actor, self.setting_id, self.child_id)

    def is_late(self, at: datetime, timezone: str) -> bool:
        """Whether a staff entry recorded at `at` comes after the end of the session
        (or on a later date than the diary's)."""
        if self.session_ended_at is not None and at >= self.session_ended_at:
            return True
        return at.astimezone(zone(timezone)).date() > self.day

    def entry(self, entry_id: UUID) -> DiaryEntry:
        """The entry with this id, or NotFound."""
        found = self.entries.get(entry_id)
        if found is None:
            raise NotFound("There is no such entry in this diary day.")
        return found

    def _check_sleep(self, sleep: Sleep, except_id: UUID | None = None) -> None:
        new = (sleep.start, sleep.end)
        for other in self.entries.values():
            if other.kind != "sleep" or other.retracted or other.entry_id == except_id:
                continue
            interval = _interval(other.record)
            if interval is not None and _overlaps(new, interval):
                raise Conflict("This sleep overlaps another sleep of the child on this day; "
                               "a child sleeps once at a time.")

    def _check_medication(self, medication: Medication,
                          permission: MedicationPermission | None) -> None:
        if permission is None or not permission.covers(self.child_id, self.day):
            raise Conflict(
                "Medication can only be given with a parent's prior written permission "
                "covering this date; record the permission first (field 'permission_id')."
            )
        if not permission.allows(medication.medicine):
            raise Conflict("The field 'medicine' does not match the medicine of the parent's "
                           "permission; medication is given only as permitted.")

    def _check(self, entry: Entry, timezone: str, at: datetime,
               permission: MedicationPermission | None, except_id: UUID | None = None
               ) -> None:
        check_times(entry, self.day, timezone, at)
        if isinstance(entry, Sleep):
            self._check_sleep(entry, except_id)
        if isinstance(entry, Medication):
            self._check_medication(entry, permission)

    def _open_sleep_started(self, start: datetime) -> DiaryEntry | None:
        for other in self.entries.values():
            interval = _interval(other.record) if other.open_sleep else None
            if interval is not None and interval[0] == start:
                return other
        return None

    def asleep_at(self, entry: Entry, timezone: str) -> list[str]:
        """Warnings, not refusals: the sentences for an entry (not a sleep) whose time
        falls inside a sleep recorded on the day (an open sleep runs on)."""
        if isinstance(entry, Sleep):
            return []
        tz = zone(timezone)
        warnings = []
        for name, moment in entry.times():
            for other in self.entries.values():
                interval = _interval(other.record) if other.kind == "sleep" and not (
                    other.retracted) else None
                if interval is None or not _overlaps((moment, moment), interval):
                    continue
                start, end = (t.astimezone(tz).strftime("%H:%M") if t else None
                              for t in interval)
                during = f"from {start} to {end}" if end else f"since {start}"
                warnings.append(
                    f"The field '{name}' ({moment.astimezone(tz):%H:%M}) falls while the "
                    f"child was asleep ({during}): check the time or the sleep.")
        return warnings

    # ---- commands ----------------------------------------------------------

    def record(self, entry: Entry, entry_id: UUID, timezone: str, actor: Actor,
               at: datetime, permission: MedicationPermission | None = None
               ) -> tuple[UUID, bool]:
        """Record a staff entry; returns its id and whether it is late (an entry is late
        if first recorded after the end of the session).

        A sleep with an `end` and the same `start` as the child's open sleep ends that
        sleep (a new version of it) and returns its id.
        """
        self.require_actor(actor)
        if not actor.is_staff:
            raise Forbidden("Only staff record diary entries.")
        late = self.is_late(at, timezone)
        record = to_record(entry)
        if isinstance(entry, Sleep) and entry.end is not None:
            check_times(entry, self.day, timezone, at)
            open_sleep = self._open_sleep_started(entry.start)
            if open_sleep is not None:
                self._check_sleep(entry, except_id=open_sleep.entry_id)
                self._sleep_ended(open_sleep.entry_id, "sleep", record,
                                  open_sleep.version + 1, late, actor, at)
                return open_sleep.entry_id, open_sleep.late  # as when first recorded
        self._check(entry, timezone, at, permission)
        kind = record["kind"]
        if kind == "medication":
            self._medication_given(entry_id, kind, record, late, actor, at)
        elif kind == "incident":
            self._incident_recorded(entry_id, kind, record, late, actor, at)
        else:
            self._entry_recorded(entry_id, kind, record, late, actor, at)
        return entry_id, late

    def correct(self, entry_id: UUID, entry: Entry, base_version: int, timezone: str,
                actor: Actor, at: datetime,
                permission: MedicationPermission | None = None) -> int:
        """Correct an entry (staff): a new version; the old one stays in the history.

        `base_version` is the version the correction started from; if the entry changed
        since, the correction is refused (409). Returns the new version.
        """
        self.require_actor(actor)
        if not actor.is_staff:
            raise Forbidden("Only staff correct diary entries.")
        current = self.entry(entry_id)
        if current.retracted:
            raise Conflict("This entry was retracted; it can no longer be corrected.")
        if base_version != current.version:
            raise Conflict(f"This entry changed since version {base_version} (it is at "
                           f"version {current.version}); reload it and try again.")
        record = to_record(entry)
        if record["kind"] != current.kind:
            raise Invalid(f"The field 'kind' must stay '{current.kind}': a correction "
                          "cannot change the kind of an entry.", "kind")
        self._check(entry, timezone, at, permission, except_id=entry_id)
        version = current.version + 1
        self._entry_corrected(entry_id, current.kind, record, version,
                              self.is_late(at, timezone), actor, at)
        return version

    def retract(self, entry_id: UUID, reason: str, actor: Actor, at: datetime) -> None:
        """Retract an entry (a manager, with a reason). It stays in the history."""
        self.require_actor(actor)
        if not actor.is_manager:
            raise Forbidden("Only a manager retracts diary entries.")
        if not isinstance(reason, str) or not reason.strip():
            raise Invalid("The field 'reason' must say why the entry is retracted.", "reason")
        if len(reason) > MAX_REASON:
            raise Invalid(f"The field 'reason' must be at most {MAX_REASON} characters.",
                          "reason")
        current = self.entry(entry_id)
        if current.retracted:
            raise Conflict("This entry was already retracted.")
        self._entry_retracted(entry_id, current.kind, reason.strip(), actor, at)

    def acknowledge(self, entry_id: UUID, actor: Actor, at: datetime) -> bool:
        """A parent acknowledges an incident; False when they already had (nothing new)."""
        self.require_actor(actor)
        if not actor.is_parent:
            raise NotFound("There is no such incident.")
        current = self.entries.get(entry_id)
        if current is None or current.kind != "incident" or current.retracted:
            raise NotFound("There is no such incident.")
        if actor.account_id in current.acknowledged_by:
            return False
        self._incident_acknowledged(entry_id, "incident", actor, at)
        return True

    def post_message(self, message_id: UUID, text: str, actor: Actor, at: datetime) -> None:
        """A parent or a member of staff posts a message on the child's day."""
        self.require_actor(actor)
        if not isinstance(text, str) or not text.strip():
            raise Invalid("The field 'text' must not be blank.", "text")
        if len(text) > MAX_MESSAGE:
            raise Invalid(f"The field 'text' must be at most {MAX_MESSAGE} characters.",
                          "text")
        role = "staff" if actor.is_staff else "parent"
        self._message_posted(message_id, text.strip(), role, actor, at)

    def end_session(self, timezone: str, actor: Actor, at: datetime) -> None:
        """Staff end the child's session; staff entries recorded after it are late."""
        self.require_actor(actor)
        if not actor.is_staff:
            raise Forbidden("Only staff end a child's session.")
        if self.session_ended_at is not None:
            raise Conflict("The child's session on this day has already ended.")
        if at.astimezone(zone(timezone)).date() < self.day:
            raise Conflict("The session of a day still to come cannot end yet.")
        self._session_ended(actor, at)

    # ---- events ------------------------------------------------------------

    def _add(self, entry_id: UUID, kind: str, entry: dict | None, late: bool, actor: Any,
             at: datetime) -> None:
        self.entries[entry_id] = DiaryEntry(
            entry_id=entry_id, kind=kind, record=entry, version=1,
            recorded_by=_author_id(actor), recorded_at=at, late=late,
        )

    @event("EntryRecorded")
    def _entry_recorded(self, entry_id: UUID, kind: str, entry: dict, late: bool,
                        actor: Actor, at: datetime) -> None:
        self._add(entry_id, kind, entry, late, actor, at)

    @event("MedicationGiven")
    def _medication_given(self, entry_id: UUID, kind: str, entry: dict, late: bool,
                          actor: Actor, at: datetime) -> None:
        self._add(entry_id, kind, entry, late, actor, at)

    @event("IncidentRecorded")
    def _incident_recorded(self, entry_id: UUID, kind: str, entry: dict, late: bool,
                           actor: Actor, at: datetime) -> None:
        self._add(entry_id, kind, entry, late, actor, at)

    def _new_version(self, entry_id: UUID, entry: dict | None, version: int, actor: Any,
                     at: datetime) -> None:
        current = self.entries[entry_id]
        self.entries[entry_id] = replace(
            current,
            history=[*current.history, {
                "version": current.version, "entry": current.record,
                "by": current.recorded_by, "at": current.recorded_at,
            }],
            record=entry, version=version, recorded_by=_author_id(actor), recorded_at=at)

    @event("SleepEnded")
    def _sleep_ended(self, entry_id: UUID, kind: str, entry: dict, version: int, late: bool,
                     actor: Actor, at: datetime) -> None:
        self._new_version(entry_id, entry, version, actor, at)

    @event("EntryCorrected")
    def _entry_corrected(self, entry_id: UUID, kind: str, entry: dict, version: int,
                         late: bool, actor: Actor, at: datetime) -> None:
        self._new_version(entry_id, entry, version, actor, at)

    @event("EntryRetracted")
    def _entry_retracted(self, entry_id: UUID, kind: str, reason: str, actor: Actor,
                         at: datetime) -> None:
        self.entries[entry_id] = replace(self.entries[entry_id], retracted=True, reason=reason)

    @event("IncidentAcknowledged")
    def _incident_acknowledged(self, entry_id: UUID, kind: str, actor: Actor,
                               at: datetime) -> None:
        current = self.entries[entry_id]
        self.entries[entry_id] = replace(
            current, acknowledged_by=[*current.acknowledged_by, _author_id(actor)])

    @event("MessagePosted")
    def _message_posted(self, message_id: UUID, text: str, author_role: str, actor: Actor,
                        at: datetime) -> None:
        self.messages.append(DiaryMessage(message_id, text, _author_id(actor), author_role, at))

    @event("SessionEnded")
    def _session_ended(self, actor: Actor, at: datetime) -> None:
        self.session_ended_at = at
