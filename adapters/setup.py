"""Setting up a nursery from the command line (and in tests)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from adapters.storage.credentials import hash_password, new_token, token_hash
from domain.actor import SYSTEM, Actor
from domain.aggregates.account import check_password
from domain.errors import NotFound
from domain.opening_hours import ALL_HOURS, DEFAULT_HOURS


def set_up_setting(services: Any, name: str, manager_email: str, manager_password: str,
                   manager_name: str = "Manager", open_all_hours: bool = False) -> dict:
    """Register a setting, its first manager and an office computer; returns the
    `{"setting_id", "manager_id", "device_id", "device_token"}` object of API.md."""
    check_password(manager_password, manager_email)
    password_hash = hash_password(manager_password)
    token = new_token()
    now = services.clock()
    setting, manager, device, position = services.app.set_up_setting(
        name, manager_email, manager_name, token_hash(token), SYSTEM, now,
        open_all_hours=open_all_hours,
    )
    services.credentials.set_password(manager.id, manager.email, password_hash, now)
    services.projections.wait_for(position)
    return {
        "setting_id": str(setting.id),
        "manager_id": str(manager.id),
        "device_id": str(device.id),
        "device_token": token,
    }


def reset_opening_hours(services: Any, setting_id: UUID, open_all_hours: bool = False) -> dict:
    """The recovery path when hours lock every member of staff out: the default hours
    (07:30-18:30 Monday to Friday) or all hours, in the setting's timezone."""
    timezone = services.lookups.setting_timezone(setting_id)
    if timezone is None:
        raise NotFound(f"No setting has the id {setting_id}.")
    hours = ALL_HOURS if open_all_hours else DEFAULT_HOURS
    actor = Actor(SYSTEM.account_id, setting_id, SYSTEM.roles)
    position = services.app.set_opening_hours(timezone, hours, actor, services.clock())
    services.projections.wait_for(position)
    return {"setting_id": str(setting_id), "timezone": timezone, "days": hours}
