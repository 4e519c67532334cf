"""A parent on a phone, in a real browser (issue 17): signing in, the agreement, the
journey with its photo, a comment, a contribution from home, today's diary and its
incident, the siblings' switch, progress, signing out; another family's child; accessibility
(axe-core), the CSP, console errors and sideways scrolling checked on every page.

One live server and one browser for the module; the nursery's people and records are
made through the JSON API first.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.support import SCREENSHOTS, Watched, browser_or_skip, photo_jpeg
from tests.live import PASSWORD, start

PHONE = {"width": 390, "height": 844}
NARROW = 360


@pytest.fixture(scope="module")
def browser():
    yield from browser_or_skip()


@pytest.fixture(scope="module")
def nursery(tmp_path_factory, browser):
    """A live nursery: a parent of Ada and Ben, another family's Grace, an approved
    observation with a photo, a pending one, and Ada's day so far."""
    process, made = start(tmp_path_factory.mktemp("parents"), None)
    try:
        yield _fill(made)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _fill(made: dict) -> dict:
    api = httpx.Client(base_url=made["url"], timeout=30)

    def login(email: str, device: bool) -> dict:
        r = api.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        headers = {"Authorization": f"Bearer {r.json()['token']}"}
        return {**headers, "X-Device-Token": made["device_token"]} if device else headers

    def call(method: str, path: str, who: dict, status: int, **kw) -> dict:
        r = api.request(method, path, headers=who, **kw)
        assert r.status_code == status, r.text
        return r.json() if r.content else {}

    manager = login("manager@live.test", True)
    ids = {}
    for role, email, name in (("practitioner", "pat@live.test", "Pat Practitioner"),
                              ("parent", "priya@live.test", "Priya Lovelace"),
                              ("parent", "other@live.test", "Olive Hopper")):
        ids[email] = call("POST", "/accounts", manager, 201, json={
            "email": email, "password": PASSWORD, "display_name": name,
            "roles": [role]})["account_id"]
    pat = ids["pat@live.test"]
    children = {}
    for name, parent in (("Ada Lovelace", "priya@live.test"),
                         ("Ben Lovelace", "priya@live.test"),
                         ("Grace Hopper", "other@live.test")):
        children[name] = call("POST", "/children", manager, 201, json={
            "name": name, "date_of_birth": "2023-03-01", "room": "Rainbow",
            "key_person_id": pat})["child_id"]
        call("POST", f"/children/{children[name]}/parents", manager, 204,
             json={"account_id": ids[parent], "relationship": "mother"})
    call("POST", "/setting/terms", manager, 201, json={
        "text": "We record your child's learning with observations and photos, shared with "
                "you here. Photos are taken on the nursery's tablets only."})
    practitioner = login("pat@live.test", True)  # at the office computer
    ada, ben = children["Ada Lovelace"], children["Ben Lovelace"]
    photo = call("POST", "/media", {**practitioner, "Content-Type": "image/jpeg",
                                    "X-Children": ada}, 201, content=photo_jpeg())
    zone = ZoneInfo("Europe/London")
    now = datetime.now(zone)
    day = now.date()

    def observe(child: str, text: str, media: list[str], approve: bool) -> None:
        made = call("POST", f"/children/{child}/observations", practitioner, 201, json={
            "observed_on": day.isoformat(), "text": text, "media": media,
            "framework": [{"area": "communication_and_language",
                           "aspect": "listening_attention_and_understanding"},
                          {"area": "physical_development", "aspect": "fine_motor_skills"}],
            "next_steps": "Offer more books with flaps to lift."})
        if approve:
            call("POST", f"/observations/{made['observation_id']}/approve", manager, 204,
                 json={"revision": 1})

    observe(ada, "Ada listens to The Gruffalo and lifts every flap herself.",
            [photo["media_id"]], True)
    observe(ada, "Still waiting for a manager to read this.", [], False)
    observe(ben, "Ben builds a tower of six bricks and counts them.", [], True)

    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    start_at = max(midnight + timedelta(minutes=1), now - timedelta(minutes=50))
    step = (now - start_at) / 6

    def at(n: int) -> str:
        return (start_at + step * n).isoformat()

    for entry in (
        {"kind": "meal", "meal": _meal(now.hour), "food": "Porridge with banana",
         "amount": "most", "at": at(0)},
        {"kind": "sleep", "start": at(1), "end": at(3)},
        {"kind": "nappy", "state": "wet", "at": at(4)},
        {"kind": "incident", "at": at(5), "what": "Bumped her knee on the slide",
         "injury": "Small red mark", "first_aid": "Cold compress", "by": pat},
    ):
        call("POST", f"/children/{ada}/diary/{day.isoformat()}/entries", practitioner, 201,
             json=entry)
    return {"url": made["url"], "ada": ada, "ben": ben, "grace": children["Grace Hopper"]}


def _meal(hour: int) -> str:
    return ("breakfast" if hour < 10 else "lunch" if hour < 14
            else "afternoon_snack" if hour < 17 else "tea")


def sign_in(page, url: str) -> None:
    page.goto(url + "/")
    page.fill("#email", "priya@live.test")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")


def test_a_parent_follows_her_children_on_a_phone(browser, nursery):
    url = nursery["url"]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    watched = Watched(context)
    page = watched.page
    try:
        first = page.goto(url + "/")
        assert page.url.startswith(url + "/sign-in")
        csp = first.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        watched.check(NARROW)
        sign_in(page, url)

        assert page.url == f"{url}/agreement/{nursery['ada']}"
        watched.check(NARROW)
        page.check("#consent-yes")
        page.click("button:has-text('I agree')")
        page.wait_for_url(f"{url}/journey/{nursery['ada']}")
        page.wait_for_function("[...document.images].length > 0 && [...document.images]"
                               ".every(i => i.complete && i.naturalWidth > 0)")
        assert page.is_visible("text=Ada listens to The Gruffalo")
        assert page.is_visible("text=Communication and Language — Listening, Attention "
                               "and Understanding")
        assert not page.is_visible("text=Still waiting for a manager")
        assert page.locator("text=Edit").count() == 0
        watched.check(NARROW)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "parent-journey.png"))

        page.fill("textarea[name=text]", "She asks for this book every night!")
        page.click("button:has-text('Send comment')")
        expect(page.get_by_text("Your comment is waiting for the nursery")).to_be_visible()

        page.click("text=Add something from home")
        page.wait_for_url("**/contribute")
        watched.check(NARROW)
        page.fill("#text", "Ada baked bread with her grandad.")
        with page.expect_file_chooser() as chooser:
            page.click("#photos")
        chooser.value.set_files(files=[{"name": "bread.jpg", "mimeType": "image/jpeg",
                                        "buffer": photo_jpeg("#b5651d")}])
        page.wait_for_function("document.querySelectorAll('#previews img').length == 1")
        page.click("button:has-text('Send to the nursery')")
        page.wait_for_url("**/journey/*?sent=contribution")
        expect(page.get_by_text("Your contribution is waiting for the nursery")).to_be_visible()
        watched.check(NARROW)

        page.click("nav.tabs >> text=Today")
        page.wait_for_url(f"{url}/day/{nursery['ada']}")
        items = page.locator("ol.diary > li").all_inner_texts()
        assert [i.split("\n")[0][:2].isdigit() for i in items] == [True] * 4
        assert "Porridge with banana" in items[0] and "Incident" in items[3]
        assert "Slept" in items[1] and "minute" in items[1]
        page.screenshot(path=str(SCREENSHOTS / "parent-today.png"))
        watched.check(NARROW)
        page.click("button:has-text('I have read this')")
        expect(page.locator("ol.diary >> text=Acknowledged")).to_be_visible()
        assert page.locator("button:has-text('I have read this')").count() == 0

        page.click("nav.siblings >> text=Ben Lovelace")
        page.wait_for_url(f"{url}/agreement/{nursery['ben']}")
        page.check("#consent-no")
        page.click("button:has-text('I agree')")
        page.wait_for_url(f"{url}/journey/{nursery['ben']}")
        expect(page.get_by_text("Ben builds a tower")).to_be_visible()
        assert not page.is_visible("text=Ada listens")
        assert page.locator("nav.siblings a").all_inner_texts() == ["Ada Lovelace",
                                                                    "Ben Lovelace"]
        watched.check(NARROW)

        page.click("nav.tabs >> text=Progress")
        page.wait_for_url(f"{url}/progress/{nursery['ben']}")
        page.wait_for_function("document.querySelector('img.chart').naturalWidth > 0")
        watched.check(NARROW)

        page.click("button:has-text('Sign out')")
        page.wait_for_url(url + "/sign-in")
        page.goto(f"{url}/journey/{nursery['ada']}")
        assert page.url.startswith(url + "/sign-in")
    finally:
        context.close()


def test_another_familys_child_is_an_unknown_page(browser, nursery):
    url = nursery["url"]
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, url)
        seen = []
        for path in (f"/journey/{nursery['grace']}", f"/journey/{uuid.uuid4()}",
                     f"/day/{nursery['grace']}", "/jurney"):
            response = page.goto(url + path)
            seen.append((response.status, page.inner_text("main")))
        assert seen[0][0] == 404 and len(set(seen)) == 1, seen
        assert "cannot find that page" in seen[0][1]
    finally:
        context.close()
