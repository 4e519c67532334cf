"""Random sequences of submit, revise, approve, reject, remove and comment by random
roles. After each step: the parent view holds exactly the approved revisions, the
event history replays to the model's state (and the views rebuilt from it are the
same), and no forbidden step succeeded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from domain.actor import Actor
from domain.aggregates.account import Account
from domain.aggregates.child_journey import ChildJourney
from domain.errors import DomainError
from domain.service import JourneyService
from projections.engine import Projections
from projections.registry import all_projections
from storage.database import SQLiteDatabase

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PEOPLE = ("manager", "other_manager", "practitioner", "parent", "stranger_parent")


@dataclass
class Model:
    """What the journey should be: per observation its revisions and what moderation did."""

    author: str
    texts: list[str]
    statuses: list[str]
    approved: int | None = None
    removed: bool = False
    comments: int = 0
    authors: list[str] = field(default_factory=list)


class JourneyMachine(RuleBasedStateMachine):
    observations = Bundle("observations")

    def __init__(self) -> None:
        super().__init__()
        self.app = JourneyService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.db = SQLiteDatabase(Path(":memory:"))
        self.views = Projections(self.app, self.db, all_projections())
        self.views.setup()
        self.at = START
        setting = uuid4()
        founder = Actor(uuid4(), setting, ("manager",))
        accounts = {}
        for name in PEOPLE:
            role = "manager" if "manager" in name else name.replace("stranger_", "")
            account = Account.open(setting, f"{name}@example.org", name.title(), [role],
                                   founder, self.at)
            accounts[name] = account
        self.app.save(*accounts.values())
        self.actors = {n: Actor(a.id, setting, tuple(a.roles)) for n, a in accounts.items()}
        journey, _ = self.app.enrol_child("Ada", date(2024, 6, 1), "Rainbow",
                                          accounts["practitioner"].id,
                                          self.actors["manager"], self.at)
        other, _ = self.app.enrol_child("Ben", date(2024, 2, 1), "Rainbow",
                                        accounts["practitioner"].id,
                                        self.actors["manager"], self.at)
        self.child, self.other_child = journey.id, other.id
        self.actors["parent"] = Actor(accounts["parent"].id, setting, ("parent",),
                                      children=frozenset({self.child}),
                                      agreed_children=frozenset({self.child}))
        self.actors["stranger_parent"] = Actor(
            accounts["stranger_parent"].id, setting, ("parent",),
            children=frozenset({self.other_child}),
            agreed_children=frozenset({self.other_child}))
        self.model: dict[UUID, Model] = {}
        self.texts = 0

    def _tick(self) -> datetime:
        self.at += timedelta(minutes=1)
        return self.at

    def _text(self) -> str:
        self.texts += 1
        return f"Ada builds tower number {self.texts}."

    def _attempt(self, allowed: bool, command, *args) -> object:
        try:
            result = command(*args, self.actors[self._who], self._tick())
        except DomainError:
            assert not allowed, f"{self._who} was refused a step the policy allows"
            return None
        assert allowed, f"{self._who} did a step the policy forbids"
        return result

    @rule(target=observations, who=st.sampled_from(PEOPLE), tag=st.booleans())
    def submit(self, who, tag):
        self._who = who
        text = self._text()
        allowed = who != "stranger_parent" and not (tag and who == "parent")
        result = self._attempt(allowed, self.app.submit_observation, self.child,
                               self.at.date(), text, [], [],
                               [self.other_child] if tag else [], None)
        if result is None:
            return uuid4()  # an id nobody knows: later steps on it must fail
        observation_id = result.observation_id
        assert (result.revision, result.status) == (1, "pending")
        self.model[observation_id] = Model(who, [text], ["pending"], authors=[who])
        return observation_id

    @rule(observation=observations, who=st.sampled_from(PEOPLE), stale=st.booleans())
    def revise(self, observation, who, stale):
        self._who = who
        found = self.model.get(observation)
        base = (len(found.texts) - (1 if stale else 0)) if found else 1
        text = self._text()
        allowed = (found is not None and not found.removed and who not in
                   ("parent", "stranger_parent") and not (stale and base < len(found.texts)))
        if stale and found is not None and base < 1:
            allowed = False
        result = self._attempt(allowed, self.app.revise_observation, self.child, observation,
                               base, {"text": text})
        if result is not None:
            assert (result.revision, result.status) == (len(found.texts) + 1, "pending")
            if found.statuses[-1] == "pending":
                found.statuses[-1] = "superseded"
            found.texts.append(text)
            found.statuses.append("pending")
            found.authors.append(who)

    @rule(observation=observations, who=st.sampled_from(PEOPLE))
    def approve(self, observation, who):
        self._who = who
        found = self.model.get(observation)
        revision = len(found.texts) if found else 1
        allowed = (found is not None and not found.removed and "manager" in who
                   and found.statuses[-1] == "pending"
                   and who not in (found.author, found.authors[-1]))
        if self._attempt(allowed, self.app.approve_observation, self.child, observation,
                         revision, 2) is not None:
            found.statuses[-1] = "approved"
            found.approved = revision

    @rule(observation=observations, who=st.sampled_from(PEOPLE))
    def reject(self, observation, who):
        self._who = who
        found = self.model.get(observation)
        revision = len(found.texts) if found else 1
        allowed = (found is not None and not found.removed and "manager" in who
                   and found.statuses[-1] == "pending")
        if self._attempt(allowed, self.app.reject_observation, self.child, observation,
                         revision, "Please rewrite.") is not None:
            found.statuses[-1] = "rejected"

    @rule(observation=observations, who=st.sampled_from(PEOPLE))
    def remove(self, observation, who):
        self._who = who
        found = self.model.get(observation)
        allowed = found is not None and not found.removed and "manager" in who
        if self._attempt(allowed, self.app.remove_observation, self.child, observation,
                         "Inappropriate.") is not None:
            found.removed = True

    @rule(observation=observations, who=st.sampled_from(PEOPLE))
    def comment(self, observation, who):
        self._who = who
        found = self.model.get(observation)
        allowed = (found is not None and not found.removed and found.approved is not None
                   and who != "stranger_parent")
        if self._attempt(allowed, self.app.add_comment, self.child, self.child, observation,
                         "Lovely!") is not None and "manager" in who:
            found.comments += 1  # anyone else's comment waits for a manager

    @invariant()
    def parent_view_is_the_approved_revisions(self):
        self.views.catch_up()
        rows = self.db.query("SELECT entry, head FROM journey_parent WHERE child_id = ?",
                             (str(self.child),))
        seen = {}
        for _entry, head in rows:
            item = json.loads(head + ',"media":[]}')
            seen[UUID(item["observation_id"])] = (item["revision"], item["text"],
                                                  len(item["comments"]))
            assert "children" not in item
        expected = {
            oid: (m.approved, m.texts[m.approved - 1], m.comments)
            for oid, m in self.model.items() if m.approved and not m.removed
        }
        assert seen == expected
        others = self.db.query("SELECT observation_id FROM journey_parent WHERE child_id = ?",
                               (str(self.other_child),))
        tagged_approved = {str(o) for o, m in self.model.items()
                           if m.approved and not m.removed}
        assert {r[0] for r in others} <= tagged_approved

    @invariant()
    def history_replays_to_the_model(self):
        journey = self.app.repository.get(self.child)
        assert isinstance(journey, ChildJourney)
        for oid, found in self.model.items():
            observation = journey.observations[oid]
            assert [r.text for r in observation.revisions] == found.texts
            assert [r.status for r in observation.revisions] == found.statuses
            assert observation.approved == found.approved
            assert observation.removed == found.removed

    @invariant()
    def views_rebuilt_from_the_log_are_the_same(self):
        self.views.catch_up()
        query = ("SELECT child_id, observation_id, sort_key, head FROM journey_parent "
                 "UNION ALL SELECT child_id, observation_id, sort_key, head FROM journey_staff "
                 "ORDER BY 1, 2, 3, 4")
        before = self.db.query(query)
        self.views.rebuild(["journey"])
        assert self.db.query(query) == before

    def teardown(self):
        self.db.close()


JourneyMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestJourneyPolicy = JourneyMachine.TestCase
