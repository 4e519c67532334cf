"""Both media stores: complete objects or nothing, byte-exact reads and ranges."""

from __future__ import annotations

import io
import os
import uuid

import pytest

from adapters.storage.media import (
    ChunkPipe,
    FilesystemMediaStore,
    S3MediaStore,
    UploadAborted,
    media_key,
)
from tests.media_support import s3_location, s3_server  # noqa: F401  (fixture)


@pytest.fixture(params=["filesystem", "s3"])
def store(request, tmp_path):
    if request.param == "filesystem":
        return FilesystemMediaStore(tmp_path / "media")
    server = request.getfixturevalue("s3_server")
    return S3MediaStore(s3_location(server), part_size=5 * 1024 * 1024)


def key() -> str:
    return media_key(uuid.uuid4(), uuid.uuid4())


def test_bucket_or_directory_is_ready(store):
    store.check()
    assert store.keys() == []


def test_write_read_byte_exact_and_ranges(store):
    data = os.urandom(300_000)
    k = key()
    store.put(k, io.BytesIO(data), len(data), "image/jpeg")
    assert store.size(k) == len(data)
    assert b"".join(store.read(k)) == data
    assert b"".join(store.read(k, 1000, 1999)) == data[1000:2000]
    assert b"".join(store.read(k, len(data) - 10)) == data[-10:]
    assert store.keys() == [k]
    store.delete(k)
    assert store.size(k) is None and store.keys() == []


def test_a_streamed_multipart_upload_through_the_pipe(store):
    import threading

    data = os.urandom(11 * 1024 * 1024 + 123)  # three parts on S3
    pipe = ChunkPipe()
    k = key()
    writer = threading.Thread(target=store.put, args=(k, pipe, -1, "video/mp4"))
    writer.start()
    for i in range(0, len(data), 65536):
        pipe.feed(data[i:i + 65536])
    pipe.close()
    writer.join(30)
    assert b"".join(store.read(k)) == data
    import hashlib

    assert pipe.sha256 == hashlib.sha256(data).hexdigest() and pipe.size == len(data)


def test_an_abandoned_upload_leaves_nothing(store):
    import threading

    pipe = ChunkPipe()
    k = key()
    failures = []

    def put():
        try:
            store.put(k, pipe, -1, "video/mp4")
        except UploadAborted as error:
            failures.append(error)

    writer = threading.Thread(target=put)
    writer.start()
    for _ in range(120):  # 7.5 MB: more than one part
        pipe.feed(os.urandom(65536))
    pipe.fail()
    writer.join(30)
    assert failures
    assert store.keys() == []
    assert store.size(k) is None
    if isinstance(store, S3MediaStore):
        uploads = store.client._list_multipart_uploads(store.bucket)
        assert not list(uploads.uploads)
    else:
        assert list(store.incoming.iterdir()) == []


def test_keys_never_hold_anything_but_ids():
    with pytest.raises(ValueError):
        media_key("Ada Lovelace", uuid.uuid4())
