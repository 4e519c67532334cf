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
from typing import Any

import anyio

from adapters.storage.idempotency_keys import IN_PROGRESS, IdempotencyRecords

NEVER_RECORDED = frozenset({"/auth/login", "/auth/logout"})

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
