"""Recording uploaded photos and videos and who appears in them.

The HTTP adapter stores the bytes first (under the media id it chose), then calls
`record_media`; if that refuses, the adapter deletes the bytes, so a refused upload
leaves nothing. The journey feature calls `check_media_usable` before an
observation references media, and `media_for_observation` to
record which observation of which children uses them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from uuid import UUID

from domain import access
from domain.actor import Actor
from domain.aggregates.device import TABLET, Device
from domain.aggregates.media import Media, unknown_media
from domain.commands.base import Commands
from domain.errors import Forbidden, Invalid


class MediaCommands(Commands):
    """Recording uploaded photos and videos and who appears in them."""

    @staticmethod
    def check_media_children(children: Iterable[UUID], child_settings: Mapping[UUID, UUID],
                             actor: Actor) -> list[UUID]:
        """The children who appear, checked: each a child of the actor's setting, and for a
        parent, only their own child. `child_settings` maps known child ids to settings."""
        checked = list(dict.fromkeys(children))
        if not actor.is_staff and not actor.is_parent:
            raise Forbidden("Only staff and parents upload photos and videos.")
        access.require_signed_parent(actor, [c for c in checked if c in actor.children])
        for child_id in checked:
            ours = child_settings.get(child_id) == actor.setting_id
            if actor.is_parent and not (ours and child_id in actor.children):
                # one answer whether the child exists elsewhere or not at all
                raise Invalid(f"X-Children names {child_id}, which is not your child.",
                              "X-Children")
            if not ours:
                raise Invalid(f"X-Children names {child_id}, which is not a child of this "
                              "setting.", "X-Children")
        return checked

    def record_media(self, media_id: UUID, kind: str, content_type: str, size: int,
                     sha256: str, children: Iterable[UUID], child_settings: Mapping[UUID, UUID],
                     captured_at: str | None, actor: Actor, at: datetime) -> int:
        """Record a stored upload. Staff uploading from a tablet: the media records the
        device, and the device records the photo as still on it (custody report)."""
        checked = self.check_media_children(children, child_settings, actor)
        media = Media.upload(media_id, kind, content_type, size, sha256, checked, captured_at,
                             actor, at)
        device = self._find(actor.device_id, Device) if actor.device_id else None
        if device is not None and actor.is_staff and device.kind == TABLET:
            device.record_photo(media_id, actor, at)  # the custody report lists it
            return self._save(media, device)
        return self._save(media)

    def declare_media_children(self, media_id: UUID, children: Iterable[UUID],
                               child_settings: Mapping[UUID, UUID], actor: Actor,
                               at: datetime) -> int:
        """Staff say who appears in a photo or video uploaded without `X-Children`."""
        media = self._find(media_id, Media)
        if media is None:
            raise Invalid(unknown_media(media_id), "media")
        checked = self.check_media_children(children, child_settings, actor)
        media.declare_children(checked, actor, at)
        return self._save(media)

    def check_media_usable(self, media_ids: Iterable[UUID], observation_id: UUID,
                           actor: Actor) -> list[Media]:
        """The media this observation may reference, or Invalid naming the first that is
        unknown, of another setting, or someone else's upload not yet in this observation
        (`Media.check_attachable`: only the uploader attaches)."""
        found: list[Media] = []
        for media_id in dict.fromkeys(media_ids):
            media = self._find(media_id, Media)
            if media is None:
                raise Invalid(unknown_media(media_id), "media")
            media.check_attachable(observation_id, actor)
            found.append(media)
        return found

    def media_for_observation(self, media_ids: Iterable[UUID], observation_id: UUID,
                              child_ids: Iterable[UUID], actor: Actor, at: datetime
                              ) -> list[Media]:
        """The media, checked and marked as used by the observation; the caller saves them
        in the same `_save` as the observation."""
        media = self.check_media_usable(media_ids, observation_id, actor)
        for item in media:
            item.attach(observation_id, list(child_ids), actor, at)
        return media
