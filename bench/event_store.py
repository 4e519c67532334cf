"""Events appended per second through the nursery application (per-child sealing, actor,
time passed in) against the bare eventsourcing library on the same database in the same
run; and projection catch-up events per second with every projection registered (a rebuild
of every view from a log of tablets registered, signed out and signed in, and the notes).

    .venv/bin/python bench/event_store.py [--events 3000] [--catch-up 20000]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eventsourcing.application import Application  # noqa: E402
from eventsourcing.domain import Aggregate, event  # noqa: E402

from adapters.bootstrap import bootstrap  # noqa: E402
from adapters.settings import Settings  # noqa: E402
from adapters.storage.event_store import event_store_env  # noqa: E402
from bench._common import data_dir, fresh_postgres, row  # noqa: E402
from domain.actor import Actor  # noqa: E402
from domain.aggregates.base import NurseryAggregate  # noqa: E402
from domain.aggregates.device import Device  # noqa: E402
from projections.engine import Projections  # noqa: E402
from projections.registry import all_projections  # noqa: E402


class BareNote(Aggregate):
    """The same shape of event, through the bare library: no sealing, no actor."""

    @event("Noted")
    def __init__(self, child_id: UUID, text: str):
        self.child_id = child_id
        self.text = text


class SealedNote(NurseryAggregate):
    """A note about a child: `text` is sealed with the child's key."""

    @event("Noted")
    def __init__(self, child_id: UUID, text: str, actor: Actor, at: datetime):
        self.child_id = child_id
        self.text = text


class BareApp(Application):
    name = "Nursery"


def bench(label: str, env: dict[str, str], n: int, catch_up: int) -> None:
    settings = Settings.from_env(env)
    services = bootstrap(settings)
    bare = BareApp(env=event_store_env(settings))
    children = [uuid4() for _ in range(50)]
    actor = Actor(uuid4(), uuid4(), ("practitioner",), uuid4())
    text = "Ada builds a tall tower with the blocks and counts them to ten."
    for child in children:  # warm the key cache
        services.app.save(SealedNote(child, text, actor, datetime.now(UTC)))

    def run_bare() -> float:
        started = time.perf_counter()
        for i in range(n):
            bare.save(BareNote(children[i % 50], text))
        return n / (time.perf_counter() - started)

    def run_ours() -> float:
        started = time.perf_counter()
        for i in range(n):
            services.app.save(SealedNote(children[i % 50], text, actor, datetime.now(UTC)))
        return n / (time.perf_counter() - started)

    bare_rates, our_rates = [], []
    for _ in range(2):  # interleave to share the machine's noise
        bare_rates.append(run_bare())
        our_rates.append(run_ours())
    bare_rate, our_rate = max(bare_rates), max(our_rates)
    print(f"{label}:")
    row("bare library append (events/s)", bare_rate, "ev/s")
    row("nursery application append (events/s)", our_rate, "ev/s", bare_rate)

    setting = uuid4()
    tablets = [Device.register(setting, f"T{i}", "tablet", uuid4().hex, actor, datetime.now(UTC))
               for i in range(catch_up // 3)]
    for i in range(0, len(tablets), 500):
        services.app.save(*tablets[i:i + 500])
    for tablet in tablets:
        tablet.sign_out(actor, datetime.now(UTC))
        tablet.sign_in(True, actor, datetime.now(UTC))
    for i in range(0, len(tablets), 500):
        services.app.save(*tablets[i:i + 500])
    views = all_projections()
    runner = Projections(services.app, services.db, views)
    started = time.perf_counter()
    runner.rebuild()
    elapsed = time.perf_counter() - started
    head = services.app.recorder.max_notification_id()
    row(f"projection catch-up, {len(views)} projections ({head:,} events in the log)",
        head / elapsed, "ev/s")
    bare.close()
    services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--catch-up", type=int, default=20000)
    args = parser.parse_args()
    with data_dir() as d:
        bench("SQLite", {"JOURNEY_DATA_DIR": str(d)}, args.events, args.catch_up)
    with fresh_postgres() as url, data_dir() as d:
        if url is None:
            print("PostgreSQL: not reachable, skipped")
            return
        bench("PostgreSQL", {"JOURNEY_DATA_DIR": str(d), "JOURNEY_DATABASE_URL": url},
              args.events, args.catch_up)


if __name__ == "__main__":
    main()
