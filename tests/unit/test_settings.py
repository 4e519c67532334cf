"""Settings: every variable checked at start-up, with a sentence naming it."""

from __future__ import annotations

import pytest

from adapters.settings import ConfigError, Settings


def test_http_threads_default_and_override(tmp_path):
    assert Settings.from_env({"JOURNEY_DATA_DIR": str(tmp_path)}).http_threads == 32
    chosen = Settings.from_env({"JOURNEY_DATA_DIR": str(tmp_path), "JOURNEY_HTTP_THREADS": "8"})
    assert chosen.http_threads == 8


@pytest.mark.parametrize("bad", ["0", "-3", "many", "1000"])
def test_bad_http_threads_are_named(tmp_path, bad):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"JOURNEY_DATA_DIR": str(tmp_path), "JOURNEY_HTTP_THREADS": bad})
    assert "JOURNEY_HTTP_THREADS" in str(caught.value)
