"""A wrong JOURNEY_MASTER_KEY is refused at start with one sentence (issue 16)."""

from __future__ import annotations

import base64
import os

import pytest

from adapters.bootstrap import bootstrap
from adapters.cli import main
from adapters.settings import ConfigError

pytestmark = pytest.mark.storage


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_a_wrong_master_key_is_refused_at_start(settings_for, clock, capsys, monkeypatch):
    first = settings_for(JOURNEY_MASTER_KEY=_key())
    bootstrap(first, clock=clock).close()
    assert bootstrap(first, clock=clock).close() is None  # the same key starts again
    wrong = {"JOURNEY_DATA_DIR": str(first.data_dir), "JOURNEY_MASTER_KEY": _key()}
    if first.database_url:
        wrong["JOURNEY_DATABASE_URL"] = first.database_url
    with pytest.raises(ConfigError, match="JOURNEY_MASTER_KEY"):
        bootstrap(settings_for(**wrong), clock=clock)
    for name, value in wrong.items():
        monkeypatch.setenv(name, value)
    assert main(["projections", "rebuild"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("journey: JOURNEY_MASTER_KEY is not the key") and "\n" not in err
