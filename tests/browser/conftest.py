"""The browser shared by each module of browser tests."""

from __future__ import annotations

import pytest

from tests.browser.support import browser_or_skip


@pytest.fixture(scope="module")
def browser():
    yield from browser_or_skip()
