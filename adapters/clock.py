"""Clocks: the only place that reads the time. Tests travel in time with `TravelClock`."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SystemClock:
    """The real time, in UTC."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)


class TravelClock:
    """A clock that tests can set and move; it still ticks unless frozen."""

    def __init__(self, start: datetime | None = None, frozen: bool = False):
        self._offset = timedelta(0)
        self._frozen_at = start if frozen else None
        if start is not None and not frozen:
            self._offset = start - datetime.now(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(UTC) + self._offset

    def set(self, moment: datetime) -> None:
        """Jump to this moment (keeps ticking from there unless frozen)."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = moment
            else:
                self._offset = moment - datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward (or back) by delta."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += delta
            else:
                self._offset += delta
