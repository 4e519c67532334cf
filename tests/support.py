"""Test helpers: a running nursery over HTTP with its people and devices."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from litestar.testing import TestClient

PASSWORD = "correct-horse-battery"


@dataclass
class Person:
    """Someone who can log in; `headers` carries their token (and device for staff)."""

    account_id: str
    email: str
    token: str
    device_token: str | None = None
    roles: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self.token}"}
        if self.device_token:
            h["X-Device-Token"] = self.device_token
        return h


@dataclass
class Nursery:
    """A set-up setting served by a TestClient, with helpers to add people and children."""

    client: TestClient
    services: Any
    setting_id: str
    manager: Person
    office_device_token: str
    clock: Any

    def login(self, email: str, password: str = PASSWORD) -> str:
        r = self.client.post("/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["token"]

    def add_person(self, roles: list[str], name: str = "Someone", email: str | None = None
                   ) -> Person:
        """Create an account with these roles and log it in (staff and support use the
        office device)."""
        email = email or f"{roles[0]}-{uuid.uuid4().hex[:8]}@example.org"
        r = self.client.post("/accounts", headers=self.manager.headers, json={
            "email": email, "password": PASSWORD, "display_name": name, "roles": roles})
        assert r.status_code == 201, r.text
        token = self.login(email)
        staff = any(x in roles for x in ("manager", "practitioner", "safeguarding_lead",
                                         "support"))  # support too use setting equipment
        return Person(r.json()["account_id"], email, token,
                      self.office_device_token if staff else None, roles)

    def practitioner(self, name: str = "Pat Practitioner") -> Person:
        return self.add_person(["practitioner"], name)

    def parent(self, name: str = "Parent") -> Person:
        return self.add_person(["parent"], name)

    def register_device(self, kind: str = "tablet", label: str = "Tablet") -> dict:
        r = self.client.post("/devices", headers=self.manager.headers,
                             json={"label": label, "kind": kind})
        assert r.status_code == 201, r.text
        return r.json()

    def enrol_child(self, name: str = "Ada Lovelace", room: str = "Rainbow",
                    date_of_birth: str = "2023-03-01", key_person: Person | None = None) -> str:
        """Enrol a child (needs the journey feature)."""
        r = self.client.post("/children", headers=self.manager.headers, json={
            "name": name, "date_of_birth": date_of_birth, "room": room,
            "key_person_id": (key_person or self.manager).account_id})
        assert r.status_code == 201, r.text
        return r.json()["child_id"]

    def link(self, parent: Person, child_id: str, relationship: str = "mother") -> None:
        r = self.client.post(f"/children/{child_id}/parents", headers=self.manager.headers,
                             json={"account_id": parent.account_id,
                                   "relationship": relationship})
        assert r.status_code == 204, r.text
        self.refresh_login(parent)

    def refresh_login(self, person: Person) -> None:
        """Nothing to do today (parents' children are read per request); kept for clarity."""

    def publish_terms(self, text: str = "We agree to the nursery's Learning Journey policy.",
                      keep_older_signatures: bool = False) -> int | None:
        """Publish new agreement terms as the manager; their version (None without consent)."""
        r = self.client.post("/setting/terms", headers=self.manager.headers,
                             json={"text": text,
                                   "keep_older_signatures": keep_older_signatures})
        if r.status_code == 404 or r.status_code == 405:
            return None
        assert r.status_code == 201, r.text
        return r.json()["version"]

    def sign_agreement(self, parent: Person, child_id: str) -> None:
        """Sign the current terms for the child, if the consent feature is there."""
        terms = self.client.get("/setting/terms", headers=parent.headers)
        if terms.status_code == 404:  # no terms published yet: publish some first
            self.publish_terms()
            terms = self.client.get("/setting/terms", headers=parent.headers)
        if terms.status_code != 200:
            return
        r = self.client.post(f"/children/{child_id}/agreement", headers=parent.headers,
                             json={"terms_version": terms.json()["version"]})
        assert r.status_code == 204, r.text

    def family(self, child_name: str = "Ada Lovelace", room: str = "Rainbow",
               sign: bool = True) -> tuple[str, Person]:
        """A child with a linked parent who (by default) has signed the agreement."""
        child_id = self.enrol_child(child_name, room)
        parent = self.parent(f"Parent of {child_name}")
        self.link(parent, child_id)
        if sign:
            self.sign_agreement(parent, child_id)
        return child_id, parent


def at(text: str) -> datetime:
    """An aware UTC datetime from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
