"""Issue 15 item 4: every cache registers in one place, which forgets a child in this
process at once and in every other process that reads the stamp (both backends)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from adapters.bootstrap import bootstrap
from adapters.setup import set_up_setting
from domain.actor import Actor
from domain.aggregates.diary_day import DiaryDay

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DAY = date(2026, 11, 25)


def _child_with_a_day(services) -> tuple[Actor, UUID]:
    made = set_up_setting(services, "Clarecroft", "m@clarecroft.test", "correct-horse-battery")
    manager = Actor(UUID(made["manager_id"]), UUID(made["setting_id"]), ("manager",))
    journey, _ = services.app.enrol_child("Ada Lovelace", date(2024, 3, 1), "Rainbow",
                                          manager.account_id, manager, AT)
    services.app.record_diary_entry(journey.child_id, manager.setting_id, DAY, {
        "kind": "toilet", "state": "wet", "at": "2026-11-25T09:00:00Z"},
        "Europe/London", manager, AT)
    return manager, journey.child_id


def _kept(services, child: UUID) -> tuple[bool, bool]:
    """Whether the child's day and journey key are kept in this process's memory."""
    day = services.app.kept_days.get(DiaryDay.id_for(child, DAY)) is not None
    key = any(k[0] == child for k in services.keys._cache)
    return day, key


def test_every_cache_is_registered_and_says_how_fresh_it_is(services):
    from adapters.http.app import create_app

    create_app(services)
    freshness = services.caches.freshness()
    assert set(freshness) == {"sessions", "lookups", "child_keys", "diary_days",
                              "journey_pages"}
    assert all(sentence.endswith(".") and len(sentence) > 20
               for sentence in freshness.values())


def test_forgetting_a_child_empties_this_process_and_reaches_another(services,
                                                                     settings_for, clock):
    manager, child = _child_with_a_day(services)
    env = {"JOURNEY_DATABASE_URL": services.settings.database_url} \
        if services.settings.database_url else {}
    other = bootstrap(settings_for(**env), clock=clock)
    try:
        other.app.record_diary_entry(child, manager.setting_id, DAY, {
            "kind": "toilet", "state": "dry", "at": "2026-11-25T09:30:00Z"},
            "Europe/London", manager, AT)
        assert _kept(services, child) == (True, True)
        assert _kept(other, child) == (True, True)
        services.caches.forget_child(child, AT)
        assert _kept(services, child) == (False, False)
        assert other.caches.catch_up() == 1  # what its background thread does
        assert _kept(other, child) == (False, False)
        assert other.caches.catch_up() == 0
    finally:
        other.close()
