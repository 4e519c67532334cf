"""Every application command about a child refuses, by itself, whoever may not act on it.

The commands are called directly, bypassing HTTP and its guard: a parent of another
family, a manager of another setting and a support account without a grant are each
refused (404 for the first two, never a hint that the child exists; 403 for support),
and nothing is recorded. The rightful people succeed with the same calls, so the
refusals are about who asks, not about what is asked.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.actor import MANAGER, PARENT, SUPPORT, SYSTEM, Actor
from domain.aggregates.account import Account
from domain.errors import DomainError, Forbidden, NotFound
from domain.service import JourneyService

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DAY = NOW.date()
TZ = "Europe/London"


def _setting(app: JourneyService, name: str) -> tuple[UUID, Actor]:
    setting, manager, _, _ = app.set_up_setting(name, f"{uuid4().hex[:8]}@x.test", "M",
                                                "token-hash", SYSTEM, NOW - timedelta(days=2))
    return setting.id, Actor(manager.id, setting.id, (MANAGER,))


class World:
    """Two settings; in the first, a child with a signed-up parent and a day of diary."""

    def __init__(self) -> None:
        self.app = app = JourneyService(env={})
        at = NOW - timedelta(days=1)
        self.setting, self.manager = _setting(app, "Clarecroft")
        other_setting, self.other_manager = _setting(app, "Elsewhere")
        second, _ = app.create_account("second@x.test", "Second", [MANAGER], self.manager, at)
        self.second_manager = Actor(second.id, self.setting, (MANAGER,))
        journey, _ = app.enrol_child("Ada", date(2024, 1, 1), "Rainbow", self.manager.account_id,
                                     self.manager, at)
        self.child = journey.id
        sibling, _ = app.enrol_child("Bea", date(2024, 2, 1), "Rainbow",
                                     self.manager.account_id, self.manager, at)
        parent, _ = app.create_account("p@x.test", "P", [PARENT], self.manager, at)
        app.link_parent(self.child, parent.id, "mother", self.manager, at)
        self.parent = Actor(parent.id, self.setting, (PARENT,), children=frozenset({self.child}),
                            agreed_children=frozenset({self.child}))
        self.stranger_account, _ = app.create_account("s@x.test", "S", [PARENT], self.manager,
                                                      at)
        app.publish_terms("Terms", self.manager, at)
        app.sign_agreement(self.child, 1, self.parent, at)
        self.observation = app.submit_observation(
            self.child, DAY, "Ada built a tower.", [], [], [], None, self.manager,
            at).observation_id
        self.approved = app.submit_observation(
            self.child, DAY, "Ada painted.", [], [], [], None, self.manager, at).observation_id
        app.approve_observation(self.child, self.approved, 1, 2, self.second_manager, at)
        self.comment, _ = app.add_comment(self.child, self.child, self.approved, "Lovely.",
                                          self.parent, at)
        self.assessment, _ = app.record_assessment(
            self.child, "2026-autumn", {"mathematics": "expected"}, None, self.manager, at)
        incident = {"kind": "incident", "at": (NOW - timedelta(hours=1)).isoformat(),
                    "what": "Bumped head", "injury": "Red mark", "first_aid": "Cold compress",
                    "by": str(self.manager.account_id)}
        self.incident = app.record_diary_entry(self.child, self.setting, DAY, incident, TZ,
                                               self.manager, NOW).entry_id
        erased, _ = app.enrol_child("Cy", date(2024, 3, 1), "Rainbow",
                                    self.manager.account_id, self.manager, at)
        app.erase_child(erased.id, "Cy", [], self.manager, at)
        self.erased = erased.id
        self.strangers = {
            "parent of another family": Actor(uuid4(), self.setting, (PARENT,),
                                              children=frozenset({sibling.id}),
                                              agreed_children=frozenset({sibling.id})),
            "manager of another setting": self.other_manager,
            "support without a grant": Actor(uuid4(), self.setting, (SUPPORT,)),
        }

    def commands(self) -> dict[str, Callable[[Actor, UUID], object]]:
        """Each command about a child, as `call(actor, setting_id passed by the caller)`."""
        app, child, at = self.app, self.child, NOW
        toilet = {"kind": "toilet", "state": "wet",
                  "at": (NOW - timedelta(minutes=30)).isoformat()}
        return {
            "change_key_person": lambda a, s: app.change_key_person(
                child, self.manager.account_id, a, at),
            "submit_observation": lambda a, s: app.submit_observation(
                child, DAY, "Ada sang.", [], [], [], None, a, at),
            "revise_observation": lambda a, s: app.revise_observation(
                child, self.observation, 1, {"text": "Ada built a tall tower."}, a, at),
            "approve_observation": lambda a, s: app.approve_observation(
                child, self.observation, 1, 2, a, at),
            "reject_observation": lambda a, s: app.reject_observation(
                child, self.observation, 1, "Not yet.", a, at),
            "remove_observation": lambda a, s: app.remove_observation(
                child, self.observation, "Wrong child.", a, at),
            "add_comment": lambda a, s: app.add_comment(
                child, child, self.approved, "Well done.", a, at),
            "remove_comment": lambda a, s: app.remove_comment(child, self.comment, "Rude.", a, at),
            "record_assessment": lambda a, s: app.record_assessment(
                child, "2026-autumn", {"communication_and_language": "expected"}, None, a, at),
            "journey_of": lambda a, s: app.journey_of(child, a),
            "link_parent": lambda a, s: app.link_parent(
                child, self.stranger_account.id, "father", a, at),
            "sign_agreement": lambda a, s: app.sign_agreement(child, 1, a, at),
            "set_image_consent": lambda a, s: app.set_image_consent(child, True, a, at),
            "resolve_consent_reviews": lambda a, s: app.resolve_consent_reviews(
                self.approved, [child], a, at),
            "record_diary_entry": lambda a, s: app.record_diary_entry(
                child, s, DAY, toilet, TZ, a, at),
            "correct_diary_entry": lambda a, s: app.correct_diary_entry(
                child, s, DAY, self.incident, 1, {"what": "Bumped knee"}, TZ, a, at),
            "retract_diary_entry": lambda a, s: app.retract_diary_entry(
                child, s, DAY, self.incident, "Wrong child.", a, at),
            "acknowledge_incident": lambda a, s: app.acknowledge_incident(
                child, s, DAY, self.incident, a, at),
            "post_diary_message": lambda a, s: app.post_diary_message(
                child, s, DAY, "Hello", a, at),
            "end_diary_session": lambda a, s: app.end_diary_session(child, s, DAY, TZ, a, at),
            "record_medication_permission": lambda a, s: app.record_medication_permission(
                child, s, "Calpol", "5 ml", DAY, DAY, a, at),
            "withdraw_agreement": lambda a, s: app.withdraw_agreement(child, a, at),
            "change_parent_access": lambda a, s: app.change_parent_access(
                "restrict", child, self.parent.account_id, "Court order.", a, at),
            "approve_comment": lambda a, s: app.approve_comment(child, self.comment, a, at),
            "approve_assessment": lambda a, s: app.approve_assessment(
                child, self.assessment, 2, a, at),
            "reject_assessment": lambda a, s: app.reject_assessment(
                child, self.assessment, "Needs evidence.", a, at),
            "leave_child": lambda a, s: app.leave_child(child, DAY, a, at),
            "erase_child": lambda a, s: app.erase_child(child, "Ada", [], a, at),
            "end_retention": lambda a, s: app.end_retention(
                self.erased, a, at + timedelta(days=366 * 22)),
            "record_media": lambda a, s: app.record_media(
                uuid4(), "photo", "image/jpeg", 10, "0" * 64, [child], {child: self.setting},
                None, a, at),
        }

    def rightful(self, name: str) -> Actor:
        """Who may run this command on the child."""
        if name in ("sign_agreement", "set_image_consent", "acknowledge_incident",
                    "post_diary_message", "withdraw_agreement"):
            return self.parent
        if name in ("approve_observation", "approve_assessment"):
            return self.second_manager
        return self.manager


@pytest.fixture(scope="module")
def world() -> World:
    return World()


def test_every_command_about_a_child_is_in_this_test(world: World) -> None:
    """A new command taking a `child_id` must be added here (and refuse strangers)."""
    about_a_child = {
        name for name, method in inspect.getmembers(JourneyService, inspect.isfunction)
        if not name.startswith("_") and "child_id" in inspect.signature(method).parameters
    }
    assert about_a_child <= set(world.commands())


@pytest.mark.parametrize("stranger", ["parent of another family", "manager of another setting",
                                      "support without a grant"])
@pytest.mark.parametrize("name", sorted(World().commands()))
def test_a_stranger_is_refused_by_the_domain_itself(world: World, name: str,
                                                    stranger: str) -> None:
    actor = world.strangers[stranger]
    head = world.app.recorder.max_notification_id()
    # bypassing HTTP, a caller may name the child's setting or the stranger's own
    for setting_id in {world.setting, actor.setting_id}:
        with pytest.raises(DomainError) as refused:
            world.commands()[name](actor, setting_id)
        expected = Forbidden if stranger == "support without a grant" else NotFound
        if name == "record_media":  # naming who appears in an upload: a bad header
            expected = DomainError
        assert isinstance(refused.value, expected), refused.value
    assert world.app.recorder.max_notification_id() == head


@pytest.mark.parametrize("name", sorted(World().commands()))
def test_the_rightful_person_may(name: str) -> None:
    world = World()
    world.commands()[name](world.rightful(name), world.setting)


def test_an_account_of_the_setting_is_not_a_child(world: World) -> None:
    """A child id that is some other aggregate's id is no child."""
    with pytest.raises(NotFound):
        world.app.record_medication_permission(
            world.manager.account_id, world.setting, "Calpol", "5 ml", DAY, DAY,
            world.manager, NOW)
    assert isinstance(world.app.repository.get(world.manager.account_id), Account)
