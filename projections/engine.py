"""Read models built from the event log, exactly once, on SQLite and PostgreSQL.

The library's `ProjectionRunner` needs a subscription, which its SQLite recorder
does not offer. Here a `Projections` runner pulls the log in batches with
`recorder.select_notifications(start, limit)` and, for each batch, writes the views
and every projection's tracking position in one transaction of the read-model
database. The tracking rows are locked (`FOR UPDATE` on PostgreSQL, `BEGIN
IMMEDIATE` on SQLite), so several server processes never apply an event twice, and
a crash rolls back the views with the position: nothing lost, nothing repeated.

Each request that writes waits (bounded) until the views reach its notification id,
so a client reads its own writes; a background thread picks up what other processes
wrote.

With several server processes, one leads (`adapters.leadership`): only the leader's
background thread applies the log; a follower's thread follows the tracking position
(the views moved: its cached lookups are re-read). A follower's writer on PostgreSQL
wakes the leader and waits for the position it announces (`observe`), for at most
`handoff` seconds; then, or where nothing announces (SQLite), it applies the log
itself, which the tracking rows' lock keeps exactly-once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from storage.database import Database, Tx

log = logging.getLogger("journey.projections")


class ViewsBehind(Exception):
    """The views have not applied a write in time; the write itself is stored."""

    def __init__(self, notification_id: int):
        super().__init__(f"the views have not applied notification {notification_id}")
        self.notification_id = notification_id

TRACKING_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS projection_tracking (
        name TEXT PRIMARY KEY,
        position BIGINT NOT NULL)""",
]

Handler = Callable[[Any, Any, Tx], None]


def actor_id(event: Any) -> str:
    """The account id of the actor an event records (a dict once stored, an `Actor`
    before)."""
    actor = event.actor
    return str(actor["account_id"] if isinstance(actor, dict) else actor.account_id)


def handles(*event_names: str) -> Callable[[Handler], Handler]:
    """Mark a projection method as the handler of events named `Aggregate.Event`."""

    def mark(method: Handler) -> Handler:
        method.__handles__ = event_names  # type: ignore[attr-defined]
        return method

    return mark


class Projection:
    """A read model: the events it listens to (methods marked `@handles`) and its tables.

    Subclasses set `name`, `schema` (CREATE statements) and `tables` (cleared on rebuild).
    `child_tables` (tables with a `child_id` column) lose every row of a child whose
    journey is erased; a projection keeping more about a child overrides `forget_child`.
    `setting_tables` (with a `setting_id` column) lose a deleted setting's rows.
    """

    name: str = ""
    schema: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    child_tables: tuple[str, ...] = ()
    setting_tables: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[Any, Tx], None]] = {}
        for attribute in dir(type(self)):
            method = getattr(self, attribute)
            for event_name in getattr(method, "__handles__", ()):
                if event_name in self.handlers:  # a second handler would silently win
                    raise TypeError(f"{type(self).__name__} handles {event_name} twice")
                self.handlers[event_name] = method

    @handles("ChildJourney.JourneyErased")
    def forget_child(self, event: Any, tx: Tx) -> None:
        """Delete the erased child's rows from this projection's tables."""
        for table in self.child_tables:
            tx.execute(f"DELETE FROM {table} WHERE child_id = ?", (str(event.originator_id),))

    @handles("Setting.Deleted")
    def forget_setting(self, event: Any, tx: Tx) -> None:
        """Delete a terminated setting's rows from this projection's tables."""
        for table in self.setting_tables:
            tx.execute(f"DELETE FROM {table} WHERE setting_id = ?", (str(event.originator_id),))

    def wants(self, topic: str) -> bool:
        return topic.rpartition(":")[2] in self.handlers

    def process(self, event: Any, topic: str, tx: Tx) -> None:
        self.handlers[topic.rpartition(":")[2]](event, tx)

    def apply(self, notification: Any, event: Any, tx: Tx) -> None:
        """Apply one decoded event; a view that needs the stored notification itself
        (its position or bytes: the audit trail) overrides this."""
        self.process(event, notification.topic, tx)


class Projections:
    """Keeps every projection up to date with the application's log."""

    def __init__(self, app: Any, db: Database, projections: Iterable[Projection],
                 batch_size: int = 1000):
        self.app = app
        self.db = db
        self.projections = {p.name: p for p in projections}
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._position = 0
        self._versions = dict.fromkeys(self.projections, 0)
        self._by_topic: dict[str, list[Projection]] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._applied = threading.Condition()
        self._thread: threading.Thread | None = None
        self.failure: str | None = None
        # set by the composition root when several processes share the store:
        self.leads: Callable[[], bool] | None = None  # None: this process applies
        self.wake_leader: Callable[[], None] | None = None  # None: nobody announces
        self.announce = False  # NOTIFY journey_applied with each batch (PostgreSQL)
        self.handoff = 1.0  # seconds a follower's writer waits for the leader

    @property
    def position(self) -> int:
        """How far this process has applied the log (every view, at least)."""
        return self._position

    def versions(self, *names: str) -> tuple[int, ...]:
        """Counters that move whenever the named projections' views may have changed.

        A value read from those views can be kept for as long as these stay the same:
        they move after this process applies an event to one of them, and (all of them)
        when the log moved on in a way this process did not apply itself: another
        process applied it, or a rebuild.
        """
        return tuple(self._versions[name] for name in names)

    def _moved(self, names: Iterable[str]) -> None:
        for name in names:
            self._versions[name] += 1

    def setup(self) -> None:
        """Create the tracking table and every view's tables."""
        statements = list(TRACKING_SCHEMA)
        for projection in self.projections.values():
            statements.extend(projection.schema)
        self.db.create_tables(statements)
        with self.db.transaction() as tx:
            for name in self.projections:
                tx.execute(
                    "INSERT INTO projection_tracking (name, position) VALUES (?, 0) "
                    "ON CONFLICT (name) DO NOTHING",
                    (name,),
                )

    def positions(self) -> dict[str, int]:
        rows = self.db.query("SELECT name, position FROM projection_tracking")
        return {name: int(pos) for name, pos in rows if name in self.projections}

    def lag(self) -> dict[str, int]:
        """How many notifications each projection is behind the log."""
        head = self.app.recorder.max_notification_id() or 0
        return {name: head - pos for name, pos in self.positions().items()}

    def catch_up(self, progress: Callable[[int], None] | None = None,
                 until: int | None = None) -> int:
        """Apply every notification not yet applied; returns how many were read.

        With `until`, nothing is done if this process has meanwhile got that far: many
        writers waiting on one another's catch-up are served by one batch, not one each.
        """
        read = 0
        with self._lock:
            if until is not None and self._position >= until:
                return 0
            while True:
                touched: set[str] = set()
                count, last = self._apply_batch(touched)
                read += count
                if progress is not None and count:
                    progress(count)
                self._moved(touched)  # after the commit: readers re-read fresh views
                if last:
                    self._position = max(self._position, last)
                    self._tell_waiters()
                if count < self.batch_size:
                    return read

    def _listeners(self, topic: str) -> list[Projection]:
        """The projections that handle `topic`, worked out once per topic."""
        listeners = self._by_topic.get(topic)
        if listeners is None:
            listeners = [p for p in self.projections.values() if p.wants(topic)]
            self._by_topic[topic] = listeners
        return listeners

    def _apply_batch(self, touched: set[str]) -> tuple[int, int]:
        """Apply one batch in one transaction; `touched` gets the projections whose
        views it may have changed."""
        names = list(self.projections)
        marks = ",".join("?" for _ in names)
        with self.db.transaction(pipeline=True) as tx:
            rows = tx.execute(
                f"SELECT name, position FROM projection_tracking WHERE name IN ({marks})"
                f"{self.db.for_update}",
                names,
            ).fetchall()
            positions = {name: int(pos) for name, pos in rows}
            start = min(positions.values(), default=0) + 1
            if start - 1 > self._position:  # applied by another process: unseen here
                touched.update(names)
            notifications = self.app.recorder.select_notifications(
                start=start, limit=self.batch_size
            )
            if not notifications:
                return 0, start - 1
            mapper = self.app.mapper
            uneven = len(set(positions.values())) > 1  # some views already further on
            for notification in notifications:
                listeners = self._listeners(notification.topic)
                if not listeners:
                    continue
                if uneven:
                    listeners = [p for p in listeners
                                 if positions[p.name] < notification.id]
                    if not listeners:
                        continue
                event = mapper.to_domain_event(notification)  # once, whoever listens
                for projection in listeners:
                    projection.apply(notification, event, tx)
                    touched.add(projection.name)
            last = notifications[-1].id
            tx.execute(
                f"UPDATE projection_tracking SET position = ? WHERE name IN ({marks}) "
                "AND position < ?", (last, *names, last),
            )
            if self.announce:  # delivered on commit
                tx.execute("SELECT pg_notify('journey_applied', ?)", (str(last),))
            return len(notifications), last

    def wait_for(self, notification_id: int, timeout: float = 5.0) -> None:
        """Block until every view has applied `notification_id`; `ViewsBehind` if they
        have not within `timeout` seconds or catching up fails (the write itself stands).

        The writer catches up itself; concurrent writers queue on one lock, and whoever
        holds it applies everything written so far, so the others find their event
        already applied (`catch_up(until=...)`) and return.
        """
        if self._position >= notification_id:
            return
        following = self.wake_leader is not None and self.leads is not None \
            and not self.leads()
        if following and self._await_leader(notification_id):
            return
        deadline = time.monotonic() + timeout
        while self._position < notification_id:
            try:
                self.catch_up(until=notification_id)
            except Exception as error:
                self.failure = "catch-up failed; see the log"
                raise ViewsBehind(notification_id) from error
            if self._position >= notification_id:
                return
            if time.monotonic() > deadline:
                raise ViewsBehind(notification_id)
            time.sleep(0.01)

    def _await_leader(self, notification_id: int) -> bool:
        """Wake the leader and wait for it to announce `notification_id` applied;
        whether it did within `handoff` seconds."""
        try:
            self.wake_leader()  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - then this writer applies the log itself
            return False
        deadline = time.monotonic() + self.handoff
        with self._applied:
            while self._position < notification_id:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._applied.wait(left)
        return True

    def _tell_waiters(self) -> None:
        with self._applied:
            self._applied.notify_all()

    def observe(self, position: int) -> None:
        """Another process applied the log up to `position` (announced, or read from the
        tracking rows): this process's views moved, so what was read from them is
        read again."""
        if position <= self._position:
            return
        with self._lock:
            if position > self._position:
                self._position = position
                self._moved(self.projections)
        self._tell_waiters()

    def follow(self) -> None:
        """Observe how far the tracking rows say every view is."""
        positions = self.positions()
        if positions:
            self.observe(min(positions.values()))

    def wake(self) -> None:
        """Catch up now rather than at the next interval (a follower wrote)."""
        self._wake.set()

    def rebuild(self, names: Iterable[str] | None = None,
                progress: Callable[[int], None] | None = None) -> int:
        """Empty the named views (all when None) and replay the whole log into them."""
        chosen = list(names) if names else list(self.projections)
        unknown = [n for n in chosen if n not in self.projections]
        if unknown:
            raise KeyError(unknown[0])
        with self._lock, self.db.transaction() as tx:
            for name in chosen:
                for table in self.projections[name].tables:
                    tx.execute(f"DELETE FROM {table}")
                tx.execute("UPDATE projection_tracking SET position = 0 WHERE name = ?", (name,))
            self._position = 0
            self._moved(chosen)
        return self.catch_up(progress=progress)

    def start(self, interval: float = 0.5) -> None:
        """Catch up in the background, for events written by other processes (only
        while leading, when there is a leadership; following otherwise)."""
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.is_set():
                self._wake.wait(interval)
                self._wake.clear()
                if self._stop.is_set():
                    return
                try:
                    if self.leads is None or self.leads():
                        self.catch_up()
                    else:
                        self.follow()
                    self.failure = None
                except Exception as error:  # keep running; report in /health
                    self.failure = type(error).__name__
                    log.exception("projection catch-up failed")

        self._thread = threading.Thread(target=loop, name="projections", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
