"""Issue 22 #6: a security-relevant change made through one server process holds in
every other process from the moment the command's response is sent."""

from __future__ import annotations

import pytest

from tests.e2e.processes import EMAIL, PASSWORD, call, data_store, post, servers, set_up


@pytest.fixture
def two_servers(backend, tmp_path):
    with data_store(backend, tmp_path) as env:
        made = set_up(env)
        with servers(env, 2) as ports:
            yield ports, made["device_token"]


def _login(port: int, office: str, email: str = EMAIL) -> dict:
    status, body = post(port, "/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return {"Authorization": f"Bearer {body['token']}", "X-Device-Token": office}


def _setting(port: int, headers: dict) -> int:
    return call(port, "GET", "/setting", headers=headers)[0]


def test_a_stolen_tablet_stops_on_the_other_server_at_once(two_servers):
    (a, b), office = two_servers
    manager = _login(a, office)
    status, tablet = post(a, "/devices", {"label": "Tablet 1", "kind": "tablet"}, manager)
    assert status == 201
    assert post(a, f"/devices/{tablet['device_id']}/sign-out", {}, manager)[0] == 204
    on_tablet = {**manager, "X-Device-Token": tablet["device_token"]}
    assert _setting(b, on_tablet) == 200  # server B now keeps what it read
    status, _ = post(a, f"/devices/{tablet['device_id']}/damage",
                     {"kind": "theft", "description": "taken from the garden",
                      "deliberate": True}, manager)
    assert status == 201
    assert _setting(b, on_tablet) == 403


def test_a_signed_in_tablet_stops_on_the_other_server_at_once(two_servers):
    (a, b), office = two_servers
    manager = _login(a, office)
    status, tablet = post(a, "/devices", {"label": "Tablet 2", "kind": "tablet"}, manager)
    assert post(a, f"/devices/{tablet['device_id']}/sign-out", {}, manager)[0] == 204
    on_tablet = {**manager, "X-Device-Token": tablet["device_token"]}
    assert _setting(b, on_tablet) == 200
    assert post(a, f"/devices/{tablet['device_id']}/sign-in", {}, manager)[0] == 200
    assert _setting(b, on_tablet) == 403


def test_a_logout_and_a_disabled_account_stop_on_the_other_server_at_once(two_servers):
    (a, b), office = two_servers
    manager = _login(a, office)
    assert _setting(b, manager) == 200
    assert post(a, "/auth/logout", {}, manager)[0] == 204
    assert _setting(b, manager) == 401

    manager = _login(a, office)
    status, made = post(a, "/accounts", {"email": "pat@two.test", "password": PASSWORD,
                                         "display_name": "Pat", "roles": ["practitioner"]},
                        manager)
    assert status == 201
    pat = _login(a, office, "pat@two.test")
    assert _setting(b, pat) == 200
    assert post(a, f"/accounts/{made['account_id']}/disable", {}, manager)[0] == 204
    assert _setting(b, pat) == 401

