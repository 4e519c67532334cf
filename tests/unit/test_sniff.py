"""Magic numbers: the bytes must carry the declared type."""

from __future__ import annotations

from adapters.storage.sniff import kind_of, matches, normalise, sniff
from tests.media_support import box, jpeg_with_gps, mp4_bytes, png_bytes


def test_photos_are_recognised_from_their_bytes():
    assert sniff(jpeg_with_gps()[:64]) == "image/jpeg"
    assert sniff(png_bytes()[:64]) == "image/png"
    heic = box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic")
    assert sniff(heic) == "image/heic"


def test_videos_are_recognised_from_their_bytes():
    assert sniff(mp4_bytes()[:64]) == "video/mp4"
    assert sniff(mp4_bytes(brand=b"qt  ")[:64]) == "video/quicktime"
    assert sniff(box(b"wide", b"") + box(b"mdat", b"xx")) == "video/quicktime"


def test_text_pretending_to_be_a_photo_does_not_match():
    text = b"Hello, this is not a photo at all.\n" * 3
    assert sniff(text) is None
    assert not matches("image/jpeg", text)
    assert not matches("image/png", jpeg_with_gps()[:64])
    assert matches("image/jpeg", jpeg_with_gps()[:64])


def test_other_types_are_not_accepted():
    assert sniff(b"%PDF-1.7\n" + b"x" * 60) is None
    assert sniff(b"GIF89a" + b"\x00" * 60) is None
    assert kind_of("image/gif") is None
    assert kind_of("video/mp4") == "video"
    assert kind_of("image/heic") == "photo"
    assert normalise("Image/JPEG; charset=binary") == "image/jpeg"
