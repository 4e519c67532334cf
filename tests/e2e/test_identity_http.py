"""Identity and access: logins, lockout, tokens, devices, opening hours, support, isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.setup import set_up_setting
from tests.support import PASSWORD, Person


def _login(nursery, email, password=PASSWORD, address=None):
    return nursery.client.post("/auth/login", json={"email": email, "password": password})


def test_login_answers_the_contract_fields(nursery):
    r = _login(nursery, "manager@clarecroft.test")
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"token", "account_id", "roles", "setting_id"}
    assert body["roles"] == ["manager"] and body["setting_id"] == nursery.setting_id


def test_wrong_password_and_unknown_email_get_the_same_sentence(nursery):
    wrong = _login(nursery, "manager@clarecroft.test", "not-the-password")
    unknown = _login(nursery, "nobody@clarecroft.test", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "The email or password is wrong."


def test_repeated_failures_lock_the_account_whatever_the_password(nursery):
    person = nursery.practitioner()
    for _ in range(5):
        assert _login(nursery, person.email, "wrong-password!").status_code == 401
    locked = _login(nursery, person.email, PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert "Too many failed logins" in locked.json()["detail"]
    nursery.clock.advance(timedelta(minutes=16))
    assert _login(nursery, person.email, PASSWORD).status_code == 200


def test_logout_revokes_the_token(nursery):
    person = nursery.practitioner()
    assert nursery.client.get("/setting", headers=person.headers).status_code == 200
    assert nursery.client.post("/auth/logout", headers=person.headers).status_code == 204
    r = nursery.client.get("/setting", headers=person.headers)
    assert r.status_code == 401
    assert "log in again" in r.json()["detail"]


def test_no_token_is_401_with_a_sentence(nursery):
    r = nursery.client.get("/accounts")
    assert r.status_code == 401
    assert "Log in first" in r.json()["detail"]


def test_idle_token_expires(nursery):
    person = nursery.practitioner()
    nursery.clock.advance(timedelta(hours=13))
    r = nursery.client.get("/setting", headers=person.headers)
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]


def test_absolute_expiry_even_when_used(nursery):
    person = nursery.practitioner()
    for _ in range(8):
        nursery.clock.advance(timedelta(hours=11))
        nursery.client.get("/setting", headers=person.headers)
    nursery.clock.advance(timedelta(days=4))
    assert nursery.client.get("/setting", headers=person.headers).status_code == 401


def test_disabled_account_tokens_stop_at_once(nursery):
    person = nursery.practitioner()
    r = nursery.client.post(f"/accounts/{person.account_id}/disable",
                            headers=nursery.manager.headers)
    assert r.status_code == 204
    assert nursery.client.get("/setting", headers=person.headers).status_code == 401
    again = _login(nursery, person.email)
    assert again.status_code == 401


def test_a_disabled_account_does_not_confirm_its_password(nursery):
    """F12: the right password of a disabled account answers like a wrong one."""
    person = nursery.practitioner()
    nursery.client.post(f"/accounts/{person.account_id}/disable",
                        headers=nursery.manager.headers)
    right = _login(nursery, person.email)
    wrong = _login(nursery, person.email, "not-the-password")
    assert right.status_code == wrong.status_code == 401
    assert right.json() == wrong.json()


def test_password_rules_are_explained(nursery):
    r = nursery.client.post("/accounts", headers=nursery.manager.headers, json={
        "email": "short@example.org", "password": "short", "display_name": "S",
        "roles": ["parent"]})
    assert r.status_code == 400 and "at least 10 characters" in r.json()["detail"]
    r = nursery.client.post("/accounts", headers=nursery.manager.headers, json={
        "email": "same@example.org", "password": "same@example.org", "display_name": "S",
        "roles": ["parent"]})
    assert r.status_code == 400 and "must not be your email" in r.json()["detail"]


@pytest.mark.parametrize("password", [
    "passwordpassword", "password1234", " " * 20, "learningjourney1", "nursery-nursery",
    "iloveyou2024", "qwertyuiop12", "amelia.jones2024"])
def test_common_passwords_and_the_services_own_words_are_refused(nursery, password):
    """F12 (NIST 800-63B): common passwords and context words are refused, with a reason."""
    r = nursery.client.post("/accounts", headers=nursery.manager.headers, json={
        "email": "amelia.jones@example.org", "password": password, "display_name": "A",
        "roles": ["parent"]})
    assert r.status_code == 400, r.text
    assert "too easy to guess" in r.json()["detail"]
    assert "'password'" in r.json()["detail"]


def test_one_account_per_email(nursery):
    nursery.add_person(["parent"], email="dup@example.org")
    r = nursery.client.post("/accounts", headers=nursery.manager.headers, json={
        "email": "DUP@example.org", "password": PASSWORD, "display_name": "D",
        "roles": ["parent"]})
    assert r.status_code == 409


def test_staff_need_a_device_of_their_setting(nursery):
    person = nursery.practitioner()
    bare = {"Authorization": f"Bearer {person.token}"}
    r = nursery.client.get("/setting", headers=bare)
    assert r.status_code == 403 and "X-Device-Token" in r.json()["detail"]
    r = nursery.client.get("/setting", headers={**bare, "X-Device-Token": "made-up"})
    assert r.status_code == 403 and "not one of your setting's" in r.json()["detail"]


def test_a_tablet_works_only_while_signed_out_to_the_person(nursery):
    tablet = nursery.register_device("tablet")
    person = nursery.practitioner()
    headers = {"Authorization": f"Bearer {person.token}", "X-Device-Token": tablet["device_token"]}
    r = nursery.client.get("/setting", headers=headers)
    assert r.status_code == 403 and "not signed out to you" in r.json()["detail"]


def test_device_of_another_setting_is_refused(nursery):
    other = set_up_setting(nursery.services, "Other Nursery", "boss@other.test", PASSWORD,
                           open_all_hours=True)
    person = nursery.practitioner()
    r = nursery.client.get("/setting", headers={"Authorization": f"Bearer {person.token}",
                                               "X-Device-Token": other["device_token"]})
    assert r.status_code == 403


def test_parents_need_no_device(nursery):
    parent = nursery.parent()
    assert nursery.client.get("/setting", headers=parent.headers).status_code == 200


def test_staff_refused_outside_opening_hours_parents_not(nursery):
    r = nursery.client.put("/setting/opening-hours", headers=nursery.manager.headers, json={
        "timezone": "Europe/London", "days": {"mon": ["07:30", "18:30"],
                                              "wed": ["07:30", "18:30"]}})
    assert r.status_code == 204
    parent = nursery.parent()
    # Wednesday 2026-11-25 20:00 in London (UTC in winter): closed
    nursery.clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    r = nursery.client.get("/setting", headers=nursery.manager.headers)
    assert r.status_code == 403
    assert "only available" in r.json()["detail"] and "opening hours" in r.json()["detail"]
    assert nursery.client.get("/setting", headers=parent.headers).status_code == 200
    # Tuesday is missing from days: closed all day
    nursery.clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    assert nursery.client.get("/setting", headers=nursery.manager.headers).status_code == 403
    # Monday at 10:00: open
    nursery.clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    assert nursery.client.get("/setting", headers=nursery.manager.headers).status_code == 200


def test_opening_hours_in_the_settings_timezone(nursery):
    nursery.client.put("/setting/opening-hours", headers=nursery.manager.headers, json={
        "timezone": "Europe/London", "days": {"wed": ["07:30", "18:30"]}})
    # 2026-07-01 is a Wednesday; 06:45 UTC is 07:45 in London (BST): open
    nursery.clock.set(datetime(2026, 7, 1, 6, 45, tzinfo=UTC))
    assert nursery.client.get("/setting", headers=nursery.manager.headers).status_code == 200
    nursery.clock.set(datetime(2026, 7, 1, 17, 45, tzinfo=UTC))  # 18:45 BST: closed
    assert nursery.client.get("/setting", headers=nursery.manager.headers).status_code == 403


def test_bad_opening_hours_name_the_field(nursery):
    r = nursery.client.put("/setting/opening-hours", headers=nursery.manager.headers, json={
        "timezone": "Mars/Olympus", "days": {}})
    assert r.status_code == 400 and "'timezone'" in r.json()["detail"]
    r = nursery.client.put("/setting/opening-hours", headers=nursery.manager.headers, json={
        "timezone": "Europe/London", "days": {"mon": ["18:30", "07:30"]}})
    assert r.status_code == 400 and "days.mon" in r.json()["detail"]


def test_support_sees_nothing_until_granted_then_reads_never_writes(nursery):
    support = nursery.add_person(["support"], "Sam Support")
    r = nursery.client.get("/setting", headers=support.headers)
    assert r.status_code == 403 and "grants access" in r.json()["detail"]
    until = (nursery.clock() + timedelta(hours=2)).isoformat()
    r = nursery.client.post("/setting/support-access", headers=nursery.manager.headers,
                            json={"account_id": support.account_id, "until": until})
    assert r.status_code == 204
    assert nursery.client.get("/setting", headers=support.headers).status_code == 200
    r = nursery.client.post("/devices", headers=support.headers,
                            json={"label": "x", "kind": "tablet"})
    assert r.status_code == 403
    nursery.clock.advance(timedelta(hours=3))
    assert nursery.client.get("/setting", headers=support.headers).status_code == 403


def test_support_grant_is_revocable_at_once(nursery):
    support = nursery.add_person(["support"], "Sam Support")
    until = (nursery.clock() + timedelta(hours=2)).isoformat()
    nursery.client.post("/setting/support-access", headers=nursery.manager.headers,
                        json={"account_id": support.account_id, "until": until})
    r = nursery.client.delete(f"/setting/support-access/{support.account_id}",
                              headers=nursery.manager.headers)
    assert r.status_code == 204
    assert nursery.client.get("/setting", headers=support.headers).status_code == 403


def test_other_settings_accounts_are_invisible(nursery):
    other = set_up_setting(nursery.services, "Other Nursery", "boss@other.test", PASSWORD,
                           open_all_hours=True)
    token = _login(nursery, "boss@other.test").json()["token"]
    boss = Person(other["manager_id"], "boss@other.test", token, other["device_token"])
    person = nursery.practitioner()
    r = nursery.client.post(f"/accounts/{person.account_id}/disable", headers=boss.headers)
    assert r.status_code == 404
    emails = [a["email"] for a in nursery.client.get("/accounts",
                                                     headers=boss.headers).json()["items"]]
    assert person.email not in emails


def test_practitioner_cannot_create_accounts(nursery):
    person = nursery.practitioner()
    r = nursery.client.post("/accounts", headers=person.headers, json={
        "email": "x@example.org", "password": PASSWORD, "display_name": "X",
        "roles": ["parent"]})
    assert r.status_code == 403


def test_every_login_and_failure_is_logged_for_the_audit(nursery):
    _login(nursery, "manager@clarecroft.test", "wrong-password!")
    _login(nursery, "manager@clarecroft.test")
    outcomes = [r[0] for r in nursery.services.db.query(
        "SELECT outcome FROM login_log ORDER BY at")]
    assert "failed" in outcomes and outcomes.count("ok") >= 2


def test_device_token_shown_once_and_only_its_hash_kept(nursery):
    device = nursery.register_device("computer", "Office 2")
    rows = nursery.services.db.query("SELECT token_hash FROM devices_view")
    assert all(device["device_token"] not in r[0] for r in rows)
    assert datetime.now(UTC)  # sanity: the wall clock is not used by the service
