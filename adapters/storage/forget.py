"""The one place that drops every in-memory copy of a child's data in this process.

Erasure and the end of legal retention call `forget_child` after the views and keys
have changed: the child's unwrapped keys here, and every registered cache (diary days,
lookups, sessions, keys) in every process through the cache register.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.personal_data import JOURNEY_KEY, RETENTION_KEY


def forget_child(services: Any, child_id: UUID) -> None:
    """Drop what every process keeps in memory about the child."""
    services.keys.forget(child_id, (JOURNEY_KEY, RETENTION_KEY))
    services.caches.forget_child(child_id, services.clock())
