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


def test_a_new_data_directory_is_the_owners_only(tmp_path):
    """Photos and read models land in it: no other account of the machine may read them."""
    data_dir = tmp_path / "fresh"
    Settings.from_env({"JOURNEY_DATA_DIR": str(data_dir)})
    assert data_dir.stat().st_mode & 0o777 == 0o700


def test_metrics_defaults_loopback_and_no_token(tmp_path):
    settings = Settings.from_env({"JOURNEY_DATA_DIR": str(tmp_path)})
    assert settings.metrics_allow == ("127.0.0.0/8", "::1/128")
    assert settings.metrics_token is None
    assert settings.ready_max_lag == 1000


@pytest.mark.parametrize(("name", "bad"), [
    ("JOURNEY_METRICS_ALLOW", "prometheus.local"),
    ("JOURNEY_METRICS_TOKEN", "short"),
    ("JOURNEY_METRICS_TOKEN", "has spaces in it but is long enough"),
    ("JOURNEY_READY_MAX_LAG", "0"),
])
def test_bad_operations_settings_are_named(tmp_path, name, bad):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"JOURNEY_DATA_DIR": str(tmp_path), name: bad})
    assert name in str(caught.value)
