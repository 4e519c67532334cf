"""Idempotency keys: the replies kept for `Idempotency-Key` retries and the claims of
requests still running (see `adapters.http.idempotency` for the rules)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from storage.database import Database, is_unique_violation

SCHEMA = [
    "DROP TABLE IF EXISTS idempotent_responses",  # kept replies with secrets, for ever
    """CREATE TABLE IF NOT EXISTS idempotency_keys (
        scope TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        status INTEGER NOT NULL,
        body_hash TEXT,
        content_type TEXT,
        body BLOB,
        secret_removed INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        claimed_until TEXT)""",
    "CREATE INDEX IF NOT EXISTS idempotency_keys_by_account "
    "ON idempotency_keys (account_id, created_at)",
    "CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys (created_at)",
]

IN_PROGRESS = -1
SECRET_FIELDS = ("token", "device_token")
KEPT_FOR = timedelta(hours=24)
KEPT_PER_ACCOUNT = 1000
SWEEP_EVERY = timedelta(minutes=1)


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def without_secrets(body: bytes) -> tuple[bytes, bool]:
    """The reply with its secret fields removed, and whether there were any."""
    try:
        data = json.loads(body)
    except ValueError:
        return body, False
    if not isinstance(data, dict) or not any(f in data for f in SECRET_FIELDS):
        return body, False
    return json.dumps({k: v for k, v in data.items() if k not in SECRET_FIELDS}).encode(), True


class IdempotencyRecords:
    """The kept replies and the claims of running requests."""

    def __init__(self, db: Database, clock: Any, lease: float = 60.0):
        self.db = db
        self.clock = clock
        self.lease = timedelta(seconds=lease)
        self._swept: datetime | None = None
        db.create_tables(SCHEMA)

    def claim(self, scope: str, account_id: str) -> tuple | None:
        """Claim the key; None if claimed now, else the kept
        (status, body_hash, content_type, body, secret_removed)."""
        now = self.clock()
        self._sweep(now)
        while True:
            try:
                self.db.execute(
                    "INSERT INTO idempotency_keys (scope, account_id, status, created_at, "
                    "claimed_until) VALUES (?, ?, ?, ?, ?)",
                    (scope, account_id, IN_PROGRESS, _stamp(now), _stamp(now + self.lease)),
                )
                return None
            except Exception as error:
                if not is_unique_violation(error):
                    raise
            row = self.db.query_one(
                "SELECT status, body_hash, content_type, body, secret_removed, created_at, "
                "claimed_until FROM idempotency_keys WHERE scope = ?", (scope,))
            if row is None:
                continue
            if row[5] <= _stamp(now - KEPT_FOR):
                self.db.execute("DELETE FROM idempotency_keys WHERE scope = ? AND created_at = ?",
                                (scope, row[5]))
                continue
            if row[0] == IN_PROGRESS and row[6] < _stamp(now):
                taken = self.db.execute(  # the owner died: take its claim over
                    "UPDATE idempotency_keys SET claimed_until = ? "
                    "WHERE scope = ? AND status = ? AND claimed_until = ?",
                    (_stamp(now + self.lease), scope, IN_PROGRESS, row[6]))
                if taken:
                    return None
                continue
            return int(row[0]), row[1], row[2] or "", bytes(row[3] or b""), bool(row[4])

    def renew(self, scope: str) -> None:
        """Keep the claim of a request that is still running."""
        self.db.execute(
            "UPDATE idempotency_keys SET claimed_until = ? WHERE scope = ? AND status = ?",
            (_stamp(self.clock() + self.lease), scope, IN_PROGRESS))

    def keep(self, scope: str, account_id: str, status: int, content_type: str, body: bytes,
             body_hash: str | None) -> None:
        """Keep a success (its secrets removed), and no more than the account's bound."""
        body, secret = without_secrets(body)
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE idempotency_keys SET status = ?, content_type = ?, body = ?, "
                "body_hash = ?, secret_removed = ?, claimed_until = NULL WHERE scope = ?",
                (status, content_type, body, body_hash, int(secret), scope))
            tx.execute(
                "DELETE FROM idempotency_keys WHERE scope IN (SELECT scope FROM "
                "idempotency_keys WHERE account_id = ? AND status <> ? "
                "ORDER BY created_at DESC LIMIT 1000000 OFFSET ?)",
                (account_id, IN_PROGRESS, KEPT_PER_ACCOUNT))

    def release(self, scope: str) -> None:
        self.db.execute("DELETE FROM idempotency_keys WHERE scope = ? AND status = ?",
                        (scope, IN_PROGRESS))

    def _sweep(self, now: datetime) -> None:
        """Delete what is older than a day (at most once a minute per process)."""
        if self._swept is not None and now - self._swept < SWEEP_EVERY:
            return
        self._swept = now
        self.db.execute("DELETE FROM idempotency_keys WHERE created_at <= ?",
                        (_stamp(now - KEPT_FOR),))
