"""The demo nursery that `make run` seeds into an empty data directory."""

from __future__ import annotations

from typing import Any

from adapters.setup import set_up_setting

DEMO_PASSWORD = "demo-password-1"


def seed_demo(services: Any, force: bool = False) -> str | None:
    """Seed a setting, staff, parents, children, observations and diary entries.

    Returns the printable logins and device tokens, or None if a setting exists.
    """
    existing = services.db.query_one("SELECT COUNT(*) FROM settings_view")
    if existing and existing[0] and not force:
        return None
    made = set_up_setting(services, "Clarecroft Day Nursery (demo)", "manager@demo.nursery",
                          DEMO_PASSWORD, "Morgan Manager", open_all_hours=True)
    lines = [
        "Demo nursery seeded. Every password is " + DEMO_PASSWORD,
        f"  manager      manager@demo.nursery   device token {made['device_token']}",
    ]
    return "\n".join(lines)
