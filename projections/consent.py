"""Consent views: terms, agreements, image consent, media held for a manager's review.

Listens to Setting.TermsPublished and ChildConsent.*; writes `terms`, `agreements`,
`consent_view`, `consent_holds` and `consent_reviews`, and keeps the consent side of
the journey and media views true at once:

- `children_view.image_consent` (the journey projection's table) follows the consent;
- when a child's image consent is withdrawn, every media item showing that child in
  *another* child's journey is hidden (`journey_media.hidden`) and can no longer be
  downloaded through that journey (`observation_media.visible`); the observation is
  held (`consent_holds`) and listed for managers (`consent_reviews`);
- when consent is given again the held media stay hidden until a manager resolves
  the review (ChildConsent.ReviewResolved with `restored`).

Visibility is decided by `domain.consent_rules.media_visible_in`, the one rule.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from domain.consent_rules import agreement_current, media_visible_in
from projections.engine import Projection, handles

WITHDRAWN = "image consent withdrawn: media showing this child hidden from other journeys"
GIVEN_AGAIN = "image consent given again: review to restore the hidden media"


class ConsentViews(Projection):
    """Terms, agreements and image consent, and the media they hide."""

    name = "consent"
    schema = (
        """CREATE TABLE IF NOT EXISTS terms (
            setting_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            text TEXT NOT NULL,
            keep_older INTEGER NOT NULL DEFAULT 0,
            published_at TEXT NOT NULL,
            PRIMARY KEY (setting_id, version))""",
        """CREATE TABLE IF NOT EXISTS agreements (
            child_id TEXT NOT NULL,
            parent_id TEXT NOT NULL,
            terms_version INTEGER NOT NULL,
            setting_id TEXT NOT NULL,
            signed_at TEXT NOT NULL,
            PRIMARY KEY (child_id, parent_id, terms_version))""",
        "CREATE INDEX IF NOT EXISTS agreements_by_parent ON agreements (parent_id)",
        """CREATE TABLE IF NOT EXISTS consent_view (
            child_id TEXT PRIMARY KEY,
            setting_id TEXT NOT NULL,
            image_consent INTEGER NOT NULL DEFAULT 0,
            changed_at TEXT NOT NULL)""",
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
    )
    tables = ("terms", "agreements", "consent_view", "consent_holds", "consent_reviews")

    @handles("Setting.TermsPublished")
    def terms_published(self, event: Any, tx: Any) -> None:
        tx.execute(
            "INSERT INTO terms (setting_id, version, text, keep_older, published_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (setting_id, version) DO NOTHING",
            (str(event.originator_id), event.version, event.terms_text,
             int(bool(event.keep_older_signatures)), event.timestamp.isoformat()),
        )

    @handles("ChildConsent.Opened")
    def opened(self, event: Any, tx: Any) -> None:
        tx.execute(
            "INSERT INTO consent_view (child_id, setting_id, image_consent, changed_at) "
            "VALUES (?, ?, 0, ?) ON CONFLICT (child_id) DO NOTHING",
            (str(event.child_id), str(event.setting_id), event.timestamp.isoformat()),
        )

    @handles("ChildConsent.AgreementSigned")
    def agreement_signed(self, event: Any, tx: Any) -> None:
        setting_id = _setting_of(tx, event.child_id)
        tx.execute(
            "INSERT INTO agreements (child_id, parent_id, terms_version, setting_id, signed_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (child_id, parent_id, terms_version) DO NOTHING",
            (str(event.child_id), str(event.parent_id), event.terms_version, setting_id,
             event.timestamp.isoformat()),
        )

    @handles("ChildConsent.ImageConsentGiven")
    def consent_given(self, event: Any, tx: Any) -> None:
        child = str(event.child_id)
        _set_consent(tx, child, True, event.timestamp.isoformat())
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
        setting_id = _setting_of(tx, event.child_id)
        _set_consent(tx, child, False, at)
        for observation_id in _observations_showing(tx, child):
            tx.execute(
                "INSERT INTO consent_holds (observation_id, child_id, setting_id) "
                "VALUES (?, ?, ?) ON CONFLICT (observation_id, child_id) DO NOTHING",
                (observation_id, child, setting_id),
            )
            _open_review(tx, setting_id, observation_id, child, WITHDRAWN, at)
            refresh_visibility(tx, observation_id)

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
            refresh_visibility(tx, observation_id)


def _has(table: str) -> bool:
    """Whether a registered projection keeps this table."""
    from projections.registry import kept_tables

    return table in kept_tables()


def _ids(shows: Any) -> set[str]:
    if not shows:
        return set()
    values = json.loads(shows) if isinstance(shows, str) else shows
    return {str(v) for v in values}


def _setting_of(tx: Any, child_id: Any) -> str:
    row = tx.execute(
        "SELECT setting_id FROM consent_view WHERE child_id = ?", (str(child_id),)
    ).fetchone()
    return row[0] if row else ""


def _set_consent(tx: Any, child: str, allowed: bool, at: str) -> None:
    tx.execute(
        "UPDATE consent_view SET image_consent = ?, changed_at = ? WHERE child_id = ?",
        (int(allowed), at, child),
    )
    if _has("children_view"):
        tx.execute(
            "UPDATE children_view SET image_consent = ? WHERE child_id = ?",
            (int(allowed), child),
        )


def _open_review(tx: Any, setting_id: str, observation_id: str, child: str, reason: str,
                 at: str) -> None:
    tx.execute(
        "INSERT INTO consent_reviews (setting_id, observation_id, child_id, reason, created_at, "
        "resolved, resolved_at) VALUES (?, ?, ?, ?, ?, 0, NULL) "
        "ON CONFLICT (observation_id, child_id) DO UPDATE SET reason = excluded.reason, "
        "created_at = excluded.created_at, resolved = 0, resolved_at = NULL",
        (setting_id, observation_id, child, reason, at),
    )


def consent_in_force(tx: Any, observation_id: str, children: set[str]) -> dict[UUID, bool]:
    """Image consent of these children as it applies to this observation's media.

    A child counts as consenting only with consent given and no hold on this
    observation awaiting a manager's review.
    """
    if not children:
        return {}
    marks = ",".join("?" for _ in children)
    ordered = sorted(children)
    given = {
        row[0] for row in tx.execute(
            f"SELECT child_id FROM consent_view WHERE image_consent = 1 AND child_id IN ({marks})",
            ordered,
        ).fetchall()
    }
    held = {
        row[0] for row in tx.execute(
            "SELECT child_id FROM consent_holds WHERE observation_id = ?", (observation_id,)
        ).fetchall()
    }
    return {UUID(c): (c in given and c not in held) for c in children}


def _observations_showing(tx: Any, child: str) -> list[str]:
    """Observations whose media show this child in another child's journey."""
    found: set[str] = set()
    if _has("media_children") and _has("observation_media"):
        found.update(row[0] for row in tx.execute(
            "SELECT DISTINCT om.observation_id FROM observation_media om "
            "JOIN media_children mc ON mc.media_id = om.media_id "
            "WHERE mc.child_id = ? AND om.child_id <> ?",
            (child, child),
        ).fetchall())
    if _has("journey_media"):
        for observation_id, journey_child, shows in tx.execute(
            "SELECT observation_id, child_id, shows_children FROM journey_media "
            "WHERE shows_children LIKE ?",
            (f"%{child}%",),
        ).fetchall():
            if journey_child != child and child in _ids(shows):
                found.add(str(observation_id))
    return sorted(found)


def _shown_in(tx: Any, observation_id: str) -> tuple[list[tuple], list[tuple], dict]:
    """An observation's journey_media and observation_media rows, and who each media shows."""
    journey_rows: list[tuple] = []
    download_rows: list[tuple] = []
    shows_of: dict[str, set[str]] = {}
    if _has("journey_media"):
        journey_rows = tx.execute(
            "SELECT child_id, media_id, shows_children FROM journey_media "
            "WHERE observation_id = ?", (observation_id,),
        ).fetchall()
        for _, media_id, shows in journey_rows:
            shows_of.setdefault(str(media_id), set()).update(_ids(shows))
    if _has("observation_media"):
        download_rows = tx.execute(
            "SELECT child_id, media_id FROM observation_media WHERE observation_id = ?",
            (observation_id,),
        ).fetchall()
    if _has("media_children"):
        media_ids = sorted({str(r[1]) for r in journey_rows} | {str(r[1]) for r in download_rows})
        if media_ids:
            marks = ",".join("?" for _ in media_ids)
            for media_id, shown in tx.execute(
                f"SELECT media_id, child_id FROM media_children WHERE media_id IN ({marks})",
                media_ids,
            ).fetchall():
                shows_of.setdefault(str(media_id), set()).add(str(shown))
    return journey_rows, download_rows, shows_of


def refresh_visibility(tx: Any, observation_id: Any) -> None:
    """Recompute, by the image rule, which of an observation's media each journey shows.

    Sets `journey_media.hidden` and `observation_media.visible` from who the media
    show (`media_children`, and the journey's `shows_children`), each child's consent
    and the holds awaiting review. The journey projection may call this after writing
    an observation's media rows, so that a hold also covers a newly approved revision.
    """
    observation_id = str(observation_id)
    journey_rows, download_rows, shows_of = _shown_in(tx, observation_id)
    allowed = consent_in_force(tx, observation_id, set().union(set(), *shows_of.values()))

    def visible(journey_child: Any, media_id: Any) -> bool:
        shows = {UUID(c) for c in shows_of.get(str(media_id), set())}
        return media_visible_in(UUID(str(journey_child)), shows, allowed)

    for journey_child, media_id, _ in journey_rows:
        tx.execute(
            "UPDATE journey_media SET hidden = ? "
            "WHERE observation_id = ? AND media_id = ? AND child_id = ?",
            (int(not visible(journey_child, media_id)), observation_id, media_id, journey_child),
        )
    for journey_child, media_id in download_rows:
        tx.execute(
            "UPDATE observation_media SET visible = ? "
            "WHERE observation_id = ? AND media_id = ? AND child_id = ?",
            (int(visible(journey_child, media_id)), observation_id, media_id, journey_child),
        )


# queries read by the HTTP adapters and the auth dependency


def current_terms(db: Any, setting_id: UUID | str) -> tuple[int, str, bool] | None:
    """The setting's current terms: (version, text, keep_older), or None if none yet."""
    row = db.query_one(
        "SELECT version, text, keep_older FROM terms WHERE setting_id = ? "
        "ORDER BY version DESC LIMIT 1",
        (str(setting_id),),
    )
    return (int(row[0]), row[1], bool(row[2])) if row else None


def signed_children(db: Any, parent_id: UUID | str, setting_id: UUID | str) -> set[UUID]:
    """The children for whom this parent has signed the setting's current terms.

    Two cheap queries, made once per request by the auth dependency.
    """
    terms = current_terms(db, setting_id)
    if terms is None:
        return set()
    version, _, keep_older = terms
    signed: dict[str, set[int]] = {}
    for child_id, terms_version in db.query(
        "SELECT child_id, terms_version FROM agreements WHERE parent_id = ? AND setting_id = ?",
        (str(parent_id), str(setting_id)),
    ):
        signed.setdefault(child_id, set()).add(int(terms_version))
    return {
        UUID(child) for child, versions in signed.items()
        if agreement_current(versions, version, keep_older)
    }


def consent_of_child(db: Any, child_id: UUID | str) -> dict:
    """A child's image consent and every agreement signed for it, oldest first."""
    row = db.query_one(
        "SELECT image_consent FROM consent_view WHERE child_id = ?", (str(child_id),)
    )
    agreements = db.query(
        "SELECT parent_id, terms_version, signed_at FROM agreements WHERE child_id = ? "
        "ORDER BY signed_at, terms_version",
        (str(child_id),),
    )
    return {
        "image_consent": bool(row[0]) if row else False,
        "agreements": [
            {"parent_id": p, "terms_version": int(v), "signed_at": s} for p, v, s in agreements
        ],
    }


def open_reviews_of(db: Any, setting_id: UUID | str, observation_id: UUID | str) -> list[UUID]:
    """The children whose consent change put this observation on the review list."""
    rows = db.query(
        "SELECT child_id FROM consent_reviews WHERE setting_id = ? AND observation_id = ? "
        "AND resolved = 0",
        (str(setting_id), str(observation_id)),
    )
    return [UUID(r[0]) for r in rows]


def reviews(db: Any, setting_id: UUID | str, limit: int, after: tuple[str, str, str] | None,
            include_resolved: bool = False) -> list[tuple]:
    """The review list of a setting, oldest first, keyset-paginated."""
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
