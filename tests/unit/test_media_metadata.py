"""Photos lose GPS and device identifiers but keep their capture date; videos lose
their user data and metadata boxes; the image and media data are not re-encoded."""

from __future__ import annotations

import io
import struct

from PIL import Image
from PIL.ExifTags import IFD

from adapters.storage.photo_metadata import scrub_tiff, strip_photo
from adapters.storage.video_metadata import VideoScrubber
from tests.media_support import CAPTURED, jpeg_with_gps, mp4_bytes


def _scan_data(jpeg: bytes) -> bytes:
    start = jpeg.index(b"\xff\xda")
    return jpeg[start:jpeg.rindex(b"\xff\xd9")]


def test_jpeg_loses_gps_and_device_and_keeps_capture_date(tmp_path):
    original = jpeg_with_gps()
    source, target = tmp_path / "in.jpg", tmp_path / "out.jpg"
    source.write_bytes(original + b"TRAILER with 51.5N")
    captured = strip_photo(source, target, "image/jpeg")
    stripped = target.read_bytes()
    assert captured == "2024-05-01T09:59:58+01:00"
    exif = Image.open(io.BytesIO(stripped)).getexif()
    assert exif.get_ifd(IFD.GPSInfo) == {}
    assert IFD.GPSInfo not in exif
    assert 0x010F not in exif and 0x0110 not in exif
    assert exif.get_ifd(IFD.Exif)[0x9003] == CAPTURED
    for secret in (b"iPhone", b"Apple", b"SERIAL-0042", b"xmpmeta", b"TRAILER"):
        assert secret not in stripped
    assert _scan_data(stripped) == _scan_data(original)  # not re-compressed
    Image.open(io.BytesIO(stripped)).load()


def test_png_exif_is_filtered(tmp_path):
    img = Image.new("RGB", (4, 4), "green")
    exif = Image.Exif()
    exif[0x0110] = "Pixel 8"
    exif.get_ifd(IFD.Exif)[0x9003] = CAPTURED
    exif.get_ifd(IFD.GPSInfo).update({1: "N", 2: (1.0, 2.0, 3.0)})
    buffer = io.BytesIO()
    img.save(buffer, "PNG", exif=exif)
    source, target = tmp_path / "in.png", tmp_path / "out.png"
    source.write_bytes(buffer.getvalue())
    assert strip_photo(source, target, "image/png") == "2024-05-01T09:59:58"
    kept = Image.open(target)
    kept.load()
    assert b"Pixel 8" not in target.read_bytes()
    assert kept.getexif().get_ifd(IFD.GPSInfo) == {}


def test_tiff_scrub_in_place_keeps_length_and_date():
    exif = Image.Exif()
    exif[0x0110] = "Galaxy S24 Ultra"
    exif.get_ifd(IFD.Exif).update({0x9003: CAPTURED, 0xA431: "SER-77"})
    exif.get_ifd(IFD.GPSInfo).update({1: "S", 2: (33.0, 51.0, 54.0)})
    raw = exif.tobytes()
    blob = bytearray(b"....heic box bytes...." + raw + b"....")
    before = len(blob)
    found = scrub_tiff(blob, 22 + 6)
    assert len(blob) == before
    assert found == "2024-05-01T09:59:58"
    assert b"Galaxy" not in blob and b"SER-77" not in blob
    again = Image.Exif()
    again.load(bytes(blob[22:22 + len(raw)]))
    assert again.get_ifd(IFD.GPSInfo) == {}
    assert again.get_ifd(IFD.Exif)[0x9003] == CAPTURED


def test_video_loses_location_and_device_whatever_the_chunking():
    original = mp4_bytes()
    for chunk in (1, 7, 100, 65536):
        scrubber = VideoScrubber()
        pieces = []
        for i in range(0, len(original), chunk):
            pieces.extend(scrubber.feed(original[i:i + chunk]))
        pieces.append(scrubber.finish())
        out = b"".join(pieces)
        assert len(out) == len(original)
        assert b"+51.5083" not in out and b"iPhone" not in out and b"Apple" not in out
        assert b"udta" not in out and b"meta" not in out
        mdat = original.index(b"mdat")
        assert out[:mdat + 4100] == original[:mdat + 4100]  # media untouched
        moov = out.index(b"moov")
        assert struct.unpack(">I", out[moov - 4:moov])[0] == len(out) - moov + 4
        assert struct.pack(">I", 3_800_000_000) in out  # creation time (capture date) kept
