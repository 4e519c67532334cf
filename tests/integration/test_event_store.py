"""The event store on both backends: round trips with the actor, and crypto-shredding."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.actor import Actor
from domain.aggregates.base import NurseryAggregate
from domain.personal_data import ERASED, JOURNEY_KEY, RETENTION_KEY

SECRET_NAME = "Zebedee Quixotically-Unique"


class Keepsake(NurseryAggregate):
    """A small aggregate about one child, with personal and plain fields."""

    @event("Made")
    def __init__(self, child_id: UUID, name: str, date_of_birth: date, amount: Decimal,
                 actor: Actor, at: datetime):
        self.child_id = child_id
        self.name = name
        self.date_of_birth = date_of_birth
        self.amount = amount
        self.notes: list[str] = []

    @event("Noted")
    def note(self, text: str, actor: Actor, at: datetime) -> None:
        self.notes.append(text)

    @event("MedicationGiven")
    def medicate(self, medicine: str, actor: Actor, at: datetime) -> None:
        self.medicine = medicine


def _actor(setting_id: UUID) -> Actor:
    return Actor(uuid4(), setting_id, ("practitioner",), uuid4())


def test_events_round_trip_with_actor_and_exact_values(services):
    actor = _actor(uuid4())
    at = datetime(2026, 3, 4, 9, 30, 15, 123456, tzinfo=UTC)
    child = uuid4()
    keepsake = Keepsake(child, "Ada", date(2023, 5, 6), Decimal("12.50"), actor, at)
    keepsake.note("builds a tower", actor, at)
    services.app.save(keepsake)

    stored = list(services.app.events.get(keepsake.id))
    assert [type(e).__name__ for e in stored] == ["Made", "Noted"]
    made = stored[0]
    assert made.actor == actor
    assert made.actor.device_id == actor.device_id
    assert made.timestamp == at
    assert made.date_of_birth == date(2023, 5, 6)
    assert made.amount == Decimal("12.50") and isinstance(made.amount, Decimal)
    assert made.child_id == child
    assert stored[1].child_id == child  # carried by every later event

    again = services.app.repository.get(keepsake.id)
    assert again.name == "Ada" and again.notes == ["builds a tower"]


def _database_text(services, tmp_path: Path) -> bytes:
    if services.backend == "sqlite":
        services.db.close()
        files = [services.settings.events_path, services.settings.journey_db_path]
        data = b""
        for f in files:
            for path in (f, Path(str(f) + "-wal")):
                if path.exists():
                    data += path.read_bytes()
        return data
    url = services.settings.database_url
    dump = subprocess.run(["pg_dump", "--data-only", url], capture_output=True, check=True)
    return dump.stdout


def test_shredding_erases_personal_fields_but_aggregates_still_load(services, tmp_path):
    actor = _actor(uuid4())
    at = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
    child = uuid4()
    keepsake = Keepsake(child, SECRET_NAME, date(2023, 5, 6), Decimal("1"), actor, at)
    keepsake.note(f"{SECRET_NAME} paints", actor, at)
    keepsake.medicate("Calpol", actor, at)
    services.app.save(keepsake)

    assert SECRET_NAME.encode() not in _database_text(services, tmp_path)  # sealed at rest

    services.keys.shred(child, JOURNEY_KEY)
    services.app.repository.cache = None
    erased = services.app.repository.get(keepsake.id)
    assert erased.name == ERASED
    assert erased.date_of_birth is None
    assert erased.notes == [ERASED]
    assert erased.medicine == "Calpol"  # retention key kept: legal record survives
    assert erased.amount == Decimal("1")  # not personal: still there

    services.keys.shred(child, RETENTION_KEY)
    assert services.app.repository.get(keepsake.id).medicine == ERASED


def test_a_child_name_in_plain_events_would_be_visible(services, tmp_path):
    """The check above can fail: an unsealed name is found in the database text."""
    services.db.execute(
        "CREATE TABLE IF NOT EXISTS probe (t TEXT)")
    services.db.execute("INSERT INTO probe (t) VALUES (?)", (SECRET_NAME,))
    assert SECRET_NAME.encode() in _database_text(services, tmp_path)
