"""Per-child data keys, wrapped by the master key, in their own table.

Each child has a `journey` key (erased with the journey) and a `retention` key
(incidents, accidents and medication, kept until the legal retention ends).
Deleting a key is crypto-shredding: what it sealed can never be read again.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.settings import ConfigError
from storage.database import Database, is_unique_violation

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS child_keys (
        child_id TEXT NOT NULL,
        purpose TEXT NOT NULL,
        wrapped BLOB NOT NULL,
        PRIMARY KEY (child_id, purpose))""",
    """CREATE TABLE IF NOT EXISTS master_key_check (
        name TEXT PRIMARY KEY,
        sealed BLOB NOT NULL)""",
]
CHECK_VALUE = b"journey master key check"
WRONG_KEY = ("JOURNEY_MASTER_KEY is not the key this data was sealed with: start with the "
             "key used before (or its master.key file).")

CACHE_SECONDS = 30.0


class ChildKeys:
    """Creates, unwraps, caches and shreds the children's data keys; each shredding is
    written to the erasure ledger first, when there is one."""

    ledger: Any = None  # an `ErasureLedger`, set by the composition root
    clock: Any = None

    def __init__(self, db: Database, master_key: bytes):
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._db = db
        self._master = AESGCM(master_key)
        self._cache: dict[tuple[UUID, str], tuple[float, AESGCM]] = {}
        self._lock = threading.Lock()
        db.create_tables(SCHEMA)
        self._check_master_key()

    def _check_master_key(self) -> None:
        """Refuse a master key other than the one the data was sealed with (`ConfigError`):
        a sealed check value is kept, written on first start (after checking any child
        key there already is)."""
        row = self._db.query_one("SELECT sealed FROM master_key_check WHERE name = 'master'")
        try:
            if row is not None:
                sealed = bytes(row[0])
                self._master.decrypt(sealed[:12], sealed[12:], b"master")
                return
            some = self._db.query_one("SELECT child_id, purpose, wrapped FROM child_keys "
                                      "LIMIT 1")
            if some is not None:
                self._unwrap(some[2], some[0], some[1])
        except InvalidTag:
            raise ConfigError(WRONG_KEY) from None
        nonce = os.urandom(12)
        try:
            self._db.execute(
                "INSERT INTO master_key_check (name, sealed) VALUES ('master', ?)",
                (nonce + self._master.encrypt(nonce, CHECK_VALUE, b"master"),))
        except Exception as error:  # another process wrote it first: check that one
            if not is_unique_violation(error):
                raise
            self._check_master_key()

    def _wrap(self, key: bytes, child_id: UUID, purpose: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._master.encrypt(nonce, key, f"{child_id}:{purpose}".encode())

    def _unwrap(self, wrapped: bytes, child_id: UUID, purpose: str) -> bytes:
        wrapped = bytes(wrapped)
        return self._master.decrypt(wrapped[:12], wrapped[12:], f"{child_id}:{purpose}".encode())

    def cipher(self, child_id: UUID, purpose: str, create: bool = False) -> AESGCM | None:
        """The child's key for this purpose, created on first use when `create` is set."""
        now = time.monotonic()
        cached = self._cache.get((child_id, purpose))
        if cached and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        row = self._db.query_one(
            "SELECT wrapped FROM child_keys WHERE child_id = ? AND purpose = ?",
            (str(child_id), purpose),
        )
        if row is None:
            if not create:
                return None
            key = AESGCM.generate_key(256)
            try:
                self._db.execute(
                    "INSERT INTO child_keys (child_id, purpose, wrapped) VALUES (?, ?, ?)",
                    (str(child_id), purpose, self._wrap(key, child_id, purpose)),
                )
            except Exception as error:  # another process created it first
                if not is_unique_violation(error):
                    raise
                return self.cipher(child_id, purpose, create=False)
        else:
            key = self._unwrap(row[0], child_id, purpose)
        aes = AESGCM(key)
        with self._lock:
            self._cache[(child_id, purpose)] = (now, aes)
        return aes

    def shred(self, child_id: UUID, purpose: str) -> None:
        """Delete the key: everything it sealed is unreadable from now on."""
        if self.ledger is not None:
            self.ledger.record("key_shredded", self.clock(), owner_id=child_id,
                               purpose=purpose)
        with self._lock:
            self._cache.pop((child_id, purpose), None)
        self._db.execute(
            "DELETE FROM child_keys WHERE child_id = ? AND purpose = ?", (str(child_id), purpose)
        )

    def forget_child(self, child_id: UUID) -> None:
        """Drop the child's unwrapped keys from memory (the cache register)."""
        with self._lock:
            for key in [k for k in self._cache if k[0] == child_id]:
                del self._cache[key]

    def forget(self, child_id: UUID, purposes: tuple[str, ...]) -> None:
        """Drop the child's unwrapped keys from memory (they are read again if needed)."""
        with self._lock:
            for purpose in purposes:
                self._cache.pop((child_id, purpose), None)

    def exists(self, child_id: UUID, purpose: str) -> bool:
        return self.cipher(child_id, purpose) is not None
