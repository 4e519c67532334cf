"""`journey backup` and `journey restore`: the database, the media store and the
wrapped data keys, with every erasure since re-applied on restore.

A backup directory holds `manifest.json`, the database (SQLite: `journey.sqlite` and
`events.sqlite` copied with SQLite's online backup; PostgreSQL: `database.dump` from
`pg_dump`, custom format), `media/` (every object, by key) and, unless `--keys-out`
puts them elsewhere, `keys/child_keys.jsonl`: the wrapped data keys, which are left
out of the database copy so that the two can be stored apart. Destroying a backup's
keys file crypto-shreds everything sealed in that backup. The master key is in no
backup: keep it in its secret store.

SQLite is copied views first, then the log, then the keys: the views are never ahead
of the log they were built from (a restore catches them up), and every key a logged
event needs is there.

`restore` puts all of it back (the server stopped), then re-applies the whole erasure
ledger (`adapters.storage.erasure_ledger`), which no backup contains, in order:
children erased since are erased again (the erasure event, views, media, kept
replies, their journey key), retention that ended is ended again, every key shredded
since is shredded again, deleted settings lose their logins and media again; then the
deletions are made final on disk as an erasure makes them. Re-applying an entry
twice changes nothing, so the whole ledger is applied and no clock comparison can
skip one.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from adapters.settings import ConfigError, Settings

log = logging.getLogger("journey.backup")

FORMAT = 1
KEYS_FILE = "child_keys.jsonl"
Say = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def backup(services: Any, out: Path, keys_out: Path | None = None,
           say: Say = _quiet) -> dict:
    """Write a backup of the running data store into `out` (created; must be empty)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"--out {out} is not empty; back up into a new directory")
    out.mkdir(mode=0o700, parents=True, exist_ok=True)  # personal data: the owner only
    keys_dir = Path(keys_out) if keys_out else out / "keys"
    settings = services.settings
    taken_at = datetime.now(UTC)
    if services.db.kind == "sqlite":
        _sqlite_copy(settings.journey_db_path, out / "journey.sqlite", drop_keys=True)
        _sqlite_copy(settings.events_path, out / "events.sqlite")
        say("database copied (SQLite online backup)")
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--exclude-table-data=child_keys",
              "--file", str(out / "database.dump"), settings.database_url])
        say("database dumped (pg_dump)")
    keys = _export_keys(services.db, keys_dir)
    say(f"{keys} wrapped keys written to {keys_dir}")
    objects = 0
    for key in services.media.keys(prefix=""):
        target = out / "media" / key
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            for chunk in services.media.read(key):
                handle.write(chunk)
        objects += 1
    say(f"{objects} media objects copied")
    manifest = {"format": FORMAT, "taken_at": taken_at.isoformat(),
                "backend": services.db.kind, "media_objects": objects, "keys": keys,
                "keys_apart": keys_out is not None,
                "ledger_entries": len(services.ledger.entries())}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    log.info("backup written", extra={"objects": objects, "keys": keys})
    return manifest


def restore(settings: Settings, source: Path, keys_from: Path | None = None,
            say: Say = _quiet) -> dict:
    """Put a backup back into the configured data store (no server may be running), then
    re-apply the erasure ledger. Returns what was done."""
    source = Path(source)
    manifest = _manifest(source)
    backend = "postgres" if settings.database_url else "sqlite"
    if manifest["backend"] != backend:
        raise ConfigError(f"the backup in {source} is of a {manifest['backend']} store; "
                          f"JOURNEY_DATABASE_URL configures {backend}")
    keys_file = (Path(keys_from) if keys_from else source / "keys") / KEYS_FILE
    if not keys_file.exists():
        raise ConfigError(f"no {KEYS_FILE} in {keys_file.parent}: give --keys-from DIR")
    from adapters.storage.erasure_ledger import ErasureLedger

    entries = ErasureLedger(settings.ledger_path).entries()
    if backend == "sqlite":
        for name in ("journey.sqlite", "events.sqlite"):
            target = settings.data_dir / name
            for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
                stale.unlink(missing_ok=True)
            _sqlite_copy(source / name, target)
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--dbname", settings.database_url, str(source / "database.dump")])
    say("database restored")

    from adapters.bootstrap import bootstrap

    services = bootstrap(settings)
    try:
        keys = _import_keys(services.db, keys_file)
        say(f"{keys} wrapped keys restored")
        objects = _restore_media(services.media, source / "media")
        say(f"{objects} media objects restored")
        applied = reapply(services, entries)
        say(f"{applied} erasure ledger entries re-applied")
    finally:
        services.close()
    return {"keys": keys, "media_objects": objects, "ledger_entries": applied,
            "taken_at": manifest["taken_at"]}


def reapply(services: Any, entries: list[dict[str, str]]) -> int:
    """Apply every ledger entry again to a restored store; each is idempotent."""
    from adapters.erasure import erase_child, view_tables
    from domain.actor import MANAGER, Actor
    from domain.errors import DomainError

    def erase(child_id: UUID, setting_id: UUID) -> None:
        with contextlib.suppress(DomainError, AggregateNotFoundError):  # not in the backup
            journey = services.app.repository.get(child_id)
            if not getattr(journey, "erased", True):  # erased in the backup already
                erase_child(services, child_id, journey.name,
                            Actor(UUID(int=0), setting_id, (MANAGER,)))

    ledger, services.ledger, services.keys.ledger = services.ledger, _Unrecorded(), None
    try:
        _reapply(services, entries, erase)
    finally:
        services.ledger, services.keys.ledger = ledger, ledger
    if entries:
        services.db.purge_deleted(view_tables(services) + ["child_keys", "credentials",
                                                           "sessions"])
    return len(entries)


class _Unrecorded:
    """The ledger while it is re-applied: what it already says is not written again."""

    def record(self, *args: Any, **kwargs: Any) -> None:
        pass


def _reapply(services: Any, entries: list[dict[str, str]],
             erase: Callable[[UUID, UUID], None]) -> None:
    from adapters.erasure import end_retention
    from adapters.storage.forget import forget_child
    from domain.errors import DomainError
    from projections.lifecycle import accounts_of_setting, children_of_setting

    for entry in entries:
        kind = entry["kind"]
        if kind == "child_erased":
            erase(UUID(entry["child_id"]), UUID(entry["setting_id"]))
        elif kind == "retention_ended":
            with contextlib.suppress(DomainError, AggregateNotFoundError):
                end_retention(services, UUID(entry["child_id"]))
        elif kind == "key_shredded":
            services.keys.shred(UUID(entry["owner_id"]), entry["purpose"])
            forget_child(services, UUID(entry["owner_id"]))
        elif kind == "setting_deleted":
            setting_id = UUID(entry["setting_id"])
            for child_id in children_of_setting(services.db, setting_id):
                erase(child_id, setting_id)
            for account_id in accounts_of_setting(services.db, setting_id):
                services.credentials.forget(account_id)
            for key in services.media.keys(f"{setting_id}/"):
                services.media.delete(key)


def _sqlite_copy(source: Path, target: Path, drop_keys: bool = False) -> None:
    """SQLite's online backup of `source` into a new file `target`; `drop_keys` leaves
    the wrapped keys out (they go to their own file), with nothing left in free pages."""
    if not source.exists():
        raise ConfigError(f"{source} does not exist: nothing to back up or restore")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        if drop_keys:
            dst.execute("DELETE FROM child_keys")
            dst.commit()
            dst.execute("VACUUM")
    finally:
        dst.close()
        src.close()
    os.chmod(target, 0o600)


def _export_keys(db: Any, keys_dir: Path) -> int:
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    rows = db.query("SELECT child_id, purpose, wrapped FROM child_keys "
                    "ORDER BY child_id, purpose")
    path = keys_dir / KEYS_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        for owner, purpose, wrapped in rows:
            handle.write(json.dumps({"owner_id": owner, "purpose": purpose,
                                     "wrapped": base64.b64encode(bytes(wrapped)).decode()})
                         + "\n")
    return len(rows)


def _import_keys(db: Any, path: Path) -> int:
    """The backup's keys, all of them: re-erasing a child reads its name and birth date
    (for the records the law keeps) before the ledger shreds its key again."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            key = json.loads(line)
            rows.append((key["owner_id"], key["purpose"], base64.b64decode(key["wrapped"])))
    with db.transaction() as tx:
        tx.execute("DELETE FROM child_keys")
        tx.executemany("INSERT INTO child_keys (child_id, purpose, wrapped) VALUES (?, ?, ?)",
                       rows)
    return len(rows)


def _restore_media(store: Any, root: Path) -> int:
    if not root.is_dir():
        return 0
    count = 0
    for setting_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(setting_dir.iterdir()):
            with open(path, "rb") as handle:
                store.put(f"{setting_dir.name}/{path.name}", handle,
                          os.fstat(handle.fileno()).st_size)
            count += 1
    return count


def _manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / "manifest.json").read_text())
    except (OSError, ValueError):
        raise ConfigError(f"{source} holds no readable manifest.json: not a backup "
                          f"written by `journey backup`") from None
    if manifest.get("format") != FORMAT:
        raise ConfigError(f"{source} is a backup of format {manifest.get('format')}; "
                          f"this version reads format {FORMAT}")
    return manifest


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise ConfigError(f"{command[0]} is not installed (PostgreSQL's client tools)")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise ConfigError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")
