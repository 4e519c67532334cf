"""The MediaStore port and its implementations: the filesystem and S3/MinIO.

Objects are keyed `"{setting_id}/{media_id}"` (`media_key`): two UUIDs, so nothing
in a key or a path reveals a child's name, and a key can never escape the store.

A store writes from a file-like reader (`read(n)`) without holding the whole object
in memory, and either keeps the complete object or nothing: the filesystem writes a
partial file and renames it into place; S3 uploads in parts (multipart upload) and
aborts the upload when the reader fails. `ChunkPipe` is the reader an HTTP upload
feeds chunk by chunk from the event loop while a worker thread writes to the store.

Serving on S3: the service proxies the bytes (with `Range`) rather than redirecting
to a presigned URL. A presigned URL is a bearer capability: for its minute anyone
holding it (a forwarded link, a shared screenshot of a URL) reads the photo with no
login, which the policy forbids ("not shared with anyone other than the account
holder"); the MinIO endpoint would also have to be reachable from parents' phones,
and every read would escape the service's access audit. Proxying streams in 256 KiB
pieces, so it costs the server bandwidth, not memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

from adapters.settings import S3Location, Settings

CHUNK = 256 * 1024
S3_PART_SIZE = 5 * 1024 * 1024  # the S3 minimum: memory stays low
S3_PARALLEL_PARTS = 2


def media_key(setting_id: UUID, media_id: UUID) -> str:
    """The object key of a media: setting id and media id, never a name."""
    return f"{UUID(str(setting_id))}/{UUID(str(media_id))}"


class UploadAborted(Exception):
    """The upload was abandoned (dropped connection, too large, wrong type)."""


class MediaStore:
    """Where photo and video bytes live, keyed by setting and media id."""

    kind = "abstract"

    def check(self) -> None:
        """Raise if the store cannot be reached."""

    def put(self, key: str, reader: BinaryIO | Any, length: int = -1,
            content_type: str = "application/octet-stream") -> None:
        """Write the object from `reader`; on any failure nothing is left under `key`."""
        raise NotImplementedError

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Write the object from a local file (which the store may consume)."""
        with open(path, "rb") as handle:
            self.put(key, handle, os.fstat(handle.fileno()).st_size, content_type)

    def size(self, key: str) -> int | None:
        """The object's size in bytes, or None if there is no such object."""
        raise NotImplementedError

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes from `start` to `end` inclusive (to the end when None), in chunks."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        """Remove the object (every version); no error if it is not there."""
        raise NotImplementedError

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key under a prefix (tests, erasure and termination)."""
        raise NotImplementedError

    def stored_before(self, cutoff: datetime) -> list[str]:
        """The keys of objects last written before `cutoff` (the orphan sweep)."""
        raise NotImplementedError


class FilesystemMediaStore(MediaStore):
    """Media under the data directory: `<root>/<setting_id>/<media_id>`."""

    kind = "filesystem"

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.incoming = self.root / ".incoming"
        self.incoming.mkdir(exist_ok=True)

    def check(self) -> None:
        if not self.root.is_dir():
            raise OSError(f"{self.root} is not a directory")

    def _path(self, key: str) -> Path:
        setting, _, media = key.partition("/")
        return self.root / str(UUID(setting)) / str(UUID(media))

    def put(self, key: str, reader: Any, length: int = -1,
            content_type: str = "application/octet-stream") -> None:
        target = self._path(key)
        partial = self.incoming / f"{uuid.uuid4()}.part"
        try:
            with open(partial, "wb") as out:
                shutil.copyfileobj(reader, out, CHUNK)
            target.parent.mkdir(exist_ok=True)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        target = self._path(key)
        target.parent.mkdir(exist_ok=True)
        try:
            os.replace(path, target)  # same filesystem: no copy
        except OSError:
            super().put_file(key, path, content_type)

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except (OSError, ValueError):
            return None

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        with open(self._path(key), "rb") as handle:
            handle.seek(start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                chunk = handle.read(CHUNK if remaining is None else min(CHUNK, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def delete(self, key: str) -> None:
        with contextlib.suppress(ValueError):
            self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> list[str]:
        found = []
        for path in self.root.glob("*/*"):
            if path.parent.name.startswith("."):
                continue
            key = f"{path.parent.name}/{path.name}"
            if key.startswith(prefix):
                found.append(key)
        return sorted(found)

    def stored_before(self, cutoff: datetime) -> list[str]:
        limit = cutoff.timestamp()
        found = []
        for key in self.keys():
            with contextlib.suppress(OSError, ValueError):
                if self._path(key).stat().st_mtime < limit:
                    found.append(key)
        return found


class S3MediaStore(MediaStore):
    """Media in an S3/MinIO bucket, created if missing; large objects go up in parts."""

    kind = "s3"

    def __init__(self, location: S3Location, part_size: int = S3_PART_SIZE,
                 parallel_parts: int = S3_PARALLEL_PARTS, region: str = "us-east-1"):
        from minio import Minio

        self.location = location
        self.bucket = location.bucket
        self.part_size = part_size
        self.parallel_parts = parallel_parts
        self.client = Minio(location.endpoint, access_key=location.access_key,
                            secret_key=location.secret_key, secure=location.secure,
                            region=region)
        self._bucket_ready = False
        self._lock = threading.Lock()
        with contextlib.suppress(Exception):  # reported by /health; retried on first use
            self._ensure_bucket()

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with self._lock:
            if not self.client.bucket_exists(self.bucket):
                from minio.error import S3Error

                try:
                    self.client.make_bucket(self.bucket)
                except S3Error as error:
                    if error.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
            self._bucket_ready = True

    def check(self) -> None:
        self._bucket_ready = False
        self._ensure_bucket()

    def put(self, key: str, reader: Any, length: int = -1,
            content_type: str = "application/octet-stream") -> None:
        self._ensure_bucket()
        self.client.put_object(
            self.bucket, key, reader, length, content_type=content_type,
            part_size=self.part_size if length < 0 or length > self.part_size else 0,
            num_parallel_uploads=self.parallel_parts,
        )

    def size(self, key: str) -> int | None:
        from minio.error import S3Error

        self._ensure_bucket()
        try:
            return self.client.stat_object(self.bucket, key).size
        except S3Error as error:
            if error.code in ("NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"):
                return None
            raise

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        length = 0 if end is None else end - start + 1
        response = self.client.get_object(self.bucket, key, offset=start, length=length)
        try:
            yield from response.stream(CHUNK)
        finally:
            response.close()
            response.release_conn()

    def delete(self, key: str) -> None:
        self._ensure_bucket()
        versions = list(self.client.list_objects(self.bucket, prefix=key,
                                                 include_version=True))
        removed = False
        for item in versions:
            if item.object_name == key:
                self.client.remove_object(self.bucket, key, version_id=item.version_id)
                removed = True
        if not removed:
            self.client.remove_object(self.bucket, key)

    def keys(self, prefix: str = "") -> list[str]:
        self._ensure_bucket()
        return sorted(o.object_name for o in self.client.list_objects(
            self.bucket, prefix=prefix, recursive=True))

    def stored_before(self, cutoff: datetime) -> list[str]:
        self._ensure_bucket()
        return sorted(o.object_name for o in self.client.list_objects(
            self.bucket, recursive=True)
            if o.last_modified is not None and o.last_modified < cutoff)


def media_store_for(settings: Settings) -> MediaStore:
    """The store the settings ask for: S3/MinIO when `JOURNEY_MEDIA_URL` is set."""
    if settings.media is not None:
        return S3MediaStore(settings.media)
    return FilesystemMediaStore(settings.media_dir)


def spool_dir(settings: Settings, store: MediaStore) -> Path:
    """Where uploads are spooled before they are stored (on the store's disk if local)."""
    if isinstance(store, FilesystemMediaStore):
        return store.incoming
    path = settings.data_dir / "incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


def temp_file(directory: Path, suffix: str = ".part") -> Path:
    """A fresh, empty temporary file's path in `directory`."""
    handle, name = tempfile.mkstemp(dir=directory, suffix=suffix)
    os.close(handle)
    return Path(name)


_EOF = object()


class ChunkPipe:
    """A file-like reader fed with chunks from another thread, counting and hashing.

    The feeder calls `feed(chunk)` (blocking when `max_chunks` are waiting),
    `close()` at the end, or `fail()` to make the reader raise `UploadAborted`
    (so the store leaves nothing behind). `sha256` and `size` describe what was read.
    """

    def __init__(self, max_chunks: int = 32):
        self._queue: queue.Queue = queue.Queue(max_chunks)
        self._buffer = bytearray()
        self._eof = False
        self._hash = hashlib.sha256()
        self.size = 0
        self.consumer_done = threading.Event()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def try_feed(self, chunk: bytes) -> bool:
        """Queue a chunk without waiting; False if the queue is full."""
        try:
            self._queue.put_nowait(chunk)
            return True
        except queue.Full:
            return False

    def feed(self, chunk: Any) -> None:
        """Queue a chunk, waiting for room; gives up if the reader has stopped."""
        while True:
            if self.consumer_done.is_set():
                raise UploadAborted("the store stopped reading")
            try:
                self._queue.put(chunk, timeout=0.2)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """No more chunks: the reader sees the end."""
        self.feed(_EOF)

    def fail(self) -> None:
        """Abandon: the reader raises `UploadAborted` at its next read."""
        with contextlib.suppress(UploadAborted):
            self.feed(UploadAborted("upload abandoned"))

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (all that remain when negative); b"" at the end."""
        while not self._eof and (size < 0 or len(self._buffer) < size):
            item = self._queue.get()
            if item is _EOF:
                self._eof = True
            elif isinstance(item, BaseException):
                self._eof = True
                raise item
            else:
                self._buffer += item
        if size < 0 or size >= len(self._buffer):
            data = bytes(self._buffer)
            self._buffer.clear()
        else:
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
        self._hash.update(data)
        self.size += len(data)
        return data
