"""A child leaves, a child is erased for good, legal retention ends (issue 13; DESIGN
rule 11). Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import os
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from adapters.erasure import run_retention
from adapters.storage.media import media_key
from domain.personal_data import JOURNEY_KEY, RETENTION_KEY

pytestmark = pytest.mark.storage

TODAY = "2026-11-25"  # the nursery fixture's clock
CANARY_NAME = "Zebedee Quillfeather"
CANARY_TEXT = "canary-moonbeam-77 builds a tower"


def observe(n, person, child_id, text="Builds a tower with six bricks.", **extra):
    r = n.client.post(f"/children/{child_id}/observations", headers=person.headers,
                      json={"observed_on": "2026-11-24", "text": text, **extra})
    return r


def approve(n, observation_id):
    r = n.client.post(f"/observations/{observation_id}/approve", headers=n.manager.headers,
                      json={"revision": 1})
    assert r.status_code == 204, r.text


def entry(n, person, child_id, body):
    return n.client.post(f"/children/{child_id}/diary/{TODAY}/entries",
                         headers=person.headers, json=body)


def later(n, days, *people):
    """Move the clock on, and log these people in again (sessions last a week)."""
    n.clock.advance(timedelta(days=days))
    for person in people:
        person.token = n.login(person.email)


def unique_photo() -> bytes:
    """A JPEG of random noise: bytes that occur nowhere else."""
    image = Image.frombytes("RGB", (48, 48), os.urandom(48 * 48 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def upload(n, person, children, photo=None) -> str:
    r = n.client.post("/media", content=photo or unique_photo(), headers={
        **person.headers, "Content-Type": "image/jpeg", "X-Children": ",".join(children)})
    assert r.status_code == 201, r.text
    return r.json()["media_id"]


def family(n, child_name):
    """A child with a parent whose own name does not repeat the child's."""
    child_id = n.enrol_child(child_name)
    parent = n.parent("A Parent")
    n.link(parent, child_id)
    n.sign_agreement(parent, child_id)
    return child_id, parent


# leaving


def test_from_the_leaving_day_nothing_new_is_recorded_and_parents_read_for_a_while(nursery):
    n = nursery
    practitioner = n.practitioner()
    child, parent = family(n, "Ada Lovelace")
    r = n.client.post(f"/children/{child}/leave", headers=practitioner.headers,
                      json={"date": TODAY})
    assert r.status_code == 403
    r = n.client.post(f"/children/{child}/leave", headers=n.manager.headers,
                      json={"date": TODAY, "parent_access_days": 30})
    assert r.status_code == 204, r.text

    r = observe(n, practitioner, child)
    assert r.status_code == 409 and "left the setting on 2026-11-25" in r.json()["detail"]
    r = entry(n, practitioner, child, {"kind": "meal", "meal": "lunch", "food": "Soup",
                                       "amount": "all", "at": f"{TODAY}T09:30:00+00:00"})
    assert r.status_code == 409, r.text
    r = n.client.post(f"/children/{child}/leave", headers=n.manager.headers,
                      json={"date": TODAY})
    assert r.status_code == 409
    board = n.client.get("/rooms/Rainbow/board", headers=practitioner.headers)
    assert board.status_code == 200 and child not in str(board.json())

    assert n.client.get(f"/children/{child}/journey", headers=parent.headers).status_code == 200
    later(n, 29, parent, n.manager)
    assert n.client.get(f"/children/{child}/journey", headers=parent.headers).status_code == 200
    later(n, 1, parent, n.manager)
    assert n.client.get(f"/children/{child}/journey", headers=parent.headers).status_code == 404
    listed = n.client.get("/children", headers=parent.headers).json()["items"]
    assert listed == []
    assert n.client.get(f"/children/{child}/journey",
                        headers=n.manager.headers).status_code == 200


def test_a_leaving_date_ahead_keeps_the_journey_open_until_then(nursery):
    n = nursery
    child, _ = family(n, "Ada Lovelace")
    r = n.client.post(f"/children/{child}/leave", headers=n.manager.headers,
                      json={"date": "2026-11-27"})
    assert r.status_code == 204, r.text
    assert observe(n, n.manager, child).status_code == 201
    later(n, 2, n.manager)
    assert observe(n, n.manager, child).status_code == 409
    r = n.client.post(f"/children/{child}/leave", headers=n.manager.headers,
                      json={"date": "2026-11-27", "parent_access_days": -1})
    assert r.status_code in (400, 409)


# erasure


def test_a_wrong_name_erases_nothing(nursery):
    n = nursery
    child, parent = family(n, "Ada Lovelace")
    r = n.client.post(f"/children/{child}/erase", headers=n.manager.headers,
                      json={"confirm": "Ada Lovelac"})
    assert r.status_code == 409 and "nothing was erased" in r.json()["detail"]
    practitioner = n.practitioner()
    r = n.client.post(f"/children/{child}/erase", headers=practitioner.headers,
                      json={"confirm": "Ada Lovelace"})
    assert r.status_code == 403
    assert n.client.get(f"/children/{child}/journey", headers=parent.headers).status_code == 200
    assert n.services.keys.exists(uuid.UUID(child), JOURNEY_KEY)


def _record_everything(n, practitioner, child, parent):
    """An observation with a unique photo and text, a comment, a diary message and
    meal, an incident and a medication permission (both kept by law)."""
    photo = upload(n, practitioner, [child])
    made = observe(n, practitioner, child, text=CANARY_TEXT, media=[photo],
                   next_steps=f"{CANARY_TEXT} again")
    assert made.status_code == 201, made.text
    approve(n, made.json()["observation_id"])
    observation_id = made.json()["observation_id"]
    r = n.client.post(f"/children/{child}/observations/{observation_id}/comments",
                      headers=parent.headers, json={"text": f"Lovely, {CANARY_TEXT}!"})
    assert r.status_code in (201, 204), r.text
    assert entry(n, practitioner, child, {"kind": "meal", "meal": "lunch",
                                          "food": CANARY_TEXT, "amount": "all",
                                          "at": f"{TODAY}T09:30:00+00:00"}
                 ).status_code == 201
    r = n.client.post(f"/children/{child}/diary/{TODAY}/messages", headers=parent.headers,
                      json={"text": f"{CANARY_NAME} slept badly"})
    assert r.status_code == 201, r.text
    incident = entry(n, practitioner, child, {
        "kind": "incident", "at": f"{TODAY}T09:00:00+00:00", "what": "Fell from the slide",
        "injury": "Graze on the knee", "first_aid": "Cleaned and plaster",
        "by": practitioner.account_id})
    assert incident.status_code == 201, incident.text
    r = n.client.post(f"/children/{child}/medication-permissions", headers=parent.headers,
                      json={"medicine": "Calpol", "dose": "5 ml", "from": TODAY,
                            "until": TODAY})
    assert r.status_code == 201, r.text
    return photo, incident.json()["entry_id"]


def _files_holding(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {needle[:20]!r}" for needle in needles if needle in data]
    return found


def _pg_dump_holding(url: str, needles: list[bytes]) -> list[str]:
    dump = subprocess.run(["pg_dump", "--data-only", url], check=True,
                          capture_output=True).stdout
    return [repr(needle[:20]) for needle in needles if needle in dump]


def test_erasure_leaves_nothing_of_the_child_on_disk_in_views_or_media(nursery, backend):
    n = nursery
    services = n.services
    practitioner = n.practitioner()
    child, parent = family(n, CANARY_NAME)
    photo, incident_id = _record_everything(n, practitioner, child, parent)
    key = media_key(uuid.UUID(n.setting_id), uuid.UUID(photo))
    stored = b"".join(services.media.read(key))
    photo_canary = stored[len(stored) // 2: len(stored) // 2 + 48]
    needles = [CANARY_NAME.encode(), CANARY_TEXT.encode(), photo_canary]
    data_dir = services.settings.data_dir
    services.db.purge_deleted([])  # the views as they stand, in the files
    before = _files_holding(data_dir, needles)  # the canaries are there before
    if backend == "postgres":
        assert len(before) == 1  # the photo; the texts are in the database
        assert len(_pg_dump_holding(services.settings.database_url, needles)) == 2
    else:
        assert len(before) >= 3

    r = n.client.post(f"/children/{child}/erase", headers=n.manager.headers,
                      json={"confirm": f" {CANARY_NAME} "})
    assert r.status_code == 204, r.text

    for person in (n.manager, practitioner, parent):
        for path in ("journey", f"diary/{TODAY}", "consent"):
            got = n.client.get(f"/children/{child}/{path}", headers=person.headers)
            assert got.status_code == 404, (path, got.status_code)
    assert n.client.get(f"/media/{photo}", headers=n.manager.headers).status_code == 404
    assert services.media.size(key) is None
    assert not services.keys.exists(uuid.UUID(child), JOURNEY_KEY)
    assert services.keys.exists(uuid.UUID(child), RETENTION_KEY)
    children = n.client.get("/children", headers=n.manager.headers).json()["items"]
    assert child not in [c["child_id"] for c in children]
    assert observe(n, practitioner, child).status_code == 404

    retained = n.client.get("/reports/retained", headers=n.manager.headers)
    assert retained.status_code == 200, retained.text
    items = retained.json()["items"]
    assert {i["kind"] for i in items} == {"incident", "medication_permission"}
    incident = next(i for i in items if i["kind"] == "incident")
    assert incident["record_id"] == incident_id
    assert incident["entry"]["what"] == "Fell from the slide"
    assert incident["notice"] == "kept under legal retention until 2044-06-01"
    assert n.client.get("/reports/retained", headers=practitioner.headers).status_code == 403
    assert n.client.get("/reports/retained", headers=parent.headers).status_code == 403

    assert _files_holding(data_dir, needles) == []
    if backend == "postgres":
        assert _pg_dump_holding(services.settings.database_url, needles) == []
    journey = services.app.repository.get(uuid.UUID(child))
    assert journey.erased and journey.name == CANARY_NAME  # under the retention key


def test_a_group_photo_of_an_erased_child_is_withdrawn_from_the_other_journey(nursery):
    n = nursery
    practitioner = n.practitioner()
    ada, ada_parent = family(n, "Ada Lovelace")
    ben, ben_parent = family(n, "Ben Babbage")
    for child, parent in ((ada, ada_parent), (ben, ben_parent)):
        r = n.client.put(f"/children/{child}/image-consent", headers=parent.headers,
                         json={"allowed": True})
        assert r.status_code == 204, r.text
    group = upload(n, practitioner, [ada, ben])
    alone = upload(n, practitioner, [ada])
    made = observe(n, practitioner, ada, text="Ada paints with Ben.", media=[group, alone],
                   children=[ben])
    assert made.status_code == 201, made.text
    approve(n, made.json()["observation_id"])
    own = observe(n, practitioner, ben, text="Ben builds.")
    approve(n, own.json()["observation_id"])
    ada_items = n.client.get(f"/children/{ada}/journey", headers=ada_parent.headers).json()
    assert ada_items["items"][0]["media"] == [group, alone]

    r = n.client.post(f"/children/{ben}/erase", headers=n.manager.headers,
                      json={"confirm": "Ben Babbage"})
    assert r.status_code == 204, r.text
    items = n.client.get(f"/children/{ada}/journey", headers=ada_parent.headers).json()["items"]
    assert [i["text"] for i in items] == ["Ada paints with Ben."]
    assert items[0]["media"] == [alone]
    assert "withdrawn" in items[0]["notice"]
    staff = n.client.get(f"/children/{ada}/journey", headers=n.manager.headers).json()
    assert staff["items"][0]["children"] == []
    assert "shared_media_withdrawn" in [w["code"] for w in staff["items"][0]["warnings"]]
    assert n.client.get(f"/media/{group}", headers=ada_parent.headers).status_code == 404
    assert n.client.get(f"/media/{alone}", headers=ada_parent.headers).status_code == 200


def test_retention_ends_when_the_child_is_21_years_and_3_months_old(nursery):
    n = nursery
    practitioner = n.practitioner()
    child, parent = family(n, "Ada Lovelace")
    assert entry(n, practitioner, child, {
        "kind": "incident", "at": f"{TODAY}T09:00:00+00:00", "what": "Bumped a head",
        "injury": "Bump", "first_aid": "Cold compress", "by": practitioner.account_id,
    }).status_code == 201
    r = n.client.post(f"/children/{child}/erase", headers=n.manager.headers,
                      json={"confirm": "Ada Lovelace"})
    assert r.status_code == 204, r.text
    assert run_retention(n.services) == 0
    assert len(n.client.get("/reports/retained", headers=n.manager.headers).json()["items"]) == 1

    n.clock.set(n.clock().replace(year=2044, month=5, day=31))
    assert run_retention(n.services) == 0
    later(n, 1, n.manager)
    assert run_retention(n.services) == 1
    assert not n.services.keys.exists(uuid.UUID(child), RETENTION_KEY)
    assert n.client.get("/reports/retained", headers=n.manager.headers).json()["items"] == []
    assert run_retention(n.services) == 0


# the portfolio


def test_the_portfolio_pdf_and_zip_hold_the_approved_journey_and_original_photos(nursery):
    import json
    import zipfile

    from pypdf import PdfReader

    n = nursery
    practitioner = n.practitioner()
    child, parent = family(n, "Ada Lovelace")
    _, stranger = family(n, "Ben Babbage")
    photos = [unique_photo(), unique_photo()]
    media = [upload(n, practitioner, [child], photo) for photo in photos]
    first = observe(n, practitioner, child, text="Ada paints a rainbow.", media=media[:1],
                    framework=[{"area": "expressive_arts_and_design"}],
                    next_steps="Offer more colours.")
    approve(n, first.json()["observation_id"])
    second = observe(n, practitioner, child, text="Ada counts bricks.", media=media[1:],
                     observed_on="2026-11-20")
    approve(n, second.json()["observation_id"])
    observe(n, practitioner, child, text="Pending and not for the family.")

    r = n.client.get(f"/children/{child}/portfolio.pdf", headers=parent.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/pdf")
    pdf = PdfReader(io.BytesIO(r.content))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Ada Lovelace" in text and "Ada paints a rainbow." in text
    assert text.index("Ada counts bricks.") < text.index("Ada paints a rainbow.")
    assert "Pending" not in text and "Offer more colours." in text
    images = [image for page in pdf.pages for image in page.images]
    assert len(images) == 2 and len(pdf.pages) >= 1
    assert all(image.data not in photos for image in images)  # scaled, not the originals

    r = n.client.get(f"/children/{child}/portfolio.zip", headers=n.manager.headers)
    assert r.status_code == 200, r.text
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    names = archive.namelist()
    assert "index.html" in names and "journey.json" in names
    assert "media/2026-11-20 ada counts bricks.jpg" in names
    stored = [b"".join(n.services.media.read(media_key(uuid.UUID(n.setting_id),
                                                       uuid.UUID(m)))) for m in media]
    kept = [archive.read(name) for name in names if name.startswith("media/")]
    assert sorted(kept) == sorted(stored)
    document = json.loads(archive.read("journey.json"))
    assert document["child"]["name"] == "Ada Lovelace"
    assert [o["text"] for o in document["observations"]] == [
        "Ada counts bricks.", "Ada paints a rainbow."]
    assert "media/" in archive.read("index.html").decode()

    for suffix in ("pdf", "zip"):
        r = n.client.get(f"/children/{child}/portfolio.{suffix}", headers=stranger.headers)
        assert r.status_code == 404
