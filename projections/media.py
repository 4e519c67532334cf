"""Media view: each upload's setting, uploader, kind, size, hash, who appears in it and
the device it came from, and how many observations use it (`media_view`); and which
uploads someone has said who appears in (`media_declared`: X-Children at upload, or
Media.ChildrenDeclared; approval needs it). `GET /media/{id}` reads it; who may
download is `projections.media_visibility`'s.
"""

from __future__ import annotations

import json
from uuid import UUID

from projections.engine import Projection, handles
from storage.database import Database


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
        """CREATE TABLE IF NOT EXISTS media_declared (
            media_id TEXT PRIMARY KEY,
            setting_id TEXT NOT NULL)""",
    )
    tables = ("media_view", "media_declared")
    setting_tables = tables

    @handles("ChildJourney.JourneyErased")
    def forget_child(self, event, tx) -> None:
        """The erased child's photos and videos are withdrawn (their objects deleted)."""
        withdrawn = [(str(m),) for m in event.withdrawn_media or []]
        tx.executemany("DELETE FROM media_view WHERE media_id = ?", withdrawn)

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
        if children:
            _declared(tx, media_id, setting_id)

    @handles("Media.ChildrenDeclared")
    def children_declared(self, event, tx) -> None:
        media_id = str(event.originator_id)
        tx.execute("UPDATE media_view SET children = ? WHERE media_id = ?",
                   (json.dumps([str(c) for c in event.children]), media_id))
        row = tx.execute("SELECT setting_id FROM media_view WHERE media_id = ?",
                         (media_id,)).fetchone()
        if row is not None:
            _declared(tx, media_id, row[0])

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


def _declared(tx, media_id: str, setting_id: str) -> None:
    tx.execute("INSERT INTO media_declared (media_id, setting_id) VALUES (?, ?) "
               "ON CONFLICT (media_id) DO NOTHING", (media_id, setting_id))


def declarations(db: Database, media_ids: list[str]) -> dict[str, list[str] | None]:
    """Who appears in each of these media, as declared (None: not declared yet)."""
    if not media_ids:
        return {}
    marks = ",".join("?" for _ in media_ids)
    rows = db.query("SELECT v.media_id, v.children, d.media_id FROM media_view v "
                    "LEFT JOIN media_declared d ON d.media_id = v.media_id "
                    f"WHERE v.media_id IN ({marks})", list(media_ids))
    found = {m: (json.loads(c) if d else None) for m, c, d in rows}
    return {m: found.get(m) for m in media_ids}
