"""The composition root: builds the object graph from the settings. Nothing else
reads the environment."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from adapters.clock import SystemClock
from adapters.settings import Settings
from adapters.storage.access_log import AccessLog
from adapters.storage.child_keys import ChildKeys
from adapters.storage.credentials import Credentials
from adapters.storage.event_store import event_store_env
from adapters.storage.kept_days import KeptDays
from adapters.storage.media import MediaStore, media_store_for
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

    @property
    def backend(self) -> str:
        return self.db.kind

    def close(self) -> None:
        self.projections.stop()
        self.access_log.stop()
        self.app.close()
        self.db.close()


def open_database(settings: Settings) -> Database:
    if settings.database_url:
        return PostgresDatabase(settings.database_url)
    return SQLiteDatabase(settings.journey_db_path)


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
    app.given(WriterLocks(), SaveTogether(app.save), KeptDays())
    projections = Projections(app, db, all_projections())
    projections.setup()
    media = media_store_for(settings)
    services = Services(settings, app, db, keys, projections, media, clock or SystemClock(),
                        Credentials(db), AccessLog(db), Lookups(db, projections))
    projections.catch_up()
    if background:
        projections.start()
        services.access_log.start()
    return services
