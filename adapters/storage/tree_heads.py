"""Signed tree heads of the audit log: (size, root hash, time), signed with Ed25519.

The signing key is `JOURNEY_AUDIT_KEY` (or `audit.key` under the data directory, made
on first start with mode 0600), never the database: whoever can rewrite the database
cannot sign a head for a rewritten log. The heads are kept in `audit_tree_heads`; a
head handed to an inspector (`journey audit checkpoint --out FILE`) is the same JSON.

What is signed: the UTF-8 text `journey tree head v1\\n{size}\\n{root hex}\\n{time}\\n`.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from storage.database import Database

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS audit_tree_heads (
        size BIGINT NOT NULL,
        root TEXT NOT NULL,
        at TEXT NOT NULL,
        signature TEXT NOT NULL,
        public_key TEXT NOT NULL,
        PRIMARY KEY (size, at))""",
]


@dataclass(frozen=True)
class TreeHead:
    """A signed statement: the log's first `size` events have this Merkle `root`."""

    size: int
    root: str  # hex
    at: str
    signature: str  # base64
    public_key: str  # base64, raw Ed25519
    algorithm: str = "Ed25519"

    def signed_text(self) -> bytes:
        return signed_text(self.size, self.root, self.at)

    def as_json(self) -> dict:
        return asdict(self)


def signed_text(size: int, root: str, at: str) -> bytes:
    return f"journey tree head v1\n{size}\n{root}\n{at}\n".encode()


class TreeHeads:
    """Signs heads with the audit key and keeps them."""

    def __init__(self, db: Database, seed: bytes):
        self.db = db
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = base64.b64encode(self._key.public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw)).decode()
        db.create_tables(SCHEMA)

    def sign(self, size: int, root: bytes, at: datetime) -> TreeHead:
        """Sign and keep a head."""
        stamp = at.isoformat()
        signature = base64.b64encode(self._key.sign(signed_text(size, root.hex(), stamp)))
        head = TreeHead(size, root.hex(), stamp, signature.decode(), self.public_key)
        self.db.execute(
            "INSERT INTO audit_tree_heads (size, root, at, signature, public_key) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (size, at) DO NOTHING",
            (head.size, head.root, head.at, head.signature, head.public_key))
        return head

    def stored(self) -> list[TreeHead]:
        """Every kept head, smallest first."""
        return [TreeHead(int(size), root, at, signature, key)
                for size, root, at, signature, key in self.db.query(
                    "SELECT size, root, at, signature, public_key FROM audit_tree_heads "
                    "ORDER BY size, at")]

    def latest(self) -> TreeHead | None:
        heads = self.stored()
        return heads[-1] if heads else None

    def genuine(self, head: TreeHead) -> bool:
        """Whether the head carries a valid signature of this service's audit key."""
        if head.public_key != self.public_key:
            return False
        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(head.public_key))
            key.verify(base64.b64decode(head.signature), head.signed_text())
        except (InvalidSignature, ValueError):
            return False
        return True
