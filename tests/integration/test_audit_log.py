"""Tamper evidence of the event log (issue 12): an untouched log verifies; a changed byte,
a deleted event and a log truncated after a head was exported are each caught, naming the
position; the events table refuses UPDATE and DELETE; an inclusion proof checks with a
few lines of hashlib. SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.audit import checkpoint, prove, read_head, verify
from tests.support import PASSWORD

pytestmark = pytest.mark.storage

JOURNEY = str(Path(sys.executable).parent / "journey")


def _history(n) -> None:
    """A few children, observations and diary entries: some dozens of events."""
    practitioner = n.practitioner()
    for name in ("Ada Lovelace", "Ben Okri", "Cara Dillon"):
        child, _ = n.family(name)
        r = n.client.post(f"/children/{child}/observations", headers=practitioner.headers,
                          json={"observed_on": "2026-11-24", "text": "Builds a tower."})
        assert r.status_code == 201, r.text


def _tamper(services, sql: str, params: tuple) -> None:
    """What someone with the database's owner rights could do: triggers off, then SQL."""
    if services.db.kind == "sqlite":
        conn = sqlite3.connect(services.settings.events_path, isolation_level=None)
        conn.execute("DROP TRIGGER IF EXISTS stored_events_no_update")
        conn.execute("DROP TRIGGER IF EXISTS stored_events_no_delete")
        conn.execute(sql.replace("{id}", "rowid").replace("{table}", "stored_events"), params)
        conn.close()
        return
    import psycopg

    table = services.app.recorder.events_table_name
    with psycopg.connect(services.settings.database_url, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        conn.execute(sql.replace("{id}", "notification_id").replace("{table}", table)
                     .replace("?", "%s"), params)


def _positions(services) -> list[int]:
    return [n.id for n in services.app.recorder.select_notifications(start=1, limit=10_000)]


def test_an_untouched_log_verifies_and_the_table_refuses_changes(nursery):
    n = nursery
    _history(n)
    head = checkpoint(n.services)
    verdict = verify(n.services, [head])
    assert verdict.ok, verdict.problems
    assert verdict.events_checked == len(_positions(n.services)) == head.size > 20
    assert verdict.first_bad_position is None

    first = _positions(n.services)[0]
    if n.services.db.kind == "sqlite":
        conn = sqlite3.connect(n.services.settings.events_path, isolation_level=None)
        for sql in ("UPDATE stored_events SET topic = 'x' WHERE rowid = ?",
                    "DELETE FROM stored_events WHERE rowid = ?"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(sql, (first,))
        conn.close()
    else:
        import psycopg

        table = n.services.app.recorder.events_table_name
        with psycopg.connect(n.services.settings.database_url, autocommit=True) as conn:
            for sql in (f"UPDATE {table} SET topic = 'x' WHERE notification_id = %s",
                        f"DELETE FROM {table} WHERE notification_id = %s"):
                with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                    conn.execute(sql, (first,))
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(f"TRUNCATE {table}")
    assert verify(n.services).ok


def test_one_flipped_byte_is_caught_naming_its_position(nursery):
    n = nursery
    _history(n)
    checkpoint(n.services)
    target = _positions(n.services)[7]
    state = bytes(n.services.app.recorder.select_notifications(start=target, limit=1)[0].state)
    flipped = bytearray(state)
    flipped[len(state) // 2] ^= 0x01
    _tamper(n.services, "UPDATE {table} SET state = ? WHERE {id} = ?",
            (bytes(flipped), target))
    verdict = verify(n.services)
    assert not verdict.ok
    assert verdict.first_bad_position == target
    assert f"position {target}" in verdict.first_bad and "changed" in verdict.first_bad


def test_a_deleted_event_is_caught_naming_its_position(nursery):
    n = nursery
    _history(n)
    target = _positions(n.services)[5]
    _tamper(n.services, "DELETE FROM {table} WHERE {id} = ?", (target,))
    verdict = verify(n.services)
    assert not verdict.ok and verdict.first_bad_position == target
    assert "deleted" in verdict.first_bad


def test_truncation_after_an_exported_head_is_caught(nursery, tmp_path):
    n = nursery
    _history(n)
    exported = tmp_path / "head.json"
    exported.write_text(json.dumps(checkpoint(n.services).as_json()))
    positions = _positions(n.services)
    cut = positions[-4]
    _tamper(n.services, "DELETE FROM {table} WHERE {id} >= ?", (cut,))
    verdict = verify(n.services, [read_head(exported)])
    assert not verdict.ok and verdict.first_bad_position == cut
    assert any("truncated" in p for p in verdict.problems)

    # Covering the tracks (the tree rebuilt from what is left, the kept heads deleted)
    # does not help: the exported head still names what the log held.
    n.services.projections.rebuild(["audit"])
    n.services.db.execute("DELETE FROM audit_tree_heads")
    assert verify(n.services).ok  # nothing left to compare with...
    verdict = verify(n.services, [read_head(exported)])  # ...but the inspector's head
    assert not verdict.ok
    assert any(f"ends at position {positions[-5]}" in p for p in verdict.problems)


def _check_inclusion(proof: dict) -> bool:
    """A third party's check, with hashlib only (RFC 9162 2.1.3.2)."""
    leaf = proof["leaf"]
    data = (f"{leaf['position']}\n{leaf['aggregate_id']}\n{leaf['version']}\n"
            f"{leaf['topic']}\n{leaf['time']}\n").encode() + bytes.fromhex(leaf["state_sha256"])
    r = hashlib.sha256(b"\x00" + data).digest()
    fn, sn = proof["leaf_index"], proof["head"]["size"] - 1
    for sibling in map(bytes.fromhex, proof["path"]):
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + sibling + r).digest()
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + sibling).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r.hex() == proof["head"]["root"]


def test_an_inclusion_proof_checks_with_hashlib_alone(nursery):
    n = nursery
    _history(n)
    head = checkpoint(n.services)
    for position in _positions(n.services)[::3]:
        proof = prove(n.services, position, head)
        assert _check_inclusion(proof), position
        state = bytes(n.services.app.recorder.select_notifications(
            start=position, limit=1)[0].state)
        assert proof["leaf"]["state_sha256"] == hashlib.sha256(state).hexdigest()
        forged = {**proof, "leaf": {**proof["leaf"], "version": proof["leaf"]["version"] + 1}}
        assert not _check_inclusion(forged)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(head.public_key))
    key.verify(base64.b64decode(head.signature),
               f"journey tree head v1\n{head.size}\n{head.root}\n{head.at}\n".encode())


def test_the_command_line_exports_verifies_and_proves(nursery, tmp_path):
    n = nursery
    _history(n)
    env = {"JOURNEY_DATA_DIR": str(n.services.settings.data_dir), "PATH": "/usr/bin:/bin"}
    if n.services.settings.database_url:
        env["JOURNEY_DATABASE_URL"] = n.services.settings.database_url
    key = n.services.settings.data_dir / "audit.key"
    assert key.exists() and key.stat().st_mode & 0o777 == 0o600
    out = tmp_path / "head.json"
    run = subprocess.run([JOURNEY, "audit", "checkpoint", "--out", str(out)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    run = subprocess.run([JOURNEY, "audit", "verify", "--checkpoint", str(out)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["ok"] is True
    position = _positions(n.services)[2]
    run = subprocess.run([JOURNEY, "audit", "prove", str(position), "--checkpoint", str(out)],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert _check_inclusion(json.loads(run.stdout))

    _tamper(n.services, "DELETE FROM {table} WHERE {id} = ?", (position,))
    run = subprocess.run([JOURNEY, "audit", "verify", "--checkpoint", str(out)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert f"position {position}" in run.stderr


def test_get_audit_verify(nursery):
    n = nursery
    lead = n.add_person(["safeguarding_lead"], "Sam Lead")
    r = n.client.get("/audit/verify", headers=lead.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["events_checked"] > 5
    assert body["first_bad_position"] is None
    assert n.client.get("/audit/verify", headers=n.practitioner().headers).status_code == 403
    assert PASSWORD  # the fixture's logins
