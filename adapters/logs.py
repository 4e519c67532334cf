"""Structured logs: one JSON object per line, each with the request id of the request
it was written for (`-` outside requests). Never children's personal data."""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def request_id_from(header: bytes | None) -> str:
    """The caller's `X-Request-Id` when it is sane (letters, digits, `._:-`, at most 128
    characters), else a fresh one: an id from a proxy links our lines with its own."""
    if header:
        text = header.decode("latin-1").strip()
        if SANE_REQUEST_ID.fullmatch(text):
            return text
    return uuid.uuid4().hex

RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Render a record and its `extra` fields as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get() or "-",
        }
        entry.update({k: v for k, v in vars(record).items() if k not in RESERVED})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("journey")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
