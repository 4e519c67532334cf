"""Children, observations, revisions, moderation, comments, assessments.

Observations live in the journey of the child they were submitted for (the *owner*);
a group observation is projected into each tagged child's journey. Commands about
an existing observation take the owner's id (the HTTP adapter finds it in the
journey view) and check it against the aggregate: a wrong guess is `404`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from domain import access
from domain.actor import Actor
from domain.aggregates.account import Account
from domain.aggregates.child_journey import WARNINGS, ChildJourney
from domain.aggregates.media import Media
from domain.commands.base import one_writer
from domain.commands.consent import ConsentCommands
from domain.commands.media import MediaCommands
from domain.consent_rules import check_images_may_appear, image_consent_warnings
from domain.errors import Invalid, NotFound


@dataclass(frozen=True)
class ObservationSaved:
    """What a submission or revision stored: its revision, status and warnings."""

    observation_id: UUID
    revision: int
    status: str
    warnings: list[dict]
    position: int


class JourneyCommands(MediaCommands, ConsentCommands):
    """Children, observations, revisions, moderation, comments, assessments.

    Observations use media (marked as used, checked for image consent), hence the two
    groups of commands it builds on."""

    # children

    def enrol_child(self, name: str, date_of_birth: date, room: str, key_person_id: UUID,
                    actor: Actor, at: datetime) -> tuple[ChildJourney, int]:
        """A manager enrols a child with a key person from the setting's staff."""
        key_person = self._find(key_person_id, Account)
        if key_person is None or key_person.setting_id != actor.setting_id \
                or key_person.disabled \
                or not any(r in access.STAFF for r in key_person.roles):
            raise Invalid("The field 'key_person_id' must name a member of staff of this "
                          "setting.", "key_person_id")
        journey = ChildJourney.enrol(uuid4(), actor.setting_id, name, date_of_birth, room,
                                     key_person_id, actor, at)
        return journey, self._save(journey)

    def journey_of(self, child_id: UUID, actor: Actor) -> ChildJourney:
        """The child's journey if the actor may act on the child (its own rule), else NotFound."""
        journey = self._load(child_id, ChildJourney, "No such child.")
        journey.require_actor(actor)
        return journey

    @one_writer("journey")
    def change_key_person(self, child_id: UUID, key_person_id: UUID, actor: Actor,
                          at: datetime) -> int:
        """A manager gives a child another key person."""
        journey = self.journey_of(child_id, actor)
        key_person = self._find(key_person_id, Account)
        if key_person is None or key_person.setting_id != actor.setting_id:
            raise Invalid("The field 'key_person_id' must name a member of staff of this "
                          "setting.", "key_person_id")
        journey.change_key_person(key_person_id, actor, at)
        return self._save(journey)

    # observations

    @one_writer("journey")
    def submit_observation(self, child_id: UUID, observed_on: date, text: str,
                           framework: list[dict], media: list[UUID], children: list[UUID],
                           next_steps: str | None, actor: Actor, at: datetime
                           ) -> ObservationSaved:
        """Staff or a parent submit an observation.

        Warnings are `{"code", "detail"}`: past tense, late upload, and (for staff) media
        showing another child without image consent, which approval would refuse.
        """
        journey = self.journey_of(child_id, actor)
        self._check_tagged(journey, children, actor)
        observation_id = uuid4()
        warnings = journey.submit_observation(observation_id, observed_on, text, framework,
                                              media, children, next_steps, actor, at)
        latest = journey.observations[observation_id].latest
        used = self._use_media(latest, observation_id, journey.child_id, actor, at)
        warnings = self._warnings(warnings, journey.child_id, latest, actor)
        return ObservationSaved(observation_id, latest.number, latest.status, warnings,
                                self._save(journey, *used))

    @one_writer("journey")
    def revise_observation(self, child_id: UUID, observation_id: UUID, base_revision: int,
                           changes: dict[str, Any], actor: Actor, at: datetime
                           ) -> ObservationSaved:
        """Staff revise an observation from `base_revision`. A stale base revision is a
        Conflict and records nothing."""
        journey = self.journey_of(child_id, actor)
        if "children" in changes:
            self._check_tagged(journey, changes["children"] or [], actor)
        _, warnings = journey.revise_observation(observation_id, base_revision, changes,
                                                 actor, at)
        latest = journey.observations[observation_id].latest
        used = self._use_media(latest, observation_id, journey.child_id, actor, at)
        warnings = self._warnings(warnings, journey.child_id, latest, actor)
        return ObservationSaved(observation_id, latest.number, latest.status, warnings,
                                self._save(journey, *used))

    @one_writer("journey")
    def approve_observation(self, child_id: UUID, observation_id: UUID, revision: int,
                            managers_in_setting: int, actor: Actor, at: datetime) -> int:
        """A manager approves a pending revision.

        Image consent: a photo showing another child can go into a journey only if that
        child has image consent (`domain.consent_rules`); otherwise 409.
        `managers_in_setting` (active managers, from the identity view) decides the
        four-eyes rule, which the aggregate applies.
        """
        journey = self.journey_of(child_id, actor)
        observation = journey.observation(observation_id)
        pending = observation.latest
        shows = self._children_in_media(pending.media)
        self._check_image_consent({journey.child_id, *pending.children}, shows)
        journey.approve(observation_id, revision, managers_in_setting, shows, actor, at)
        return self._save(journey)

    @one_writer("journey")
    def reject_observation(self, child_id: UUID, observation_id: UUID, revision: int,
                           reason: str, actor: Actor, at: datetime) -> int:
        """A manager rejects a pending revision with a reason the author sees."""
        journey = self.journey_of(child_id, actor)
        journey.reject(observation_id, revision, reason, actor, at)
        return self._save(journey)

    @one_writer("journey")
    def remove_observation(self, child_id: UUID, observation_id: UUID, reason: str,
                           actor: Actor, at: datetime) -> int:
        """A manager removes an inappropriate observation from every journey."""
        journey = self.journey_of(child_id, actor)
        journey.remove(observation_id, reason, actor, at)
        return self._save(journey)

    # comments

    @one_writer("journey")
    def add_comment(self, child_id: UUID, owner_child_id: UUID, observation_id: UUID,
                    text: str, actor: Actor, at: datetime) -> tuple[UUID, int]:
        """Comment in a child's journey on an approved observation shown there."""
        journey = self.journey_of(child_id, actor)
        owner = journey if owner_child_id == child_id else self._find(owner_child_id,
                                                                       ChildJourney)
        if owner is None or owner.setting_id != journey.setting_id:
            raise NotFound("No such observation.")
        comment_id = uuid4()
        journey.add_comment(comment_id, observation_id, text, owner, actor, at)
        return comment_id, self._save(journey)

    @one_writer("journey")
    def remove_comment(self, child_id: UUID, comment_id: UUID, reason: str, actor: Actor,
                       at: datetime) -> int:
        """A manager removes a comment with a reason."""
        journey = self.journey_of(child_id, actor)
        journey.remove_comment(comment_id, reason, actor, at)
        return self._save(journey)

    @one_writer("journey")
    def approve_comment(self, child_id: UUID, comment_id: UUID, actor: Actor,
                        at: datetime) -> int:
        """A manager lets a waiting comment into the journey."""
        journey = self.journey_of(child_id, actor)
        journey.approve_comment(comment_id, actor, at)
        return self._save(journey)

    # assessments

    @one_writer("journey")
    def approve_assessment(self, child_id: UUID, assessment_id: UUID,
                           managers_in_setting: int, actor: Actor, at: datetime) -> int:
        """A manager approves a pending assessment (four-eyes, as for observations)."""
        journey = self.journey_of(child_id, actor)
        journey.approve_assessment(assessment_id, managers_in_setting, actor, at)
        return self._save(journey)

    @one_writer("journey")
    def reject_assessment(self, child_id: UUID, assessment_id: UUID, reason: str,
                          actor: Actor, at: datetime) -> int:
        """A manager rejects a pending assessment, with a reason."""
        journey = self.journey_of(child_id, actor)
        journey.reject_assessment(assessment_id, reason, actor, at)
        return self._save(journey)

    @one_writer("journey")
    def record_assessment(self, child_id: UUID, period: str, judgements: dict,
                          summary: str | None, actor: Actor, at: datetime,
                          kind: str | None = None) -> tuple[UUID, int]:
        """Staff record an assessment (profile judgements, or the progress check at two)."""
        journey = self.journey_of(child_id, actor)
        assessment_id = uuid4()
        journey.record_assessment(assessment_id, period, judgements, summary, actor, at,
                                  kind=kind)
        return assessment_id, self._save(journey)

    # helpers

    def _warnings(self, codes: list[str], child_id: UUID, revision: Any, actor: Actor
                  ) -> list[dict]:
        """The aggregate's warning codes as sentences, plus (for staff) the media that show
        another child without image consent (approval would refuse them)."""
        warnings = [{"code": code, "detail": WARNINGS[code]} for code in codes]
        if not actor.is_staff or not revision.media:
            return warnings
        shown = {c for cs in self._children_in_media(revision.media).values()
                 for c in cs or []}
        allowed = self.image_consent_of(shown)
        sentences: list[str] = []
        for journey_child in [child_id, *revision.children]:
            for sentence in image_consent_warnings(journey_child, shown, allowed):
                if sentence not in sentences:
                    sentences.append(sentence)
        return warnings + [{"code": "image_consent", "detail": s} for s in sentences]

    def _check_tagged(self, journey: ChildJourney, children: list, actor: Actor) -> None:
        """The other children who took part must be children of the setting (a parent's:
        their own children)."""
        for index, other in enumerate(children):
            try:
                other_id = other if isinstance(other, UUID) else UUID(str(other))
            except ValueError:
                raise Invalid("The field 'children' must hold child ids.", "children") from None
            if other_id == journey.child_id:
                continue  # the aggregate explains this one
            found = self._find(other_id, ChildJourney)
            if found is None or found.erased or found.setting_id != journey.setting_id \
                    or (actor.is_parent and other_id not in actor.children):
                raise Invalid(f"The field 'children[{index}]' is not a child of this setting"
                              + (" linked to you." if actor.is_parent else "."),
                              f"children[{index}]")
            if found.left_on is not None:
                raise Invalid(f"The field 'children[{index}]' names a child who has left the "
                              "setting.", f"children[{index}]")

    def _use_media(self, revision: Any, observation_id: UUID, child_id: UUID, actor: Actor,
                   at: datetime) -> list[Any]:
        """The media of a revision, checked (unknown, foreign, not uploaded: 400) and
        marked as used by the observation, to be saved with it."""
        if not revision.media:
            return []
        return self.media_for_observation(revision.media, observation_id,
                                          [child_id, *revision.children], actor, at)

    def _children_in_media(self, media_ids: list[UUID]) -> dict[UUID, list[UUID] | None]:
        """Who appears in each photo or video, as declared (None: nobody has said yet)."""
        if not media_ids:
            return {}
        shows: dict[UUID, list[UUID] | None] = {}
        for media_id in media_ids:
            media = self._find(media_id, Media)
            shows[media_id] = list(media.children) if media is not None and media.declared \
                else None
        return shows

    def _check_image_consent(self, journey_children: set[UUID],
                             shows: dict[UUID, list[UUID] | None]) -> None:
        """409 unless every other child shown in the media has image consent."""
        shown = {c for children in shows.values() for c in children or []}
        if not shown:
            return
        allowed = self.image_consent_of(shown)
        for journey_child in sorted(journey_children, key=str):
            check_images_may_appear(journey_child, shown, allowed)
