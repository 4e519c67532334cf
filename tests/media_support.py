"""Helpers of the media tests: generated photos and videos, and an S3 server on loopback
(moto's server mode). Without moto the S3 tests skip, except in CI where they fail."""

from __future__ import annotations

import io
import os
import struct
import uuid
from collections.abc import Iterator

import pytest
from PIL import Image
from PIL.ExifTags import IFD

from adapters.settings import S3Location

CAPTURED = "2024:05:01 09:59:58"


def jpeg_with_gps(size: int = 64) -> bytes:
    """A JPEG with GPS, device make/model/serial, XMP and a capture date."""
    img = Image.new("RGB", (size, size), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 15 Pro"
    exif[0x0112] = 1
    exif[0x0132] = "2024:05:01 10:00:00"
    exif.get_ifd(IFD.Exif).update({0x9003: CAPTURED, 0x9011: "+01:00",
                                   0xA431: "SERIAL-0042"})
    exif.get_ifd(IFD.GPSInfo).update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W",
                                      4: (0.0, 7.0, 39.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=90)
    data = out.getvalue()
    xmp = (b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><exif:GPSLatitude>51,30N"
           b"</exif:GPSLatitude></x:xmpmeta>")
    segment = b"\xff\xe1" + struct.pack(">H", len(xmp) + 2) + xmp
    return data[:2] + segment + data[2:]


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG")
    return out.getvalue()


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload) + 8) + kind + payload


def mp4_bytes(media: int = 4096, brand: bytes = b"isom") -> bytes:
    """A small MP4-shaped file: ftyp, mdat, then a moov with a GPS `©xyz` in udta."""
    ftyp = box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")
    mdat = box(b"mdat", bytes(range(256)) * (media // 256))
    mvhd = box(b"mvhd", b"\x00" * 4 + struct.pack(">I", 3_800_000_000) + b"\x00" * 92)
    udta = box(b"udta", box(b"\xa9xyz", b"\x00\x12\x15\xc7+51.5083-000.1278/"))
    meta = box(b"meta", b"\x00" * 4 + box(b"keys", b"com.apple.quicktime.model iPhone"))
    trak = box(b"trak", box(b"tkhd", b"\x00" * 84) + box(b"udta", box(b"\xa9mak", b"Apple")))
    return ftyp + mdat + box(b"moov", mvhd + trak + udta + meta)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[tuple[str, int]]:
    """An S3 server on 127.0.0.1 (moto), for the whole session."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:  # pragma: no cover
        if os.environ.get("CI"):
            pytest.fail("CI is set but moto[server] is not installed: S3 must be tested")
        pytest.skip("moto[server] is not installed")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield server.get_host_and_port()
    server.stop()


def s3_location(server: tuple[str, int]) -> S3Location:
    """A fresh bucket (created by the store) on the loopback server."""
    host, port = server
    return S3Location(endpoint=f"{host}:{port}", access_key="journey", secret_key="secret",
                      bucket=f"media-{uuid.uuid4().hex[:12]}", secure=False)


def s3_url(server: tuple[str, int]) -> str:
    where = s3_location(server)
    return f"s3://{where.access_key}:{where.secret_key}@{where.endpoint}/{where.bucket}"
