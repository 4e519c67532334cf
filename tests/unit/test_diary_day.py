"""DiaryDay and the diary commands: the rules of a child's day at nursery."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.actor import Actor
from domain.aggregates.account import Account
from domain.aggregates.child_journey import ChildJourney
from domain.aggregates.diary_day import DiaryDay
from domain.aggregates.medication_permission import MedicationPermission
from domain.diary_entries import parse_entry
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.service import JourneyService

TZ = "Europe/London"
DAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
SETTING = uuid4()
CHILD = uuid4()
STAFF = Actor(uuid4(), SETTING, ("practitioner",))
WITNESS = Actor(uuid4(), SETTING, ("practitioner",))
MANAGER = Actor(uuid4(), SETTING, ("manager",))
PARENT = Actor(uuid4(), SETTING, ("parent",), children=frozenset({CHILD}),
               agreed_children=frozenset({CHILD}))
OTHER_PARENT = Actor(uuid4(), SETTING, ("parent",), children=frozenset({uuid4()}))


def t(hhmm: str) -> str:
    return f"2026-11-25T{hhmm}:00+00:00"


def new_day() -> DiaryDay:
    return DiaryDay.start(CHILD, SETTING, DAY, STAFF, NOW - timedelta(hours=6))


def record(day: DiaryDay, data: dict, at: datetime = NOW, permission=None,
           actor: Actor = STAFF) -> tuple[UUID, bool]:
    return day.record(parse_entry(data), uuid4(), TZ, actor, at, permission)


def permission(child: UUID = CHILD, medicine: str = "Calpol", start: date = DAY,
               until: date = DAY) -> MedicationPermission:
    return MedicationPermission.record(child, SETTING, medicine, "5 ml", start, until,
                                       PARENT if child == CHILD else MANAGER,
                                       NOW - timedelta(days=1))


def medication(**change: object) -> dict:
    return {"kind": "medication", "medicine": "Calpol", "dose": "5 ml", "at": t("11:00"),
            "given_by": str(STAFF.account_id), "witnessed_by": str(WITNESS.account_id),
            "permission_id": str(uuid4()), **change}


INCIDENT = {"kind": "incident", "at": t("10:00"), "what": "Bumped head on table",
            "injury": "Small red mark", "first_aid": "Cold compress",
            "by": str(uuid4())}


def test_the_id_is_derived_from_child_and_date() -> None:
    day = new_day()
    assert day.id == DiaryDay.id_for(CHILD, DAY)
    assert DiaryDay.id_for(CHILD, DAY) != DiaryDay.id_for(CHILD, DAY + timedelta(days=1))
    assert DiaryDay.id_for(CHILD, DAY) != DiaryDay.id_for(uuid4(), DAY)
    assert day.child_id == CHILD


def test_staff_record_an_entry_that_is_not_late_before_the_session_ends() -> None:
    day = new_day()
    entry_id, late = record(day, {"kind": "drink", "drink": "Water", "ml": 100,
                                  "at": t("09:00")})
    assert late is False
    assert day.entries[entry_id].kind == "drink"
    assert day.entries[entry_id].record["ml"] == 100


def test_parents_do_not_record_entries() -> None:
    with pytest.raises(Forbidden):
        record(new_day(), {"kind": "toilet", "state": "wet", "at": t("09:00")}, actor=PARENT)


def test_entries_after_the_end_of_session_are_late() -> None:
    day = new_day()
    day.end_session(TZ, STAFF, NOW)
    _, late = record(day, {"kind": "toilet", "state": "wet", "at": t("14:00")},
                     at=NOW + timedelta(minutes=5))
    assert late is True
    with pytest.raises(Conflict):
        day.end_session(TZ, STAFF, NOW + timedelta(minutes=6))


def test_entries_recorded_on_a_later_date_are_late() -> None:
    _, late = record(new_day(), {"kind": "toilet", "state": "dry", "at": t("14:00")},
                     at=NOW + timedelta(days=1))
    assert late is True


def test_a_session_of_a_future_day_cannot_end() -> None:
    day = DiaryDay.start(CHILD, SETTING, DAY + timedelta(days=1), STAFF, NOW)
    with pytest.raises(Conflict):
        day.end_session(TZ, STAFF, NOW)


def test_times_off_the_date_or_in_the_future_are_refused() -> None:
    day = new_day()
    with pytest.raises(Invalid) as caught:
        record(day, {"kind": "toilet", "state": "wet", "at": "2026-11-24T12:00:00+00:00"})
    assert caught.value.field == "at"
    with pytest.raises(Invalid) as caught:
        record(day, {"kind": "toilet", "state": "wet", "at": t("16:00")})
    assert caught.value.field == "at"
    assert not day.pending_events[1:]


def test_overlapping_sleeps_are_refused() -> None:
    day = new_day()
    record(day, {"kind": "sleep", "start": t("12:00"), "end": t("13:00")})
    for start, end in [("12:30", "13:30"), ("11:00", "12:01"), ("12:10", "12:20"),
                       ("11:00", "14:00")]:
        with pytest.raises(Conflict):
            record(day, {"kind": "sleep", "start": t(start), "end": t(end)})
    with pytest.raises(Conflict):
        record(day, {"kind": "sleep", "start": t("12:59")})
    # touching is not overlapping
    record(day, {"kind": "sleep", "start": t("13:00"), "end": t("13:30")})
    record(day, {"kind": "sleep", "start": t("11:00"), "end": t("12:00")})


def test_an_open_sleep_is_ended_by_an_entry_with_the_same_start() -> None:
    day = new_day()
    sleep_id, _ = record(day, {"kind": "sleep", "start": t("12:00")})
    assert day.entries[sleep_id].open_sleep
    with pytest.raises(Conflict):  # asleep already: a second sleep overlaps
        record(day, {"kind": "sleep", "start": t("13:00")})
    ended_id, _ = record(day, {"kind": "sleep", "start": t("12:00"), "end": t("13:15")})
    assert ended_id == sleep_id
    entry = day.entries[sleep_id]
    assert not entry.open_sleep
    assert entry.version == 2
    assert entry.history[0]["entry"]["end"] is None


def test_medication_needs_a_permission_covering_the_date() -> None:
    day = new_day()
    with pytest.raises(Conflict) as caught:
        record(day, medication(), permission=None)
    assert "permission" in caught.value.detail
    for wrong in (permission(child=uuid4()), permission(start=DAY + timedelta(days=1),
                                                        until=DAY + timedelta(days=3)),
                  permission(start=DAY - timedelta(days=3), until=DAY - timedelta(days=1))):
        with pytest.raises(Conflict):
            record(day, medication(), permission=wrong)
    with pytest.raises(Conflict) as caught:
        record(day, medication(), permission=permission(medicine="Piriton"))
    assert "medicine" in caught.value.detail
    entry_id, _ = record(day, medication(medicine=" calpol "), permission=permission())
    assert day.entries[entry_id].kind == "medication"
    assert type(day.pending_events[-1]).__name__ == "MedicationGiven"


def test_medication_is_witnessed_by_another_member_of_staff() -> None:
    with pytest.raises(Invalid) as caught:
        record(new_day(), medication(witnessed_by=str(STAFF.account_id)),
               permission=permission())
    assert caught.value.field == "witnessed_by"


def test_a_correction_is_a_new_version_keeping_the_history() -> None:
    day = new_day()
    meal = {"kind": "meal", "meal": "lunch", "food": "Pasta", "amount": "half",
            "at": t("12:00")}
    entry_id, _ = record(day, meal)
    version = day.correct(entry_id, parse_entry({**meal, "amount": "all"}), 1, TZ, STAFF,
                          NOW + timedelta(minutes=1))
    assert version == 2
    entry = day.entries[entry_id]
    assert entry.record["amount"] == "all"
    assert [h["entry"]["amount"] for h in entry.history] == ["half"]
    with pytest.raises(Conflict):  # started from version 1, but it is at 2 now
        day.correct(entry_id, parse_entry({**meal, "amount": "some"}), 1, TZ, STAFF, NOW)
    with pytest.raises(Invalid) as caught:
        day.correct(entry_id, parse_entry({"kind": "drink", "drink": "Milk", "ml": 3,
                                           "at": t("12:00")}), 2, TZ, STAFF, NOW)
    assert caught.value.field == "kind"
    with pytest.raises(NotFound):
        day.correct(uuid4(), parse_entry(meal), 1, TZ, STAFF, NOW)


def test_a_corrected_sleep_may_not_overlap_another() -> None:
    day = new_day()
    first, _ = record(day, {"kind": "sleep", "start": t("10:00"), "end": t("10:30")})
    record(day, {"kind": "sleep", "start": t("12:00"), "end": t("13:00")})
    day.correct(first, parse_entry({"kind": "sleep", "start": t("10:00"), "end": t("11:00")}),
                1, TZ, STAFF, NOW)
    with pytest.raises(Conflict):
        day.correct(first, parse_entry({"kind": "sleep", "start": t("10:00"),
                                        "end": t("12:30")}), 2, TZ, STAFF, NOW)


def test_only_managers_retract_with_a_reason() -> None:
    day = new_day()
    entry_id, _ = record(day, {"kind": "toilet", "state": "wet", "at": t("09:00")})
    with pytest.raises(Forbidden):
        day.retract(entry_id, "Wrong child", STAFF, NOW)
    with pytest.raises(Invalid) as caught:
        day.retract(entry_id, "  ", MANAGER, NOW)
    assert caught.value.field == "reason"
    day.retract(entry_id, "Recorded for the wrong child", MANAGER, NOW)
    assert day.entries[entry_id].retracted
    assert day.entries[entry_id].reason == "Recorded for the wrong child"
    with pytest.raises(Conflict):
        day.retract(entry_id, "again", MANAGER, NOW)
    with pytest.raises(Conflict):
        day.correct(entry_id, parse_entry({"kind": "toilet", "state": "dry",
                                           "at": t("09:00")}), 1, TZ, STAFF, NOW)


def test_a_retracted_sleep_no_longer_blocks_another() -> None:
    day = new_day()
    sleep_id, _ = record(day, {"kind": "sleep", "start": t("12:00")})
    day.retract(sleep_id, "Not asleep after all", MANAGER, NOW)
    record(day, {"kind": "sleep", "start": t("12:10"), "end": t("13:00")})


def test_a_linked_parent_acknowledges_an_incident_once() -> None:
    day = new_day()
    incident_id, _ = record(day, INCIDENT)
    assert type(day.pending_events[-1]).__name__ == "IncidentRecorded"
    with pytest.raises(NotFound):
        day.acknowledge(incident_id, OTHER_PARENT, NOW)
    with pytest.raises(NotFound):
        day.acknowledge(incident_id, STAFF, NOW)
    assert day.acknowledge(incident_id, PARENT, NOW) is True
    assert day.acknowledge(incident_id, PARENT, NOW) is False
    assert day.entries[incident_id].acknowledged_by == [PARENT.account_id]
    toilet_id, _ = record(day, {"kind": "toilet", "state": "wet", "at": t("09:00")})
    with pytest.raises(NotFound):
        day.acknowledge(toilet_id, PARENT, NOW)


def test_parents_and_staff_post_messages() -> None:
    day = new_day()
    day.post_message(uuid4(), "Grandma collects today", PARENT, NOW)
    day.post_message(uuid4(), "Noted, thank you", STAFF, NOW)
    assert [(m.author_role, m.text) for m in day.messages] == [
        ("parent", "Grandma collects today"), ("staff", "Noted, thank you")]
    with pytest.raises(Invalid) as caught:
        day.post_message(uuid4(), " ", PARENT, NOW)
    assert caught.value.field == "text"
    with pytest.raises(Invalid):
        day.post_message(uuid4(), "x" * 2001, PARENT, NOW)


def test_the_day_replays_from_its_events() -> None:
    app = JourneyService(env={})
    day = new_day()
    sleep_id, _ = record(day, {"kind": "sleep", "start": t("12:00")})
    record(day, {"kind": "sleep", "start": t("12:00"), "end": t("13:00")})
    incident_id, _ = record(day, INCIDENT)
    day.acknowledge(incident_id, PARENT, NOW)
    day.post_message(uuid4(), "Had a lovely day", STAFF, NOW)
    day.end_session(TZ, STAFF, NOW)
    app.save(day)
    again = app.repository.get(day.id)
    assert again.entries[sleep_id].version == 2
    assert again.entries[incident_id].acknowledged_by == [PARENT.account_id]
    assert again.session_ended_at == NOW
    assert again.messages[0].text == "Had a lovely day"
    assert again.day == DAY


def test_a_permission_is_refused_with_its_dates_reversed_or_blank_fields() -> None:
    with pytest.raises(Invalid) as caught:
        permission(start=DAY, until=DAY - timedelta(days=1))
    assert caught.value.field == "until"
    with pytest.raises(Invalid) as caught:
        MedicationPermission.record(CHILD, SETTING, " ", "5 ml", DAY, DAY, PARENT, NOW)
    assert caught.value.field == "medicine"
    with pytest.raises(Invalid) as caught:
        MedicationPermission.record(CHILD, SETTING, "Calpol", "", DAY, DAY, PARENT, NOW)
    assert caught.value.field == "dose"
    assert permission().source == "parent"
    assert MedicationPermission.record(CHILD, SETTING, "Calpol", "5 ml", DAY, DAY, STAFF,
                                       NOW).source == "signed_form"


# ---- commands on the application (in memory) -----------------------------------------


@pytest.fixture
def app() -> JourneyService:
    """The application, with CHILD enrolled in SETTING, keeping days decoded as `journey
    serve` does."""
    from adapters.storage.kept_days import KeptDays
    from domain.ports import NoWriters, save_each

    made = JourneyService(env={})
    made.given(NoWriters(), save_each(made.save), KeptDays())
    made.save(ChildJourney.enrol(CHILD, SETTING, "Ada", date(2024, 1, 1), "Rainbow",
                                 MANAGER.account_id, MANAGER, NOW - timedelta(days=1)))
    return made


def staff_account(app: JourneyService, roles: list[str] | None = None,
                  setting: UUID = SETTING) -> Actor:
    account = Account.open(setting, f"{uuid4().hex[:8]}@example.org", "Staff",
                           roles or ["practitioner"], MANAGER, NOW)
    app.save(account)
    return Actor(account.id, setting, tuple(account.roles))


def test_commands_record_medication_given_by_two_staff_under_a_permission(app) -> None:
    giver, witness = staff_account(app), staff_account(app)
    granted = app.record_medication_permission(CHILD, SETTING, "Calpol", "5 ml", DAY, DAY,
                                               PARENT, NOW - timedelta(hours=5))
    data = medication(given_by=str(giver.account_id), witnessed_by=str(witness.account_id),
                      permission_id=str(granted.permission_id))
    result = app.record_diary_entry(CHILD, SETTING, DAY, data, TZ, giver, NOW)
    assert result.position > granted.position
    day = app.repository.get(DiaryDay.id_for(CHILD, DAY))
    assert day.entries[result.entry_id].record["medicine"] == "Calpol"


def test_commands_refuse_a_giver_or_witness_who_is_not_staff_of_the_setting(app) -> None:
    giver = staff_account(app)
    parent = staff_account(app, ["parent"])
    elsewhere = staff_account(app, setting=uuid4())
    granted = app.record_medication_permission(CHILD, SETTING, "Calpol", "5 ml", DAY, DAY,
                                               PARENT, NOW)
    for field, who in (("witnessed_by", parent), ("witnessed_by", elsewhere),
                       ("given_by", Actor(uuid4(), SETTING, ("practitioner",)))):
        other = "given_by" if field == "witnessed_by" else "witnessed_by"
        data = medication(**{field: str(who.account_id), other: str(giver.account_id),
                             "permission_id": str(granted.permission_id)})
        with pytest.raises(Invalid) as caught:
            app.record_diary_entry(CHILD, SETTING, DAY, data, TZ, giver, NOW)
        assert caught.value.field == field


def test_commands_refuse_medication_with_an_unknown_permission(app) -> None:
    giver, witness = staff_account(app), staff_account(app)
    data = medication(given_by=str(giver.account_id), witnessed_by=str(witness.account_id))
    with pytest.raises(Conflict):
        app.record_diary_entry(CHILD, SETTING, DAY, data, TZ, giver, NOW)
    assert app._find(DiaryDay.id_for(CHILD, DAY), DiaryDay) is None


def test_commands_correct_by_merging_the_changed_fields(app) -> None:
    result = app.record_diary_entry(CHILD, SETTING, DAY, {
        "kind": "meal", "meal": "tea", "food": "Soup", "amount": "some", "at": t("14:00")},
        TZ, STAFF, NOW)
    corrected = app.correct_diary_entry(CHILD, SETTING, DAY, result.entry_id, 1,
                                        {"amount": "all"}, TZ, STAFF, NOW)
    assert corrected.version == 2
    with pytest.raises(Invalid) as caught:
        app.correct_diary_entry(CHILD, SETTING, DAY, result.entry_id, None, {}, TZ, STAFF,
                                NOW)
    assert caught.value.field == "base_version"
    with pytest.raises(Invalid) as caught:
        app.correct_diary_entry(CHILD, SETTING, DAY, result.entry_id, 2, {"kind": "drink"},
                                TZ, STAFF, NOW)
    assert caught.value.field == "kind"
    with pytest.raises(NotFound):
        app.correct_diary_entry(CHILD, SETTING, DAY + timedelta(days=1), result.entry_id, 2,
                                {}, TZ, STAFF, NOW)


def test_commands_keep_days_of_other_settings_apart(app) -> None:
    app.post_diary_message(CHILD, SETTING, DAY, "Hello", STAFF, NOW)
    with pytest.raises(NotFound):
        app.post_diary_message(CHILD, uuid4(), DAY, "Hello", STAFF, NOW)


def test_acknowledging_on_a_day_without_entries_is_not_found(app) -> None:
    with pytest.raises(NotFound):
        app.acknowledge_incident(CHILD, SETTING, DAY, uuid4(), PARENT, NOW)


def test_a_copy_of_a_day_changes_independently() -> None:
    import copy

    day = new_day()
    sleep_id, _ = record(day, {"kind": "sleep", "start": t("12:00")})
    copied = copy.deepcopy(day)
    record(copied, {"kind": "sleep", "start": t("12:00"), "end": t("13:00")})
    incident_id, _ = record(copied, INCIDENT)
    copied.acknowledge(incident_id, PARENT, NOW)
    assert day.entries[sleep_id].open_sleep and day.entries[sleep_id].history == []
    assert incident_id not in day.entries
    assert not copied.entries[sleep_id].open_sleep
    assert len(copied.pending_events) == len(day.pending_events) + 3


def test_corrections_and_retractions_of_a_copy_leave_the_original_alone() -> None:
    import copy

    day = new_day()
    meal = {"kind": "meal", "meal": "lunch", "food": "Pasta", "amount": "half",
            "at": t("12:00")}
    meal_id, _ = record(day, meal)
    nappy_id, _ = record(day, {"kind": "nappy", "state": "wet", "at": t("09:00")})
    incident_id, _ = record(day, INCIDENT)
    copied = copy.deepcopy(day)
    copied.correct(meal_id, parse_entry({**meal, "amount": "all"}), 1, TZ, STAFF, NOW)
    copied.retract(nappy_id, "Recorded for the wrong child", MANAGER, NOW)
    copied.acknowledge(incident_id, PARENT, NOW)
    assert day.entries[meal_id].record["amount"] == "half"
    assert day.entries[meal_id].version == 1 and day.entries[meal_id].history == []
    assert not day.entries[nappy_id].retracted and day.entries[nappy_id].reason is None
    assert day.entries[incident_id].acknowledged_by == []
    assert copied.entries[meal_id].record["amount"] == "all"
    assert copied.entries[nappy_id].retracted
    assert copied.entries[incident_id].acknowledged_by == [PARENT.account_id]


def test_recording_sees_changes_made_since_the_day_was_cached(app) -> None:
    first = app.record_diary_entry(CHILD, SETTING, DAY, {
        "kind": "sleep", "start": t("12:00"), "end": t("13:00")}, TZ, STAFF, NOW)
    app.correct_diary_entry(CHILD, SETTING, DAY, first.entry_id, 1,
                            {"end": t("14:00")}, TZ, STAFF, NOW)
    with pytest.raises(Conflict):
        app.record_diary_entry(CHILD, SETTING, DAY, {
            "kind": "sleep", "start": t("13:30"), "end": t("13:45")}, TZ, STAFF, NOW)


def test_a_concurrent_append_is_retried_on_the_newer_day(app, monkeypatch) -> None:
    from eventsourcing.persistence import IntegrityError

    app.post_diary_message(CHILD, SETTING, DAY, "Morning!", STAFF, NOW)
    real_save = app.save_events
    calls = []

    def flaky_save(events):
        calls.append(events)
        if len(calls) == 1:
            raise IntegrityError("someone else appended first")
        return real_save(events)

    monkeypatch.setattr(app, "save_events", flaky_save)
    result = app.record_diary_entry(CHILD, SETTING, DAY, {
        "kind": "toilet", "state": "wet", "at": t("09:00")}, TZ, STAFF, NOW)
    assert len(calls) == 2
    day = app.repository.get(DiaryDay.id_for(CHILD, DAY))
    assert result.entry_id in day.entries and len(day.messages) == 1


def test_a_day_changed_elsewhere_is_judged_afresh_and_nothing_is_lost(app) -> None:
    """The kept day is behind when another process wrote to it: a refusal is judged
    again on the stored day, and a save against the old version is retried."""
    app.record_diary_entry(CHILD, SETTING, DAY, {"kind": "sleep", "start": t("12:00")},
                           TZ, STAFF, NOW)  # kept in memory with the sleep still open
    elsewhere = app.repository.get(DiaryDay.id_for(CHILD, DAY))  # another process
    record(elsewhere, {"kind": "sleep", "start": t("12:00"), "end": t("13:00")})
    app.save(elsewhere)
    result = app.record_diary_entry(CHILD, SETTING, DAY, {
        "kind": "sleep", "start": t("13:30"), "end": t("13:45")}, TZ, STAFF, NOW)
    toilet = app.record_diary_entry(CHILD, SETTING, DAY, {
        "kind": "toilet", "state": "wet", "at": t("14:00")}, TZ, STAFF, NOW)
    stored = app.repository.get(DiaryDay.id_for(CHILD, DAY))
    assert result.entry_id in stored.entries and toilet.entry_id in stored.entries
    assert len(stored.entries) == 3
    with pytest.raises(Conflict):  # still refused when the stored day says so
        app.record_diary_entry(CHILD, SETTING, DAY, {
            "kind": "sleep", "start": t("12:30"), "end": t("12:45")}, TZ, STAFF, NOW)
