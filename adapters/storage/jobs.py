"""Long jobs (a setting's termination) and their progress, in their own table, so that
any process can read them (`GET /jobs/{id}`) and resume them after a restart."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from storage.database import Database

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS jobs (
        job_id TEXT PRIMARY KEY,
        setting_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        step TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
]

WAITING, RUNNING, DONE, CANCELLED = "waiting", "running", "done", "cancelled"
FIELDS = ("job_id", "setting_id", "kind", "status", "step", "done", "total", "created_at",
          "updated_at")


class Jobs:
    """Create, update and read jobs."""

    def __init__(self, db: Database):
        self.db = db
        db.create_tables(SCHEMA)

    def create(self, job_id: UUID, setting_id: UUID, kind: str, at: datetime) -> None:
        self.db.execute(
            "INSERT INTO jobs (job_id, setting_id, kind, status, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (job_id) DO NOTHING",
            (str(job_id), str(setting_id), kind, WAITING, at.isoformat(), at.isoformat()))

    def update(self, job_id: UUID | str, at: datetime, status: str, step: str | None = None,
               done: int = 0, total: int = 0) -> None:
        self.db.execute(
            "UPDATE jobs SET status = ?, step = ?, done = ?, total = ?, updated_at = ? "
            "WHERE job_id = ?", (status, step, done, total, at.isoformat(), str(job_id)))

    def get(self, job_id: UUID | str) -> dict[str, Any] | None:
        row = self.db.query_one(f"SELECT {', '.join(FIELDS)} FROM jobs WHERE job_id = ?",
                                (str(job_id),))
        return dict(zip(FIELDS, row, strict=True)) if row else None
