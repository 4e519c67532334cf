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
from domain.errors import Invalid

PHOTO = "photo"
VIDEO = "video"
KINDS = (PHOTO, VIDEO)
SHA256_HEX = 64


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

    def attach(self, observation_id: UUID, child_ids: list[UUID], actor: Actor,
               at: datetime) -> None:
        """Record that an observation of these children uses this media (once)."""
        if observation_id in self.observations:
            return
        self._attached(observation_id, list(dict.fromkeys(child_ids)), actor, at)

    @event("Attached")
    def _attached(self, observation_id: UUID, child_ids: list[UUID], actor: Actor,
                  at: datetime) -> None:
        self.observations.append(observation_id)
