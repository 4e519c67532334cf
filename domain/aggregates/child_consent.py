"""ChildConsent: one per child. The parents' agreements (which terms version, when) and
whether the child may appear in other children's journeys (image consent)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain import access
from domain.actor import Actor
from domain.aggregates.base import NurseryAggregate
from domain.consent_rules import agreement_current, agreement_required_sentence
from domain.errors import Conflict, Forbidden, Invalid

CONSENT_NAMESPACE = UUID("5b0e7c1e-2f43-4c1a-9d57-6a1c0f3e8b21")


def consent_id(child_id: UUID) -> UUID:
    """The id of a child's consent record (derived: one per child)."""
    return uuid5(CONSENT_NAMESPACE, f"consent:{child_id}")


class ChildConsent(NurseryAggregate):
    """A child's parent agreements and image consent. Image consent starts as not given."""

    @staticmethod
    def create_id(child_id: UUID) -> UUID:
        return consent_id(child_id)

    @event("Opened")
    def __init__(self, child_id: UUID, setting_id: UUID, actor: Actor, at: datetime):
        self.child_id = child_id
        self.setting_id = setting_id
        self.image_consent = False
        self.agreements: list[dict] = []

    @classmethod
    def open(cls, child_id: UUID, setting_id: UUID, actor: Actor, at: datetime) -> ChildConsent:
        """Start a child's consent record (done on the first signature) in the child's
        own setting (from its enrolment), never the actor's."""
        access.require_may_act_on_child(actor, setting_id, child_id, agreement=False)
        return cls(child_id=child_id, setting_id=setting_id, actor=actor, at=at)

    def require_actor(self, actor: Actor) -> None:
        """The actor may act on this child (`domain.access`), else 404. The agreement is
        what this record is about, so it is not required here."""
        access.require_may_act_on_child(actor, self.setting_id, self.child_id,
                                        agreement=False)

    # agreements

    def signed_versions(self, parent_id: UUID) -> set[int]:
        """The terms versions this parent has signed for this child."""
        return {a["terms_version"] for a in self.agreements if a["parent_id"] == parent_id}

    def has_agreement(self, parent_id: UUID, current_version: int,
                      keep_older: bool = False) -> bool:
        """Whether this parent's signatures cover the current terms."""
        return agreement_current(self.signed_versions(parent_id), current_version, keep_older)

    def sign_agreement(self, parent_id: UUID, terms_version: int, current_version: int,
                       actor: Actor, at: datetime) -> bool:
        """Record the parent's signature of the current terms; False when already signed."""
        self.require_actor(actor)
        if not isinstance(terms_version, int) or isinstance(terms_version, bool) \
                or terms_version < 1:
            raise Invalid("The field 'terms_version' must be a positive whole number.",
                          "terms_version")
        if current_version <= 0:
            raise Conflict(
                "The setting has not published its agreement terms yet, so there is nothing "
                "to sign; ask the nursery's manager."
            )
        if terms_version != current_version:
            raise Conflict(
                f"The field 'terms_version' must be the current terms, version "
                f"{current_version}: read them at GET /setting/terms and sign that version."
            )
        if terms_version in self.signed_versions(parent_id):
            return False
        self._agreement_signed(parent_id, terms_version, actor, at)
        return True

    @event("AgreementSigned")
    def _agreement_signed(self, parent_id: UUID, terms_version: int, actor: Actor,
                          at: datetime) -> None:
        self.agreements.append(
            {"parent_id": parent_id, "terms_version": terms_version, "signed_at": at}
        )

    def withdraw_agreement(self, parent_id: UUID, actor: Actor, at: datetime) -> None:
        """The parent withdraws their agreement for this child: every signature of theirs
        stops counting, and they see nothing of the child until they sign again."""
        if actor.account_id != parent_id:
            raise Forbidden("Only the parent who signed may withdraw their agreement.")
        if not self.signed_versions(parent_id):
            raise Conflict("You have not signed the agreement for this child, so there is "
                           "nothing to withdraw.")
        self._agreement_withdrawn(parent_id, actor, at)

    @event("AgreementWithdrawn")
    def _agreement_withdrawn(self, parent_id: UUID, actor: Actor, at: datetime) -> None:
        self.agreements = [a for a in self.agreements if a["parent_id"] != parent_id]

    # image consent

    def set_image_consent(self, allowed: bool, parent_id: UUID, current_version: int,
                          keep_older: bool, actor: Actor, at: datetime) -> bool:
        """Give or withdraw image consent; only a parent who has signed the current terms.

        Returns False (nothing recorded) when the consent is already as asked.
        """
        self.require_actor(actor)
        if not isinstance(allowed, bool):
            raise Invalid("The field 'allowed' must be true or false.", "allowed")
        if not self.has_agreement(parent_id, current_version, keep_older):
            raise Forbidden(agreement_required_sentence(self.child_id, current_version))
        if allowed == self.image_consent:
            return False
        if allowed:
            self._image_consent_given(actor, at)
        else:
            self._image_consent_withdrawn(actor, at)
        return True

    @event("ImageConsentGiven")
    def _image_consent_given(self, actor: Actor, at: datetime) -> None:
        self.image_consent = True

    @event("ImageConsentWithdrawn")
    def _image_consent_withdrawn(self, actor: Actor, at: datetime) -> None:
        self.image_consent = False

    # review of media hidden after a withdrawal

    def resolve_review(self, observation_id: UUID, actor: Actor, at: datetime) -> None:
        """A manager has reviewed an observation whose media show this child.

        With consent given (again), the media come back into the other children's
        journeys; with consent still withdrawn they stay hidden.
        """
        self.require_actor(actor)
        self._review_resolved(observation_id, self.image_consent, actor, at)

    @event("ReviewResolved")
    def _review_resolved(self, observation_id: UUID, restored: bool, actor: Actor,
                         at: datetime) -> None:
        pass
