"""The paging rule of every list: `?limit=` defaults to 50, between 1 and 200, and one
cursor codec.

A `next_cursor` is opaque: the position it stands for (a sort key, an offset) is
encrypted and authenticated (AES-GCM, with a key derived from the master key and the
list's name bound in), so it carries no names, cannot be forged or moved to another
list, and a tampered one is a `400` naming the parameter.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache
from typing import Any

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.errors import Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_NOT_OURS = "The query parameter 'cursor' is not one this service gave."


def page_limit(limit: int | None) -> int:
    """`?limit=`: default 50, between 1 and 200; otherwise 400 naming the parameter."""
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"The query parameter 'limit' must be between 1 and {MAX_LIMIT}.",
                      "limit")
    return limit


@lru_cache(maxsize=4)
def _cipher(master_key: bytes) -> AESGCM:
    """The cursor key: derived from the master key, used for nothing else."""
    return AESGCM(hmac.new(master_key, b"journey cursors v1", hashlib.sha256).digest())


class Cursors:
    """Encode and decode the cursors of the lists, under a key of the master key."""

    def __init__(self, master_key: bytes):
        self._aead = _cipher(master_key)

    def encode(self, list_name: str, *values: str | int) -> str:
        """An opaque cursor for the position `values` in the list `list_name`."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, msgspec.json.encode(values), list_name.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def decode(self, list_name: str, cursor: str | None, size: int) -> list[Any] | None:
        """The `size` values a cursor of `list_name` stands for; None without one; 400
        if it is not one this service gave for this list."""
        if not cursor:
            return None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            values = msgspec.json.decode(
                self._aead.decrypt(raw[:12], raw[12:], list_name.encode()))
        except (binascii.Error, ValueError, InvalidTag, msgspec.DecodeError):
            raise Invalid(_NOT_OURS, "cursor") from None
        if not (isinstance(values, list) and len(values) == size
                and all(isinstance(v, str | int) for v in values)):
            raise Invalid(_NOT_OURS, "cursor")
        return values

    def offset_page(self, list_name: str, items: list, limit: int | None,
                    cursor: str | None) -> dict[str, Any]:
        """`{"items", "next_cursor"}`: a page of a list held whole, by offset."""
        size = page_limit(limit)
        start = self.decode(list_name, cursor, 1)
        offset = start[0] if start else 0
        if not isinstance(offset, int) or offset < 0:
            raise Invalid(_NOT_OURS, "cursor")
        more = offset + size < len(items)
        return {"items": items[offset:offset + size],
                "next_cursor": self.encode(list_name, offset + size) if more else None}


def cursors(services: Any) -> Cursors:
    """The codec of these services (one per master key)."""
    return Cursors(services.settings.master_key)
