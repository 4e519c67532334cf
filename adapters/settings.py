"""Configuration from the environment, read in one place.

A bad value stops start-up with one sentence naming the variable (`ConfigError`).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

MB = 1024 * 1024
LOOPBACK = ("127.0.0.0/8", "::1/128")


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names the variable."""


@dataclass(frozen=True)
class S3Location:
    """Where media go on S3/MinIO."""

    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    secure: bool


@dataclass(frozen=True)
class Settings:
    """Everything the service is configured with."""

    data_dir: Path
    database_url: str | None
    media: S3Location | None
    master_key: bytes
    photo_max_bytes: int
    video_max_bytes: int
    log_level: str = "INFO"
    http_threads: int = 32  # worker threads for the HTTP handlers that block
    trusted_proxies: tuple[str, ...] = ()  # addresses whose X-Forwarded-For is believed
    idempotency_lease: int = 60  # seconds a running request holds its Idempotency-Key
    return_after_closing_minutes: int = 120  # tablets signed in, damage reported, late
    tablet_idle_minutes: int = 15  # a staff session on a tablet ends after this idle time
    metrics_allow: tuple[str, ...] = LOOPBACK  # who may read /metrics without the token
    metrics_token: str | None = None  # `Authorization: Bearer` token for /metrics
    ready_max_lag: int = 1000  # /health/ready: the most notifications a view may lag
    erasure_ledger: Path | None = None  # JOURNEY_ERASURE_LEDGER; default in the data dir
    audit_key: bytes = b""  # the Ed25519 seed signing the audit log's tree heads

    @property
    def events_path(self) -> Path:
        return self.data_dir / "events.sqlite"

    @property
    def journey_db_path(self) -> Path:
        return self.data_dir / "journey.sqlite"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def ledger_path(self) -> Path:
        """The erasure ledger (kept apart from backups; see `journey restore`)."""
        return self.erasure_ledger or self.data_dir / "erasure-ledger.jsonl"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and check every `JOURNEY_*` variable."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("JOURNEY_DATA_DIR") or "var")
        try:
            # children's photos and records: the service's own account only
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(
                f"JOURNEY_DATA_DIR={data_dir} cannot be used as the data directory: "
                f"{error.strerror}."
            ) from None
        database_url = env.get("JOURNEY_DATABASE_URL") or None
        if database_url is not None:
            parts = urlsplit(database_url)
            if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
                raise ConfigError(
                    "JOURNEY_DATABASE_URL must look like "
                    "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE."
                )
        media = _s3_location(env.get("JOURNEY_MEDIA_URL") or None)
        master_key = _master_key(env.get("JOURNEY_MASTER_KEY") or None, data_dir)
        audit_key = _master_key(env.get("JOURNEY_AUDIT_KEY") or None, data_dir,
                                "JOURNEY_AUDIT_KEY", "audit.key")
        photo = _megabytes(env, "JOURNEY_PHOTO_MAX_MB", 25)
        video = _megabytes(env, "JOURNEY_VIDEO_MAX_MB", 1024)
        level = (env.get("JOURNEY_LOG_LEVEL") or "INFO").upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError("JOURNEY_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR.")
        threads = _count(env, "JOURNEY_HTTP_THREADS", 32)
        proxies = _addresses(env, "JOURNEY_TRUSTED_PROXIES")
        lease = _count(env, "JOURNEY_IDEMPOTENCY_LEASE_SECONDS", 60)
        after_closing = _count(env, "JOURNEY_RETURN_AFTER_CLOSING_MINUTES", 120, most=720)
        tablet_idle = _count(env, "JOURNEY_TABLET_IDLE_MINUTES", 15, most=720)
        metrics_allow = _addresses(env, "JOURNEY_METRICS_ALLOW") or LOOPBACK
        metrics_token = env.get("JOURNEY_METRICS_TOKEN") or None
        if metrics_token is not None and not re.fullmatch(r"[!-~]{24,256}", metrics_token):
            raise ConfigError("JOURNEY_METRICS_TOKEN must be 24 to 256 printable ASCII "
                              "characters, no spaces (e.g. `openssl rand -hex 16`).")
        max_lag = _count(env, "JOURNEY_READY_MAX_LAG", 1000, most=10_000_000)
        ledger = env.get("JOURNEY_ERASURE_LEDGER") or None
        return cls(data_dir, database_url, media, master_key, photo, video, level, threads,
                   proxies, lease, after_closing, tablet_idle, metrics_allow, metrics_token,
                   max_lag, Path(ledger) if ledger else None, audit_key)


def _addresses(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of IP addresses or networks (CIDR)."""
    found = []
    for part in (env.get(name) or "").split(","):
        if not part.strip():
            continue
        try:
            found.append(str(ipaddress.ip_network(part.strip(), strict=False)))
        except ValueError:
            raise ConfigError(
                f"{name} must be a comma-separated list of IP addresses or networks "
                f"(e.g. 10.0.0.5,10.1.0.0/16), not {part.strip()!r}."
            ) from None
    return tuple(found)


def _count(env: Mapping[str, str], name: str, default: int, most: int = 512) -> int:
    raw = env.get(name)
    if not raw:
        return default
    if not raw.strip().isdigit() or not 1 <= int(raw) <= most:
        raise ConfigError(f"{name} must be a whole number from 1 to {most}, not {raw!r}.")
    return int(raw)


def _megabytes(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default * MB
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if value <= 0:
        raise ConfigError(f"{name} must be a positive number of megabytes, not {raw!r}.")
    return int(value * MB)


def _s3_location(url: str | None) -> S3Location | None:
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("s3", "s3+https") or not parts.hostname or not parts.username:
        raise ConfigError(
            "JOURNEY_MEDIA_URL must look like s3://ACCESS_KEY:SECRET@HOST:PORT/BUCKET "
            "(s3+https:// for TLS)."
        )
    bucket = parts.path.strip("/")
    if not bucket or "/" in bucket:
        raise ConfigError("JOURNEY_MEDIA_URL must name exactly one bucket after the host.")
    endpoint = parts.hostname + (f":{parts.port}" if parts.port else "")
    return S3Location(
        endpoint=endpoint,
        access_key=unquote(parts.username),
        secret_key=unquote(parts.password or ""),
        bucket=bucket,
        secure=parts.scheme == "s3+https",
    )


def _master_key(value: str | None, data_dir: Path, name: str = "JOURNEY_MASTER_KEY",
                file: str = "master.key") -> bytes:
    """A 32-byte key from the variable `name`, else from (or generated into) `file`
    under the data directory, mode 0600."""
    if value is not None:
        key = _decode_key(value)
        if key is None:
            raise ConfigError(
                f"{name} must be 32 bytes in base64 (44 characters) or hex (64)."
            )
        return key
    path = data_dir / file
    if path.exists():
        key = _decode_key(path.read_text().strip())
        if key is None:
            raise ConfigError(
                f"{name} is not set and {path} does not hold a valid key."
            )
        return key
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(key).decode() + "\n")
    return key


def _decode_key(text: str) -> bytes | None:
    text = text.strip()
    try:
        if len(text) == 64:
            return bytes.fromhex(text)
        key = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return None
    return key if len(key) == 32 else None
