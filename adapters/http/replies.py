"""The response bodies of the HTTP contract (`../shared/API.md`), as msgspec structs.

Handlers return these, so that `/schema` documents every response; a field named in
API.md is required here, and fields the contract leaves open are optional. Request
bodies live with their routes; the diary entry kinds are `domain.diary_entries`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import msgspec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, Schema

Warning_ = dict[str, str]  # {"code", "detail"}


def answers_also_as(*media_types: str) -> type[Operation]:
    """An operation class declaring that the 200 answer also comes as these media types
    (a CSV export, a printable PDF), besides its typed JSON."""

    @dataclass
    class AlsoAs(Operation):
        def __post_init__(self) -> None:
            ok = self.responses["200"] if self.responses else None  # type: ignore[index]
            if ok is not None and getattr(ok, "content", None) is not None:
                for kind in media_types:
                    ok.content[kind] = OpenAPIMediaType(schema=Schema(
                        type=OpenAPIType.STRING,
                        format=None if kind.startswith("text/") else "binary"))

    return AlsoAs


class Problem(msgspec.Struct):
    """Every refusal: the status and a sentence a person understands."""

    status_code: int
    detail: str


# health and identity


class Health(msgspec.Struct):
    """`ok` while the process is alive (no more: see `Readiness`)."""

    status: Literal["ok"]


class ReadinessChecks(msgspec.Struct):
    """Each dependency's verdict; never a count."""

    database: Literal["ok", "unreachable"]
    media: Literal["ok", "unreachable"]
    projections: Literal["ok", "unreachable", "behind"]


class Readiness(msgspec.Struct):
    """`ready` when every check is `ok` (200), else `not_ready` (503)."""

    status: Literal["ready", "not_ready"]
    checks: ReadinessChecks


class AccountCreated(msgspec.Struct):
    account_id: UUID


class AccountItem(msgspec.Struct):
    account_id: str
    email: str
    display_name: str
    roles: list[str]
    disabled: bool


class AccountList(msgspec.Struct):
    items: list[AccountItem]
    next_cursor: str | None


class DeviceRegistered(msgspec.Struct):
    """The device token is shown now and never again."""

    device_id: UUID
    device_token: str


class SettingRead(msgspec.Struct):
    setting_id: UUID
    name: str
    timezone: str
    days: dict[str, list[str]]


# journey


class ChildEnrolled(msgspec.Struct):
    child_id: UUID


class ChildItem(msgspec.Struct):
    """A child; `agreement_signed` only for parents. A parent who has not signed the
    agreement for the child gets only its id and name, with where to sign (`sign_at`,
    `terms_at`): no room, no consent."""

    child_id: str
    name: str
    room: str | None | msgspec.UnsetType = msgspec.UNSET
    image_consent: bool | msgspec.UnsetType = msgspec.UNSET
    key_person_id: str | None = None
    date_of_birth: str | None = None
    left_on: str | None = None
    agreement_signed: bool | None = None
    sign_at: str | msgspec.UnsetType = msgspec.UNSET
    terms_at: str | msgspec.UnsetType = msgspec.UNSET


class ChildList(msgspec.Struct):
    items: list[ChildItem]
    next_cursor: str | None


class ObservationSaved(msgspec.Struct):
    """A submission or revision: its revision (from 1), status and warnings."""

    observation_id: UUID
    revision: int
    status: Literal["pending", "approved", "rejected", "superseded"]
    warnings: list[Warning_]


class Author(msgspec.Struct):
    name: str | None
    role: str | None
    account_id: str | None = None


class JourneyEntry(msgspec.Struct):
    """An entry of a journey (or of the moderation queue). Parents see approved
    revisions only, without the staff-only fields."""

    observation_id: str
    revision: int
    text: str
    framework: list[dict[str, Any]]
    media: list[str]
    observed_on: str
    author: Author
    status: str | None = None
    comments: list[dict[str, Any]] | None = None
    next_steps: str | None = None
    child_id: str | None = None
    children: list[str] | None = None
    warnings: list[Warning_] | None = None
    withheld_media: list[str] | None = None
    changes: dict[str, Any] | None = None


class JourneyPage(msgspec.Struct):
    items: list[JourneyEntry]
    next_cursor: str | None


class CommentAdded(msgspec.Struct):
    comment_id: UUID


class AssessmentRecorded(msgspec.Struct):
    assessment_id: UUID


class AssessmentItem(msgspec.Struct):
    assessment_id: str
    period: str
    kind: str | None
    judgements: dict[str, Any]
    summary: str | None
    author_id: str | None
    recorded_at: str
    status: str = "approved"  # pending, approved or rejected (moderation)
    reason: str | None = None  # why it was rejected


class AssessmentList(msgspec.Struct):
    items: list[AssessmentItem]
    next_cursor: str | None


class Framework(msgspec.Struct):
    """The Development Matters areas, aspects, age bands and characteristics."""

    key: str
    name: str
    areas: list[dict[str, Any]]
    age_bands: list[dict[str, Any]]
    characteristics: list[dict[str, Any]]
    judgements: list[str]


# media


class MediaStored(msgspec.Struct):
    media_id: UUID
    size: int
    sha256: str
    captured_at: str | None


# consent


class Terms(msgspec.Struct):
    version: int
    text: str
    keep_older_signatures: bool


class TermsPublished(msgspec.Struct):
    version: int


class Agreement(msgspec.Struct):
    parent_id: str
    terms_version: int
    signed_at: str


class ConsentRead(msgspec.Struct):
    """`agreement_current` only for parents. A parent who has not signed the current
    terms for the child sees only their own signatures and where to sign (`sign_at`,
    `terms_at`), not the consent itself."""

    agreements: list[Agreement]
    image_consent: bool | msgspec.UnsetType = msgspec.UNSET
    agreement_current: bool | None = None
    sign_at: str | msgspec.UnsetType = msgspec.UNSET
    terms_at: str | msgspec.UnsetType = msgspec.UNSET


class ReviewItem(msgspec.Struct):
    observation_id: str
    child_id: str
    reason: str | None
    created_at: str
    resolved: bool
    resolved_at: str | None


class ReviewList(msgspec.Struct):
    items: list[ReviewItem]
    next_cursor: str | None


# diary


class EntryRecorded(msgspec.Struct):
    """`warnings`: sentences about what was recorded but looks wrong (a meal while the
    child was asleep); nothing is refused for them."""

    entry_id: UUID
    late: bool
    warnings: list[str] = []


class EntryCorrected(msgspec.Struct):
    entry_id: UUID
    version: int


class MessagePosted(msgspec.Struct):
    message_id: UUID


class PermissionRecorded(msgspec.Struct):
    permission_id: UUID


class PermissionItem(msgspec.Struct):
    permission_id: str
    medicine: str
    dose: str
    valid_from: str = msgspec.field(name="from")
    valid_until: str = msgspec.field(name="until")
    source: str | None = None
    recorded_by: str | None = None
    recorded_at: str | None = None


class PermissionList(msgspec.Struct):
    items: list[PermissionItem]
    next_cursor: str | None


class DayItem(msgspec.Struct):
    """An entry (`type` "entry", with the fields of its kind) or a message. Beside each
    account id its name (`recorded_by_name`, `given_by_name`, `witnessed_by_name`,
    `by_name`, `author_name`); times in the setting's local time with its offset."""

    type: Literal["entry", "message"]
    at: str | None
    entry_id: str | None = None
    message_id: str | None = None
    kind: str | None = None
    text: str | None = None
    recorded_by_name: str | None = None
    author_name: str | None = None


class Day(msgspec.Struct):
    child_id: UUID
    date: str
    session_ended: bool
    session_ended_at: str | None
    items: list[DayItem]
    next_cursor: str | None


class BoardItem(msgspec.Struct):
    """A child of the room with the day at a glance."""

    child_id: str
    name: str
    asleep: bool
    asleep_since: str | None
    last_meal: dict[str, Any] | None
    last_nappy: dict[str, Any] | None
    unacknowledged_incidents: list[str]
    medication: list[dict[str, Any]]
    session_ended_at: str | None = None


class Board(msgspec.Struct):
    room: str
    date: str
    items: list[BoardItem]
    next_cursor: str | None


class LateItem(msgspec.Struct):
    entry_id: str
    child_id: str
    name: str | None
    date: str
    kind: str
    recorded_at: str | None
    recorded_by: str | None
    session_ended_at: str | None
    retracted: bool


class LateDiary(msgspec.Struct):
    count: int
    items: list[LateItem]
    next_cursor: str | None


class IncidentItem(msgspec.Struct):
    entry_id: str
    child_id: str
    name: str | None
    room: str | None
    date: str
    at: str | None
    what: str | None
    recorded_by: str | None


class Incidents(msgspec.Struct):
    date: str
    items: list[IncidentItem]
    next_cursor: str | None


# custody


class PhotoToDelete(msgspec.Struct):
    """A photo still on a tablet, and who must delete it (who took it)."""

    media_id: str
    taken_at: str
    must_be_deleted_by: str | None


class SignedIn(msgspec.Struct):
    device_id: UUID
    on_charger: bool
    photos_on_device: list[str]
    photos_to_delete: list[PhotoToDelete]


class DamageReported(msgspec.Struct):
    report_id: UUID
    responsible_account_id: UUID | None


class CustodyItem(msgspec.Struct):
    device_id: str
    label: str
    kind: str
    status: str
    holder_account_id: str | None
    holder_name: str | None
    name: str | None
    since: str | None
    overdue: bool
    photos_on_device: list[str]
    photos_to_delete: list[dict[str, Any]]
    sign_outs: list[dict[str, Any]]


class CustodyReport(msgspec.Struct):
    items: list[CustodyItem]
    next_cursor: str | None


class DamageItem(msgspec.Struct):
    report_id: str
    device_id: str
    label: str | None
    kind: str
    description: str
    deliberate: bool
    responsible_account_id: str | None
    responsible_name: str | None
    date: str
    occurred_at: str
    reported_by: str | None = None
    reported_by_name: str | None = None
    reported_at: str | None = None


class DamageList(msgspec.Struct):
    items: list[DamageItem]
    next_cursor: str | None


# reports


class ComplianceReport(msgspec.Struct):
    """Each figure of the period with the records behind it, and counts per practitioner
    and per room."""

    period_from: str = msgspec.field(name="from")
    period_to: str = msgspec.field(name="to")
    quiet_weeks: int = 4
    moderation_backlog: dict[str, Any] = {}
    late_observations: list[dict[str, Any]] = []
    late_diary_entries: list[dict[str, Any]] = []
    devices_not_signed_in: list[dict[str, Any]] = []
    photos_left_on_devices: list[dict[str, Any]] = []
    parents_not_signed: list[dict[str, Any]] = []
    children_without_observations: list[dict[str, Any]] = []
    unacknowledged_incidents: list[dict[str, Any]] = []
    by_practitioner: list[dict[str, Any]] = []
    by_room: list[dict[str, Any]] = []


class Progress(msgspec.Struct):
    """Per area and aspect: observations per term, the latest judgement, next steps."""

    child_id: str
    terms: list[str]
    judgements: list[str]
    areas: list[dict[str, Any]]


class CohortArea(msgspec.Struct):
    area: str
    name: str
    children: int
    assessed: int
    at_or_above_expected: int
    share: float | None


class Cohort(msgspec.Struct):
    """Per area, the share of the room's children at or above the expected band (from
    approved assessments; those waiting for a manager are counted apart)."""

    room: str
    term: str
    areas: list[CohortArea]
    assessments_waiting: int = 0


class WaitingComment(msgspec.Struct):
    """A comment waiting for a manager before the family sees it."""

    comment_id: str
    child_id: str
    observation_id: str
    author: dict[str, Any]
    text: str
    at: str


class WaitingComments(msgspec.Struct):
    items: list[WaitingComment]
    next_cursor: str | None


class WaitingAssessment(msgspec.Struct):
    """An assessment waiting for a manager before the family sees it."""

    assessment_id: str
    child_id: str
    period: str
    kind: str
    judgements: dict[str, Any]
    summary: str | None
    author_id: str
    recorded_at: str


class WaitingAssessments(msgspec.Struct):
    items: list[WaitingAssessment]
    next_cursor: str | None


# audit (safeguarding lead)


class AuditEvent(msgspec.Struct):
    """One stored event: where in the log, when, what in words, about which children,
    who did it with which roles, from which device. Ids and words only."""

    position: int
    at: str
    what: str
    event: str
    children: list[str]
    actor_id: str | None
    roles: list[str]
    device_id: str | None
    aggregate_id: str
    version: int
    setting_id: str | None


class AuditEvents(msgspec.Struct):
    items: list[AuditEvent]
    next_cursor: str | None


class AccessRecord(msgspec.Struct):
    """A read: of which child (none for a read of the setting's lists), by whom, with
    which roles, from which device, which route, when; a support account's read also
    names the manager's grant that allowed it (`support_grant_until`)."""

    at: str
    child_id: str | None
    account_id: str
    roles: list[str]
    device_id: str | None
    route: str
    support_grant_until: str | None = None


class AccessTrail(msgspec.Struct):
    items: list[AccessRecord]
    next_cursor: str | None


class LoginRecord(msgspec.Struct):
    """A login of an account of the setting: `ok`, `failed`, `disabled` or `locked`."""

    at: str
    account_id: str
    address: str | None
    outcome: str


class LoginTrail(msgspec.Struct):
    items: list[LoginRecord]
    next_cursor: str | None


class AuditVerdict(msgspec.Struct):
    """Whether the stored log still matches its Merkle tree and every signed head;
    `events_checked` counts the asking setting's events, `tree_size` is not told."""

    ok: bool
    events_checked: int
    first_bad_position: int | None
    tree_size: int | None
    first_bad: str | None
    problems: list[str]


class Replay(msgspec.Struct):
    """A child's record as it stood at `at`, rebuilt from the event log alone: the child,
    the journey as staff saw it (every observation with its revisions, text, status and
    comments), what the parents saw, the diary days so far, consent and agreements, and
    the linked parents (restricted or not)."""

    child_id: str
    at: str
    child: dict[str, Any] | None
    journey: list[dict[str, Any]]
    parents_see: list[dict[str, Any]]
    diary: list[dict[str, Any]]
    consent: dict[str, Any]
    parents: list[dict[str, Any]]
