"""The composition root: builds the object graph from the settings. Nothing else
reads the environment."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any

from adapters.audit import checkpoint_if_grown, make_log_append_only
from adapters.clock import SystemClock
from adapters.settings import Settings
from adapters.storage.access_log import AccessLog
from adapters.storage.background import Repeating
from adapters.storage.caches import Caches
from adapters.storage.child_keys import ChildKeys
from adapters.storage.credentials import Credentials
from adapters.storage.erasure_ledger import ErasureLedger
from adapters.storage.event_store import event_store_env
from adapters.storage.jobs import Jobs
from adapters.storage.kept_days import KeptDays
from adapters.storage.media import MediaStore, media_store_for, spool_dir
from adapters.storage.media_sweep import media_sweeper, sweep_orphans
from adapters.storage.save_together import SaveTogether
from adapters.storage.sealing import SealingMapper
from adapters.storage.writers import WriterLocks
from domain.service import JourneyService
from projections.engine import Projections
from projections.lookups import Lookups
from projections.registry import all_projections
from storage.database import Database, PostgresDatabase, SQLiteDatabase


@dataclass
class Services:
    """What the adapters need, built once."""

    settings: Settings
    app: JourneyService
    db: Database
    keys: ChildKeys
    projections: Projections
    media: MediaStore
    clock: Any
    credentials: Credentials
    access_log: AccessLog
    lookups: Lookups
    caches: Caches
    media_sweeper: Repeating | None = None
    jobs: Jobs | None = None  # long jobs and their progress (termination)
    ledger: ErasureLedger | None = None  # erasures re-applied by `journey restore`
    audit_heads: Repeating | None = None  # signs the audit log's tree head every hour
    leadership: Any = None  # `adapters.leadership.Leadership` when serving
    announcements: Any = None  # PostgreSQL LISTEN for the views' progress

    def leads(self) -> bool:
        """Whether this process runs the background work (always without a leadership)."""
        return self.leadership is None or self.leadership.leads()

    @property
    def backend(self) -> str:
        return self.db.kind

    def sweep_orphan_media(self) -> int:
        """Remove media objects and spooled files that no record owns (an hour old)."""
        return sweep_orphans(self.media, spool_dir(self.settings, self.media),
                             lambda media_id: bool(self.app.recorder.select_events(
                                 media_id, limit=1)), self.clock())

    def close(self) -> None:
        self.caches.stop()
        for task in (self.media_sweeper, self.audit_heads, self.announcements):
            if task is not None:
                task.stop()
        self.projections.stop()
        if self.leadership is not None:
            self.leadership.stop()
        self.access_log.stop()
        self.app.close()
        self.db.close()


AUDIT_HEAD_EVERY = 3600.0  # seconds between scheduled signed tree heads


def open_database(settings: Settings) -> Database:
    if settings.database_url:
        return PostgresDatabase(settings.database_url)
    return SQLiteDatabase(settings.journey_db_path)


def register_caches(caches: Caches, keys: ChildKeys, lookups: Lookups,
                    kept_days: KeptDays) -> Caches:
    """Every cache of the process in the one register (the HTTP app adds sessions)."""
    caches.register("child_keys", keys,
                    "An unwrapped key is reused for at most 30 s; shredding drops it here "
                    "at once.")
    caches.register("lookups", lookups,
                    "As fresh as this process's views: each value is stamped with the "
                    "versions of the projections it was read from, which move when this "
                    "process applies a batch, when the leader announces one (PostgreSQL) "
                    "or within 0.5 s from the tracking rows.")
    caches.register("diary_days", kept_days,
                    "Changed only by its child's one writer in this process; behind only "
                    "when another process wrote to the day, which the event store's "
                    "version check catches before anything is saved.")
    return caches


def bootstrap(settings: Settings, clock: Any = None, background: bool = False) -> Services:
    """Build the services; `background` starts the projections' catch-up thread."""
    logging.getLogger("journey").setLevel(settings.log_level)
    db = open_database(settings)
    keys = ChildKeys(db, settings.master_key)
    with db.startup_lock():  # the library creates its tables: one process at a time
        app = JourneyService(
            env=event_store_env(settings),
            mapper_factory=lambda transcoder: SealingMapper(transcoder, keys),
        )
        events_db = db if db.kind == "postgres" else SQLiteDatabase(settings.events_path)
        make_log_append_only(events_db, app.recorder.events_table_name)
        if events_db is not db:
            events_db.close()
    kept_days = KeptDays()
    app.given(WriterLocks(), SaveTogether(app.save), kept_days)
    app.email_key = hmac.new(settings.master_key, b"journey email index",
                             hashlib.sha256).digest()
    projections = Projections(app, db, all_projections())
    projections.setup()
    media = media_store_for(settings)
    lookups = Lookups(db, projections)
    caches = register_caches(Caches(db), keys, lookups, kept_days)
    clock = clock or SystemClock()
    ledger = ErasureLedger(settings.ledger_path)
    keys.ledger, keys.clock = ledger, clock
    services = Services(settings, app, db, keys, projections, media, clock,
                        Credentials(db), AccessLog(db), lookups, caches,
                        jobs=Jobs(db), ledger=ledger)
    projections.catch_up()
    if background:
        follow_the_leader(services)
        projections.start()
        services.access_log.start()
        caches.start()
        services.media_sweeper = media_sweeper(
            lambda: services.sweep_orphan_media() if services.leads() else 0)
        services.media_sweeper.start()
        services.audit_heads = Repeating("audit-heads", AUDIT_HEAD_EVERY,
                                         lambda: services.leads()
                                         and checkpoint_if_grown(services), now=True)
        services.audit_heads.start()
    return services


def follow_the_leader(services: Services) -> None:
    """Elect one leader among the processes on this store: it applies the views in the
    background and runs the background work; on PostgreSQL, views' progress and
    followers' writes are announced (see `adapters.leadership`)."""
    from adapters.leadership import WRITTEN, Announcements, Leadership

    projections = services.projections
    services.leadership = Leadership(
        services.settings, on_change=lambda leading: projections.wake() if leading else None)
    projections.leads = services.leadership.leads
    if services.db.kind == "postgres":
        projections.announce = True
        projections.wake_leader = lambda: services.db.query_one(
            f"SELECT pg_notify('{WRITTEN}', '')")
        services.announcements = Announcements(
            services.settings.database_url, projections.observe,
            lambda: projections.wake() if services.leads() else None)
        services.announcements.start()
    services.leadership.start()
