"""Media visibility: which journeys show which photos and videos, and who may download
them, as image consent allows. The one projection that listens to both the journey
and the consent events about media.

Listens to ChildJourney.Enrolled and the observation events, Media.Uploaded and
ChildConsent's image consent events; owns:

- `media_children`: who appears in each upload;
- `observation_media(observation_id, media_id, child_id, setting_id, approved,
  visible)`: one row per media of an observation and per child whose staff journey
  shows it; `approved` once an approved revision uses the media in that child's
  parents' journey (0 again if the observation is removed), `visible` 0 while image
  consent hides it there. Staff and granted support of the setting may download media
  with any row; a parent of `child_id` only when `approved = 1 AND visible = 1`;
- `journey_media`: the approved media of each parents' journey entry, in order, with
  who they show and whether image consent hides them (`hidden`);
- `consent_holds` and `consent_reviews`: when a child's image consent is withdrawn,
  every media item showing that child in *another* child's journey is hidden, the
  observation is held and listed for managers; consent given again restores the media
  only once a manager resolves the review (ChildConsent.ReviewResolved, `restored`);
- `visibility_children`, `visibility_consent`, `visibility_observations`: what the
  rows above are computed from (a child's setting, its image consent, an
  observation's owner and its latest and approved media and children).

Visibility is decided by `domain.consent_rules.media_visible_in`, the one rule.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from domain.consent_rules import media_visible_in
from projections.engine import Projection, handles
from storage.database import Database

WITHDRAWN = "image consent withdrawn: media showing this child hidden from other journeys"
GIVEN_AGAIN = "image consent given again: review to restore the hidden media"


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _ids(values: Any) -> list[str]:
    return [str(v) for v in (values or [])]


def _unique(*groups: list[str]) -> list[str]:
    return list(dict.fromkeys(c for group in groups for c in group))


class MediaVisibility(Projection):
    """Which journeys show which media, and who may download them."""

    name = "media_visibility"
    schema = (
        """CREATE TABLE IF NOT EXISTS media_children (
            media_id TEXT NOT NULL,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            PRIMARY KEY (media_id, child_id))""",
        "CREATE INDEX IF NOT EXISTS media_children_by_child ON media_children (child_id)",
        """CREATE TABLE IF NOT EXISTS observation_media (
            observation_id TEXT NOT NULL,
            media_id TEXT NOT NULL,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            approved INTEGER NOT NULL DEFAULT 0,
            visible INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (observation_id, media_id, child_id))""",
        "CREATE INDEX IF NOT EXISTS observation_media_by_media ON observation_media (media_id)",
        "CREATE INDEX IF NOT EXISTS observation_media_by_observation ON observation_media "
        "(observation_id)",
        """CREATE TABLE IF NOT EXISTS journey_media (
            child_id TEXT NOT NULL,
            observation_id TEXT NOT NULL,
            media_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            shows_children TEXT NOT NULL DEFAULT '[]',
            hidden INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (child_id, observation_id, media_id))""",
        "CREATE INDEX IF NOT EXISTS journey_media_by_observation ON journey_media "
        "(observation_id)",
        """CREATE TABLE IF NOT EXISTS consent_holds (
            observation_id TEXT NOT NULL,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            PRIMARY KEY (observation_id, child_id))""",
        "CREATE INDEX IF NOT EXISTS consent_holds_by_child ON consent_holds (child_id)",
        """CREATE TABLE IF NOT EXISTS consent_reviews (
            setting_id TEXT NOT NULL,
            observation_id TEXT NOT NULL,
            child_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL,
            resolved INTEGER NOT NULL DEFAULT 0,
            resolved_at TEXT,
            PRIMARY KEY (observation_id, child_id))""",
        "CREATE INDEX IF NOT EXISTS consent_reviews_open ON consent_reviews "
        "(setting_id, resolved, created_at)",
        """CREATE TABLE IF NOT EXISTS visibility_children (
            child_id TEXT PRIMARY KEY,
            setting_id TEXT NOT NULL,
            image_consent INTEGER NOT NULL DEFAULT 0)""",
        """CREATE TABLE IF NOT EXISTS visibility_observations (
            observation_id TEXT PRIMARY KEY,
            owner_child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            latest_media TEXT NOT NULL DEFAULT '[]',
            latest_children TEXT NOT NULL DEFAULT '[]',
            approved_media TEXT,
            approved_children TEXT,
            shows_children TEXT)""",
    )
    tables = ("media_children", "observation_media", "journey_media", "consent_holds",
              "consent_reviews", "visibility_children", "visibility_observations")
    setting_tables = tables

    @handles("ChildJourney.JourneyErased")
    def forget_child(self, event: Any, tx: Any) -> None:
        """An erased child's observations and rows go; other observations lose the child
        and the withdrawn photos and videos (those showing the child)."""
        child = str(event.originator_id)
        withdrawn = set(_ids(event.withdrawn_media))
        setting_id = _setting_of(tx, child)
        owned = [(r[0],) for r in tx.execute(
            "SELECT observation_id FROM visibility_observations WHERE owner_child_id = ?",
            (child,)).fetchall()]
        for table in ("journey_media", "observation_media", "consent_holds", "consent_reviews",
                      "visibility_observations"):
            tx.executemany(f"DELETE FROM {table} WHERE observation_id = ?", owned)
        for table in ("media_children", "observation_media", "journey_media", "consent_holds",
                      "consent_reviews", "visibility_children"):
            tx.execute(f"DELETE FROM {table} WHERE child_id = ?", (child,))
        tx.executemany("DELETE FROM media_children WHERE media_id = ?",
                       [(m,) for m in sorted(withdrawn)])
        for row in tx.execute(
                "SELECT observation_id, latest_media, latest_children, approved_media, "
                "approved_children, shows_children FROM visibility_observations "
                "WHERE setting_id = ?", (setting_id,)).fetchall():
            if not (child in row[2] or (row[5] and child in row[5])
                    or any(m in (row[1] + (row[3] or "")) for m in withdrawn)):
                continue
            def kept(text: str | None, drop: set[str]) -> str | None:
                return None if text is None else _dumps(
                    [x for x in json.loads(text) if x not in drop])
            shows = {m: [c for c in ids if c != child]
                     for m, ids in json.loads(row[5] or "{}").items() if m not in withdrawn}
            tx.execute(
                "UPDATE visibility_observations SET latest_media = ?, latest_children = ?, "
                "approved_media = ?, approved_children = ?, shows_children = ? "
                "WHERE observation_id = ?",
                (kept(row[1], withdrawn), kept(row[2], {child}), kept(row[3], withdrawn),
                 kept(row[4], {child}), _dumps(shows) if row[5] is not None else None,
                 row[0]))
            _render(tx, row[0])

    # who appears, and where the children are

    @handles("Media.Uploaded")
    def uploaded(self, event: Any, tx: Any) -> None:
        tx.executemany(
            "INSERT INTO media_children (media_id, child_id, setting_id) VALUES (?, ?, ?) "
            "ON CONFLICT (media_id, child_id) DO NOTHING",
            [(str(event.originator_id), child, str(event.setting_id))
             for child in _ids(event.children)],
        )

    @handles("Media.ChildrenDeclared")
    def children_declared(self, event: Any, tx: Any) -> None:
        """Who appears, said after an upload without X-Children (the media's setting is
        that of the actor who declared it)."""
        tx.executemany(
            "INSERT INTO media_children (media_id, child_id, setting_id) VALUES (?, ?, ?) "
            "ON CONFLICT (media_id, child_id) DO NOTHING",
            [(str(event.originator_id), child, str(event.actor.setting_id))
             for child in _ids(event.children)],
        )

    @handles("ChildJourney.Enrolled")
    def enrolled(self, event: Any, tx: Any) -> None:
        tx.execute(
            "INSERT INTO visibility_children (child_id, setting_id, image_consent) "
            "VALUES (?, ?, 0) ON CONFLICT (child_id) DO UPDATE SET setting_id = "
            "excluded.setting_id",
            (str(event.originator_id), str(event.setting_id)),
        )

    # observations

    @handles("ChildJourney.ObservationSubmitted", "ChildJourney.ObservationRevised")
    def revised(self, event: Any, tx: Any) -> None:
        observation_id, owner = str(event.observation_id), str(event.originator_id)
        tx.execute(
            "INSERT INTO visibility_observations (observation_id, owner_child_id, setting_id, "
            "latest_media, latest_children) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (observation_id) DO UPDATE SET latest_media = excluded.latest_media, "
            "latest_children = excluded.latest_children",
            (observation_id, owner, _setting_of(tx, owner), _dumps(_ids(event.media)),
             _dumps(_ids(event.children))),
        )
        _render(tx, observation_id)

    @handles("ChildJourney.RevisionApproved")
    def approved(self, event: Any, tx: Any) -> None:
        observation_id = str(event.observation_id)
        shows = {str(media): _ids(children)
                 for media, children in (event.shows_children or {}).items()}
        tx.execute(
            "UPDATE visibility_observations SET approved_media = latest_media, "
            "approved_children = latest_children, shows_children = ? WHERE observation_id = ?",
            (_dumps(shows), observation_id),
        )
        _render(tx, observation_id)

    @handles("ChildJourney.ObservationRemoved")
    def removed(self, event: Any, tx: Any) -> None:
        observation_id = str(event.observation_id)
        tx.execute("DELETE FROM journey_media WHERE observation_id = ?", (observation_id,))
        tx.execute("UPDATE observation_media SET visible = 0, approved = 0 "
                   "WHERE observation_id = ?", (observation_id,))
        tx.execute("DELETE FROM visibility_observations WHERE observation_id = ?",
                   (observation_id,))

    # image consent

    @handles("ChildConsent.ImageConsentGiven")
    def consent_given(self, event: Any, tx: Any) -> None:
        child = str(event.child_id)
        _set_consent(tx, child, True)
        held = tx.execute(
            "SELECT observation_id, setting_id FROM consent_holds WHERE child_id = ?", (child,)
        ).fetchall()
        for observation_id, setting_id in held:
            _open_review(tx, setting_id, observation_id, child, GIVEN_AGAIN,
                         event.timestamp.isoformat())

    @handles("ChildConsent.ImageConsentWithdrawn")
    def consent_withdrawn(self, event: Any, tx: Any) -> None:
        child = str(event.child_id)
        at = event.timestamp.isoformat()
        setting_id = _setting_of(tx, child)
        _set_consent(tx, child, False)
        for observation_id in _observations_showing(tx, child):
            tx.execute(
                "INSERT INTO consent_holds (observation_id, child_id, setting_id) "
                "VALUES (?, ?, ?) ON CONFLICT (observation_id, child_id) DO NOTHING",
                (observation_id, child, setting_id),
            )
            _open_review(tx, setting_id, observation_id, child, WITHDRAWN, at)
            _refresh(tx, observation_id)

    @handles("ChildConsent.ReviewResolved")
    def review_resolved(self, event: Any, tx: Any) -> None:
        child = str(event.child_id)
        observation_id = str(event.observation_id)
        tx.execute(
            "UPDATE consent_reviews SET resolved = 1, resolved_at = ? "
            "WHERE observation_id = ? AND child_id = ?",
            (event.timestamp.isoformat(), observation_id, child),
        )
        if event.restored:
            tx.execute(
                "DELETE FROM consent_holds WHERE observation_id = ? AND child_id = ?",
                (observation_id, child),
            )
            _refresh(tx, observation_id)


def _setting_of(tx: Any, child: str) -> str:
    row = tx.execute("SELECT setting_id FROM visibility_children WHERE child_id = ?",
                     (child,)).fetchone()
    return row[0] if row else ""


def _set_consent(tx: Any, child: str, allowed: bool) -> None:
    tx.execute("UPDATE visibility_children SET image_consent = ? WHERE child_id = ?",
               (int(allowed), child))


def _render(tx: Any, observation_id: str) -> None:
    """Rewrite an observation's media rows from its latest and approved revisions."""
    row = tx.execute(
        "SELECT owner_child_id, setting_id, latest_media, latest_children, approved_media, "
        "approved_children, shows_children FROM visibility_observations "
        "WHERE observation_id = ?", (observation_id,)).fetchone()
    if row is None:
        return
    owner, setting_id = row[0], row[1]
    latest_media, latest_children = json.loads(row[2]), json.loads(row[3])
    approved = row[4] is not None
    approved_media = json.loads(row[4]) if approved else []
    approved_children = json.loads(row[5]) if approved else []
    shows = json.loads(row[6] or "{}")
    staff_children = _unique([owner], latest_children, approved_children)
    parent_children = _unique([owner], approved_children) if approved else []

    tx.execute("DELETE FROM journey_media WHERE observation_id = ?", (observation_id,))
    tx.executemany(
        "INSERT INTO journey_media (child_id, observation_id, media_id, setting_id, "
        "position, shows_children, hidden) VALUES (?, ?, ?, ?, ?, ?, 0)",
        [(child, observation_id, media_id, setting_id, position,
          _dumps(shows.get(media_id) or []))
         for child in parent_children for position, media_id in enumerate(approved_media)],
    )
    tx.execute("DELETE FROM observation_media WHERE observation_id = ?", (observation_id,))
    tx.executemany(
        "INSERT INTO observation_media (observation_id, media_id, child_id, setting_id, "
        "approved, visible) VALUES (?, ?, ?, ?, ?, 1)",
        [(observation_id, media_id, child, setting_id,
          int(media_id in approved_media and child in parent_children))
         for media_id in _unique(latest_media, sorted(approved_media))
         for child in staff_children],
    )
    if approved_media:
        _refresh(tx, observation_id)


def _open_review(tx: Any, setting_id: str, observation_id: str, child: str, reason: str,
                 at: str) -> None:
    tx.execute(
        "INSERT INTO consent_reviews (setting_id, observation_id, child_id, reason, created_at, "
        "resolved, resolved_at) VALUES (?, ?, ?, ?, ?, 0, NULL) "
        "ON CONFLICT (observation_id, child_id) DO UPDATE SET reason = excluded.reason, "
        "created_at = excluded.created_at, resolved = 0, resolved_at = NULL",
        (setting_id, observation_id, child, reason, at),
    )


def _consent_in_force(tx: Any, observation_id: str, children: set[str]) -> dict[UUID, bool]:
    """Image consent of these children as it applies to this observation's media: given,
    and no hold on this observation awaiting a manager's review."""
    if not children:
        return {}
    marks = ",".join("?" for _ in children)
    given = {row[0] for row in tx.execute(
        "SELECT child_id FROM visibility_children WHERE image_consent = 1 "
        f"AND child_id IN ({marks})", sorted(children)).fetchall()}
    held = {row[0] for row in tx.execute(
        "SELECT child_id FROM consent_holds WHERE observation_id = ?", (observation_id,)
    ).fetchall()}
    return {UUID(c): (c in given and c not in held) for c in children}


def _observations_showing(tx: Any, child: str) -> list[str]:
    """Observations whose media show this child in another child's journey."""
    found = {row[0] for row in tx.execute(
        "SELECT DISTINCT om.observation_id FROM observation_media om "
        "JOIN media_children mc ON mc.media_id = om.media_id "
        "WHERE mc.child_id = ? AND om.child_id <> ?", (child, child)).fetchall()}
    for observation_id, journey_child, shows in tx.execute(
        "SELECT observation_id, child_id, shows_children FROM journey_media "
        "WHERE shows_children LIKE ?", (f"%{child}%",),
    ).fetchall():
        if journey_child != child and child in json.loads(shows or "[]"):
            found.add(str(observation_id))
    return sorted(found)


def _refresh(tx: Any, observation_id: str) -> None:
    """Recompute, by the image rule, which of an observation's media each journey shows:
    `journey_media.hidden` and `observation_media.visible`, from who the media show,
    each child's consent and the holds awaiting review."""
    journey_rows = tx.execute(
        "SELECT child_id, media_id, shows_children FROM journey_media "
        "WHERE observation_id = ?", (observation_id,)).fetchall()
    download_rows = tx.execute(
        "SELECT child_id, media_id FROM observation_media WHERE observation_id = ?",
        (observation_id,)).fetchall()
    shows_of: dict[str, set[str]] = {}
    for _, media_id, shows in journey_rows:
        shows_of.setdefault(str(media_id), set()).update(json.loads(shows or "[]"))
    media_ids = sorted({str(r[1]) for r in journey_rows} | {str(r[1]) for r in download_rows})
    if media_ids:
        marks = ",".join("?" for _ in media_ids)
        for media_id, shown in tx.execute(
            f"SELECT media_id, child_id FROM media_children WHERE media_id IN ({marks})",
            media_ids,
        ).fetchall():
            shows_of.setdefault(str(media_id), set()).add(str(shown))
    allowed = _consent_in_force(tx, observation_id, set().union(set(), *shows_of.values()))

    def visible(journey_child: Any, media_id: Any) -> bool:
        shows = {UUID(c) for c in shows_of.get(str(media_id), set())}
        return media_visible_in(UUID(str(journey_child)), shows, allowed)

    tx.executemany(
        "UPDATE journey_media SET hidden = ? "
        "WHERE observation_id = ? AND media_id = ? AND child_id = ?",
        [(int(not visible(child, media_id)), observation_id, media_id, child)
         for child, media_id, _ in journey_rows])
    tx.executemany(
        "UPDATE observation_media SET visible = ? "
        "WHERE observation_id = ? AND media_id = ? AND child_id = ?",
        [(int(visible(child, media_id)), observation_id, media_id, child)
         for child, media_id in download_rows])


# queries


def media_uses(db: Database, media_id: UUID) -> list[tuple[UUID, bool, bool]]:
    """(child id, approved, visible) of every observation using the media."""
    rows = db.query(
        "SELECT child_id, approved, visible FROM observation_media WHERE media_id = ?",
        (str(media_id),))
    return [(UUID(child), bool(approved), bool(visible)) for child, approved, visible in rows]


def withheld_media(db: Database, child_id: UUID | str) -> dict[str, set[str]]:
    """The media image consent withholds from a child's journey, by observation id."""
    withheld: dict[str, set[str]] = {}
    for observation_id, media_id in db.query(
        "SELECT observation_id, media_id FROM journey_media WHERE child_id = ? AND hidden = 1",
        (str(child_id),),
    ):
        withheld.setdefault(observation_id, set()).add(media_id)
    return withheld


def open_reviews_of(db: Database, setting_id: UUID | str,
                    observation_id: UUID | str) -> list[UUID]:
    """The children whose consent change put this observation on the review list."""
    rows = db.query(
        "SELECT child_id FROM consent_reviews WHERE setting_id = ? AND observation_id = ? "
        "AND resolved = 0",
        (str(setting_id), str(observation_id)),
    )
    return [UUID(r[0]) for r in rows]


def reviews(db: Database, setting_id: UUID | str, limit: int,
            after: tuple[str, str, str] | None, include_resolved: bool = False) -> list[tuple]:
    """The review list of a setting, oldest first, keyset-paginated: (created_at,
    observation_id, child_id, reason, resolved, resolved_at) rows."""
    sql = (
        "SELECT created_at, observation_id, child_id, reason, resolved, resolved_at "
        "FROM consent_reviews WHERE setting_id = ?"
    )
    params: list[Any] = [str(setting_id)]
    if not include_resolved:
        sql += " AND resolved = 0"
    if after is not None:
        sql += (" AND (created_at > ? OR (created_at = ? AND (observation_id > ? OR "
                "(observation_id = ? AND child_id > ?))))")
        params += [after[0], after[0], after[1], after[1], after[2]]
    sql += " ORDER BY created_at, observation_id, child_id LIMIT ?"
    params.append(limit)
    return db.query(sql, params)
