"""The lifecycle rules of domain/access.py and the Setting's termination (DESIGN rule 11)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain import access
from domain.actor import Actor
from domain.aggregates.setting import Setting
from domain.errors import Conflict, Forbidden, Invalid
from domain.opening_hours import DEFAULT_HOURS

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
LEFT = date(2026, 11, 25)


def test_nothing_new_is_recorded_from_the_leaving_day():
    access.require_recording_open("diary.record", LEFT, LEFT - timedelta(days=1))
    access.require_recording_open("diary.read", LEFT, LEFT)
    access.require_recording_open("diary.record", None, LEFT)
    for permission in ("diary.record", "observation.submit", "diary.message"):
        with pytest.raises(Conflict, match="left the setting on 2026-11-25"):
            access.require_recording_open(permission, LEFT, LEFT)


def test_parents_read_until_their_access_ends():
    until = LEFT + timedelta(days=90)
    assert not access.parent_access_ended(until, until - timedelta(days=1))
    assert access.parent_access_ended(until, until)


def _setting():
    setting = Setting.register("Clarecroft", "Europe/London", DEFAULT_HOURS, None, AT)
    manager = Actor(uuid4(), setting.id, ("manager",))
    return setting, manager


def test_a_terminating_setting_locks_everyone_out_but_a_manager_cancelling():
    setting, manager = _setting()
    support = Actor(uuid4(), setting.id, ("support",))
    access.require_setting_open(support, "journey.read", closing=False)
    access.require_setting_open(manager, "setting.terminate", closing=True)
    access.require_setting_open(manager, "job.read", closing=True)
    for actor, permission in ((manager, "journey.read"), (support, "journey.read"),
                              (support, "job.read")):
        with pytest.raises(Forbidden):
            access.require_setting_open(actor, permission, closing=True)


def test_archive_then_deletion_and_no_cancelling_once_started():
    setting, manager = _setting()
    with pytest.raises(Invalid):
        setting.request_termination("archive", 0, uuid4(), manager, AT)
    with pytest.raises(Invalid):
        setting.request_termination("shred", None, uuid4(), manager, AT)
    with pytest.raises(Forbidden):
        setting.request_termination("delete", None, uuid4(),
                                    Actor(uuid4(), setting.id, ("practitioner",)), AT)
    setting.support_grants[uuid4()] = AT + timedelta(days=1)
    after = setting.request_termination("archive", 30, uuid4(), manager, AT)
    assert after == AT + timedelta(days=30) and setting.support_grants == {}
    with pytest.raises(Conflict):
        setting.start_deletion(manager, AT + timedelta(days=29))
    setting.cancel_termination(manager, AT)
    assert setting.termination is None
    setting.request_termination("delete", None, uuid4(), manager, AT)
    setting.start_deletion(manager, AT)
    with pytest.raises(Conflict):
        setting.cancel_termination(manager, AT)
    setting.finish_deletion(manager, AT)
    assert setting.deleted


def test_every_view_table_holding_a_child_forgets_an_erased_child():
    """A new projection with a `child_id` column must list the table in `child_tables`
    (or handle the erasure itself), or an erasure would leave the child's rows behind."""
    import re

    from projections.engine import Projection
    from projections.registry import all_projections

    for projection in all_projections():
        if type(projection).forget_child is not Projection.forget_child:
            continue  # erases its rows its own way
        for statement in projection.schema:
            found = re.search(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*)", statement, re.S)
            if found and re.search(r"\bchild_id\b", found.group(2)):
                assert found.group(1) in projection.child_tables, (projection.name,
                                                                   found.group(1))
