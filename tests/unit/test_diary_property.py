"""Property: for random valid days, the parent's view and the room board built by the
diary projection agree with a straightforward recomputation from the events."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.actor import Actor
from domain.aggregates.diary_day import DiaryDay
from domain.aggregates.medication_permission import MedicationPermission
from domain.diary_entries import parse_entry
from domain.errors import DomainError
from domain.service import JourneyService
from projections import diary as views
from projections.diary import DiaryViews, utc_text
from projections.engine import Projections
from storage.database import SQLiteDatabase

TZ = "Europe/London"
DAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
SETTING = uuid4()
CHILD = uuid4()
STAFF = Actor(uuid4(), SETTING, ("practitioner",))
WITNESS = Actor(uuid4(), SETTING, ("practitioner",))
MANAGER = Actor(uuid4(), SETTING, ("manager",))
PARENTS = [Actor(uuid4(), SETTING, ("parent",), children=frozenset({CHILD}),
                 agreed_children=frozenset({CHILD})) for _ in "ab"]


def clock(minute: int) -> str:
    return (datetime(2026, 11, 25, 7, 0, tzinfo=UTC) + timedelta(minutes=minute)).isoformat()


minutes = st.integers(min_value=0, max_value=7 * 60)
small = st.integers(min_value=0, max_value=3)


def simple_entry(kind: str, minute: int, variant: int, permission_id: UUID) -> dict:
    v = variant
    return {
        "meal": {"kind": "meal", "meal": ["breakfast", "lunch", "tea", "morning_snack"][v],
                 "food": f"food {v}", "amount": ["all", "most", "half", "none"][v]},
        "drink": {"kind": "drink", "drink": "water", "ml": 50 * (v + 1)},
        "nappy": {"kind": "nappy", "state": ["wet", "soiled", "dry", "wet"][v],
                  "cream": v % 2 == 0},
        "toilet": {"kind": "toilet", "state": ["wet", "soiled", "dry", "dry"][v]},
        "activity": {"kind": "activity", "text": f"activity {v}"},
        "incident": {"kind": "incident", "what": f"bump {v}", "injury": "none",
                     "first_aid": "a cuddle", "by": str(STAFF.account_id)},
        "medication": {"kind": "medication", "medicine": "Calpol", "dose": f"{v + 1} ml",
                       "given_by": str(STAFF.account_id),
                       "witnessed_by": str(WITNESS.account_id),
                       "permission_id": str(permission_id)},
    }[kind] | {"at": clock(minute)}


entry_op = st.tuples(st.just("entry"), st.sampled_from(
    ["meal", "drink", "nappy", "toilet", "activity", "incident", "medication"]), minutes, small)

operations = st.lists(
    st.one_of(
        entry_op, entry_op, entry_op, entry_op,
        st.tuples(st.just("sleep"), minutes, st.one_of(st.none(), st.integers(1, 120))),
        st.tuples(st.just("end_sleep"), st.integers(1, 120)),
        st.tuples(st.just("correct"), st.integers(0, 50), minutes, small),
        st.tuples(st.just("retract"), st.integers(0, 50)),
        st.tuples(st.just("ack"), st.integers(0, 50), st.integers(0, 1)),
        st.tuples(st.just("message"), st.integers(0, 2), small),
        st.tuples(st.just("end_session")),
    ),
    min_size=4,
    max_size=40,
)


def apply(day: DiaryDay, permission: MedicationPermission, ops: list[tuple]) -> None:
    """Apply the operations in order; those a rule refuses are simply not part of the day."""
    for i, op in enumerate(ops):
        at = NOW + timedelta(seconds=i)
        ids = list(day.entries)
        try:
            if op[0] == "entry":
                entry = parse_entry(simple_entry(op[1], op[2], op[3], permission.id))
                day.record(entry, uuid4(), TZ, STAFF, at, permission)
            elif op[0] == "sleep":
                sleep = {"kind": "sleep", "start": clock(op[1])}
                if op[2] is not None:
                    sleep["end"] = clock(op[1] + op[2])
                day.record(parse_entry(sleep), uuid4(), TZ, STAFF, at)
            elif op[0] == "end_sleep":
                open_ = [e for e in day.entries.values() if e.open_sleep]
                if open_:
                    start = open_[0].record["start"]
                    end = datetime.fromisoformat(start) + timedelta(minutes=op[1])
                    day.record(parse_entry({"kind": "sleep", "start": start,
                                            "end": end.isoformat()}), uuid4(), TZ, STAFF, at)
            elif op[0] == "correct" and ids:
                current = day.entries[ids[op[1] % len(ids)]]
                if current.kind != "sleep":
                    changed = simple_entry(current.kind, op[2], op[3], permission.id)
                    day.correct(current.entry_id, parse_entry(changed), current.version, TZ,
                                STAFF, at, permission)
            elif op[0] == "retract" and ids:
                day.retract(ids[op[1] % len(ids)], "wrong child", MANAGER, at)
            elif op[0] == "ack" and ids:
                day.acknowledge(ids[op[1] % len(ids)], PARENTS[op[2]], at)
            elif op[0] == "message":
                author = [STAFF, *PARENTS][op[1]]
                day.post_message(uuid4(), f"message {op[2]}", author, at)
            elif op[0] == "end_session":
                day.end_session(TZ, STAFF, at)
        except DomainError:
            pass


def recompute(events: list) -> tuple[dict, list]:
    """Entries and messages of the day, folded straight from the events."""
    entries: dict[str, dict] = {}
    messages: list[dict] = []
    for event in events:
        name = type(event).__name__
        if name in ("EntryRecorded", "MedicationGiven", "IncidentRecorded"):
            entries[str(event.entry_id)] = {"entry": event.entry, "version": 1,
                                            "retracted": False, "acks": set(),
                                            "late": event.late}
        elif name in ("EntryCorrected", "SleepEnded"):
            e = entries[str(event.entry_id)]
            e.update(entry=event.entry, version=event.version)  # late as first recorded
        elif name == "EntryRetracted":
            entries[str(event.entry_id)]["retracted"] = True
        elif name == "IncidentAcknowledged":
            entries[str(event.entry_id)]["acks"].add(str(event.actor.account_id))
        elif name == "MessagePosted":
            messages.append({"id": str(event.message_id), "text": event.text,
                             "role": event.author_role,
                             "author": str(event.actor.account_id)})
    return entries, messages


def expected_board(entries: dict) -> dict:
    live = {i: e for i, e in entries.items() if not e["retracted"]}

    def key(item: tuple[str, dict]) -> tuple:
        return utc_text(item[1]["entry"].get("at") or item[1]["entry"]["start"]), item[0]

    def last(kinds: tuple[str, ...]) -> dict | None:
        found = [x for x in live.items() if x[1]["entry"]["kind"] in kinds]
        return max(found, key=key)[1]["entry"] if found else None

    open_sleeps = [e["entry"]["start"] for e in live.values()
                   if e["entry"]["kind"] == "sleep" and e["entry"]["end"] is None]
    meal = last(("meal",))
    nappy = last(("nappy", "toilet"))
    return {
        "asleep": bool(open_sleeps),
        "asleep_since": open_sleeps[0] if open_sleeps else None,
        "last_meal": meal and (meal["meal"], meal["food"], meal["amount"], meal["at"]),
        "last_nappy": nappy and (nappy["kind"], nappy["state"], nappy["at"]),
        "unacknowledged": sorted(i for i, e in live.items()
                                 if e["entry"]["kind"] == "incident" and not e["acks"]),
        "medication": sorted((i, e["entry"]["dose"]) for i, e in live.items()
                             if e["entry"]["kind"] == "medication"),
    }


def board_as_compared(row: dict) -> dict:
    meal, nappy = row["last_meal"], row["last_nappy"]
    return {
        "asleep": row["asleep"],
        "asleep_since": row["asleep_since"],
        "last_meal": meal and (meal["meal"], meal["food"], meal["amount"], meal["at"]),
        "last_nappy": nappy and (nappy["kind"], nappy["state"], nappy["at"]),
        "unacknowledged": sorted(row["unacknowledged_incidents"]),
        "medication": sorted((m["entry_id"], m["dose"]) for m in row["medication"]),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations, viewer=st.integers(0, 1))
def test_parent_view_and_board_agree_with_the_events(ops: list[tuple], viewer: int) -> None:
    app = JourneyService(env={})
    permission = MedicationPermission.record(CHILD, SETTING, "Calpol", "5 ml", DAY, DAY,
                                             PARENTS[0], NOW - timedelta(days=1))
    day = DiaryDay.start(CHILD, SETTING, DAY, STAFF, NOW - timedelta(hours=8))
    apply(day, permission, ops)
    app.save(permission, day)
    with tempfile.TemporaryDirectory() as tmp:
        db = SQLiteDatabase(Path(tmp) / "views.sqlite")
        try:
            projections = Projections(app, db, [DiaryViews()])
            projections.setup()
            projections.catch_up()
            session, entry_rows, message_rows = views.read_day(
                db, str(SETTING), str(CHILD), DAY.isoformat())
            board = views.board_row([views.entry_item(r, staff=True) for r in entry_rows])
            late_count = db.query_one(
                "SELECT COUNT(*) FROM diary_entries WHERE late = 1")[0]
        finally:
            db.close()

    events = list(app.repository.event_store.get(day.id))
    entries, messages = recompute(events)
    parent = PARENTS[viewer]
    items = views.day_items(entry_rows, message_rows, staff=False,
                            viewer_id=str(parent.account_id))

    # The parent's view: every unretracted entry at its current version, staff messages
    # and the parent's own, nothing else, in time order.
    expected_entries = {i: (e["entry"], e["version"]) for i, e in entries.items()
                        if not e["retracted"]}
    seen_entries = {
        i["entry_id"]: ({k: i[k] for k in e_[0]}, i["version"])
        for i in items if i["type"] == "entry"
        for e_ in [expected_entries.get(i["entry_id"], ({}, 0))]
    }
    assert seen_entries == expected_entries
    expected_messages = sorted(m["id"] for m in messages
                               if m["role"] == "staff" or m["author"] == str(parent.account_id))
    assert sorted(i["message_id"] for i in items if i["type"] == "message") == expected_messages
    times = [i["sort_at"] for i in items]
    assert times == sorted(times)
    assert all("history" not in i and "retracted" not in i for i in items)
    for item in items:
        if item["type"] == "entry" and item["kind"] == "incident":
            assert item["acknowledged"] == bool(entries[item["entry_id"]]["acks"])

    # The board.
    assert board_as_compared(board) == expected_board(entries)
    assert late_count == sum(1 for e in entries.values() if e["late"])
    assert (session is not None) and (
        (session["session_ended_at"] is not None)
        == any(type(e).__name__ == "SessionEnded" for e in events))
    assert json.dumps(items, default=str)  # the view is plain JSON
