"""`Idempotency-Key` on every POST: a retry returns the first reply and records nothing
twice, also across restarts and server processes (the replies are kept in the database).

- **Scope**: the caller's account and setting, the path and the key, so that a tablet
  that logs in again and replays its queue records nothing twice. Anonymous requests
  and logins are never recorded.
- **Only a success is kept.** A refusal (4xx) changed nothing, so a retry is judged
  afresh: a `409` caused by a race is never stored as the key's reply.
- **Same key, different body**: refused with `422` (a SHA-256 of the body is kept).
- **Kept before it is sent**: the reply is written before the client receives it, so
  an immediate retry after a `201` replays it.
- **Claims expire**: while a request runs its key is claimed for `lease` seconds
  (renewed as an upload streams); a retry meanwhile gets `409`. A claim whose owner
  died (a killed process, a dropped connection) expires and the retry runs the request.
- **No secrets kept**: a reply's `token` and `device_token` are removed before it is
  kept; a retry of such a request answers `409` saying the secret was shown once.
- **Bounded**: records expire after 24 hours and at most 1,000 are kept per account.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import anyio

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
NEVER_RECORDED = frozenset({"/auth/login", "/auth/logout"})
SECRET_FIELDS = ("token", "device_token")
KEPT_FOR = timedelta(hours=24)
KEPT_PER_ACCOUNT = 1000
SWEEP_EVERY = timedelta(minutes=1)

STILL_RUNNING = ("A request with this Idempotency-Key is still being processed; "
                 "retry in a moment.")
OTHER_BODY = ("This Idempotency-Key was already used with a different request body; "
              "send a new key for a new request.")
SECRET_SHOWN = ("The first request with this Idempotency-Key succeeded; its reply carried a "
                "secret, which is shown only once and is not kept. Retire what it created "
                "and create it again if the secret was lost.")


def _header(scope: dict, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value
    return None


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


def _answer(status: int, content_type: str, body: bytes) -> tuple[dict, dict]:
    headers = [(b"content-type", content_type.encode()),
               (b"content-length", str(len(body)).encode()),
               (b"idempotent-replay", b"true")]
    return ({"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": body})


def _refusal(status: int, detail: str, **extra: Any) -> tuple[dict, dict]:
    body = json.dumps({"status_code": status, "detail": detail, **extra}).encode()
    return _answer(status, "application/json", body)


async def _rest_of_body_hash(receive: Any) -> str:
    """The SHA-256 of a retry's body, read in chunks and not kept."""
    digest = hashlib.sha256()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        digest.update(message.get("body", b""))
        if not message.get("more_body"):
            break
    return digest.hexdigest()


def _replay(kept: tuple, body_hash: str) -> tuple[dict, dict]:
    status, kept_hash, content_type, body, secret_removed = kept
    if status == IN_PROGRESS:
        return _refusal(409, STILL_RUNNING)
    if kept_hash is not None and kept_hash != body_hash:
        return _refusal(422, OTHER_BODY)
    if secret_removed:
        return _refusal(409, SECRET_SHOWN, **json.loads(body))
    return _answer(status, content_type, body)


class _Run:
    """One recorded request: hashes its body as the app reads it, holds its reply."""

    def __init__(self, records: IdempotencyRecords, scope_id: str, account_id: str,
                 receive: Any, send: Any):
        self.records, self.scope_id, self.account_id = records, scope_id, account_id
        self._receive, self._send = receive, send
        self.digest = hashlib.sha256()
        self.body_read = False
        self.read_bytes = 0
        self.started: dict | None = None
        self.chunks: list[bytes] = []
        self.sent = False

    async def receive(self) -> dict:
        message = await self._receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            self.digest.update(chunk)
            self.read_bytes += len(chunk)
            if self.read_bytes > 8 * 1024 * 1024:  # a long upload: keep the claim alive
                self.read_bytes = 0
                await anyio.to_thread.run_sync(self.records.renew, self.scope_id)
            self.body_read = not message.get("more_body")
        return message

    async def send(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.started = message
            if message["status"] // 100 != 2:
                await self._pass_through()
            return
        if message["type"] != "http.response.body" or self.sent:
            await self._send(message)
            return
        self.chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        assert self.started is not None
        content_type = (_header(self.started, b"content-type") or b"application/json").decode()
        await anyio.to_thread.run_sync(
            self.records.keep, self.scope_id, self.account_id, self.started["status"],
            content_type, b"".join(self.chunks),
            self.digest.hexdigest() if self.body_read else None)
        self.sent = True
        await self._send(self.started)
        await self._send({"type": "http.response.body", "body": b"".join(self.chunks)})

    async def _pass_through(self) -> None:
        """A refusal or fault: nothing is kept, the key is free for a retry."""
        await anyio.to_thread.run_sync(self.records.release, self.scope_id)
        self.sent = True
        assert self.started is not None
        await self._send(self.started)


def _cookie(scope: dict, name: str) -> str | None:
    """A cookie's value from the request's `Cookie` header."""
    header = (_header(scope, b"cookie") or b"").decode("latin-1")
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def idempotency(records_of: Any, owner_of: Any, session_cookie: str | None = None) -> Any:
    """Middleware factory; `records_of(scope)` returns the IdempotencyRecords and
    `owner_of(token)` the (account_id, setting_id) of a session, or None. The session is
    the bearer token, or else (the web pages) the `session_cookie`."""

    def wrap(app: Any) -> Any:
        async def middleware(scope: dict, receive: Any, send: Any) -> None:
            key = _header(scope, b"idempotency-key")
            if scope["type"] != "http" or scope.get("method") != "POST" or not key:
                await app(scope, receive, send)
                return
            authorization = (_header(scope, b"authorization") or b"").decode("latin-1")
            scheme, _, token = authorization.partition(" ")
            token = token.strip() if scheme.lower() == "bearer" else ""
            if not token and session_cookie and not authorization:
                token = _cookie(scope, session_cookie) or ""
            path = scope["path"].rstrip("/")
            owner = (owner_of(token) if token and path not in NEVER_RECORDED else None)
            if owner is None:
                await app(scope, receive, send)
                return
            account_id, setting_id = owner
            records: IdempotencyRecords = records_of(scope)
            scope_id = hashlib.sha256("\0".join(
                [account_id, setting_id, path]).encode() + b"\0" + key).hexdigest()
            kept = await anyio.to_thread.run_sync(records.claim, scope_id, account_id)
            if kept is not None:
                start, body = _replay(kept, await _rest_of_body_hash(receive))
                await send(start)
                await send(body)
                return
            run = _Run(records, scope_id, account_id, receive, send)
            try:
                await app(scope, run.receive, run.send)
            finally:
                if not run.sent:
                    with anyio.CancelScope(shield=True):
                        await anyio.to_thread.run_sync(records.release, scope_id)

        return middleware

    return wrap
