"""Devices view: the setting's equipment and who holds each tablet.

Listens to Device.* events; writes devices_view, which the auth dependency reads to
accept an `X-Device-Token` (by its hash), and the custody tables the custody and
damage reports read (`projections.custody_reports`): device_custody (every signing
out, and its signing back in), device_photos (photos uploaded from a tablet, and when
they were reported deleted from it) and damage_reports.

Times are stored as UTC ISO 8601 text, so that they compare as text on both engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from projections.engine import Projection, handles
from storage.database import Database


def utc(moment: datetime) -> str:
    """A time as UTC ISO 8601 text (comparable as text)."""
    return moment.astimezone(UTC).isoformat()


def _id(value) -> str | None:
    return str(value) if value is not None else None


class DevicesView(Projection):
    """Each device: setting, kind, token hash, status and current holder."""

    name = "devices"
    schema = (
        """CREATE TABLE IF NOT EXISTS devices_view (
            device_id TEXT PRIMARY KEY,
            setting_id TEXT NOT NULL,
            label TEXT NOT NULL,
            kind TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL,
            holder_account_id TEXT,
            held_since TEXT,
            registered_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS devices_by_setting ON devices_view (setting_id)",
        """CREATE TABLE IF NOT EXISTS device_custody (
            device_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            account_id TEXT NOT NULL,
            signed_out_at TEXT NOT NULL,
            signed_in_at TEXT,
            signed_in_by TEXT,
            on_charger INTEGER,
            ended_by TEXT,
            PRIMARY KEY (device_id, signed_out_at))""",
        "CREATE INDEX IF NOT EXISTS custody_by_setting ON device_custody (setting_id)",
        """CREATE TABLE IF NOT EXISTS device_photos (
            device_id TEXT NOT NULL,
            media_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            captured_by TEXT NOT NULL,
            captured_at TEXT NOT NULL,
            deleted_at TEXT,
            deleted_by TEXT,
            PRIMARY KEY (device_id, media_id))""",
        """CREATE TABLE IF NOT EXISTS damage_reports (
            report_id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            description TEXT NOT NULL,
            deliberate INTEGER NOT NULL,
            responsible_account_id TEXT,
            reported_by TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            reported_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS damage_by_setting ON damage_reports (setting_id)",
    )
    tables = ("devices_view", "device_custody", "device_photos", "damage_reports")
    setting_tables = tables

    @handles("Device.Registered")
    def registered(self, event, tx) -> None:
        tx.execute(
            "INSERT INTO devices_view (device_id, setting_id, label, kind, token_hash, status, "
            "registered_at) VALUES (?, ?, ?, ?, ?, 'active', ?) "
            "ON CONFLICT (device_id) DO NOTHING",
            (str(event.originator_id), str(event.setting_id), event.label, event.kind,
             event.token_hash, event.timestamp.isoformat()),
        )

    @handles("Device.SignedOut")
    def signed_out(self, event, tx) -> None:
        device_id, at = str(event.originator_id), utc(event.timestamp)
        tx.execute(
            "UPDATE devices_view SET holder_account_id = ?, held_since = ? WHERE device_id = ?",
            (str(event.actor.account_id), at, device_id),
        )
        tx.execute(
            "INSERT INTO device_custody (device_id, setting_id, account_id, signed_out_at) "
            "SELECT device_id, setting_id, ?, ? FROM devices_view WHERE device_id = ? "
            "ON CONFLICT (device_id, signed_out_at) DO NOTHING",
            (str(event.actor.account_id), at, device_id),
        )

    def _end_custody(self, event, tx, on_charger, ended_by: str) -> None:
        device_id, at = str(event.originator_id), utc(event.timestamp)
        tx.execute(
            "UPDATE device_custody SET signed_in_at = ?, signed_in_by = ?, on_charger = ?, "
            "ended_by = ? WHERE device_id = ? AND signed_in_at IS NULL",
            (at, str(event.actor.account_id), on_charger, ended_by, device_id),
        )
        tx.execute(
            "UPDATE devices_view SET holder_account_id = NULL, held_since = NULL "
            "WHERE device_id = ?",
            (device_id,),
        )

    @handles("Device.SignedIn")
    def signed_in(self, event, tx) -> None:
        ended_by = "signed_in_late" if getattr(event, "late", False) else "signed_in"
        self._end_custody(event, tx, 1 if event.on_charger else 0, ended_by)

    @handles("Device.DamageReported")
    def damage_reported(self, event, tx) -> None:
        device_id = str(event.originator_id)
        tx.execute(
            "INSERT INTO damage_reports (report_id, device_id, setting_id, kind, description, "
            "deliberate, responsible_account_id, reported_by, occurred_at, reported_at) "
            "SELECT ?, device_id, setting_id, ?, ?, ?, ?, ?, ?, ? FROM devices_view "
            "WHERE device_id = ? ON CONFLICT (report_id) DO NOTHING",
            (str(event.report_id), event.kind, event.description or "",
             1 if event.deliberate else 0, _id(event.responsible_account_id),
             str(event.actor.account_id), utc(event.occurred_at), utc(event.timestamp),
             device_id),
        )
        status = {"loss": "lost", "theft": "stolen"}.get(event.kind)
        if status is not None:
            tx.execute("UPDATE devices_view SET status = ? WHERE device_id = ?",
                       (status, device_id))
            self._end_custody(event, tx, None, status)

    @handles("Device.PhotoCaptured")
    def photo_captured(self, event, tx) -> None:
        tx.execute(
            "INSERT INTO device_photos (device_id, media_id, setting_id, captured_by, "
            "captured_at) SELECT device_id, ?, setting_id, ?, ? FROM devices_view "
            "WHERE device_id = ? ON CONFLICT (device_id, media_id) DO NOTHING",
            (str(event.media_id), str(event.actor.account_id), utc(event.timestamp),
             str(event.originator_id)),
        )

    @handles("Device.PhotoDeleted")
    def photo_deleted(self, event, tx) -> None:
        tx.execute(
            "UPDATE device_photos SET deleted_at = ?, deleted_by = ? "
            "WHERE device_id = ? AND media_id = ?",
            (utc(event.timestamp), str(event.actor.account_id), str(event.originator_id),
             str(event.media_id)),
        )

    @handles("Device.Retired")
    def retired(self, event, tx) -> None:
        tx.execute("UPDATE devices_view SET status = 'retired' WHERE device_id = ?",
                   (str(event.originator_id),))

    @handles("Device.TokenReissued")
    def token_reissued(self, event, tx) -> None:
        tx.execute("UPDATE devices_view SET token_hash = ? WHERE device_id = ?",
                   (event.token_hash, str(event.originator_id)))


# queries


def every_device(db) -> list[dict]:
    """Every setting's devices, for the operator's command line: id, setting, label, kind,
    status and holder, oldest first."""
    rows = db.query(
        "SELECT device_id, setting_id, label, kind, status, holder_account_id "
        "FROM devices_view ORDER BY registered_at, device_id")
    keys = ("device_id", "setting_id", "label", "kind", "status", "holder_account_id")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def devices_of_setting(db, setting_id) -> list[tuple]:
    """(device_id, label, kind, status, holder_account_id, held_since) of a setting's
    devices, by label."""
    return db.query(
        "SELECT device_id, label, kind, status, holder_account_id, held_since "
        "FROM devices_view WHERE setting_id = ? ORDER BY label, device_id", (str(setting_id),))


@dataclass(frozen=True)
class DeviceSeen:
    """What the guard needs of a device: its setting, kind, status and holder."""

    device_id: UUID
    setting_id: UUID
    kind: str
    status: str
    holder: str | None


def device_by_token_hash(db: Database, digest: str) -> DeviceSeen | None:
    """The device whose token has this hash, or None."""
    row = db.query_one(
        "SELECT device_id, setting_id, kind, status, holder_account_id FROM devices_view "
        "WHERE token_hash = ?", (digest,))
    if row is None:
        return None
    return DeviceSeen(UUID(row[0]), UUID(row[1]), row[2], row[3], row[4])
