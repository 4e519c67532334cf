"""A child's progress across the areas of learning, its chart, and the check at two."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from pypdf import PdfReader


def observe(nursery, who, child: str, observed_on: str, framework: list[dict],
            next_steps: str | None = None) -> str:
    r = nursery.client.post(f"/children/{child}/observations", headers=who.headers, json={
        "observed_on": observed_on, "text": "Plays with the sand.", "framework": framework,
        "media": [], "children": [], "next_steps": next_steps})
    assert r.status_code == 201, r.text
    return r.json()["observation_id"]


def area(body: dict, key: str) -> dict:
    return next(a for a in body["areas"] if a["area"] == key)


MATHS = {"area": "mathematics", "aspect": "number", "age_band": "birth_to_three"}
TALK = {"area": "communication_and_language", "aspect": "speaking"}


def test_staff_see_every_observation_parents_only_approved(nursery):
    pat = nursery.practitioner()
    child, parent = nursery.family("Ada Lovelace")
    approved = observe(nursery, pat, child, "2026-11-20", [MATHS], "Count to ten.")
    observe(nursery, pat, child, "2026-11-21", [MATHS, TALK], "Name the shapes.")
    observe(nursery, pat, child, "2026-05-04", [TALK])
    r = nursery.client.post(f"/observations/{approved}/approve",
                            headers=nursery.manager.headers, json={"revision": 1})
    assert r.status_code == 204, r.text
    r = nursery.client.post(f"/children/{child}/assessments", headers=pat.headers, json={
        "period": "Autumn 2026", "judgements": {"mathematics": "expected"}})
    assert r.status_code == 201, r.text

    staff = nursery.client.get(f"/children/{child}/progress", headers=pat.headers).json()
    assert staff["terms"] == ["2026 summer", "2026 autumn"]
    assert area(staff, "mathematics")["observations"] == {"2026 autumn": 2}
    assert area(staff, "communication_and_language")["observations"] == {
        "2026 summer": 1, "2026 autumn": 1}
    assert area(staff, "mathematics")["next_steps"] == "Name the shapes."
    assert area(staff, "mathematics")["latest_judgement"] == "expected"
    number = next(a for a in area(staff, "mathematics")["aspects"] if a["aspect"] == "number")
    assert number["observations"] == {"2026 autumn": 2}

    family = nursery.client.get(f"/children/{child}/progress", headers=parent.headers).json()
    assert area(family, "mathematics")["observations"] == {"2026 autumn": 1}
    assert area(family, "mathematics")["next_steps"] == "Count to ten."
    assert area(family, "communication_and_language")["observations"] == {}

    other, _ = nursery.family("Ben Okafor")
    assert nursery.client.get(f"/children/{other}/progress",
                              headers=parent.headers).status_code == 404


def test_the_chart_is_svg_with_one_mark_per_area(nursery):
    pat = nursery.practitioner()
    child, _ = nursery.family("Ada Lovelace")
    observe(nursery, pat, child, "2026-11-20", [MATHS])
    r = nursery.client.get(f"/children/{child}/progress", params={"format": "svg"},
                           headers=pat.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(r.content)
    ids = [g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g")
           if (g.get("id") or "").startswith("area-")]
    framework = nursery.client.get("/framework", headers=pat.headers).json()
    assert sorted(ids) == sorted(f"area-{a['key']}" for a in framework["areas"])
    assert b"<script" not in r.content
    bad = nursery.client.get(f"/children/{child}/progress", params={"format": "png"},
                             headers=pat.headers)
    assert bad.status_code == 400 and "'format'" in bad.json()["detail"]


def test_the_progress_check_at_two_as_a_pdf(nursery):
    pat = nursery.practitioner()
    child = nursery.enrol_child("Cy Young", date_of_birth="2024-06-01", key_person=pat)
    path = f"/children/{child}/progress-check.pdf"
    assert nursery.client.get(path, headers=pat.headers).status_code == 404
    r = nursery.client.post(f"/children/{child}/assessments", headers=pat.headers, json={
        "period": "Progress check at two", "summary": "Happy and settled.",
        "judgements": {"communication_and_language": "Uses two-word phrases.",
                       "personal_social_and_emotional_development": "Plays alongside.",
                       "physical_development": "Climbs steps."}})
    assert r.status_code == 201, r.text
    pdf = nursery.client.get(path, headers=pat.headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Cy Young" in text and "Uses two-word phrases." in text
    assert "Happy and settled." in text


def test_the_cohort_report_shares_children_at_or_above_expected(nursery):
    pat = nursery.practitioner()
    children = [nursery.enrol_child(name, room="Rainbow")
                for name in ("Ada Lovelace", "Ben Okafor", "Cara Jones")]
    nursery.enrol_child("Dev Singh", room="Sunshine")
    made = []
    for child, judgement in zip(children, ("expected", "emerging", "exceeding"), strict=True):
        r = nursery.client.post(f"/children/{child}/assessments", headers=pat.headers, json={
            "period": "Autumn 2026", "judgements": {"mathematics": judgement}})
        assert r.status_code == 201, r.text
        made.append((child, r.json()["assessment_id"]))
    waiting = nursery.client.get("/reports/cohort", headers=nursery.manager.headers,
                                 params={"room": "Rainbow", "term": "2026 autumn"}).json()
    assert waiting["assessments_waiting"] == 3  # not counted until a manager approves
    assert all(a["assessed"] == 0 for a in waiting["areas"])
    for child, assessment_id in made:
        r = nursery.client.post(f"/children/{child}/assessments/{assessment_id}/approve",
                                headers=nursery.manager.headers)
        assert r.status_code == 204, r.text
    r = nursery.client.get("/reports/cohort", headers=nursery.manager.headers,
                           params={"room": "Rainbow", "term": "2026 autumn"})
    assert r.status_code == 200, r.text
    maths = next(a for a in r.json()["areas"] if a["area"] == "mathematics")
    assert (maths["children"], maths["assessed"], maths["at_or_above_expected"]) == (3, 3, 2)
    assert maths["share"] == 0.667
    spring = nursery.client.get("/reports/cohort", headers=nursery.manager.headers,
                                params={"room": "Rainbow", "term": "2026 spring"}).json()
    assert all(a["assessed"] == 0 for a in spring["areas"])
    assert nursery.client.get("/reports/cohort", headers=pat.headers,
                              params={"room": "Rainbow"}).status_code == 403
    bad = nursery.client.get("/reports/cohort", headers=nursery.manager.headers,
                             params={"room": "Rainbow", "term": "autumn"})
    assert bad.status_code == 400 and "'term'" in bad.json()["detail"]
    assert nursery.client.get("/reports/cohort", headers=nursery.manager.headers,
                              params={"room": "Nowhere"}).status_code == 404
