"""Projections: exactly once across a crash, rebuild from zero, two runners at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.aggregates.device import Device
from projections.engine import Projection, Projections, handles


class DeviceCount(Projection):
    """Counts registrations per setting; fails on demand to simulate a crash."""

    name = "device_count"
    schema = ("""CREATE TABLE IF NOT EXISTS device_count (
        setting_id TEXT PRIMARY KEY, registered INTEGER NOT NULL)""",)
    tables = ("device_count",)

    def __init__(self, fail_at: int | None = None):
        super().__init__()
        self.fail_at = fail_at
        self.seen = 0

    @handles("Device.Registered")
    def registered(self, event, tx) -> None:
        self.seen += 1
        if self.fail_at is not None and self.seen == self.fail_at:
            raise RuntimeError("killed halfway")
        tx.execute(
            "INSERT INTO device_count (setting_id, registered) VALUES (?, 1) "
            "ON CONFLICT (setting_id) DO UPDATE SET registered = device_count.registered + 1",
            (str(event.setting_id),),
        )


def _register(services, setting_id, n: int) -> None:
    actor = Actor(uuid4(), setting_id, ("manager",))
    at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    devices = [Device.register(setting_id, f"Tablet {i}", "tablet", uuid4().hex, actor, at)
               for i in range(n)]
    services.app.save(*devices)


def _count(services, setting_id) -> int:
    row = services.db.query_one("SELECT registered FROM device_count WHERE setting_id = ?",
                                (str(setting_id),))
    return row[0] if row else 0


def test_killed_halfway_and_restarted_neither_loses_nor_repeats(services):
    setting = uuid4()
    _register(services, setting, 30)
    crashing = Projections(services.app, services.db, [DeviceCount(fail_at=17)], batch_size=10)
    crashing.setup()
    with pytest.raises(RuntimeError):
        crashing.catch_up()
    assert _count(services, setting) == 10  # the first batch committed, the second rolled back

    restarted = Projections(services.app, services.db, [DeviceCount()], batch_size=10)
    restarted.setup()
    restarted.catch_up()
    assert _count(services, setting) == 30
    restarted.catch_up()
    assert _count(services, setting) == 30


def test_rebuild_from_zero_yields_the_same_view(services):
    setting = uuid4()
    _register(services, setting, 12)
    runner = Projections(services.app, services.db, [DeviceCount()], batch_size=5)
    runner.setup()
    runner.catch_up()
    before = services.db.query("SELECT setting_id, registered FROM device_count ORDER BY 1")
    progress = []
    runner.rebuild(progress=progress.append)
    after = services.db.query("SELECT setting_id, registered FROM device_count ORDER BY 1")
    assert after == before
    assert sum(progress) >= 12


def test_two_runners_at_once_apply_each_event_once(services):
    setting = uuid4()
    _register(services, setting, 200)
    runners = [Projections(services.app, services.db, [DeviceCount()], batch_size=7)
               for _ in range(3)]
    runners[0].setup()
    threads = [threading.Thread(target=r.catch_up) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _count(services, setting) == 200


def test_service_views_catch_up_and_report_no_lag(services):
    _register(services, uuid4(), 3)
    services.projections.catch_up()
    assert set(services.projections.lag().values()) == {0}


def test_concurrent_writers_each_read_their_own_writes(services):
    runner = Projections(services.app, services.db, [DeviceCount()], batch_size=50)
    runner.setup()
    runner.start(interval=30)  # only the writers' own catch-ups can move it in time
    setting = uuid4()
    actor = Actor(uuid4(), setting, ("manager",))
    at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    outcomes: list[int] = []

    def write(i: int) -> None:
        for n in range(5):
            device = Device.register(setting, f"Tablet {i}-{n}", "tablet", uuid4().hex,
                                     actor, at)
            recordings = services.app.save(device)
            position = recordings[-1].notification.id
            runner.wait_for(position, timeout=10)  # raises if the views fall behind
            outcomes.append(_count(services, setting))

    try:
        threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        runner.stop()
    assert len(outcomes) == 40
    assert _count(services, setting) == 40
    # each writer saw at least as many devices as it had itself registered by then
    assert min(outcomes) >= 1


def test_versions_move_only_for_the_views_that_changed(services):
    projections = services.projections
    projections.catch_up()
    devices, diary = projections.versions("devices"), projections.versions("diary")
    _register(services, uuid4(), 2)
    projections.catch_up()
    assert projections.versions("devices") > devices
    assert projections.versions("diary") == diary
    settled = projections.versions("devices", "diary")
    projections.catch_up()  # nothing new
    assert projections.versions("devices", "diary") == settled


def test_events_applied_by_another_process_move_every_version(services):
    projections = services.projections
    projections.catch_up()
    other = Projections(services.app, services.db, list(projections.projections.values()))
    before = projections.versions("devices", "diary")
    _register(services, uuid4(), 1)
    other.catch_up()  # another process applies it: this one never sees the event
    projections.catch_up()
    after = projections.versions("devices", "diary")
    assert all(a > b for a, b in zip(after, before, strict=True))
