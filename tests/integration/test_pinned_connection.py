"""The event loop's own database connection: used for its reads, replaced if it dies."""

from __future__ import annotations


def test_a_thread_with_a_pinned_connection_reads_and_survives_a_lost_connection(services):
    db = services.db
    db.pin_to_this_thread()
    assert db.query_one("SELECT 1") == (1,)
    pinned = getattr(getattr(db, "_local", None), "pinned", None)
    if pinned is None:  # SQLite keeps one connection per thread anyway
        assert services.backend == "sqlite"
        return
    with db.transaction(read_only=True) as tx:  # the pinned one, not a pooled one
        assert tx._cursor.connection is pinned
    pinned.close()  # the server went away
    assert db.query_one("SELECT 2") == (2,)
    assert db._local.pinned is not pinned and not db._local.pinned.closed
