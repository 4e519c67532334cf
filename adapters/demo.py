"""The demo nursery that `make run` seeds into an empty data directory.

Seeded through the HTTP API itself (in process), so the demo obeys every rule a real
client meets: a setting open all hours, a manager, two practitioners each holding a
signed-out tablet, three parents who signed the agreement, six children in two rooms,
a few observations (approved and pending) and a day of diary entries.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from adapters.settings import ConfigError, Settings
from adapters.setup import set_up_setting

DEMO_PASSWORD = "crayon-teapot-42"
LOGINS_FILE = "demo-logins.txt"  # in the data directory, mode 0600: device tokens are hashed

CHILDREN = [
    ("Ada Patel", "2023-04-12", "Rainbow"),
    ("Ben Okafor", "2023-09-30", "Rainbow"),
    ("Cara Jones", "2022-11-02", "Rainbow"),
    ("Dev Singh", "2024-01-20", "Sunshine"),
    ("Ella Murphy", "2023-06-15", "Sunshine"),
    ("Finn Walsh", "2022-08-08", "Sunshine"),
]


DEMO_TIMEZONE = "Europe/London"


def _earlier_today(now: datetime, minutes: int) -> datetime:
    """A few minutes ago, but never before midnight: diary times fall on the day."""
    earlier = now - timedelta(minutes=minutes)
    return earlier if earlier.date() == now.date() else now


class _Demo:
    def __init__(self, client: Any, office_token: str):
        self.client = client
        self.office = office_token

    def call(self, method: str, path: str, headers: dict, json: Any = None) -> Any:
        r = self.client.request(method, path, headers=headers, json=json)
        if r.status_code >= 400:
            raise RuntimeError(f"demo seeding failed at {method} {path}: {r.status_code} {r.text}")
        return r.json() if r.content else None

    def login(self, email: str) -> str:
        return self.call("POST", "/auth/login", {}, {"email": email,
                                                      "password": DEMO_PASSWORD})["token"]


def demo_logins(settings: Settings) -> str | None:
    """The logins printed when the demo was seeded, or None if this is not the demo."""
    path = settings.data_dir / LOGINS_FILE
    return path.read_text() if path.exists() else None


def start_over(settings: Settings) -> None:
    """Delete everything the embedded data directory holds (not the master key)."""
    if settings.database_url or settings.media:
        raise ConfigError("journey demo --force starts over only the embedded data directory; "
                          "unset JOURNEY_DATABASE_URL and JOURNEY_MEDIA_URL, or empty that "
                          "database and bucket yourself")
    for path in settings.data_dir.iterdir():
        if path.name.startswith(("events.sqlite", "journey.sqlite", LOGINS_FILE)):
            path.unlink()
        elif path.name == "media":
            shutil.rmtree(path)


def _keep_logins(settings: Settings, text: str) -> None:
    path = settings.data_dir / LOGINS_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)


def seed_demo(services: Any) -> str | None:
    """Seed the demo nursery; returns the printable logins, or None if a setting exists."""
    existing = services.db.query_one("SELECT COUNT(*) FROM settings_view")
    if existing and existing[0]:
        return None
    quiet = [logging.getLogger(name) for name in ("httpx", "journey.access")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.WARNING)
    try:
        text = _seed(services)
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)
    _keep_logins(services.settings, text)
    return text


def _seed(services: Any) -> str:
    from litestar.testing import TestClient

    from adapters.http.app import create_app
    made = set_up_setting(services, "Clarecroft Day Nursery (demo)", "manager@demo.nursery",
                          DEMO_PASSWORD, "Morgan Manager", open_all_hours=True)
    lines = ["Demo nursery (open all hours; a real setting defaults to 07:30-18:30 Monday to "
             "Friday). Every password is " + DEMO_PASSWORD, ""]
    with TestClient(create_app(services)) as client:
        demo = _Demo(client, made["device_token"])
        office = {"X-Device-Token": made["device_token"]}
        manager = {"Authorization": f"Bearer {demo.login('manager@demo.nursery')}", **office}
        lines.append(f"  manager       manager@demo.nursery      office computer token "
                     f"{made['device_token']}")
        staff = []
        for i, name in enumerate(["Priya Practitioner", "Sam Practitioner"], start=1):
            email = f"practitioner{i}@demo.nursery"
            account = demo.call("POST", "/accounts", manager, {
                "email": email, "password": DEMO_PASSWORD, "display_name": name,
                "roles": ["practitioner"]})
            token = demo.login(email)
            tablet = demo.call("POST", "/devices", manager,
                               {"label": f"Tablet {i}", "kind": "tablet"})
            demo.call("POST", f"/devices/{tablet['device_id']}/sign-out",
                      {"Authorization": f"Bearer {token}", **office})
            staff.append((account["account_id"], {"Authorization": f"Bearer {token}",
                                                  "X-Device-Token": tablet["device_token"]}))
            lines.append(f"  practitioner  {email}  tablet token {tablet['device_token']}")
        demo.call("POST", "/setting/terms", manager, {
            "text": "I agree to keep photos and videos of children private and not to share "
                    "them on social media, by email or by text."})
        children = []
        for name, born, room in CHILDREN:
            key_person = staff[len(children) % 2][0]
            child = demo.call("POST", "/children", manager, {
                "name": name, "date_of_birth": born, "room": room,
                "key_person_id": key_person})
            children.append(child["child_id"])
        terms = demo.call("GET", "/setting/terms", manager)
        for i in range(3):
            email = f"parent{i + 1}@demo.nursery"
            parent = demo.call("POST", "/accounts", manager, {
                "email": email, "password": DEMO_PASSWORD,
                "display_name": f"Parent of {CHILDREN[i][0].split()[0]}", "roles": ["parent"]})
            demo.call("POST", f"/children/{children[i]}/parents", manager,
                      {"account_id": parent["account_id"], "relationship": "parent"})
            headers = {"Authorization": f"Bearer {demo.login(email)}"}
            demo.call("POST", f"/children/{children[i]}/agreement", headers,
                      {"terms_version": terms["version"]})
            demo.call("PUT", f"/children/{children[i]}/image-consent", headers,
                      {"allowed": i != 2})
            lines.append(f"  parent        {email}        (of {CHILDREN[i][0]})")
        today = services.clock().date()
        texts = [
            "builds a tower of six blocks and counts them aloud.",
            "shares the paint brushes with a friend and names the colours.",
            "climbs the low frame and jumps down with both feet together.",
        ]
        for i, child in enumerate(children):
            practitioner = staff[i % 2][1]
            obs = demo.call("POST", f"/children/{child}/observations", practitioner, {
                "observed_on": (today - timedelta(days=1)).isoformat(),
                "text": f"{CHILDREN[i][0].split()[0]} {texts[i % 3]}",
                "framework": [{"area": "mathematics", "aspect": "number",
                               "age_band": "birth_to_three"}] if i % 3 == 0 else [],
                "media": [], "children": [], "next_steps": "Offer more counting games."})
            if i < 4:
                demo.call("POST", f"/observations/{obs['observation_id']}/approve", manager,
                          {"revision": obs["revision"]})
            now = services.clock().astimezone(ZoneInfo(DEMO_TIMEZONE))
            day = f"/children/{child}/diary/{now.date().isoformat()}"
            demo.call("POST", f"{day}/entries", practitioner, {
                "kind": "meal", "meal": "breakfast", "food": "Porridge and banana",
                "amount": "most", "at": _earlier_today(now, 30).isoformat()})
            demo.call("POST", f"{day}/entries", practitioner, {
                "kind": "nappy", "state": "wet", "at": _earlier_today(now, 20).isoformat()})
            demo.call("POST", f"{day}/messages", practitioner,
                      {"text": "Had a lovely morning in the garden."})
    lines += ["", "Lost a token? `journey devices list`, then `journey devices token DEVICE`. "
                  "Start over: `journey demo --force`."]
    return "\n".join(lines)
