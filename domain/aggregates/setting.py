"""Setting: a nursery. A deployment hosts many, each fully isolated."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import event

from domain.actor import Actor
from domain.aggregates.base import NurseryAggregate
from domain.errors import Conflict, Forbidden, Invalid
from domain.opening_hours import check_hours, check_timezone

SUPPORT_GRANT_HOURS = 72
ARCHIVE, DELETE = "archive", "delete"
MAX_ARCHIVE_DAYS = 365


class Setting(NurseryAggregate):
    """A nursery: its name, timezone, opening hours, rooms and access rules."""

    @event("Registered")
    def __init__(self, name: str, timezone: str, hours: dict, actor: Actor, at: datetime):
        self.name = name
        self.timezone = timezone
        self.hours = hours
        self.support_grants: dict[UUID, datetime] = {}
        self.terms_version = 0
        self.keep_older_signatures = False
        self.terminated = False
        self.termination: dict | None = None  # mode, delete_after, job_id, requested_by
        self.deletion_started = False
        self.deleted = False

    @classmethod
    def register(cls, name: str, timezone: str, hours: dict, actor: Actor, at: datetime
                 ) -> Setting:
        """Register a setting; the name must not be empty."""
        if not name or not name.strip():
            raise Invalid("The field 'setting' (the setting's name) must not be empty.", "name")
        return cls(name.strip(), check_timezone(timezone), check_hours(hours), actor, at)

    def set_opening_hours(self, timezone: str, days: dict, actor: Actor, at: datetime) -> None:
        """Change the timezone and opening hours; a day missing from `days` is closed."""
        self._opening_hours_set(check_timezone(timezone), check_hours(days), actor, at)

    @event("OpeningHoursSet")
    def _opening_hours_set(self, timezone: str, hours: dict, actor: Actor, at: datetime) -> None:
        self.timezone = timezone
        self.hours = hours

    def grant_support_access(self, account_id: UUID, until: datetime, actor: Actor,
                             at: datetime) -> None:
        """Let a support account read (never write) until a time in the future, at most
        `SUPPORT_GRANT_HOURS` from now; a grant is renewed by granting again."""
        if until.tzinfo is None:
            raise Invalid("The field 'until' must be a time with an offset.", "until")
        if until <= at:
            raise Invalid("The field 'until' must be in the future.", "until")
        if until - at > timedelta(hours=SUPPORT_GRANT_HOURS):
            raise Invalid(f"The field 'until' must be at most {SUPPORT_GRANT_HOURS} hours "
                          "from now: support access is granted for a limited time and "
                          "renewed by granting it again.", "until")
        self._support_access_granted(account_id, until, actor, at)

    @event("SupportAccessGranted")
    def _support_access_granted(self, account_id: UUID, until: datetime, actor: Actor,
                                at: datetime) -> None:
        self.support_grants[account_id] = until

    @event("SupportAccessRevoked")
    def revoke_support_access(self, account_id: UUID, actor: Actor, at: datetime) -> None:
        """End a support grant at once."""
        self.support_grants.pop(account_id, None)

    def publish_terms(self, text: str, actor: Actor, at: datetime,
                      keep_older_signatures: bool = False) -> int:
        """Publish a new version of the parent agreement terms; returns its version.

        Parents must sign the new version, unless `keep_older_signatures` lets the
        signatures of earlier versions stay valid.
        """
        if not isinstance(text, str) or not text.strip():
            raise Invalid("The field 'text' (the terms) must not be empty.", "text")
        if len(text) > 100_000:
            raise Invalid("The field 'text' must be at most 100000 characters.", "text")
        self._terms_published(self.terms_version + 1, text.strip(),
                              bool(keep_older_signatures), actor, at)
        return self.terms_version

    @event("TermsPublished")
    def _terms_published(self, version: int, terms_text: str, keep_older_signatures: bool,
                         actor: Actor, at: datetime) -> None:
        self.terms_version = version
        self.keep_older_signatures = keep_older_signatures

    # termination

    def request_termination(self, mode: str, archive_days: object, job_id: UUID,
                            actor: Actor, at: datetime) -> datetime:
        """A manager ends the setting's account: archived (every account locked out)
        for `archive_days`, then deleted; or deleted at once. Support access ends.
        Returns when the deletion starts."""
        self._require_manager(actor)
        if self.termination is not None:
            raise Conflict("This setting's termination is already under way.")
        if mode not in (ARCHIVE, DELETE):
            raise Invalid("The field 'mode' must be 'archive' or 'delete'.", "mode")
        days = 0
        if mode == ARCHIVE:
            if isinstance(archive_days, bool) or not isinstance(archive_days, int) \
                    or not 1 <= archive_days <= MAX_ARCHIVE_DAYS:
                raise Invalid("The field 'archive_days' must be a whole number of days from "
                              f"1 to {MAX_ARCHIVE_DAYS}.", "archive_days")
            days = archive_days
        delete_after = at + timedelta(days=days)
        self._termination_requested(mode, days, delete_after, job_id, actor, at)
        return delete_after

    @event("TerminationRequested")
    def _termination_requested(self, mode: str, archive_days: int, delete_after: datetime,
                               job_id: UUID, actor: Actor, at: datetime) -> None:
        self.termination = {"mode": mode, "delete_after": delete_after, "job_id": job_id,
                            "requested_by": actor.account_id}
        self.support_grants = {}

    def cancel_termination(self, actor: Actor, at: datetime) -> None:
        """A manager cancels an archive before its deletion has started."""
        self._require_manager(actor)
        if self.termination is None:
            raise Conflict("This setting is not being terminated.")
        if self.deletion_started:
            raise Conflict("The deletion has started; it can no longer be cancelled.")
        self._termination_cancelled(actor, at)

    @event("TerminationCancelled")
    def _termination_cancelled(self, actor: Actor, at: datetime) -> None:
        self.termination = None

    def start_deletion(self, actor: Actor, at: datetime) -> None:
        """The archive period is over (or the mode is delete): the deletion begins."""
        if self.termination is None:
            raise Conflict("This setting is not being terminated.")
        if at < self.termination["delete_after"]:
            raise Conflict("The archive period has not ended yet.")
        if not self.deletion_started:
            self._deletion_started(actor, at)

    @event("DeletionStarted")
    def _deletion_started(self, actor: Actor, at: datetime) -> None:
        self.deletion_started = True

    def finish_deletion(self, actor: Actor, at: datetime) -> None:
        """Every child, account, device and media object is gone: only the audit stays."""
        if not self.deletion_started:
            raise Conflict("The deletion has not started.")
        if not self.deleted:
            self._deleted(actor, at)

    @event("Deleted")
    def _deleted(self, actor: Actor, at: datetime) -> None:
        self.deleted = True
        self.terminated = True

    def _require_manager(self, actor: Actor) -> None:
        if actor.setting_id != self.id:
            raise Forbidden("Only a manager of this setting may do this.")
        if not actor.is_manager:
            raise Forbidden("Only a manager may do this.")
