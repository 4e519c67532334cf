"""A hypothesis state machine over the custody rules: random sign-outs, sign-ins, damage,
photos and the passing of time, against a simple model.

Invariants: a tablet never has two holders; every damage report names the holder at
that moment (nobody while it is in the office); the custody and damage reports (the
projection) equal a recomputation from the events in the log.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.actor import SYSTEM, Actor
from domain.aggregates.device import DAMAGE_KINDS, Device, is_overdue
from domain.errors import Conflict, Forbidden, NotFound
from domain.opening_hours import DEFAULT_HOURS, DEFAULT_TIMEZONE
from domain.service import JourneyService
from projections.custody_reports import custody_report, damage_report
from projections.devices import DevicesView
from projections.engine import Projections
from projections.identity import IdentityViews
from storage.database import SQLiteDatabase

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday morning


class Custody(RuleBasedStateMachine):
    """The application with its devices views, driven by random custody commands."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.app = JourneyService()
        self.db = SQLiteDatabase(Path(self.tmp.name) / "views.db")
        self.views = Projections(self.app, self.db, [IdentityViews(), DevicesView()])
        self.views.setup()
        self.now = START
        setting, manager, computer, _ = self.app.set_up_setting(
            "Clarecroft", "m@example.org", "Morgan", uuid4().hex, SYSTEM, self.now)
        self.setting_id = setting.id
        self.manager = Actor(manager.id, setting.id, ("manager",), computer.id)
        self.staff = [self.manager] + [
            Actor(uuid4(), setting.id, ("practitioner",), computer.id) for _ in range(3)]
        self.tablets: list[UUID] = []
        for n in range(2):
            device, _ = self.app.register_device(f"Tablet {n}", "tablet", uuid4().hex,
                                                 self.manager, self.now)
            self.tablets.append(device.id)
        # the model
        self.holder: dict[UUID, UUID | None] = dict.fromkeys(self.tablets)
        self.status: dict[UUID, str] = dict.fromkeys(self.tablets, "active")
        self.photos: dict[UUID, list[UUID]] = {t: [] for t in self.tablets}
        self.damage: dict[str, UUID | None] = {}

    def teardown(self) -> None:
        self.db.close()
        self.tmp.cleanup()

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    people = st.integers(0, 3)
    devices = st.integers(0, 1)

    @rule(who=people, which=devices)
    def sign_out(self, who: int, which: int) -> None:
        actor, tablet = self.staff[who], self.tablets[which]
        refused = self.status[tablet] != "active" or self.holder[tablet] is not None
        try:
            self.app.sign_out_device(tablet, actor, self.tick())
        except Conflict:
            assert refused
            return
        assert not refused
        self.holder[tablet] = actor.account_id

    @rule(who=people, which=devices, on_charger=st.booleans())
    def sign_in(self, who: int, which: int, on_charger: bool) -> None:
        actor, tablet = self.staff[who], self.tablets[which]
        try:
            photos, _ = self.app.sign_in_device(tablet, on_charger, actor, self.tick())
        except Conflict:
            assert self.holder[tablet] is None
            return
        except Forbidden:
            assert self.holder[tablet] not in (None, actor.account_id)
            assert not actor.is_manager
            return
        assert self.holder[tablet] in (actor.account_id,) or actor.is_manager
        assert [p["media_id"] for p in photos] == self.photos[tablet]
        self.holder[tablet] = None

    @rule(who=people, which=devices, kind=st.sampled_from(DAMAGE_KINDS),
          deliberate=st.booleans())
    def report_damage(self, who: int, which: int, kind: str, deliberate: bool) -> None:
        actor, tablet = self.staff[who], self.tablets[which]
        try:
            report_id, responsible, _ = self.app.report_device_damage(
                tablet, kind, "What happened", deliberate, actor, self.tick())
        except Conflict:
            assert self.status[tablet] != "active"
            return
        assert responsible == self.holder[tablet]  # the holder at that moment
        self.damage[str(report_id)] = responsible
        if kind in ("loss", "theft"):
            self.status[tablet] = "lost" if kind == "loss" else "stolen"
            self.holder[tablet] = None

    @rule(which=devices)
    def photo_uploaded(self, which: int) -> None:
        tablet = self.tablets[which]
        if self.holder[tablet] is None:
            return  # a tablet nobody holds authorises no upload
        actor = next(s for s in self.staff if s.account_id == self.holder[tablet])
        device = self.app.repository.get(tablet)
        media_id = uuid4()
        device.record_photo(media_id, Actor(actor.account_id, actor.setting_id, actor.roles,
                                            tablet), self.tick())
        self.app.save(device)
        self.photos[tablet].append(media_id)

    @rule(who=people, which=devices, pick=st.integers(0, 5))
    def photo_deleted(self, who: int, which: int, pick: int) -> None:
        tablet = self.tablets[which]
        on_it = self.photos[tablet]
        media_id = on_it[pick % len(on_it)] if on_it else uuid4()
        actor = self.staff[who]
        if actor.account_id == self.holder[tablet]:  # the holder, on the tablet
            actor = Actor(actor.account_id, actor.setting_id, actor.roles, tablet)
        try:
            self.app.record_photo_deleted(tablet, media_id, actor, self.tick())
        except Forbidden:
            assert not actor.is_manager and actor.account_id != self.holder[tablet]
            return
        except NotFound:
            assert not on_it
            return
        assert actor.is_manager or actor.account_id == self.holder[tablet]
        on_it.remove(media_id)

    @rule(hours=st.integers(1, 30))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @invariant()
    def never_two_holders(self) -> None:
        for tablet in self.tablets:
            device: Device = self.app.repository.get(tablet)
            assert device.holder_account_id == self.holder[tablet]
            open_periods = [p for p in device.custody if p.signed_in_at is None]
            assert len(open_periods) == (0 if self.holder[tablet] is None else 1)

    @invariant()
    def reports_equal_a_recomputation_from_the_events(self) -> None:
        self.views.catch_up()
        expected = recompute(self.app, self.now)
        report = custody_report(self.db, self.setting_id, self.now)
        got = {
            UUID(r["device_id"]): (r["status"], r["holder_account_id"], r["since"],
                                   r["overdue"], r["photos_on_device"])
            for r in report
        }
        assert got == expected["custody"]
        damage = {r["report_id"]: r["responsible_account_id"]
                  for r in damage_report(self.db, self.setting_id)}
        assert damage == expected["damage"]
        assert damage == {k: (str(v) if v else None) for k, v in self.damage.items()}
        rows = self.db.query("SELECT device_id, COUNT(*) FROM device_custody "
                             "WHERE signed_in_at IS NULL GROUP BY device_id")
        assert all(count == 1 for _, count in rows)


def recompute(app: JourneyService, now: datetime) -> dict:
    """Fold the Device events of the log into what the reports must say."""
    state: dict[UUID, dict] = {}
    damage: dict[str, str | None] = {}
    for notification in app.recorder.select_notifications(start=1, limit=100_000):
        if ":Device." not in notification.topic:
            continue
        event = app.mapper.to_domain_event(notification)
        name = type(event).__name__
        device = state.setdefault(event.originator_id, {
            "status": "active", "holder": None, "since": None, "photos": []})
        if name == "SignedOut":
            device["holder"], device["since"] = str(event.actor.account_id), event.timestamp
        elif name == "SignedIn":
            device["holder"] = device["since"] = None
        elif name == "DamageReported":
            responsible = event.responsible_account_id
            damage[str(event.report_id)] = str(responsible) if responsible else None
            if event.kind in ("loss", "theft"):
                device["status"] = "lost" if event.kind == "loss" else "stolen"
                device["holder"] = device["since"] = None
        elif name == "PhotoCaptured":
            device["photos"].append(str(event.media_id))
        elif name == "PhotoDeleted":
            device["photos"].remove(str(event.media_id))
        elif name == "Retired":
            device["status"] = "retired"
    custody = {
        device_id: (d["status"], d["holder"],
                    d["since"].astimezone(UTC).isoformat() if d["since"] else None,
                    is_overdue(d["since"], now, DEFAULT_TIMEZONE, DEFAULT_HOURS),
                    d["photos"])
        for device_id, d in state.items()
    }
    return {"custody": custody, "damage": damage}


Custody.TestCase.settings = settings(
    max_examples=25, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestCustody = Custody.TestCase
