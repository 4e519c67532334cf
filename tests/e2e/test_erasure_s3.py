"""Erasure on an S3 media store with versioning on: every version of the child's photos
goes (issue 13; moto's S3 server on loopback). Both backends."""

from __future__ import annotations

import io
import uuid

import pytest

from adapters.bootstrap import bootstrap
from adapters.storage.media import media_key
from tests.e2e.test_lifecycle_http import family, observe, unique_photo, upload
from tests.media_support import s3_server, s3_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.storage


@pytest.fixture
def services(settings_for, clock, s3_server):  # noqa: F811
    """The services with media on S3, in a bucket that keeps every version."""
    from minio.versioningconfig import ENABLED, VersioningConfig

    built = bootstrap(settings_for(JOURNEY_MEDIA_URL=s3_url(s3_server)), clock=clock)
    assert built.media.kind == "s3"
    built.media.client.set_bucket_versioning(built.media.bucket, VersioningConfig(ENABLED))
    yield built
    built.close()


def versions(store, key: str) -> list:
    return list(store.client.list_objects(store.bucket, prefix=key, include_version=True))


def test_erasure_deletes_every_version_of_the_childs_photos(nursery):
    n = nursery
    practitioner = n.practitioner()
    child, _ = family(n, "Zebedee Quillfeather")
    other, _ = family(n, "Ada Lovelace")
    photo = upload(n, practitioner, [child])
    kept = upload(n, practitioner, [other])
    assert observe(n, practitioner, child, media=[photo]).status_code == 201
    key = media_key(uuid.UUID(n.setting_id), uuid.UUID(photo))
    n.services.media.put(key, io.BytesIO(unique_photo()))  # an older version stays behind
    assert len(versions(n.services.media, key)) == 2

    r = n.client.post(f"/children/{child}/erase", headers=n.manager.headers,
                      json={"confirm": "Zebedee Quillfeather"})
    assert r.status_code == 204, r.text
    assert versions(n.services.media, key) == []
    other_key = media_key(uuid.UUID(n.setting_id), uuid.UUID(kept))
    assert len(versions(n.services.media, other_key)) == 1
