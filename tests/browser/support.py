"""Browser tests' helpers: Debian's chromium driven by Playwright (never a downloaded
browser), axe-core from the `axe-playwright-python` package, and the page checks every
test makes (no console error, nothing blocked by the CSP, no horizontal scrolling)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SERIOUS = {"serious", "critical"}

# Recorded in the page before any of its own scripts run: what the CSP blocked.
WATCH_CSP = """
window.__cspBlocked = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspBlocked.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def browser_or_skip() -> Iterator[Any]:
    """A headless chromium; skipped locally without /usr/bin/chromium, failed in CI."""
    if not CHROMIUM.exists():
        message = ("/usr/bin/chromium is absent: `apt-get install -y chromium` to run the "
                   "browser tests")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A page with its console errors and CSP refusals collected."""

    def __init__(self, context: Any):
        self.context = context
        context.add_init_script(WATCH_CSP)
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def check(self, width: int | None = None) -> None:
        """No console error, nothing blocked by the CSP, no serious or critical axe
        violation, and (at `width`) no horizontal scrolling."""
        page = self.page
        assert self.errors == [], self.errors
        assert page.evaluate("window.__cspBlocked") == []
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(page)
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]])
               for v in results.response["violations"] if v["impact"] in SERIOUS]
        assert bad == [], f"{page.url}: {bad}"
        if width is not None:
            size = page.viewport_size
            page.set_viewport_size({"width": width, "height": size["height"]})
            scroll = page.evaluate("[document.documentElement.scrollWidth, "
                                   "document.documentElement.clientWidth]")
            page.set_viewport_size(size)
            assert scroll[0] <= scroll[1], f"{page.url} scrolls sideways at {width}px: {scroll}"


def photo_jpeg(colour: str = "#d98c3f") -> bytes:
    """A small photograph-like JPEG (a sunny scene), for pages and screenshots."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 360), "#8fc3e8")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 250, 480, 360), fill="#6aa84f")
    draw.ellipse((360, 30, 440, 110), fill="#ffd966")
    for i, x in enumerate(range(120, 300, 40)):
        draw.rectangle((x, 250 - 40 * (i + 1), x + 36, 250), fill=colour, outline="#5b3a1a")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
