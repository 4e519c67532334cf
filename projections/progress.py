"""Progress view: how a child is getting on across the areas of learning.

Listens to the child's journey: each observation's framework references and next steps
(the latest revision for staff, the approved one for parents) and each assessment with
its judgements per area (staff see every one, families those a manager approved).
`child_progress` answers, per area and aspect of the framework, observations per term,
the latest judgement and when it was made, and the next steps of the area's latest
observation.

Every row carries `child_id`, so that erasure finds it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from domain.framework import DEVELOPMENT_MATTERS
from projections.engine import Projection, actor_id, handles


def term_of(day: date) -> str:
    """The school term a day falls in: '2026 autumn' (Sep-Dec), 'spring' (Jan-Mar),
    'summer' (Apr-Aug)."""
    season = "autumn" if day.month >= 9 else "spring" if day.month <= 3 else "summer"
    return f"{day.year} {season}"


def term_order(term: str) -> tuple[int, int]:
    year, season = term.split()
    return int(year), ("spring", "summer", "autumn").index(season)


class ProgressView(Projection):
    """Framework references, next steps and judgements of each child."""

    name = "progress"
    schema = (
        """CREATE TABLE IF NOT EXISTS progress_children (
            child_id TEXT PRIMARY KEY,
            setting_id TEXT NOT NULL,
            room TEXT NOT NULL,
            name TEXT NOT NULL,
            date_of_birth TEXT NOT NULL,
            left_on TEXT)""",
        "CREATE INDEX IF NOT EXISTS progress_children_by_room "
        "ON progress_children (setting_id, room)",
        """CREATE TABLE IF NOT EXISTS progress_observations (
            observation_id TEXT PRIMARY KEY,
            child_id TEXT NOT NULL,
            observed_on TEXT NOT NULL,
            framework TEXT NOT NULL,
            next_steps TEXT,
            approved_observed_on TEXT,
            approved_framework TEXT,
            approved_next_steps TEXT,
            revisions TEXT NOT NULL DEFAULT '{}',
            removed INTEGER NOT NULL DEFAULT 0)""",
        "CREATE INDEX IF NOT EXISTS progress_observations_by_child "
        "ON progress_observations (child_id)",
        """CREATE TABLE IF NOT EXISTS progress_judgements (
            assessment_id TEXT PRIMARY KEY,
            child_id TEXT NOT NULL,
            period TEXT NOT NULL,
            kind TEXT NOT NULL,
            judgements TEXT NOT NULL,
            summary TEXT,
            author_id TEXT NOT NULL,
            recorded_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS progress_judgements_by_child "
        "ON progress_judgements (child_id, recorded_at)",
        """CREATE TABLE IF NOT EXISTS progress_judgements_waiting (
            assessment_id TEXT PRIMARY KEY)""",
    )
    tables = ("progress_children", "progress_observations", "progress_judgements",
              "progress_judgements_waiting")
    child_tables = ("progress_children", "progress_observations", "progress_judgements")

    @handles("ChildJourney.Enrolled")
    def enrolled(self, event: Any, tx: Any) -> None:
        tx.execute("INSERT INTO progress_children (child_id, setting_id, room, name, "
                   "date_of_birth) VALUES (?, ?, ?, ?, ?) ON CONFLICT (child_id) DO NOTHING",
                   (str(event.child_id), str(event.setting_id), event.room, event.name,
                    event.date_of_birth.isoformat()))

    @handles("ChildJourney.Left")
    def left(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE progress_children SET left_on = ? WHERE child_id = ?",
                   (event.left_on.isoformat(), str(event.child_id)))

    def _revision(self, event: Any, tx: Any, revision: int) -> None:
        content = {"observed_on": event.observed_on.isoformat(),
                   "framework": list(event.framework), "next_steps": event.next_steps}
        row = tx.execute("SELECT revisions FROM progress_observations WHERE "
                         "observation_id = ?", (str(event.observation_id),)).fetchone()
        revisions = json.loads(row[0]) if row else {}
        revisions[str(revision)] = content
        tx.execute(
            "INSERT INTO progress_observations (observation_id, child_id, observed_on, "
            "framework, next_steps, revisions) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (observation_id) DO UPDATE SET observed_on = excluded.observed_on, "
            "framework = excluded.framework, next_steps = excluded.next_steps, "
            "revisions = excluded.revisions",
            (str(event.observation_id), str(event.child_id), content["observed_on"],
             json.dumps(content["framework"]), event.next_steps, json.dumps(revisions)))

    @handles("ChildJourney.ObservationSubmitted")
    def submitted(self, event: Any, tx: Any) -> None:
        self._revision(event, tx, 1)

    @handles("ChildJourney.ObservationRevised")
    def revised(self, event: Any, tx: Any) -> None:
        self._revision(event, tx, event.revision)

    @handles("ChildJourney.RevisionApproved")
    def approved(self, event: Any, tx: Any) -> None:
        row = tx.execute("SELECT revisions FROM progress_observations WHERE "
                         "observation_id = ?", (str(event.observation_id),)).fetchone()
        content = json.loads(row[0]).get(str(event.revision)) if row else None
        if content is None:
            return
        tx.execute("UPDATE progress_observations SET approved_observed_on = ?, "
                   "approved_framework = ?, approved_next_steps = ? WHERE observation_id = ?",
                   (content["observed_on"], json.dumps(content["framework"]),
                    content["next_steps"], str(event.observation_id)))

    @handles("ChildJourney.ObservationRemoved")
    def removed(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE progress_observations SET removed = 1 WHERE observation_id = ?",
                   (str(event.observation_id),))

    @handles("ChildJourney.AssessmentRecorded")
    def assessed(self, event: Any, tx: Any) -> None:
        author = actor_id(event)
        tx.execute("INSERT INTO progress_judgements (assessment_id, child_id, period, kind, "
                   "judgements, summary, author_id, recorded_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (assessment_id) DO NOTHING",
                   (str(event.assessment_id), str(event.child_id), event.period, event.kind,
                    json.dumps(dict(event.judgements)), event.summary, str(author),
                    event.timestamp.isoformat()))
        if getattr(event, "pending", False):  # families see it once a manager approves it
            tx.execute("INSERT INTO progress_judgements_waiting (assessment_id) VALUES (?) "
                       "ON CONFLICT (assessment_id) DO NOTHING", (str(event.assessment_id),))

    @handles("ChildJourney.AssessmentApproved")
    def assessment_approved(self, event: Any, tx: Any) -> None:
        tx.execute("DELETE FROM progress_judgements_waiting WHERE assessment_id = ?",
                   (str(event.assessment_id),))

    @handles("ChildJourney.AssessmentRejected")
    def assessment_rejected(self, event: Any, tx: Any) -> None:
        for table in ("progress_judgements", "progress_judgements_waiting"):
            tx.execute(f"DELETE FROM {table} WHERE assessment_id = ?",
                       (str(event.assessment_id),))


APPROVED_JUDGEMENTS = (" AND assessment_id NOT IN "
                       "(SELECT assessment_id FROM progress_judgements_waiting)")


def child_progress(db: Any, child_id: Any, approved_only: bool) -> dict[str, Any]:
    """Per area (and aspect) of Development Matters: observations per term, the latest
    judgement and when, and the next steps of the area's latest observation. Parents
    (`approved_only`) are counted only what has been approved."""
    columns = ("approved_observed_on, approved_framework, approved_next_steps"
               if approved_only else "observed_on, framework, next_steps")
    rows = db.query(f"SELECT observation_id, {columns} FROM progress_observations "
                    f"WHERE child_id = ? AND removed = 0", (str(child_id),))
    areas = {area.key: {"area": area.key, "name": area.name, "prime": area.prime,
                        "observations": {}, "aspects": {a.key: {"aspect": a.key,
                        "name": a.name, "observations": {}} for a in area.aspects},
                        "latest_judgement": None, "judged_at": None, "next_steps": None,
                        "_latest": ""}
             for area in DEVELOPMENT_MATTERS.areas}
    terms: set[str] = set()
    for _, observed_on, framework, next_steps in rows:
        if observed_on is None:
            continue  # never approved: not shown to parents
        term = term_of(date.fromisoformat(observed_on))
        for reference in json.loads(framework or "[]"):
            area = areas.get(reference.get("area") or "")
            if area is None:
                continue
            terms.add(term)
            area["observations"][term] = area["observations"].get(term, 0) + 1
            aspect = area["aspects"].get(reference.get("aspect") or "")
            if aspect is not None:
                aspect["observations"][term] = aspect["observations"].get(term, 0) + 1
            if next_steps and observed_on >= area["_latest"]:
                area["_latest"], area["next_steps"] = observed_on, next_steps
    for judgements, recorded_at in db.query(
            "SELECT judgements, recorded_at FROM progress_judgements WHERE child_id = ? "
            "AND kind = 'profile'" + (APPROVED_JUDGEMENTS if approved_only else "")
            + " ORDER BY recorded_at", (str(child_id),)):
        for key, judgement in json.loads(judgements).items():
            if key in areas:
                areas[key]["latest_judgement"], areas[key]["judged_at"] = judgement, recorded_at
    ordered = sorted(terms, key=term_order)
    items = []
    for area in areas.values():
        area.pop("_latest")
        area["aspects"] = list(area["aspects"].values())
        items.append(area)
    return {"child_id": str(child_id), "terms": ordered,
            "judgements": list(DEVELOPMENT_MATTERS.judgements), "areas": items}


def latest_progress_check(db: Any, child_id: Any, approved_only: bool = False
                          ) -> dict[str, Any] | None:
    """The child's latest progress check at two: the child's name and date of birth,
    period, text per prime area, summary, author and when; None if none was written.
    Families (`approved_only`) see it once a manager has approved it."""
    child = db.query_one("SELECT name, date_of_birth FROM progress_children WHERE "
                         "child_id = ?", (str(child_id),))
    row = child and db.query_one(
        "SELECT period, judgements, summary, author_id, recorded_at FROM progress_judgements "
        "WHERE child_id = ? AND kind = 'progress_check'"
        + (APPROVED_JUDGEMENTS if approved_only else "")
        + " ORDER BY recorded_at DESC LIMIT 1", (str(child_id),))
    if row is None:
        return None
    names = {area.key: area.name for area in DEVELOPMENT_MATTERS.areas}
    areas = [{"area": key, "name": names.get(key, key), "text": text}
             for key, text in json.loads(row[1]).items()]
    return {"name": child[0], "date_of_birth": child[1], "period": row[0], "areas": areas,
            "summary": row[2], "author_id": row[3], "recorded_at": row[4]}


AT_OR_ABOVE = ("expected", "exceeding")


def cohort(db: Any, setting_id: Any, room: str, term: str) -> dict[str, Any]:
    """Per area, the share of the room's children (those not left) whose latest approved
    profile judgement made in `term` is at or above the expected band; assessments still
    waiting for a manager are counted apart (`assessments_waiting`), not in the shares."""
    children = [c for (c,) in db.query(
        "SELECT child_id FROM progress_children WHERE setting_id = ? AND room = ? AND "
        "left_on IS NULL", (str(setting_id), room))]
    latest: dict[tuple[str, str], str] = {}
    waiting = 0
    if children:
        marks = ",".join("?" for _ in children)
        for child, judgements, recorded_at, pending in db.query(
                f"SELECT j.child_id, j.judgements, j.recorded_at, w.assessment_id "
                f"FROM progress_judgements j LEFT JOIN progress_judgements_waiting w "
                f"ON w.assessment_id = j.assessment_id WHERE j.kind = 'profile' AND "
                f"j.child_id IN ({marks}) ORDER BY j.recorded_at", children):
            if term_of(date.fromisoformat(recorded_at[:10])) != term:
                continue
            if pending is not None:
                waiting += 1
                continue
            for area, judgement in json.loads(judgements).items():
                latest[(child, area)] = judgement
    areas = []
    for area in DEVELOPMENT_MATTERS.areas:
        judged = [j for (c, a), j in latest.items() if a == area.key]
        above = sum(j in AT_OR_ABOVE for j in judged)
        areas.append({"area": area.key, "name": area.name, "children": len(children),
                      "assessed": len(judged), "at_or_above_expected": above,
                      "share": round(above / len(children), 3) if children else None})
    return {"room": room, "term": term, "areas": areas, "assessments_waiting": waiting}
