"""`Idempotency-Key` on every POST: a retry returns the first response and records
nothing twice, also across restarts (the responses are kept in the database).

The key is scoped to the caller's bearer token (hashed), the method and the path. A
retry that arrives while the first request is still running gets `409`. Responses of
our own faults (5xx) are not kept, so that a retry can succeed.

Anonymous requests are never recorded (every anonymous caller would share one scope),
nor is a login, whose reply carries a secret: a key there is ignored.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import anyio

from storage.database import Database, is_unique_violation

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS idempotent_responses (
        scope TEXT PRIMARY KEY,
        status INTEGER,
        content_type TEXT,
        body BLOB,
        created_at TEXT NOT NULL)""",
]

IN_PROGRESS = -1
NEVER_RECORDED = frozenset({"/auth/login"})  # replies that carry a secret


def _header(scope: dict, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value
    return None


class IdempotencyRecords:
    """The kept responses."""

    def __init__(self, db: Database, clock: Any):
        self.db = db
        self.clock = clock
        db.create_tables(SCHEMA)

    def claim(self, scope: str) -> tuple[int, str, bytes] | None:
        """Claim the key; None if claimed now, else the kept (status, type, body)."""
        try:
            self.db.execute(
                "INSERT INTO idempotent_responses (scope, status, created_at) VALUES (?, ?, ?)",
                (scope, IN_PROGRESS, self.clock().isoformat()),
            )
            return None
        except Exception as error:
            if not is_unique_violation(error):
                raise
        row = self.db.query_one(
            "SELECT status, content_type, body FROM idempotent_responses WHERE scope = ?",
            (scope,),
        )
        if row is None:
            return self.claim(scope)
        return int(row[0]), row[1] or "", bytes(row[2] or b"")

    def keep(self, scope: str, status: int, content_type: str, body: bytes) -> None:
        self.db.execute(
            "UPDATE idempotent_responses SET status = ?, content_type = ?, body = ? "
            "WHERE scope = ?",
            (status, content_type, body, scope),
        )

    def release(self, scope: str) -> None:
        self.db.execute("DELETE FROM idempotent_responses WHERE scope = ?", (scope,))


def idempotency(records_of: Any) -> Any:
    """Middleware factory; `records_of(app)` returns the IdempotencyRecords."""

    def wrap(app: Any) -> Any:
        async def middleware(scope: dict, receive: Any, send: Any) -> None:
            key = _header(scope, b"idempotency-key")
            if scope["type"] != "http" or scope.get("method") != "POST" or not key:
                await app(scope, receive, send)
                return
            token = _header(scope, b"authorization")
            if not token or scope["path"].rstrip("/") in NEVER_RECORDED:
                await app(scope, receive, send)
                return
            records: IdempotencyRecords = records_of(scope)
            scope_id = hashlib.sha256(
                b"\0".join([token, scope["path"].encode(), key])
            ).hexdigest()
            kept = await anyio.to_thread.run_sync(records.claim, scope_id)
            if kept is not None:
                status, content_type, body = kept
                if status == IN_PROGRESS:
                    status, content_type = 409, "application/json"
                    body = json.dumps({
                        "status_code": 409,
                        "detail": "A request with this Idempotency-Key is still being "
                                  "processed; retry in a moment.",
                    }).encode()
                headers = [(b"content-type", content_type.encode()),
                           (b"content-length", str(len(body)).encode()),
                           (b"idempotent-replay", b"true")]
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            started: dict = {}
            chunks: list[bytes] = []

            async def capture(message: dict) -> None:
                if message["type"] == "http.response.start":
                    started.update(message)
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))
                await send(message)

            try:
                await app(scope, receive, capture)
            except BaseException:
                await anyio.to_thread.run_sync(records.release, scope_id)
                raise
            status = started.get("status", 500)
            if status >= 500:
                await anyio.to_thread.run_sync(records.release, scope_id)
                return
            content_type = (_header(started, b"content-type") or b"application/json").decode()
            await anyio.to_thread.run_sync(
                records.keep, scope_id, status, content_type, b"".join(chunks)
            )

        return middleware

    return wrap
