"""HTTP routes: media. `POST /media` streams an upload to the store; `GET /media/{id}`
streams it back (with `Range`) to those allowed to see it.

Upload, in order: the declared `Content-Type` must be one we keep (else `415`); the
declared `Content-Length`, if any, within the kind's limit (else `413` before reading);
`X-Children` must name children of the setting (a parent: only their own; else
`400`). The body is then read chunk by chunk: the first bytes must carry the declared
type (magic numbers; else `415`), and the running count must stay within the limit
(else `413`). Photos are spooled to a temporary file (at most the photo limit, on
disk), stripped of location and device metadata, and stored; videos go straight to
the store through a bounded pipe (a few megabytes in memory whatever their size).
Whatever goes wrong (a limit, a wrong type, a dropped connection, a refused
command), the partial object is removed and no event is recorded. The event is
recorded only once the object is complete in the store.

Download: the bytes are proxied from the store, on S3 too (see
`adapters.storage.media` for why not a presigned redirect), with
`Cache-Control: private, no-store`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import anyio
import msgspec
from litestar import Request, Response, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.response import Stream

from adapters.bootstrap import Services
from adapters.http import replies
from adapters.http.errors import TooManyAttempts, problem
from adapters.http.throttle import UPLOADS_PER_MINUTE, UploadThrottle
from adapters.metrics import count_upload
from adapters.storage.media import (
    ChunkPipe,
    UploadAborted,
    media_key,
    spool_dir,
    temp_file,
)
from adapters.storage.photo_metadata import strip_photo
from adapters.storage.photo_size import photo_pixels
from adapters.storage.sniff import ACCEPTED_TYPES, HEAD_BYTES, kind_of, normalise, sniff
from adapters.storage.video_metadata import VideoScrubber
from domain.access import require_media_visible
from domain.actor import Actor
from domain.errors import Invalid, NotFound, TooLarge, UnsupportedMedia
from projections.journey import child_settings
from projections.media import media_row
from projections.media_visibility import media_uses

CACHE_CONTROL = "private, no-store"
UNSUPPORTED = ("Only JPEG, PNG and HEIC photos and MP4 and QuickTime videos are accepted: "
               "send one of image/jpeg, image/png, image/heic, video/mp4, video/quicktime "
               "as the Content-Type.")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
MAX_PIXELS = 50_000_000  # a photo's width x height; more is refused before decoding


def _too_large(kind: str, limit: int) -> TooLarge:
    return TooLarge(f"A {kind} may be at most {limit // (1024 * 1024)} MB.")


def _mismatch(declared: str) -> UnsupportedMedia:
    return UnsupportedMedia(f"The body is not {_a(declared)} file: its bytes do not match the "
                            "declared Content-Type.")


def parse_children(header: str | None) -> list[UUID]:
    """The child ids of `X-Children` (comma separated), or Invalid."""
    if not header or not header.strip():
        return []
    try:
        return list(dict.fromkeys(UUID(part.strip()) for part in header.split(",")
                                  if part.strip()))
    except ValueError:
        raise Invalid("The header X-Children must list child ids (UUIDs) separated by "
                      "commas.", "X-Children") from None


class _Body:
    """The request body, chunk by chunk, with its first bytes checked and its size bounded."""

    def __init__(self, request: Request, declared: str, kind: str, limit: int):
        self.request = request
        self.declared = declared
        self.kind = kind
        self.limit = limit
        self.received = 0

    async def chunks(self) -> Any:
        head = b""
        checked = False
        async for chunk in self.request.stream():
            if not chunk:
                continue
            self.received += len(chunk)
            if self.received > self.limit:
                raise _too_large(self.kind, self.limit)
            if not checked:
                head += chunk
                if len(head) < HEAD_BYTES:
                    continue
                if sniff(head) != self.declared:
                    raise _mismatch(self.declared)
                checked, chunk, head = True, head, b""
            yield chunk
        if not checked:
            if not head:
                raise Invalid("The body is empty: send the photo or video bytes.", "body")
            if sniff(head) != self.declared:
                raise _mismatch(self.declared)
            yield head


async def _receive_photo(body: _Body, services: Services, key: str) -> tuple[int, str, str | None]:
    directory = spool_dir(services.settings, services.media)
    spooled = await anyio.to_thread.run_sync(temp_file, directory)
    stripped = Path(f"{spooled}.clean")
    try:
        with open(spooled, "wb") as out:
            async for chunk in body.chunks():
                out.write(chunk)

        def finish() -> tuple[int, str, str | None]:
            try:
                pixels = photo_pixels(spooled, body.declared)
            except (ValueError, OSError, struct.error) as error:
                raise UnsupportedMedia(f"The photo could not be read as {body.declared}; "
                                       "send it as the camera saved it.") from error
            if pixels is not None and pixels > MAX_PIXELS:
                raise TooLarge(f"A photo may have at most {MAX_PIXELS // 1_000_000} million "
                               f"pixels; this one claims {pixels // 1_000_000} million.")
            try:
                captured = strip_photo(spooled, stripped, body.declared)
            except (ValueError, IndexError, OSError) as error:
                raise UnsupportedMedia(f"The photo could not be read as {body.declared}; "
                                       "send it as the camera saved it.") from error
            digest = hashlib.sha256()
            with open(stripped, "rb") as handle:
                for block in iter(lambda: handle.read(1024 * 1024), b""):
                    digest.update(block)
            size = stripped.stat().st_size
            services.media.put_file(key, stripped, body.declared)
            return size, digest.hexdigest(), captured

        return await anyio.to_thread.run_sync(finish)
    finally:
        for path in (spooled, stripped):
            with contextlib.suppress(OSError):
                os.unlink(path)


async def _receive_video(body: _Body, services: Services, key: str) -> tuple[int, str, None]:
    pipe = ChunkPipe()
    scrubber = VideoScrubber()
    outcome: dict[str, Any] = {}

    def consume() -> None:
        try:
            services.media.put(key, pipe, -1, body.declared)
            outcome["stored"] = True
        except BaseException as error:  # reported to the request below
            outcome["error"] = error
        finally:
            pipe.consumer_done.set()

    async def feed(data: bytes) -> None:
        if data and not pipe.try_feed(data):
            await anyio.to_thread.run_sync(pipe.feed, data)

    failure: BaseException | None = None
    async with anyio.create_task_group() as group:
        started = False
        try:
            async for chunk in body.chunks():
                if not started:
                    group.start_soon(anyio.to_thread.run_sync, consume)
                    started = True
                for piece in scrubber.feed(chunk):
                    await feed(piece)
            await feed(scrubber.finish())
            if started:
                await anyio.to_thread.run_sync(pipe.close)
        except BaseException as error:
            failure = error
            if started:
                await anyio.to_thread.run_sync(pipe.fail)
    if failure is not None or "stored" not in outcome:
        await anyio.to_thread.run_sync(services.media.delete, key)
        error = outcome.get("error")
        if failure is not None and not (isinstance(failure, UploadAborted) and error):
            raise failure
        raise error or UploadAborted("upload abandoned")
    return pipe.size, pipe.sha256, None


@dataclass
class _RawUpload(Operation):
    """`POST /media` reads its body as a stream, so its request body is declared here."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(required=True, description=(
            "The photo or video bytes; `X-Children` names who appears."), content={
            kind: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format="binary"))
            for kind in sorted(ACCEPTED_TYPES)})


@dataclass
class _Download(Operation):
    """`GET /media/{id}` answers with the stored Content-Type: each is declared."""

    def __post_init__(self) -> None:
        for status in ("200", "206"):
            self.responses[status] = OpenAPIResponse(  # type: ignore[index]
                description="The bytes, whole (200) or the range asked for (206).",
                content={kind: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING,
                                                              format="binary"))
                         for kind in sorted(ACCEPTED_TYPES)})


class Declaration(msgspec.Struct, forbid_unknown_fields=True):
    children: list[UUID]


@put("/media/{media_id:uuid}/children", opt={"permission": "media.declare"},
     sync_to_thread=True, status_code=204)
def declare_children(media_id: UUID, data: Declaration, actor: Actor,
                     services: Services) -> None:
    """Staff say who appears in a photo or video uploaded without `X-Children` (just the
    observation's child if only they appear): approval needs it."""
    position = services.app.declare_media_children(
        media_id, data.children, child_settings(services.db, data.children), actor,
        services.clock())
    services.projections.wait_for(position)


@post("/media", opt={"permission": "media.upload"}, request_max_body_size=None,
      status_code=201, operation_class=_RawUpload)
async def upload_media(request: Request, actor: Actor, services: Services
                       ) -> replies.MediaStored:
    """Store a photo or video streamed as the raw body; `X-Children` says who appears."""
    return await store_upload(request, request.headers.get("content-type"),
                              request.headers.get("content-length"),
                              request.headers.get("x-children"),
                              _throttle(request), actor, services)


async def store_upload(source: Any, content_type: str | None, announced: str | None,
                       children_header: str | None, throttle: UploadThrottle, actor: Actor,
                       services: Services) -> replies.MediaStored:
    """Check, store and record one upload whose bytes `source.stream()` yields (the raw
    body of `POST /media`, or a file of a web form); `children_header` as `X-Children`."""
    declared = normalise(content_type)
    kind = kind_of(declared)
    if declared == "multipart/form-data":
        raise UnsupportedMedia(
            "Send the file's own bytes as the body with its type as the Content-Type (for "
            "example curl --data-binary @photo.jpg -H 'Content-Type: image/jpeg'), not as "
            "a form upload.")
    if kind is None or declared not in ACCEPTED_TYPES:
        raise UnsupportedMedia(UNSUPPORTED)
    wait = throttle.retry_after(actor.account_id)
    if wait is not None:
        raise TooManyAttempts(detail=f"At most {UPLOADS_PER_MINUTE} uploads a minute: wait "
                                     f"{wait} seconds and send it again.",
                              headers={"Retry-After": str(wait)})
    limit = services.settings.photo_max_bytes if kind == "photo" \
        else services.settings.video_max_bytes
    if announced and announced.isdigit() and int(announced) > limit:
        raise _too_large(kind, limit)
    children = parse_children(children_header)
    settings_of = await anyio.to_thread.run_sync(child_settings, services.db, children)
    services.app.check_media_children(children, settings_of, actor)

    media_id = uuid.uuid4()
    key = media_key(actor.setting_id, media_id)
    body = _Body(source, declared, kind, limit)
    if kind == "photo":
        size, sha256, captured = await _receive_photo(body, services, key)
    else:
        size, sha256, captured = await _receive_video(body, services, key)

    def record() -> int:
        return services.app.record_media(media_id, kind, declared, size, sha256, children,
                                         settings_of, captured, actor, services.clock())

    try:
        position = await anyio.to_thread.run_sync(record)
    except BaseException:
        await anyio.to_thread.run_sync(services.media.delete, key)
        raise
    count_upload(kind, size)
    await anyio.to_thread.run_sync(services.projections.wait_for, position)
    return replies.MediaStored(media_id, size, sha256, captured)


def upload_throttle(request: Request) -> UploadThrottle:
    """The process's upload throttle (shared by the API and the web pages)."""
    return _throttle(request)


def _throttle(request: Request) -> UploadThrottle:
    state = request.app.state
    if not hasattr(state, "upload_throttle"):
        state.upload_throttle = UploadThrottle()
    return state.upload_throttle


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | bool:
    """(start, end inclusive) of a single `bytes=` range; None to serve the whole object;
    False when the range cannot be satisfied (416)."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None  # malformed or several ranges: ignored, the whole object is served
    first, last = match.groups()
    if first == "":
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return False
    return start, end


@get("/media/{media_id:uuid}", opt={"permission": "media.read"}, sync_to_thread=True,
     operation_class=_Download,
     responses={416: ResponseSpec(data_container=replies.Problem, generate_examples=False,
                                  description="The range is outside the media.")})
def download_media(media_id: UUID, request: Request, actor: Actor,
                   services: Services) -> Response:
    """Stream a photo or video to whoever may see it (`Range` supported); else 404."""
    row = media_row(services.db, media_id)
    if row is None:
        raise NotFound("No such photo or video.")
    require_media_visible(actor, UUID(row["setting_id"]), UUID(row["uploaded_by"]),
                          media_uses(services.db, media_id))
    key = media_key(UUID(row["setting_id"]), media_id)
    size = services.media.size(key)
    if size is None:
        raise NotFound("No such photo or video.")
    log = getattr(request.app.state, "access_log", None)
    if log is not None:
        for child_id in row["children"]:
            log.record(child_id, actor, request.url.path, services.clock())
    headers = {"Accept-Ranges": "bytes", "Cache-Control": CACHE_CONTROL,
               "ETag": f'"{row["sha256"]}"', "Content-Disposition": "inline"}
    wanted = parse_range(request.headers.get("range"), size)
    if wanted is False:
        return problem(416, f"The requested range is outside the {size} bytes of this media.",
                       headers={**headers, "Content-Range": f"bytes */{size}"})
    if wanted is None:
        start, end, status = 0, size - 1, 200
    else:
        start, end = wanted
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    chunks = services.media.read(key, start, end) if size else iter(())
    return Stream(chunks, status_code=status, media_type=row["content_type"], headers=headers)


ROUTES: list[Any] = [upload_media, download_media, declare_children]


def _a(content_type: str) -> str:
    """The content type with its article: "an image/jpeg", "a video/mp4"."""
    return ("an " if content_type[:1] in "aeiou" else "a ") + content_type
