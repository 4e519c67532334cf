"""The demo nursery that `make run` seeds into an empty data directory.

Seeded through the HTTP API itself (in process), so the demo obeys every rule a real
client meets: a setting open all hours, a manager, two practitioners each holding a
tablet, three parents who signed the agreement, six children in two rooms, and the
week before today lived through (the service's clock set to each weekday in turn): a
diary for every child, observations tagged to the framework with photos generated at
seed time, approved, sessions ended, tablets signed in with their photos deleted.
Today so far: tablets signed out, breakfast, an incident to acknowledge, an
observation waiting for approval with its photo still on the tablet.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
from datetime import UTC, datetime, timedelta
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
    real_clock = services.clock
    with TestClient(create_app(services)) as client:
        demo = _Demo(client, made["device_token"])
        lines.append(f"  manager       manager@demo.nursery      office computer token "
                     f"{made['device_token']}")
        nursery = _Nursery(demo, made["device_token"])
        lines += nursery.staff_and_families()
        today = real_clock().astimezone(ZoneInfo(DEMO_TIMEZONE))
        try:
            for back in range(7, 0, -1):  # the week before today, weekdays only
                day = today - timedelta(days=back)
                if day.weekday() < 5:
                    nursery.a_past_day(services, day)
        finally:
            services.clock = real_clock
        nursery.this_morning(today)
    lines += ["", "Lost a token? `journey devices list`, then `journey devices token DEVICE`. "
                  "Start over: `journey demo --force`."]
    return "\n".join(lines)


OBSERVED = [  # what a practitioner saw, where it sits in the framework, what comes next
    ("builds a tower of six blocks and counts them aloud.",
     {"area": "mathematics", "aspect": "number", "age_band": "birth_to_three"},
     "Offer more counting games with larger numbers of objects."),
    ("shares the paint brushes with a friend and names the colours.",
     {"area": "personal_social_and_emotional_development",
      "aspect": "building_relationships", "age_band": "birth_to_three"},
     "Plan a turn-taking game for two or three children."),
    ("climbs the low frame and jumps down with both feet together.",
     {"area": "physical_development", "aspect": "gross_motor_skills",
      "age_band": "three_and_four_year_olds"},
     "Set up a balance trail in the garden."),
    ("points at the duck in the book and says 'quack quack'.",
     {"area": "communication_and_language", "aspect": "speaking",
      "age_band": "birth_to_three"},
     "Share more animal-sound books and pause for the sound."),
    ("digs in the sand tray and finds the hidden shells.",
     {"area": "understanding_the_world", "aspect": "the_natural_world",
      "age_band": "three_and_four_year_olds"},
     "Go on a shell and pebble walk and sort what is found."),
]


def photo(seed: int) -> bytes:
    """A small JPEG of coloured blocks on a mat (Pillow): the demo's photographs."""
    from PIL import Image, ImageDraw

    colours = ["#e06666", "#f6b26b", "#ffd966", "#93c47d", "#6fa8dc", "#8e7cc3"]
    image = Image.new("RGB", (640, 480), "#f3ead7")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 380, 600, 460), fill="#b7a08a")
    for level in range(3 + seed % 4):
        x = 200 + (seed * 37 + level * 23) % 120
        draw.rectangle((x, 380 - 60 * (level + 1), x + 110, 380 - 60 * level),
                       fill=colours[(seed + level) % len(colours)], outline="#4a3b2a", width=3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


class _Nursery:
    """The demo's people and devices, and what they do on a day."""

    def __init__(self, demo: _Demo, office_token: str):
        self.demo = demo
        self.office = {"X-Device-Token": office_token}
        self.staff: list[dict] = []  # account_id, email, device_id, device_token
        self.children: list[str] = []
        self.parents: list[str] = []
        self.photos = 0

    def manager(self) -> dict:
        return {"Authorization": f"Bearer {self.demo.login('manager@demo.nursery')}",
                **self.office}

    def on_tablet(self, member: dict) -> dict:
        return {"Authorization": f"Bearer {self.demo.login(member['email'])}",
                "X-Device-Token": member["device_token"]}

    def staff_and_families(self) -> list[str]:
        demo, manager, lines = self.demo, self.manager(), []
        for i, name in enumerate(["Priya Practitioner", "Sam Practitioner"], start=1):
            email = f"practitioner{i}@demo.nursery"
            account = demo.call("POST", "/accounts", manager, {
                "email": email, "password": DEMO_PASSWORD, "display_name": name,
                "roles": ["practitioner"]})
            tablet = demo.call("POST", "/devices", manager,
                               {"label": f"Tablet {i}", "kind": "tablet"})
            self.staff.append({"account_id": account["account_id"], "email": email,
                               "device_id": tablet["device_id"],
                               "device_token": tablet["device_token"]})
            lines.append(f"  practitioner  {email}  tablet token {tablet['device_token']}")
        demo.call("POST", "/setting/terms", manager, {
            "text": "I agree to keep photos and videos of children private and not to share "
                    "them on social media, by email or by text."})
        for name, born, room in CHILDREN:
            key_person = self.staff[len(self.children) % 2]["account_id"]
            self.children.append(demo.call("POST", "/children", manager, {
                "name": name, "date_of_birth": born, "room": room,
                "key_person_id": key_person})["child_id"])
        terms = demo.call("GET", "/setting/terms", manager)
        for i in range(3):
            email = f"parent{i + 1}@demo.nursery"
            parent = demo.call("POST", "/accounts", manager, {
                "email": email, "password": DEMO_PASSWORD,
                "display_name": f"Parent of {CHILDREN[i][0].split()[0]}", "roles": ["parent"]})
            self.parents.append(email)
            demo.call("POST", f"/children/{self.children[i]}/parents", manager,
                      {"account_id": parent["account_id"], "relationship": "parent"})
            headers = {"Authorization": f"Bearer {demo.login(email)}"}
            demo.call("POST", f"/children/{self.children[i]}/agreement", headers,
                      {"terms_version": terms["version"]})
            demo.call("PUT", f"/children/{self.children[i]}/image-consent", headers,
                      {"allowed": i != 2})
            lines.append(f"  parent        {email}        (of {CHILDREN[i][0]})")
        return lines

    def a_past_day(self, services: Any, day: datetime) -> None:
        """A whole day: tablets out in the morning, meals, nappies, sleeps and a drink
        for every child, two observations (one with a photo) approved, the sessions
        ended and the tablets back in the evening with their photos deleted."""
        def at(hhmm: str) -> datetime:
            hour, minute = (int(part) for part in hhmm.split(":"))
            return day.replace(hour=hour, minute=minute, second=0,
                               microsecond=0).astimezone(UTC)

        services.clock = lambda: at("08:00")
        tablets = [self.on_tablet(member) for member in self.staff]
        for member, tablet in zip(self.staff, tablets, strict=True):
            self.demo.call("POST", f"/devices/{member['device_id']}/sign-out",
                           {**tablet, **self.office})
        services.clock = lambda: at("16:30")
        tablets = [self.on_tablet(member) for member in self.staff]
        date = day.date().isoformat()
        for i, child in enumerate(self.children):
            self.record_day(f"/children/{child}/diary/{date}", tablets[i % 2], i)
        self.observe(tablets, day, photo_of=day.toordinal() % 2, approve=True)
        services.clock = lambda: at("17:30")
        tablets = [self.on_tablet(member) for member in self.staff]
        for i, child in enumerate(self.children):
            self.demo.call("POST", f"/children/{child}/diary/{date}/end-session",
                           tablets[i % 2])
        for member, tablet in zip(self.staff, tablets, strict=True):
            self.demo.call("POST", f"/devices/{member['device_id']}/sign-in",
                           {**tablet, **self.office}, {"on_charger": True})

    def record_day(self, path: str, tablet: dict, i: int) -> None:
        call = self.demo.call
        call("POST", f"{path}/entries", tablet, {
            "kind": "meal", "meal": "breakfast", "food": "Porridge and banana",
            "amount": ["most", "all", "half"][i % 3], "at": "08:30"})
        call("POST", f"{path}/entries", tablet, {"kind": "nappy", "state": "wet",
                                                 "at": "10:15"})
        call("POST", f"{path}/entries", tablet, {
            "kind": "meal", "meal": "lunch", "food": "Fish pie and peas",
            "amount": ["all", "some", "most"][i % 3], "at": "11:45"})
        call("POST", f"{path}/entries", tablet, {"kind": "sleep", "start": "12:30",
                                                 "end": f"13:{20 + 5 * (i % 4)}"})
        call("POST", f"{path}/entries", tablet, {"kind": "drink", "drink": "Water",
                                                 "ml": 120, "at": "14:30"})
        call("POST", f"{path}/entries", tablet, {"kind": "nappy",
                                                 "state": ["soiled", "wet"][i % 2],
                                                 "at": "15:40"})

    def observe(self, tablets: list[dict], day: datetime, photo_of: int,
                approve: bool) -> None:
        """Two observations of the day, the first with a photo (deleted from the tablet
        once uploaded, as the policy asks, unless it is still today)."""
        manager = self.manager() if approve else None
        for n in range(2):
            self.photos += 1
            index = (day.toordinal() + n) % len(OBSERVED)
            child = (photo_of + 2 * n) % 2 if n == 0 else 2 + day.toordinal() % 4
            text, where, next_steps = OBSERVED[index]
            tablet, member = tablets[child % 2], self.staff[child % 2]
            media = []
            if n == 0:  # Ada and Ben have image consent
                stored = self.demo.client.post(
                    "/media", content=photo(self.photos),
                    headers={**tablet, "Content-Type": "image/jpeg",
                             "X-Children": self.children[child]})
                if stored.status_code != 201:
                    raise RuntimeError(f"demo seeding failed at POST /media: {stored.text}")
                media = [stored.json()["media_id"]]
                if approve:
                    self.demo.call("POST", f"/devices/{member['device_id']}/photos/"
                               f"{media[0]}/deleted", tablet)
            made = self.demo.call("POST", f"/children/{self.children[child]}/observations",
                                  tablet, {
                "observed_on": day.date().isoformat(),
                "text": f"{CHILDREN[child][0].split()[0]} {text}", "framework": [where],
                "media": media, "children": [], "next_steps": next_steps})
            if manager is not None:
                self.demo.call("POST", f"/observations/{made['observation_id']}/approve",
                               manager, {"revision": made["revision"]})

    def this_morning(self, now: datetime) -> None:
        """Today so far: tablets out, breakfast, a pending observation with its photo
        still on the tablet, and an incident for Ada's parent to acknowledge."""
        tablets = [self.on_tablet(member) for member in self.staff]
        for member, tablet in zip(self.staff, tablets, strict=True):
            self.demo.call("POST", f"/devices/{member['device_id']}/sign-out",
                           {**tablet, **self.office})
        date = now.date().isoformat()
        earlier = _earlier_today(now, 30)
        for i, child in enumerate(self.children):
            path = f"/children/{child}/diary/{date}"
            self.demo.call("POST", f"{path}/entries", tablets[i % 2], {
                "kind": "meal", "meal": "breakfast", "food": "Toast and apple",
                "amount": "most", "at": earlier.isoformat()})
            self.demo.call("POST", f"{path}/messages", tablets[i % 2],
                           {"text": "Settled in happily this morning."})
        self.demo.call("POST", f"/children/{self.children[0]}/diary/{date}/entries",
                       tablets[0], {
                           "kind": "incident", "at": _earlier_today(now, 10).isoformat(),
                           "what": "Tripped on the garden step.",
                           "injury": "Small graze on the left knee.",
                           "first_aid": "Cleaned with water and a plaster applied.",
                           "by": self.staff[0]["account_id"]})
        self.observe(tablets, now, photo_of=0, approve=False)
