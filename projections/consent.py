"""Consent views: terms, agreements and each child's image consent.

Listens to Setting.TermsPublished and ChildConsent.*; writes `terms`, `agreements` and
`consent_view`. What image consent hides (media in other children's journeys, the
review list) is `projections.media_visibility`'s.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.consent_rules import agreement_current
from projections.engine import Projection, handles


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
    )
    tables = ("terms", "agreements", "consent_view")
    child_tables = ("agreements", "consent_view")
    setting_tables = ("terms", *child_tables)

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

    @handles("ChildConsent.AgreementWithdrawn")
    def agreement_withdrawn(self, event: Any, tx: Any) -> None:
        tx.execute("DELETE FROM agreements WHERE child_id = ? AND parent_id = ?",
                   (str(event.child_id), str(event.parent_id)))

    @handles("ChildConsent.ImageConsentGiven")
    def consent_given(self, event: Any, tx: Any) -> None:
        _set_consent(tx, event, True)

    @handles("ChildConsent.ImageConsentWithdrawn")
    def consent_withdrawn(self, event: Any, tx: Any) -> None:
        _set_consent(tx, event, False)


def _setting_of(tx: Any, child_id: Any) -> str:
    row = tx.execute(
        "SELECT setting_id FROM consent_view WHERE child_id = ?", (str(child_id),)
    ).fetchone()
    return row[0] if row else ""


def _set_consent(tx: Any, event: Any, allowed: bool) -> None:
    tx.execute(
        "UPDATE consent_view SET image_consent = ?, changed_at = ? WHERE child_id = ?",
        (int(allowed), event.timestamp.isoformat(), str(event.child_id)),
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
