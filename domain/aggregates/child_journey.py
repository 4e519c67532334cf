"""ChildJourney: one per child (its id is the child id). Enrolment, observations and
their revisions, moderation, comments, assessments, leaving, erasure and the end of
the legal retention of the child's accident, incident and medication records.

An observation belongs to the journey of the child it was submitted for; a group
observation (other children who took part) is projected into each tagged child's
journey by the read model, but lives here, once; `shown_in_journey` says which of its
fields the other children's journeys show. Comments live in the journey of the
child in whose journey they were written, so each family sees only its own.

Revisions count from 1. A revision is `pending` until a manager approves or rejects
it; a newer revision supersedes a pending one. Parents see the last approved
revision; staff see the latest. Comments by anyone but a manager, and every
assessment, wait for a manager too before the family sees them (the policy: all
observations and information are moderated before being added).
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain import access
from domain.actor import Actor
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.framework import Framework, framework_for, slug
from domain.tense import reads_as_past_tense

from .base import NurseryAggregate

MAX_TEXT = 5_000
MAX_NEXT_STEPS = 2_000
MAX_COMMENT = 2_000
MAX_REASON = 1_000
MAX_NAME = 200
MAX_MEDIA = 20
MAX_CHILDREN = 40
LATE_AFTER = timedelta(days=7)
# `at` is UTC; a date "today" somewhere on Earth is at most 14 hours ahead of UTC.
LATEST_UTC_OFFSET = timedelta(hours=14)
LEAVER_ACCESS_DAYS = 90  # parents keep reading a journey this long after the child left
MAX_LEAVER_ACCESS_DAYS = 3650
RETENTION_MONTHS = 21 * 12 + 3  # EYFS and insurers: until the child is 21 years 3 months

PENDING, APPROVED, REJECTED, SUPERSEDED = "pending", "approved", "rejected", "superseded"
PROFILE, PROGRESS_CHECK = "profile", "progress_check"

PAST_TENSE = "past_tense"
LATE_UPLOAD = "late_upload"
MEDIA_WITHDRAWN = "shared_media_withdrawn"
WARNINGS = {
    MEDIA_WITHDRAWN: "A shared photo or video of this observation was withdrawn: it showed "
                     "another child whose records were erased.",
    PAST_TENSE: "The text reads as past tense; observations are written in the present "
                "tense (for example 'builds', 'is building').",
    LATE_UPLOAD: "This observation was made more than a week before it was uploaded; "
                 "observations are uploaded within the week. Managers see it flagged.",
}

CONTENT_FIELDS = ("observed_on", "text", "framework", "media", "children", "next_steps")
ABOUT_ONE_CHILD = ("next_steps",)


def shown_in_journey(content: dict[str, Any], journey_child: Any, owner: Any
                     ) -> dict[str, Any]:
    """What of an observation's content a child's journey shows.

    A group observation's shared moment (its text, framework references and photos,
    subject to image consent) appears in each tagged child's journey; what is about
    the child it was written for (`ABOUT_ONE_CHILD`: next steps; assessments and
    comments live in each child's own journey already) appears only in that child's.
    """
    if str(journey_child) == str(owner):
        return content
    return {name: None if name in ABOUT_ONE_CHILD else value
            for name, value in content.items()}


@dataclass
class Revision:
    """One version of an observation's content, and what moderation made of it."""

    number: int
    observed_on: date
    text: str
    framework: list[dict]
    media: list[UUID]
    children: list[UUID]
    next_steps: str | None
    author_id: UUID
    at: datetime
    warnings: list[str]
    status: str = PENDING
    reason: str | None = None

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CONTENT_FIELDS}


@dataclass
class Observation:
    """An observation and its revisions."""

    id: UUID
    author_id: UUID
    revisions: list[Revision] = field(default_factory=list)
    approved: int | None = None
    removed: bool = False

    @property
    def latest(self) -> Revision:
        return self.revisions[-1]

    @property
    def approved_revision(self) -> Revision | None:
        return self.revisions[self.approved - 1] if self.approved else None

    def journey_children(self, owner: UUID) -> set[UUID]:
        """The children in whose journeys the approved revision appears."""
        approved = self.approved_revision
        return {owner, *approved.children} if approved else set()


@dataclass
class Comment:
    """A comment on an observation as shown in this child's journey."""

    id: UUID
    observation_id: UUID
    author_id: UUID
    text: str
    removed: bool = False
    pending: bool = False  # waits for a manager before the family sees it


@dataclass
class Assessment:
    """A judgement per area for a period, or the progress check at two."""

    id: UUID
    period: str
    kind: str
    judgements: dict[str, str]
    summary: str | None
    author_id: UUID
    status: str = APPROVED  # pending until a manager approves it (or rejects it)


def birthday(born: date, years: int) -> date:
    """The date of a birthday (29 February falls on 1 March in other years)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def retention_ends(born: date) -> date:
    """The day the legal retention of accident, incident and medication records ends:
    the child is 21 years and 3 months old (the last day of a shorter month)."""
    year, month = divmod(born.year * 12 + born.month - 1 + RETENTION_MONTHS, 12)
    return date(year, month + 1, min(born.day, monthrange(year, month + 1)[1]))


def _text(value: Any, name: str, limit: int, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise Invalid(f"The field '{name}' must not be empty.", name)
    value = value.strip()
    if len(value) > limit:
        raise Invalid(f"The field '{name}' must be at most {limit:,} characters long "
                      f"(it has {len(value):,}).", name)
    return value or None


def _ids(values: Any, name: str, limit: int) -> list[UUID]:
    if not isinstance(values, list | tuple):
        raise Invalid(f"The field '{name}' must be a list of ids.", name)
    try:
        ids = [v if isinstance(v, UUID) else UUID(str(v)) for v in values]
    except ValueError:
        raise Invalid(f"The field '{name}' must hold ids (UUIDs).", name) from None
    if len(set(ids)) != len(ids):
        raise Invalid(f"The field '{name}' names the same id twice.", name)
    if len(ids) > limit:
        raise Invalid(f"The field '{name}' may hold at most {limit} ids.", name)
    return ids


class ChildJourney(NurseryAggregate):
    """A child's Learning Journey, from enrolment to leaving."""

    @staticmethod
    def create_id(child_id: UUID) -> UUID:
        return child_id

    @event("Enrolled")
    def __init__(self, child_id: UUID, setting_id: UUID, name: str, date_of_birth: date,
                 room: str, key_person_id: UUID, actor: Actor, at: datetime):
        self.child_id = child_id
        self.setting_id = setting_id
        self.name = name
        self.date_of_birth = date_of_birth
        self.room = room
        self.key_person_id = key_person_id
        self.left_on: date | None = None
        self.parent_access_until: date | None = None
        self.erased = False
        self.retained_until: date | None = None
        self.retention_ended = False
        self.observations: dict[UUID, Observation] = {}
        self.comments: dict[UUID, Comment] = {}
        self.assessments: dict[UUID, Assessment] = {}

    # enrolment

    @classmethod
    def enrol(cls, child_id: UUID, setting_id: UUID, name: str, date_of_birth: date,
              room: str, key_person_id: UUID, actor: Actor, at: datetime) -> ChildJourney:
        """Enrol a child: a name, a date of birth not in the future, a room, a key person."""
        name = _text(name, "name", MAX_NAME)
        room = _text(room, "room", MAX_NAME)
        if not isinstance(date_of_birth, date) or isinstance(date_of_birth, datetime):
            raise Invalid("The field 'date_of_birth' must be a date (YYYY-MM-DD).",
                          "date_of_birth")
        if date_of_birth > (at + LATEST_UTC_OFFSET).date():
            raise Invalid("The field 'date_of_birth' must not be in the future.",
                          "date_of_birth")
        if date_of_birth < birthday(at.date(), -8):
            raise Invalid("The field 'date_of_birth' must be within the last eight years.",
                          "date_of_birth")
        return cls(child_id=child_id, setting_id=setting_id, name=name,
                   date_of_birth=date_of_birth, room=room, key_person_id=key_person_id,
                   actor=actor, at=at)

    def change_key_person(self, key_person_id: UUID, actor: Actor, at: datetime) -> None:
        """Give the child another key person (a member of staff of the setting)."""
        self._require_manager(actor)
        if key_person_id != self.key_person_id:
            self._key_person_changed(key_person_id, actor, at)

    @event("KeyPersonChanged")
    def _key_person_changed(self, key_person_id: UUID, actor: Actor, at: datetime) -> None:
        self.key_person_id = key_person_id

    def leave(self, left_on: date, actor: Actor, at: datetime,
              parent_access_days: int = LEAVER_ACCESS_DAYS) -> None:
        """Record that the child leaves the setting on a date: from then on nothing new is
        recorded, and the family keeps reading the journey for `parent_access_days`."""
        self._require_manager(actor)
        if self.left_on is not None:
            raise Conflict("This child has already left the setting.")
        if not isinstance(left_on, date) or left_on < self.date_of_birth:
            raise Invalid("The field 'date' must be a date after the child's birth.", "date")
        if isinstance(parent_access_days, bool) or not isinstance(parent_access_days, int) \
                or not 0 <= parent_access_days <= MAX_LEAVER_ACCESS_DAYS:
            raise Invalid("The field 'parent_access_days' must be a whole number of days "
                          f"from 0 to {MAX_LEAVER_ACCESS_DAYS}.", "parent_access_days")
        self._left(left_on, actor, at, left_on + timedelta(days=parent_access_days))

    @event("Left")
    def _left(self, left_on: date, actor: Actor, at: datetime,
              parent_access_until: date | None = None) -> None:
        self.left_on = left_on
        self.parent_access_until = parent_access_until

    def has_left(self, on: date) -> bool:
        """Whether the child has left the setting by this date."""
        return self.left_on is not None and self.left_on <= on

    # erasure and legal retention

    def erase(self, confirm: Any, withdrawn_media: list[UUID], actor: Actor,
              at: datetime) -> None:
        """A manager erases the child's journey, confirming with the child's full name.

        The event keeps the name and date of birth only for the records under legal
        retention (it is sealed with the retention key), until `retained_until`.
        `withdrawn_media` are the photos and videos showing the child, withdrawn from
        every journey.
        """
        self._require_manager(actor)
        if not isinstance(confirm, str) or " ".join(confirm.split()) != self.name:
            raise Conflict("The field 'confirm' must be the child's full name exactly as "
                           "enrolled; nothing was erased.")
        self._journey_erased(self.name, self.date_of_birth,
                             retention_ends(self.date_of_birth), list(withdrawn_media),
                             actor, at)

    @event("JourneyErased")
    def _journey_erased(self, name: str, date_of_birth: date, retained_until: date,
                        withdrawn_media: list[UUID], actor: Actor, at: datetime) -> None:
        self.name = name
        self.date_of_birth = date_of_birth
        self.erased = True
        self.retained_until = retained_until
        self.observations = {}
        self.comments = {}
        self.assessments = {}

    def end_retention(self, actor: Actor, at: datetime) -> None:
        """The legal retention of an erased child's records has ended: they go too (run
        by the system daily, or by a manager of the setting)."""
        if "system" not in actor.roles:
            access.require_may_act_on_child(actor, self.setting_id, self.child_id)
            if not actor.is_manager:
                raise Forbidden("Only a manager may do this.")
        if not self.erased or self.retention_ended:
            raise Conflict("This child's records are not under legal retention.")
        assert self.retained_until is not None
        if at.date() < self.retained_until:
            raise Conflict("This child's records are kept under legal retention until "
                           f"{self.retained_until.isoformat()}.")
        self._retention_ended(actor, at)

    @event("RetentionEnded")
    def _retention_ended(self, actor: Actor, at: datetime) -> None:
        self.retention_ended = True
        self.name = ""

    # observations

    def observation(self, observation_id: UUID) -> Observation:
        """A live (not removed) observation of this journey, or NotFound."""
        found = self.observations.get(observation_id)
        if found is None or found.removed:
            raise NotFound("No such observation.")
        return found

    def submit_observation(self, observation_id: UUID, observed_on: date, text: str,
                           framework: list[dict], media: list, children: list,
                           next_steps: str | None, actor: Actor, at: datetime,
                           curriculum: Framework | None = None) -> list[str]:
        """Submit an observation (staff or a parent of the child); returns warning codes.

        `children` are the other children who took part, already checked by the
        command to be children of the setting. The revision is pending until approved.
        """
        self._require_here(actor, at)
        if observation_id in self.observations:
            raise Conflict("An observation with this id already exists.")
        content = self._checked_content(
            {"observed_on": observed_on, "text": text, "framework": framework,
             "media": media, "children": children, "next_steps": next_steps},
            at, curriculum)
        warnings = self.warnings_for(content["text"], content["observed_on"], at)
        self._observation_submitted(observation_id, actor=actor, at=at, warnings=warnings,
                                    **content)
        return warnings

    @event("ObservationSubmitted")
    def _observation_submitted(self, observation_id: UUID, observed_on: date, text: str,
                               framework: list[dict], media: list[UUID], children: list[UUID],
                               next_steps: str | None, warnings: list[str], actor: Actor,
                               at: datetime) -> None:
        observation = Observation(observation_id, actor.account_id)
        observation.revisions.append(Revision(
            1, observed_on, text, list(framework), list(media), list(children), next_steps,
            actor.account_id, at, list(warnings)))
        self.observations[observation_id] = observation

    def revise_observation(self, observation_id: UUID, base_revision: int,
                           changes: dict[str, Any], actor: Actor, at: datetime,
                           curriculum: Framework | None = None) -> tuple[int, list[str]]:
        """Staff revise from `base_revision`: a new pending revision. Stale base: 409.

        Returns the new revision number and its warning codes.
        """
        if not actor.is_staff:
            raise Forbidden("Parents add observations and comments; they do not edit "
                            "existing material.")
        self._require_here(actor, at)
        observation = self.observation(observation_id)
        unknown = set(changes) - set(CONTENT_FIELDS)
        if unknown:
            raise Invalid(f"The field {sorted(unknown)[0]!r} cannot be revised.",
                          sorted(unknown)[0])
        if not changes:
            raise Invalid("A revision must change at least one of: "
                          f"{', '.join(CONTENT_FIELDS)}.", "base_revision")
        if not isinstance(base_revision, int) or isinstance(base_revision, bool):
            raise Invalid("The field 'base_revision' must be a revision number.",
                          "base_revision")
        latest = observation.latest
        if base_revision != latest.number:
            raise Conflict(
                f"This observation has changed since revision {base_revision}: the latest "
                f"is revision {latest.number}. Reload it, apply your change again and send "
                f"base_revision {latest.number}; your text was not saved."
            )
        content = self._checked_content({**latest.content(), **changes}, at, curriculum)
        uploaded = observation.revisions[0].at  # lateness counts from the first upload
        warnings = self.warnings_for(content["text"], content["observed_on"], uploaded)
        number = latest.number + 1
        self._observation_revised(observation_id, number, actor=actor, at=at,
                                  warnings=warnings, **content)
        return number, warnings

    @event("ObservationRevised")
    def _observation_revised(self, observation_id: UUID, revision: int, observed_on: date,
                             text: str, framework: list[dict], media: list[UUID],
                             children: list[UUID], next_steps: str | None,
                             warnings: list[str], actor: Actor, at: datetime) -> None:
        observation = self.observations[observation_id]
        if observation.latest.status == PENDING:
            observation.latest.status = SUPERSEDED
        observation.revisions.append(Revision(
            revision, observed_on, text, list(framework), list(media), list(children),
            next_steps, actor.account_id, at, list(warnings)))

    def _checked_content(self, content: dict[str, Any], at: datetime,
                         curriculum: Framework | None) -> dict[str, Any]:
        observed_on = content["observed_on"]
        if not isinstance(observed_on, date) or isinstance(observed_on, datetime):
            raise Invalid("The field 'observed_on' must be a date (YYYY-MM-DD).", "observed_on")
        if observed_on > (at + LATEST_UTC_OFFSET).date():
            raise Invalid("The field 'observed_on' must not be in the future.", "observed_on")
        if observed_on < self.date_of_birth:
            raise Invalid("The field 'observed_on' must not be before the child was born.",
                          "observed_on")
        children = _ids(content["children"] or [], "children", MAX_CHILDREN)
        if self.child_id in children:
            raise Invalid("The field 'children' lists the other children who took part; "
                          "it must not name this child.", "children")
        framework = content["framework"] or []
        if not isinstance(framework, list | tuple):
            raise Invalid("The field 'framework' must be a list of references.", "framework")
        return {
            "observed_on": observed_on,
            "text": _text(content["text"], "text", MAX_TEXT),
            "framework": (curriculum or framework_for()).check_references(framework),
            "media": _ids(content["media"] or [], "media", MAX_MEDIA),
            "children": children,
            "next_steps": _text(content["next_steps"], "next_steps", MAX_NEXT_STEPS,
                                required=False),
        }

    @staticmethod
    def warnings_for(text: str, observed_on: date, at: datetime) -> list[str]:
        """Warning codes (see WARNINGS): past tense; made more than a week before upload."""
        warnings = []
        if reads_as_past_tense(text):
            warnings.append(PAST_TENSE)
        if at.date() - observed_on > LATE_AFTER:
            warnings.append(LATE_UPLOAD)
        return warnings

    # moderation

    def approve(self, observation_id: UUID, revision: int, managers_in_setting: int,
                shows_children: dict[UUID, list[UUID] | None], actor: Actor,
                at: datetime) -> None:
        """A manager approves the latest pending revision (four-eyes when possible).

        A manager may not approve an observation they wrote (or a revision they wrote)
        while the setting has another manager. `shows_children` (media id -> children
        shown, None while nobody has declared who appears) is recorded so the views know
        whose consent each photo depends on; a photo or video whose children are not
        declared cannot be approved (image consent could not be checked); the command
        checks image consent before calling this.
        """
        self._require_manager(actor)
        observation = self.observation(observation_id)
        pending = self._pending(observation, revision)
        self._four_eyes({observation.author_id, pending.author_id}, managers_in_setting,
                        actor, "observation")
        undeclared = [m for m in pending.media if shows_children.get(m) is None]
        if undeclared:
            raise Conflict(
                f"Nobody has said who appears in the media {undeclared[0]}, so image consent "
                "cannot be checked: declare it with PUT /media/{media_id}/children (name "
                "just this child if only they appear) before approving."
            )
        shown = {str(m): [str(c) for c in shows_children.get(m) or []] for m in pending.media}
        self._revision_approved(observation_id, pending.number, shown, actor, at)

    @event("RevisionApproved")
    def _revision_approved(self, observation_id: UUID, revision: int,
                           shows_children: dict[str, list[str]], actor: Actor,
                           at: datetime) -> None:
        observation = self.observations[observation_id]
        observation.revisions[revision - 1].status = APPROVED
        observation.approved = revision

    def reject(self, observation_id: UUID, revision: int, reason: str, actor: Actor,
               at: datetime) -> None:
        """A manager rejects the latest pending revision, with a reason the author sees."""
        self._require_manager(actor)
        observation = self.observation(observation_id)
        pending = self._pending(observation, revision)
        reason = _text(reason, "reason", MAX_REASON)
        self._revision_rejected(observation_id, pending.number, reason, actor, at)

    @event("RevisionRejected")
    def _revision_rejected(self, observation_id: UUID, revision: int, reason: str,
                           actor: Actor, at: datetime) -> None:
        rejected = self.observations[observation_id].revisions[revision - 1]
        rejected.status = REJECTED
        rejected.reason = reason

    def remove(self, observation_id: UUID, reason: str, actor: Actor, at: datetime) -> None:
        """A manager removes an inappropriate observation: it leaves every view."""
        self._require_manager(actor)
        self.observation(observation_id)
        reason = _text(reason, "reason", MAX_REASON)
        self._observation_removed(observation_id, reason, actor, at)

    @event("ObservationRemoved")
    def _observation_removed(self, observation_id: UUID, reason: str, actor: Actor,
                             at: datetime) -> None:
        self.observations[observation_id].removed = True

    def _pending(self, observation: Observation, revision: int) -> Revision:
        latest = observation.latest
        if not isinstance(revision, int) or isinstance(revision, bool) \
                or not 1 <= revision <= latest.number:
            raise Invalid(f"The field 'revision' must be a revision of this observation "
                          f"(1 to {latest.number}).", "revision")
        if revision != latest.number or latest.status != PENDING:
            raise Conflict(
                f"Revision {revision} is not awaiting moderation: the latest is revision "
                f"{latest.number}, {latest.status}."
            )
        return latest

    # comments

    def add_comment(self, comment_id: UUID, observation_id: UUID, text: str,
                    owner: ChildJourney, actor: Actor, at: datetime) -> None:
        """Comment, in this child's journey, on an approved observation that appears in it.

        `owner` is the journey the observation belongs to (this one, or the journey of
        the child a group observation was submitted for).
        """
        self._require_here(actor, at)
        observation = owner.observations.get(observation_id)
        if observation is None or observation.removed or (
                observation.approved is not None
                and self.child_id not in observation.journey_children(owner.child_id)):
            raise NotFound("No such observation.")
        if observation.approved is None:
            if actor.is_parent:
                raise NotFound("No such observation.")
            raise Conflict("Comments are for approved observations; this one awaits "
                           "moderation.")
        if comment_id in self.comments:
            raise Conflict("A comment with this id already exists.")
        text = _text(text, "text", MAX_COMMENT)
        self._comment_added(comment_id, observation_id, text, actor, at,
                            pending=not actor.is_manager)

    @event("CommentAdded")
    def _comment_added(self, comment_id: UUID, observation_id: UUID, text: str, actor: Actor,
                       at: datetime, pending: bool = False) -> None:
        self.comments[comment_id] = Comment(comment_id, observation_id, actor.account_id, text,
                                            pending=pending)

    def approve_comment(self, comment_id: UUID, actor: Actor, at: datetime) -> None:
        """A manager lets a waiting comment into the journey (the policy: everything put
        in is moderated by the management team before it is added)."""
        self._require_manager(actor)
        comment = self.comments.get(comment_id)
        if comment is None or comment.removed:
            raise NotFound("No such comment.")
        if not comment.pending:
            raise Conflict("This comment is not awaiting moderation.")
        self._comment_approved(comment_id, comment.observation_id, actor, at)

    @event("CommentApproved")
    def _comment_approved(self, comment_id: UUID, observation_id: UUID, actor: Actor,
                          at: datetime) -> None:
        self.comments[comment_id] = replace(self.comments[comment_id], pending=False)

    def remove_comment(self, comment_id: UUID, reason: str, actor: Actor,
                       at: datetime) -> None:
        """A manager removes a comment, with a reason."""
        self._require_manager(actor)
        comment = self.comments.get(comment_id)
        if comment is None or comment.removed:
            raise NotFound("No such comment.")
        reason = _text(reason, "reason", MAX_REASON)
        self._comment_removed(comment_id, comment.observation_id, reason, actor, at)

    @event("CommentRemoved")
    def _comment_removed(self, comment_id: UUID, observation_id: UUID, reason: str,
                         actor: Actor, at: datetime) -> None:
        self.comments[comment_id] = replace(self.comments[comment_id], removed=True)

    # assessments

    def record_assessment(self, assessment_id: UUID, period: str, judgements: dict,
                          summary: str | None, actor: Actor, at: datetime,
                          kind: str | None = None, curriculum: Framework | None = None
                          ) -> None:
        """Staff record an assessment for a period.

        A profile judges areas as emerging, expected or exceeding. The progress check
        at two (kind `progress_check`, or a period named so) is free text for each of
        the three prime areas, recorded only between the second and third birthdays.
        """
        if not actor.is_staff:
            raise Forbidden("Only staff record assessments.")
        self._require_here(actor, at)
        curriculum = curriculum or framework_for()
        period = _text(period, "period", MAX_NAME)
        kind = kind or (PROGRESS_CHECK if "progress_check" in slug(period) else PROFILE)
        if kind not in (PROFILE, PROGRESS_CHECK):
            raise Invalid("The field 'kind' must be 'profile' or 'progress_check'.", "kind")
        if not isinstance(judgements, dict) or not judgements:
            raise Invalid("The field 'judgements' must give a judgement for at least one "
                          "area.", "judgements")
        checked: dict[str, str] = {}
        for ref, value in judgements.items():
            area = curriculum.area(ref) if isinstance(ref, str) else None
            if area is None:
                raise Invalid(f"The field 'judgements' names {str(ref)[:60]!r}, which is not "
                              f"an area of learning; use one of "
                              f"{', '.join(curriculum.area_keys)}.", "judgements")
            where = f"judgements.{area.key}"
            if kind == PROFILE:
                if value not in curriculum.judgements:
                    raise Invalid(f"The field '{where}' must be one of "
                                  f"{', '.join(curriculum.judgements)}.", where)
                checked[area.key] = value
            else:
                if not area.prime:
                    raise Invalid(f"The field '{where}' is not a prime area; the progress "
                                  "check at two covers "
                                  f"{', '.join(curriculum.prime_areas)}.", where)
                checked[area.key] = _text(value, where, MAX_TEXT)
        if kind == PROGRESS_CHECK:
            missing = [a for a in curriculum.prime_areas if a not in checked]
            if missing:
                raise Invalid(f"The field 'judgements' must cover every prime area for the "
                              f"progress check at two; {missing[0]} is missing.", "judgements")
            today = at.date()
            if not birthday(self.date_of_birth, 2) <= today < birthday(self.date_of_birth, 3):
                raise Conflict("The progress check at two is recorded only between the "
                               "child's second and third birthdays.")
        summary = _text(summary, "summary", MAX_TEXT, required=False)
        if assessment_id in self.assessments:
            raise Conflict("An assessment with this id already exists.")
        self._assessment_recorded(assessment_id, period, kind, checked, summary, actor, at,
                                  pending=True)

    @event("AssessmentRecorded")
    def _assessment_recorded(self, assessment_id: UUID, period: str, kind: str,
                             judgements: dict[str, str], summary: str | None, actor: Actor,
                             at: datetime, pending: bool = False) -> None:
        self.assessments[assessment_id] = Assessment(
            assessment_id, period, kind, dict(judgements), summary, actor.account_id,
            PENDING if pending else APPROVED)

    def approve_assessment(self, assessment_id: UUID, managers_in_setting: int,
                           actor: Actor, at: datetime) -> None:
        """A manager approves a pending assessment, as for observations (four-eyes)."""
        self._require_manager(actor)
        assessment = self._pending_assessment(assessment_id)
        self._four_eyes({assessment.author_id}, managers_in_setting, actor, "assessment")
        self._assessment_approved(assessment_id, actor, at)

    @event("AssessmentApproved")
    def _assessment_approved(self, assessment_id: UUID, actor: Actor, at: datetime) -> None:
        self.assessments[assessment_id].status = APPROVED

    def reject_assessment(self, assessment_id: UUID, reason: str, actor: Actor,
                          at: datetime) -> None:
        """A manager rejects a pending assessment, with a reason its author sees."""
        self._require_manager(actor)
        self._pending_assessment(assessment_id)
        self._assessment_rejected(assessment_id, _text(reason, "reason", MAX_REASON),
                                  actor, at)

    @event("AssessmentRejected")
    def _assessment_rejected(self, assessment_id: UUID, reason: str, actor: Actor,
                             at: datetime) -> None:
        self.assessments[assessment_id].status = REJECTED

    def _pending_assessment(self, assessment_id: UUID) -> Assessment:
        assessment = self.assessments.get(assessment_id)
        if assessment is None:
            raise NotFound("No such assessment.")
        if assessment.status != PENDING:
            raise Conflict(f"This assessment is not awaiting moderation: it is "
                           f"{assessment.status}.")
        return assessment

    # rules shared by the commands

    def require_actor(self, actor: Actor) -> None:
        """The actor may act on this child (`domain.access`): else 404, or 403 for an
        unsigned agreement or a support account. An erased child is 404 to everyone."""
        if self.erased:
            raise NotFound("No such child.")
        try:
            access.require_may_act_on_child(actor, self.setting_id, self.child_id)
        except NotFound:
            raise NotFound("No such child.") from None

    def _require_here(self, actor: Actor, at: datetime | None = None) -> None:
        self.require_actor(actor)
        if self.left_on is not None and (at is None or self.has_left(at.date())):
            raise Conflict(access.left_sentence(self.left_on))

    @staticmethod
    def _four_eyes(authors: set[UUID], managers_in_setting: int, actor: Actor,
                   what: str) -> None:
        """The author never approves their own work while another manager could."""
        if actor.account_id in authors and managers_in_setting > 1:
            raise Forbidden(f"You wrote this {what}: another manager of the setting must "
                            "approve it (four-eyes rule).")

    def _require_manager(self, actor: Actor) -> None:
        self.require_actor(actor)
        if not actor.is_manager:
            raise Forbidden("Only a manager may do this.")
