"""The pages as an intruder probes them (ATTACK.md): what each download says it is."""

from __future__ import annotations

import pytest

from tests.e2e.test_web_family_http import sign_in

pytestmark = pytest.mark.storage


def test_the_portfolio_downloads_say_what_they_are(nursery):
    """A parent's portfolio from the pages is a PDF and a zip, not JSON (nosniff: a
    browser believes the header)."""
    n = nursery
    child_id, parent = n.family("Ada Lovelace")
    c = n.client
    c.headers.pop("Authorization", None)
    sign_in(c, parent.email)
    for name, kind in (("portfolio.pdf", "application/pdf"),
                       ("portfolio.zip", "application/zip")):
        r = c.get(f"/progress/{child_id}/{name}")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == kind, name


def test_a_form_refused_for_its_csrf_token_is_counted_as_refused(nursery, monkeypatch):
    """A forged form is a 403 in the metrics and the access log, not a server error."""
    from adapters.http import middleware

    n = nursery
    child_id, parent = n.family("Ada Lovelace")
    counted = []
    monkeypatch.setattr(middleware, "observe_request",
                        lambda method, route, status, seconds: counted.append(
                            (method, route, status)))
    c = n.client
    c.headers.pop("Authorization", None)
    sign_in(c, parent.email)
    r = c.post(f"/day/{child_id}/2026-11-25/messages", data={"text": "forged"})
    assert r.status_code == 403
    assert counted[-1] == ("POST", "/day/{child_id}/{date}/messages", 403)


def test_the_audit_trail_page_is_html_whatever_the_browser_accepts(nursery):
    """A browser that also accepts CSV still gets the page, never a 500."""
    from tests.e2e.test_web_staff_http import enrol

    n = nursery
    child_id, _ = n.family("Ada Lovelace")
    c = n.client
    c.headers.pop("Authorization", None)
    lead = n.add_person(["safeguarding_lead"], "Sally Lead")
    enrol(c, n.office_device_token)
    sign_in(c, lead.email)
    page = c.get(f"/audit-trail?child_id={child_id}",
                 headers={"Accept": "text/html, text/csv;q=0.9"})
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")


def test_a_day_beyond_the_calendar_is_a_page_not_json(nursery):
    """The day before 1 January year 1 cannot be computed: a 400 page saying so."""
    n = nursery
    child_id, parent = n.family("Ada Lovelace")
    c = n.client
    c.headers.pop("Authorization", None)
    sign_in(c, parent.email)
    r = c.get(f"/day/{child_id}/0001-01-01")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html") and "out of the range" in r.text


def test_a_parent_on_the_observe_page_sees_no_other_family(nursery):
    """Parents hold `observation.submit` (contributions from home), so the staff's
    observation form opens for them too: it lists their own children only."""
    n = nursery
    child_id, parent = n.family("Ada Lovelace")
    n.family("Grace Hopper")
    c = n.client
    c.headers.pop("Authorization", None)
    sign_in(c, parent.email)
    page = c.get("/observe")
    assert "Grace Hopper" not in page.text
    if page.status_code == 200:
        assert child_id in page.text
