"""The portfolio a family keeps when a child leaves: a printable PDF and a zip.

Both are built from the views as the parents see them: every approved observation in
date order (its text, EYFS areas, next steps, comments, and photos), and the
assessments. The PDF embeds each photo scaled down (never the original); the zip holds
the original files with readable names (`2026-03-03 painting.jpg`), an `index.html`
that opens offline and `journey.json` (shape below). Neither sits in memory whole:
entries are read a page at a time, photos one at a time; the zip is written as it is
sent, the PDF to a temporary file outside the data directory (its scaled photos too, read one at
a time while the pages are drawn), then sent and deleted.

`journey.json`: `{"child": {"child_id", "name", "date_of_birth"}, "observations": [
{"observation_id", "observed_on", "text", "framework", "next_steps", "author",
"approved_at", "comments", "media": [{"media_id", "file", "kind"}]}],
"assessments": [{"period", "kind", "judgements", "summary", "recorded_at"}]}`.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from adapters.storage.media import media_key
from projections.lifecycle import portfolio_assessments, portfolio_child, portfolio_entries

PHOTO_PIXELS = 640  # the longest side of a photo in the PDF
CHUNK = 256 * 1024
Progress = Callable[[int], None]


def _quiet(done: int) -> None:
    pass


class Portfolio:
    """One child's portfolio, read from the views and the media store."""

    def __init__(self, services: Any, child_id: UUID):
        self.services = services
        self.child_id = child_id
        self.child = portfolio_child(services.db, child_id)

    def entries(self) -> Iterator[dict]:
        """Approved observations, oldest first, each with its media and comments."""
        yield from portfolio_entries(self.services.db, self.child_id)

    def assessments(self) -> list[dict]:
        return portfolio_assessments(self.services.db, self.child_id)

    def media_bytes(self, media_id: str) -> Iterator[bytes]:
        key = media_key(UUID(self.child["setting_id"]), UUID(media_id))
        yield from self.services.media.read(key)

    def media_kind(self, media_id: str) -> tuple[str, str]:
        """(kind, content type) of a media, from the media view."""
        from projections.media import media_row

        row = media_row(self.services.db, UUID(media_id)) or {}
        return row.get("kind", "photo"), row.get("content_type", "image/jpeg")


def file_names(entry: dict, kinds: dict[str, tuple[str, str]], taken: set[str]) -> list[str]:
    """Readable, unique names for an entry's media: `2026-03-03 painting.jpg`."""
    words = re.findall(r"[A-Za-z0-9]+", entry.get("text") or "")[:4]
    stem = f"{entry['observed_on']} {' '.join(words).lower() or 'observation'}"
    names = []
    for media_id in entry["media"]:
        extension = {"image/png": "png", "image/heic": "heic", "image/webp": "webp",
                     "video/mp4": "mp4", "video/quicktime": "mov"}.get(
            kinds[media_id][1], "jpg")
        name, number = f"{stem}.{extension}", 1
        while name in taken:
            number += 1
            name = f"{stem} {number}.{extension}"
        taken.add(name)
        names.append(name)
    return names


class _Pipe(io.RawIOBase):
    """What the zip writer writes, drained by the generator that sends it."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def zip_stream(portfolio: Portfolio, progress: Progress = _quiet) -> Iterator[bytes]:
    """The zip, written while it is sent: originals, `index.html`, `journey.json`."""
    pipe = _Pipe()
    archive = zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
    taken: set[str] = set()
    observations = []
    for number, entry in enumerate(portfolio.entries(), 1):
        kinds = {m: portfolio.media_kind(m) for m in entry["media"]}
        names = file_names(entry, kinds, taken)
        for media_id, name in zip(entry["media"], names, strict=True):
            with archive.open(f"media/{name}", "w", force_zip64=True) as out:
                for chunk in portfolio.media_bytes(media_id):
                    out.write(chunk)
                    if len(pipe.parts) > 8:
                        yield pipe.drain()
            yield pipe.drain()
        entry["media"] = [{"media_id": m, "file": f"media/{n}", "kind": kinds[m][0]}
                          for m, n in zip(entry["media"], names, strict=True)]
        observations.append(entry)
        progress(number)
    document = {"child": _child_fields(portfolio.child), "observations": observations,
                "assessments": portfolio.assessments()}
    archive.writestr("journey.json", json.dumps(document, indent=1, ensure_ascii=False))
    archive.writestr("index.html", index_html(document))
    archive.close()
    yield pipe.drain()


def _child_fields(child: dict) -> dict:
    return {k: child[k] for k in ("child_id", "name", "date_of_birth")}


def index_html(document: dict) -> str:
    """A page that opens offline from the unpacked zip."""
    e = html.escape
    child = document["child"]
    parts = [f"<!doctype html><meta charset='utf-8'><title>{e(child['name'])}</title>",
             "<style>body{font-family:sans-serif;max-width:50em;margin:auto}"
             "img{max-width:100%}</style>",
             f"<h1>{e(child['name'])}'s Learning Journey</h1>"]
    for entry in document["observations"]:
        parts.append(f"<h2>{e(entry['observed_on'])}</h2><p>{e(entry['text'] or '')}</p>")
        areas = ", ".join(_area(ref) for ref in entry.get("framework") or [])
        if areas:
            parts.append(f"<p><em>{e(areas)}</em></p>")
        if entry.get("next_steps"):
            parts.append(f"<p>Next steps: {e(entry['next_steps'])}</p>")
        for media in entry["media"]:
            if media["kind"] == "photo":
                parts.append(f"<img src='{e(media['file'])}' alt=''>")
            else:
                parts.append(f"<video controls src='{e(media['file'])}'></video>")
        for comment in entry.get("comments") or []:
            parts.append(f"<blockquote>{e(comment['text'])}</blockquote>")
    if document["assessments"]:
        parts.append("<h2>Assessments</h2>")
        for item in document["assessments"]:
            parts.append(f"<h3>{e(item['period'])}</h3><p>{e(item.get('summary') or '')}</p>")
    return "\n".join(parts)


def _area(ref: dict) -> str:
    return " / ".join(str(v).replace("_", " ") for v in ref.values() if v)


def pdf_file(portfolio: Portfolio, progress: Progress = _quiet) -> str:
    """Write the printable journal to a temporary file; its path (the caller deletes it)."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Image as Picture
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    handle, path = tempfile.mkstemp(prefix="portfolio-", suffix=".pdf")
    os.close(handle)
    scaled_photos = tempfile.TemporaryDirectory(prefix="portfolio-photos-")
    child = portfolio.child
    story: list[Any] = [Paragraph(html.escape(f"{child['name']}'s Learning Journey"),
                                  styles["Title"])]
    width = A4[0] - 40 * mm

    def text(value: str, style: str = "BodyText") -> Paragraph:
        return Paragraph(html.escape(value), styles[style])

    for number, entry in enumerate(portfolio.entries(), 1):
        story.append(text(entry["observed_on"], "Heading2"))
        story.append(text(entry["text"] or ""))
        areas = ", ".join(_area(ref) for ref in entry.get("framework") or [])
        if areas:
            story.append(text(f"EYFS: {areas}", "Italic"))
        if entry.get("next_steps"):
            story.append(text(f"Next steps: {entry['next_steps']}"))
        for media_id in entry["media"]:
            if portfolio.media_kind(media_id)[0] != "photo":
                story.append(text("(a video: in the zip download)", "Italic"))
                continue
            original = io.BytesIO(b"".join(portfolio.media_bytes(media_id)))
            scaled = os.path.join(scaled_photos.name, f"{media_id}.jpg")
            with Image.open(original) as image:  # the original leaves memory here
                image.thumbnail((PHOTO_PIXELS, PHOTO_PIXELS))
                image.convert("RGB").save(scaled, "JPEG", quality=70)
                ratio = image.height / image.width
            shown = min(width, 120 * mm / ratio)
            # lazy=2: read from the file when drawn, closed after
            story.append(Picture(scaled, width=shown, height=shown * ratio, lazy=2))
        for comment in entry.get("comments") or []:
            who = (comment.get("author") or {}).get("name") or "A parent"
            story.append(text(f"{who}: {comment['text']}", "Italic"))
        story.append(Spacer(1, 6 * mm))
        progress(number)
    assessments = portfolio.assessments()
    if assessments:
        story.append(text("Assessments", "Heading1"))
        for item in assessments:
            story.append(text(f"{item['period']} ({item['kind']})", "Heading3"))
            for area, judgement in (item["judgements"] or {}).items():
                story.append(text(f"{area.replace('_', ' ')}: {judgement}"))
            if item.get("summary"):
                story.append(text(item["summary"]))
    try:
        SimpleDocTemplate(path, pagesize=A4, title=f"{child['name']}'s Learning Journey",
                          leftMargin=20 * mm, rightMargin=20 * mm).build(story)
    finally:
        scaled_photos.cleanup()
    return path


def file_chunks(path: str) -> Iterator[bytes]:
    """The file's bytes in chunks; the file is deleted once sent (or abandoned)."""
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)
