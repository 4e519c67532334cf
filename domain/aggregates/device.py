"""Device: a tablet or an office computer of the setting, and the custody of tablets.

Its token is shown once at registration; only its hash is kept (in the event, since
a hash of a random token is not personal data and lets the views authorise requests).

Custody (the staff agreement of the policy): a tablet is signed out of the office to
one member of staff, who is responsible for it until it is signed back in; damage
reported while it is out names that holder as responsible, damage to a device in the
office names nobody; a lost or stolen device stops working at once; photos uploaded
from a tablet are "on the device" until reported deleted from it; every tablet must
be signed in by closing time (`is_overdue`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.actor import SYSTEM_ROLE, Actor
from domain.aggregates.base import NurseryAggregate
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.opening_hours import closing_time, local

KINDS = ("tablet", "computer")
TABLET = "tablet"
COMPUTER = "computer"

ACTIVE = "active"
RETIRED = "retired"
LOST = "lost"
STOLEN = "stolen"
STATUSES = (ACTIVE, RETIRED, LOST, STOLEN)

DAMAGE_KINDS = (
    "loss",
    "accidental_damage",
    "liquid_damage",
    "theft",
    "unauthorised_alteration",
    "software_or_content_loss",
)
STATUS_AFTER_DAMAGE = {"loss": LOST, "theft": STOLEN}
MAX_DESCRIPTION = 2000
PHOTO_DELETED_BY = ("Only the member of staff holding this tablet, using the tablet, or a "
                    "manager records a photo deleted from it.")


@dataclass(frozen=True)
class CustodyPeriod:
    """One signing out of a tablet: to whom, from when, until when (None: still out)."""

    account_id: UUID
    signed_out_at: datetime
    signed_in_at: datetime | None = None


def holder_at(periods: list[CustodyPeriod], moment: datetime) -> UUID | None:
    """Who held the device at `moment` according to these custody periods (None: office)."""
    for period in reversed(periods):
        if period.signed_out_at <= moment and (
            period.signed_in_at is None or moment < period.signed_in_at
        ):
            return period.account_id
    return None


def is_overdue(held_since: datetime | None, now: datetime, timezone: str,
               hours: dict[str, list[str]]) -> bool:
    """Whether a device signed out at `held_since` is overdue at `now`.

    Every tablet must be signed back in by closing time: it is overdue when it was
    signed out on an earlier day (in the setting's timezone), or it is past today's
    closing time, or the setting is closed today. A device in the office never is.
    """
    if held_since is None:
        return False
    if local(held_since, timezone).date() < local(now, timezone).date():
        return True
    closes = closing_time(hours, timezone, now)
    return closes is None or now >= closes


class Device(NurseryAggregate):
    """Setting equipment, authorising staff requests by its token."""

    @event("Registered")
    def __init__(self, setting_id: UUID, label: str, kind: str, token_hash: str,
                 actor: Actor, at: datetime):
        self.setting_id = setting_id
        self.label = label
        self.kind = kind
        self.token_hash = token_hash
        self.status = "active"
        self.holder_account_id: UUID | None = None
        self.held_since: datetime | None = None
        self.custody: list[CustodyPeriod] = []
        self.photos: dict[UUID, datetime] = {}
        self.photo_takers: dict[UUID, UUID] = {}
        self.deleted_photos: set[UUID] = set()
        self.damage_reports: dict[UUID, UUID | None] = {}

    @classmethod
    def register(cls, setting_id: UUID, label: str, kind: str, token_hash: str,
                 actor: Actor, at: datetime) -> Device:
        """Register a device after checking its label and kind."""
        if kind not in KINDS:
            raise Invalid("The field 'kind' must be 'tablet' or 'computer'.", "kind")
        if not label or not label.strip() or len(label) > 100:
            raise Invalid("The field 'label' must be 1 to 100 characters.", "label")
        return cls(setting_id, label.strip(), kind, token_hash, actor, at)

    # custody -------------------------------------------------------------------

    def _require_in_use(self, doing: str) -> None:
        if self.status == RETIRED:
            raise Conflict(f"This device has been retired; it cannot be {doing}.")
        if self.status in (LOST, STOLEN):
            raise Conflict(f"This device was reported {self.status}; it cannot be {doing}.")

    def sign_out(self, actor: Actor, at: datetime) -> None:
        """Sign this tablet out of the office to the requesting member of staff."""
        if not actor.is_staff:
            raise Forbidden("Only staff of the setting sign tablets out.")
        if self.kind != TABLET:
            raise Conflict("Only tablets are signed out; an office computer stays in the "
                           "office.")
        self._require_in_use("signed out")
        if self.holder_account_id is not None:
            if self.holder_account_id == actor.account_id:
                raise Conflict("You have already signed this tablet out.")
            raise Conflict("This tablet is already signed out to someone else; it must be "
                           "signed back in first.")
        self._signed_out(actor, at)

    @event("SignedOut")
    def _signed_out(self, actor: Actor, at: datetime) -> None:
        self.holder_account_id = actor.account_id
        self.held_since = at
        self.custody.append(CustodyPeriod(actor.account_id, at))

    def sign_in(self, on_charger: bool, actor: Actor, at: datetime,
                opening: tuple[str, dict[str, list[str]]] | None = None) -> list[UUID]:
        """Sign this tablet back into the office (its holder, or a manager).

        With the setting's `opening` (timezone, hours), a return after closing time or
        on a later day is recorded as late. Returns the photos still on it, which must
        be deleted from it.
        """
        if self.holder_account_id is None:
            raise Conflict("This tablet is not signed out, so it cannot be signed in.")
        if self.holder_account_id != actor.account_id and not actor.is_manager:
            raise Forbidden("Only the member of staff who signed this tablet out, or a "
                            "manager, may sign it back in.")
        late = opening is not None and self.overdue(at, *opening)
        self._signed_in(on_charger, self.holder_account_id, actor, at, late)
        return self.photos_on_device

    @event("SignedIn")
    def _signed_in(self, on_charger: bool, holder_account_id: UUID, actor: Actor,
                   at: datetime, late: bool = False) -> None:
        self._end_custody(at)

    def _end_custody(self, at: datetime) -> None:
        if self.custody and self.custody[-1].signed_in_at is None:
            last = self.custody[-1]
            self.custody[-1] = CustodyPeriod(last.account_id, last.signed_out_at, at)
        self.holder_account_id = None
        self.held_since = None

    def report_damage(self, report_id: UUID, kind: str, description: str, deliberate: bool,
                      actor: Actor, at: datetime, occurred_at: datetime | None = None
                      ) -> UUID | None:
        """Record damage; the holder at that moment (None in the office) is responsible.

        `occurred_at` (default: now) may name an earlier moment of the damage. A loss or
        theft marks the device lost or stolen: its token stops working at once and its
        custody ends. Returns the responsible account id.
        """
        if not actor.is_staff:
            raise Forbidden("Only staff of the setting report damage to its devices.")
        if kind not in DAMAGE_KINDS:
            raise Invalid(f"The field 'kind' must be one of {', '.join(DAMAGE_KINDS)}.",
                          "kind")
        if not isinstance(description, str) or not description.strip():
            raise Invalid("The field 'description' must say what happened.", "description")
        if len(description) > MAX_DESCRIPTION:
            raise Invalid(f"The field 'description' must be at most {MAX_DESCRIPTION} "
                          "characters.", "description")
        moment = at if occurred_at is None else occurred_at
        if moment.tzinfo is None:
            raise Invalid("The field 'occurred_at' must be a time with an offset.",
                          "occurred_at")
        if moment > at:
            raise Invalid("The field 'occurred_at' must not be in the future.", "occurred_at")
        if report_id in self.damage_reports:
            raise Conflict("This damage report has already been recorded.")
        self._require_in_use("reported damaged")
        responsible = holder_at(self.custody, moment)
        self._damage_reported(report_id, kind, description.strip(), bool(deliberate),
                              responsible, moment, actor, at)
        return responsible

    @event("DamageReported")
    def _damage_reported(self, report_id: UUID, kind: str, description: str, deliberate: bool,
                         responsible_account_id: UUID | None, occurred_at: datetime,
                         actor: Actor, at: datetime) -> None:
        self.damage_reports[report_id] = responsible_account_id
        status = STATUS_AFTER_DAMAGE.get(kind)
        if status is not None:
            self.status = status
            self._end_custody(at)

    def record_photo(self, media_id: UUID, actor: Actor, at: datetime) -> None:
        """Record that a photo or video uploaded from this tablet is still on it."""
        if self.kind != TABLET:
            raise Conflict("Only photos taken on tablets are recorded on a device.")
        if media_id in self.photos or media_id in self.deleted_photos:
            return
        self._photo_captured(media_id, actor, at)

    @event("PhotoCaptured")
    def _photo_captured(self, media_id: UUID, actor: Actor, at: datetime) -> None:
        self.photos[media_id] = at
        self.photo_takers[media_id] = actor.account_id

    def photo_deleted(self, media_id: UUID, actor: Actor, at: datetime) -> bool:
        """Record that a photo has been deleted from this tablet.

        Only the member of staff holding the tablet, using it, or a manager says so
        (`may_record_deleted`); the event records who. Saying so again is harmless
        (returns False, records nothing); a photo never taken on this device is NotFound.
        """
        if not self.may_record_deleted(actor):
            raise Forbidden(PHOTO_DELETED_BY)
        if media_id in self.deleted_photos:
            return False
        if media_id not in self.photos:
            raise NotFound("No such photo was uploaded from this device.")
        self._photo_deleted(media_id, actor, at)
        return True

    def may_record_deleted(self, actor: Actor) -> bool:
        """Whether the actor may record a photo deleted from this tablet: its holder on
        the tablet itself (where the deleting happens), or a manager."""
        if not actor.is_staff or actor.setting_id != self.setting_id:
            return False
        return actor.is_manager or (actor.account_id == self.holder_account_id
                                    and actor.device_id == self.id)

    @event("PhotoDeleted")
    def _photo_deleted(self, media_id: UUID, actor: Actor, at: datetime) -> None:
        self.photos.pop(media_id, None)
        self.deleted_photos.add(media_id)

    def retire(self, actor: Actor, at: datetime) -> None:
        """Take the device out of use for good (a manager); its token stops working."""
        if not actor.is_manager:
            raise Forbidden("Only a manager may retire a device.")
        if self.status == RETIRED:
            raise Conflict("This device has already been retired.")
        if self.holder_account_id is not None:
            raise Conflict("This tablet is signed out; sign it back in before retiring it.")
        self._retired(actor, at)

    @event("Retired")
    def _retired(self, actor: Actor, at: datetime) -> None:
        self.status = RETIRED

    def issue_new_token(self, token_hash: str, actor: Actor, at: datetime) -> None:
        """Replace the device's token (a manager, or the operator on the server): the old
        one stops working. Tokens are kept only as hashes, so a lost one is replaced."""
        if not actor.is_manager and SYSTEM_ROLE not in actor.roles:
            raise Forbidden("Only a manager may issue a new token for a device.")
        self._require_in_use("given a new token")
        self._token_reissued(token_hash, actor, at)

    @event("TokenReissued")
    def _token_reissued(self, token_hash: str, actor: Actor, at: datetime) -> None:
        self.token_hash = token_hash

    def photos_to_delete(self) -> list[dict]:
        """Each photo still on this tablet with who must delete it: the member of staff
        who took it (the staff agreement: delete photos once they are uploaded)."""
        return [{"media_id": m, "taken_by": self.photo_takers.get(m), "taken_at": self.photos[m]}
                for m in self.photos_on_device]

    @property
    def photos_on_device(self) -> list[UUID]:
        """The photos still on this device, oldest first."""
        return [m for m, _ in sorted(self.photos.items(), key=lambda item: (item[1], str(item[0])))]

    def overdue(self, now: datetime, timezone: str, hours: dict[str, list[str]]) -> bool:
        """Whether this device is still out after closing time (see `is_overdue`)."""
        return is_overdue(self.held_since, now, timezone, hours)
