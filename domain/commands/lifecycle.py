"""Children leaving, erasure, setting termination."""

from __future__ import annotations

from domain.commands.base import Commands


class LifecycleCommands(Commands):
    """Children leaving, erasure, setting termination."""
