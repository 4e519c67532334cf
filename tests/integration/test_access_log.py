"""The access log keeps every read: a batch that fails to write is written next time."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from adapters.storage.access_log import AccessLog
from domain.actor import Actor


class FailingOnce:
    """The real database, whose next write transaction fails."""

    def __init__(self, db):
        self._db = db
        self.fail_next = False

    @contextmanager
    def transaction(self, read_only=False, pipeline=False):
        if self.fail_next and not read_only:
            self.fail_next = False
            raise ConnectionError("the database went away")
        with self._db.transaction(read_only, pipeline) as tx:
            yield tx

    def __getattr__(self, name):
        return getattr(self._db, name)


def test_a_failed_flush_loses_no_read(services):
    db = FailingOnce(services.db)
    log = AccessLog(db)
    actor = Actor(uuid4(), uuid4(), ("parent",))
    child = uuid4()
    at = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    log.record(str(child), actor, "/children/x/journey", at)
    db.fail_next = True
    with pytest.raises(ConnectionError):
        log.flush()
    log.record(str(child), actor, "/children/x/diary", at)
    log.flush()
    rows = services.db.query(
        "SELECT route FROM child_access_log WHERE child_id = ? ORDER BY route", (str(child),))
    assert [r[0] for r in rows] == ["/children/x/diary", "/children/x/journey"]
