"""Photos lose their location and device identifiers, and keep their capture date.

Nothing is re-compressed: the image data is copied byte for byte and only the
metadata containers are rewritten.

- JPEG: the segments are walked; the EXIF `APP1` is parsed with Pillow and
  rewritten keeping only an allow-list (capture date and time with its offset,
  orientation, resolution, colour space, pixel size); XMP, MPF, IPTC/Photoshop,
  comments and any bytes after the end of image (phone trailers, secondary
  images) are dropped. ICC profiles and the Adobe colour-transform marker stay.
- PNG: the `eXIf` chunk is rewritten with the same allow-list (Pillow); text
  chunks are dropped except `Creation Time`.
- HEIC (Pillow cannot write it without re-encoding): the EXIF block is scrubbed
  in place, with the same allow-list, inside the file (same length, so no box
  offset moves): dropped entries are removed from their directory and their
  values zeroed, the GPS directory and the thumbnail are zeroed. XMP packets are
  blanked with spaces.

`strip_photo(source, target, content_type)` returns the capture time it kept
(ISO text, with an offset when the camera recorded one) or None.
"""

from __future__ import annotations

import mmap
import re
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

from PIL import Image
from PIL.ExifTags import IFD

# Tags kept in IFD0 and in the Exif sub-directory; everything else goes.
KEEP_IFD0 = {
    0x0112,  # Orientation
    0x011A, 0x011B, 0x0128,  # X/YResolution, ResolutionUnit
    0x0132,  # DateTime
    0x0213,  # YCbCrPositioning
    0x8769,  # pointer to the Exif sub-directory
}
KEEP_EXIF = {
    0x9000,  # ExifVersion
    0x9003, 0x9004,  # DateTimeOriginal, DateTimeDigitized
    0x9010, 0x9011, 0x9012,  # OffsetTime, OffsetTimeOriginal, OffsetTimeDigitized
    0x9290, 0x9291, 0x9292,  # SubSecTime*
    0xA001, 0xA002, 0xA003,  # ColorSpace, PixelXDimension, PixelYDimension
}

EXIF_HEADER = b"Exif\x00\x00"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_DATE = re.compile(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$")
_OFFSET = re.compile(r"^[+-]\d{2}:\d{2}$")


def strip_photo(source: Path, target: Path, content_type: str) -> str | None:
    """Write `source` without location/device metadata to `target`; the capture time kept."""
    with open(source, "rb") as handle:
        size = handle.seek(0, 2)
        if size == 0:
            target.write_bytes(b"")
            return None
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data, \
                open(target, "wb") as out:
            if content_type == "image/jpeg":
                return _strip_jpeg(data, out)
            if content_type == "image/png":
                return _strip_png(data, out)
            if content_type == "image/heic":
                return _strip_in_place(data, out)
            raise ValueError(f"not a photo type: {content_type}")


# --- EXIF through Pillow -------------------------------------------------------------

def filtered_exif(raw: bytes) -> tuple[bytes | None, str | None]:
    """EXIF (`Exif\\0\\0` + TIFF) keeping only the allow-list, and the capture time."""
    source = Image.Exif()
    try:
        source.load(raw)
        exif_ifd = dict(source.get_ifd(IFD.Exif))
    except Exception:  # unreadable EXIF: drop it all
        return None, None
    kept = Image.Exif()
    for tag, value in source.items():
        if tag in KEEP_IFD0 and tag != IFD.Exif:
            kept[tag] = value
    sub = {tag: value for tag, value in exif_ifd.items() if tag in KEEP_EXIF}
    if sub:
        kept.get_ifd(IFD.Exif).update(sub)
    captured = capture_time(sub.get(0x9003) or kept.get(0x0132), sub.get(0x9011))
    if not len(kept) and not sub:
        return None, captured
    try:
        return kept.tobytes(), captured
    except Exception:
        return None, captured


def capture_time(stamp: object, offset: object = None) -> str | None:
    """`YYYY:MM:DD HH:MM:SS` (+ offset) as ISO 8601 text, or None."""
    if not isinstance(stamp, str):
        return None
    match = _DATE.match(stamp.strip().rstrip("\x00"))
    if not match:
        return None
    y, mo, d, h, mi, s = match.groups()
    text = f"{y}-{mo}-{d}T{h}:{mi}:{s}"
    if isinstance(offset, str) and _OFFSET.match(offset.strip().rstrip("\x00")):
        text += offset.strip().rstrip("\x00")
    return text


# --- JPEG ----------------------------------------------------------------------------

def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _strip_jpeg(data: mmap.mmap, out: BinaryIO) -> str | None:
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    out.write(b"\xff\xd8")
    pos, end = 2, len(data)
    captured: str | None = None
    exif_written = False
    while pos < end:
        if data[pos] != 0xFF:
            raise ValueError("JPEG marker expected")
        while pos < end and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            break
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # end of image: anything after it is dropped
            out.write(b"\xff\xd9")
            return captured
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            out.write(bytes([0xFF, marker]))
            continue
        length = struct.unpack(">H", data[pos:pos + 2])[0]
        payload = data[pos + 2:pos + length]
        segment_end = pos + length
        keep = True
        if marker == 0xE1:
            keep = False
            if payload.startswith(EXIF_HEADER) and not exif_written:
                exif, captured = filtered_exif(payload)
                if exif is not None and len(exif) + 2 <= 0xFFFF:
                    out.write(_segment(0xE1, exif))
                exif_written = True
        elif marker == 0xE2:
            keep = payload.startswith(b"ICC_PROFILE\x00")
        elif 0xE3 <= marker <= 0xEF:
            keep = marker == 0xEE and payload.startswith(b"Adobe")
        elif marker == 0xFE:
            keep = False
        if keep:
            out.write(data[pos - 2:segment_end])
        pos = segment_end
        if marker == 0xDA:  # start of scan: copy entropy-coded data up to the next marker
            scan_start = pos
            while True:
                found = data.find(b"\xff", pos)
                if found < 0 or found + 1 >= end:
                    out.write(data[scan_start:end])
                    return captured
                following = data[found + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos = found + 2
                    continue
                if following == 0xFF:
                    pos = found + 1
                    continue
                out.write(data[scan_start:found])
                pos = found
                break
    return captured


# --- PNG -----------------------------------------------------------------------------

def _chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def _strip_png(data: mmap.mmap, out: BinaryIO) -> str | None:
    signature = b"\x89PNG\r\n\x1a\n"
    if data[:8] != signature:
        raise ValueError("not a PNG")
    out.write(signature)
    pos, end = 8, len(data)
    captured: str | None = None
    while pos + 8 <= end:
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        chunk_end = pos + 12 + length
        payload = data[pos + 8:pos + 8 + length]
        if kind == b"eXIf":
            exif, found = filtered_exif(EXIF_HEADER + payload)
            captured = captured or found
            if exif is not None:
                out.write(_chunk(b"eXIf", exif[len(EXIF_HEADER):]))
        elif kind in (b"tEXt", b"zTXt", b"iTXt"):
            keyword = payload.split(b"\x00", 1)[0]
            if keyword == b"Creation Time":
                out.write(data[pos:chunk_end])
        else:
            out.write(data[pos:chunk_end])
        pos = chunk_end
        if kind == b"IEND":
            break
    return captured


# --- HEIC (and anything else carrying TIFF EXIF): scrub in place --------------------

_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_XMP = re.compile(rb"<x:xmpmeta.*?</x:xmpmeta>", re.DOTALL)


def _strip_in_place(data: mmap.mmap, out: BinaryIO) -> str | None:
    buf = bytearray(data)
    captured = None
    for match in re.finditer(re.escape(EXIF_HEADER) + rb"(MM\x00\x2a|II\x2a\x00)", buf):
        found = scrub_tiff(buf, match.start() + len(EXIF_HEADER))
        captured = captured or found
    for match in _XMP.finditer(buf):
        buf[match.start():match.end()] = b" " * (match.end() - match.start())
    out.write(buf)
    return captured


def scrub_tiff(buf: bytearray, base: int) -> str | None:
    """Remove, in place, every EXIF entry outside the allow-list from the TIFF at `base`."""
    order = "<" if buf[base:base + 2] == b"II" else ">"
    limit = len(buf)

    def u16(at: int) -> int:
        return struct.unpack_from(order + "H", buf, at)[0]

    def u32(at: int) -> int:
        return struct.unpack_from(order + "I", buf, at)[0]

    def zero(start: int, length: int) -> None:
        start, stop = max(start, 0), min(start + length, limit)
        if start < stop:
            buf[start:stop] = bytes(stop - start)

    def value_of(entry: int) -> tuple[int, int, int]:
        kind, count = u16(entry + 2), u32(entry + 4)
        size = _TYPE_SIZES.get(kind, 1) * count
        return kind, size, (base + u32(entry + 8)) if size > 4 else entry + 8

    def read_text(entry: int) -> str | None:
        kind, size, at = value_of(entry)
        if kind != 2 or at + size > limit:
            return None
        return bytes(buf[at:at + size]).split(b"\x00", 1)[0].decode("ascii", "replace")

    def wipe_ifd(offset: int, depth: int = 0) -> None:
        start = base + offset
        if offset == 0 or start + 2 > limit or depth > 4:
            return
        count = u16(start)
        for i in range(count):
            entry = start + 2 + 12 * i
            if entry + 12 > limit:
                break
            tag = u16(entry)
            kind, size, at = value_of(entry)
            if tag in (IFD.GPSInfo, IFD.Exif, IFD.Interop) and kind in (4, 13):
                wipe_ifd(u32(entry + 8), depth + 1)
            if tag == 0x0201:  # thumbnail offset; its length is tag 0x0202
                length = next((u32(start + 2 + 12 * j + 8) for j in range(count)
                               if u16(start + 2 + 12 * j) == 0x0202), 0)
                zero(base + u32(entry + 8), length)
            if size > 4:
                zero(at, size)
        zero(start, 2 + 12 * count + 4)

    def filter_ifd(offset: int, keep: set[int], texts: dict[int, str | None]) -> None:
        start = base + offset
        if start + 2 > limit:
            return
        count = u16(start)
        kept: list[bytes] = []
        for i in range(count):
            entry = start + 2 + 12 * i
            if entry + 12 > limit:
                break
            tag = u16(entry)
            if tag in (0x9003, 0x9011, 0x0132):
                texts[tag] = read_text(entry)
            if tag in keep:
                kept.append(bytes(buf[entry:entry + 12]))
                if tag == IFD.Exif:
                    filter_ifd(u32(entry + 8), KEEP_EXIF, texts)
                continue
            kind, size, at = value_of(entry)
            if tag in (IFD.GPSInfo, IFD.Interop) and kind in (4, 13):
                wipe_ifd(u32(entry + 8))
            if size > 4:
                zero(at, size)
        next_ifd = start + 2 + 12 * count
        following = u32(next_ifd) if next_ifd + 4 <= limit else 0
        zero(start, 2 + 12 * count + 4)
        struct.pack_into(order + "H", buf, start, len(kept))
        for i, raw in enumerate(kept):
            buf[start + 2 + 12 * i:start + 14 + 12 * i] = raw
        if keep is KEEP_IFD0 and following:  # IFD1, the thumbnail, goes entirely
            wipe_ifd(following)

    texts: dict[int, str | None] = {}
    try:
        filter_ifd(u32(base + 4), KEEP_IFD0, texts)
    except struct.error:
        return None
    return capture_time(texts.get(0x9003) or texts.get(0x0132), texts.get(0x9011))
