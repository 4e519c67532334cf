"""A photo's width and height, read from its header without decoding it, so that a
decompression bomb (a small file claiming 50000 x 50000 pixels) is refused before
anything, here or on a parent's phone, tries to decode it."""

from __future__ import annotations

import struct
from pathlib import Path

HEAD = 4 * 1024 * 1024  # where the header boxes and segments of a photo sit
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def photo_pixels(path: Path, content_type: str) -> int | None:
    """Width x height the photo claims (the largest image it holds); None if unknown."""
    with open(path, "rb") as handle:
        data = handle.read(HEAD)
    sizes = {"image/png": _png, "image/jpeg": _jpeg, "image/heic": _heic}[content_type](data)
    return max((w * h for w, h in sizes), default=None)


def _png(data: bytes) -> list[tuple[int, int]]:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return []
    return [struct.unpack(">II", data[16:24])]


def _jpeg(data: bytes) -> list[tuple[int, int]]:
    sizes, pos = [], 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: the header is over
            break
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if marker in _SOF and pos + 9 <= len(data):
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            sizes.append((width, height))
        pos += 2 + length
    return sizes


def _heic(data: bytes) -> list[tuple[int, int]]:
    sizes, at = [], data.find(b"ispe")
    while at != -1 and at + 16 <= len(data):
        sizes.append(struct.unpack(">II", data[at + 8:at + 16]))
        at = data.find(b"ispe", at + 4)
    return sizes
