"""Account: a member of staff, a parent, or a support engineer of the service."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from zxcvbn import zxcvbn

from domain.actor import PARENT, ROLES, Actor
from domain.aggregates.base import NurseryAggregate
from domain.errors import Conflict, Forbidden, Invalid, NotFound

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256
# The service's own words (NIST 800-63B: context-specific words are refused too).
SERVICE_WORDS = ("learning", "journey", "nursery", "diary", "eyfs", "password", "nurseries",
                 "childcare", "preschool", "daycare")
GUESSABLE_BELOW = 3  # zxcvbn score: 3 means over 10^8 guesses


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively, without surrounding spaces."""
    return (email or "").strip().lower()


def check_email(email: str) -> str:
    email = normalise_email(email)
    if not EMAIL.match(email) or len(email) > 254:
        raise Invalid("The field 'email' must be an email address like name@example.org.",
                      "email")
    return email


def check_password(password: str, email: str) -> None:
    """Rules a person can satisfy: long enough, not the email, not guessable.

    Guessable: found in zxcvbn's lists of common passwords and words (with their
    repeats, sequences and substitutions), or made of the service's own words and the
    email's parts, as NIST 800-63B asks.
    """
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise Invalid(f"The field 'password' must be at least {MIN_PASSWORD} characters long.",
                      "password")
    if len(password) > MAX_PASSWORD:
        raise Invalid(f"The field 'password' must be at most {MAX_PASSWORD} characters long.",
                      "password")
    lowered = password.strip().lower()
    email = normalise_email(email)
    local_part = email.split("@")[0]
    if lowered == email or (len(local_part) >= 4 and lowered == local_part):
        raise Invalid("The field 'password' must not be your email address.", "password")
    own_words = [*SERVICE_WORDS, *re.split(r"[^a-z0-9]+", email)]
    letters = re.sub(r"[^a-z]", "", lowered)
    pattern = "(?:" + "|".join(re.escape(w) for w in own_words if w) + ")*"
    made_of_own = letters and re.fullmatch(pattern, letters)
    if made_of_own or zxcvbn(password[:100], user_inputs=own_words)["score"] < GUESSABLE_BELOW:
        raise Invalid("The field 'password' is too easy to guess: it is a common password "
                      "or made of common or the service's own words; use a longer phrase "
                      "of unrelated words.", "password")


def check_roles(roles: list[str]) -> tuple[str, ...]:
    if not roles:
        raise Invalid("The field 'roles' must name at least one role.", "roles")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise Invalid(f"The field 'roles' has an unknown role {unknown[0]!r}; use "
                      f"{', '.join(ROLES)}.", "roles")
    return tuple(dict.fromkeys(roles))


def _reason(reason: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid("The field 'reason' must say why (for the audit trail).", "reason")
    if len(reason) > 1000:
        raise Invalid("The field 'reason' must be at most 1000 characters.", "reason")
    return reason.strip()


class Account(NurseryAggregate):
    """An account of one setting, holding one or more roles."""

    @event("Created")
    def __init__(self, setting_id: UUID, email: str, display_name: str, roles: list[str],
                 actor: Actor, at: datetime):
        self.setting_id = setting_id
        self.email = email
        self.display_name = display_name
        self.roles = list(roles)
        self.children: set[UUID] = set()
        self.restricted: set[UUID] = set()  # linked children a court order keeps from them
        self.disabled = False

    @classmethod
    def open(cls, setting_id: UUID, email: str, display_name: str, roles: list[str],
             actor: Actor, at: datetime) -> Account:
        """Open an account after checking its fields."""
        email = check_email(email)
        if not display_name or not display_name.strip() or len(display_name) > 200:
            raise Invalid("The field 'display_name' must be 1 to 200 characters.",
                          "display_name")
        return cls(setting_id, email, display_name.strip(), list(check_roles(roles)), actor, at)

    def link_child(self, child_id: UUID, relationship: str, actor: Actor, at: datetime) -> None:
        """Link a parent to a child of the setting."""
        if PARENT not in self.roles:
            raise Invalid("The field 'account_id' must name a parent account.", "account_id")
        if self.disabled:
            raise Conflict("This account is disabled.")
        if child_id in self.children:
            return
        self._child_linked(child_id, relationship or "parent", actor, at)

    @event("ChildLinked")
    def _child_linked(self, child_id: UUID, relationship: str, actor: Actor, at: datetime
                      ) -> None:
        self.children.add(child_id)

    def unlink_child(self, child_id: UUID, reason: str, actor: Actor, at: datetime) -> None:
        """A manager removes a parent's link to a child (parental responsibility changed),
        with a reason: the parent loses access to the child at once."""
        self._check_responsibility_change(child_id, actor)
        self._child_unlinked(child_id, _reason(reason), actor, at)

    @event("ChildUnlinked")
    def _child_unlinked(self, child_id: UUID, reason: str, actor: Actor, at: datetime
                        ) -> None:
        self.children.discard(child_id)
        self.restricted.discard(child_id)

    def restrict_child(self, child_id: UUID, reason: str, actor: Actor, at: datetime) -> None:
        """A manager restricts a parent's access to a child (a court order), with a reason:
        the parent stays on record as linked but sees nothing of the child."""
        self._check_responsibility_change(child_id, actor)
        if child_id in self.restricted:
            raise Conflict("This parent's access to this child is already restricted.")
        self._child_restricted(child_id, _reason(reason), actor, at)

    @event("ChildRestricted")
    def _child_restricted(self, child_id: UUID, reason: str, actor: Actor, at: datetime
                          ) -> None:
        self.restricted.add(child_id)

    def lift_restriction(self, child_id: UUID, reason: str, actor: Actor, at: datetime
                         ) -> None:
        """A manager lifts a restriction (the order ended), with a reason."""
        self._check_responsibility_change(child_id, actor)
        if child_id not in self.restricted:
            raise Conflict("This parent's access to this child is not restricted.")
        self._restriction_lifted(child_id, _reason(reason), actor, at)

    @event("RestrictionLifted")
    def _restriction_lifted(self, child_id: UUID, reason: str, actor: Actor, at: datetime
                            ) -> None:
        self.restricted.discard(child_id)

    def _check_responsibility_change(self, child_id: UUID, actor: Actor) -> None:
        if not actor.is_manager:
            raise Forbidden("Only a manager changes a parent's access to a child.")
        if actor.setting_id != self.setting_id or child_id not in self.children:
            raise NotFound("This parent is not linked to this child.")

    def disable(self, actor: Actor, at: datetime) -> None:
        """Disable the account: its tokens stop working at once."""
        if actor.account_id == self.id:
            raise Conflict("You cannot disable your own account.")
        if not self.disabled:
            self._disabled(actor, at)

    @event("Disabled")
    def _disabled(self, actor: Actor, at: datetime) -> None:
        self.disabled = True

    @event("PasswordChanged")
    def password_changed(self, actor: Actor, at: datetime) -> None:
        """Record that the password changed (the hash lives in the credentials table)."""


def email_digest(email: str, key: bytes) -> str:
    """A keyed hash of an e-mail address (HMAC-SHA-256 under the deployment's index key):
    the index never holds the address, nor a hash anyone could recompute from a guess."""
    return hmac.new(key, normalise_email(email).encode(), hashlib.sha256).hexdigest()


class EmailIndex(NurseryAggregate):
    """One account per email in the whole deployment: a second is a version conflict.

    Its id and its event carry only `email_digest` of the address."""

    @staticmethod
    def id_for(digest: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"journey:email-digest:{digest}")

    @classmethod
    def create_id(cls, digest: str, **_: object) -> UUID:
        return cls.id_for(digest)

    @event("Claimed")
    def __init__(self, digest: str, account_id: UUID, actor: Actor, at: datetime):
        self.account_id = account_id
