"""Terminating a setting's account: archive (locked out, cancel), delete, and a deletion
resumed after a restart (issue 13 item 4; DESIGN rule 11). Both backends."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from adapters import termination
from adapters.bootstrap import bootstrap
from adapters.termination import run_due_terminations
from domain.personal_data import JOURNEY_KEY
from tests.e2e.test_lifecycle_http import _files_holding, family, observe, upload

pytestmark = pytest.mark.storage


def terminate(n, **body):
    r = n.client.post("/setting/terminate", headers=n.manager.headers, json=body)
    assert r.status_code == 202, r.text
    return r.json()["job_id"]


def test_archive_locks_every_account_out_until_a_manager_cancels(nursery):
    n = nursery
    practitioner = n.practitioner()
    child, parent = family(n, "Ada Lovelace")
    r = n.client.post("/setting/terminate", headers=practitioner.headers,
                      json={"mode": "archive", "archive_days": 30})
    assert r.status_code == 403
    r = n.client.post("/setting/terminate", headers=n.manager.headers,
                      json={"mode": "archive", "archive_days": 0})
    assert r.status_code == 400 and "archive_days" in r.json()["detail"]
    job_id = terminate(n, mode="archive", archive_days=30)

    for person in (practitioner, parent, n.manager):
        r = n.client.get(f"/children/{child}/journey", headers=person.headers)
        assert r.status_code == 403 and "terminated" in r.json()["detail"]
    job = n.client.get(f"/jobs/{job_id}", headers=n.manager.headers)
    assert job.status_code == 200 and job.json()["status"] == "waiting"
    assert n.client.get(f"/jobs/{uuid.uuid4()}", headers=n.manager.headers).status_code == 404
    assert run_due_terminations(n.services) == 0  # the archive period is not over
    r = n.client.post("/setting/terminate", headers=n.manager.headers,
                      json={"mode": "delete"})
    assert r.status_code == 409

    r = n.client.post("/setting/terminate/cancel", headers=n.manager.headers)
    assert r.status_code == 204, r.text
    assert n.client.get(f"/children/{child}/journey", headers=parent.headers).status_code == 200
    assert n.client.get(f"/jobs/{job_id}", headers=n.manager.headers).json()["status"] == \
        "cancelled"


def _nothing_left(services, setting_id: str, children: list[str]) -> None:
    db = services.db
    for table in ("children_view", "accounts_view", "devices_view", "media_view", "terms",
                  "settings_view", "journey_staff", "diary_messages"):
        assert db.query(f"SELECT * FROM {table} WHERE setting_id = ?", (setting_id,)) == [], \
            table
    assert db.query("SELECT * FROM credentials") == []
    assert db.query("SELECT * FROM sessions") == []
    assert services.media.keys(f"{setting_id}/") == []
    for child in children:
        assert not services.keys.exists(uuid.UUID(child), JOURNEY_KEY)
    assert services.app.recorder.max_notification_id() > 0  # the log (and audit) stay


def test_delete_mode_deletes_everything_but_the_log(nursery):
    n = nursery
    practitioner = n.practitioner()
    child, parent = family(n, "Zebedee Quillfeather")
    photo = upload(n, practitioner, [child])
    assert observe(n, practitioner, child, media=[photo]).status_code == 201
    job_id = terminate(n, mode="delete")
    run_due_terminations(n.services)  # waits for the job the request started
    assert n.services.jobs.get(job_id)["status"] == "done"
    _nothing_left(n.services, n.setting_id, [child])
    r = n.client.get(f"/children/{child}/journey", headers=parent.headers)
    assert r.status_code == 401
    n.services.db.purge_deleted([])
    if n.services.backend == "sqlite":
        assert _files_holding(n.services.settings.data_dir, [b"Zebedee Quillfeather"]) == []


def test_a_deletion_interrupted_by_a_restart_resumes_and_finishes(nursery, monkeypatch):
    n = nursery
    practitioner = n.practitioner()
    children = [family(n, name)[0] for name in ("Ada Lovelace", "Ben Babbage", "Cy Young")]
    for child in children:
        upload(n, practitioner, [child])
    job_id = terminate(n, mode="archive", archive_days=1)
    n.clock.advance(timedelta(days=1, minutes=1))

    erased = []
    real = termination.erase_child

    def crash_on_the_second(services, child_id, *args):
        if erased:
            raise RuntimeError("the server stopped")
        erased.append(child_id)
        real(services, child_id, *args)

    monkeypatch.setattr(termination, "erase_child", crash_on_the_second)
    with pytest.raises(RuntimeError):
        run_due_terminations(n.services)
    job = n.services.jobs.get(job_id)
    assert (job["status"], job["step"], job["done"], job["total"]) == \
        ("running", "children", 1, 3)
    n.manager.token = n.login(n.manager.email)  # the day's wait ended the session
    r = n.client.post("/setting/terminate/cancel", headers=n.manager.headers)
    assert r.status_code == 409  # the deletion has started
    monkeypatch.undo()

    restarted = bootstrap(n.services.settings, clock=n.clock)
    try:
        assert run_due_terminations(restarted) == 1
        assert restarted.jobs.get(job_id)["status"] == "done"
        _nothing_left(restarted, n.setting_id, children)
        assert run_due_terminations(restarted) == 0
    finally:
        restarted.close()
