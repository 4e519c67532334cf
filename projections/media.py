"""Media view: each upload's setting, uploader, children who appear and device, and the
observations that use it. `GET /media/{id}` reads it to decide who may download.

Tables:

- `media_view`: one row per upload (Media.Uploaded), with `attached` counting the
  observations that reference it (Media.Attached).
- `media_children`: who appears in each upload (the consent feature reads it).
- `observation_media(observation_id, media_id, child_id, setting_id, approved,
  visible)`: which observation of which child uses which media. This projection only
  creates the table (so it exists whatever the order of set-up); the *journey*
  projection owns and fills it (lists it in its `tables`): one row per media of an
  observation and per child whose journey shows the observation; `approved` is 1
  once a revision using the media is approved (and 0 again if the observation is
  removed), `visible` is 0 while image consent hides the media from that child's
  journey. Staff and granted support of the setting may download media with any row;
  a parent of `child_id` only when `approved = 1 AND visible = 1`.
"""

from __future__ import annotations

import json
from uuid import UUID

from adapters.storage.database import Database
from projections.engine import Projection, handles

OBSERVATION_MEDIA_SCHEMA = """CREATE TABLE IF NOT EXISTS observation_media (
    observation_id TEXT NOT NULL,
    media_id TEXT NOT NULL,
    child_id TEXT NOT NULL,
    setting_id TEXT NOT NULL,
    approved INTEGER NOT NULL DEFAULT 0,
    visible INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (observation_id, media_id, child_id))"""


class MediaView(Projection):
    """Uploads and who appears in them."""

    name = "media"
    schema = (
        """CREATE TABLE IF NOT EXISTS media_view (
            media_id TEXT PRIMARY KEY,
            setting_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            content_type TEXT NOT NULL,
            size BIGINT NOT NULL,
            sha256 TEXT NOT NULL,
            uploaded_by TEXT NOT NULL,
            device_id TEXT,
            captured_at TEXT,
            uploaded_at TEXT NOT NULL,
            children TEXT NOT NULL,
            attached INTEGER NOT NULL DEFAULT 0)""",
        "CREATE INDEX IF NOT EXISTS media_by_setting ON media_view (setting_id)",
        """CREATE TABLE IF NOT EXISTS media_children (
            media_id TEXT NOT NULL,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            PRIMARY KEY (media_id, child_id))""",
        "CREATE INDEX IF NOT EXISTS media_children_by_child ON media_children (child_id)",
        OBSERVATION_MEDIA_SCHEMA,
        "CREATE INDEX IF NOT EXISTS observation_media_by_media ON observation_media (media_id)",
    )
    tables = ("media_view", "media_children")

    @handles("Media.Uploaded")
    def uploaded(self, event, tx) -> None:
        media_id, setting_id = str(event.originator_id), str(event.setting_id)
        children = [str(c) for c in event.children]
        tx.execute(
            "INSERT INTO media_view (media_id, setting_id, kind, content_type, size, sha256, "
            "uploaded_by, device_id, captured_at, uploaded_at, children) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (media_id) DO NOTHING",
            (media_id, setting_id, event.kind, event.content_type, event.size, event.sha256,
             str(event.uploaded_by), str(event.device_id) if event.device_id else None,
             event.captured_at, event.timestamp.isoformat(), json.dumps(children)),
        )
        tx.executemany(
            "INSERT INTO media_children (media_id, child_id, setting_id) VALUES (?, ?, ?) "
            "ON CONFLICT (media_id, child_id) DO NOTHING",
            [(media_id, child, setting_id) for child in children],
        )

    @handles("Media.Attached")
    def attached(self, event, tx) -> None:
        tx.execute("UPDATE media_view SET attached = attached + 1 WHERE media_id = ?",
                   (str(event.originator_id),))


def media_row(db: Database, media_id: UUID) -> dict | None:
    """The view row of a media, or None."""
    row = db.query_one(
        "SELECT media_id, setting_id, kind, content_type, size, sha256, uploaded_by, "
        "device_id, captured_at, uploaded_at, children, attached FROM media_view "
        "WHERE media_id = ?", (str(media_id),))
    if row is None:
        return None
    names = ("media_id", "setting_id", "kind", "content_type", "size", "sha256",
             "uploaded_by", "device_id", "captured_at", "uploaded_at", "children", "attached")
    found = dict(zip(names, row, strict=True))
    found["children"] = json.loads(found["children"])
    found["size"] = int(found["size"])
    return found


def media_uses(db: Database, media_id: UUID) -> list[tuple[UUID, bool, bool]]:
    """(child id, approved, visible) of every observation using the media."""
    rows = db.query(
        "SELECT child_id, approved, visible FROM observation_media WHERE media_id = ?",
        (str(media_id),))
    return [(UUID(child), bool(approved), bool(visible)) for child, approved, visible in rows]
