"""Group commit: concurrent commands share transactions, each learns its own outcome."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from eventsourcing.persistence import IntegrityError

from adapters.storage.save_together import SaveTogether


class FakeStore:
    """All or nothing per call, like the event store: a version must follow the last."""

    def __init__(self, delay: float = 0.002):
        self.versions: dict[str, int] = {}
        self.next_id = 0
        self.calls = 0
        self.delay = delay
        self.lock = threading.Lock()
        self.fail_with: BaseException | None = None

    def save(self, *events):
        with self.lock:
            self.calls += 1
            time.sleep(self.delay)  # a transaction takes a while: others queue meanwhile
            if self.fail_with is not None:
                raise self.fail_with
            seen = dict(self.versions)
            for e in events:
                if e.version != seen.get(e.aggregate, 0) + 1:
                    raise IntegrityError(f"{e.aggregate} moved on")
                seen[e.aggregate] = e.version
            self.versions = seen
            recordings = []
            for e in events:
                self.next_id += 1
                recordings.append(SimpleNamespace(domain_event=e,
                                                  notification=SimpleNamespace(id=self.next_id)))
            return recordings


def event(aggregate: str, version: int):
    return SimpleNamespace(aggregate=aggregate, version=version)


def run_all(saver, work: list[list], outcomes: dict) -> None:
    def one(i: int) -> None:
        try:
            outcomes[i] = saver(work[i])
        except BaseException as error:  # noqa: BLE001
            outcomes[i] = error

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in threads), "a command never got its answer"


def test_concurrent_commands_share_transactions_and_get_their_own_ids():
    store = FakeStore()
    saver = SaveTogether(store.save)
    work = [[event(f"day{i}", 1), event(f"day{i}", 2)] for i in range(40)]
    outcomes: dict = {}
    run_all(saver, work, outcomes)
    assert all(isinstance(v, int) for v in outcomes.values())
    assert len(set(outcomes.values())) == 40  # each its own last notification id
    assert store.versions == {f"day{i}": 2 for i in range(40)}
    assert saver.batches < 40  # some shared a transaction


def test_only_the_command_whose_aggregate_moved_on_fails():
    store = FakeStore()
    store.versions = {"stale": 3}
    saver = SaveTogether(store.save)
    work = [[event("stale", 2)]] + [[event(f"day{i}", 1)] for i in range(20)]
    outcomes: dict = {}
    run_all(saver, work, outcomes)
    assert isinstance(outcomes[0], IntegrityError)
    assert all(isinstance(outcomes[i], int) for i in range(1, 21))
    assert store.versions["stale"] == 3
    assert all(store.versions[f"day{i}"] == 1 for i in range(20))


def test_a_failing_store_fails_every_waiting_command_and_the_next_ones_still_run():
    store = FakeStore()
    saver = SaveTogether(store.save)
    store.fail_with = ConnectionError("the database went away")
    outcomes: dict = {}
    run_all(saver, [[event(f"day{i}", 1)] for i in range(10)], outcomes)
    assert all(isinstance(v, ConnectionError) for v in outcomes.values())
    store.fail_with = None
    assert saver([event("later", 1)]) > 0


def test_a_lone_command_is_written_at_once():
    store = FakeStore(delay=0)
    saver = SaveTogether(store.save)
    assert saver([event("day", 1)]) == 1
    with pytest.raises(IntegrityError):
        saver([event("day", 1)])
