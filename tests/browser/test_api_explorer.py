"""The API explorer (issue 20 #8): Swagger UI from local files only, under its CSP."""

from __future__ import annotations

import pytest

from tests.browser.support import Watched
from tests.live import start


@pytest.fixture(scope="module")
def url(tmp_path_factory, browser):
    process, made = start(tmp_path_factory.mktemp("explorer"), None)
    try:
        yield made["url"]
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_explorer_lists_the_api_with_nothing_from_elsewhere(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    asked: list[str] = []
    context.on("request", lambda request: asked.append(request.url))
    watched = Watched(context)
    page = watched.page
    page.goto(f"{url}/schema/explorer")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    assert "/auth/login" in page.content()
    assert page.locator(".opblock").count() > 40  # every operation of /schema
    elsewhere = [a for a in asked if not a.startswith(url) and not a.startswith("data:")]
    assert elsewhere == []
    assert watched.errors == [], watched.errors
    assert page.evaluate("window.__cspBlocked") == []
    context.close()
