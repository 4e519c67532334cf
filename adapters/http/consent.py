"""HTTP routes: agreement terms, parents' agreements, image consent, the consent review list."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import delete, get, post, put

from adapters.bootstrap import Services
from adapters.http import replies
from adapters.http.paging import cursors, page_limit
from domain import access
from domain.actor import Actor
from domain.errors import NotFound
from projections import consent as views
from projections import media_visibility


class NewTerms(msgspec.Struct, forbid_unknown_fields=True):
    text: str
    keep_older_signatures: bool = False


class Signature(msgspec.Struct, forbid_unknown_fields=True):
    terms_version: int


class ImageConsent(msgspec.Struct, forbid_unknown_fields=True):
    allowed: bool


@get("/setting/terms", opt={"permission": "setting.terms.read"}, sync_to_thread=True)
def read_terms(actor: Actor, services: Services) -> replies.Terms:
    """The setting's current parent agreement terms (no agreement needed to read them)."""
    terms = views.current_terms(services.db, actor.setting_id)
    if terms is None:
        raise NotFound("The setting has not published its agreement terms yet.")
    version, text, keep_older = terms
    return replies.Terms(version, text, keep_older)


@post("/setting/terms", opt={"permission": "setting.terms.publish"}, sync_to_thread=True,
      status_code=201)
def publish_terms(data: NewTerms, actor: Actor, services: Services) -> replies.TermsPublished:
    """A manager publishes new terms; parents must sign them again (unless kept valid)."""
    version, position = services.app.publish_terms(
        data.text, actor, services.clock(), data.keep_older_signatures
    )
    services.projections.wait_for(position)
    return replies.TermsPublished(version)


@post("/children/{child_id:uuid}/agreement",
      opt={"permission": "consent.sign", "agreement": False},
      sync_to_thread=True, status_code=204)
def sign_agreement(child_id: UUID, data: Signature, actor: Actor, services: Services) -> None:
    """A parent signs the current terms for their child."""
    position = services.app.sign_agreement(child_id, data.terms_version, actor, services.clock())
    services.projections.wait_for(position)


@delete("/children/{child_id:uuid}/agreement",
        opt={"permission": "consent.withdraw", "agreement": False},
        sync_to_thread=True, status_code=204)
def withdraw_agreement(child_id: UUID, actor: Actor, services: Services) -> None:
    """A parent withdraws their agreement: they see nothing of the child until they sign
    again."""
    position = services.app.withdraw_agreement(child_id, actor, services.clock())
    services.projections.wait_for(position)


@put("/children/{child_id:uuid}/image-consent", opt={"permission": "consent.image"},
     sync_to_thread=True, status_code=204)
def set_image_consent(child_id: UUID, data: ImageConsent, actor: Actor,
                      services: Services) -> None:
    """A parent who has signed gives or withdraws consent to the child's image in others'
    journeys; a withdrawal hides such media at once."""
    position = services.app.set_image_consent(child_id, data.allowed, actor, services.clock())
    services.projections.wait_for(position)


@get("/children/{child_id:uuid}/consent", opt={"permission": "consent.read", "agreement": False},
     sync_to_thread=True)
def read_consent(child_id: UUID, actor: Actor, services: Services) -> replies.ConsentRead:
    """A child's image consent and the agreements signed for it.

    A parent who has not signed yet reads only what signing needs
    (`domain.access.consent_as_read`).
    """
    return access.consent_as_read(actor, child_id, views.consent_of_child(services.db, child_id))


@get("/consent-reviews", opt={"permission": "consent.review_list"}, sync_to_thread=True)
def list_reviews(actor: Actor, services: Services, limit: int | None = None,
                 cursor: str | None = None, resolved: bool = False) -> replies.ReviewList:
    """Observations whose media were hidden by a change of image consent, oldest first."""
    size = page_limit(limit)
    after = cursors(services).decode("reviews", cursor, 3)
    rows = media_visibility.reviews(services.db, actor.setting_id, size + 1,
                                    tuple(after) if after else None,
                         include_resolved=resolved)
    page = rows[:size]
    items = [
        {"observation_id": r[1], "child_id": r[2], "reason": r[3], "created_at": r[0],
         "resolved": bool(r[4]), "resolved_at": r[5]}
        for r in page
    ]
    return {"items": items, "next_cursor": cursors(services).encode("reviews", *page[-1][:3])
            if len(rows) > size else None}


@post("/consent-reviews/{observation_id:uuid}/resolve", opt={"permission": "consent.review"},
      sync_to_thread=True, status_code=204)
def resolve_review(observation_id: UUID, actor: Actor, services: Services) -> None:
    """A manager has reviewed the observation: with consent given again, its media come back
    into the other children's journeys; otherwise they stay hidden."""
    children = media_visibility.open_reviews_of(services.db, actor.setting_id, observation_id)
    if not children:
        raise NotFound("This observation is not on the consent review list.")
    position = services.app.resolve_consent_reviews(
        observation_id, children, actor, services.clock()
    )
    services.projections.wait_for(position)


ROUTES = [
    read_terms,
    publish_terms,
    sign_agreement,
    withdraw_agreement,
    set_image_consent,
    read_consent,
    list_reviews,
    resolve_review,
]
