"""The audit trail: one row per stored event, and the Merkle tree over the log.

Listens to every event. `audit_events` keeps, per event, its position in the log
(notification id), time, what happened in words (`WORDS`), the children it concerns
(`audit_children`), the acting account with its roles, the device and the setting:
ids and words only, never a personal field, so nothing here needs erasing and the
rows stay after a child is erased or a setting deleted.

`audit_leaves` and `audit_nodes` hold the tree of `projections.merkle`, grown leaf by
leaf as events are applied (each leaf adds itself and the perfect subtrees it
completes: one insert and on average one more), in the same transaction as the rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from projections import merkle
from projections.engine import Projection
from storage.database import Database, Tx

# What each event says, in the nursery's words (a unit test checks every event has one).
WORDS: dict[str, str] = {
    "Account.Created": "account created",
    "Account.ChildLinked": "parent linked to child",
    "Account.ChildUnlinked": "parent unlinked from child",
    "Account.ChildRestricted": "parent's access restricted",
    "Account.RestrictionLifted": "parent's restriction lifted",
    "Account.Disabled": "account disabled",
    "Account.PasswordChanged": "password changed",
    "EmailIndex.Claimed": "e-mail address claimed for an account",
    "ChildConsent.Opened": "consent record opened",
    "ChildConsent.AgreementSigned": "agreement signed",
    "ChildConsent.AgreementWithdrawn": "agreement withdrawn",
    "ChildConsent.ImageConsentGiven": "image consent given",
    "ChildConsent.ImageConsentWithdrawn": "image consent withdrawn",
    "ChildConsent.ReviewResolved": "consent review resolved",
    "ChildJourney.Enrolled": "child enrolled",
    "ChildJourney.KeyPersonChanged": "key person changed",
    "ChildJourney.Left": "child leaving recorded",
    "ChildJourney.JourneyErased": "journey erased",
    "ChildJourney.RetentionEnded": "legal retention ended",
    "ChildJourney.ObservationSubmitted": "observation submitted",
    "ChildJourney.ObservationRevised": "observation revised",
    "ChildJourney.RevisionApproved": "observation approved",
    "ChildJourney.RevisionRejected": "observation rejected",
    "ChildJourney.ObservationRemoved": "observation removed",
    "ChildJourney.CommentAdded": "comment added",
    "ChildJourney.CommentApproved": "comment approved",
    "ChildJourney.CommentRemoved": "comment removed",
    "ChildJourney.AssessmentRecorded": "assessment recorded",
    "ChildJourney.AssessmentApproved": "assessment approved",
    "ChildJourney.AssessmentRejected": "assessment rejected",
    "Device.Registered": "device registered",
    "Device.SignedOut": "device signed out",
    "Device.SignedIn": "device signed in",
    "Device.DamageReported": "device damage reported",
    "Device.PhotoCaptured": "photo taken on device",
    "Device.PhotoDeleted": "photo deleted from device",
    "Device.Retired": "device retired",
    "Device.TokenReissued": "device token reissued",
    "DiaryDay.Started": "diary day started",
    "DiaryDay.EntryRecorded": "diary entry recorded",
    "DiaryDay.MedicationGiven": "medication given",
    "DiaryDay.IncidentRecorded": "incident recorded",
    "DiaryDay.SleepEnded": "sleep ended",
    "DiaryDay.EntryCorrected": "diary entry corrected",
    "DiaryDay.EntryRetracted": "diary entry retracted",
    "DiaryDay.IncidentAcknowledged": "incident acknowledged by parent",
    "DiaryDay.MessagePosted": "diary message posted",
    "DiaryDay.SessionEnded": "session ended",
    "Media.Uploaded": "photo or video uploaded",
    "Media.ChildrenDeclared": "children in photo or video declared",
    "Media.Attached": "photo or video attached to observation",
    "MedicationPermission.MedicationPermissionRecorded": "medication permission recorded",
    "Setting.Registered": "setting registered",
    "Setting.OpeningHoursSet": "opening hours set",
    "Setting.SupportAccessGranted": "support access granted",
    "Setting.SupportAccessRevoked": "support access revoked",
    "Setting.TermsPublished": "agreement terms published",
    "Setting.TerminationRequested": "termination requested",
    "Setting.TerminationCancelled": "termination cancelled",
    "Setting.DeletionStarted": "deletion of the setting started",
    "Setting.Deleted": "setting deleted",
}

NO_SETTING = "00000000-0000-0000-0000-000000000000"  # the command line's system actor


def words(event_name: str) -> str:
    """The event in words (an unknown one: its name, split)."""
    return WORDS.get(event_name) or event_name.replace(".", ": ")


def _children(event: Any, aggregate: str) -> list[str]:
    """The ids of the children an event concerns."""
    found: list[str] = []
    if aggregate == "ChildJourney":
        found.append(str(event.originator_id))
    child = getattr(event, "child_id", None)
    if child is not None:
        found.append(str(child))
    for name in ("child_ids", "children"):
        for child in getattr(event, name, None) or ():
            found.append(str(child))
    return list(dict.fromkeys(found))


def _actor(event: Any) -> tuple[str | None, str | None, str, str | None]:
    """(account, setting, roles, device) of the event's actor."""
    actor = getattr(event, "actor", None)
    if actor is None:
        return None, None, "", None
    if isinstance(actor, dict):
        account, setting = actor.get("account_id"), actor.get("setting_id")
        roles, device = actor.get("roles") or (), actor.get("device_id")
    else:
        account, setting = actor.account_id, actor.setting_id
        roles, device = actor.roles, actor.device_id
    return (str(account) if account else None, str(setting) if setting else None,
            ",".join(roles), str(device) if device else None)


class AuditView(Projection):
    """Every event as the audit trail shows it, and the log's Merkle tree."""

    name = "audit"
    schema = (
        """CREATE TABLE IF NOT EXISTS audit_events (
            position BIGINT PRIMARY KEY,
            leaf_index BIGINT NOT NULL,
            at TEXT NOT NULL,
            setting_id TEXT,
            aggregate_id TEXT NOT NULL,
            version BIGINT NOT NULL,
            event TEXT NOT NULL,
            what TEXT NOT NULL,
            children TEXT NOT NULL,
            actor_id TEXT,
            roles TEXT NOT NULL,
            device_id TEXT)""",
        "CREATE INDEX IF NOT EXISTS audit_by_setting ON audit_events (setting_id, position)",
        "CREATE INDEX IF NOT EXISTS audit_by_aggregate ON audit_events (aggregate_id)",
        """CREATE TABLE IF NOT EXISTS audit_children (
            child_id TEXT NOT NULL,
            position BIGINT NOT NULL,
            PRIMARY KEY (child_id, position))""",
        """CREATE TABLE IF NOT EXISTS audit_leaves (
            leaf_index BIGINT PRIMARY KEY,
            position BIGINT NOT NULL,
            hash BLOB NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS audit_nodes (
            level INTEGER NOT NULL,
            node_index BIGINT NOT NULL,
            hash BLOB NOT NULL,
            PRIMARY KEY (level, node_index))""",
    )
    tables = ("audit_events", "audit_children", "audit_leaves", "audit_nodes")

    def __init__(self) -> None:
        super().__init__()
        self._edge: tuple[Tx, int, list[tuple[int, bytes]]] | None = None

    def wants(self, topic: str) -> bool:
        return True

    def forget_child(self, event: Any, tx: Tx) -> None:
        """Nothing to forget: the trail keeps its rows after an erasure (issue 12), and
        they hold ids and event words only, never a child's personal data."""

    def apply(self, notification: Any, event: Any, tx: Tx) -> None:
        name = notification.topic.rpartition(":")[2]
        aggregate = name.partition(".")[0]
        index = self._grow(notification, tx)
        account, setting, roles, device = _actor(event)
        own = getattr(event, "setting_id", None)
        if aggregate == "Setting":
            setting = str(notification.originator_id)
        elif own is not None:
            setting = str(own)
        if setting in (None, NO_SETTING):
            row = tx.execute("SELECT setting_id FROM audit_events WHERE aggregate_id = ? "
                             "AND setting_id IS NOT NULL LIMIT 1",
                             (str(notification.originator_id),)).fetchone()
            setting = row[0] if row else None
        children = _children(event, aggregate)
        tx.execute(
            "INSERT INTO audit_events (position, leaf_index, at, setting_id, aggregate_id, "
            "version, event, what, children, actor_id, roles, device_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (notification.id, index, event.timestamp.isoformat(), setting,
             str(notification.originator_id), notification.originator_version, name,
             words(name), ",".join(children), account, roles, device))
        tx.executemany("INSERT INTO audit_children (child_id, position) VALUES (?, ?)",
                       [(child, notification.id) for child in children])

    def _grow(self, notification: Any, tx: Tx) -> int:
        """Add the event's leaf and every perfect subtree it completes; its leaf index."""
        if self._edge is None or self._edge[0] is not tx:
            # A new batch: the edge kept from the last one still holds if the tree has
            # the size it left (leaves are only ever added; a rolled-back batch or
            # another process's leaves change the size), else it is read again.
            size = tree_size(tx)
            kept = self._edge[2] if self._edge is not None and self._edge[1] == size else None
            self._edge = (tx, size, kept if kept is not None else _right_edge(tx, size))
        _, index, edge = self._edge
        value = merkle.event_leaf(notification.id, str(notification.originator_id),
                                  notification.originator_version, notification.topic,
                                  bytes(notification.state))
        tx.execute("INSERT INTO audit_leaves (leaf_index, position, hash) VALUES (?, ?, ?)",
                   (index, notification.id, value))
        level, nodes = 0, []
        while edge and edge[-1][0] == level:
            value = merkle.node_hash(edge.pop()[1], value)
            level += 1
            nodes.append((level, index >> level, value))
        edge.append((level, value))
        tx.executemany("INSERT INTO audit_nodes (level, node_index, hash) VALUES (?, ?, ?)",
                       nodes)
        self._edge = (tx, index + 1, edge)
        return index


def tree_size(tx: Any) -> int:
    """How many leaves the stored tree has."""
    row = tx.execute("SELECT MAX(leaf_index) FROM audit_leaves").fetchone()
    return 0 if row is None or row[0] is None else int(row[0]) + 1


def _right_edge(tx: Any, size: int) -> list[tuple[int, bytes]]:
    """The perfect subtrees along the right edge of the tree of `size` leaves."""
    edge, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            edge.append((level, _node(tx, level, start >> level)))
            start += 1 << level
    return edge


def _node(tx: Any, level: int, index: int) -> bytes:
    table = ("SELECT hash FROM audit_leaves WHERE leaf_index = ?" if level == 0 else
             "SELECT hash FROM audit_nodes WHERE level = ? AND node_index = ?")
    row = tx.execute(table, (index,) if level == 0 else (level, index)).fetchone()
    if row is None:
        raise LookupError(f"the audit tree has no node at level {level}, index {index}")
    return bytes(row[0])


# queries


class Tree:
    """The stored tree, read in one transaction: its size, root and proofs."""

    def __init__(self, tx: Any):
        self.tx = tx
        self.size = tree_size(tx)

    def node(self, level: int, index: int) -> bytes:
        return _node(self.tx, level, index)

    def root(self, size: int | None = None) -> bytes:
        return merkle.root(self.node, self.size if size is None else size)

    def leaf_of(self, position: int) -> tuple[int, bytes] | None:
        """(leaf index, leaf hash) of the event at this position, if it is in the tree."""
        row = self.tx.execute("SELECT leaf_index, hash FROM audit_leaves WHERE position = ?",
                              (position,)).fetchone()
        return (int(row[0]), bytes(row[1])) if row else None

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return merkle.inclusion_proof(self.node, index, size)

    def consistency(self, old: int, new: int) -> list[bytes]:
        return merkle.consistency_proof(self.node, old, new)


def stored_leaves(db: Database, after: int, limit: int) -> list[tuple[int, int, bytes]]:
    """(leaf index, position, hash) of the leaves after `after`, in order."""
    return db.query(  # both engines give ints and bytes
        "SELECT leaf_index, position, hash FROM audit_leaves WHERE leaf_index > ? "
        "ORDER BY leaf_index LIMIT ?", (after, limit))


EVENT_COLUMNS = ("position", "at", "what", "event", "children", "actor_id", "roles",
                 "device_id", "aggregate_id", "version", "setting_id")


def audit_events(db: Database, setting_id: Any, *, child_id: str | None = None,
                 actor_id: str | None = None, start: datetime | None = None,
                 end: datetime | None = None, before: int | None = None,
                 limit: int = 50) -> list[dict]:
    """The setting's events, newest first, filtered; `before` a position (paging)."""
    sql = ("SELECT e.position, e.at, e.what, e.event, e.children, e.actor_id, e.roles, "
           "e.device_id, e.aggregate_id, e.version, e.setting_id FROM audit_events e ")
    where, params = ["e.setting_id = ?"], [str(setting_id)]
    if child_id:
        sql += "JOIN audit_children c ON c.position = e.position AND c.child_id = ? "
        params.insert(0, child_id)
    if actor_id:
        where.append("e.actor_id = ?")
        params.append(actor_id)
    if start is not None:
        where.append("e.at >= ?")
        params.append(start.isoformat())
    if end is not None:
        where.append("e.at < ?")
        params.append(end.isoformat())
    if before is not None:
        where.append("e.position < ?")
        params.append(before)
    sql += f"WHERE {' AND '.join(where)} ORDER BY e.position DESC LIMIT ?"
    rows = db.query(sql, [*params, limit])
    return [_event_row(row) for row in rows]


def _event_row(row: tuple) -> dict:
    item = dict(zip(EVENT_COLUMNS, row, strict=True))
    item["position"] = int(item["position"])
    item["version"] = int(item["version"])
    item["children"] = [c for c in (item["children"] or "").split(",") if c]
    item["roles"] = [r for r in (item["roles"] or "").split(",") if r]
    return item


def setting_positions(db: Database, setting_id: Any) -> list[int]:
    """The log positions of every event of a setting, in order (what a replay reads)."""
    return [int(p) for (p,) in db.query(
        "SELECT position FROM audit_events WHERE setting_id = ? ORDER BY position",
        (str(setting_id),))]


def setting_event_count(db: Database, setting_id: Any) -> int:
    """How many events of the log are a setting's."""
    row = db.query_one("SELECT COUNT(*) FROM audit_events WHERE setting_id = ?",
                       (str(setting_id),))
    return int(row[0]) if row else 0
