"""The event store's configuration: the library's SQLite or PostgreSQL persistence module."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from adapters.settings import Settings


def event_store_env(settings: Settings) -> dict[str, str]:
    """The eventsourcing environment for the configured backend."""
    if settings.database_url is None:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(settings.events_path),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    parts = urlsplit(settings.database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parts.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_POOL_SIZE": "10",
        "POSTGRES_MAX_OVERFLOW": "20",
        "POSTGRES_CONN_MAX_AGE": "600",
        "POSTGRES_LOCK_TIMEOUT": "10",
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "30",
    }
