"""Parent agreements and image consent: terms published by managers, signed by parents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from domain.actor import Actor
from domain.aggregates.child_consent import ChildConsent, consent_id
from domain.aggregates.setting import Setting
from domain.commands.base import Commands, one_writer
from domain.errors import NotFound


class ConsentCommands(Commands):
    """Parent agreements and image consent."""

    def publish_terms(self, text: str, actor: Actor, at: datetime,
                      keep_older_signatures: bool = False) -> tuple[int, int]:
        """A manager publishes new agreement terms; returns (version, position)."""
        setting = self._load(actor.setting_id, Setting)
        version = setting.publish_terms(text, actor, at, keep_older_signatures)
        return version, self._save(setting)

    def current_terms(self, setting_id: UUID) -> tuple[int, bool]:
        """The setting's current terms version (0: none yet) and whether older ones count."""
        setting = self._load(setting_id, Setting)
        return setting.terms_version, bool(getattr(setting, "keep_older_signatures", False))

    @one_writer("consent")
    def sign_agreement(self, child_id: UUID, terms_version: int, actor: Actor,
                       at: datetime) -> int:
        """A parent linked to the child signs the current terms for that child."""
        consent = self._consent_record(child_id, actor, at)
        current, _ = self.current_terms(consent.setting_id)
        consent.sign_agreement(actor.account_id, terms_version, current, actor, at)
        return self._save(consent)

    @one_writer("consent")
    def withdraw_agreement(self, child_id: UUID, actor: Actor, at: datetime) -> int:
        """A linked parent withdraws their agreement for the child (409 if never signed)."""
        consent = self._consent_record(child_id, actor, at)
        consent.withdraw_agreement(actor.account_id, actor, at)
        return self._save(consent)

    @one_writer("consent")
    def set_image_consent(self, child_id: UUID, allowed: bool, actor: Actor,
                          at: datetime) -> int:
        """A linked parent who has signed the current terms gives or withdraws image consent.

        Withdrawing hides, at once, every media item showing the child in other
        children's journeys (the read models react to the event).
        """
        consent = self._consent_record(child_id, actor, at)
        current, keep_older = self.current_terms(consent.setting_id)
        consent.set_image_consent(allowed, actor.account_id, current, keep_older, actor, at)
        return self._save(consent)

    def _consent_record(self, child_id: UUID, actor: Actor, at: datetime) -> ChildConsent:
        """The child's consent record, opened in the child's setting if it has none yet;
        either way the record checks that the actor may act on the child."""
        consent = self._find(consent_id(child_id), ChildConsent)
        if consent is None:
            return ChildConsent.open(child_id, self._child_setting(child_id), actor, at)
        consent.require_actor(actor)
        return consent

    def image_consent_of(self, child_ids: Iterable[UUID]) -> dict[UUID, bool]:
        """Whether each child has image consent now (no record yet: not given).

        The approval of an observation passes this to
        `domain.consent_rules.check_images_may_appear`.
        """
        allowed: dict[UUID, bool] = {}
        for child_id in set(child_ids):
            consent = self._find(consent_id(child_id), ChildConsent)
            allowed[child_id] = bool(consent is not None and consent.image_consent)
        return allowed

    def resolve_consent_reviews(self, observation_id: UUID, child_ids: Iterable[UUID],
                                actor: Actor, at: datetime) -> int:
        """A manager has reviewed an observation listed after a change of image consent.

        For each child concerned: with consent given again, the observation's media
        come back into the other children's journeys; otherwise they stay hidden.
        """
        records = []
        for child_id in sorted(set(child_ids), key=str):
            consent = self._load(consent_id(child_id), ChildConsent)
            consent.resolve_review(observation_id, actor, at)
            records.append(consent)
        if not records:
            raise NotFound()
        return self._save(*records)
