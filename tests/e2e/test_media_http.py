"""POST /media and GET /media/{id} over HTTP, on the filesystem and on S3 (moto)."""

from __future__ import annotations

import hashlib
import io
import os
import uuid

import anyio
import pytest
from PIL import Image
from PIL.ExifTags import IFD

from adapters.bootstrap import bootstrap
from tests.media_support import (
    CAPTURED,
    jpeg_with_gps,
    mp4_bytes,
    s3_server,  # noqa: F401  (fixture)
    s3_url,
)

PHOTO_LIMIT = 512 * 1024
VIDEO_LIMIT = 12 * 1024 * 1024


@pytest.fixture(params=["filesystem", "s3"])
def services(request, settings_for, clock):
    """The services with small limits, media on the filesystem or on S3."""
    env = {"JOURNEY_PHOTO_MAX_MB": str(PHOTO_LIMIT / 1024 / 1024),
           "JOURNEY_VIDEO_MAX_MB": str(VIDEO_LIMIT / 1024 / 1024)}
    if request.param == "s3":
        env["JOURNEY_MEDIA_URL"] = s3_url(request.getfixturevalue("s3_server"))
    built = bootstrap(settings_for(**env), clock=clock)
    assert built.media.kind == request.param
    yield built
    built.close()


def upload(nursery, person, body, content_type="image/jpeg", children=(), **headers):
    h = {**person.headers, "Content-Type": content_type, **headers}
    if children:
        h["X-Children"] = ",".join(children)
    return nursery.client.post("/media", headers=h, content=body)


def media_rows(nursery) -> int:
    return nursery.services.db.query_one("SELECT COUNT(*) FROM media_view")[0]


def use_in_observation(nursery, media_id, child_id, approved=True, visible=True):
    """What the journey projection records once an observation uses the media."""
    nursery.services.db.execute(
        "INSERT INTO observation_media (observation_id, media_id, child_id, setting_id, "
        "approved, visible) VALUES (?, ?, ?, ?, ?, ?)",
        (str(uuid.uuid4()), media_id, child_id, nursery.setting_id, int(approved),
         int(visible)))


def test_upload_then_download_byte_exact_with_ranges(nursery):
    video = mp4_bytes(media=200_000)
    r = upload(nursery, nursery.manager, video, "video/mp4")
    assert r.status_code == 201, r.text
    media_id = r.json()["media_id"]
    assert nursery.services.media.keys() == [f"{nursery.setting_id}/{media_id}"]
    got = nursery.client.get(f"/media/{media_id}", headers=nursery.manager.headers)
    assert got.status_code == 200
    assert got.headers["cache-control"] == "private, no-store"
    assert got.headers["content-type"].startswith("video/mp4")
    body = got.content
    assert len(body) == len(video)
    assert r.json()["sha256"] == hashlib.sha256(body).hexdigest()
    mdat = video.index(b"mdat") + 4
    assert body[:mdat + 200_000] == video[:mdat + 200_000]  # the media data is untouched
    part = nursery.client.get(f"/media/{media_id}",
                              headers={**nursery.manager.headers, "Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.content == body[100:1100]
    assert part.headers["content-range"] == f"bytes 100-1099/{len(body)}"
    tail = nursery.client.get(f"/media/{media_id}",
                              headers={**nursery.manager.headers, "Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == body[-10:]
    beyond = nursery.client.get(f"/media/{media_id}",
                                headers={**nursery.manager.headers,
                                         "Range": f"bytes={len(body)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(body)}"


def test_photo_comes_back_without_gps_and_with_capture_date(nursery):
    r = upload(nursery, nursery.manager, jpeg_with_gps())
    assert r.status_code == 201, r.text
    assert r.json()["captured_at"] == "2024-05-01T09:59:58+01:00"
    got = nursery.client.get(f"/media/{r.json()['media_id']}", headers=nursery.manager.headers)
    assert got.status_code == 200
    exif = Image.open(io.BytesIO(got.content)).getexif()
    assert exif.get_ifd(IFD.GPSInfo) == {}
    assert exif.get_ifd(IFD.Exif)[0x9003] == CAPTURED
    assert b"iPhone" not in got.content and b"SERIAL-0042" not in got.content


def test_text_sent_as_jpeg_is_415_and_nothing_stored(nursery):
    r = upload(nursery, nursery.manager, b"I am a text file, not a photo.\n" * 20)
    assert r.status_code == 415
    assert "image/jpeg" in r.json()["detail"]
    gif = upload(nursery, nursery.manager, b"GIF89a" + b"\0" * 100, "image/gif")
    assert gif.status_code == 415
    assert nursery.services.media.keys() == [] and media_rows(nursery) == 0


def test_too_large_is_413_and_nothing_left_behind(nursery):
    photo = jpeg_with_gps() + b"\0" * PHOTO_LIMIT
    assert upload(nursery, nursery.manager, photo).status_code == 413

    def chunked():  # no Content-Length: the limit is found while streaming
        yield mp4_bytes()[:64]
        for _ in range(VIDEO_LIMIT // 65536 + 4):
            yield os.urandom(65536)

    r = upload(nursery, nursery.manager, chunked(), "video/mp4")
    assert r.status_code == 413
    assert "MB" in r.json()["detail"]
    assert nursery.services.media.keys() == [] and media_rows(nursery) == 0
    spool = nursery.services.settings.data_dir
    assert not [p for p in spool.rglob("*.part")]


def test_a_dropped_upload_leaves_no_object_and_no_event(nursery):
    app = nursery.client.app
    head = nursery.services.app.recorder.max_notification_id()
    pieces = [mp4_bytes()[:64]] + [os.urandom(65536) for _ in range(100)]
    messages = [{"type": "http.request", "body": p, "more_body": True} for p in pieces]
    messages.append({"type": "http.disconnect"})
    sent: list[dict] = []
    headers = [(k.lower().encode(), v.encode()) for k, v in nursery.manager.headers.items()]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/media", "raw_path": b"/media",
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
             "server": ("testserver", 80),
             "headers": [*headers, (b"content-type", b"video/mp4")]}

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    async def run():
        await app(scope, receive, send)

    anyio.run(run)
    assert not messages  # the whole body was offered before the drop
    assert nursery.services.media.keys() == []
    assert nursery.services.app.recorder.max_notification_id() == head
    assert media_rows(nursery) == 0


def test_who_may_download(nursery):
    ada, ada_parent = nursery.family("Ada Lovelace")
    bob, bob_parent = nursery.family("Bob Babbage")
    staff = nursery.practitioner()
    r = upload(nursery, staff, jpeg_with_gps(), children=[ada])
    assert r.status_code == 201, r.text
    media_id = r.json()["media_id"]
    url = f"/media/{media_id}"
    assert nursery.client.get(url, headers=staff.headers).status_code == 200
    assert nursery.client.get(url, headers=nursery.manager.headers).status_code == 200
    other_staff = nursery.practitioner("Other Practitioner")
    for person in (ada_parent, bob_parent, other_staff):  # not yet used in an observation
        assert nursery.client.get(url, headers=person.headers).status_code == 404
    use_in_observation(nursery, media_id, ada, approved=True)
    assert nursery.client.get(url, headers=other_staff.headers).status_code == 200
    assert nursery.client.get(url, headers=bob_parent.headers).status_code == 404
    unknown = nursery.client.get(f"/media/{uuid.uuid4()}", headers=nursery.manager.headers)
    assert unknown.status_code == 404
    assert bob  # Bob is a child of the setting, his parent still sees nothing


def test_the_childs_parent_downloads_once_the_observation_is_approved(nursery):
    ada, ada_parent = nursery.family("Ada Lovelace")
    r = upload(nursery, nursery.manager, jpeg_with_gps(), children=[ada])
    media_id = r.json()["media_id"]
    url = f"/media/{media_id}"
    use_in_observation(nursery, media_id, ada, approved=False)
    assert nursery.client.get(url, headers=ada_parent.headers).status_code == 404
    use_in_observation(nursery, media_id, ada, approved=True)
    got = nursery.client.get(url, headers=ada_parent.headers)
    assert got.status_code == 200
    assert got.headers["cache-control"] == "private, no-store"


def test_children_named_in_an_upload_are_checked(nursery):
    ada, ada_parent = nursery.family("Ada Lovelace")
    bob, _ = nursery.family("Bob Babbage")
    own = upload(nursery, ada_parent, jpeg_with_gps(), children=[ada])
    assert own.status_code == 201, own.text
    foreign = upload(nursery, ada_parent, jpeg_with_gps(), children=[bob])
    assert foreign.status_code == 400 and "X-Children" in foreign.json()["detail"]
    unknown = upload(nursery, nursery.manager, jpeg_with_gps(), children=[str(uuid.uuid4())])
    assert unknown.status_code == 400
    garbled = upload(nursery, nursery.manager, jpeg_with_gps(), children=["Ada Lovelace"])
    assert garbled.status_code == 400
    row = nursery.services.db.query_one("SELECT children, uploaded_by FROM media_view")
    assert ada in row[0] and row[1] == ada_parent.account_id
    assert len(nursery.services.media.keys()) == 1


def test_staff_on_a_tablet_record_the_device(nursery):
    staff = nursery.practitioner()
    tablet = nursery.register_device("tablet", "Rainbow room tablet")
    assert nursery.client.post(f"/devices/{tablet['device_id']}/sign-out",
                               headers=staff.headers).status_code == 204
    staff.device_token = tablet["device_token"]
    r = upload(nursery, staff, jpeg_with_gps())
    assert r.status_code == 201, r.text
    row = nursery.services.db.query_one(
        "SELECT device_id FROM media_view WHERE media_id = ?", (r.json()["media_id"],))
    assert row[0] == tablet["device_id"]
    on_device = nursery.services.db.query(
        "SELECT media_id FROM device_photos WHERE device_id = ? AND deleted_at IS NULL",
        (tablet["device_id"],))
    assert on_device == [(r.json()["media_id"],)]
