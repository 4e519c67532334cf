"""`journey audit verify` on a large log on PostgreSQL, against the bare rate of reading
the same rows with one SELECT in the same run (issue 12's target: at least 50 % of it).

The log is synthesised straight into the event store's table (events of realistic size,
1,000 per aggregate) and its Merkle tree computed once into the audit tables, so that
building a million events does not take the whole run; `verify` then does what it does
on a real log: reads every event back, recomputes its leaf, compares it with the tree,
and checks the root against a signed head.

    .venv/bin/python bench/audit_verify.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.audit import checkpoint, verify  # noqa: E402
from adapters.bootstrap import bootstrap  # noqa: E402
from adapters.settings import Settings  # noqa: E402
from bench._common import data_dir, fresh_postgres, row  # noqa: E402
from projections import merkle  # noqa: E402

TOPIC = "domain.aggregates.diary_day:DiaryDay.EntryRecorded"


def _state(at: datetime) -> bytes:
    """An event's stored bytes: the time first, then ~400 bytes like a sealed entry."""
    sealed = os.urandom(180).hex()
    return (f'{{"timestamp":{{"_type_":"datetime_iso","_data_":"{at.isoformat()}"}},'
            f'"entry":{{"__sealed__":["x","journey","other","{sealed}"]}}}}').encode()


def synthesise(services, count: int, say) -> None:
    """`count` events in the event store, their tree in the audit tables, views marked
    as having applied them."""
    import psycopg

    table = services.app.recorder.events_table_name
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    url = services.settings.database_url
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.cursor().copy(f"COPY {table} (originator_id, originator_version, topic, "
                                "state) FROM STDIN") as copy:
            aggregate = None
            for i in range(count):
                if i % 1000 == 0:
                    aggregate = uuid.uuid4()
                copy.write_row((aggregate, i % 1000 + 1, TOPIC,
                                _state(start + timedelta(seconds=i))))
                if i and i % 200_000 == 0:
                    say(f"  {i} events written")
        say("  events written; computing the tree")
        frontier_nodes: list[tuple[int, int, bytes]] = []
        leaves: list[tuple[int, int, bytes]] = []
        edge: list[tuple[int, bytes]] = []
        with conn.transaction():
            rows = conn.cursor(name="all")
            rows.itersize = 10_000
            rows.execute(f"SELECT notification_id, originator_id, originator_version, "
                         f"topic, state FROM {table} ORDER BY notification_id")
            for index, (position, aggregate, version, topic, state) in enumerate(rows):
                value = merkle.event_leaf(position, str(aggregate), version, topic,
                                          bytes(state))
                leaves.append((index, position, value))
                level = 0
                while edge and edge[-1][0] == level:
                    value = merkle.node_hash(edge.pop()[1], value)
                    level += 1
                    frontier_nodes.append((level, index >> level, value))
                edge.append((level, value))
            rows.close()
        with conn.cursor().copy("COPY audit_leaves (leaf_index, position, hash) FROM STDIN"
                                ) as copy:
            for leaf in leaves:
                copy.write_row(leaf)
        with conn.cursor().copy("COPY audit_nodes (level, node_index, hash) FROM STDIN"
                                ) as copy:
            for node in frontier_nodes:
                copy.write_row(node)
        last = leaves[-1][1]
        conn.execute("UPDATE projection_tracking SET position = %s", (last,))
        conn.execute("ANALYZE")


def bare_select(services) -> tuple[int, float]:
    """Every row of the log through one SELECT (a server-side cursor), doing nothing."""
    import psycopg

    table = services.app.recorder.events_table_name
    with psycopg.connect(services.settings.database_url) as conn:
        started = time.perf_counter()
        cursor = conn.cursor(name="bare")
        cursor.itersize = 5000
        cursor.execute(f"SELECT notification_id, originator_id::text, originator_version, topic, "
                       f"state FROM {table} ORDER BY notification_id")
        count = sum(1 for _ in cursor)
        return count, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with fresh_postgres() as url, data_dir() as directory:
        if url is None:
            print("PostgreSQL is not reachable (JOURNEY_TEST_POSTGRES); nothing measured.")
            return 1
        services = bootstrap(Settings.from_env({"JOURNEY_DATA_DIR": str(directory),
                                                "JOURNEY_DATABASE_URL": url}))
        try:
            print(f"synthesising {args.events} events on PostgreSQL", file=sys.stderr)
            synthesise(services, args.events, lambda line: print(line, file=sys.stderr))
            head = checkpoint(services)
            assert head.size == args.events, head
            bare_select(services)  # warm the cache: both runs read from memory
            count, bare_seconds = bare_select(services)
            started = time.perf_counter()
            verdict = verify(services)
            verify_seconds = time.perf_counter() - started
            assert verdict.ok and verdict.events_checked == count, verdict.problems
        finally:
            services.close()
    bare = count / bare_seconds
    print(f"log of {count} events, PostgreSQL (os.getloadavg: "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})")
    row("bare SELECT of every row", bare, "rows/s")
    row("journey audit verify", count / verify_seconds, "events/s", bare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
