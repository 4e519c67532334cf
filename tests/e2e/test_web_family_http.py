"""The parents' pages over HTTP (no browser): sign in with a cookie, the agreement gate,
the journey, comments, the day, another family's child, CSRF and the JSON API unaffected."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.media_support import png_bytes
from tests.support import PASSWORD

pytestmark = pytest.mark.storage

DATE = "2026-11-25"  # the nursery fixture's clock


def csrf(page_html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', page_html).group(1)


def sign_in(client, email: str, password: str = PASSWORD) -> None:
    page = client.get("/sign-in")
    assert page.status_code == 200
    r = client.post("/sign-in", data={"email": email, "password": password, "next": "/",
                                      "_csrf_token": csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    session = r.headers["set-cookie"]
    assert "journey_session=" in session and "HttpOnly" in session
    assert "SameSite=lax" in session or "samesite=lax" in session.lower()


def observe(n, person, child_id, text, media=()):
    r = n.client.post(f"/children/{child_id}/observations", headers=person.headers,
                      json={"observed_on": "2026-11-24", "text": text, "media": list(media),
                            "framework": [{"area": "communication_and_language",
                                           "aspect": "listening_attention_and_understanding"}]})
    assert r.status_code == 201, r.text
    return r.json()["observation_id"]


def test_a_parent_signs_in_signs_reads_comments_and_acknowledges(nursery):
    n = nursery
    practitioner = n.practitioner("Pat Practitioner")
    child_id, parent = n.family("Ada Lovelace", sign=False)
    n.publish_terms("We look after Ada.")
    photo = n.client.post("/media", headers={**practitioner.headers,
                                             "Content-Type": "image/png",
                                             "X-Children": child_id}, content=png_bytes())
    assert photo.status_code == 201, photo.text
    media_id = photo.json()["media_id"]
    shown = observe(n, practitioner, child_id, "Ada listens to a story.", [media_id])
    observe(n, practitioner, child_id, "Still waiting for a manager.")
    r = n.client.post(f"/observations/{shown}/approve", headers=n.manager.headers,
                      json={"revision": 1})
    assert r.status_code == 204, r.text
    incident = n.client.post(f"/children/{child_id}/diary/{DATE}/entries",
                             headers=practitioner.headers, json={
                                 "kind": "incident", "at": f"{DATE}T09:00:00+00:00",
                                 "what": "Fell from the slide", "injury": "Graze",
                                 "first_aid": "Plaster", "by": practitioner.account_id})
    assert incident.status_code == 201, incident.text

    c = n.client
    start = c.get("/", follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"].startswith("/sign-in")
    sign_in(c, parent.email)
    home = c.get("/", follow_redirects=False)
    assert home.headers["location"] == f"/agreement/{child_id}"
    blocked = c.get(f"/journey/{child_id}", follow_redirects=False)
    assert blocked.headers["location"] == f"/agreement/{child_id}"
    agreement = c.get(f"/agreement/{child_id}")
    assert "We look after Ada." in agreement.text
    assert "other children" in agreement.text
    csp = agreement.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    no_token = c.post(f"/agreement/{child_id}", data={"terms_version": "1",
                                                     "image_consent": "yes"})
    assert no_token.status_code == 403
    signed = c.post(f"/agreement/{child_id}", data={
        "terms_version": "1", "image_consent": "no", "_csrf_token": csrf(agreement.text)},
        follow_redirects=False)
    assert signed.status_code == 303, signed.text

    page = c.get(f"/journey/{child_id}")
    assert page.status_code == 200
    assert "Ada listens to a story." in page.text
    assert "Still waiting" not in page.text
    assert "Communication and Language — Listening, Attention and Understanding" in page.text
    assert f'src="/photos/{media_id}"' in page.text
    image = c.get(f"/photos/{media_id}")
    assert image.status_code == 200 and image.content == png_bytes()
    r = c.post(f"/journey/{child_id}/observations/{shown}/comments",
               data={"text": "She loves that book!", "_csrf_token": csrf(page.text)})
    assert r.status_code == 200 and "waiting for the nursery" in r.text
    waiting = n.client.get("/moderation/comments", headers=n.manager.headers).json()["items"]
    r = n.client.post(f"/children/{child_id}/comments/{waiting[0]['comment_id']}/approve",
                      headers=n.manager.headers)
    assert r.status_code == 204, r.text
    assert "She loves that book!" in c.get(f"/journey/{child_id}").text

    day = c.get(f"/day/{child_id}")
    assert "Fell from the slide" in day.text and "I have read this" in day.text
    entry_id = incident.json()["entry_id"]
    r = c.post(f"/day/{child_id}/{DATE}/incidents/{entry_id}/acknowledge",
               data={"_csrf_token": csrf(day.text)})
    assert r.status_code == 200 and "Acknowledged" in r.text
    assert "Nothing recorded yet" in c.get(f"/day/{child_id}/2026-11-20").text
    progress = c.get(f"/progress/{child_id}")
    assert progress.status_code == 200 and "Communication and Language" in progress.text
    for link in re.findall(r'(?:href|src)="(/progress/[^"]+)"', progress.text):
        assert c.get(link).status_code == 200, link

    other_child, _ = n.family("Grace Hopper")
    theirs = c.get(f"/journey/{other_child}")
    unknown = c.get(f"/journey/{uuid.uuid4()}")
    mistyped = c.get("/jurney", headers={"Accept": "text/html"})
    assert theirs.status_code == unknown.status_code == mistyped.status_code == 404
    assert theirs.text == unknown.text
    assert "Page not found" in mistyped.text

    r = c.post("/sign-out", data={"_csrf_token": csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get(f"/journey/{child_id}", follow_redirects=False).status_code == 303


def test_the_json_api_needs_no_csrf_and_pages_stay_out_of_the_schema(nursery):
    n = nursery
    child_id, parent = n.family("Ada Lovelace")
    r = n.client.post(f"/children/{child_id}/diary/{DATE}/messages", headers=parent.headers,
                      json={"text": "Ada slept badly."})
    assert r.status_code == 201, r.text
    paths = n.client.get("/schema").json()["paths"]
    assert not [p for p in paths if p.startswith(("/journey", "/day", "/sign-in", "/static"))]
    assert n.client.get("/nothing-here").headers["content-type"].startswith("application/json")


def test_a_parent_contributes_a_photo_from_home(nursery):
    n = nursery
    child_id, parent = n.family("Ada Lovelace")
    c = n.client
    sign_in(c, parent.email)
    form = c.get(f"/journey/{child_id}/contribute")
    assert 'accept="image/*"' in form.text
    r = c.post(f"/journey/{child_id}/contribute",
               data={"text": "Ada baked bread.", "_csrf_token": csrf(form.text)},
               files={"photos": ("bread.png", png_bytes(), "image/png")},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "contribution" in r.headers["location"]
    queue = n.client.get("/moderation/queue", headers=n.manager.headers).json()["items"]
    assert [(q["text"], len(q["media"])) for q in queue] == [("Ada baked bread.", 1)]
