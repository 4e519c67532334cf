"""A task repeated in a daemon thread of its own until stopped (sweeps, polls)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("journey")


class Repeating:
    """Calls `work()` every `seconds` (first at once if `now`); a failure is logged and
    the next call tried as usual."""

    def __init__(self, name: str, seconds: float, work: Callable[[], object],
                 now: bool = False):
        self.name = name
        self._seconds = seconds
        self._work = work
        self._now = now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        if self._now:
            self._once()
        while not self._stop.wait(self._seconds):
            self._once()

    def _once(self) -> None:
        try:
            self._work()
        except Exception:  # noqa: BLE001 - tried again next time
            log.warning("background task failed", extra={"task": self.name}, exc_info=True)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop, waiting up to five seconds for a call under way."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)
