"""One small SQL gateway over SQLite (embedded) or PostgreSQL (pooled).

Read models, credentials, keys, idempotency records and login throttling share it.
SQL is written once with `?` placeholders; the PostgreSQL flavour rewrites them.
Upserts use `INSERT ... ON CONFLICT`, which both engines understand.
"""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA_LOCK = 0x6A6F75726E6579  # PostgreSQL advisory lock held while creating tables
STARTUP_LOCK = 0x6A6F75726E657A  # held while the event store creates its own tables


class Tx:
    """A cursor inside one transaction."""

    def __init__(self, cursor: Any, rewrite: bool):
        self._cursor = cursor
        self._rewrite = rewrite

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self._rewrite else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Tx:
        self._cursor.execute(self._sql(sql), tuple(params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._sql(sql), [tuple(r) for r in rows])

    def fetchone(self) -> tuple | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple]:
        return list(self._cursor.fetchall())

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


class Database:
    """The common face of both engines."""

    kind = "abstract"
    blob = "BLOB"
    group_concat = "group_concat"  # the aggregate joining strings with a separator
    for_update = ""

    @contextmanager
    def transaction(self, read_only: bool = False, pipeline: bool = False
                    ) -> Iterator[Tx]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.transaction(read_only=True) as tx:
            return tx.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        with self.transaction(read_only=True) as tx:
            return tx.execute(sql, params).fetchone()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self.transaction() as tx:
            return tx.execute(sql, params).rowcount

    def create_tables(self, statements: Sequence[str]) -> None:
        with self.transaction() as tx:
            for statement in statements:
                tx.execute(statement.replace("BLOB", self.blob))

    def check(self) -> None:
        self.query_one("SELECT 1")

    def reachable(self, timeout: float) -> None:  # pragma: no cover - abstract
        """Raise unless a new connection opens and answers within about `timeout`
        seconds (readiness: a pooled connection may hide an unreachable server)."""
        raise NotImplementedError

    @contextmanager
    def startup_lock(self) -> Iterator[None]:
        """Held while the event store library creates its tables, so that two servers
        starting at once on one database do not race (SQLite serialises on its own)."""
        yield

    def pin_to_this_thread(self) -> None:
        """Keep a connection for the calling thread alone (see PostgreSQL's; SQLite
        already keeps one per thread)."""

    def purge_deleted(self, tables: Sequence[str]) -> None:  # pragma: no cover - abstract
        """Make deletions final on disk: no deleted row may linger in free space or a
        journal (an erased child's name, for one)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class SQLiteDatabase(Database):
    """A SQLite file, one connection per thread, writes serialised by BEGIN IMMEDIATE.

    `secure_delete` overwrites deleted content, so that an erased child's name does
    not linger in free pages of the file.
    """

    kind = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=30)
            conn.execute("PRAGMA busy_timeout=30000")
            with self.startup_lock():  # switching a new file to WAL waits for no one
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA secure_delete=ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self, read_only: bool = False, pipeline: bool = False) -> Iterator[Tx]:
        conn = self._connection()
        if getattr(self._local, "depth", 0):
            yield Tx(conn.cursor(), rewrite=False)
            return
        conn.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield Tx(conn.cursor(), rewrite=False)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            self._local.depth = 0

    @contextmanager
    def startup_lock(self) -> Iterator[None]:
        """A lock file beside the database, held by one process (and one thread) at a
        time: SQLite answers "database is locked" at once, without waiting, to a second
        connection changing a new file's journal mode or creating the library's tables
        in a transaction that began as a read. Re-entrant within a thread."""
        if getattr(self._local, "starting", False):
            yield
            return
        with open(self.path.with_name(self.path.name + ".lock"), "a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            self._local.starting = True
            try:
                yield
            finally:
                self._local.starting = False
                fcntl.flock(held, fcntl.LOCK_UN)

    def reachable(self, timeout: float) -> None:
        uri = self.path.resolve().as_uri() + "?mode=rw"  # never creates the file
        conn = sqlite3.connect(uri, uri=True, timeout=timeout)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()

    def purge_deleted(self, tables: Sequence[str]) -> None:
        """`secure_delete` already zeroed the deleted rows in the pages; the WAL still
        holds the pages as they were before: checkpoint it into the file and truncate
        it to nothing (retried while a reader holds an older snapshot)."""
        conn = self._connection()
        for _ in range(50):
            busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return
            time.sleep(0.1)
        raise RuntimeError("the SQLite journal could not be truncated: a reader held it")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()


class PostgresDatabase(Database):
    """PostgreSQL through a psycopg connection pool."""

    kind = "postgres"
    blob = "BYTEA"
    group_concat = "string_agg"
    for_update = " FOR UPDATE"

    def __init__(self, url: str, min_size: int = 2, max_size: int = 20):
        from psycopg_pool import ConnectionPool

        self.url = url
        self.pool = ConnectionPool(url, min_size=min_size, max_size=max_size, open=True,
                                   kwargs={"autocommit": True})
        self._local = threading.local()
        self._pinned: list[Any] = []
        self._pinned_lock = threading.Lock()

    def pin_to_this_thread(self) -> None:
        """Give the calling thread a connection of its own, outside the pool.

        The HTTP event loop calls this at start-up: the quick reads it answers itself
        (session checks, a page of a journey) then never wait for a pooled connection
        that worker threads hold, and skip the pool's checkout on every request.
        """
        self._local.pinned = self._connect()

    def _connect(self) -> Any:
        import psycopg

        conn = psycopg.connect(self.url, autocommit=True)
        with self._pinned_lock:
            self._pinned.append(conn)
        return conn

    def reachable(self, timeout: float) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True,
                             connect_timeout=max(1, round(timeout))) as conn:
            conn.execute("SELECT 1").fetchone()

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        pinned = getattr(self._local, "pinned", None)
        if pinned is None:
            with self.pool.connection() as conn:
                yield conn
            return
        if pinned.closed or pinned.broken:  # the server went away: reconnect once
            pinned = self._local.pinned = self._connect()
        yield pinned

    @contextmanager
    def transaction(self, read_only: bool = False, pipeline: bool = False) -> Iterator[Tx]:
        """A transaction; `pipeline` sends statements without waiting for each result
        (psycopg's pipeline mode), which bulk writers such as projections use."""
        existing = getattr(self._local, "conn", None)
        if existing is not None:
            yield Tx(existing.cursor(), rewrite=True)
            return
        with self._connection() as conn:
            self._local.conn = conn
            try:
                if read_only:  # autocommit: one round trip per statement, no BEGIN/COMMIT
                    yield Tx(conn.cursor(), rewrite=True)
                    return
                with conn.transaction():
                    if pipeline:
                        with conn.pipeline():
                            yield Tx(conn.cursor(), rewrite=True)
                    else:
                        yield Tx(conn.cursor(), rewrite=True)
            finally:
                self._local.conn = None

    @contextmanager
    def startup_lock(self) -> Iterator[None]:
        with self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (STARTUP_LOCK,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (STARTUP_LOCK,))

    def create_tables(self, statements: Sequence[str]) -> None:
        """As for every engine, under an advisory lock: PostgreSQL's `CREATE TABLE IF NOT
        EXISTS` is not safe against another process creating the same table at once
        (two servers starting together)."""
        with self.transaction() as tx:
            tx.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))
            for statement in statements:
                tx.execute(statement.replace("BLOB", self.blob))

    def purge_deleted(self, tables: Sequence[str]) -> None:
        """VACUUM the tables: dead rows are removed and their space is reused, so no
        reader, dump or backup of the database sees them again."""
        with self.pool.connection() as conn:
            for table in tables:
                conn.execute(f"VACUUM {table}")

    def close(self) -> None:
        with self._pinned_lock:
            for conn in self._pinned:
                with contextlib.suppress(Exception):
                    conn.close()
            self._pinned.clear()
        self.pool.close()


def is_unique_violation(error: BaseException) -> bool:
    """Whether an error is a primary-key or unique-constraint violation, on either engine."""
    if isinstance(error, sqlite3.IntegrityError):
        return True
    try:
        import psycopg.errors

        return isinstance(error, psycopg.errors.UniqueViolation)
    except ImportError:  # pragma: no cover
        return False
