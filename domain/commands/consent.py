"""Parent agreements and image consent: terms published by managers, signed by parents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.aggregates.child_consent import ChildConsent, consent_id
from domain.aggregates.setting import Setting
from domain.commands.base import Commands
from domain.consent_rules import (
    agreement_required_sentence,
    check_images_may_appear,
    image_consent_warnings,
)
from domain.errors import Forbidden, NotFound


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

    def sign_agreement(self, child_id: UUID, terms_version: int, actor: Actor,
                       at: datetime) -> int:
        """A parent linked to the child signs the current terms for that child."""
        if child_id not in actor.children:
            raise NotFound()
        current, _ = self.current_terms(actor.setting_id)
        consent = self._find(consent_id(child_id), ChildConsent)
        if consent is None:
            consent = ChildConsent.open(child_id, actor.setting_id, actor, at)
        elif consent.setting_id != actor.setting_id:
            raise NotFound()
        consent.sign_agreement(actor.account_id, terms_version, current, actor, at)
        return self._save(consent)

    def set_image_consent(self, child_id: UUID, allowed: bool, actor: Actor,
                          at: datetime) -> int:
        """A linked parent who has signed the current terms gives or withdraws image consent.

        Withdrawing hides, at once, every media item showing the child in other
        children's journeys (the read models react to the event).
        """
        if child_id not in actor.children:
            raise NotFound()
        current, keep_older = self.current_terms(actor.setting_id)
        consent = self._find(consent_id(child_id), ChildConsent)
        if consent is None or consent.setting_id != actor.setting_id:
            raise Forbidden(agreement_required_sentence(child_id, current))
        consent.set_image_consent(allowed, actor.account_id, current, keep_older, actor, at)
        return self._save(consent)

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

    def check_media_consent(self, journey_child_id: UUID, media: Iterable[Any],
                            viewer_is_staff: bool = True) -> None:
        """Refuse (409, `ImageConsentMissing`) media showing another child without image
        consent for this child's journey. `media` are Media aggregates (`.children`).
        Called by the approval of an observation, before anything is recorded."""
        shown = {c for item in media for c in getattr(item, "children", ())}
        check_images_may_appear(journey_child_id, shown, self.image_consent_of(shown),
                                viewer_is_staff)

    def media_consent_warnings(self, journey_child_id: UUID | None,
                               media: Iterable[Any]) -> list[str]:
        """Warnings (never a refusal) for staff attaching or uploading media that show a
        child without image consent for another child's observation."""
        shown = {c for item in media for c in getattr(item, "children", ())}
        return image_consent_warnings(journey_child_id, shown, self.image_consent_of(shown))

    def resolve_consent_reviews(self, observation_id: UUID, child_ids: Iterable[UUID],
                                actor: Actor, at: datetime) -> int:
        """A manager has reviewed an observation listed after a change of image consent.

        For each child concerned: with consent given again, the observation's media
        come back into the other children's journeys; otherwise they stay hidden.
        """
        records = []
        for child_id in sorted(set(child_ids), key=str):
            consent = self._load(consent_id(child_id), ChildConsent)
            if consent.setting_id != actor.setting_id:
                raise NotFound()
            consent.resolve_review(observation_id, actor, at)
            records.append(consent)
        if not records:
            raise NotFound()
        return self._save(*records)
