"""Uploads under attack (issue 16 F13 and the stalled-body finding): decompression bombs
refused before decoding, uploads rate-limited per account, a stalled body timed out
with 408, a dropped upload logged as what it is."""

from __future__ import annotations

import struct
import zlib

import anyio
import pytest

from adapters.http import middleware
from adapters.http.throttle import UploadThrottle
from tests.media_support import jpeg_with_gps, png_bytes

pytestmark = pytest.mark.storage


def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def _jpeg_claiming(width: int, height: int) -> bytes:
    real = jpeg_with_gps()
    at = real.index(b"\xff\xc0")
    return real[:at + 5] + struct.pack(">HH", height, width) + real[at + 9:]


def _upload(nursery, body: bytes, content_type: str):
    return nursery.client.post("/media", content=body, headers={
        **nursery.manager.headers, "Content-Type": content_type})


@pytest.mark.parametrize(("body", "content_type"), [
    (_png_claiming(50_000, 50_000), "image/png"),
    (_jpeg_claiming(65_000, 65_000), "image/jpeg"),
])
def test_a_decompression_bomb_is_refused_before_decoding(nursery, body, content_type):
    r = _upload(nursery, body, content_type)
    assert r.status_code == 413 and "pixels" in r.json()["detail"], r.text
    assert nursery.services.media.keys() == []


def test_an_ordinary_photo_is_still_taken(nursery):
    assert _upload(nursery, jpeg_with_gps(), "image/jpeg").status_code == 201
    assert _upload(nursery, png_bytes(), "image/png").status_code == 201


def test_uploads_are_rate_limited_per_account(nursery):
    nursery.client.app.state.upload_throttle = UploadThrottle(count=2)
    for _ in range(2):
        assert _upload(nursery, png_bytes(), "image/png").status_code == 201
    r = _upload(nursery, png_bytes(), "image/png")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1, r.text
    other = nursery.practitioner()
    r = nursery.client.post("/media", content=png_bytes(),
                            headers={**other.headers, "Content-Type": "image/png"})
    assert r.status_code == 201  # another account has its own allowance


def _raw(nursery, path: str, content_type: str, receive) -> list[dict]:
    sent: list[dict] = []
    headers = [(k.lower().encode(), v.encode()) for k, v in nursery.manager.headers.items()]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
             "server": ("testserver", 80),
             "headers": [*headers, (b"content-type", content_type.encode())]}

    async def send(message):
        sent.append(message)

    async def run():
        await nursery.client.app(scope, receive, send)

    anyio.run(run)
    return sent


def test_a_stalled_body_is_timed_out_with_408(nursery, monkeypatch):
    monkeypatch.setattr(middleware, "BODY_CHUNK_SECONDS", 0.2)
    first = [{"type": "http.request", "body": png_bytes()[:20], "more_body": True}]

    async def receive():
        if first:
            return first.pop()
        await anyio.sleep(60)  # the client never sends the rest

    sent = _raw(nursery, "/media", "image/png", receive)
    assert sent[0]["status"] == 408
    assert nursery.services.media.keys() == []


def test_a_dropped_upload_is_logged_as_dropped_not_as_our_fault(nursery, caplog):
    pieces = [{"type": "http.request", "body": png_bytes()[:20], "more_body": True},
              {"type": "http.disconnect"}]

    async def receive():
        return pieces.pop(0) if pieces else {"type": "http.disconnect"}

    sent = _raw(nursery, "/media", "image/png", receive)
    assert sent[0]["status"] == 400
    assert [r for r in caplog.records if r.getMessage() == "request body dropped by the client"]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
