"""Who may do what. The one table of the system: guards in the HTTP adapter consult it,
and the rules about whose child, which setting and which device live here too.

Each permission names the roles that hold it and whether it writes. A `support`
account holds every read permission (never a write) only while a manager's grant
is running (at most 72 hours, `domain.aggregates.setting`), and like staff only from
the setting's equipment in its opening hours; everything else follows the table.
What each caller sees of a child (`child_as_listed`, `consent_as_read`) and when
staff may act after closing (`within_staff_hours`) are decided here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from domain.actor import (
    MANAGER,
    PARENT,
    PRACTITIONER,
    SAFEGUARDING_LEAD,
    SUPPORT,
    Actor,
)
from domain.errors import Conflict, Forbidden, NotFound
from domain.opening_hours import is_open, just_closed

SUPPORT_NEVER_WRITES = "Support accounts may read, never change, a setting's data."
STAFF = frozenset({MANAGER, PRACTITIONER, SAFEGUARDING_LEAD})
EVERYONE = STAFF | {PARENT}


@dataclass(frozen=True)
class Permission:
    """Roles holding a permission, and whether using it changes anything."""

    roles: frozenset[str]
    writes: bool


def _w(*roles: str) -> Permission:
    return Permission(frozenset(roles), writes=True)


def _r(*roles: str) -> Permission:
    return Permission(frozenset(roles), writes=False)


PERMISSIONS: dict[str, Permission] = {
    # setting and accounts
    "account.create": _w(MANAGER),
    "account.disable": _w(MANAGER),
    "account.list": _r(MANAGER),
    "setting.opening_hours": _w(MANAGER),
    "setting.terms.publish": _w(MANAGER),
    "setting.terms.read": _r(*EVERYONE),
    "setting.support_access": _w(MANAGER),
    "setting.terminate": _w(MANAGER),
    "device.register": _w(MANAGER),
    "device.retire": _w(MANAGER),
    "device.list": _r(*STAFF),
    # children
    "child.enrol": _w(MANAGER),
    "child.link_parent": _w(MANAGER),
    "child.unlink_parent": _w(MANAGER),
    "child.restrict_parent": _w(MANAGER),
    "child.list": _r(*EVERYONE),
    "child.leave": _w(MANAGER),
    "child.erase": _w(MANAGER),
    "child.portfolio": _r(*EVERYONE),
    "child.progress": _r(*EVERYONE),
    # consent
    "consent.sign": _w(PARENT),
    "consent.withdraw": _w(PARENT),
    "consent.image": _w(PARENT),
    "consent.read": _r(*EVERYONE),
    "consent.review": _w(MANAGER),
    "consent.review_list": _r(MANAGER),
    # media
    "media.upload": _w(MANAGER, PRACTITIONER, PARENT),
    "media.read": _r(*EVERYONE),
    "media.declare": _w(MANAGER, PRACTITIONER),
    # learning journey
    "framework.read": _r(*EVERYONE),
    "journey.read": _r(*EVERYONE),
    "observation.submit": _w(MANAGER, PRACTITIONER, PARENT),
    "observation.revise": _w(MANAGER, PRACTITIONER),
    "observation.moderate": _w(MANAGER),
    "moderation.queue": _r(MANAGER),
    "comment.add": _w(MANAGER, PRACTITIONER, PARENT),
    "comment.remove": _w(MANAGER),
    "comment.moderate": _w(MANAGER),
    "assessment.record": _w(MANAGER, PRACTITIONER),
    "assessment.moderate": _w(MANAGER),
    # daily diary
    "diary.read": _r(*EVERYONE),
    "diary.record": _w(MANAGER, PRACTITIONER),
    "diary.correct": _w(MANAGER, PRACTITIONER),
    "diary.retract": _w(MANAGER),
    "diary.message": _w(MANAGER, PRACTITIONER, PARENT),
    "diary.end_session": _w(MANAGER, PRACTITIONER),
    "medication.permission": _w(MANAGER, PRACTITIONER, PARENT),
    "incident.acknowledge": _w(PARENT),
    "room.board": _r(*STAFF),
    "room.list": _r(*STAFF),
    "staff.list": _r(*STAFF),
    # device custody
    "device.sign_out": _w(*STAFF),
    "device.sign_in": _w(*STAFF),
    "device.damage": _w(*STAFF),
    "device.photo_deleted": _w(*STAFF),
    # reports and audit
    "report.custody": _r(MANAGER),
    "report.damage": _r(MANAGER),
    "report.compliance": _r(MANAGER),
    "report.cohort": _r(MANAGER),
    "report.late": _r(MANAGER),
    "report.incidents": _r(MANAGER),
    "audit.read": _r(SAFEGUARDING_LEAD, MANAGER),
    "audit.verify": _r(SAFEGUARDING_LEAD, MANAGER),
    "report.retained": _r(MANAGER, SAFEGUARDING_LEAD),
    "job.read": _r(MANAGER),
}

# What a manager may still do while the setting is archived for termination.
WHILE_CLOSING = frozenset({"setting.terminate", "job.read"})

# What records something new about a child: closed from the day the child leaves.
RECORDS_ABOUT_CHILD = frozenset({
    "observation.submit", "observation.revise", "comment.add", "assessment.record",
    "diary.record", "diary.message", "diary.end_session", "medication.permission",
})


def may(actor: Actor, permission: str, *, support_granted_until: datetime | None = None,
        now: datetime | None = None) -> bool:
    """Whether the actor's roles hold the permission (support: reads, while granted)."""
    rule = PERMISSIONS[permission]
    if any(role in rule.roles for role in actor.roles):
        return True
    if SUPPORT in actor.roles and not rule.writes:
        return support_granted_until is not None and now is not None and now < support_granted_until
    return False


def require(actor: Actor, permission: str, *, support_granted_until: datetime | None = None,
            now: datetime | None = None) -> None:
    """Raise Forbidden unless `may` allows it, with a sentence saying why."""
    if may(actor, permission, support_granted_until=support_granted_until, now=now):
        return
    if SUPPORT in actor.roles and not actor.is_staff:
        if PERMISSIONS[permission].writes:
            raise Forbidden(SUPPORT_NEVER_WRITES)
        raise Forbidden(
            "Support accounts see nothing unless a manager of the setting grants access."
        )
    raise Forbidden(f"Your role does not allow this ({permission}).")


def uses_setting_equipment(actor: Actor) -> bool:
    """Who may use the system only from a registered device of the setting and during
    its opening hours: staff (the policy), and support, who visit a setting's data only
    when its manager asks them to, from its office equipment, as its staff would."""
    return actor.is_staff or actor.is_support


AFTER_CLOSING = frozenset({"device.sign_in", "device.damage"})
"""What staff may still do for a while after closing: return a tablet (sign it in at
the office computer) and report damage or loss, so that a late return is recorded as
it happened rather than left overdue overnight."""


def within_staff_hours(permission: str, days: dict[str, list[str]], timezone: str,
                       now: datetime, after_closing: timedelta) -> bool:
    """Whether staff may use this permission now: during opening hours, or, for
    `AFTER_CLOSING`, up to `after_closing` past today's closing time."""
    if is_open(days, timezone, now):
        return True
    return permission in AFTER_CLOSING and just_closed(days, timezone, now, after_closing)


def require_same_setting(actor: Actor, setting_id: UUID | None) -> None:
    """Anything of another setting does not exist for this actor."""
    if setting_id is None or setting_id != actor.setting_id:
        raise NotFound()


def require_child_visible(actor: Actor, child_setting_id: UUID | None, child_id: UUID,
                          *, agreement: bool = True) -> None:
    """Staff (and granted support) see the children of their setting; parents only their own.

    Anything else is `404`, never a hint that the child exists. A parent who has not
    signed the current agreement terms for the child gets `403` saying so (see
    `require_agreement`); the agreement, terms and consent routes pass
    `agreement=False`.
    """
    require_same_setting(actor, child_setting_id)
    if actor.is_staff or actor.is_support:
        return
    if child_id not in actor.children:
        raise NotFound()
    if agreement:
        require_agreement(actor, child_id)


def require_may_act_on_child(actor: Actor, child_setting_id: UUID | None, child_id: UUID,
                             *, agreement: bool = True) -> None:
    """The rule every aggregate about a child applies to every command on it.

    Whoever may see the child (`require_child_visible`) may act on it, as far as their
    role allows; a support account never changes anything, granted or not.
    """
    require_child_visible(actor, child_setting_id, child_id, agreement=agreement)
    if actor.is_support:
        raise Forbidden(SUPPORT_NEVER_WRITES)


def require_agreement(actor: Actor, child_id: UUID) -> None:
    """A parent linked to a child must have signed the current terms for that child."""
    if actor.is_staff or actor.is_support or child_id in actor.agreed_children:
        return
    from domain.consent_rules import agreement_required_sentence

    raise Forbidden(agreement_required_sentence(child_id))


def require_signed_parent(actor: Actor, children: Iterable[UUID] = ()) -> None:
    """Until a parent has signed the agreement, nothing but signing works: a parent
    uploading must have signed for every child they name, and for at least one child."""
    if not actor.is_parent:
        return
    for child_id in children:
        require_agreement(actor, child_id)
    if not actor.agreed_children:
        from domain.consent_rules import agreement_required_sentence

        raise Forbidden(agreement_required_sentence())


def child_as_listed(actor: Actor, child: dict) -> dict:
    """What a list of children shows of one child. A parent who has not signed the
    agreement for this child sees only what signing needs: its id and name, and where
    to sign (`sign_at`); everyone else allowed to list it sees the whole profile."""
    if not actor.is_parent:
        return child
    if UUID(str(child["child_id"])) in actor.agreed_children:
        return {**child, "agreement_signed": True}
    return {"child_id": child["child_id"], "name": child["name"], "agreement_signed": False,
            "sign_at": f"/children/{child['child_id']}/agreement",
            "terms_at": "/setting/terms"}


def consent_as_read(actor: Actor, child_id: UUID, consent: dict) -> dict:
    """What a child's consent record shows. A parent who has not signed the current
    terms for the child sees only their own signatures (what is missing) and where to
    sign; a parent who has, and staff, see it all."""
    if not actor.is_parent:
        return consent
    if child_id in actor.agreed_children:
        return {**consent, "agreement_current": True}
    own = [a for a in consent.get("agreements", [])
           if str(a.get("parent_id")) == str(actor.account_id)]
    return {"agreements": own, "agreement_current": False,
            "sign_at": f"/children/{child_id}/agreement", "terms_at": "/setting/terms"}


def require_media_visible(actor: Actor, media_setting_id: UUID | None, uploaded_by: UUID | None,
                          uses: Iterable[tuple[UUID, bool, bool]]) -> None:
    """Who may download a photo or video; anyone else gets `404`.

    Its uploader and the setting's managers, always. Once an observation uses it
    (`uses`: the observation's child, approved, visible in that journey), whoever may
    see that observation: staff of the setting (and granted support), and a parent of
    that child who signed the agreement, once the observation is approved and the
    media is visible in the journey (image consent).
    """
    require_same_setting(actor, media_setting_id)
    if actor.account_id == uploaded_by or actor.is_manager:
        return
    for child_id, approved, visible in uses:
        if actor.is_staff or actor.is_support:
            return
        if (child_id in actor.children and child_id in actor.agreed_children
                and approved and visible):
            return
    raise NotFound()


def left_sentence(left_on: date) -> str:
    """What a refused recording about a child who has left says."""
    return (f"This child left the setting on {left_on.isoformat()}; nothing new is "
            "recorded about them.")


def require_recording_open(permission: str, left_on: date | None, today: date) -> None:
    """From the day a child leaves, nothing new is recorded about them (`409`)."""
    if permission in RECORDS_ABOUT_CHILD and left_on is not None and left_on <= today:
        raise Conflict(left_sentence(left_on))


def parent_access_ended(parent_access_until: date, today: date) -> bool:
    """Parents of a child who left read the journey until `parent_access_until`
    (the leaving date plus the period the manager chose, 90 days by default); from
    that day the child is no longer theirs to see (`404`)."""
    return today >= parent_access_until


def require_setting_open(actor: Actor, permission: str, closing: bool) -> None:
    """A setting archived for termination locks every account out, support included;
    a manager may only cancel the termination or follow its progress."""
    if closing and not (actor.is_manager and permission in WHILE_CLOSING):
        raise Forbidden("This setting's account is being terminated: every account is "
                        "locked out (a manager may cancel it while it is archived).")
