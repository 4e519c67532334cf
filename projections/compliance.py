"""Compliance view: what a manager answers to Ofsted and to the nursery's own policy.

Listens to journey, diary, device, consent and account events and keeps, per setting,
only what the compliance report counts: when each observation was made and uploaded
and whether it waits for moderation, staff diary entries first recorded after the end
of the session (a later correction keeps the first lateness), incidents and their
acknowledgement, tablets' custody and the photos taken on them, parents' links and
agreements. The report (`compliance_report`) is a handful of indexed queries over these
tables, never a scan of the log.

Times are UTC ISO 8601 text, so that they compare as text on both engines. Every row
about a child carries `child_id`, so that erasure finds it.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from domain.aggregates.device import STATUS_AFTER_DAMAGE
from domain.consent_rules import agreement_current
from projections.engine import Projection, actor_id, handles

LATE_AFTER = timedelta(days=7)  # policy: observations uploaded within a week


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()



class ComplianceView(Projection):
    """The rows behind each figure of the compliance report."""

    name = "compliance"
    schema = (
        """CREATE TABLE IF NOT EXISTS compliance_settings (
            setting_id TEXT PRIMARY KEY,
            timezone TEXT NOT NULL,
            terms_version INTEGER NOT NULL DEFAULT 0,
            keep_older INTEGER NOT NULL DEFAULT 0)""",
        """CREATE TABLE IF NOT EXISTS compliance_staff (
            account_id TEXT PRIMARY KEY,
            setting_id TEXT NOT NULL,
            display_name TEXT NOT NULL,
            roles TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS compliance_children (
            child_id TEXT PRIMARY KEY,
            setting_id TEXT NOT NULL,
            name TEXT NOT NULL,
            room TEXT NOT NULL,
            enrolled_at TEXT NOT NULL,
            left_on TEXT)""",
        """CREATE TABLE IF NOT EXISTS compliance_observations (
            observation_id TEXT PRIMARY KEY,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            author_id TEXT NOT NULL,
            observed_on TEXT NOT NULL,
            uploaded_at TEXT NOT NULL,
            pending_since TEXT,
            removed INTEGER NOT NULL DEFAULT 0)""",
        "CREATE INDEX IF NOT EXISTS compliance_observations_by_setting "
        "ON compliance_observations (setting_id, uploaded_at)",
        """CREATE TABLE IF NOT EXISTS compliance_late_entries (
            entry_id TEXT PRIMARY KEY,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            retracted INTEGER NOT NULL DEFAULT 0)""",
        "CREATE INDEX IF NOT EXISTS compliance_late_by_setting "
        "ON compliance_late_entries (setting_id, recorded_at)",
        """CREATE TABLE IF NOT EXISTS compliance_incidents (
            entry_id TEXT PRIMARY KEY,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            acknowledged_at TEXT,
            retracted INTEGER NOT NULL DEFAULT 0)""",
        "CREATE INDEX IF NOT EXISTS compliance_incidents_by_setting "
        "ON compliance_incidents (setting_id, recorded_at)",
        """CREATE TABLE IF NOT EXISTS compliance_days (
            day_id TEXT PRIMARY KEY,
            child_id TEXT NOT NULL,
            setting_id TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS compliance_devices (
            device_id TEXT PRIMARY KEY,
            setting_id TEXT NOT NULL,
            label TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS compliance_custody (
            device_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            account_id TEXT NOT NULL,
            signed_out_at TEXT NOT NULL,
            signed_in_at TEXT,
            PRIMARY KEY (device_id, signed_out_at))""",
        "CREATE INDEX IF NOT EXISTS compliance_custody_by_setting "
        "ON compliance_custody (setting_id, signed_out_at)",
        """CREATE TABLE IF NOT EXISTS compliance_photos (
            device_id TEXT NOT NULL,
            media_id TEXT NOT NULL,
            setting_id TEXT NOT NULL,
            captured_by TEXT NOT NULL,
            captured_at TEXT NOT NULL,
            deleted_at TEXT,
            PRIMARY KEY (device_id, media_id))""",
        """CREATE TABLE IF NOT EXISTS compliance_parents (
            parent_id TEXT NOT NULL,
            child_id TEXT NOT NULL,
            PRIMARY KEY (parent_id, child_id))""",
        """CREATE TABLE IF NOT EXISTS compliance_agreements (
            parent_id TEXT NOT NULL,
            child_id TEXT NOT NULL,
            terms_version INTEGER NOT NULL,
            PRIMARY KEY (parent_id, child_id, terms_version))""",
    )
    tables = ("compliance_settings", "compliance_staff", "compliance_children",
              "compliance_observations", "compliance_late_entries", "compliance_incidents",
              "compliance_days", "compliance_devices", "compliance_custody",
              "compliance_photos", "compliance_parents", "compliance_agreements")
    child_tables = ("compliance_children", "compliance_observations",
                    "compliance_late_entries", "compliance_incidents", "compliance_days",
                    "compliance_parents", "compliance_agreements")
    setting_tables = ("compliance_settings", "compliance_staff", "compliance_devices",
                      "compliance_custody", "compliance_photos")

    # setting and people -------------------------------------------------------------

    @handles("Setting.Registered")
    def setting_registered(self, event: Any, tx: Any) -> None:
        tx.execute("INSERT INTO compliance_settings (setting_id, timezone) VALUES (?, ?) "
                   "ON CONFLICT (setting_id) DO NOTHING",
                   (str(event.originator_id), getattr(event, "timezone", None) or
                    "Europe/London"))

    @handles("Setting.OpeningHoursSet")
    def hours_set(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE compliance_settings SET timezone = ? WHERE setting_id = ?",
                   (event.timezone, str(event.originator_id)))

    @handles("Setting.TermsPublished")
    def terms_published(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE compliance_settings SET terms_version = ?, keep_older = ? "
                   "WHERE setting_id = ?", (event.version, int(event.keep_older_signatures),
                                            str(event.originator_id)))

    @handles("Account.Created")
    def account_created(self, event: Any, tx: Any) -> None:
        tx.execute("INSERT INTO compliance_staff (account_id, setting_id, display_name, roles) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT (account_id) DO NOTHING",
                   (str(event.originator_id), str(event.setting_id), event.display_name,
                    json.dumps(list(event.roles))))

    @handles("Account.ChildLinked")
    def child_linked(self, event: Any, tx: Any) -> None:
        tx.execute("INSERT INTO compliance_parents (parent_id, child_id) VALUES (?, ?) "
                   "ON CONFLICT (parent_id, child_id) DO NOTHING",
                   (str(event.originator_id), str(event.child_id)))

    @handles("Account.ChildUnlinked")
    def child_unlinked(self, event: Any, tx: Any) -> None:
        tx.execute("DELETE FROM compliance_parents WHERE parent_id = ? AND child_id = ?",
                   (str(event.originator_id), str(event.child_id)))

    @handles("ChildConsent.AgreementSigned")
    def agreement_signed(self, event: Any, tx: Any) -> None:
        tx.execute("INSERT INTO compliance_agreements (parent_id, child_id, terms_version) "
                   "VALUES (?, ?, ?) ON CONFLICT (parent_id, child_id, terms_version) "
                   "DO NOTHING", (str(event.parent_id), str(event.child_id),
                                  event.terms_version))

    @handles("ChildConsent.AgreementWithdrawn")
    def agreement_withdrawn(self, event: Any, tx: Any) -> None:
        """A withdrawn agreement no longer counts: the parent is unsigned again."""
        tx.execute("DELETE FROM compliance_agreements WHERE parent_id = ? AND child_id = ?",
                   (str(event.parent_id), str(event.child_id)))

    # children and their journeys ----------------------------------------------------

    @handles("ChildJourney.Enrolled")
    def enrolled(self, event: Any, tx: Any) -> None:
        tx.execute("INSERT INTO compliance_children (child_id, setting_id, name, room, "
                   "enrolled_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (child_id) DO NOTHING",
                   (str(event.child_id), str(event.setting_id), event.name, event.room,
                    _utc(event.timestamp)))

    @handles("ChildJourney.Left")
    def left(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE compliance_children SET left_on = ? WHERE child_id = ?",
                   (event.left_on.isoformat(), str(event.child_id)))

    @handles("ChildJourney.ObservationSubmitted")
    def submitted(self, event: Any, tx: Any) -> None:
        at = _utc(event.timestamp)
        tx.execute(
            "INSERT INTO compliance_observations (observation_id, child_id, setting_id, "
            "author_id, observed_on, uploaded_at, pending_since) "
            "SELECT ?, ?, setting_id, ?, ?, ?, ? FROM compliance_children WHERE child_id = ? "
            "ON CONFLICT (observation_id) DO NOTHING",
            (str(event.observation_id), str(event.child_id), actor_id(event),
             event.observed_on.isoformat(), at, at, str(event.child_id)))

    @handles("ChildJourney.ObservationRevised")
    def revised(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE compliance_observations SET pending_since = COALESCE("
                   "pending_since, ?) WHERE observation_id = ?",
                   (_utc(event.timestamp), str(event.observation_id)))

    @handles("ChildJourney.RevisionApproved", "ChildJourney.RevisionRejected")
    def moderated(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE compliance_observations SET pending_since = NULL "
                   "WHERE observation_id = ?", (str(event.observation_id),))

    @handles("ChildJourney.ObservationRemoved")
    def removed(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE compliance_observations SET pending_since = NULL, removed = 1 "
                   "WHERE observation_id = ?", (str(event.observation_id),))

    # diary ----------------------------------------------------------------------------

    @handles("DiaryDay.Started")
    def day_started(self, event: Any, tx: Any) -> None:
        tx.execute("INSERT INTO compliance_days (day_id, child_id, setting_id) VALUES "
                   "(?, ?, ?) ON CONFLICT (day_id) DO NOTHING",
                   (str(event.originator_id), str(event.child_id), str(event.setting_id)))

    @handles("DiaryDay.EntryRecorded", "DiaryDay.MedicationGiven", "DiaryDay.IncidentRecorded")
    def entry_recorded(self, event: Any, tx: Any) -> None:
        """Lateness is judged when an entry is first recorded; corrections keep it."""
        row = (str(event.entry_id), str(event.child_id), event.kind, actor_id(event),
               _utc(event.timestamp), str(event.originator_id))
        select = "SELECT ?, ?, setting_id, ?, ?, ? FROM compliance_days WHERE day_id = ? "
        if event.late:
            tx.execute("INSERT INTO compliance_late_entries (entry_id, child_id, setting_id, "
                       "kind, recorded_by, recorded_at) " + select +
                       "ON CONFLICT (entry_id) DO NOTHING", row)
        if event.kind == "incident":
            tx.execute("INSERT INTO compliance_incidents (entry_id, child_id, setting_id, "
                       "recorded_by, recorded_at) SELECT ?, ?, setting_id, ?, ? "
                       "FROM compliance_days WHERE day_id = ? "
                       "ON CONFLICT (entry_id) DO NOTHING",
                       (row[0], row[1], row[3], row[4], row[5]))

    @handles("DiaryDay.EntryRetracted")
    def entry_retracted(self, event: Any, tx: Any) -> None:
        for table in ("compliance_late_entries", "compliance_incidents"):
            tx.execute(f"UPDATE {table} SET retracted = 1 WHERE entry_id = ?",
                       (str(event.entry_id),))

    @handles("DiaryDay.IncidentAcknowledged")
    def incident_acknowledged(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE compliance_incidents SET acknowledged_at = COALESCE("
                   "acknowledged_at, ?) WHERE entry_id = ?",
                   (_utc(event.timestamp), str(event.entry_id)))

    # devices --------------------------------------------------------------------------

    @handles("Device.Registered")
    def device_registered(self, event: Any, tx: Any) -> None:
        tx.execute("INSERT INTO compliance_devices (device_id, setting_id, label) "
                   "VALUES (?, ?, ?) ON CONFLICT (device_id) DO NOTHING",
                   (str(event.originator_id), str(event.setting_id), event.label))

    @handles("Device.SignedOut")
    def signed_out(self, event: Any, tx: Any) -> None:
        tx.execute("INSERT INTO compliance_custody (device_id, setting_id, account_id, "
                   "signed_out_at) SELECT ?, setting_id, ?, ? FROM compliance_devices "
                   "WHERE device_id = ? ON CONFLICT (device_id, signed_out_at) DO NOTHING",
                   (str(event.originator_id), actor_id(event), _utc(event.timestamp),
                    str(event.originator_id)))

    @handles("Device.DamageReported")
    def damage_reported(self, event: Any, tx: Any) -> None:
        """A device reported lost or stolen is out of everyone's custody from then on."""
        if STATUS_AFTER_DAMAGE.get(event.kind) is not None:
            self.custody_ended(event, tx)

    @handles("Device.SignedIn")
    def custody_ended(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE compliance_custody SET signed_in_at = ? WHERE device_id = ? "
                   "AND signed_in_at IS NULL", (_utc(event.timestamp), str(event.originator_id)))

    @handles("Device.PhotoCaptured")
    def photo_captured(self, event: Any, tx: Any) -> None:
        tx.execute("INSERT INTO compliance_photos (device_id, media_id, setting_id, "
                   "captured_by, captured_at) SELECT ?, ?, setting_id, ?, ? "
                   "FROM compliance_devices WHERE device_id = ? "
                   "ON CONFLICT (device_id, media_id) DO NOTHING",
                   (str(event.originator_id), str(event.media_id), actor_id(event),
                    _utc(event.timestamp), str(event.originator_id)))

    @handles("Device.PhotoDeleted")
    def photo_deleted(self, event: Any, tx: Any) -> None:
        tx.execute("UPDATE compliance_photos SET deleted_at = ? WHERE device_id = ? AND "
                   "media_id = ?", (_utc(event.timestamp), str(event.originator_id),
                                    str(event.media_id)))


# the report ---------------------------------------------------------------------------


def _local_day(text: str, zone: ZoneInfo) -> date:
    return datetime.fromisoformat(text).astimezone(zone).date()


def compliance_report(db: Any, setting_id: Any, start: date, end: date, now: datetime,
                      quiet_weeks: int = 4) -> dict[str, Any]:
    """Every figure of the compliance report for the days `start` to `end` (inclusive,
    in the setting's time zone), each with the ids of the records behind it, and the
    figures per practitioner and per room."""
    sid = str(setting_id)
    setting = db.query_one("SELECT timezone, terms_version, keep_older FROM "
                           "compliance_settings WHERE setting_id = ?", (sid,))
    zone = ZoneInfo(setting[0] if setting else "Europe/London")
    lo = _utc(datetime.combine(start, datetime.min.time(), zone))
    hi = _utc(datetime.combine(end + timedelta(days=1), datetime.min.time(), zone))
    names = {a: n for a, n in db.query(
        "SELECT account_id, display_name FROM compliance_staff WHERE setting_id = ?", (sid,))}
    children = {c: (n, r, left) for c, n, r, left in db.query(
        "SELECT child_id, name, room, left_on FROM compliance_children WHERE setting_id = ?",
        (sid,))}

    def room(child_id: str) -> str | None:
        return children.get(child_id, (None, None))[1]

    late_observations = [
        {"observation_id": o, "child_id": c, "room": room(c), "author_id": a,
         "observed_on": on, "uploaded_at": up}
        for o, c, a, on, up in db.query(
            "SELECT observation_id, child_id, author_id, observed_on, uploaded_at FROM "
            "compliance_observations WHERE setting_id = ? AND uploaded_at >= ? AND "
            "uploaded_at < ? ORDER BY uploaded_at", (sid, lo, hi))
        if _local_day(up, zone) - date.fromisoformat(on) > LATE_AFTER]
    late_entries = [
        {"entry_id": e, "child_id": c, "room": room(c), "kind": k, "recorded_by": by,
         "recorded_at": at}
        for e, c, k, by, at in db.query(
            "SELECT entry_id, child_id, kind, recorded_by, recorded_at FROM "
            "compliance_late_entries WHERE setting_id = ? AND retracted = 0 AND "
            "recorded_at >= ? AND recorded_at < ? ORDER BY recorded_at", (sid, lo, hi))]
    waiting = db.query(
        "SELECT observation_id, child_id, author_id, pending_since FROM "
        "compliance_observations WHERE setting_id = ? AND pending_since IS NOT NULL AND "
        "removed = 0 ORDER BY pending_since", (sid,))
    waits = [(now - datetime.fromisoformat(p)).total_seconds() / 3600 for *_, p in waiting]
    backlog = {
        "count": len(waiting),
        "oldest_waiting_since": waiting[0][3] if waiting else None,
        "median_wait_hours": round(median(waits), 1) if waits else None,
        "observation_ids": [w[0] for w in waiting],
    }
    not_signed_in = []
    for device, label, account, out, back in db.query(
            "SELECT c.device_id, d.label, c.account_id, c.signed_out_at, c.signed_in_at "
            "FROM compliance_custody c JOIN compliance_devices d ON d.device_id = c.device_id "
            "WHERE c.setting_id = ? AND c.signed_out_at >= ? AND c.signed_out_at < ? "
            "ORDER BY c.signed_out_at", (sid, lo, hi)):
        out_day = _local_day(out, zone)
        back_day = _local_day(back, zone) if back else now.astimezone(zone).date()
        if back_day > out_day:
            not_signed_in.append({"device_id": device, "label": label, "account_id": account,
                                  "signed_out_at": out, "signed_in_at": back})
    photos_left = [
        {"device_id": d, "media_id": m, "captured_by": by, "captured_at": at,
         "signed_in_at": back}
        for d, m, by, at, back in db.query(
            "SELECT p.device_id, p.media_id, p.captured_by, p.captured_at, "
            "MIN(c.signed_in_at) FROM compliance_photos p JOIN compliance_custody c ON "
            "c.device_id = p.device_id AND c.signed_in_at IS NOT NULL AND "
            "c.signed_in_at >= p.captured_at WHERE p.setting_id = ? AND "
            "p.deleted_at IS NULL AND p.captured_at < ? "
            "GROUP BY p.device_id, p.media_id, p.captured_by, p.captured_at "
            "ORDER BY p.captured_at", (sid, hi))]
    version, keep_older = (int(setting[1]), bool(setting[2])) if setting else (0, False)
    signed: dict[tuple[str, str], set[int]] = {}
    for parent, child, terms in db.query(
            "SELECT a.parent_id, a.child_id, a.terms_version FROM compliance_agreements a "
            "JOIN compliance_children c ON c.child_id = a.child_id WHERE c.setting_id = ?",
            (sid,)):
        signed.setdefault((parent, child), set()).add(int(terms))
    unsigned = [
        {"parent_id": p, "child_id": c, "room": room(c)}
        for p, c in db.query(
            "SELECT p.parent_id, p.child_id FROM compliance_parents p JOIN "
            "compliance_children c ON c.child_id = p.child_id WHERE c.setting_id = ? AND "
            "c.left_on IS NULL ORDER BY p.parent_id, p.child_id", (sid,))
        if version and not agreement_current(signed.get((p, c), set()), version, keep_older)]
    since = (end - timedelta(weeks=quiet_weeks)).isoformat()
    latest = dict(db.query(
        "SELECT child_id, MAX(observed_on) FROM compliance_observations WHERE "
        "setting_id = ? AND removed = 0 GROUP BY child_id", (sid,)))
    quiet = [
        {"child_id": c, "room": r, "last_observed_on": latest.get(c)}
        for c, (_, r, left) in sorted(children.items(), key=lambda item: item[1][0])
        if left is None and (latest.get(c) or "") < since]
    unacknowledged = [
        {"entry_id": e, "child_id": c, "room": room(c), "recorded_by": by, "recorded_at": at}
        for e, c, by, at in db.query(
            "SELECT entry_id, child_id, recorded_by, recorded_at FROM compliance_incidents "
            "WHERE setting_id = ? AND retracted = 0 AND acknowledged_at IS NULL AND "
            "recorded_at < ? ORDER BY recorded_at", (sid, hi))]
    figures = {
        "late_observations": late_observations,
        "late_diary_entries": late_entries,
        "devices_not_signed_in": not_signed_in,
        "photos_left_on_devices": photos_left,
        "parents_not_signed": unsigned,
        "children_without_observations": quiet,
        "unacknowledged_incidents": unacknowledged,
    }
    return {
        "from": start.isoformat(), "to": end.isoformat(), "quiet_weeks": quiet_weeks,
        "moderation_backlog": backlog,
        **figures,
        "by_practitioner": _tally(figures, backlog, waiting, names, by="person"),
        "by_room": _tally(figures, backlog, waiting, names, by="room", rooms=children),
    }


PERSON_OF = {"late_observations": "author_id", "late_diary_entries": "recorded_by",
             "devices_not_signed_in": "account_id", "photos_left_on_devices": "captured_by",
             "unacknowledged_incidents": "recorded_by"}


def _tally(figures: dict[str, list[dict]], backlog: dict, waiting: list[tuple],
           names: dict[str, str], by: str, rooms: dict | None = None) -> list[dict]:
    """Counts of each figure per practitioner (who did it) or per room (whose child)."""
    counts: dict[str, dict[str, int]] = {}
    for figure, rows in figures.items():
        for row in rows:
            key = row.get(PERSON_OF.get(figure, "")) if by == "person" else row.get("room")
            if key is not None:
                counts.setdefault(key, {}).setdefault(figure, 0)
                counts[key][figure] += 1
    for _, child, author, _ in waiting:
        key = author if by == "person" else (rooms or {}).get(child, (None, None))[1]
        if key is not None:
            counts.setdefault(key, {}).setdefault("moderation_backlog", 0)
            counts[key]["moderation_backlog"] += 1
    if by == "person":
        return [{"account_id": k, "name": names.get(k), **v} for k, v in sorted(
            counts.items(), key=lambda item: (names.get(item[0]) or "", item[0]))]
    return [{"room": k, **v} for k, v in sorted(counts.items())]
