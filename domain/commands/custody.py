"""Tablets signed out and in, damage, photos left on devices.

The flow (see the README): a tablet is signed out and signed back in at an office
computer of the setting, by the member of staff logged in there, naming the tablet.
Being at the office computer is what "signed out of / back into the office" means;
the tablet's own token cannot sign it out (nobody holds it yet, so it authorises no
one) nor sign it in (that would not show it is back in the office).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from domain.actor import Actor
from domain.aggregates.device import COMPUTER, Device
from domain.aggregates.setting import Setting
from domain.commands.base import Commands
from domain.errors import Forbidden, NotFound

NO_SUCH_DEVICE = "No such device in this setting."
AT_THE_OFFICE = (
    "Tablets are signed out and signed back in at an office computer of the setting, "
    "not from a tablet."
)


class CustodyCommands(Commands):
    """Tablets signed out and in, damage, photos left on devices."""

    def _device_of_setting(self, device_id: UUID, actor: Actor) -> Device:
        device = self._load(device_id, Device, NO_SUCH_DEVICE)
        if device.setting_id != actor.setting_id:
            raise NotFound(NO_SUCH_DEVICE)
        return device

    def _require_office_computer(self, actor: Actor) -> None:
        """Custody changes hands only at an office computer of the actor's setting."""
        if actor.device_id is None:
            raise Forbidden(AT_THE_OFFICE)
        desk = self._find(actor.device_id, Device)
        if desk is None or desk.setting_id != actor.setting_id or desk.kind != COMPUTER:
            raise Forbidden(AT_THE_OFFICE)

    def sign_out_device(self, device_id: UUID, actor: Actor, at: datetime) -> int:
        """Sign a tablet out to the requesting member of staff (409 if someone holds it)."""
        device = self._device_of_setting(device_id, actor)
        self._require_office_computer(actor)
        device.sign_out(actor, at)
        return self._save(device)

    def sign_in_device(self, device_id: UUID, on_charger: bool, actor: Actor,
                       at: datetime) -> tuple[list[dict], int]:
        """Sign a tablet back in (its holder or a manager); the photos still on it, each
        with who must delete it (`Device.photos_to_delete`)."""
        device = self._device_of_setting(device_id, actor)
        self._require_office_computer(actor)
        setting = self._find(actor.setting_id, Setting)
        device.sign_in(on_charger, actor, at,
                       (setting.timezone, setting.hours) if setting is not None else None)
        return device.photos_to_delete(), self._save(device)

    def report_device_damage(self, device_id: UUID, kind: str, description: str,
                             deliberate: bool, actor: Actor, at: datetime,
                             occurred_at: datetime | None = None
                             ) -> tuple[UUID, UUID | None, int]:
        """Report damage; returns (report id, responsible account or None, log position)."""
        device = self._device_of_setting(device_id, actor)
        report_id = uuid4()
        responsible = device.report_damage(report_id, kind, description, deliberate, actor, at,
                                           occurred_at=occurred_at)
        return report_id, responsible, self._save(device)

    def record_photo_deleted(self, device_id: UUID, media_id: UUID, actor: Actor,
                             at: datetime) -> int:
        """Record that a photo uploaded from a tablet has been deleted from it."""
        device = self._device_of_setting(device_id, actor)
        if not device.photo_deleted(media_id, actor, at):
            return 0
        return self._save(device)

    def retire_device(self, device_id: UUID, actor: Actor, at: datetime) -> int:
        """Take a device out of use for good (manager); its token stops working."""
        device = self._device_of_setting(device_id, actor)
        device.retire(actor, at)
        return self._save(device)
