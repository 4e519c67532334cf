"""One leader among every server process on a data store: it applies the projections
in the background and runs the background work (legal retention, terminations, the
media sweep). Followers serve requests and follow the views.

The leader holds a PostgreSQL session advisory lock on a connection of its own (its
`application_name` is `journey-leader-PID`, so `pg_stat_activity` names it) or, on
SQLite, an exclusive `flock` on `leader.lock` in the data directory. The operating
system drops either when the process dies, however it dies (SIGKILL included): a
follower trying every `TRY_SECONDS` takes over within that (well inside two seconds).
A leader that loses its connection stops leading at once.

On PostgreSQL the leader announces every batch of views it commits
(`NOTIFY journey_applied, '<position>'`, in the batch's transaction) and is woken by
`NOTIFY journey_written` from followers that wrote; a follower's writer waits for the
announced position instead of polling (`Projections.wait_for`).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("journey.leadership")

LEADER_LOCK = 0x6A6F75726E6C64  # the PostgreSQL advisory lock of the leader
TRY_SECONDS = 0.5
APPLIED, WRITTEN = "journey_applied", "journey_written"


class Leadership:
    """Tries to lead, every `TRY_SECONDS`, until stopped; `leads()` says whether it
    does now. `on_change(leading)` is called on every change."""

    def __init__(self, settings: Any, on_change: Callable[[bool], None] | None = None):
        self.settings = settings
        self._on_change = on_change or (lambda leading: None)
        self._leading = threading.Event()
        self._stop = threading.Event()
        self._held: Any = None  # the lock's connection or file
        self._thread: threading.Thread | None = None
        self._failing = False  # logged once per outage, not every tick

    def leads(self) -> bool:
        return self._leading.is_set()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._tick()  # lead at once when nobody does
            self._thread = threading.Thread(target=self._run, name="journey-leadership",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._release()

    def _run(self) -> None:
        while not self._stop.wait(TRY_SECONDS):
            self._tick()

    def _tick(self) -> None:
        try:
            if self._held is None:
                if self._acquire():
                    self._leading.set()
                    log.info("leading", extra={"pid": os.getpid()})
                    self._on_change(True)
            elif not self._still_held():
                self._release()
            self._failing = False
        except Exception:  # noqa: BLE001 - tried again next tick
            if not self._failing:
                log.warning("leadership check failed; trying again every "
                            f"{TRY_SECONDS} s", exc_info=True)
            self._failing = True
            self._release()

    def _acquire(self) -> bool:
        if self.settings.database_url:
            import psycopg

            conn = psycopg.connect(self.settings.database_url, autocommit=True,
                                   connect_timeout=2,
                                   application_name=f"journey-leader-{os.getpid()}")
            got = conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()
            if got and got[0]:
                self._held = conn
                return True
            conn.close()
            return False
        handle = open(self.settings.data_dir / "leader.lock", "a")  # noqa: SIM115 - held
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._held = handle
        return True

    def _still_held(self) -> bool:
        if self.settings.database_url:
            self._held.execute("SELECT 1").fetchone()  # raises when the connection is gone
        return True

    def _release(self) -> None:
        held, self._held = self._held, None
        was = self._leading.is_set()
        self._leading.clear()
        if held is not None:
            with contextlib.suppress(Exception):
                held.close()  # closing the connection or file releases the lock
        if was:
            log.warning("no longer leading", extra={"pid": os.getpid()})
            self._on_change(False)


class Announcements:
    """PostgreSQL LISTEN on a connection of its own: `applied(position)` for each
    `journey_applied`, `written()` for each `journey_written`. Reconnects after a
    failure."""

    def __init__(self, url: str, applied: Callable[[int], None], written: Callable[[], None]):
        self.url = url
        self._applied = applied
        self._written = written
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="journey-listen",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        import psycopg

        failing = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=2) as conn:
                    conn.execute(f"LISTEN {APPLIED}")
                    conn.execute(f"LISTEN {WRITTEN}")
                    failing = False
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            if note.channel == APPLIED and note.payload.isdigit():
                                self._applied(int(note.payload))
                            elif note.channel == WRITTEN:
                                self._written()
            except Exception:  # noqa: BLE001 - the database went away: listen again
                if not failing:
                    log.warning("listening for announcements failed; trying again",
                                exc_info=True)
                failing = True
                self._stop.wait(TRY_SECONDS)
