"""Who is acting: every command takes an Actor and every event records it."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

MANAGER = "manager"
PRACTITIONER = "practitioner"
SAFEGUARDING_LEAD = "safeguarding_lead"
PARENT = "parent"
SUPPORT = "support"
SYSTEM_ROLE = "system"  # the operator on the server (command line), never a login

ROLES = (MANAGER, PRACTITIONER, SAFEGUARDING_LEAD, PARENT, SUPPORT)
STAFF_ROLES = frozenset({MANAGER, PRACTITIONER, SAFEGUARDING_LEAD})


@dataclass(frozen=True)
class Actor:
    """An authenticated person acting in one setting, possibly from one of its devices."""

    account_id: UUID
    setting_id: UUID
    roles: tuple[str, ...]
    device_id: UUID | None = None
    children: frozenset[UUID] = field(default=frozenset(), compare=False)
    # the linked children whose current agreement terms this parent has signed
    agreed_children: frozenset[UUID] = field(default=frozenset(), compare=False)

    @property
    def is_staff(self) -> bool:
        return any(r in STAFF_ROLES for r in self.roles)

    @property
    def is_parent(self) -> bool:
        return PARENT in self.roles and not self.is_staff

    @property
    def is_manager(self) -> bool:
        return MANAGER in self.roles

    @property
    def is_support(self) -> bool:
        return SUPPORT in self.roles and not self.is_staff and PARENT not in self.roles

    def recorded(self) -> dict:
        """What an event keeps of the actor: ids and roles, never names."""
        return {
            "account_id": str(self.account_id),
            "roles": list(self.roles),
            "device_id": str(self.device_id) if self.device_id else None,
        }


SYSTEM = Actor(
    account_id=UUID(int=0), setting_id=UUID(int=0), roles=(SYSTEM_ROLE,), device_id=None
)
