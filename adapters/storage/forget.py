"""The one place that drops every in-memory copy of a child's data in this process.

Erasure and the end of legal retention call `forget_child` after the views and keys
have changed: the diary days kept decoded by the application, the small facts kept by
the lookups, and the child's unwrapped keys. (When the cache registry of the
concurrency work lands, this delegates to its `forget_child`, which reaches every
process.)
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.personal_data import JOURNEY_KEY, RETENTION_KEY


def forget_child(services: Any, child_id: UUID) -> None:
    """Drop what this process keeps in memory about the child."""
    services.keys.forget(child_id, (JOURNEY_KEY, RETENTION_KEY))
    services.lookups.forget_all()
    services.app.__dict__.pop("_diary_day_repository", None)  # the kept diary days
