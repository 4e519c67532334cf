"""Additions that do not conflict never conflict (issue 22 #3, #4): many writers on one
child's day or one child's journey at the same instant all succeed, on both backends."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from adapters.setup import set_up_setting
from domain.actor import Actor
from domain.aggregates.child_journey import ChildJourney
from domain.aggregates.diary_day import DiaryDay

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DAY = date(2026, 11, 25)


def _at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released together; each outcome or error."""
    outcomes: list[Any] = [None] * count
    start = threading.Barrier(count)

    def one(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = work(i)
        except Exception as error:  # noqa: BLE001 - the test reports it
            outcomes[i] = error

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def _nursery(services) -> tuple[Actor, UUID]:
    made = set_up_setting(services, "Clarecroft", "m@clarecroft.test", "correct-horse-battery")
    manager = Actor(UUID(made["manager_id"]), UUID(made["setting_id"]), ("manager",))
    journey, _ = services.app.enrol_child("Ada Lovelace", date(2024, 3, 1), "Rainbow",
                                          manager.account_id, manager, AT)
    return manager, journey.child_id


def _errors(outcomes: list[Any]) -> list[Exception]:
    return [o for o in outcomes if isinstance(o, Exception)]


def test_fifty_diary_writers_on_one_day_all_succeed(services):
    manager, child = _nursery(services)
    meal = {"kind": "meal", "meal": "lunch", "food": "Pasta", "amount": "all",
            "at": "2026-11-25T10:00:00Z"}
    outcomes = _at_once(50, lambda i: services.app.record_diary_entry(
        child, manager.setting_id, DAY, meal if i % 2 else {
            "kind": "toilet", "state": "wet", "at": "2026-11-25T10:00:00Z"},
        "Europe/London", manager, AT))
    assert _errors(outcomes) == []
    stored = services.app.repository.get(DiaryDay.id_for(child, DAY))
    assert len(stored.entries) == 50


def test_messages_and_entries_at_once_on_one_day_all_succeed(services):
    manager, child = _nursery(services)
    parent = Actor(UUID(int=7), manager.setting_id, ("parent",), children=frozenset({child}),
                   agreed_children=frozenset({child}))

    def work(i: int) -> Any:
        if i % 2:
            return services.app.post_diary_message(child, manager.setting_id, DAY,
                                                   f"Message {i}", parent, AT)
        return services.app.record_diary_entry(
            child, manager.setting_id, DAY,
            {"kind": "toilet", "state": "dry", "at": "2026-11-25T10:00:00Z"},
            "Europe/London", manager, AT)

    assert _errors(_at_once(20, work)) == []
    stored = services.app.repository.get(DiaryDay.id_for(child, DAY))
    assert len(stored.entries) == 10 and len(stored.messages) == 10


def test_new_observations_for_one_child_at_once_all_succeed(services):
    manager, child = _nursery(services)
    outcomes = _at_once(20, lambda i: services.app.submit_observation(
        child, DAY, f"Ada stacked {i} bricks and counted them.", [], [], [], None,
        manager, AT))
    assert _errors(outcomes) == []
    journey = services.app.repository.get(ChildJourney.create_id(child))
    assert len(journey.observations) == 20


def test_a_parent_and_staff_commenting_at_once_both_succeed(services):
    manager, child = _nursery(services)
    observation = services.app.submit_observation(
        child, DAY, "Ada built a tower.", [], [], [], None, manager, AT).observation_id
    services.app.approve_observation(child, observation, 1, 1, manager, AT)
    parent = Actor(UUID(int=7), manager.setting_id, ("parent",), children=frozenset({child}),
                   agreed_children=frozenset({child}))
    for _ in range(5):
        outcomes = _at_once(2, lambda i: services.app.add_comment(
            child, child, observation, f"Lovely {i}", (parent, manager)[i], AT))
        assert _errors(outcomes) == []
    journey = services.app.repository.get(ChildJourney.create_id(child))
    assert len(journey.comments) == 10


def test_two_processes_adding_to_one_journey_at_once_all_succeed(services, settings_for,
                                                                 clock):
    """Another process is not held by this one's writer lock: its race is the store's
    version check, and the command runs again on the stored journey."""
    from adapters.bootstrap import bootstrap

    manager, child = _nursery(services)
    env = {"JOURNEY_DATABASE_URL": services.settings.database_url} \
        if services.settings.database_url else {}
    other = bootstrap(settings_for(**env), clock=clock)
    try:
        apps = (services.app, other.app)
        outcomes = _at_once(16, lambda i: apps[i % 2].submit_observation(
            child, DAY, f"Ada sorted {i} shells by size.", [], [], [], None, manager, AT))
    finally:
        other.close()
    assert _errors(outcomes) == []
    journey = services.app.repository.get(ChildJourney.create_id(child))
    assert len(journey.observations) == 16
