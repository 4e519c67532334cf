"""Every read of a child's data: who, when, from which device, which route.

Reads are buffered in memory and written in batches by a background thread, so a
read costs no extra write on the request path; `flush()` writes what is pending.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import datetime
from typing import Any

from adapters.metrics import count_login
from storage.database import Database

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS child_access_log (
        child_id TEXT NOT NULL,
        setting_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        roles TEXT NOT NULL,
        device_id TEXT,
        route TEXT NOT NULL,
        at TEXT NOT NULL,
        support_grant TEXT)""",
    "CREATE INDEX IF NOT EXISTS access_by_child ON child_access_log (child_id, at)",
    """CREATE TABLE IF NOT EXISTS login_log (
        at TEXT NOT NULL,
        account_id TEXT,
        address TEXT,
        outcome TEXT NOT NULL)""",
]


def _period(where: list[str], params: list[Any], start: datetime | None,
            end: datetime | None, before: str | None) -> tuple[list[str], list[Any]]:
    if start is not None:
        where.append("at >= ?")
        params.append(start.isoformat())
    if end is not None:
        where.append("at < ?")
        params.append(end.isoformat())
    if before is not None:
        where.append("at <= ?")
        params.append(before)
    return where, params


def _add_support_grant(db: Database) -> None:
    """Logs made before support reads named their grant gain the column."""
    try:
        db.query("SELECT support_grant FROM child_access_log WHERE 1 = 0")
    except Exception:  # noqa: BLE001 - the column is missing (either engine's error)
        db.execute("ALTER TABLE child_access_log ADD COLUMN support_grant TEXT")


class AccessLog:
    """Buffered, batched access records."""

    def __init__(self, db: Database, interval: float = 0.5):
        self.db = db
        db.create_tables(SCHEMA)
        _add_support_grant(db)
        self._pending: list[tuple] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._interval = interval
        self._thread: threading.Thread | None = None

    def record(self, child_id: str, actor: Any, route: str, at: datetime,
               support_grant: datetime | None = None) -> None:
        """A read; by a support account, with the end of the manager's grant that
        allowed it (which names the grant: one per account and setting at a time)."""
        row = (str(child_id), str(actor.setting_id), str(actor.account_id),
               ",".join(actor.roles), str(actor.device_id) if actor.device_id else None,
               route, at.isoformat(), support_grant.isoformat() if support_grant else None)
        with self._lock:
            self._pending.append(row)

    def login(self, at: datetime, account_id: Any, address: str | None, outcome: str) -> None:
        count_login(outcome)
        self.db.execute(
            "INSERT INTO login_log (at, account_id, address, outcome) VALUES (?, ?, ?, ?)",
            (at.isoformat(), str(account_id) if account_id else None, address, outcome),
        )

    def flush(self) -> None:
        with self._lock:
            rows, self._pending = self._pending, []
        if not rows:
            return
        try:
            with self.db.transaction() as tx:
                tx.executemany(
                    "INSERT INTO child_access_log (child_id, setting_id, account_id, roles, "
                    "device_id, route, at, support_grant) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
        except BaseException:  # keep them for the next flush: the trail must be complete
            with self._lock:
                self._pending[:0] = rows
            raise

    def start(self) -> None:
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(self._interval):
                with contextlib.suppress(Exception):  # retried next tick
                    self.flush()

        self._thread = threading.Thread(target=loop, name="access-log", daemon=True)
        self._thread.start()

    def reads(self, setting_id: Any, child_id: str | None, start: datetime | None,
              end: datetime | None, before: str | None, skip: int, limit: int
              ) -> list[dict]:
        """The setting's recorded reads, newest first; paging: rows at `before` or
        earlier, less the first `skip` (those at `before` already shown)."""
        where, params = ["setting_id = ?"], [str(setting_id)]
        if child_id:
            where.append("child_id = ?")
            params.append(child_id)
        where, params = _period(where, params, start, end, before)
        rows = self.db.query(
            "SELECT at, child_id, account_id, roles, device_id, route, support_grant "
            "FROM child_access_log "
            f"WHERE {' AND '.join(where)} ORDER BY at DESC, account_id, route, child_id "
            "LIMIT ? OFFSET ?", [*params, limit, skip])
        return [{"at": at, "child_id": child or None, "account_id": account,
                 "roles": [r for r in roles.split(",") if r], "device_id": device,
                 "route": route, "support_grant_until": grant}
                for at, child, account, roles, device, route, grant in rows]

    def logins(self, account_ids: list[str], start: datetime | None, end: datetime | None,
               before: str | None, skip: int, limit: int) -> list[dict]:
        """Logins of these accounts, failed or not, newest first (paging as `reads`)."""
        if not account_ids:
            return []
        where = [f"account_id IN ({','.join('?' for _ in account_ids)})"]
        where, params = _period(where, list(account_ids), start, end, before)
        rows = self.db.query(
            "SELECT at, account_id, address, outcome FROM login_log "
            f"WHERE {' AND '.join(where)} ORDER BY at DESC, account_id, outcome, address "
            "LIMIT ? OFFSET ?", [*params, limit, skip])
        return [{"at": at, "account_id": account, "address": address, "outcome": outcome}
                for at, account, address, outcome in rows]

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.flush()
