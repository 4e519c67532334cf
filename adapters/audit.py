"""Tamper evidence of the event log: verify it, sign its tree heads, prove an event in it.

The audit projection (`projections.audit`) grows a Merkle tree as events are applied;
`TreeHeads` signs (size, root, time) with a key kept away from the database.
`verify` reads every stored event again, recomputes its leaf from the stored bytes,
compares it with the leaf the tree recorded, rebuilds the root at the size of every
signed head (kept ones and those handed in), checks with consistency proofs that each
head extends the one before, and names the first event that does not match.

The events table also refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) through
triggers (`make_log_append_only`), so the database cannot be used to rewrite history
quietly; someone who drops the triggers is caught by `verify`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from adapters.storage.tree_heads import TreeHead, TreeHeads
from projections import merkle
from projections.audit import Tree, stored_leaves
from storage.database import Database, SQLiteDatabase

APPEND_ONLY = "the event log is append-only: events are never changed or deleted"
CHUNK = 10_000


def make_log_append_only(events_db: Database, table: str) -> None:
    """Triggers refusing UPDATE and DELETE on the events table (and TRUNCATE on
    PostgreSQL); run under the start-up lock."""
    if events_db.kind == "sqlite":
        events_db.create_tables([
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
        ])
        return
    events_db.create_tables([
        "CREATE OR REPLACE FUNCTION journey_log_append_only() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
        f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION journey_log_append_only()",
        f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION journey_log_append_only()",
    ])


class EventLog:
    """The stored events, read in order straight from the event store's table."""

    def __init__(self, db: Database, table: str, owned: bool = False):
        self.db = db
        self.table = table
        self.id = "rowid" if db.kind == "sqlite" else "notification_id"
        # PostgreSQL gives the uuid as text at once (no UUID object per row); SQLite
        # keeps hex, made canonical in `_uuid`
        self.aggregate = "originator_id" if db.kind == "sqlite" else "originator_id::text"
        self._owned = owned

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def digests(self, after: int = 0) -> Iterator[tuple[int, str, int, str, bytes, bytes]]:
        """(position, aggregate id, version, topic, first bytes, SHA-256 of the stored
        bytes) of every event, in log order. PostgreSQL hashes the events itself
        (`sha256()`), so 32 bytes a row cross the wire instead of the event."""
        sqlite = self.db.kind == "sqlite"
        columns = ("state" if sqlite else
                   f"substring(state from 1 for {merkle.HEAD_BYTES}), sha256(state)")
        while True:
            chunk = self.db.query(
                f"SELECT {self.id}, {self.aggregate}, originator_version, topic, {columns} "
                f"FROM {self.table} WHERE {self.id} > ? ORDER BY {self.id} LIMIT ?",
                (after, CHUNK))
            if sqlite:
                yield from ((p, _uuid(a), v, t, s[:merkle.HEAD_BYTES],
                             hashlib.sha256(s).digest()) for p, a, v, t, s in chunk)
            else:
                yield from chunk
            if len(chunk) < CHUNK:
                return
            after = int(chunk[-1][0])

    def some(self, positions: list[int]) -> Iterator[tuple[int, str, int, str, bytes]]:
        """The events at these positions (in order), as `rows` gives them."""
        for start in range(0, len(positions), 500):
            chunk = positions[start:start + 500]
            marks = ",".join("?" for _ in chunk)
            for position, aggregate, version, topic, state in self.db.query(
                    f"SELECT {self.id}, originator_id, originator_version, topic, state "
                    f"FROM {self.table} WHERE {self.id} IN ({marks}) ORDER BY {self.id}",
                    chunk):
                yield int(position), _uuid(aggregate), int(version), topic, bytes(state)

    def at(self, position: int) -> tuple[int, str, int, str, bytes] | None:
        row = self.db.query_one(
            f"SELECT {self.id}, originator_id, originator_version, topic, state "
            f"FROM {self.table} WHERE {self.id} = ?", (position,))
        if row is None:
            return None
        return int(row[0]), _uuid(row[1]), int(row[2]), row[3], bytes(row[4])


def _uuid(value: Any) -> str:
    """An aggregate id as the tree has it (SQLite keeps hex, PostgreSQL a uuid)."""
    return str(value) if isinstance(value, UUID) else str(UUID(value))


def event_log(services: Any) -> EventLog:
    """The event store's table: its own SQLite file, or the shared PostgreSQL database."""
    table = services.app.recorder.events_table_name
    if services.db.kind == "sqlite":
        return EventLog(SQLiteDatabase(services.settings.events_path), table, owned=True)
    return EventLog(services.db, table)


def tree_heads(services: Any) -> TreeHeads:
    return TreeHeads(services.db, services.settings.audit_key)


def _tree_now(services: Any) -> tuple[int, bytes]:
    with services.db.transaction(read_only=True) as tx:
        tree = Tree(tx)
        return tree.size, tree.root()


def checkpoint(services: Any) -> TreeHead:
    """Sign (and keep) a head for the log as the views have it now."""
    services.projections.catch_up()
    size, root = _tree_now(services)
    return tree_heads(services).sign(size, root, services.clock())


def checkpoint_if_grown(services: Any) -> TreeHead | None:
    """The scheduled head: signed only if the log grew since the last one."""
    services.projections.catch_up()
    size, root = _tree_now(services)
    heads = tree_heads(services)
    latest = heads.latest()
    if latest is not None and latest.size == size:
        return None
    return heads.sign(size, root, services.clock())


def read_head(path: Path) -> TreeHead:
    """A head exported by `journey audit checkpoint` (ValueError if it is not one)."""
    try:
        data = json.loads(Path(path).read_text())
        return TreeHead(int(data["size"]), str(data["root"]), str(data["at"]),
                        str(data["signature"]), str(data["public_key"]),
                        str(data.get("algorithm", "Ed25519")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a signed tree head: {error}") from None


@dataclass
class Verdict:
    """What `verify` found."""

    ok: bool = True
    events_checked: int = 0
    tree_size: int = 0
    first_bad_position: int | None = None
    first_bad: str | None = None  # the first bad leaf, in words
    problems: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)

    def as_json(self) -> dict:
        return {"ok": self.ok, "events_checked": self.events_checked,
                "tree_size": self.tree_size, "first_bad_position": self.first_bad_position,
                "first_bad": self.first_bad, "problems": self.problems}


Progress = Callable[[int, int], None]  # (events checked, events in the tree)


def verify(services: Any, given: list[TreeHead] = (),  # type: ignore[assignment]
           progress: Progress | None = None) -> Verdict:
    """Check the whole log against its tree and every signed head (see the module)."""
    verdict = Verdict()
    try:
        services.projections.catch_up()
    except Exception as error:  # noqa: BLE001 - an unreadable event; reported below
        verdict.fail(f"the views could not apply the log ({type(error).__name__})")
    keeper = tree_heads(services)
    heads = sorted([*keeper.stored(), *given], key=lambda h: (h.size, h.at))
    for head in heads:
        if not keeper.genuine(head):
            verdict.fail(f"the head of size {head.size} signed at {head.at} does not carry "
                         "a valid signature of this service's audit key")
    with services.db.transaction(read_only=True) as tx:
        tree = Tree(tx)
        size = verdict.tree_size = tree.size
        stored_root = tree.root()
    log = event_log(services)
    try:
        _walk(log, services.db, size, stored_root, heads, verdict, progress)
    finally:
        log.close()
    _check_consistency(services, heads, verdict)
    if verdict.first_bad and verdict.first_bad not in verdict.problems:
        verdict.problems.insert(0, verdict.first_bad)
    return verdict


def _walk(log: EventLog, db: Database, size: int, stored_root: bytes,
          heads: list[TreeHead], verdict: Verdict, progress: Progress | None) -> None:
    """Recompute every leaf and the root at each head's size, in one pass over the log."""
    at_size: dict[int, list[TreeHead]] = {}
    for head in heads:
        at_size.setdefault(head.size, []).append(head)
    frontier = merkle.Frontier()
    leaves = _leaves(db)
    last = 0
    leaf_of = merkle.leaf_of_digest
    for position, aggregate, version, topic, head, digest in log.digests():
        if frontier.size >= size:
            break  # newer than the tree: the next verify covers it
        last = position
        index, leaf_position, leaf = next(leaves)
        value = leaf_of(position, aggregate, version, topic, bytes(head), bytes(digest))
        if verdict.first_bad_position is None:
            if leaf_position < position:
                _bad(verdict, leaf_position, f"position {leaf_position} (leaf {index}) is "
                     "missing from the log: the event was deleted")
            elif leaf_position > position:
                _bad(verdict, position, f"position {position} (aggregate {aggregate}, "
                     f"version {version}) is not in the audit tree: it was inserted")
            elif leaf != value:
                _bad(verdict, position, f"position {position} (aggregate {aggregate}, "
                     f"version {version}, leaf {index}) does not match its leaf: the "
                     "stored event was changed")
        frontier.add(value)
        for head in at_size.get(frontier.size, ()):
            if frontier.root().hex() != head.root:
                verdict.fail(f"the log's first {head.size} events do not have the root "
                             f"signed at {head.at}")
        if progress is not None and (frontier.size % 10000 == 0 or frontier.size == size):
            progress(frontier.size, size)
    verdict.events_checked = frontier.size
    if frontier.size < size:
        index, leaf_position, _ = next(leaves)
        _bad(verdict, leaf_position, f"position {leaf_position} (leaf {index}) and every "
             f"later one are missing from the log: it ends after {frontier.size} of its "
             f"{size} events")
    elif frontier.root() != stored_root:
        verdict.fail("the stored tree's root is not the root of the log")
    for head in heads:
        if head.size > frontier.size:
            verdict.fail(f"the log ends at position {last} after {frontier.size} events "
                         f"but the head signed at {head.at} covers {head.size}: it was "
                         "truncated")


def _bad(verdict: Verdict, position: int, words: str) -> None:
    if verdict.first_bad_position is None:
        verdict.first_bad_position = position
        verdict.first_bad = words
        verdict.ok = False


def _leaves(db: Database) -> Iterator[tuple[int, int, bytes]]:
    after = -1
    while True:
        chunk = stored_leaves(db, after, CHUNK)
        yield from chunk
        if len(chunk) < CHUNK:
            while True:
                yield (after + 1, -1, b"")  # past the end: never equal to an event
                after += 1
        after = chunk[-1][0]


def _check_consistency(services: Any, heads: list[TreeHead], verdict: Verdict) -> None:
    """Each head extends the one before: RFC 6962 consistency proofs from the tree."""
    with services.db.transaction(read_only=True) as tx:
        tree = Tree(tx)
        covered = [h for h in heads if h.size <= tree.size]
        for old, new in zip(covered, covered[1:], strict=False):
            try:
                proof = tree.consistency(old.size, new.size)
                consistent = merkle.verify_consistency(
                    old.size, new.size, bytes.fromhex(old.root), bytes.fromhex(new.root),
                    proof)
            except (LookupError, ValueError):
                consistent = False
            if not consistent:
                verdict.fail(f"the head signed at {new.at} (size {new.size}) does not extend "
                             f"the head signed at {old.at} (size {old.size})")


def prove(services: Any, position: int, head: TreeHead | None = None) -> dict:
    """An inclusion proof of the event at `position` in the tree of `head` (by default
    the latest signed head, signed now if none covers the event). LookupError if the
    log has no such event or the head does not cover it."""
    services.projections.catch_up()
    log = event_log(services)
    try:
        found = log.at(position)
    finally:
        log.close()
    if found is None:
        raise LookupError(f"the log has no event at position {position}")
    _, aggregate, version, topic, state = found
    with services.db.transaction(read_only=True) as tx:
        tree = Tree(tx)
        leaf = tree.leaf_of(position)
        if leaf is None:
            raise LookupError(f"position {position} is not in the audit tree yet")
        index, _ = leaf
        if head is None:
            latest = tree_heads(services).latest()
            head = latest if latest is not None and latest.size > index else None
        if head is None:
            head = tree_heads(services).sign(tree.size, tree.root(), services.clock())
        if head.size <= index or head.size > tree.size:
            raise LookupError(f"the head of size {head.size} does not cover position "
                              f"{position} (leaf {index})")
        path = tree.inclusion(index, head.size)
    return {
        "position": position, "leaf_index": index, "tree_size": head.size,
        "leaf": {"position": position, "aggregate_id": aggregate, "version": version,
                 "topic": topic, "time": merkle.event_time(state),
                 "state_sha256": hashlib.sha256(state).hexdigest()},
        "leaf_hash": merkle.event_leaf(position, aggregate, version, topic, state).hex(),
        "path": [p.hex() for p in path],
        "head": head.as_json(),
        "how_to_check": "leaf bytes = '{position}\\n{aggregate_id}\\n{version}\\n{topic}\\n"
                        "{time}\\n' (UTF-8) followed by the 32 bytes of state_sha256; "
                        "leaf hash = SHA-256(0x00 || leaf bytes); fold the path as RFC 9162 "
                        "2.1.3.2 with node hash SHA-256(0x01 || left || right); the result "
                        "must be the head's root.",
    }
