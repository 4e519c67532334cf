"""Backup and restore respect erasure (issue 19, item 4): back up, erase a child,
restore the backup: the child stays erased, and a canary search of the restored files
(and, on PostgreSQL, of a dump of the restored database) finds nothing of it. Runs on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid

import pytest
from litestar.testing import TestClient

from adapters.backup import backup, restore
from adapters.bootstrap import bootstrap
from adapters.http.app import create_app
from adapters.setup import set_up_setting
from adapters.storage.media import media_key
from domain.personal_data import JOURNEY_KEY, RETENTION_KEY
from tests.e2e.test_lifecycle_http import (
    CANARY_NAME,
    CANARY_TEXT,
    _files_holding,
    _pg_dump_holding,
    _record_everything,
    family,
)
from tests.media_support import s3_server, s3_url  # noqa: F401  (fixture)
from tests.support import PASSWORD, Nursery, Person

pytestmark = pytest.mark.storage


def _nursery(services, clock, client) -> Nursery:
    made = set_up_setting(services, "Backup Nursery", "manager@backup.test", PASSWORD,
                          "Morgan Manager", open_all_hours=True)
    token = client.post("/auth/login", json={"email": "manager@backup.test",
                                             "password": PASSWORD}).json()["token"]
    manager = Person(made["manager_id"], "manager@backup.test", token, made["device_token"],
                     ["manager"])
    return Nursery(client, services, made["setting_id"], manager, made["device_token"], clock)


@pytest.mark.parametrize("media", ["filesystem", "s3"])
def test_a_restored_backup_never_brings_an_erased_child_back(settings_for, clock, tmp_path,
                                                             backend, media, request):
    if media == "s3":
        settings = settings_for(JOURNEY_MEDIA_URL=s3_url(request.getfixturevalue("s3_server")))
    else:
        settings = settings_for()
    services = bootstrap(settings, clock=clock)
    out = tmp_path / "backup"
    try:
        with TestClient(app=create_app(services), raise_server_exceptions=False) as client:
            n = _nursery(services, clock, client)
            practitioner = n.practitioner()
            child, parent = family(n, CANARY_NAME)
            kept = n.enrol_child("Ada Lovelace")  # not erased: must come back whole
            photo, _ = _record_everything(n, practitioner, child, parent)
            key = media_key(uuid.UUID(n.setting_id), uuid.UUID(photo))
            stored = b"".join(services.media.read(key))
            needles = [CANARY_NAME.encode(), CANARY_TEXT.encode(),
                       stored[len(stored) // 2: len(stored) // 2 + 48]]

            manifest = backup(services, out)
            assert manifest["backend"] == backend and manifest["media_objects"] == 1
            # the backup itself holds the child (views, media): what a restore must undo
            assert _files_holding(out, needles)
            keys = [json.loads(line) for line in
                    (out / "keys" / "child_keys.jsonl").read_text().splitlines()]
            assert {(k["owner_id"], k["purpose"]) for k in keys} >= {(child, JOURNEY_KEY)}

            r = client.post(f"/children/{child}/erase", headers=n.manager.headers,
                            json={"confirm": CANARY_NAME})
            assert r.status_code == 204, r.text
    finally:
        services.close()

    done = restore(settings, out)
    assert done["ledger_entries"] >= 2  # the erasure and the key it shredded

    restored = bootstrap(settings)
    try:
        with TestClient(app=create_app(restored), raise_server_exceptions=False) as client:
            token = client.post("/auth/login", json={"email": "manager@backup.test",
                                                     "password": PASSWORD}).json()["token"]
            headers = {"Authorization": f"Bearer {token}",
                       "X-Device-Token": n.office_device_token}
            listed = client.get("/children", headers=headers).json()["items"]
            assert [c["child_id"] for c in listed] == [kept]
            assert client.get(f"/children/{child}/journey",
                              headers=headers).status_code == 404
        assert restored.media.size(key) is None
        assert restored.media.kind == media and restored.media.keys(prefix="") == []
        assert not restored.keys.exists(uuid.UUID(child), JOURNEY_KEY)
        assert restored.keys.exists(uuid.UUID(child), RETENTION_KEY)  # kept by law
        assert restored.app.repository.get(uuid.UUID(child)).erased
        assert _files_holding(settings.data_dir, needles) == []
        if backend == "postgres":
            assert _pg_dump_holding(settings.database_url, needles) == []
    finally:
        restored.close()


def test_keys_kept_apart_are_found_there(settings_for, clock, tmp_path):
    settings = settings_for()
    services = bootstrap(settings, clock=clock)
    try:
        set_up_setting(services, "Apart Nursery", "manager@apart.test", PASSWORD, "M",
                       open_all_hours=True)
        backup(services, tmp_path / "data-backup", keys_out=tmp_path / "keys-elsewhere")
    finally:
        services.close()
    assert not (tmp_path / "data-backup" / "keys").exists()
    assert (tmp_path / "keys-elsewhere" / "child_keys.jsonl").exists()
    from adapters.settings import ConfigError

    with pytest.raises(ConfigError, match="--keys-from"):
        restore(settings, tmp_path / "data-backup")
    done = restore(settings, tmp_path / "data-backup", keys_from=tmp_path / "keys-elsewhere")
    assert done["keys"] >= 1  # the manager's account key
