"""Setting: a nursery. A deployment hosts many, each fully isolated."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import event

from domain.actor import Actor
from domain.aggregates.base import NurseryAggregate
from domain.errors import Invalid
from domain.opening_hours import check_hours, check_timezone

SUPPORT_GRANT_HOURS = 72


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
