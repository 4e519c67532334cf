"""Issue 22 #5: after a crash between storing an upload and recording it, the object
(or a spooled partial file) is owned by no record; the sweep removes it once it is an
hour old, and never touches a recorded photo or an upload in flight. Both stores, both
backends."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.bootstrap import bootstrap
from adapters.setup import set_up_setting
from adapters.storage.media import media_key, spool_dir
from domain.actor import Actor
from tests.media_support import s3_server, s3_url  # noqa: F401  (fixture)


@pytest.fixture(params=["filesystem", "s3"])
def services(request, settings_for, clock):
    env = {}
    if request.param == "s3":
        env["JOURNEY_MEDIA_URL"] = s3_url(request.getfixturevalue("s3_server"))
    built = bootstrap(settings_for(**env), clock=clock)
    yield built
    built.close()


def _put(services, key: str) -> None:
    services.media.put(key, io.BytesIO(b"\xff\xd8\xff" + b"x" * 100), -1, "image/jpeg")


def test_the_sweep_removes_only_what_no_record_owns_once_an_hour_old(services, clock):
    made = set_up_setting(services, "Clarecroft", "m@clarecroft.test", "correct-horse-battery")
    setting = UUID(made["setting_id"])
    manager = Actor(UUID(made["manager_id"]), setting, ("manager",))
    recorded_id, orphan_id = uuid.uuid4(), uuid.uuid4()
    recorded, orphan = media_key(setting, recorded_id), media_key(setting, orphan_id)
    _put(services, recorded)
    services.app.record_media(recorded_id, "photo", "image/jpeg", 103, "0" * 64, [], {}, None,
                              manager, clock())
    _put(services, orphan)  # stored, then the process died before recording it
    spool = spool_dir(services.settings, services.media)
    partial = spool / f"{uuid.uuid4()}.part"
    partial.write_bytes(b"half a photo")

    clock.set(datetime.now(UTC))
    assert services.sweep_orphan_media() == 0  # younger than an hour: maybe in flight
    assert set(services.media.keys()) == {recorded, orphan} and partial.exists()

    clock.set(datetime.now(UTC) + timedelta(hours=2))
    assert services.sweep_orphan_media() == 2
    assert services.media.keys() == [recorded]
    assert not partial.exists()
    assert services.sweep_orphan_media() == 0
