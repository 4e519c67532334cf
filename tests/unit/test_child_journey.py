"""ChildJourney: enrolment, observations, revisions, moderation, comments, assessments."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.aggregates.child_journey import (
    APPROVED,
    LATE_UPLOAD,
    PAST_TENSE,
    PENDING,
    REJECTED,
    SUPERSEDED,
    ChildJourney,
)
from domain.errors import Conflict, Forbidden, Invalid, NotFound

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SETTING = uuid4()


def person(*roles, children=()):
    """Someone of the setting; a parent has signed the agreement for their children."""
    return Actor(uuid4(), SETTING, tuple(roles), children=frozenset(children),
                 agreed_children=frozenset(children))


@pytest.fixture
def manager():
    return person("manager")


@pytest.fixture
def practitioner():
    return person("practitioner")


@pytest.fixture
def journey(manager, practitioner):
    return ChildJourney.enrol(uuid4(), SETTING, "Ada", date(2024, 6, 1), "Rainbow",
                              practitioner.account_id, manager, AT)


def submit(journey, actor, text="Ada builds a tower.", observed_on=date(2026, 11, 24), **kw):
    observation_id = uuid4()
    warnings = journey.submit_observation(
        observation_id, observed_on, text, kw.get("framework", []), kw.get("media", []),
        kw.get("children", []), kw.get("next_steps"), actor, kw.get("at", AT))
    return observation_id, warnings


def replayed(journey):
    copy = None
    for event in journey.collect_events():
        copy = event.mutate(copy)
    return copy


def test_enrolment_records_the_child_and_its_id_is_the_child_id(journey, practitioner):
    assert journey.id == journey.child_id
    assert (journey.name, journey.room, journey.key_person_id) == (
        "Ada", "Rainbow", practitioner.account_id)


@pytest.mark.parametrize("field, kwargs", [
    ("name", {"name": "  "}),
    ("room", {"room": ""}),
    ("date_of_birth", {"date_of_birth": date(2027, 1, 1)}),
])
def test_enrolment_checks_its_fields(manager, field, kwargs):
    values = {"name": "Ada", "date_of_birth": date(2024, 6, 1), "room": "Rainbow", **kwargs}
    with pytest.raises(Invalid) as error:
        ChildJourney.enrol(uuid4(), SETTING, values["name"], values["date_of_birth"],
                           values["room"], uuid4(), manager, AT)
    assert error.value.field == field


def test_submitted_observation_is_pending_with_revision_one(journey, practitioner):
    observation_id, warnings = submit(journey, practitioner)
    observation = journey.observation(observation_id)
    assert warnings == []
    assert observation.latest.number == 1 and observation.latest.status == PENDING
    assert observation.approved is None


def test_warnings_past_tense_and_late_upload_never_refuse(journey, practitioner):
    observation_id, warnings = submit(journey, practitioner, text="Ada built a tower.",
                                      observed_on=date(2026, 11, 10))
    assert warnings == [PAST_TENSE, LATE_UPLOAD]
    assert observation_id in journey.observations


def test_exactly_seven_days_is_not_late(journey, practitioner):
    _, warnings = submit(journey, practitioner, observed_on=date(2026, 11, 18))
    assert warnings == []


@pytest.mark.parametrize("field, kwargs", [
    ("observed_on", {"observed_on": date(2026, 11, 27)}),
    ("observed_on", {"observed_on": date(2020, 1, 1)}),
    ("text", {"text": "   "}),
    ("text", {"text": "x" * 5001}),
    ("framework[0].area", {"framework": [{"area": "Astrology"}]}),
    ("children", {"children": ["not-a-uuid"]}),
    ("next_steps", {"next_steps": "y" * 2001}),
])
def test_observation_fields_are_checked(journey, practitioner, field, kwargs):
    with pytest.raises(Invalid) as error:
        submit(journey, practitioner, **kwargs)
    assert error.value.field == field
    assert not journey.observations


def test_a_group_observation_may_not_tag_the_child_itself(journey, practitioner):
    with pytest.raises(Invalid):
        submit(journey, practitioner, children=[journey.child_id])


def test_a_parent_submits_only_for_their_own_child(journey):
    stranger = person("parent", children=[uuid4()])
    with pytest.raises(NotFound):
        submit(journey, stranger)
    own = person("parent", children=[journey.child_id])
    observation_id, _ = submit(journey, own)
    assert journey.observation(observation_id).author_id == own.account_id


def test_another_setting_sees_nothing(journey):
    elsewhere = Actor(uuid4(), uuid4(), ("practitioner",))
    with pytest.raises(NotFound):
        submit(journey, elsewhere)


def test_revision_creates_a_pending_revision_and_keeps_the_approved_one(
        journey, practitioner, manager):
    observation_id, _ = submit(journey, practitioner)
    journey.approve(observation_id, 1, 1, {}, manager, AT)
    revision, _ = journey.revise_observation(observation_id, 1, {"text": "Ada builds two."},
                                             practitioner, AT)
    observation = journey.observation(observation_id)
    assert revision == 2
    assert observation.approved == 1
    assert observation.approved_revision.text == "Ada builds a tower."
    assert observation.latest.text == "Ada builds two." and observation.latest.status == PENDING


def test_a_stale_base_revision_is_a_conflict_and_records_nothing(journey, practitioner):
    observation_id, _ = submit(journey, practitioner)
    journey.revise_observation(observation_id, 1, {"text": "First edit."}, practitioner, AT)
    journey.collect_events()
    with pytest.raises(Conflict) as error:
        journey.revise_observation(observation_id, 1, {"text": "Second edit."}, practitioner,
                                   AT)
    assert "revision 2" in error.value.detail
    assert journey.collect_events() == []
    assert journey.observation(observation_id).latest.text == "First edit."


def test_a_newer_revision_supersedes_a_pending_one(journey, practitioner):
    observation_id, _ = submit(journey, practitioner)
    journey.revise_observation(observation_id, 1, {"text": "Edit."}, practitioner, AT)
    assert journey.observation(observation_id).revisions[0].status == SUPERSEDED


def test_parents_never_revise(journey):
    parent = person("parent", children=[journey.child_id])
    observation_id, _ = submit(journey, parent)
    with pytest.raises(Forbidden):
        journey.revise_observation(observation_id, 1, {"text": "Mine."}, parent, AT)


def test_revision_needs_a_change(journey, practitioner):
    observation_id, _ = submit(journey, practitioner)
    with pytest.raises(Invalid):
        journey.revise_observation(observation_id, 1, {}, practitioner, AT)


def test_late_upload_counts_from_the_first_upload(journey, practitioner):
    observation_id, _ = submit(journey, practitioner, observed_on=date(2026, 11, 24))
    _, warnings = journey.revise_observation(observation_id, 1, {"text": "Ada builds."},
                                             practitioner, AT + timedelta(days=30))
    assert LATE_UPLOAD not in warnings


def test_only_managers_moderate(journey, practitioner):
    observation_id, _ = submit(journey, practitioner)
    with pytest.raises(Forbidden):
        journey.approve(observation_id, 1, 1, {}, practitioner, AT)
    with pytest.raises(Forbidden):
        journey.reject(observation_id, 1, "No.", practitioner, AT)
    with pytest.raises(Forbidden):
        journey.remove(observation_id, "No.", practitioner, AT)


def test_four_eyes_a_manager_may_not_approve_their_own_if_another_manager_exists(
        journey, manager):
    observation_id, _ = submit(journey, manager)
    with pytest.raises(Forbidden) as error:
        journey.approve(observation_id, 1, 2, {}, manager, AT)
    assert "another manager" in error.value.detail
    journey.approve(observation_id, 1, 1, {}, manager, AT)  # the only manager may
    assert journey.observation(observation_id).approved == 1


def test_four_eyes_also_covers_a_revision_the_manager_wrote(journey, practitioner, manager):
    observation_id, _ = submit(journey, practitioner)
    journey.revise_observation(observation_id, 1, {"text": "Ada builds."}, manager, AT)
    with pytest.raises(Forbidden):
        journey.approve(observation_id, 2, 2, {}, manager, AT)
    other = person("manager")
    journey.approve(observation_id, 2, 2, {}, other, AT)
    assert journey.observation(observation_id).latest.status == APPROVED


def test_only_the_latest_pending_revision_can_be_moderated(journey, practitioner, manager):
    observation_id, _ = submit(journey, practitioner)
    journey.revise_observation(observation_id, 1, {"text": "Ada builds."}, practitioner, AT)
    with pytest.raises(Conflict):
        journey.approve(observation_id, 1, 1, {}, manager, AT)
    with pytest.raises(Invalid):
        journey.approve(observation_id, 3, 1, {}, manager, AT)
    journey.approve(observation_id, 2, 1, {}, manager, AT)
    with pytest.raises(Conflict):
        journey.approve(observation_id, 2, 1, {}, manager, AT)


def test_rejection_needs_a_reason_the_author_sees(journey, practitioner, manager):
    observation_id, _ = submit(journey, practitioner)
    with pytest.raises(Invalid):
        journey.reject(observation_id, 1, " ", manager, AT)
    journey.reject(observation_id, 1, "Please use the present tense.", manager, AT)
    latest = journey.observation(observation_id).latest
    assert (latest.status, latest.reason) == (REJECTED, "Please use the present tense.")
    revision, _ = journey.revise_observation(observation_id, 1, {"text": "Ada builds."},
                                             practitioner, AT)
    assert revision == 2


def test_a_removed_observation_is_gone(journey, practitioner, manager):
    observation_id, _ = submit(journey, practitioner)
    journey.approve(observation_id, 1, 1, {}, manager, AT)
    journey.remove(observation_id, "Inappropriate.", manager, AT)
    with pytest.raises(NotFound):
        journey.observation(observation_id)
    with pytest.raises(NotFound):
        journey.revise_observation(observation_id, 1, {"text": "x"}, practitioner, AT)


def test_comments_only_on_approved_observations(journey, practitioner, manager):
    parent = person("parent", children=[journey.child_id])
    observation_id, _ = submit(journey, practitioner)
    with pytest.raises(NotFound):
        journey.add_comment(uuid4(), observation_id, "Lovely!", journey, parent, AT)
    with pytest.raises(Conflict):
        journey.add_comment(uuid4(), observation_id, "Lovely!", journey, practitioner, AT)
    journey.approve(observation_id, 1, 1, {}, manager, AT)
    comment_id = uuid4()
    journey.add_comment(comment_id, observation_id, "Lovely!", journey, parent, AT)
    assert journey.comments[comment_id].text == "Lovely!"


def test_comments_wait_for_a_manager_unless_a_manager_wrote_them(journey, practitioner,
                                                                 manager):
    parent = person("parent", children=[journey.child_id])
    observation_id, _ = submit(journey, practitioner)
    journey.approve(observation_id, 1, 1, {}, manager, AT)
    waiting, published = uuid4(), uuid4()
    journey.add_comment(waiting, observation_id, "Lovely!", journey, parent, AT)
    journey.add_comment(published, observation_id, "Thank you.", journey, manager, AT)
    assert journey.comments[waiting].pending and not journey.comments[published].pending
    with pytest.raises(Forbidden):
        journey.approve_comment(waiting, practitioner, AT)
    journey.approve_comment(waiting, manager, AT)
    assert not journey.comments[waiting].pending
    with pytest.raises(Conflict):
        journey.approve_comment(waiting, manager, AT)


def test_assessments_are_moderated_like_observations(journey, practitioner, manager):
    other_manager = person("manager")
    judged = {"mathematics": "expected"}
    first, second, third = uuid4(), uuid4(), uuid4()
    journey.record_assessment(first, "Autumn 2026", judged, None, practitioner, AT)
    journey.record_assessment(second, "Spring 2027", judged, None, manager, AT)
    journey.record_assessment(third, "Summer 2027", judged, None, practitioner, AT)
    assert journey.assessments[first].status == "pending"
    with pytest.raises(Forbidden):
        journey.approve_assessment(first, 2, practitioner, AT)
    with pytest.raises(Forbidden, match="four-eyes"):
        journey.approve_assessment(second, 2, manager, AT)
    journey.approve_assessment(second, 2, other_manager, AT)
    journey.approve_assessment(first, 2, manager, AT)
    journey.reject_assessment(third, "Judgements need evidence.", manager, AT)
    assert [journey.assessments[a].status for a in (first, second, third)] == [
        "approved", "approved", "rejected"]
    with pytest.raises(Conflict):
        journey.approve_assessment(third, 2, manager, AT)


def test_parents_comment_only_on_their_own_child(journey, practitioner, manager):
    observation_id, _ = submit(journey, practitioner)
    journey.approve(observation_id, 1, 1, {}, manager, AT)
    stranger = person("parent", children=[uuid4()])
    with pytest.raises(NotFound):
        journey.add_comment(uuid4(), observation_id, "Hi", journey, stranger, AT)


def test_a_group_observation_is_commented_in_the_tagged_childs_own_journey(
        journey, practitioner, manager):
    other = ChildJourney.enrol(uuid4(), SETTING, "Ben", date(2024, 1, 1), "Rainbow",
                               practitioner.account_id, manager, AT)
    observation_id, _ = submit(journey, practitioner, children=[other.child_id])
    journey.approve(observation_id, 1, 1, {}, manager, AT)
    parent_of_other = person("parent", children=[other.child_id])
    comment_id = uuid4()
    other.add_comment(comment_id, observation_id, "Ben loved it", journey, parent_of_other, AT)
    assert comment_id in other.comments and comment_id not in journey.comments
    untagged = ChildJourney.enrol(uuid4(), SETTING, "Cy", date(2024, 1, 1), "Rainbow",
                                  practitioner.account_id, manager, AT)
    with pytest.raises(NotFound):
        untagged.add_comment(uuid4(), observation_id, "?", journey, practitioner, AT)


def test_managers_remove_comments_with_a_reason(journey, practitioner, manager):
    observation_id, _ = submit(journey, practitioner)
    journey.approve(observation_id, 1, 1, {}, manager, AT)
    comment_id = uuid4()
    journey.add_comment(comment_id, observation_id, "Hmm", journey, practitioner, AT)
    with pytest.raises(Forbidden):
        journey.remove_comment(comment_id, "Rude", practitioner, AT)
    journey.remove_comment(comment_id, "Rude", manager, AT)
    assert journey.comments[comment_id].removed
    with pytest.raises(NotFound):
        journey.remove_comment(comment_id, "Again", manager, AT)


def test_profile_assessment_judges_areas(journey, practitioner):
    assessment_id = uuid4()
    journey.record_assessment(assessment_id, "Autumn 2026",
                              {"Mathematics": "expected", "literacy": "emerging"},
                              "Steady progress.", practitioner, AT)
    assert journey.assessments[assessment_id].judgements == {
        "mathematics": "expected", "literacy": "emerging"}
    with pytest.raises(Invalid) as error:
        journey.record_assessment(uuid4(), "Autumn", {"mathematics": "brilliant"}, None,
                                  practitioner, AT)
    assert error.value.field == "judgements.mathematics"
    with pytest.raises(Invalid):
        journey.record_assessment(uuid4(), "Autumn", {"astrology": "expected"}, None,
                                  practitioner, AT)


PRIME = {"communication_and_language": "Talks in short sentences.",
         "personal_social_and_emotional_development": "Plays alongside others.",
         "physical_development": "Runs and climbs."}


def test_progress_check_at_two_only_between_second_and_third_birthdays(
        journey, practitioner):
    # born 2024-06-01: aged two on 2026-11-25
    journey.record_assessment(uuid4(), "Progress check at two", PRIME, None, practitioner, AT)
    with pytest.raises(Conflict):
        journey.record_assessment(uuid4(), "Progress check at two", PRIME, None,
                                  practitioner, datetime(2027, 6, 1, tzinfo=UTC))
    with pytest.raises(Conflict):
        journey.record_assessment(uuid4(), "Check", PRIME, None, practitioner,
                                  datetime(2026, 5, 31, tzinfo=UTC), kind="progress_check")


def test_progress_check_covers_exactly_the_prime_areas(journey, practitioner):
    with pytest.raises(Invalid):
        journey.record_assessment(uuid4(), "Progress check at two",
                                  {**PRIME, "mathematics": "Counts."}, None, practitioner, AT)
    partial = dict(list(PRIME.items())[:2])
    with pytest.raises(Invalid):
        journey.record_assessment(uuid4(), "Progress check at two", partial, None,
                                  practitioner, AT)


def test_parents_do_not_record_assessments(journey):
    parent = person("parent", children=[journey.child_id])
    with pytest.raises(Forbidden):
        journey.record_assessment(uuid4(), "Autumn", {"mathematics": "expected"}, None,
                                  parent, AT)


def test_key_person_change_and_leaving(journey, manager, practitioner):
    new_key_person = uuid4()
    journey.change_key_person(new_key_person, manager, AT)
    assert journey.key_person_id == new_key_person
    journey.leave(AT.date(), manager, AT)
    with pytest.raises(Conflict):
        submit(journey, practitioner)


def test_history_replays_to_the_same_state(journey, practitioner, manager):
    parent = person("parent", children=[journey.child_id])
    observation_id, _ = submit(journey, practitioner, framework=[{"area": "literacy"}])
    journey.approve(observation_id, 1, 1, {}, manager, AT)
    journey.revise_observation(observation_id, 1, {"next_steps": "Offer more bricks."},
                               practitioner, AT)
    journey.reject(observation_id, 2, "Not yet.", manager, AT)
    journey.add_comment(uuid4(), observation_id, "Great", journey, parent, AT)
    journey.record_assessment(uuid4(), "Autumn", {"literacy": "expected"}, None,
                              practitioner, AT)
    copy = replayed(journey)
    assert copy.observations == journey.observations
    assert copy.comments == journey.comments
    assert copy.assessments == journey.assessments


def test_legal_retention_ends_at_21_years_and_3_months():
    from domain.aggregates.child_journey import retention_ends

    assert retention_ends(date(2023, 3, 1)) == date(2044, 6, 1)
    assert retention_ends(date(2024, 11, 30)) == date(2046, 2, 28)
    assert retention_ends(date(2023, 10, 31)) == date(2045, 1, 31)
    assert retention_ends(date(2024, 2, 29)) == date(2045, 5, 29)


def test_erasure_needs_the_full_name_and_closes_the_journey(journey, manager, practitioner):
    with pytest.raises(Conflict):
        journey.erase("Someone Else", [], manager, AT)
    with pytest.raises(Forbidden):
        journey.erase(journey.name, [], practitioner, AT)
    name = journey.name
    journey.erase(f"  {name} ", [], manager, AT)
    assert journey.erased and journey.observations == {}
    with pytest.raises(NotFound):
        submit(journey, practitioner)
    with pytest.raises(Conflict):
        journey.end_retention(manager, AT)
    later = AT.replace(year=journey.retained_until.year + 1)
    journey.end_retention(manager, later)
    assert journey.retention_ended and replayed(journey).retention_ended


def test_leaving_closes_the_journey_from_the_leaving_day(journey, manager, practitioner):
    journey.leave(AT.date() + timedelta(days=1), manager, AT)
    submit(journey, practitioner)
    with pytest.raises(Conflict):
        submit(journey, practitioner, at=AT + timedelta(days=1))
    assert journey.parent_access_until == AT.date() + timedelta(days=91)
