"""Consent over HTTP: the agreement gate, image consent at approval, retroactive withdrawal.

These scenarios need the journey (enrolment, observations, approval, journey view) and
media (upload, download) routes too.
"""

from __future__ import annotations

import io

import pytest

GATE = "must be signed first"


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def upload(nursery, person, children: list[str]) -> str:
    r = nursery.client.post("/media", headers={
        **person.headers, "Content-Type": "image/jpeg", "X-Children": ",".join(children)},
        content=jpeg())
    assert r.status_code == 201, r.text
    return r.json()["media_id"]


def observe(nursery, person, child_id: str, media: list[str]) -> dict:
    r = nursery.client.post(f"/children/{child_id}/observations", headers=person.headers, json={
        "observed_on": nursery.clock().date().isoformat(),
        "text": "Plays with the blocks and builds a tall tower.",
        "framework": [], "media": media, "children": [], "next_steps": "More building.",
    })
    assert r.status_code == 201, r.text
    return r.json()


def approve(nursery, observation: dict):
    return nursery.client.post(f"/observations/{observation['observation_id']}/approve",
                               headers=nursery.manager.headers,
                               json={"revision": observation["revision"]})


def journey_media(nursery, person, child_id: str) -> set[str]:
    r = nursery.client.get(f"/children/{child_id}/journey", headers=person.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    entries = body["items"] if isinstance(body, dict) else body
    found = set()
    for entry in entries:
        for item in entry.get("media", []):
            found.add(item if isinstance(item, str) else item["media_id"])
    return found


def consent(nursery, parent, child_id: str, allowed: bool) -> None:
    r = nursery.client.put(f"/children/{child_id}/image-consent", headers=parent.headers,
                           json={"allowed": allowed})
    assert r.status_code == 204, r.text


def image_consent_listed(nursery, child_id: str) -> bool:
    r = nursery.client.get("/children", headers=nursery.manager.headers)
    assert r.status_code == 200, r.text
    return next(c["image_consent"] for c in r.json()["items"] if c["child_id"] == child_id)


def reviews(nursery) -> list[dict]:
    r = nursery.client.get("/consent-reviews", headers=nursery.manager.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


# terms and the agreement gate


def test_terms_are_published_by_managers_and_read_without_an_agreement(nursery):
    parent = nursery.parent()
    assert nursery.client.get("/setting/terms", headers=parent.headers).status_code == 404
    r = nursery.client.post("/setting/terms", headers=parent.headers, json={"text": "Mine"})
    assert r.status_code == 403
    r = nursery.client.post("/setting/terms", headers=nursery.manager.headers, json={"text": " "})
    assert r.status_code == 400 and "'text'" in r.json()["detail"]
    assert nursery.publish_terms("First terms") == 1
    assert nursery.publish_terms("Second terms") == 2
    r = nursery.client.get("/setting/terms", headers=parent.headers)
    assert r.status_code == 200
    assert r.json()["version"] == 2 and r.json()["text"] == "Second terms"


def test_an_unsigned_parent_gets_403_saying_where_to_sign_then_signs_and_sees(nursery):
    nursery.publish_terms()
    child_id, parent = nursery.family(sign=False)
    r = nursery.client.get(f"/children/{child_id}/journey", headers=parent.headers)
    assert r.status_code == 403
    detail = r.json()["detail"]
    assert GATE in detail
    assert "GET /setting/terms" in detail and f"POST /children/{child_id}/agreement" in detail
    r = nursery.client.put(f"/children/{child_id}/image-consent", headers=parent.headers,
                           json={"allowed": True})
    assert r.status_code == 403 and GATE in r.json()["detail"]

    version = nursery.client.get("/setting/terms", headers=parent.headers).json()["version"]
    r = nursery.client.post(f"/children/{child_id}/agreement", headers=parent.headers,
                            json={"terms_version": version})
    assert r.status_code == 204, r.text
    assert journey_media(nursery, parent, child_id) == set()


def test_new_terms_lock_parents_out_until_they_sign_again(nursery):
    child_id, parent = nursery.family()
    path = f"/children/{child_id}/journey"
    assert nursery.client.get(path, headers=parent.headers).status_code == 200
    version = nursery.publish_terms("New terms")
    r = nursery.client.get(path, headers=parent.headers)
    assert r.status_code == 403 and GATE in r.json()["detail"]
    r = nursery.client.post(f"/children/{child_id}/agreement", headers=parent.headers,
                            json={"terms_version": version - 1})
    assert r.status_code == 409
    nursery.sign_agreement(parent, child_id)
    assert nursery.client.get(path, headers=parent.headers).status_code == 200
    # a small change the manager keeps older signatures valid for
    nursery.publish_terms("Typo fixed", keep_older_signatures=True)
    assert nursery.client.get(path, headers=parent.headers).status_code == 200

    r = nursery.client.get(f"/children/{child_id}/consent", headers=parent.headers)
    assert r.status_code == 200
    signed = r.json()["agreements"]
    assert [a["terms_version"] for a in signed] == [1, 2]
    assert {a["parent_id"] for a in signed} == {parent.account_id}
    assert all(a["signed_at"] for a in signed)


def test_only_a_linked_parent_signs(nursery):
    nursery.publish_terms()
    child_id, _ = nursery.family(sign=False)
    stranger = nursery.parent("Stranger")
    r = nursery.client.post(f"/children/{child_id}/agreement", headers=stranger.headers,
                            json={"terms_version": 1})
    assert r.status_code == 404
    assert nursery.client.get(f"/children/{child_id}/consent",
                              headers=stranger.headers).status_code == 404
    r = nursery.client.post(f"/children/{child_id}/agreement", headers=nursery.manager.headers,
                            json={"terms_version": 1})
    assert r.status_code == 403


# image consent


def test_image_consent_starts_not_given_and_staff_see_it(nursery):
    child_id, parent = nursery.family()
    assert image_consent_listed(nursery, child_id) is False
    consent(nursery, parent, child_id, True)
    assert image_consent_listed(nursery, child_id) is True
    r = nursery.client.get(f"/children/{child_id}/consent", headers=nursery.manager.headers)
    assert r.json()["image_consent"] is True
    consent(nursery, parent, child_id, False)
    assert image_consent_listed(nursery, child_id) is False


def test_a_group_photo_with_a_no_consent_child_goes_only_into_that_childs_journey(nursery):
    ada, ada_parent = nursery.family("Ada Lovelace")
    ben, ben_parent = nursery.family("Ben Franklin")  # no image consent
    consent(nursery, ada_parent, ada, True)
    photo = upload(nursery, nursery.manager, [ada, ben])

    for_ada = observe(nursery, nursery.manager, ada, [photo])
    r = approve(nursery, for_ada)
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert "image consent" in detail
    assert ben not in detail and "Ben" not in detail

    for_ben = observe(nursery, nursery.manager, ben, [photo])
    assert approve(nursery, for_ben).status_code == 204
    assert photo in journey_media(nursery, ben_parent, ben)
    assert nursery.client.get(f"/media/{photo}", headers=ben_parent.headers).status_code == 200
    assert nursery.client.get(f"/media/{photo}", headers=ada_parent.headers).status_code == 404


def test_staff_are_warned_when_media_show_a_child_without_consent(nursery):
    ada, ada_parent = nursery.family("Ada Lovelace")
    ben, _ = nursery.family("Ben Franklin")  # no image consent
    consent(nursery, ada_parent, ada, True)
    photo = upload(nursery, nursery.manager, [ada, ben])
    warned = _consent_warnings(observe(nursery, nursery.manager, ada, [photo])["warnings"])
    assert warned
    assert _consent_warnings(observe(nursery, nursery.manager, ben, [photo])["warnings"]) == []


def _consent_warnings(warnings: list) -> list:
    texts = [w if isinstance(w, str) else f"{w.get('code')} {w.get('detail')}" for w in warnings]
    return [t for t in texts if "consent" in t]


def _visibility(nursery, ada, ada_parent, photo) -> tuple[bool, int]:
    shown = photo in journey_media(nursery, ada_parent, ada)
    status = nursery.client.get(f"/media/{photo}", headers=ada_parent.headers).status_code
    return shown, status


def test_withdrawal_hides_a_group_photo_at_once_until_a_review_after_consent_again(nursery):
    ada, ada_parent = nursery.family("Ada Lovelace")
    ben, ben_parent = nursery.family("Ben Franklin")
    consent(nursery, ben_parent, ben, True)
    photo = upload(nursery, nursery.manager, [ada, ben])
    for_ada = observe(nursery, nursery.manager, ada, [photo])
    assert approve(nursery, for_ada).status_code == 204
    assert _visibility(nursery, ada, ada_parent, photo) == (True, 200)
    assert reviews(nursery) == []

    consent(nursery, ben_parent, ben, False)
    assert _visibility(nursery, ada, ada_parent, photo) == (False, 404)
    staff_entry = nursery.client.get(f"/children/{ada}/journey",
                                     headers=nursery.manager.headers).json()["items"][0]
    assert photo not in staff_entry["media"]  # gone from the staff view of Ada's journey too
    assert staff_entry["withheld_media"] == [photo]
    listed = reviews(nursery)
    assert [(r["observation_id"], r["child_id"]) for r in listed] == [
        (for_ada["observation_id"], ben)]
    assert nursery.client.get("/consent-reviews",
                              headers=ada_parent.headers).status_code == 403

    nursery.services.projections.rebuild()
    assert _visibility(nursery, ada, ada_parent, photo) == (False, 404)

    consent(nursery, ben_parent, ben, True)
    assert _visibility(nursery, ada, ada_parent, photo) == (False, 404)
    assert [r["observation_id"] for r in reviews(nursery)] == [for_ada["observation_id"]]

    r = nursery.client.post(f"/consent-reviews/{for_ada['observation_id']}/resolve",
                            headers=nursery.manager.headers)
    assert r.status_code == 204, r.text
    assert _visibility(nursery, ada, ada_parent, photo) == (True, 200)
    assert reviews(nursery) == []
    r = nursery.client.post(f"/consent-reviews/{for_ada['observation_id']}/resolve",
                            headers=nursery.manager.headers)
    assert r.status_code == 404

    nursery.services.projections.rebuild()
    assert _visibility(nursery, ada, ada_parent, photo) == (True, 200)
    assert reviews(nursery) == []


def test_a_review_while_consent_is_still_withdrawn_keeps_the_photo_hidden(nursery):
    ada, ada_parent = nursery.family("Ada Lovelace")
    ben, ben_parent = nursery.family("Ben Franklin")
    consent(nursery, ben_parent, ben, True)
    photo = upload(nursery, nursery.manager, [ada, ben])
    for_ada = observe(nursery, nursery.manager, ada, [photo])
    assert approve(nursery, for_ada).status_code == 204
    consent(nursery, ben_parent, ben, False)
    path = f"/consent-reviews/{for_ada['observation_id']}/resolve"
    assert nursery.client.post(path, headers=nursery.manager.headers).status_code == 204
    assert _visibility(nursery, ada, ada_parent, photo) == (False, 404)
    assert reviews(nursery) == []
    consent(nursery, ben_parent, ben, True)  # back on the list, still hidden
    assert [r["child_id"] for r in reviews(nursery)] == [ben]
    assert _visibility(nursery, ada, ada_parent, photo) == (False, 404)
    assert nursery.client.post(path, headers=nursery.manager.headers).status_code == 204
    assert _visibility(nursery, ada, ada_parent, photo) == (True, 200)


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "cursor=nonsense"])
def test_review_list_rejects_bad_paging(nursery, query):
    r = nursery.client.get(f"/consent-reviews?{query}", headers=nursery.manager.headers)
    assert r.status_code == 400
