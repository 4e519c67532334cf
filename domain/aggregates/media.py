"""Media: a photo or video uploaded by someone of a setting, and who appears in it.

The bytes live in the media store under `"{setting_id}/{media_id}"`; the aggregate
records the facts about them. Its events carry ids, sizes and hashes only, never a
name or any text about a child, so nothing in them needs sealing.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.actor import Actor
from domain.aggregates.base import NurseryAggregate
from domain.errors import Conflict, Forbidden, Invalid

PHOTO = "photo"
VIDEO = "video"
KINDS = (PHOTO, VIDEO)
SHA256_HEX = 64


def unknown_media(media_id: UUID) -> str:
    """The one answer for media an actor may not use, whether it exists or not."""
    return f"The media {media_id} is unknown: upload it with POST /media first."


class Media(NurseryAggregate):
    """An uploaded photo or video (id chosen by the uploader's adapter: the object key)."""

    @event("Uploaded")
    def __init__(self, id: UUID, setting_id: UUID, kind: str, content_type: str,  # noqa: A002
                 size: int, sha256: str, children: list[UUID], device_id: UUID | None,
                 captured_at: str | None, uploaded_by: UUID, actor: Actor, at: datetime):
        self.setting_id = setting_id
        self.kind = kind
        self.content_type = content_type
        self.size = size
        self.sha256 = sha256
        self.children = list(children)
        self.device_id = device_id
        self.captured_at = captured_at
        self.uploaded_by = uploaded_by
        self.uploaded_at = at
        self.observations: list[UUID] = []
        # whether someone has said who appears (X-Children at upload, or later)
        self.declared = bool(children)

    @classmethod
    def upload(cls, media_id: UUID, kind: str, content_type: str, size: int, sha256: str,
               children: list[UUID], captured_at: str | None, actor: Actor,
               at: datetime) -> Media:
        """Record an upload already stored; the children must have been checked."""
        if kind not in KINDS:
            raise Invalid("The media kind must be a photo or a video.", "Content-Type")
        if size <= 0:
            raise Invalid("The body is empty: send the photo or video bytes.", "body")
        if len(sha256) != SHA256_HEX:
            raise Invalid("The SHA-256 of the media is malformed.", "sha256")
        unique = list(dict.fromkeys(children))
        return cls(id=media_id, setting_id=actor.setting_id, kind=kind,
                   content_type=content_type, size=size, sha256=sha256, children=unique,
                   device_id=actor.device_id, captured_at=captured_at,
                   uploaded_by=actor.account_id, actor=actor, at=at)

    def declare_children(self, children: list[UUID], actor: Actor, at: datetime) -> None:
        """Staff of the setting say who appears in a photo or video uploaded without
        naming anyone (naming just the observation's child: "only this child"; none: no
        child at all). Approval needs this declaration (image consent is checked on it);
        once made it stands."""
        if actor.setting_id != self.setting_id:
            raise Invalid(unknown_media(self.id), "media")
        if not actor.is_staff:
            raise Forbidden("Staff declare who appears in a photo or video.")
        if self.declared:
            raise Conflict("Who appears in this photo or video has already been declared.")
        self._children_declared(list(dict.fromkeys(children)), actor, at)

    @event("ChildrenDeclared")
    def _children_declared(self, children: list[UUID], actor: Actor, at: datetime) -> None:
        self.children = list(children)
        self.declared = True

    def check_attachable(self, observation_id: UUID, actor: Actor) -> None:
        """Only the uploader attaches their photo or video to an observation; media an
        observation already uses stay usable by whoever revises it. Anything else reads
        as unknown (the same answer as a media id that does not exist)."""
        if actor.setting_id != self.setting_id or (
                actor.account_id != self.uploaded_by and observation_id not in self.observations):
            raise Invalid(unknown_media(self.id), "media")

    def attach(self, observation_id: UUID, child_ids: list[UUID], actor: Actor,
               at: datetime) -> None:
        """Record that an observation of these children uses this media (once)."""
        self.check_attachable(observation_id, actor)
        if observation_id in self.observations:
            return
        self._attached(observation_id, list(dict.fromkeys(child_ids)), actor, at)

    @event("Attached")
    def _attached(self, observation_id: UUID, child_ids: list[UUID], actor: Actor,
                  at: datetime) -> None:
        self.observations.append(observation_id)
