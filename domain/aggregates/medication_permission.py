"""MedicationPermission: a parent's prior written permission to give a child a medicine.

EYFS requires it before any medicine is given. It is recorded by a parent of the
child, or by staff from a form the parent signed. It is under the legal retention of
medication records (its event is sealed with the child's retention key).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import event

from domain import access
from domain.actor import Actor
from domain.aggregates.base import NurseryAggregate
from domain.errors import Invalid

MAX_DAYS = 366


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"The field '{name}' must not be blank.", name)
    if len(value) > 200:
        raise Invalid(f"The field '{name}' must be at most 200 characters.", name)
    return value.strip()


class MedicationPermission(NurseryAggregate):
    """Permission for one medicine and dose, for a child, from one date until another."""

    @event("MedicationPermissionRecorded")
    def __init__(self, child_id: UUID, setting_id: UUID, medicine: str, dose: str,
                 valid_from: date, valid_until: date, source: str, actor: Actor,
                 at: datetime):
        self.child_id = child_id
        self.setting_id = setting_id
        self.medicine = medicine
        self.dose = dose
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.source = source

    @classmethod
    def record(cls, child_id: UUID, setting_id: UUID, medicine: str, dose: str,
               valid_from: date, valid_until: date, actor: Actor, at: datetime
               ) -> MedicationPermission:
        """Record a permission: by a parent, or by staff from the signed form.

        `setting_id` is the child's own setting (from its enrolment), never the actor's.
        """
        access.require_may_act_on_child(actor, setting_id, child_id)
        medicine = _text(medicine, "medicine")
        dose = _text(dose, "dose")
        if valid_until < valid_from:
            raise Invalid("The field 'until' must not be before 'from'.", "until")
        if (valid_until - valid_from).days > MAX_DAYS:
            raise Invalid(f"The field 'until' must be within {MAX_DAYS} days of 'from'; "
                          "ask the parent for a new permission after that.", "until")
        source = "signed_form" if actor.is_staff else "parent"
        return cls(child_id, setting_id, medicine, dose, valid_from, valid_until, source,
                   actor, at)

    def covers(self, child_id: UUID, day: date) -> bool:
        """Whether this permission is the child's and runs on that date."""
        return self.child_id == child_id and self.valid_from <= day <= self.valid_until

    def allows(self, medicine: str) -> bool:
        """Whether it names this medicine (case and surrounding spaces aside)."""
        return (isinstance(self.medicine, str)
                and self.medicine.strip().casefold() == medicine.strip().casefold())
