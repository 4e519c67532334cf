"""Every route, every kind of caller: no answer allows what the access table forbids.

Routes are enumerated from the app itself, so a new route without an entry in
`domain.access.PERMISSIONS` (or an explicit `public`) fails here.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from adapters.http.auth import route_permission
from adapters.setup import set_up_setting
from domain.access import PERMISSIONS
from tests.support import PASSWORD, Person

STAFF = {"manager", "practitioner", "safeguarding_lead"}


def _routes(app):
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method in ("HEAD", "OPTIONS"):
                    continue
                yield route.path, method, handler


def _is_public(handler) -> bool:
    opt = handler.opt or {}
    return bool(opt.get("public") or (opt.get("opts") or {}).get("public")) or \
        handler.__class__.__module__.startswith("litestar.openapi") or \
        "openapi" in handler.handler_name.lower() or handler.handler_name.startswith("_")


def test_every_route_names_a_permission_of_the_table(nursery):
    app = nursery.client.app
    missing = []
    for path, method, handler in _routes(app):
        if path.startswith("/schema") or _is_public(handler):
            continue
        permission = route_permission(handler)
        if permission not in PERMISSIONS:
            missing.append(f"{method} {path}: {permission!r}")
    assert not missing, "routes without an access-table entry: " + "; ".join(missing)


def _fill(path: str, own_child: str, ids: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name, _, kind = match.group(1).partition(":")
        if name == "child_id":
            return own_child
        if name == "date" or kind == "date":
            return "2026-11-25"
        if name == "room":
            return "Rainbow"
        return ids.get(name, str(uuid.uuid4()))

    return re.sub(r"\{([^}]+)\}", value, path)


@pytest.fixture
def cast(nursery):
    """One caller of each kind, with a child of their own and another family's child."""
    own_child = nursery.enrol_child("Own Child")
    other_child = nursery.enrol_child("Other Child")
    people = {
        "manager": nursery.manager,
        "practitioner": nursery.practitioner(),
        "safeguarding_lead": nursery.add_person(["safeguarding_lead"], "Sally Lead"),
    }
    parent = nursery.parent("Own Parent")
    nursery.link(parent, own_child)
    nursery.sign_agreement(parent, own_child)
    people["parent"] = parent
    people["support"] = nursery.add_person(["support"], "Sam Support")
    other = set_up_setting(nursery.services, "Elsewhere", "boss@elsewhere.test", PASSWORD,
                           open_all_hours=True)
    token = nursery.login("boss@elsewhere.test")
    people["other_setting_manager"] = Person(other["manager_id"], "boss@elsewhere.test", token,
                                             other["device_token"], ["manager"])
    return nursery, people, own_child, other_child


def _allowed(permission: str, who: str) -> bool:
    roles = {"other_setting_manager": "manager"}.get(who, who)
    return roles in PERMISSIONS[permission].roles


def _is_page(handler) -> bool:
    """A web page: signed in by cookie, not by these bearer headers (tests/e2e/test_web_*
    and tests/browser walk the pages through the same guard)."""
    return any((layer.opt or {}).get("web") for layer in handler.ownership_layers)


def test_no_caller_gets_what_the_table_forbids(cast):
    nursery, people, own_child, other_child = cast
    app = nursery.client.app
    breaches = []
    for path, method, handler in _routes(app):
        if path.startswith("/schema") or _is_public(handler) or _is_page(handler):
            continue
        permission = route_permission(handler)
        for who, person in people.items():
            for child in (own_child, other_child):
                url = _fill(path, child, {})
                r = nursery.client.request(method, url, headers=person.headers, json={})
                status = r.status_code
                if status >= 500:
                    breaches.append(f"{who} {method} {url}: {status}")
                    continue
                forbidden = not _allowed(permission, who)
                foreign = who == "other_setting_manager" and "{child_id" in path
                other_family = who == "parent" and child == other_child and "{child_id" in path
                if (forbidden or foreign or other_family) and status < 400:
                    breaches.append(f"{who} {method} {url}: {status}")
                if other_family and status not in (403, 404):
                    breaches.append(f"{who} {method} {url}: {status} (expected 404)")
                if foreign and status != 404 and not forbidden:
                    breaches.append(f"{who} {method} {url}: {status} (expected 404)")
    assert not breaches, "\n".join(breaches)


def test_staff_without_device_or_out_of_hours_get_nothing(cast):
    nursery, people, own_child, _ = cast
    nursery.client.put("/setting/opening-hours", headers=nursery.manager.headers, json={
        "timezone": "Europe/London", "days": {"mon": ["07:30", "18:30"]}})
    app = nursery.client.app
    breaches = []
    for path, method, handler in _routes(app):
        if path.startswith("/schema") or _is_public(handler) or _is_page(handler):
            continue
        url = _fill(path, own_child, {})
        for who in ("manager", "practitioner", "safeguarding_lead"):
            person = people[who]
            nursery.clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # Monday, open
            bare = {"Authorization": f"Bearer {person.token}"}
            r = nursery.client.request(method, url, headers=bare, json={})
            if r.status_code != 403:
                breaches.append(f"{who} without device {method} {url}: {r.status_code}")
            nursery.clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))  # Tuesday, closed
            r = nursery.client.request(method, url, headers=person.headers, json={})
            if r.status_code != 403:
                breaches.append(f"{who} out of hours {method} {url}: {r.status_code}")
    assert not breaches, "\n".join(breaches)
