"""Upload rate limit: at most `UPLOADS_PER_MINUTE` uploads per account per minute, in
each process (a sliding window); beyond that `429` with `Retry-After`."""

from __future__ import annotations

import math
import time
from collections import deque
from uuid import UUID

UPLOADS_PER_MINUTE = 30
WINDOW_SECONDS = 60.0


class UploadThrottle:
    """The recent uploads of each account, in this process."""

    def __init__(self, count: int = UPLOADS_PER_MINUTE, seconds: float = WINDOW_SECONDS):
        self.count = count
        self.seconds = seconds
        self._recent: dict[UUID, deque[float]] = {}

    def retry_after(self, account_id: UUID, now: float | None = None) -> int | None:
        """None if this account may upload now (and counts the upload), else the seconds
        to wait."""
        now = time.monotonic() if now is None else now
        recent = self._recent.setdefault(account_id, deque())
        while recent and recent[0] <= now - self.seconds:
            recent.popleft()
        if len(recent) >= self.count:
            return max(1, math.ceil(recent[0] + self.seconds - now))
        recent.append(now)
        if len(self._recent) > 10_000:  # forget idle accounts
            for key in [k for k, v in self._recent.items() if not v]:
                del self._recent[key]
        return None
