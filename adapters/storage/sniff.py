"""What the first bytes of an upload say it is (magic numbers), whatever the client declared.

Only the types the service keeps are recognised: JPEG, PNG and HEIC photos, MP4 and
QuickTime videos. `sniff(head)` needs the first `HEAD_BYTES` bytes (fewer if the
body is shorter) and answers the content type the bytes carry, or None.
"""

from __future__ import annotations

HEAD_BYTES = 64

PHOTO_TYPES = {"image/jpeg", "image/png", "image/heic"}
VIDEO_TYPES = {"video/mp4", "video/quicktime"}
ACCEPTED_TYPES = PHOTO_TYPES | VIDEO_TYPES

# ISO base media file format (`ftyp` box) brands, by family.
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
               b"mif1", b"msf1"}
QUICKTIME_BRANDS = {b"qt  "}
MP4_BRANDS = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8",
              b"iso9", b"mp41", b"mp42", b"mp71", b"avc1", b"M4V ", b"M4VH", b"M4VP",
              b"MSNV", b"dash", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"f4v ", b"mmp4"}
# Old QuickTime files start with a top-level atom other than `ftyp`.
QUICKTIME_FIRST_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def kind_of(content_type: str) -> str | None:
    """`photo` or `video` for an accepted content type, else None."""
    if content_type in PHOTO_TYPES:
        return "photo"
    if content_type in VIDEO_TYPES:
        return "video"
    return None


def normalise(content_type: str | None) -> str:
    """The bare, lower-case media type of a `Content-Type` header (parameters dropped)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _ftyp_brands(head: bytes) -> tuple[bytes, set[bytes]] | None:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    end = min(len(head), size if size >= 16 else 16)
    compatible = {head[i:i + 4] for i in range(16, end - 3, 4)}
    return major, compatible


def sniff(head: bytes) -> str | None:
    """The content type the first bytes carry, among the accepted ones; None otherwise."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    brands = _ftyp_brands(head)
    if brands is not None:
        major, compatible = brands
        if major in HEIF_BRANDS:
            return "image/heic"
        if major in QUICKTIME_BRANDS:
            return "video/quicktime"
        if major in MP4_BRANDS:
            return "video/mp4"
        if compatible & HEIF_BRANDS and not compatible & MP4_BRANDS:
            return "image/heic"
        if compatible & MP4_BRANDS:
            return "video/mp4"
        if compatible & QUICKTIME_BRANDS:
            return "video/quicktime"
        return None
    if len(head) >= 8 and head[4:8] in QUICKTIME_FIRST_ATOMS:
        return "video/quicktime"
    return None


def matches(declared: str, head: bytes) -> bool:
    """Whether the bytes are of the declared (accepted) type."""
    return declared in ACCEPTED_TYPES and sniff(head) == declared
