"""One writer at a time per aggregate in this process (the `Writers` port).

Commands on one child's journey or diary day read it, change it and save it; two at
once in one process would both read the same version and one would fail the event
store's version check for nothing. Here they queue for the aggregate instead, while
commands on other children run in parallel (and share transactions, see
`save_together`). Another process is not held: its race is the store's version
check, and the command runs again (`domain.commands.base.one_writer`).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from contextlib import contextmanager


class WriterLocks:
    """A re-entrant lock per key, existing only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[Hashable, tuple[threading.RLock, int]] = {}

    @contextmanager
    def one_at_a_time(self, key: Hashable) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(key, (None, 0))
            lock = lock or threading.RLock()
            self._locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                _, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        """How many keys are held or waited for (for tests)."""
        return len(self._locks)
