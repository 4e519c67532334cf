"""Passwords, sessions and login throttling, in their own tables (never in events).

- Passwords are hashed with argon2id (argon2-cffi).
- Tokens are random, shown once, stored as SHA-256; a session expires after 12 hours
  idle or 7 days in all, and is deleted on logout or when the account is disabled.
- Login attempts are counted in the database (so a limit survives restarts and holds
  across server processes) by one atomic upsert that increments and returns the count
  *before* the password is checked: however attempts arrive, in parallel or across
  processes, the sixth for one account from one address is refused unchecked. A
  success takes its own attempt back, so only failures accumulate. The limits are per
  account and address (5), per address (20) and per account from anywhere (100, against
  a spread-out attack): an attacker's address is stopped, not the account's owner.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from storage.database import Database

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS credentials (
        account_id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        changed_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sessions (
        token_hash TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        expires_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS sessions_by_account ON sessions (account_id)",
    """CREATE TABLE IF NOT EXISTS security_stamp (
        id INTEGER PRIMARY KEY,
        version INTEGER NOT NULL)""",
    "INSERT INTO security_stamp (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
    """CREATE TABLE IF NOT EXISTS login_failures (
        subject TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        first_at TEXT NOT NULL,
        locked_until TEXT)""",
]

IDLE = timedelta(hours=12)
ABSOLUTE = timedelta(days=7)
PAIR_LIMIT = 5  # one account from one address
ADDRESS_LIMIT = 20  # one address, any accounts
ACCOUNT_LIMIT = 100  # one account, from any addresses
WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("a password nobody has, for unknown emails")


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@dataclass(frozen=True)
class Locked:
    """Too many failures: retry after this many seconds."""

    retry_after: int


class Credentials:
    """Password hashes, sessions and login failures."""

    def __init__(self, db: Database):
        self.db = db
        db.create_tables(SCHEMA)
        self._changes = itertools.count(1)
        self.sessions_version = 0  # moves whenever this process ends or slides a session

    def _sessions_changed(self) -> None:
        """Called after each write to the sessions table: what was read before is stale."""
        self.sessions_version = next(self._changes)

    # the security stamp, shared by every process
    def security_changed(self) -> None:
        """A session ended, an account was disabled or a device changed hands or status.

        Called before the command answers: every process reads the stamp on each
        request and drops what it kept of sessions and devices when it moved, so the
        change holds everywhere from the moment the command's response is sent.
        """
        self.db.execute("UPDATE security_stamp SET version = version + 1 WHERE id = 1")

    def security_version(self) -> int:
        row = self.db.query_one("SELECT version FROM security_stamp WHERE id = 1")
        return int(row[0]) if row else 0

    # passwords
    def set_password(self, account_id: UUID, email: str, password_hash: str, at: datetime
                     ) -> None:
        self.db.execute(
            "INSERT INTO credentials (account_id, email, password_hash, changed_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET "
            "password_hash = excluded.password_hash, changed_at = excluded.changed_at",
            (str(account_id), email, password_hash, at.isoformat()),
        )

    def account_of(self, email: str) -> UUID | None:
        """The account this e-mail belongs to (for the login trail), if any."""
        row = self.db.query_one("SELECT account_id FROM credentials WHERE email = ?",
                                (email,))
        return UUID(row[0]) if row else None

    def verify(self, email: str, password: str) -> UUID | None:
        """The account id if the password matches. Costs one argon2 verify either way."""
        row = self.db.query_one(
            "SELECT account_id, password_hash FROM credentials WHERE email = ?", (email,)
        )
        stored = row[1] if row else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        return UUID(row[0]) if row else None

    # throttling
    def attempt(self, limits: dict[str, int], now: datetime) -> Locked | None:
        """Count one login attempt against each subject (name -> limit), atomically.

        Called before the password is checked; Locked if any subject is past its limit
        within the window (the attempt is then refused unchecked).
        """
        fresh = now.isoformat(timespec="microseconds")
        stale = (now - WINDOW).isoformat(timespec="microseconds")
        waits = []
        with self.db.transaction() as tx:
            for subject in sorted(limits):  # one order everywhere: no deadlocks
                count, first = tx.execute(
                    "INSERT INTO login_failures (subject, failures, first_at) VALUES (?, 1, ?) "
                    "ON CONFLICT (subject) DO UPDATE SET "
                    "failures = CASE WHEN login_failures.first_at <= ? THEN 1 "
                    "ELSE login_failures.failures + 1 END, "
                    "first_at = CASE WHEN login_failures.first_at <= ? THEN excluded.first_at "
                    "ELSE login_failures.first_at END "
                    "RETURNING failures, first_at",
                    (subject, fresh, stale, stale),
                ).fetchone()
                if int(count) > limits[subject]:
                    waits.append(datetime.fromisoformat(first) + WINDOW - now)
        if not waits:
            return None
        return Locked(retry_after=max(1, int(max(waits).total_seconds()) + 1))

    def failures(self, subject: str) -> int:
        row = self.db.query_one(
            "SELECT failures FROM login_failures WHERE subject = ?", (subject,))
        return int(row[0]) if row else 0

    def succeeded(self, subjects: list[str]) -> None:
        """A login succeeded: its attempt is taken back from each subject's count."""
        marks = ",".join("?" for _ in subjects)
        self.db.execute(
            f"UPDATE login_failures SET failures = failures - 1 "
            f"WHERE subject IN ({marks}) AND failures > 0",
            subjects,
        )

    # sessions
    def open_session(self, account_id: UUID, now: datetime) -> str:
        token = new_token()
        self.db.execute(
            "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (token_hash(token), str(account_id), now.isoformat(), now.isoformat(),
             (now + ABSOLUTE).isoformat()),
        )
        return token

    def session_account(self, token: str, now: datetime) -> UUID | None:
        """The account of a live session (sliding the idle expiry), else None."""
        digest = token_hash(token)
        row = self.db.query_one(
            "SELECT account_id, last_seen_at, expires_at FROM sessions WHERE token_hash = ?",
            (digest,),
        )
        if row is None:
            return None
        last_seen = datetime.fromisoformat(row[1])
        if now >= datetime.fromisoformat(row[2]) or now - last_seen >= IDLE:
            self.close_session(token)
            return None
        if now - last_seen > timedelta(minutes=1):
            self.touch_session(digest, now)
        return UUID(row[0])

    SESSION_SQL = (
        "SELECT s.account_id, s.last_seen_at, s.expires_at, a.setting_id, a.roles, a.disabled,"
        " st.hours, st.timezone FROM sessions s"
        " JOIN accounts_view a ON a.account_id = s.account_id"
        " LEFT JOIN settings_view st ON st.setting_id = a.setting_id"
        " WHERE s.token_hash = ?"
    )

    def session_row(self, digest: str) -> tuple | None:
        """A session (by its token hash) joined with its account and setting of the
        identity views: (account_id, last_seen_at, expires_at, setting_id, roles,
        disabled, hours, timezone), or None. One indexed query."""
        return self.db.query_one(self.SESSION_SQL, (digest,))

    def touch_session(self, digest: str, now: datetime) -> None:
        """Slide the idle expiry of a session (by its token hash)."""
        self.db.execute("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
                        (now.isoformat(), digest))
        self._sessions_changed()

    def close_session(self, token: str) -> None:
        self.db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash(token),))
        self._sessions_changed()
        self.security_changed()

    def forget(self, account_id: UUID) -> None:
        """Delete the account's password hash and sessions (its setting was deleted)."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM sessions WHERE account_id = ?", (str(account_id),))
            tx.execute("DELETE FROM credentials WHERE account_id = ?", (str(account_id),))
        self._sessions_changed()

    def close_all_sessions(self, account_id: UUID) -> None:
        self.db.execute("DELETE FROM sessions WHERE account_id = ?", (str(account_id),))
        self._sessions_changed()
        self.security_changed()
