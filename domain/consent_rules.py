"""The consent rules, in one place: the parent agreement and image consent.

The policy: only parents who have signed the agreement may use the system; a child
whose parents have not given image consent must not appear in *other* children's
journeys (their own journey needs no consent). The approval command, the upload
warnings, the read models and the HTTP gate all call these pure functions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from uuid import UUID

from domain.errors import Conflict

IMAGE_RULE = (
    "a child whose parents have not given image consent may appear only in their own "
    "journey, never in another child's"
)

AGREEMENT_WHERE = (
    "read the current terms at GET /setting/terms and sign them at "
    "POST /children/{child_id}/agreement"
)


class ImageConsentMissing(Conflict):
    """Media showing a child without image consent were meant for another child's journey.

    `children` holds the ids of the children concerned, for staff-facing code only;
    the detail sentence never names them.
    """

    def __init__(self, detail: str, children: frozenset[UUID]):
        super().__init__(detail)
        self.children = children


def children_lacking_consent(journey_child_id: UUID, children_in_media: Iterable[UUID],
                             consent_allowed: Mapping[UUID, bool]) -> frozenset[UUID]:
    """The children shown in the media, other than the journey's own child, without consent.

    A child missing from `consent_allowed` has not given consent (the default).
    """
    return frozenset(
        c for c in children_in_media
        if c != journey_child_id and not consent_allowed.get(c, False)
    )


def check_images_may_appear(journey_child_id: UUID, children_in_media: Iterable[UUID],
                            consent_allowed: Mapping[UUID, bool],
                            viewer_is_staff: bool = True) -> None:
    """Raise `ImageConsentMissing` (409) unless every other child shown has image consent.

    The sentence states the rule; it never names the other child. Staff are told how
    many children are concerned, so that they can find and fix the media.
    """
    missing = children_lacking_consent(journey_child_id, children_in_media, consent_allowed)
    if not missing:
        return
    if viewer_is_staff:
        count = "1 other child" if len(missing) == 1 else f"{len(missing)} other children"
        detail = (
            f"This cannot go into this child's journey: its photos or videos show {count} "
            f"without image consent, and {IMAGE_RULE}. Remove those media (or that child "
            "from them) first."
        )
    else:
        detail = f"This cannot go into this child's journey: {IMAGE_RULE}."
    raise ImageConsentMissing(detail, missing)


def media_visible_in(journey_child_id: UUID, shows_children: Iterable[UUID],
                     consent_allowed: Mapping[UUID, bool]) -> bool:
    """Whether a media item showing these children may be seen in this child's journey.

    `consent_allowed` is the consent in force for this item: a child whose consent
    was withdrawn and whose media await a manager's review counts as not allowed.
    """
    return not children_lacking_consent(journey_child_id, shows_children, consent_allowed)


def image_consent_warnings(journey_child_id: UUID | None, children_in_media: Iterable[UUID],
                           consent_allowed: Mapping[UUID, bool]) -> list[str]:
    """Warnings for staff uploading media (never a refusal; the approval enforces the rule).

    `journey_child_id` is the child whose observation the media are for, or None when
    not yet known: then every child shown without consent is worth a warning.
    """
    shown = set(children_in_media)
    if journey_child_id is None:
        missing = {c for c in shown if not consent_allowed.get(c, False)}
        if missing and len(shown) > 1:
            return [
                f"These media show {len(missing)} child(ren) without image consent: "
                f"{IMAGE_RULE}, so they can be approved only into that child's own journey."
            ]
        return []
    missing = children_lacking_consent(journey_child_id, shown, consent_allowed)
    if not missing:
        return []
    return [
        f"These media show {len(missing)} other child(ren) without image consent: {IMAGE_RULE}. "
        "The observation cannot be approved with them."
    ]


def agreement_current(signed_versions: Collection[int], current_version: int,
                      keep_older: bool = False) -> bool:
    """Whether a parent's signatures cover the setting's current terms.

    No terms published yet (version 0) means there is nothing to sign yet, and so no
    agreement: the policy lets only parents who have signed use the system. With
    `keep_older`, a signature of any earlier version stays valid; by default new
    terms must be signed again.
    """
    if current_version <= 0:
        return False
    if current_version in signed_versions:
        return True
    return keep_older and any(0 < v <= current_version for v in signed_versions)


def agreement_required_sentence(child_id: UUID | str | None = None,
                                current_version: int | None = None) -> str:
    """The sentence a parent gets (403) until the agreement for a child is signed."""
    where = AGREEMENT_WHERE.replace("{child_id}", str(child_id)) if child_id else AGREEMENT_WHERE
    if current_version == 0:
        return (
            "The parent agreement must be signed first, and the setting has not published "
            f"its terms yet; once it has, {where}."
        )
    return f"The parent agreement for this child must be signed first: {where}."
