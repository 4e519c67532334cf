"""Small facts read from the views (a child's setting, a setting's timezone, a parent's
family...), kept in memory while the projections behind them stay as they were.

A value is stamped with `Projections.versions` of the projections it was read from,
taken before the read; it is served again only while those versions are unchanged, so
it is exactly as fresh as the views themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from projections import identity, journey

T = TypeVar("T")

LIMIT = 10_000  # entries kept before the cache starts afresh


class Lookups:
    """Cached reads of the views for the request path."""

    def __init__(self, db: Any, projections: Any):
        self.db = db
        self.projections = projections
        self._cache: dict[Any, tuple[tuple[int, ...], Any]] = {}

    def cached(self, key: Any, projections: tuple[str, ...], load: Callable[[], T]) -> T:
        """`load()`, or the value it gave while these projections have not moved."""
        stamp = self.projections.versions(*projections)  # before reading
        seen = self._cache.get(key)
        if seen is not None and seen[0] == stamp:
            return seen[1]
        value = load()
        if len(self._cache) > LIMIT:
            self._cache.clear()
        self._cache[key] = (stamp, value)
        return value

    def forget_child(self, child_id: UUID) -> None:
        """Forget everything: entries do not all say which child they concern (a
        family, a device), and each is one query away."""
        self._cache.clear()

    def forget_all(self) -> None:
        """Drop every kept value (an erasure: nothing about the child may linger)."""
        self._cache = {}

    def child_setting(self, child_id: UUID) -> UUID | None:
        """The setting a child belongs to (None if unknown)."""
        return self.cached(("child", child_id), ("journey",),
                           lambda: journey.child_setting(self.db, child_id))

    def setting_timezone(self, setting_id: UUID | str) -> str | None:
        """The setting's timezone (None if unknown)."""
        return self.cached(("timezone", str(setting_id)), ("identity",),
                           lambda: identity.setting_timezone(self.db, setting_id))

    def names(self, setting_id: UUID | str) -> dict[str, str]:
        """Account id to display name, for everyone of the setting (staff and parents)."""
        return self.cached(("names", str(setting_id)), ("identity",),
                           lambda: identity.names_of_setting(self.db, setting_id))
