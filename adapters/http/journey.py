"""HTTP routes of the Learning Journey: children, observations, moderation, comments,
assessments, the journey itself and the framework.

Each handler makes one application call and waits for the views (read your writes);
reads come from the journey views (`projections.journey`). An observation is found
through the view (which journey owns it, which journeys show it); the command checks
it against the aggregate.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

import msgspec
from litestar import MediaType, Response, get, patch, post

from adapters.bootstrap import Services
from adapters.http import replies
from adapters.http.paging import cursors, page_limit
from domain import access
from domain.actor import Actor
from domain.commands.journey import ObservationSaved
from domain.errors import Invalid, NotFound
from domain.framework import framework_for
from projections import journey as views
from projections import media as media_views
from projections.identity import active_managers


class FrameworkRef(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A reference to the framework: an area (with an aspect and an age band), or a
    characteristic of effective learning."""

    area: str | None = None
    aspect: str | None = None
    age_band: str | None = None
    characteristic: str | None = None


class NewChild(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    date_of_birth: date
    room: str
    key_person_id: UUID


class NewObservation(msgspec.Struct, forbid_unknown_fields=True):
    observed_on: date
    text: str
    framework: list[FrameworkRef] = []
    media: list[UUID] = []
    children: list[UUID] = []
    next_steps: str | None = None


class ObservationChanges(msgspec.Struct, forbid_unknown_fields=True):
    """A revision: the revision it starts from and the fields it changes."""

    base_revision: int
    observed_on: date | msgspec.UnsetType = msgspec.UNSET
    text: str | msgspec.UnsetType = msgspec.UNSET
    framework: list[FrameworkRef] | msgspec.UnsetType = msgspec.UNSET
    media: list[UUID] | msgspec.UnsetType = msgspec.UNSET
    children: list[UUID] | msgspec.UnsetType = msgspec.UNSET
    next_steps: str | None | msgspec.UnsetType = msgspec.UNSET


class Moderation(msgspec.Struct, forbid_unknown_fields=True):
    revision: int
    reason: str | None = None


class Removal(msgspec.Struct, forbid_unknown_fields=True):
    reason: str


class NewComment(msgspec.Struct, forbid_unknown_fields=True):
    text: str


class NewAssessment(msgspec.Struct, forbid_unknown_fields=True):
    period: str
    judgements: dict[str, str]
    summary: str | None = None
    kind: str | None = None


def _refs(refs: list[FrameworkRef]) -> list[dict]:
    return [msgspec.structs.asdict(r) for r in refs]


def _json(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=MediaType.JSON)


# children


@post("/children", opt={"permission": "child.enrol"}, sync_to_thread=True, status_code=201)
def enrol_child(data: NewChild, actor: Actor, services: Services) -> replies.ChildEnrolled:
    """A manager enrols a child with a room and a key person."""
    journey, position = services.app.enrol_child(
        data.name, data.date_of_birth, data.room, data.key_person_id, actor, services.clock())
    services.projections.wait_for(position)
    return replies.ChildEnrolled(journey.id)


@get("/children", opt={"permission": "child.list"}, sync_to_thread=True)
def list_children(actor: Actor, services: Services, limit: int | None = None,
                  cursor: str | None = None) -> replies.ChildList:
    """Staff: the setting's children; a parent: their own. Ordered by name."""
    size = page_limit(limit)
    after = cursors(services).decode("children", cursor, 2)
    everyone = actor.is_staff or actor.is_support
    rows = views.children_page(services.db, actor.setting_id,
                               None if everyone else actor.children,
                               (after[0], after[1]) if after else None, size + 1)
    items = [
        access.child_as_listed(actor, r)
        for r in rows[:size]
    ]
    more = len(rows) > size
    return {"items": items,
            "next_cursor": cursors(services).encode("children", rows[size - 1]["name"],
                                                    rows[size - 1]["child_id"])
            if more else None}


# observations


def _observation_in(services: Services, actor: Actor, child_id: UUID | None,
                    observation_id: UUID) -> str:
    """The owner child id of an observation shown in this child's journey (or, without a
    child, of the actor's setting); 404 otherwise."""
    found = views.observation_owner(services.db, observation_id)
    if found is None:
        raise NotFound("No such observation.")
    owner, setting_id, shown_in = found
    access.require_same_setting(actor, UUID(setting_id))
    if child_id is not None and str(child_id) not in shown_in:
        raise NotFound("No such observation.")
    return owner


@post("/children/{child_id:uuid}/observations", opt={"permission": "observation.submit"},
      sync_to_thread=True, status_code=201)
def submit_observation(child_id: UUID, data: NewObservation, actor: Actor,
                       services: Services) -> replies.ObservationSaved:
    """Staff or a parent submit an observation; it waits for a manager's approval."""
    saved = services.app.submit_observation(
        child_id, data.observed_on, data.text, _refs(data.framework), data.media,
        data.children, data.next_steps, actor, services.clock())
    services.projections.wait_for(saved.position)
    return _saved(saved)


@patch("/children/{child_id:uuid}/observations/{observation_id:uuid}",
       opt={"permission": "observation.revise"}, sync_to_thread=True, status_code=200)
def revise_observation(child_id: UUID, observation_id: UUID, data: ObservationChanges,
                       actor: Actor, services: Services) -> replies.ObservationSaved:
    """Staff revise from `base_revision` (409 if someone changed it since)."""
    owner = _observation_in(services, actor, child_id, observation_id)
    changes = {
        name: getattr(data, name)
        for name in ("observed_on", "text", "framework", "media", "children", "next_steps")
        if getattr(data, name) is not msgspec.UNSET
    }
    if "framework" in changes:
        changes["framework"] = _refs(changes["framework"])
    saved = services.app.revise_observation(
        UUID(owner), observation_id, data.base_revision, changes, actor, services.clock())
    services.projections.wait_for(saved.position)
    return _saved(saved)


def _saved(saved: ObservationSaved) -> replies.ObservationSaved:
    return replies.ObservationSaved(saved.observation_id, saved.revision, saved.status,
                                    saved.warnings)


@post("/observations/{observation_id:uuid}/approve",
      opt={"permission": "observation.moderate"}, sync_to_thread=True, status_code=204)
def approve_observation(observation_id: UUID, data: Moderation, actor: Actor,
                        services: Services) -> None:
    """A manager approves a pending revision into the journeys."""
    owner = _observation_in(services, actor, None, observation_id)
    position = services.app.approve_observation(
        UUID(owner), observation_id, data.revision, active_managers(services.db, actor.setting_id),
        actor, services.clock())
    services.projections.wait_for(position)


@post("/observations/{observation_id:uuid}/reject",
      opt={"permission": "observation.moderate"}, sync_to_thread=True, status_code=204)
def reject_observation(observation_id: UUID, data: Moderation, actor: Actor,
                       services: Services) -> None:
    """A manager rejects a pending revision with a reason the author sees."""
    owner = _observation_in(services, actor, None, observation_id)
    position = services.app.reject_observation(
        UUID(owner), observation_id, data.revision, data.reason, actor, services.clock())
    services.projections.wait_for(position)


@post("/observations/{observation_id:uuid}/remove",
      opt={"permission": "observation.moderate"}, sync_to_thread=True, status_code=204)
def remove_observation(observation_id: UUID, data: Removal, actor: Actor,
                       services: Services) -> None:
    """A manager removes an inappropriate observation from every journey."""
    owner = _observation_in(services, actor, None, observation_id)
    position = services.app.remove_observation(
        UUID(owner), observation_id, data.reason, actor, services.clock())
    services.projections.wait_for(position)


@get("/moderation/queue", opt={"permission": "moderation.queue"}, sync_to_thread=True)
def moderation_queue(actor: Actor, services: Services, limit: int | None = None,
                     cursor: str | None = None) -> Response[replies.JourneyPage]:
    """Pending revisions of the setting, oldest first, with what changed since the last
    approved revision."""
    size = page_limit(limit)
    after = _sort_key(services, "moderation", cursor)
    rows = views.moderation_page(services.db, actor.setting_id, after, size + 1)
    return page_response(services, "moderation",
                         [(key, _with_declarations(services, entry)) for key, entry in rows],
                         size)


def _sort_key(services: Services, list_name: str, cursor: str | None) -> str | None:
    """The sort key a cursor of a pre-rendered list stands for."""
    after = cursors(services).decode(list_name, cursor, 1)
    if after is None:
        return None
    if not isinstance(after[0], str):
        raise Invalid("The query parameter 'cursor' is not one this service gave.", "cursor")
    return after[0]


def _with_declarations(services: Services, entry: str) -> str:
    """A queue entry with who appears in each of its media, as declared (`null`: nobody
    has said yet, and approval will be refused until someone does)."""
    item = json.loads(entry)
    item["media_children"] = media_views.declarations(services.db, item.get("media") or [])
    return json.dumps(item)


# the journey


@get("/children/{child_id:uuid}/journey", opt={"permission": "journey.read"},
     sync_to_thread=False)
def journey(child_id: UUID, actor: Actor, services: Services, limit: int | None = None,
            cursor: str | None = None) -> Response[replies.JourneyPage]:
    """The child's journey, newest first: staff see every entry with its status and
    warnings; parents see approved revisions only, with comments."""
    size = page_limit(limit)
    after = _sort_key(services, "journey", cursor)
    staff = actor.is_staff or actor.is_support
    read = views.staff_page if staff else views.parent_page
    rows = read(services.db, str(child_id), after, size + 1)  # child checked by `actor`
    return page_response(services, "journey", rows, size)


def page_response(services: Services, list_name: str, rows: list[tuple[str, str]],
                  size: int) -> Response:
    """`{"items": [...], "next_cursor"}` from (sort key, entry JSON) rows, without
    decoding the entries."""
    cursor = (cursors(services).encode(list_name, rows[size - 1][0])
              if len(rows) > size else None)
    body = (f'{{"items":[{",".join(entry for _, entry in rows[:size])}],'
            f'"next_cursor":{json.dumps(cursor)}}}')
    return _json(body.encode())


# comments


@post("/children/{child_id:uuid}/observations/{observation_id:uuid}/comments",
      opt={"permission": "comment.add"}, sync_to_thread=True, status_code=201)
def add_comment(child_id: UUID, observation_id: UUID, data: NewComment, actor: Actor,
                services: Services) -> replies.CommentAdded:
    """Comment on an approved observation in this child's journey."""
    owner = _observation_in(services, actor, child_id, observation_id)
    comment_id, position = services.app.add_comment(
        child_id, UUID(owner), observation_id, data.text, actor, services.clock())
    services.projections.wait_for(position)
    return replies.CommentAdded(comment_id)


@post("/children/{child_id:uuid}/comments/{comment_id:uuid}/remove",
      opt={"permission": "comment.remove"}, sync_to_thread=True, status_code=204)
def remove_comment(child_id: UUID, comment_id: UUID, data: Removal, actor: Actor,
                   services: Services) -> None:
    """A manager removes a comment, with a reason."""
    position = services.app.remove_comment(child_id, comment_id, data.reason, actor,
                                           services.clock())
    services.projections.wait_for(position)


@post("/children/{child_id:uuid}/comments/{comment_id:uuid}/approve",
      opt={"permission": "comment.moderate"}, sync_to_thread=True, status_code=204)
def approve_comment(child_id: UUID, comment_id: UUID, actor: Actor,
                    services: Services) -> None:
    """A manager lets a waiting comment into the journey."""
    position = services.app.approve_comment(child_id, comment_id, actor, services.clock())
    services.projections.wait_for(position)


@get("/moderation/comments", opt={"permission": "moderation.queue"}, sync_to_thread=True)
def comments_queue(actor: Actor, services: Services, limit: int | None = None,
                   cursor: str | None = None) -> replies.WaitingComments:
    """Comments waiting for a manager, oldest first (reject one with .../remove)."""
    size = page_limit(limit)
    after = cursors(services).decode("comments_waiting", cursor, 1)
    rows = views.comments_waiting(services.db, actor.setting_id,
                                  after[0] if after else None, size + 1)
    return {"items": [item for _, item in rows[:size]],
            "next_cursor": cursors(services).encode("comments_waiting", rows[size - 1][0])
            if len(rows) > size else None}


# assessments


@get("/moderation/assessments", opt={"permission": "moderation.queue"}, sync_to_thread=True)
def assessments_queue(actor: Actor, services: Services) -> replies.WaitingAssessments:
    """Assessments waiting for a manager, oldest first."""
    return {"items": views.assessments_waiting(services.db, actor.setting_id),
            "next_cursor": None}


@post("/children/{child_id:uuid}/assessments/{assessment_id:uuid}/approve",
      opt={"permission": "assessment.moderate"}, sync_to_thread=True, status_code=204)
def approve_assessment(child_id: UUID, assessment_id: UUID, actor: Actor,
                       services: Services) -> None:
    """A manager approves a pending assessment (not their own while another manager could)."""
    position = services.app.approve_assessment(
        child_id, assessment_id, active_managers(services.db, actor.setting_id), actor,
        services.clock())
    services.projections.wait_for(position)


@post("/children/{child_id:uuid}/assessments/{assessment_id:uuid}/reject",
      opt={"permission": "assessment.moderate"}, sync_to_thread=True, status_code=204)
def reject_assessment(child_id: UUID, assessment_id: UUID, data: Removal, actor: Actor,
                      services: Services) -> None:
    """A manager rejects a pending assessment, with a reason."""
    position = services.app.reject_assessment(child_id, assessment_id, data.reason, actor,
                                              services.clock())
    services.projections.wait_for(position)


@post("/children/{child_id:uuid}/assessments", opt={"permission": "assessment.record"},
      sync_to_thread=True, status_code=201)
def record_assessment(child_id: UUID, data: NewAssessment, actor: Actor,
                      services: Services) -> replies.AssessmentRecorded:
    """Staff record an assessment: a judgement per area, or the progress check at two."""
    assessment_id, position = services.app.record_assessment(
        child_id, data.period, data.judgements, data.summary, actor, services.clock(),
        kind=data.kind)
    services.projections.wait_for(position)
    return replies.AssessmentRecorded(assessment_id)


@get("/children/{child_id:uuid}/assessments", opt={"permission": "journey.read"},
     sync_to_thread=True)
def list_assessments(child_id: UUID, actor: Actor, services: Services,
                     limit: int | None = None, cursor: str | None = None
                     ) -> replies.AssessmentList:
    """The child's assessments, newest first; families see approved ones only."""
    size = page_limit(limit)
    after = cursors(services).decode("assessments", cursor, 2)
    rows = views.assessments_of(services.db, child_id,
                                f"{after[0]}|{after[1]}" if after else None, size + 1,
                                approved_only=actor.is_parent)
    last = rows[size - 1] if len(rows) > size else None
    return {"items": rows[:size],
            "next_cursor": cursors(services).encode("assessments", last["recorded_at"],
                                                    last["assessment_id"])
            if last else None}


# the framework


@get("/framework", opt={"permission": "framework.read"}, sync_to_thread=True)
def framework(actor: Actor) -> replies.Framework:
    """The framework the setting uses: areas, aspects, age bands, characteristics."""
    return framework_for().as_json()


ROUTES: list[Any] = [
    enrol_child, list_children, submit_observation, revise_observation,
    approve_observation, reject_observation, remove_observation, moderation_queue, journey,
    add_comment, remove_comment, approve_comment, comments_queue, assessments_queue,
    approve_assessment, reject_assessment, record_assessment, list_assessments, framework,
]
