"""Videos lose their location and device metadata on the way to the store, streamed.

MP4 and QuickTime files are sequences of boxes ("atoms"). Phones write the place
(`©xyz`, `com.apple.quicktime.location.ISO6709`), the make, model and software in
the user-data (`udta`) and metadata (`meta`) boxes of the movie (`moov`) and of its
tracks, and sometimes XMP in a top-level `uuid` box. `VideoScrubber` passes the
file through box by box: the `moov` box (a few megabytes at most, wherever it sits)
is buffered, and every `udta` and `meta` box in it, its tracks included, becomes a
`free` box of the same size with its content zeroed; top-level `udta`, `meta` and
`uuid` boxes likewise. No offset moves, so the media data (`mdat`) is copied
untouched: nothing is re-encoded.

What is kept: the audio and video streams and the movie, track and media headers,
including their creation times (the capture date), durations, dimensions and
rotation. What goes: titles, comments, GPS position, device make, model, software
and any other user data.
"""

from __future__ import annotations

import struct

from domain.errors import UnsupportedMedia

DROPPED = {b"udta", b"meta"}
DROPPED_TOP = DROPPED | {b"uuid"}
CONTAINERS = {b"moov", b"trak", b"edts", b"mdia", b"minf"}
MAX_MOOV = 64 * 1024 * 1024


def scrub_boxes(buf: bytearray, start: int, end: int) -> None:
    """In place: blank every udta/meta box between start and end, descending containers."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", buf, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size = struct.unpack_from(">Q", buf, pos + 8)[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        if kind in DROPPED:
            buf[pos + 4:pos + 8] = b"free"
            buf[pos + header:pos + size] = bytes(size - header)
        elif kind in CONTAINERS:
            scrub_boxes(buf, pos + header, pos + size)
        pos += size


class VideoScrubber:
    """Feed the upload's chunks in order; get back the chunks to store."""

    def __init__(self) -> None:
        self._pending = bytearray()  # an incomplete box header, or a buffered moov
        self._moov_size = 0  # > 0 while buffering a moov of that size
        self._pass = 0  # bytes of the current box still to pass through
        self._zero = False  # pass them as zeros
        self._to_end = False  # the current box runs to the end of the file

    def feed(self, chunk: bytes) -> list[bytes]:
        out: list[bytes] = []
        view = memoryview(chunk)
        while len(view):
            if self._to_end:
                out.append(bytes(len(view)) if self._zero else bytes(view))
                break
            if self._pass:
                n = min(self._pass, len(view))
                out.append(bytes(n) if self._zero else bytes(view[:n]))
                self._pass -= n
                view = view[n:]
                continue
            if self._moov_size:
                n = min(self._moov_size - len(self._pending), len(view))
                self._pending += view[:n]
                view = view[n:]
                if len(self._pending) == self._moov_size:
                    header = 16 if struct.unpack_from(">I", self._pending)[0] == 1 else 8
                    scrub_boxes(self._pending, header, len(self._pending))
                    out.append(bytes(self._pending))
                    self._pending = bytearray()
                    self._moov_size = 0
                continue
            need = 16 if len(self._pending) >= 4 and self._pending[:4] == b"\0\0\0\1" else 8
            n = min(need - len(self._pending), len(view))
            self._pending += view[:n]
            view = view[n:]
            if len(self._pending) < 8:
                continue
            size = struct.unpack_from(">I", self._pending)[0]
            if size == 1 and len(self._pending) < 16:
                continue
            self._start_box(out)
        return out

    def _start_box(self, out: list[bytes]) -> None:
        header = bytes(self._pending)
        size, kind = struct.unpack_from(">I4s", header)
        if size == 1:
            size = struct.unpack_from(">Q", header, 8)[0]
        if size != 0 and size < len(header):
            raise UnsupportedMedia("The video's boxes are malformed; send it as recorded.")
        self._pending = bytearray()
        if kind == b"moov" and size != 0:
            if size > MAX_MOOV:
                raise UnsupportedMedia("The video's metadata is too large to be checked.")
            self._pending = bytearray(header)
            self._moov_size = size
            if size == len(header):
                out.append(header)
                self._pending = bytearray()
                self._moov_size = 0
            return
        self._zero = kind in DROPPED_TOP
        if self._zero:
            header = header[:4] + b"free" + header[8:]
        out.append(header)
        if size == 0:
            self._to_end = True
        else:
            self._pass = size - len(header)

    def finish(self) -> bytes:
        """Whatever is left at the end (a truncated box is stored as received)."""
        rest = bytes(self._pending)
        self._pending = bytearray()
        return rest
