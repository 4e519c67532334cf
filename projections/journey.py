"""Journey views: the children list, each child's journey for staff and for parents,
the moderation queue, assessments, and which journeys use which media.

Listens to ChildJourney.* (and to image consent, for the children list); writes
children_view, journey_observations (one row per observation: its owner and which
journeys show it), journey_revisions, journey_staff and journey_parent (one row per
journey entry, with the entry pre-rendered as JSON), journey_comments,
moderation_queue and journey_assessments. Which media each entry shows, as image
consent allows, is `projections.media_visibility`'s (`journey_media`), read by the
parents' page query.

An entry row keeps `entry` (the JSON object without comments or media) and `head`:
the same object with its comments, missing its closing brace, so that a read appends
`,"media":[...]}` and sends it on without decoding anything. A group observation has
one entry per child who took part; parents' entries never list the other children, and
only the journey of the child it was written for shows its next steps
(`domain.aggregates.child_journey.shown_in_journey`).
Entries sort newest first by `sort_key` (observed-on date, then upload time, then
id); pages are keyset on it, so a read is one indexed range scan of one child.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from domain.aggregates.child_journey import (
    APPROVED,
    CONTENT_FIELDS,
    LATE_UPLOAD,
    MEDIA_WITHDRAWN,
    PENDING,
    REJECTED,
    WARNINGS,
    shown_in_journey,
)
from domain.framework import framework_for
from projections.engine import Projection, handles
from projections.media_visibility import withheld_media
from storage.database import Database

FRAMEWORK = framework_for()  # every setting uses Development Matters today


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _ids(values: Any) -> list[str]:
    return [str(v) for v in (values or [])]


def _unique(*groups: list[str]) -> list[str]:
    return list(dict.fromkeys(c for group in groups for c in group))


def warning_items(codes: list[str]) -> list[dict]:
    """Warning codes as `{"code", "detail"}` objects."""
    return [{"code": c, "detail": WARNINGS.get(c, c)} for c in codes]


COMMENT_TABLE = """CREATE TABLE IF NOT EXISTS {name} (
    comment_id TEXT PRIMARY KEY,
    child_id TEXT NOT NULL,
    observation_id TEXT NOT NULL,
    setting_id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_role TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL)"""


class JourneyViews(Projection):
    """Children, journeys, moderation queue, assessments."""

    name = "journey"
    schema = (
        """CREATE TABLE IF NOT EXISTS children_view (
            child_id TEXT PRIMARY KEY,
            setting_id TEXT NOT NULL,
            name TEXT NOT NULL,
            room TEXT NOT NULL,
            key_person_id TEXT,
            date_of_birth TEXT,
            image_consent INTEGER NOT NULL DEFAULT 0,
            left_on TEXT)""",
        "CREATE INDEX IF NOT EXISTS children_by_setting ON children_view "
        "(setting_id, name, child_id)",
        """CREATE TABLE IF NOT EXISTS journey_observations (
            observation_id TEXT PRIMARY KEY,
            owner_child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            author_id TEXT NOT NULL,
            submitted_at TEXT NOT NULL,
            latest_revision INTEGER NOT NULL,
            approved_revision INTEGER,
            removed INTEGER NOT NULL DEFAULT 0,
            staff_children TEXT NOT NULL DEFAULT '[]',
            parent_children TEXT NOT NULL DEFAULT '[]')""",
        "CREATE INDEX IF NOT EXISTS observations_by_owner ON journey_observations "
        "(owner_child_id)",
        """CREATE TABLE IF NOT EXISTS journey_revisions (
            observation_id TEXT NOT NULL,
            revision INTEGER NOT NULL,
            setting_id TEXT NOT NULL,
            owner_child_id TEXT NOT NULL,
            author_id TEXT NOT NULL,
            author_roles TEXT NOT NULL,
            at TEXT NOT NULL,
            observed_on TEXT NOT NULL,
            text TEXT NOT NULL,
            framework TEXT NOT NULL,
            media TEXT NOT NULL,
            children TEXT NOT NULL,
            next_steps TEXT,
            warnings TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            shows_children TEXT,
            moderated_at TEXT,
            PRIMARY KEY (observation_id, revision))""",
        """CREATE TABLE IF NOT EXISTS journey_staff (
            child_id TEXT NOT NULL,
            observation_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            sort_key TEXT NOT NULL,
            entry TEXT NOT NULL,
            head TEXT NOT NULL,
            PRIMARY KEY (child_id, observation_id))""",
        "CREATE INDEX IF NOT EXISTS journey_staff_page ON journey_staff (child_id, sort_key)",
        """CREATE TABLE IF NOT EXISTS journey_parent (
            child_id TEXT NOT NULL,
            observation_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            sort_key TEXT NOT NULL,
            entry TEXT NOT NULL,
            head TEXT NOT NULL,
            has_media INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (child_id, observation_id))""",
        "CREATE INDEX IF NOT EXISTS journey_parent_page ON journey_parent (child_id, sort_key)",
        COMMENT_TABLE.format(name="journey_comments"),
        "CREATE INDEX IF NOT EXISTS comments_by_entry ON journey_comments "
        "(observation_id, child_id, at)",
        """CREATE TABLE IF NOT EXISTS moderation_queue (
            observation_id TEXT PRIMARY KEY,
            setting_id TEXT NOT NULL,
            owner_child_id TEXT NOT NULL,
            revision INTEGER NOT NULL,
            sort_key TEXT NOT NULL,
            entry TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS moderation_page ON moderation_queue (setting_id, sort_key)",
        """CREATE TABLE IF NOT EXISTS journey_assessments (
            assessment_id TEXT PRIMARY KEY,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            period TEXT NOT NULL,
            kind TEXT NOT NULL,
            judgements TEXT NOT NULL,
            summary TEXT,
            author_id TEXT NOT NULL,
            recorded_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS assessments_by_child ON journey_assessments "
        "(child_id, recorded_at)",
        COMMENT_TABLE.format(name="comments_waiting"),
        "CREATE INDEX IF NOT EXISTS comments_waiting_by_setting ON comments_waiting "
        "(setting_id, at)",
        """CREATE TABLE IF NOT EXISTS assessments_moderation (
            assessment_id TEXT PRIMARY KEY,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT)""",
        "CREATE INDEX IF NOT EXISTS assessments_moderation_by_setting ON "
        "assessments_moderation (setting_id, status)",
    )
    tables = ("children_view", "journey_observations", "journey_revisions", "journey_staff",
              "journey_parent", "journey_comments", "moderation_queue", "journey_assessments",
              "comments_waiting", "assessments_moderation")
    setting_tables = tables

    # children

    @handles("ChildJourney.Enrolled")
    def enrolled(self, event: Any, tx: Any) -> None:
        child = str(event.originator_id)
        tx.execute(
            "INSERT INTO children_view (child_id, setting_id, name, room, key_person_id, "
            "date_of_birth, image_consent, left_on) VALUES (?, ?, ?, ?, ?, ?, 0, NULL) "
            "ON CONFLICT (child_id) DO UPDATE SET setting_id = excluded.setting_id, "
            "name = excluded.name, room = excluded.room, "
            "key_person_id = excluded.key_person_id, date_of_birth = excluded.date_of_birth",
            (child, str(event.setting_id), event.name, event.room, str(event.key_person_id),
             str(event.date_of_birth)),
        )

    @handles("ChildConsent.ImageConsentGiven")
    def image_consent_given(self, event: Any, tx: Any) -> None:
        _set_image_consent(tx, event.child_id, True)

    @handles("ChildConsent.ImageConsentWithdrawn")
    def image_consent_withdrawn(self, event: Any, tx: Any) -> None:
        _set_image_consent(tx, event.child_id, False)

    @handles("ChildJourney.KeyPersonChanged")
    def key_person_changed(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE children_view SET key_person_id = ? WHERE child_id = ?",
                   (str(event.key_person_id), str(event.originator_id)))

    @handles("ChildJourney.Left")
    def left(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE children_view SET left_on = ? WHERE child_id = ?",
                   (str(event.left_on), str(event.originator_id)))

    # erasure

    @handles("ChildJourney.JourneyErased")
    def forget_child(self, event: Any, tx: Any) -> None:
        """The child's row, journey, comments and assessments go, with the observations
        they own from every journey that showed them; other journeys lose the child's
        name from their group observations and the withdrawn photos (with a notice)."""
        child = str(event.originator_id)
        owned = [r[0] for r in tx.execute(
            "SELECT observation_id FROM journey_observations WHERE owner_child_id = ?",
            (child,)).fetchall()]
        for table in ("journey_staff", "journey_parent", "journey_comments",
                      "moderation_queue", "journey_revisions", "journey_observations"):
            tx.executemany(f"DELETE FROM {table} WHERE observation_id = ?",
                           [(o,) for o in owned])
        for table in ("children_view", "journey_staff", "journey_parent", "journey_comments",
                      "journey_assessments", "comments_waiting", "assessments_moderation"):
            tx.execute(f"DELETE FROM {table} WHERE child_id = ?", (child,))
        withdrawn = set(_ids(event.withdrawn_media))
        touched = {r[0] for r in tx.execute(
            "SELECT observation_id FROM journey_observations WHERE staff_children LIKE ?",
            (f'%"{child}"%',)).fetchall()}
        for media_id in withdrawn:
            touched.update(r[0] for r in tx.execute(
                "SELECT observation_id FROM journey_revisions WHERE media LIKE ?",
                (f'%"{media_id}"%',)).fetchall())
        for observation_id in sorted(touched):
            self._withdraw(tx, observation_id, child, withdrawn)
            self._render(tx, observation_id)

    def _withdraw(self, tx: Any, observation_id: str, child: str, media: set[str]) -> None:
        """Take an erased child and their photos out of another child's observation."""
        for number, children, used, shows, warnings in tx.execute(
            "SELECT revision, children, media, shows_children, warnings "
            "FROM journey_revisions WHERE observation_id = ?", (observation_id,)
        ).fetchall():
            used = json.loads(used or "[]")
            kept = [m for m in used if m not in media]
            warnings = json.loads(warnings or "[]")
            if len(kept) < len(used) and MEDIA_WITHDRAWN not in warnings:
                warnings.append(MEDIA_WITHDRAWN)
            shows = {m: [c for c in ids if c != child]
                     for m, ids in json.loads(shows or "{}").items() if m not in media}
            tx.execute(
                "UPDATE journey_revisions SET children = ?, media = ?, shows_children = ?, "
                "warnings = ? WHERE observation_id = ? AND revision = ?",
                (dumps([c for c in json.loads(children or "[]") if c != child]), dumps(kept),
                 dumps(shows), dumps(warnings), observation_id, number))

    # observations

    @handles("ChildJourney.ObservationSubmitted")
    def submitted(self, event: Any, tx: Any) -> None:
        observation_id = str(event.observation_id)
        setting_id = _setting_of(tx, event.originator_id)
        tx.execute(
            "INSERT INTO journey_observations (observation_id, owner_child_id, setting_id, "
            "author_id, submitted_at, latest_revision, approved_revision, removed) "
            "VALUES (?, ?, ?, ?, ?, 1, NULL, 0) ON CONFLICT (observation_id) DO NOTHING",
            (observation_id, str(event.originator_id), setting_id,
             str(event.actor.account_id), event.timestamp.isoformat()),
        )
        self._revision(tx, event, 1, setting_id)
        self._render(tx, observation_id)

    @handles("ChildJourney.ObservationRevised")
    def revised(self, event: Any, tx: Any) -> None:
        observation_id = str(event.observation_id)
        setting_id = _setting_of(tx, event.originator_id)
        tx.execute("UPDATE journey_revisions SET status = 'superseded' "
                   "WHERE observation_id = ? AND status = ?", (observation_id, PENDING))
        self._revision(tx, event, event.revision, setting_id)
        tx.execute("UPDATE journey_observations SET latest_revision = ? "
                   "WHERE observation_id = ?", (event.revision, observation_id))
        self._render(tx, observation_id)

    def _revision(self, tx: Any, event: Any, number: int, setting_id: str) -> None:
        tx.execute(
            "INSERT INTO journey_revisions (observation_id, revision, setting_id, "
            "owner_child_id, author_id, author_roles, at, observed_on, text, framework, media, "
            "children, next_steps, warnings, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (observation_id, revision) DO NOTHING",
            (str(event.observation_id), number, setting_id, str(event.originator_id),
             str(event.actor.account_id), dumps(list(event.actor.roles)),
             event.timestamp.isoformat(), str(event.observed_on), event.text,
             dumps(event.framework), dumps(_ids(event.media)), dumps(_ids(event.children)),
             event.next_steps, dumps(list(event.warnings)), PENDING),
        )

    @handles("ChildJourney.RevisionApproved")
    def approved(self, event: Any, tx: Any) -> None:
        observation_id = str(event.observation_id)
        tx.execute(
            "UPDATE journey_revisions SET status = ?, shows_children = ?, moderated_at = ? "
            "WHERE observation_id = ? AND revision = ?",
            (APPROVED, dumps(event.shows_children or {}), event.timestamp.isoformat(),
             observation_id, event.revision),
        )
        tx.execute("UPDATE journey_observations SET approved_revision = ? "
                   "WHERE observation_id = ?", (event.revision, observation_id))
        self._render(tx, observation_id)

    @handles("ChildJourney.RevisionRejected")
    def rejected(self, event: Any, tx: Any) -> None:
        observation_id = str(event.observation_id)
        tx.execute(
            "UPDATE journey_revisions SET status = ?, reason = ?, moderated_at = ? "
            "WHERE observation_id = ? AND revision = ?",
            (REJECTED, event.reason, event.timestamp.isoformat(), observation_id,
             event.revision),
        )
        self._render(tx, observation_id)

    @handles("ChildJourney.ObservationRemoved")
    def removed(self, event: Any, tx: Any) -> None:
        observation_id = str(event.observation_id)
        for table in ("journey_staff", "journey_parent", "journey_comments",
                      "comments_waiting", "moderation_queue", "journey_revisions"):
            tx.execute(f"DELETE FROM {table} WHERE observation_id = ?", (observation_id,))
        tx.execute("UPDATE journey_observations SET removed = 1, staff_children = '[]', "
                   "parent_children = '[]' WHERE observation_id = ?", (observation_id,))

    # comments

    @handles("ChildJourney.CommentAdded")
    def comment_added(self, event: Any, tx: Any) -> None:
        """A comment goes into the journey, or (pending) waits for a manager."""
        observation_id = str(event.observation_id)
        roles = list(event.actor.roles)
        table = "comments_waiting" if getattr(event, "pending", False) else "journey_comments"
        tx.execute(
            f"INSERT INTO {table} (comment_id, child_id, observation_id, setting_id, "
            "author_id, author_role, text, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (comment_id) DO NOTHING",
            (str(event.comment_id), str(event.originator_id), observation_id,
             _setting_of(tx, event.originator_id), str(event.actor.account_id),
             _main_role(roles), event.text, event.timestamp.isoformat()),
        )
        if table == "journey_comments":
            self._render(tx, observation_id)

    @handles("ChildJourney.CommentApproved")
    def comment_approved(self, event: Any, tx: Any) -> None:
        columns = "comment_id, child_id, observation_id, setting_id, author_id, author_role, " \
                  "text, at"
        tx.execute(f"INSERT INTO journey_comments ({columns}) SELECT {columns} "
                   "FROM comments_waiting WHERE comment_id = ? "
                   "ON CONFLICT (comment_id) DO NOTHING", (str(event.comment_id),))
        tx.execute("DELETE FROM comments_waiting WHERE comment_id = ?",
                   (str(event.comment_id),))
        self._render(tx, str(event.observation_id))

    @handles("ChildJourney.CommentRemoved")
    def comment_removed(self, event: Any, tx: Any) -> None:
        for table in ("journey_comments", "comments_waiting"):
            tx.execute(f"DELETE FROM {table} WHERE comment_id = ?", (str(event.comment_id),))
        self._render(tx, str(event.observation_id))

    # assessments

    @handles("ChildJourney.AssessmentRecorded")
    def assessment_recorded(self, event: Any, tx: Any) -> None:
        tx.execute(
            "INSERT INTO journey_assessments (assessment_id, child_id, setting_id, period, "
            "kind, judgements, summary, author_id, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (assessment_id) DO NOTHING",
            (str(event.assessment_id), str(event.originator_id),
             _setting_of(tx, event.originator_id), event.period, event.kind,
             dumps(event.judgements), event.summary, str(event.actor.account_id),
             event.timestamp.isoformat()),
        )
        if getattr(event, "pending", False):
            tx.execute(
                "INSERT INTO assessments_moderation (assessment_id, child_id, setting_id, "
                "status, reason) VALUES (?, ?, ?, ?, NULL) ON CONFLICT (assessment_id) "
                "DO NOTHING", (str(event.assessment_id), str(event.originator_id),
                               _setting_of(tx, event.originator_id), PENDING))

    @handles("ChildJourney.AssessmentApproved")
    def assessment_approved(self, event: Any, tx: Any) -> None:
        tx.execute("DELETE FROM assessments_moderation WHERE assessment_id = ?",
                   (str(event.assessment_id),))

    @handles("ChildJourney.AssessmentRejected")
    def assessment_rejected(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE assessments_moderation SET status = ?, reason = ? "
                   "WHERE assessment_id = ?",
                   (REJECTED, event.reason, str(event.assessment_id)))

    # rendering

    def _render(self, tx: Any, observation_id: str) -> None:
        """Rewrite every view row of one observation from its observation and revisions."""
        row = tx.execute(
            "SELECT owner_child_id, setting_id, submitted_at, latest_revision, "
            "approved_revision, removed, staff_children, parent_children "
            "FROM journey_observations WHERE observation_id = ?", (observation_id,)
        ).fetchone()
        if row is None or row[5]:
            return
        owner, setting_id, submitted_at, latest_n, approved_n = row[:5]
        revisions = {
            r["revision"]: r for r in _revisions(tx, observation_id, {latest_n, approved_n})
        }
        latest = revisions[latest_n]
        approved = revisions.get(approved_n) if approved_n else None
        staff_children = _unique([owner], latest["children"],
                                 approved["children"] if approved else [])
        parent_children = _unique([owner], approved["children"]) if approved else []
        names = _names(tx, {latest["author_id"], approved["author_id"] if approved else "",
                            *_comment_authors(tx, observation_id)})
        comments = _comments(tx, observation_id, names)

        for table, old, new in (("journey_staff", row[6], staff_children),
                                ("journey_parent", row[7], parent_children)):
            for gone in set(json.loads(old or "[]")) - set(new):
                tx.execute(f"DELETE FROM {table} WHERE child_id = ? AND observation_id = ?",
                           (gone, observation_id))

        for child in staff_children:
            entry = _staff_entry(observation_id, child, owner, submitted_at, latest, approved,
                                 names)
            _upsert_entry(tx, "journey_staff", child, observation_id, setting_id,
                          _sort_key(latest["observed_on"], submitted_at, observation_id),
                          entry, comments.get(child, []))
        for child in parent_children:
            entry = _parent_entry(observation_id, child, owner, approved, names)
            _upsert_entry(tx, "journey_parent", child, observation_id, setting_id,
                          _sort_key(approved["observed_on"], submitted_at, observation_id),
                          entry, comments.get(child, []), has_media=bool(approved["media"]))

        tx.execute("UPDATE journey_observations SET staff_children = ?, parent_children = ? "
                   "WHERE observation_id = ?",
                   (dumps(staff_children), dumps(parent_children), observation_id))

        if latest["status"] == PENDING:
            entry = _queue_entry(observation_id, owner, latest, approved, names,
                                 _child_name(tx, owner))
            tx.execute(
                "INSERT INTO moderation_queue (observation_id, setting_id, owner_child_id, "
                "revision, sort_key, entry) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (observation_id) DO UPDATE SET revision = excluded.revision, "
                "sort_key = excluded.sort_key, entry = excluded.entry",
                (observation_id, setting_id, owner, latest_n,
                 f"{latest['at']}|{observation_id}", dumps(entry)),
            )
        else:
            tx.execute("DELETE FROM moderation_queue WHERE observation_id = ?",
                       (observation_id,))


def _set_image_consent(tx: Any, child_id: Any, given: bool) -> None:
    tx.execute("UPDATE children_view SET image_consent = ? WHERE child_id = ?",
               (int(given), str(child_id)))


def _setting_of(tx: Any, child_id: Any) -> str:
    row = tx.execute("SELECT setting_id FROM children_view WHERE child_id = ?",
                     (str(child_id),)).fetchone()
    return row[0] if row else ""


def _child_name(tx: Any, child_id: str) -> str | None:
    row = tx.execute("SELECT name FROM children_view WHERE child_id = ?",
                     (child_id,)).fetchone()
    return row[0] if row else None


def _main_role(roles: list[str]) -> str:
    for role in ("manager", "practitioner", "safeguarding_lead", "parent"):
        if role in roles:
            return role
    return roles[0] if roles else "unknown"


REVISION_COLUMNS = ("revision", "author_id", "author_roles", "at", "observed_on", "text",
                    "framework", "media", "children", "next_steps", "warnings", "status",
                    "reason", "shows_children", "moderated_at")
JSON_COLUMNS = ("author_roles", "framework", "media", "children", "warnings", "shows_children")


def _revisions(tx: Any, observation_id: str, numbers: set) -> list[dict]:
    wanted = sorted(n for n in numbers if n)
    marks = ",".join("?" for _ in wanted)
    rows = tx.execute(
        f"SELECT {', '.join(REVISION_COLUMNS)} FROM journey_revisions "
        f"WHERE observation_id = ? AND revision IN ({marks})", (observation_id, *wanted)
    ).fetchall()
    found = []
    for values in rows:
        item = dict(zip(REVISION_COLUMNS, values, strict=True))
        for name in JSON_COLUMNS:
            item[name] = json.loads(item[name]) if item[name] else None
        item["media"] = item["media"] or []
        item["children"] = item["children"] or []
        found.append(item)
    return found


def _comment_authors(tx: Any, observation_id: str) -> set[str]:
    return {r[0] for r in tx.execute(
        "SELECT DISTINCT author_id FROM journey_comments WHERE observation_id = ?",
        (observation_id,)).fetchall()}


def _names(tx: Any, account_ids: set[str]) -> dict[str, str]:
    wanted = sorted(a for a in account_ids if a)
    if not wanted:
        return {}
    marks = ",".join("?" for _ in wanted)
    return dict(tx.execute(
        f"SELECT account_id, display_name FROM accounts_view WHERE account_id IN ({marks})",
        wanted).fetchall())


def _comments(tx: Any, observation_id: str, names: dict[str, str]) -> dict[str, list[dict]]:
    by_child: dict[str, list[dict]] = {}
    for comment_id, child, author_id, role, text, at in tx.execute(
        "SELECT comment_id, child_id, author_id, author_role, text, at FROM journey_comments "
        "WHERE observation_id = ? ORDER BY at, comment_id", (observation_id,)
    ).fetchall():
        by_child.setdefault(child, []).append({
            "comment_id": comment_id, "text": text, "at": at,
            "author": {"account_id": author_id, "name": names.get(author_id), "role": role},
        })
    return by_child


def _author(revision: dict, names: dict[str, str]) -> dict:
    return {"account_id": revision["author_id"], "name": names.get(revision["author_id"]),
            "role": _main_role(revision["author_roles"] or [])}


def _sort_key(observed_on: str, submitted_at: str, observation_id: str) -> str:
    return f"{observed_on}|{submitted_at}|{observation_id}"


def _content(revision: dict) -> dict:
    return {name: revision[name] for name in CONTENT_FIELDS}


def _staff_entry(observation_id: str, child: str, owner: str, submitted_at: str,
                 latest: dict, approved: dict | None, names: dict[str, str]) -> dict:
    return {
        "observation_id": observation_id,
        "child_id": child,
        "revision": latest["revision"],
        "status": latest["status"],
        "approved_revision": approved["revision"] if approved else None,
        "observed_on": latest["observed_on"],
        "text": latest["text"],
        "framework": FRAMEWORK.worded(latest["framework"] or []),
        "media": latest["media"],
        "children": [c for c in _unique([owner], latest["children"]) if c != child],
        "next_steps": shown_in_journey(latest, child, owner)["next_steps"],
        "author": _author(latest, names),
        "submitted_at": submitted_at,
        "revised_at": latest["at"],
        "warnings": warning_items(latest["warnings"] or []),
        "late": LATE_UPLOAD in (latest["warnings"] or []),
        "rejection_reason": latest["reason"] if latest["status"] == REJECTED else None,
    }


def _parent_entry(observation_id: str, child: str, owner: str, approved: dict,
                  names: dict[str, str]) -> dict:
    author = _author(approved, names)
    return {
        "observation_id": observation_id,
        "revision": approved["revision"],
        "status": APPROVED,
        "observed_on": approved["observed_on"],
        "text": approved["text"],
        "framework": FRAMEWORK.worded(approved["framework"] or []),
        "next_steps": shown_in_journey(approved, child, owner)["next_steps"],
        "author": {"name": author["name"], "role": author["role"]},
        "approved_at": approved["moderated_at"],
        **({"notice": WARNINGS[MEDIA_WITHDRAWN]}
           if MEDIA_WITHDRAWN in (approved["warnings"] or []) else {}),
    }


def _queue_entry(observation_id: str, owner: str, latest: dict, approved: dict | None,
                 names: dict[str, str], child_name: str | None) -> dict:
    before = _content(approved) if approved else {}
    after = _content(latest)
    changes = {
        name: {"before": before.get(name), "after": value}
        for name, value in after.items() if before.get(name) != value
    }
    return {
        "observation_id": observation_id,
        "child_id": owner,
        "child_name": child_name,
        "revision": latest["revision"],
        "submitted_at": latest["at"],
        **after,
        "author": _author(latest, names),
        "warnings": warning_items(latest["warnings"] or []),
        "late": LATE_UPLOAD in (latest["warnings"] or []),
        "previous_revision": approved["revision"] if approved else None,
        "changes": changes,
    }


def _upsert_entry(tx: Any, table: str, child: str, observation_id: str, setting_id: str,
                  sort_key: str, entry: dict, comments: list[dict],
                  has_media: bool | None = None) -> None:
    body = dumps(entry)
    head = f'{body[:-1]},"comments":{dumps(comments)}'
    if has_media is None:
        tx.execute(
            f"INSERT INTO {table} (child_id, observation_id, setting_id, sort_key, entry, head) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (child_id, observation_id) DO UPDATE SET "
            "sort_key = excluded.sort_key, entry = excluded.entry, head = excluded.head",
            (child, observation_id, setting_id, sort_key, body, head),
        )
    else:
        tx.execute(
            f"INSERT INTO {table} (child_id, observation_id, setting_id, sort_key, entry, head, "
            "has_media) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (child_id, observation_id) "
            "DO UPDATE SET sort_key = excluded.sort_key, entry = excluded.entry, "
            "head = excluded.head, has_media = excluded.has_media",
            (child, observation_id, setting_id, sort_key, body, head, int(has_media)),
        )


# queries


def child_settings(db: Database, child_ids: Iterable[UUID]) -> dict[UUID, UUID]:
    """The setting of each of these children that is known."""
    ids = sorted({str(c) for c in child_ids})
    if not ids:
        return {}
    rows = db.query(
        f"SELECT child_id, setting_id FROM children_view WHERE child_id IN ({_marks(ids)})", ids)
    return {UUID(child): UUID(setting) for child, setting in rows}


def child_setting(db: Database, child_id: UUID | str) -> UUID | None:
    """The setting a child belongs to; None if unknown."""
    row = db.query_one("SELECT setting_id FROM children_view WHERE child_id = ?",
                       (str(child_id),))
    return UUID(row[0]) if row else None


def children_page(db: Database, setting_id: UUID, only: Iterable[UUID] | None,
                  after: tuple[str, str] | None, limit: int) -> list[dict]:
    """Children of a setting (`only` these, when given), by name then id, after the
    (name, child id) of the last one of the previous page."""
    where, params = "setting_id = ?", [str(setting_id)]
    if only is not None:
        mine = sorted(str(c) for c in only)
        if not mine:
            return []
        where += f" AND child_id IN ({_marks(mine)})"
        params += mine
    if after:
        where += " AND (name > ? OR (name = ? AND child_id > ?))"
        params += [after[0], after[0], after[1]]
    rows = db.query(
        "SELECT child_id, name, room, key_person_id, date_of_birth, image_consent, left_on "
        f"FROM children_view WHERE {where} ORDER BY name, child_id LIMIT ?", (*params, limit))
    return [{"child_id": r[0], "name": r[1], "room": r[2], "key_person_id": r[3],
             "date_of_birth": r[4], "image_consent": bool(r[5]), "left_on": r[6]}
            for r in rows]


def room_children(db: Database, setting_id: UUID, room: str, day: str,
                  after: tuple[str, str] | None, limit: int) -> list[tuple[str, str]]:
    """(child id, name) of the children in a room on a day (not left by then), by name."""
    sql = ("SELECT child_id, name FROM children_view WHERE setting_id = ? AND room = ? "
           "AND (left_on IS NULL OR left_on > ?)")
    params: list[Any] = [str(setting_id), room, day]
    if after is not None:
        sql += " AND (name > ? OR (name = ? AND child_id > ?))"
        params += [after[0], after[0], after[1]]
    return db.query(sql + " ORDER BY name, child_id LIMIT ?", [*params, limit])


def child_names(db: Database, child_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(name, room) of each of these children that is known."""
    ids = sorted(set(child_ids))
    if not ids:
        return {}
    rows = db.query(
        f"SELECT child_id, name, room FROM children_view WHERE child_id IN ({_marks(ids)})", ids)
    return {child: (name, room) for child, name, room in rows}


def observation_owner(db: Database, observation_id: Any) -> tuple[str, str, list[str]] | None:
    """(owner child id, setting id, children whose staff journeys show it), if not removed."""
    row = db.query_one(
        "SELECT owner_child_id, setting_id, staff_children FROM journey_observations "
        "WHERE observation_id = ? AND removed = 0", (str(observation_id),))
    return (row[0], row[1], json.loads(row[2] or "[]")) if row else None


def parent_page(db: Database, child_id: str, after: str | None, limit: int
                ) -> list[tuple[str, str]]:
    """A page of the child's parent journey, newest first, in one indexed query:
    (sort key, entry as JSON) rows, each entry with the media image consent lets this
    journey show. The caller has already checked that the child is visible."""
    where = "child_id = ?" + (" AND sort_key < ?" if after else "")
    params: tuple = (child_id, after, limit) if after else (child_id, limit)
    rows = db.query(
        "SELECT e.sort_key, e.head, CASE WHEN e.has_media = 1 THEN "
        f"(SELECT {db.group_concat}(media_id, ',') FROM (SELECT m.media_id FROM journey_media m "
        "WHERE m.child_id = e.child_id AND m.observation_id = e.observation_id "
        "AND m.hidden = 0 ORDER BY m.position) ordered) END "
        f"FROM journey_parent e WHERE {where} ORDER BY e.sort_key DESC LIMIT ?", params)
    return [(key, f'{head},"media":{json.dumps(media.split(",")) if media else "[]"}}}')
            for key, head, media in rows]


def staff_page(db: Database, child_id: str, after: str | None, limit: int
               ) -> list[tuple[str, str]]:
    """A page of the child's staff journey, newest first: (sort key, entry as JSON) rows.

    Media withheld from this journey for lack of image consent are left out and listed
    under `withheld_media`, so staff know something was hidden, and why."""
    where = "child_id = ?" + (" AND sort_key < ?" if after else "")
    params: tuple = (child_id, after, limit) if after else (child_id, limit)
    rows = db.query(
        f"SELECT sort_key, head FROM journey_staff WHERE {where} "
        "ORDER BY sort_key DESC LIMIT ?", params)
    withheld = withheld_media(db, child_id) if rows else {}
    if not withheld:
        return [(key, head + "}") for key, head in rows]
    out = []
    for key, head in rows:
        entry = json.loads(head + "}")
        held = withheld.get(str(entry.get("observation_id")))
        if held:
            entry["media"] = [m for m in entry.get("media") or [] if m not in held]
            entry["withheld_media"] = sorted(held)
            entry["withheld_reason"] = (
                "Hidden from this journey: a child in these media has no image consent."
            )
        out.append((key, json.dumps(entry)))
    return out


def moderation_page(db: Database, setting_id: UUID, after: str | None, limit: int
                    ) -> list[tuple[str, str]]:
    """Pending revisions of the setting, oldest first: (sort key, entry as JSON) rows."""
    where = "setting_id = ?" + (" AND sort_key > ?" if after else "")
    params = (str(setting_id), after) if after else (str(setting_id),)
    return db.query(f"SELECT sort_key, entry FROM moderation_queue WHERE {where} "
                    "ORDER BY sort_key LIMIT ?", (*params, limit))


def rooms_of_setting(db: Any, setting_id: Any) -> list[tuple[str, int]]:
    """(room, children in it) for the rooms of the setting's children who have not left."""
    return [(r[0], int(r[1])) for r in db.query(
        "SELECT room, COUNT(*) FROM children_view WHERE setting_id = ? AND left_on IS NULL "
        "GROUP BY room ORDER BY room", (str(setting_id),))]


def is_room(db: Any, setting_id: Any, room: str) -> bool:
    """Whether any child of the setting is, or was, in this room (names match exactly)."""
    return db.query_one("SELECT 1 FROM children_view WHERE setting_id = ? AND room = ? LIMIT 1",
                        (str(setting_id), room)) is not None


def _marks(values: list) -> str:
    return ",".join("?" for _ in values)


def comments_waiting(db: Any, setting_id: Any, after: str | None, limit: int) -> list[tuple]:
    """A page of the setting's comments waiting for a manager, oldest first:
    (sort key, item) rows."""
    where = "setting_id = ?" + (" AND at || '|' || comment_id > ?" if after else "")
    params: tuple = (str(setting_id), after, limit) if after else (str(setting_id), limit)
    rows = db.query(
        "SELECT comment_id, child_id, observation_id, author_id, author_role, text, at "
        f"FROM comments_waiting WHERE {where} ORDER BY at, comment_id LIMIT ?", params)
    return [(f"{r[6]}|{r[0]}", {"comment_id": r[0], "child_id": r[1], "observation_id": r[2],
                                "author": {"account_id": r[3], "role": r[4]}, "text": r[5],
                                "at": r[6]}) for r in rows]


def assessments_of(db: Any, child_id: Any, after: str | None, limit: int,
                   approved_only: bool) -> list[dict]:
    """A page of a child's assessments, newest first, each with its moderation `status`
    (and the rejection `reason`); `approved_only` for families."""
    where = "a.child_id = ?" + (" AND a.recorded_at || '|' || a.assessment_id < ?"
                                if after else "")
    if approved_only:
        where += " AND m.assessment_id IS NULL"
    params: tuple = (str(child_id), after, limit) if after else (str(child_id), limit)
    rows = db.query(
        "SELECT a.assessment_id, a.period, a.kind, a.judgements, a.summary, a.author_id, "
        "a.recorded_at, m.status, m.reason FROM journey_assessments a "
        "LEFT JOIN assessments_moderation m ON m.assessment_id = a.assessment_id "
        f"WHERE {where} ORDER BY a.recorded_at DESC, a.assessment_id DESC LIMIT ?", params)
    return [{"assessment_id": r[0], "period": r[1], "kind": r[2],
             "judgements": json.loads(r[3]), "summary": r[4], "author_id": r[5],
             "recorded_at": r[6], "status": r[7] or APPROVED,
             **({"reason": r[8]} if r[7] == REJECTED else {})} for r in rows]


def assessments_waiting(db: Any, setting_id: Any) -> list[dict]:
    """The setting's assessments waiting for a manager, oldest first."""
    rows = db.query(
        "SELECT a.assessment_id, a.child_id, a.period, a.kind, a.judgements, a.summary, "
        "a.author_id, a.recorded_at FROM assessments_moderation m "
        "JOIN journey_assessments a ON a.assessment_id = m.assessment_id "
        "WHERE m.setting_id = ? AND m.status = ? ORDER BY a.recorded_at, a.assessment_id",
        (str(setting_id), PENDING))
    return [{"assessment_id": r[0], "child_id": r[1], "period": r[2], "kind": r[3],
             "judgements": json.loads(r[4]), "summary": r[5], "author_id": r[6],
             "recorded_at": r[7]} for r in rows]
