"""HTTP routes: what staff pick from (rooms, colleagues, devices), so that a tablet app
can show names and find the ids that commands take (`given_by`, `witnessed_by`, the
tablet's own `device_id`)."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import get

from adapters.bootstrap import Services
from domain.actor import Actor
from projections.devices import devices_of_setting
from projections.identity import staff_of_setting
from projections.journey import rooms_of_setting


class Room(msgspec.Struct):
    room: str
    children: int


class Rooms(msgspec.Struct):
    items: list[Room]
    next_cursor: str | None = None


class Colleague(msgspec.Struct):
    account_id: str
    display_name: str
    roles: list[str]


class Staff(msgspec.Struct):
    items: list[Colleague]
    next_cursor: str | None = None


class SettingDevice(msgspec.Struct):
    device_id: str
    label: str
    kind: str
    status: str
    holder_account_id: str | None
    holder_name: str | None
    held_since: datetime | None


class Devices(msgspec.Struct):
    items: list[SettingDevice]
    next_cursor: str | None = None


@get("/rooms", opt={"permission": "room.list"}, sync_to_thread=True,
     summary="The setting's rooms", description="Each room with the number of children in "
     "it who have not left; a room's board is `GET /rooms/{room}/board`.")
def list_rooms(actor: Actor, services: Services) -> Rooms:
    return Rooms([Room(room, count) for room, count in
                  rooms_of_setting(services.db, actor.setting_id)])


@get("/staff", opt={"permission": "staff.list"}, sync_to_thread=True,
     summary="The setting's staff, for pickers",
     description="Ids, names and roles of the staff in post (not disabled), by name.")
def list_staff(actor: Actor, services: Services) -> Staff:
    return Staff([Colleague(*row) for row in staff_of_setting(services.db, actor.setting_id)])


@get("/devices", opt={"permission": "device.list"}, sync_to_thread=True,
     summary="The setting's devices",
     description="Each tablet and office computer: label, kind, status and who holds it.")
def list_devices(actor: Actor, services: Services) -> Devices:
    names = {account: name for account, name, _ in
             staff_of_setting(services.db, actor.setting_id)}
    return Devices([
        SettingDevice(device_id, label, kind, status, holder, names.get(holder),
                      datetime.fromisoformat(since) if since else None)
        for device_id, label, kind, status, holder, since
        in devices_of_setting(services.db, actor.setting_id)])


ROUTES = [list_rooms, list_staff, list_devices]
