"""The erasure ledger: every erasure, end of legal retention, key shredding and setting
deletion, one JSON line each, in a file kept apart from the backups.

`journey restore` re-applies the whole ledger to what it restored, so a backup taken
before an erasure never brings the erased child back. Lines hold ids and key purposes
only, never personal data. Appends are one `write` of a whole line under an exclusive
lock and flushed to disk before the erasure goes on, from any number of processes.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

KINDS = ("child_erased", "retention_ended", "key_shredded", "setting_deleted")


class ErasureLedger:
    """Appends to and reads the ledger file (created, mode 0600, on first use)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def record(self, kind: str, at: datetime, **ids: Any) -> None:
        """Append one entry: its kind, when, and the ids it is about."""
        if kind not in KINDS:
            raise ValueError(f"unknown erasure ledger entry {kind!r}")
        line = json.dumps({"kind": kind, "at": at.isoformat(),
                           **{name: str(value) for name, value in ids.items()}},
                          sort_keys=True) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            os.write(descriptor, line.encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)  # releases the lock

    def entries(self) -> list[dict[str, str]]:
        """Every entry, oldest first (a torn last line from a crash is skipped)."""
        if not self.path.exists():
            return []
        found = []
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict) and entry.get("kind") in KINDS:
                    found.append(entry)
        return found
