"""Staff in a real browser (issue 18), on a 1024x768 tablet and the office computer: a
manager registers and enrols the tablet, a practitioner signs it out, records from the
room board in one tap each, starts and ends a sleep, writes an observation with a photo
for two children (one without image consent: the warning shows), marks the photo
deleted from the tablet; the manager approves it and the parent's page shows it; a
draft written offline is sent once the network is back, exactly once; an unenrolled
browser and out-of-hours use get the policy's sentence. axe-core, the CSP and
console errors are checked on every page.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.support import SCREENSHOTS, Watched, browser_or_skip, photo_jpeg
from tests.live import PASSWORD, start

TABLET = {"width": 1024, "height": 768}


@pytest.fixture(scope="module")
def browser():
    yield from browser_or_skip()


@pytest.fixture(scope="module")
def nursery(tmp_path_factory, browser):
    """A live nursery: a practitioner, Ada (image consent given) and Grace (none)."""
    process, made = start(tmp_path_factory.mktemp("staff"), None)
    try:
        api = httpx.Client(base_url=made["url"], timeout=30)

        def login(email: str) -> dict:
            r = api.post("/auth/login", json={"email": email, "password": PASSWORD})
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['token']}"}

        manager = {**login("manager@live.test"), "X-Device-Token": made["device_token"]}
        ids = {}
        for role, email, name in (("practitioner", "pat@live.test", "Pat Practitioner"),
                                  ("parent", "ada-mum@live.test", "Ada's mum"),
                                  ("parent", "grace-dad@live.test", "Grace's dad")):
            r = api.post("/accounts", headers=manager, json={
                "email": email, "password": PASSWORD, "display_name": name,
                "roles": [role]})
            assert r.status_code == 201, r.text
            ids[email] = r.json()["account_id"]
        r = api.post("/setting/terms", headers=manager, json={"text": "We agree."})
        version = r.json()["version"]
        children = {}
        for name, parent, consent in (("Ada Lovelace", "ada-mum@live.test", True),
                                      ("Grace Hopper", "grace-dad@live.test", False)):
            r = api.post("/children", headers=manager, json={
                "name": name, "date_of_birth": "2023-03-01", "room": "Rainbow",
                "key_person_id": ids["pat@live.test"]})
            child = children[name] = r.json()["child_id"]
            api.post(f"/children/{child}/parents", headers=manager,
                     json={"account_id": ids[parent], "relationship": "parent"})
            family = login(parent)
            r = api.post(f"/children/{child}/agreement", headers=family,
                         json={"terms_version": version})
            assert r.status_code == 204, r.text
            r = api.put(f"/children/{child}/image-consent", headers=family,
                        json={"allowed": consent})
            assert r.status_code == 204, r.text
        yield {"url": made["url"], "office_token": made["device_token"], "api": api,
               "manager": manager, "ada": children["Ada Lovelace"],
               "grace": children["Grace Hopper"]}
    finally:
        process.terminate()
        process.wait(timeout=30)


def sign_in(page, url: str, email: str) -> None:
    page.goto(url + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")


def sign_out(page) -> None:
    with page.expect_navigation():
        page.click("button:has-text('Sign out')")


def enrol(page, url: str, token: str) -> None:
    page.goto(url + "/tablet/enrol")
    page.fill("#token", token)
    with page.expect_navigation():
        page.click("button:has-text('Enrol this device')")


def test_a_day_with_the_tablet(browser, nursery):
    url = nursery["url"]
    office_context = browser.new_context(viewport=TABLET)
    tablet_context = browser.new_context(viewport=TABLET, has_touch=True)
    office = Watched(office_context)
    tablet = Watched(tablet_context)
    try:
        # the office computer: the manager registers the tablet
        enrol(office.page, url, nursery["office_token"])
        sign_in(office.page, url, "manager@live.test")
        expect(office.page.locator("h2:has-text('Rooms')")).to_be_visible()
        office.check()
        office.page.click("nav.staff >> text=Devices")
        office.check()
        office.page.fill("#label", "Rainbow tablet")
        office.page.click("button:has-text('Register')")
        token = office.page.inner_text("#device-token").strip()
        office.check()

        # on the tablet, not yet enrolled: the policy's sentence
        sign_in(tablet.page, url, "pat@live.test")
        expect(tablet.page.get_by_text("only on the setting's equipment")).to_be_visible()
        tablet.errors.clear()  # the 403 itself is reported on the console
        enrol(tablet.page, url, token)
        expect(tablet.page.get_by_text("This tablet is not signed out to you")).to_be_visible()
        tablet.errors.clear()

        # the practitioner signs the tablet out at the office
        sign_out(office.page)
        sign_in(office.page, url, "pat@live.test")
        office.page.click("nav.staff >> text=Devices")
        with office.page.expect_navigation():
            office.page.click("tr:has-text('Rainbow tablet') >> button:has-text('Sign out to me')")
        expect(office.page.locator("tr:has-text('Rainbow tablet')")).to_contain_text(
            "Pat Practitioner")

        # the room board
        page = tablet.page
        page.goto(url + "/")
        page.click("text=Rainbow")
        page.wait_for_url(url + "/room/Rainbow")
        tablet.check()
        ada = page.locator(f"#child-{nursery['ada']}")
        with page.expect_navigation():
            ada.get_by_role("button", name="Nappy wet for Ada Lovelace").click()
        expect(ada).to_contain_text("Last nappy: wet")
        with page.expect_navigation():
            ada.get_by_role("button", name=re.compile(r": most for Ada Lovelace")).click()
        expect(ada).to_contain_text("ate most of it")
        with page.expect_navigation():
            ada.get_by_role("button", name="Ada Lovelace fell asleep").click()
        expect(ada).to_contain_text("Asleep since")
        tablet.check()
        page.screenshot(path=str(SCREENSHOTS / "staff-room.png"))
        with page.expect_navigation():
            ada.get_by_role("button", name="Ada Lovelace woke up").click()
        expect(ada).not_to_contain_text("Asleep since")
        ada.get_by_role("link", name=re.compile("Ada Lovelace: the day")).click()
        page.wait_for_url(f"{url}/room/Rainbow/children/{nursery['ada']}")
        expect(page.get_by_text("Nappy: wet")).to_be_visible()
        tablet.check()

        # a new observation with a photo, for Ada and Grace
        page.click("nav.staff >> text=New observation")
        page.check(f"#child-{nursery['ada']}")
        warning = page.locator("#consent-warning")
        expect(warning).to_be_hidden()
        page.check(f"#child-{nursery['grace']}")
        expect(warning).to_be_visible()
        with page.expect_file_chooser() as chooser:
            page.click("#media")
        chooser.value.set_files(files=[{"name": "den.jpg", "mimeType": "image/jpeg",
                                        "buffer": photo_jpeg()}])
        page.check(f"#in-{nursery['ada']}")
        page.fill("#text", "Ada and Grace build a den from blankets and chairs.")
        page.select_option("#area-1", "personal_social_and_emotional_development")
        # the aspect list beside it offers that area's aspects only
        offered = page.eval_on_selector_all(
            "#aspect-1 optgroup:not([hidden]) option", "options => options.map(o => o.value)")
        assert offered == ["self_regulation", "managing_self", "building_relationships"]
        page.select_option("#aspect-1", "building_relationships")
        page.wait_for_function("document.querySelectorAll('#previews img').length == 1")
        tablet.check()
        page.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
        page.screenshot(path=str(SCREENSHOTS / "staff-observe.png"), full_page=True)
        page.click("button:has-text('Send for approval')")
        expect(page.get_by_text("it waits for a manager's approval")).to_be_visible()

        page.click("text=Photos on this device")
        expect(page.locator("button:has-text('Deleted from device')")).to_have_count(1)
        tablet.check()
        with page.expect_navigation():
            page.click("button:has-text('Deleted from device')")
        expect(page.get_by_text("No photos left on this device")).to_be_visible()

        # the manager approves; Ada's parent sees it
        sign_out(office.page)
        sign_in(office.page, url, "manager@live.test")
        office.page.click("nav.staff >> text=Moderation")
        expect(office.page.get_by_text("Ada and Grace build a den")).to_be_visible()
        expect(office.page.get_by_text("Written by Pat Practitioner")).to_be_visible()
        office.check()
        with office.page.expect_navigation():
            office.page.click("button:has-text('Approve')")
        expect(office.page.get_by_text("Nothing is waiting")).to_be_visible()
        office.page.goto(url + "/office/devices")
        office.page.get_by_role("link", name="Report damage to Rainbow tablet").click()
        office.page.wait_for_url("**/damage")
        office.check()
        office.page.goto(url + "/office/reports")
        office.check()
        office.page.click("nav.staff >> text=People")
        office.page.wait_for_url(url + "/office/people")
        office.check()
        office.page.click("text=Opening hours")
        office.page.wait_for_url(url + "/office/hours")
        office.check()
        office.page.goto(f"{url}/audit-trail?child_id={nursery['ada']}")
        expect(office.page.get_by_text("Pat Practitioner").first).to_be_visible()
        office.check()
        family = Watched(browser.new_context(viewport={"width": 390, "height": 844}))
        sign_in(family.page, url, "ada-mum@live.test")
        expect(family.page.get_by_text("Ada and Grace build a den")).to_be_visible()
        family.context.close()

        # a draft written offline is sent once the network is back, exactly once
        page.click("nav.staff >> text=New observation")
        page.check(f"#child-{nursery['ada']}")
        page.fill("#text", "Ada pours water from jug to jug without spilling.")
        tablet_context.set_offline(True)
        page.click("button:has-text('Send for approval')")
        expect(page.get_by_text("No network: the observation is kept on this device")
               ).to_be_visible()
        tablet_context.set_offline(False)
        expect(page.get_by_text("it waits for a manager's approval")).to_be_visible()
        queue = nursery["api"].get("/moderation/queue", headers=nursery["manager"]).json()
        assert [i["text"] for i in queue["items"]] == [
            "Ada pours water from jug to jug without spilling."]
        tablet.errors.clear()  # the offline attempt is reported on the console

        # out of hours: the policy's sentence
        days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        tomorrow = days[(datetime.now(ZoneInfo("Europe/London")).weekday() + 1) % 7]
        r = nursery["api"].put("/setting/opening-hours", headers=nursery["manager"], json={
            "timezone": "Europe/London", "days": {tomorrow: ["09:00", "10:00"]}})
        assert r.status_code == 204, r.text
        page.goto(url + "/room/Rainbow")
        expect(page.get_by_text("only available to staff during the setting's opening "
                                "hours")).to_be_visible()
    finally:
        office_context.close()
        tablet_context.close()
